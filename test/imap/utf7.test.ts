// IMAP modified UTF-7 (RFC 3501 §5.1.3): the RFC's examples, the
// characters that must be encoded, every malformed spelling the decoder
// refuses, and two properties: text round-trips, and every accepted wire
// form is the canonical one.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeModifiedUtf7,
  encodeModifiedUtf7,
  Utf7Error,
} from "../../mod.ts";
import { tryDecodeModifiedUtf7 } from "../../src/imap/utf7.ts";

/** Text and its modified UTF-7 form, both ways. */
const PAIRS: [string, string][] = [
  ["~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"],
  ["Entwürfe", "Entw&APw-rfe"],
  ["A&B", "A&-B"],
  ["&", "&-"],
  ["&&", "&-&-"],
  ["ä&", "&AOQ-&-"],
  ["&ä", "&-&AOQ-"],
  ["", ""],
  ["INBOX", "INBOX"],
  [" ~!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}", " ~!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}"],
  ["😀", "&2D3eAA-"],
  ["a😀b🎉", "a&2D3eAA-b&2DzfiQ-"],
  ["😀🎉", "&2D3eANg834k-"],
  ["\u03ff", "&A,8-"],
  ["a\x01b", "a&AAE-b"],
  ["\x00", "&AAA-"],
  ["\x7f", "&AH8-"],
  ["tab\there", "tab&AAk-here"],
  ["Ärger Über", "&AMQ-rger &ANw-ber"],
  ["Важное", "&BBIEMAQ2BD0EPgQ1-"],
];

/** Wire forms the decoder refuses, with the offset it names. */
const REJECTED: [string, string, number, RegExp][] = [
  ["unterminated run", "A&Jjo", 1, /unterminated "&" at offset 1/],
  ["lone & at the end", "A&", 1, /unterminated "&"/],
  ["run cut before its dash", "&2D3eAA", 0, /unterminated/],
  ["bad base64 character", "&A!8-", 2, /"!" is not modified base64/],
  ["'/' instead of ','", "&A/8-", 2, /"\/" is not modified base64/],
  ["base64 padding", "&APw=-", 4, /"=" is not modified base64/],
  ["run of printable ASCII", "&AEE-", 3, /printable character "A"/],
  ["run holding '&'", "&ACY-", 3, /printable character "&"/],
  ["run holding a space", "&ACA-", 3, /printable character " "/],
  ["non-zero padding bits", "&APx-", 3, /padding bits that are not zero/],
  ["partial UTF-16 unit", "&AP-", 3, /partial UTF-16 unit/],
  ["one base64 character", "&A-", 2, /partial UTF-16 unit/],
  ["unit and a half", "&AOQA-", 5, /partial UTF-16 unit/],
  ["high surrogate alone", "&2D0-", 3, /high surrogate without a low one/],
  ["high surrogate then BMP", "&2D0A5A-", 3, /high surrogate without a low one/],
  ["low surrogate alone", "&3gA-", 3, /low surrogate without a high one/],
  ["raw 8-bit character", "Entwürfe", 4, /outside US-ASCII/],
  ["raw CJK character", "日本", 0, /outside US-ASCII/],
  ["raw control character", "a\x01b", 1, /control character/],
  ["raw DEL", "a\x7f", 1, /control character/],
  ["raw tab", "a\tb", 1, /control character/],
  ["two runs back to back", "&AOQ-&APw-", 5, /right after another one/],
];

describe("encodeModifiedUtf7", () => {
  it("writes the RFC's and the usual names", () => {
    for (const [text, wire] of PAIRS) {
      assert.equal(encodeModifiedUtf7(text), wire, JSON.stringify(text));
    }
  });

  it("rejects a lone surrogate with a typed error, never U+FFFD", () => {
    for (const [text, offset] of [
      ["a\ud800b", 1],
      ["\udc00", 0],
      ["x\ud83d", 1],
      ["\ude00\ud83d", 0],
      ["ok😀\ud800", 4],
    ] as const) {
      assert.throws(
        () => encodeModifiedUtf7(text),
        (e: unknown) =>
          e instanceof Utf7Error && e.name === "Utf7Error" &&
          e.input === text && e.offset === offset &&
          e.message.includes("lone surrogate") &&
          e.message.includes(JSON.stringify(text)),
        JSON.stringify(text),
      );
    }
  });
});

describe("decodeModifiedUtf7", () => {
  it("reads the RFC's and the usual names", () => {
    for (const [text, wire] of PAIRS) {
      assert.equal(decodeModifiedUtf7(wire), text, wire);
    }
  });

  for (const [what, wire, offset, message] of REJECTED) {
    it(`rejects ${what}: ${JSON.stringify(wire)}`, () => {
      assert.throws(
        () => decodeModifiedUtf7(wire),
        (e: unknown) =>
          e instanceof Utf7Error && e.input === wire && e.offset === offset &&
          message.test(e.message) &&
          e.message.startsWith(
            `Invalid modified UTF-7 ${JSON.stringify(wire)}: `,
          ),
      );
      assert.equal(tryDecodeModifiedUtf7(wire), undefined);
    });
  }

  it("names the input and offset in the brief's form", () => {
    assert.throws(() => decodeModifiedUtf7("A&Jjo"), {
      name: "Utf7Error",
      message: 'Invalid modified UTF-7 "A&Jjo": unterminated "&" at offset 1',
    });
  });
});

describe("modified UTF-7 properties", () => {
  it("round-trips any well-formed Unicode text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        const wire = encodeModifiedUtf7(s);
        assert.match(wire, /^[\x20-\x7e]*$/);
        assert.equal(decodeModifiedUtf7(wire), s);
      }),
      { seed: 0x7f7, numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.oneof(
            fc.constantFrom("&", "-", "A", "/", ",", "+", "\x00", "\x7f", "\t"),
            fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
          ),
        }),
        (s) => assert.equal(decodeModifiedUtf7(encodeModifiedUtf7(s)), s),
      ),
      { seed: 0x7f8, numRuns: 2000 },
    );
  });

  it("accepts only canonical wire forms: encode(decode(x)) === x", () => {
    // Random strings over the alphabet that matters: base64 characters,
    // "&", "-", a few other printables and a few invalid characters.
    const unit = fc.constantFrom(
      "&", "&", "-", "-", "A", "P", "w", "2", "D", "3", "e", ",", "+", "/",
      "=", "a", " ", "~", "\x01", "ü", "Q", "g",
    );
    let accepted = 0;
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 16 }), (wire) => {
        const text = tryDecodeModifiedUtf7(wire);
        if (text === undefined) return;
        accepted++;
        assert.equal(encodeModifiedUtf7(text), wire);
      }),
      { seed: 0x7f9, numRuns: 5000 },
    );
    assert.ok(accepted > 100, `only ${accepted} random wire forms accepted`);
    // The encodings of random text, perturbed by one character.
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", minLength: 1 }),
        fc.nat(),
        unit,
        (s, at, c) => {
          const wire = encodeModifiedUtf7(s);
          const i = at % wire.length;
          const changed = wire.slice(0, i) + c + wire.slice(i + 1);
          const text = tryDecodeModifiedUtf7(changed);
          if (text !== undefined) assert.equal(encodeModifiedUtf7(text), changed);
        },
      ),
      { seed: 0x7fa, numRuns: 3000 },
    );
  });
});
