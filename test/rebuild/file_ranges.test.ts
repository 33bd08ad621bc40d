// A name-list file split into names by workers, a byte range each
// (src/rebuild/file_ranges.ts): the same table and the same warnings, in
// the same order, as readNameFile in one thread, for any number of workers
// and wherever the ranges cut the lines; and a rebuild from a file with
// worker threads writes the bytes of one without.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalRebuildExecutor } from "../../src/rebuild/executors.ts";
import { readNameFileOn } from "../../src/rebuild/file_read.ts";
import { readNameFile } from "../../src/rebuild/input.ts";
import type { NameTable } from "../../src/rebuild/names.ts";
import { rebuild } from "../../src/rebuild/rebuild.ts";
import { generateTree } from "../../bench/trees.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-file-ranges-");
after(() => tmp.cleanup());
const enc = new TextEncoder();

/** The names of a table, as byte strings, and where its bytes end. */
function namesOf(t: NameTable): { names: string[]; end: number } {
  const names: string[] = [];
  for (let i = 0; i < t.count; i++) {
    names.push(Array.from(t.bytes.subarray(t.starts[i], t.starts[i + 1] - 1), (b) => b.toString(16)).join(" "));
  }
  return { names, end: t.starts[t.count] };
}

const LISTS: [string, Uint8Array][] = [
  ["empty", new Uint8Array(0)],
  ["blank lines only", enc.encode("\n\n\r\n\n")],
  ["no newline at the end", enc.encode("INBOX\nArchive/2009")],
  [
    "a byte order mark, CRLF, blank lines, a line not UTF-8, an over-long line",
    new Uint8Array([
      0xef, 0xbb, 0xbf, ...enc.encode("INBOX\r\n\r\n\nSent\n"),
      ...enc.encode("\u00e4pfel\r\r\n"),
      0x61, 0xff, 0x0a,
      ...enc.encode(`${"z".repeat((1 << 20) + 1)}\n\nok\r\n`),
      0xef, 0xbb, 0xbf, ...enc.encode("bom-not-first\n"),
      ...enc.encode(Array.from({ length: 300 }, (_, i) => `f${i}/g${i % 7}`).join("\n")),
      ...enc.encode("\n\u{1F600}/x"),
    ]),
  ],
];

describe("readNameFileOn: a name-list file split by workers, a byte range each", () => {
  for (const [label, bytes] of LISTS) {
    it(`${label}: the table and warnings of readNameFile, with 1 to 7 workers`, async () => {
      const file = join(tmp.dir, "list.txt");
      writeFileSync(file, bytes);
      const oneWarnings: string[] = [];
      const want = namesOf(readNameFile(file, false, (m) => oneWarnings.push(m)));
      for (let workers = 1; workers <= 7; workers++) {
        const warnings: string[] = [];
        const t = await readNameFileOn(file, new LocalRebuildExecutor(workers), (m) => warnings.push(m));
        assert.deepEqual(namesOf(t), want, `${workers} workers`);
        assert.deepEqual(warnings, oneWarnings, `${workers} workers`);
      }
    });
  }

  it("a rebuild from a file with 2 worker threads writes the bytes of one without", async () => {
    const file = join(tmp.dir, "tree.txt");
    writeFileSync(file, generateTree("realistic", 20_000, 5).join("\r\n") + "\n\n");
    const lists: Uint8Array[] = [];
    for (const workers of [0, 2]) {
      const path = join(tmp.dir, `tree-w${workers}.mlist`);
      const r = await rebuild(path, { file }, { workers, uidValidity: 77, onWarning: () => {} });
      assert.equal(r.count, 20_000);
      lists.push(new Uint8Array(readFileSync(path)).subarray(0, r.usedSpace));
    }
    assert.deepEqual(lists[1], lists[0]);
  });
});
