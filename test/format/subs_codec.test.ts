// The subscriptions file codec (SPEC §12, docs/FORMAT.md "The subscriptions
// file"): names sorted by their UTF-8 bytes, NUL-terminated, checksummed;
// every damaged or hostile byte sequence is a CorruptIndexError naming the
// file, never a crash.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CorruptIndexError, InvalidNameError } from "../../mod.ts";
import {
  decodeSubscriptions,
  decodeSubsHeader,
  encodeSubscriptions,
  sortNamesByBytes,
  SUBS_HEADER_SIZE,
} from "../../src/format/subs_codec.ts";
import { hashBytes } from "../../src/format/name_hash.ts";
import { checkedName, DEFAULT_LIMITS } from "../../src/format/limits.ts";
import {
  decodeJournal,
  encodeJournal,
  FILE_ATTR,
  FILE_LIST,
  FILE_SUBS,
  JOURNAL_HEADER_SIZE,
} from "../../src/format/journal.ts";

const FILE = "/idx/u.mlist.subs";

/** The file with its checksums made right again after an edit. */
function resealed(b: Uint8Array): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(24, hashBytes(b, SUBS_HEADER_SIZE, b.length), true);
  dv.setUint32(28, hashBytes(b, 0, 28), true);
  return b;
}

function refused(bytes: Uint8Array, check: RegExp): void {
  assert.throws(() => decodeSubscriptions(bytes, FILE), (e: unknown) => {
    assert.ok(e instanceof CorruptIndexError, `not a CorruptIndexError: ${e}`);
    assert.equal(e.file, FILE);
    assert.match(e.check, check);
    return true;
  });
}

describe("subscriptions file codec", () => {
  it("round-trips names in UTF-8 byte order, without duplicates", () => {
    const names = ["Zeta", "ä", "INBOX", "a", "\u{1F600}", "\uFF21", "INBOX", "Lists/dev"];
    const file = encodeSubscriptions(names, 0x2f);
    // Byte order: "INBOX" < "Lists/dev" < "Zeta" < "a" < "ä" < "Ａ" (EF BC A1) < "😀" (F0 ...).
    const expected = ["INBOX", "Lists/dev", "Zeta", "a", "ä", "\uFF21", "\u{1F600}"];
    assert.deepEqual(decodeSubscriptions(file, FILE), expected);
    assert.deepEqual(sortNamesByBytes(names), expected);
    const h = decodeSubsHeader(file, file.length, FILE);
    assert.equal(h.count, expected.length);
    assert.equal(h.separator, 0x2f);
    assert.equal(h.bodyLength, file.length - SUBS_HEADER_SIZE);
    assert.deepEqual([...file.subarray(0, 4)], [0x4d, 0x4c, 0x49, 0x53]);
  });

  it("an empty set is a bare header", () => {
    const file = encodeSubscriptions([], 0x2e);
    assert.equal(file.length, SUBS_HEADER_SIZE);
    assert.deepEqual(decodeSubscriptions(file, FILE), []);
  });

  it("refuses names a file cannot hold", () => {
    assert.throws(() => encodeSubscriptions(["a\0b"], 0x2f), InvalidNameError);
    assert.throws(() => encodeSubscriptions([""], 0x2f), InvalidNameError);
    assert.throws(() => encodeSubscriptions(["x\uD800"], 0x2f), InvalidNameError);
  });

  it("refuses truncated, zeroed and resized files from the header", () => {
    const file = encodeSubscriptions(["INBOX", "Sent", "Trash"], 0x2f);
    for (let n = 0; n < file.length; n++) {
      assert.throws(() => decodeSubscriptions(file.subarray(0, n), FILE), CorruptIndexError, `truncated to ${n}`);
    }
    refused(new Uint8Array(64), /magic/);
    const longer = new Uint8Array(file.length + 4);
    longer.set(file);
    refused(longer, /body length/);
  });

  it("refuses a wrong checksum, version or header size", () => {
    const file = encodeSubscriptions(["INBOX", "Sent"], 0x2f);
    const body = file.slice();
    body[SUBS_HEADER_SIZE] ^= 1;
    refused(body, /body checksum/);
    const head = file.slice();
    head[16] ^= 1;
    refused(head, /header checksum/);
    const version = file.slice();
    version[4] = 2;
    refused(resealed(version), /version/);
    const size = file.slice();
    size[8] = 36;
    refused(resealed(size), /header size/);
  });

  it("refuses names out of order, repeated, empty, not UTF-8 or without their NUL, and a wrong count", () => {
    const enc = (parts: number[][], count = parts.length) => {
      const body = parts.flatMap((p) => [...p, 0]);
      const b = new Uint8Array(SUBS_HEADER_SIZE + body.length);
      b.set(encodeSubscriptions([], 0x2f).subarray(0, SUBS_HEADER_SIZE));
      b.set(body, SUBS_HEADER_SIZE);
      const dv = new DataView(b.buffer);
      dv.setUint32(16, count, true);
      dv.setUint32(20, body.length, true);
      return resealed(b);
    };
    const A = [0x41], B = [0x42];
    assert.deepEqual(decodeSubscriptions(enc([A, B]), FILE), ["A", "B"]);
    refused(enc([B, A]), /ascending/);
    refused(enc([A, A]), /ascending/);
    refused(enc([A, []], 1), /empty/);
    refused(enc([A, [0xc3, 0x28]]), /UTF-8/);
    refused(enc([A, B], 3), /count/);
    refused(enc([A, B], 1), /count/);
    const noNul = enc([A, B]);
    noNul[noNul.length - 1] = 0x43;
    refused(resealed(noNul), /NUL/);
  });

  it("never throws anything but CorruptIndexError on random bytes", () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const base = encodeSubscriptions(["INBOX", "Lists/dev", "Sent"], 0x2f);
    for (let i = 0; i < 2000; i++) {
      const b = base.slice();
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      if (i % 2 === 0) resealed(b);
      try {
        decodeSubscriptions(b, FILE);
      } catch (e) {
        assert.ok(e instanceof CorruptIndexError, String(e));
      }
    }
  });

  it("canonical spelling of checked names", () => {
    assert.equal(checkedName("a/b", 0x2f, DEFAULT_LIMITS), "a/b");
    assert.equal(checkedName("//a//b//", 0x2f, DEFAULT_LIMITS), "a/b");
    assert.equal(checkedName("a..b", 0x2e, DEFAULT_LIMITS), "a.b");
    for (const bad of ["", "/", "a\0b", "x\uDC00", "x".repeat(256), "y/".repeat(300)]) {
      assert.throws(() => checkedName(bad, 0x2f, DEFAULT_LIMITS), InvalidNameError, JSON.stringify(bad));
    }
  });

  it("a journal record renames the subscriptions file with file code 2, and never patches it", () => {
    const rec = decodeJournal(encodeJournal(4, 1, 9, [], [FILE_ATTR, FILE_SUBS, FILE_LIST]));
    assert.deepEqual(rec?.renames, [FILE_ATTR, FILE_SUBS, FILE_LIST]);
    const patch = encodeJournal(4, 1, 9, [{ file: FILE_LIST, offset: 0, bytes: new Uint8Array(4) }], []);
    patch[JOURNAL_HEADER_SIZE + 1] = FILE_SUBS; // the patch now names the subscriptions file
    const dv = new DataView(patch.buffer);
    dv.setUint32(28, hashBytes(patch, JOURNAL_HEADER_SIZE, patch.length), true);
    dv.setUint32(32, hashBytes(patch, 0, 32), true);
    assert.equal(decodeJournal(patch), undefined, "a patch of file 2 makes the record malformed");
  });
});
