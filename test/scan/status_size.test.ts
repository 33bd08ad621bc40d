// STATUS SIZE and DELETED from a Maildir (SPEC §12): SIZE is the sum of the
// S=<bytes> fields of the message file names, a file without one is
// stat'ed (one gone in between is skipped; one that cannot be stat'ed
// leaves SIZE out, with a warning); DELETED counts the T flag of the :2,
// info. Both scanners, the parallel scan, a sync from the store and the
// rebuild's own store scan report the same figures.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MailboxListIndex,
  nodeScanFs,
  rebuild,
  type ScanFs,
  scanFsLayout,
  scanMaildir,
  type ScannedMailbox,
  type ScanWarning,
  scanStore,
  startRebuildWorkers,
} from "../../mod.ts";
import { maildirNameSize } from "../../src/scan/maildir.ts";
import { listMaildirTopLevel } from "../../src/scan/maildir.ts";
import { scanStoreOn } from "../../src/rebuild/store_scan.ts";
import { syncIndex } from "../../src/cli/sync_index.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-size-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {} };

/** A Maildir whose files hold `bytes` bytes each, whatever their S= says. */
function maildir(dir: string, cur: string[], fresh: string[], bytes = 10): void {
  for (const d of ["cur", "new", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
  for (const f of cur) writeFileSync(join(dir, "cur", f), "x".repeat(bytes));
  for (const f of fresh) writeFileSync(join(dir, "new", f), "x".repeat(bytes));
}

const root = join(tmp.dir, "Maildir");
// INBOX: S= gives 1234 + 100 + 5 (the files hold 10 bytes each: S= is believed); "T" twice in cur.
maildir(root, ["1.M1P1.host,S=1234,W=1260:2,ST", "2.M2P1.host,S=100:2,T", "3.M3P1.host,S=5:2,S"], []);
// Archive: no S= at all: stat gives 7 bytes each, 3 files; "FT" is deleted, "T" in a keyword-less name too.
maildir(join(root, ".Archive"), ["a.host:2,FT", "b.host:2,"], ["c.host"], 7);
// Mixed: one S=, one without (stat: 10), one with a malformed S= (stat: 10), one in new/.
maildir(join(root, ".Mixed"), ["m1,S=40:2,", "m2:2,S", "m3,S=x1:2,"], ["m4,S=2"]);
// Empty folder: SIZE 0, DELETED 0.
maildir(join(root, ".Empty"), [], []);

const WANT = new Map([
  ["INBOX", { size: 1339, deleted: 2 }],
  ["Archive", { size: 21, deleted: 1 }],
  ["Empty", { size: 0, deleted: 0 }],
  ["Mixed", { size: 62, deleted: 0 }],
]);

async function collect(scan: AsyncGenerator<ScannedMailbox>): Promise<ScannedMailbox[]> {
  const out: ScannedMailbox[] = [];
  for await (const m of scan) out.push(m);
  return out;
}

function figures(boxes: readonly ScannedMailbox[]): Map<string, { size: unknown; deleted: unknown }> {
  return new Map(boxes.map((m) => [m.name, { size: m.status?.size, deleted: m.status?.deleted }]));
}

describe("STATUS SIZE and DELETED from a Maildir", () => {
  it("reads the size from S= in a file name", () => {
    const size = (name: string) => maildirNameSize(name, name.lastIndexOf(":2,"));
    assert.equal(size("1700000000.M1P1.host,S=1234,W=1260:2,S"), 1234);
    assert.equal(size("1700000000.M1P1.host,W=1260,S=99"), 99);
    assert.equal(size("host,S=12x,S=34:2,"), 34);
    assert.equal(size("host,S=:2,"), -1);
    assert.equal(size("host:2,S=5"), -1, "an S= in the info part is no size");
    assert.equal(size("host,S=99999999999999999999"), -1, "more digits than any file has");
    assert.equal(size("plain"), -1);
  });

  it("scanMaildir sums S= fields, stats files without one and counts the T flag", async () => {
    const boxes = await collect(scanMaildir(root));
    assert.deepEqual(figures(boxes), WANT);
    assert.deepEqual(boxes.find((m) => m.name === "INBOX")?.status, {
      messages: 3,
      unseen: 1,
      recent: 0,
      uidValidity: 0,
      uidNext: 0,
      deleted: 2,
      size: 1339,
    });
  });

  it("the directory-per-folder scanner reads a folder's figures the same way", async () => {
    const fsRoot = join(tmp.dir, "fs");
    maildir(fsRoot, ["1.host,S=300:2,T"], ["2.host"], 4);
    maildir(join(fsRoot, "Work"), ["w.host:2,ST", "v.host:2,T"], [], 9);
    assert.deepEqual(figures(await collect(scanFsLayout(fsRoot))), new Map([
      ["INBOX", { size: 304, deleted: 1 }],
      ["Work", { size: 18, deleted: 2 }],
    ]));
  });

  it("a file gone before its stat is skipped; one that cannot be stat'ed leaves SIZE out, with a warning", async () => {
    const dir = join(tmp.dir, "faulty");
    maildir(dir, ["ok.host:2,S", "eio.host:2,S"], [], 3);
    const ghost: ScanFs = {
      ...nodeScanFs,
      readdir: async (p) => {
        const entries = await nodeScanFs.readdir(p);
        if (!p.endsWith("cur")) return entries;
        const e = entries[0];
        return [...entries, { ...e, name: "gone.host:2,", isDirectory: () => false, isFile: () => true, isSymbolicLink: () => false }];
      },
    };
    const noEio: ScanFs = {
      ...ghost,
      stat: (p) => p.endsWith("eio.host:2,S") ? Promise.resolve({ isDirectory: () => false, size: 3 }) : nodeScanFs.stat(p),
    };
    let boxes = await collect(scanMaildir(dir, { fs: noEio }));
    assert.deepEqual(figures(boxes), new Map([["INBOX", { size: 6, deleted: 0 }]]));
    assert.equal(boxes[0].status?.messages, 3, "the file listed still counts as a message");
    const warnings: ScanWarning[] = [];
    const eio: ScanFs = {
      ...ghost,
      stat: (p) =>
        p.endsWith("eio.host:2,S")
          ? Promise.reject(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }))
          : nodeScanFs.stat(p),
    };
    boxes = await collect(scanMaildir(dir, { fs: eio, onWarning: (w) => warnings.push(w) }));
    assert.equal(boxes[0].status?.size, undefined);
    assert.equal(boxes[0].status?.messages, 3);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].reason, /^Cannot stat ".*eio\.host:2,S" of folder "INBOX": .*\(EIO\); its SIZE is not reported$/);
    const sizeless: ScanFs = { ...nodeScanFs, stat: async (p) => ({ isDirectory: (await nodeScanFs.stat(p)).isDirectory }) };
    boxes = await collect(scanMaildir(dir, { fs: sizeless }));
    assert.equal(boxes[0].status?.size, undefined, "a seam that gives no size");
  });

  it("the parallel scan, a sync from the store and the rebuild's store scan give the same figures", async () => {
    assert.deepEqual(figures(await scanStore("maildir", root, { workers: 2 })), WANT);
    const scanned = await scanStore("maildir", root, {});
    const synced = join(tmp.dir, "synced.mlist");
    await syncIndex(synced, scanned, { recursive: true, ...quiet });
    const workers = await startRebuildWorkers(2);
    const rebuilt = join(tmp.dir, "rebuilt.mlist");
    try {
      const scan = await scanStoreOn(workers, "maildir", root, "/", await listMaildirTopLevel(root));
      await rebuild(rebuilt, { table: scan.names }, { workers, durable: false, ...quiet });
    } finally {
      await workers.close();
    }
    for (const path of [synced, rebuilt]) {
      const index = await MailboxListIndex.open(path, { ...quiet, readonly: true });
      for (const [name, want] of WANT) {
        const s = index.status(name);
        assert.deepEqual({ size: s?.size, deleted: s?.deleted }, want, `${path}: ${name}`);
      }
      await index.close();
    }
  });
});
