// The one rule of a name list (format/name_lines.ts): byte order mark, "\r",
// blank lines, over-long lines and lines that are not UTF-8, the same
// however the list is cut into chunks; and both readers of a list file —
// the scanner's readNameList and the rebuild's { file } input — give the
// same names and the same warnings.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isUtf8, NameLines, NameLineSplitter } from "../../src/format/name_lines.ts";
import { readNameList } from "../../src/scan/name_list.ts";
import { readNameFile } from "../../src/rebuild/input.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-name-lines-");
after(() => tmp.cleanup());

const decoder = new TextDecoder();

/** Names and warnings of the rule over one whole buffer. */
function whole(bytes: Uint8Array, max?: number): { names: string[]; warnings: string[] } {
  const names: string[] = [];
  const warnings: string[] = [];
  new NameLines("the list", max, (m) => warnings.push(m)).lines(bytes, 0, bytes.length, (s, e) => {
    names.push(decoder.decode(bytes.subarray(s, e)));
  });
  return { names, warnings };
}

/** Names and warnings of the rule over the buffer cut at `cuts`. */
function chunked(bytes: Uint8Array, cuts: number[], max?: number): { names: string[]; warnings: string[] } {
  const names: string[] = [];
  const warnings: string[] = [];
  const split = new NameLineSplitter(new NameLines("the list", max, (m) => warnings.push(m)));
  const onName = (b: Uint8Array, s: number, e: number) => names.push(decoder.decode(b.subarray(s, e)));
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    split.push(bytes.slice(from, cut), onName);
    from = cut;
  }
  split.end(onName);
  return { names, warnings };
}

const enc = new TextEncoder();
const LIST = new Uint8Array([
  ...enc.encode("\uFEFFINBOX\r\n\r\nArchive/2009\n\n\u00e4pfel\r\r\n"),
  0x62, 0xff, 0x0a, // line 6: not UTF-8
  ...enc.encode("x".repeat(40) + "\n"), // line 7: over a limit of 32
  ...enc.encode("x".repeat(32) + "\r\n"), // line 8: at the limit with its "\r"
  ...enc.encode(" last "),
]);
const WANT = ["INBOX", "Archive/2009", "\u00e4pfel\r", "x".repeat(32), " last "];
const WARNINGS = [
  "Skipping line 6 of the list: not valid UTF-8",
  "Skipping line 7 of the list: longer than 32 bytes",
];

describe("the rule of a name list", () => {
  it("drops a byte order mark and one \\r, skips blank lines quietly, and over-long or non-UTF-8 lines with a warning", () => {
    assert.deepEqual(whole(LIST, 32), { names: WANT, warnings: WARNINGS });
  });

  it("gives the same names and warnings however the list is cut into chunks", () => {
    for (let i = 0; i <= LIST.length; i++) {
      for (const j of [i, Math.min(LIST.length, i + 1), Math.min(LIST.length, i + 5)]) {
        assert.deepEqual(chunked(LIST, [i, j], 32), { names: WANT, warnings: WARNINGS }, `cut at ${i}/${j}`);
      }
    }
    // A long line in many small chunks is dropped as it comes, and counted.
    const cuts = Array.from({ length: 20 }, (_, k) => 100 + 3 * k);
    const long = enc.encode("a\n" + "y".repeat(200) + "\nb");
    assert.deepEqual(chunked(long, cuts.filter((c) => c < long.length), 32), {
      names: ["a", "b"],
      warnings: ["Skipping line 2 of the list: longer than 32 bytes"],
    });
  });

  it("judges UTF-8 as a fatal TextDecoder does", () => {
    const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const samples = [
      [0xc0, 0x80], [0xc2, 0x80], [0xe0, 0x9f, 0xbf], [0xe0, 0xa0, 0x80], [0xed, 0xa0, 0x80], [0xed, 0x9f, 0xbf],
      [0xf0, 0x8f, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x80], [0x61, 0xe2, 0x82, 0xac],
    ];
    for (const s of samples) {
      const b = new Uint8Array(s);
      let ok = true;
      try {
        fatal.decode(b);
      } catch {
        ok = false;
      }
      assert.equal(isUtf8(b, 0, b.length), ok, s.map((x) => x.toString(16)).join(" "));
    }
  });

  it("is the rule of both readers of a list file: readNameList and the rebuild's { file } input", async () => {
    const file = join(tmp.dir, "names.txt");
    const long = "z".repeat((1 << 20) + 1);
    writeFileSync(
      file,
      new Uint8Array([...LIST.subarray(0, LIST.length - 6), ...enc.encode(`${long}\nok\r\n\u{1F600}/x`)]),
    );
    const scanned: string[] = [];
    const scanWarnings: string[] = [];
    for await (const n of readNameList(file, { onWarning: (w) => scanWarnings.push(w.reason) })) scanned.push(n);
    const fileWarnings: string[] = [];
    const table = readNameFile(file, false, (m) => fileWarnings.push(m));
    const fromFile = Array.from({ length: table.count }, (_, i) => decoder.decode(table.bytes.subarray(table.starts[i], table.starts[i + 1] - 1)));
    assert.deepEqual(fromFile, scanned);
    assert.deepEqual(fileWarnings, scanWarnings);
    assert.deepEqual(scanned, ["INBOX", "Archive/2009", "\u00e4pfel\r", "x".repeat(40), "x".repeat(32), "ok", "\u{1F600}/x"]);
    assert.deepEqual(scanWarnings, [
      `Skipping line 6 of ${JSON.stringify(file)}: not valid UTF-8`,
      `Skipping line 9 of ${JSON.stringify(file)}: longer than 1048576 bytes`,
    ]);
    // A list that cannot be read is named the same way by both.
    const missing = join(tmp.dir, "missing.txt");
    const message = `Cannot read name list "${missing}": no such file or directory`;
    assert.throws(() => readNameFile(missing, false), { message });
    await assert.rejects((async () => {
      for await (const _ of readNameList(missing));
    })(), { message });
  });
});
