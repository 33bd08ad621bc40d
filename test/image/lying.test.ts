// Structurally valid files that lie (SPEC §9): every offset, count and size
// is fine, but next_uid is not above every live UID, two records share a
// UID or a child directory, or the attribute file has a live entry for a
// UID the list does not have. Readers that traverse the tree (iterate, walk,
// LIST) throw CorruptIndexError instead of pairing a name with a wrong UID;
// writers (partial sync, full sync, syncAll) find the lie before they hand
// out a UID and recover as from any corruption. A pending journal record
// with a valid checksum but for another file_seq or uid_validity is ignored
// by readers and writers alike, with a warning. A list, attribute or journal
// file larger than the format allows is refused from its size alone.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CorruptIndexError, type FileIO, MailboxListIndex, nodeFileIO, type SyncOptions, syncAll } from "../../mod.ts";
import { decodeAttrHeader, encodeAttrHeader } from "../../src/format/attr_codec.ts";
import { checkIndex } from "../../src/check/check.ts";
import { compactImages } from "../../src/index/compact.ts";
import { MAX_FILE_SIZE } from "../../src/format/constants.ts";
import { indexPaths } from "../../src/store/paths.ts";
import { encodeJournal, FILE_LIST, JOURNAL_APPLIED, JOURNAL_PENDING } from "../../src/format/journal.ts";
import { loadSnapshot } from "../../src/index/snapshot.ts";
import { readJournalStamp } from "../../src/store/file_read.ts";
import { SyncEngine } from "../../src/index/sync.ts";
import { recoverJournal } from "../../src/store/writer.ts";
import { copyUid, recordOf, reviveAttrEntry, setNextUid, shareDir } from "../helpers/lies.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-lying-");
after(() => tmp.cleanup());

const freshPath = (): string => tmp.fresh("x.mlist");

/** Reported names; UIDs in the order met: INBOX 1, a 2, a/b 3, c 4, d 5 (next_uid 6). */
const NAMES = ["INBOX", "a/b", "c", "d"];
/** Every mailbox of the index once "d" is gone. */
const ALL = ["INBOX", "a", "a/b", "c"];
const UIDS: Record<string, number> = { INBOX: 1, a: 2, "a/b": 3, c: 4 };

async function sync(path: string, names: string[], options: SyncOptions = { recursive: true }): Promise<void> {
  const index = await MailboxListIndex.open(path, { uidValidity: 4242, durable: false, onWarning() {} });
  const ctx = await index.syncBegin(options);
  for (const n of names) ctx.add(n);
  await ctx.commit();
  await index.close();
}

/** A valid index holding ALL, with UIDS, and the deleted "d" (UID 5) behind it. */
async function build(): Promise<string> {
  const path = freshPath();
  await sync(path, NAMES);
  await sync(path, NAMES.filter((n) => n !== "d"));
  assert.deepEqual(Object.fromEntries(listing(path)), UIDS);
  return path;
}

function listing(path: string): [string, number][] {
  return [...loadSnapshot(nodeFileIO, indexPaths(path)).list.iterate("", Infinity, undefined, "/")].map((m) => [m.name, m.uid]);
}

function editList(path: string, edit: (bytes: Uint8Array) => void): void {
  const bytes = new Uint8Array(readFileSync(path));
  edit(bytes);
  writeFileSync(path, bytes);
}

interface Lie {
  label: string;
  make(path: string): void;
  /** What the CorruptIndexError says. */
  check: RegExp;
}

const LIES: Lie[] = [
  {
    label: "next_uid 3 while UIDs 3 and 4 are live",
    make: (path) => editList(path, (b) => setNextUid(b, 3)),
    check: /live UID [34] is not below next_uid 3/,
  },
  {
    label: "two records with one UID",
    make: (path) => editList(path, (b) => copyUid(b, recordOf(b, "a/b"), recordOf(b, "c"))),
    check: /UID 3 is used by more than one record/,
  },
  {
    label: "two records sharing one child directory",
    make: (path) => editList(path, (b) => shareDir(b, recordOf(b, "a"), recordOf(b, "c"))),
    check: /is reached twice: two records share it/,
  },
  {
    label: "an attribute entry for a UID the list does not have",
    make: (path) => writeFileSync(`${path}.attr`, reviveAttrEntry(new Uint8Array(readFileSync(`${path}.attr`)), 5)),
    check: /attribute file ".*x\.mlist\.attr" has a live entry for uid 5/,
  },
];

async function lying(lie: Lie): Promise<string> {
  const path = await build();
  lie.make(path);
  return path;
}

function isLie(lie: Lie, path: string) {
  return (e: unknown) => {
    assert.ok(e instanceof CorruptIndexError, `expected CorruptIndexError, got ${e}`);
    assert.match(e.message, lie.check);
    assert.ok(e.message.includes(path), `the error names the index: ${e.message}`);
    return true;
  };
}

/** A fresh reader's view of the index after a writer: no UID twice, all below next_uid, and check finds nothing. */
async function assertSound(path: string): Promise<string[]> {
  const index = await MailboxListIndex.open(path, { readonly: true, onWarning() {} });
  try {
    const seen = new Map<number, string>();
    const names: string[] = [];
    for (const m of index.iterate()) {
      assert.equal(seen.get(m.uid), undefined, `UID ${m.uid} of ${m.name} is also the UID of ${seen.get(m.uid)}`);
      assert.ok(m.uid > 0 && m.uid < index.header.nextUid, `UID ${m.uid} of ${m.name} below next_uid ${index.header.nextUid}`);
      seen.set(m.uid, m.name);
      names.push(m.name);
    }
    const report = checkIndex(path);
    assert.deepEqual(report.problems.filter((p) => p.severity === "error"), []);
    return names.sort();
  } finally {
    await index.close();
  }
}

function setAside(path: string): string[] {
  return readdirSync(dirname(path)).filter((f) => f.includes(".corrupt-"));
}

async function openWritable(path: string): Promise<{ index: MailboxListIndex; warnings: string[] }> {
  const warnings: string[] = [];
  const index = await MailboxListIndex.open(path, { durable: false, onWarning: (m) => warnings.push(m) });
  return { index, warnings };
}

describe("§9 structurally valid files that lie", () => {
  for (const lie of LIES) {
    describe(lie.label, () => {
      it("readers: iterate, walk and LIST throw CorruptIndexError; check reports it", async () => {
        const path = await lying(lie);
        const index = await MailboxListIndex.open(path, { readonly: true, onWarning() {} });
        try {
          assert.throws(() => [...index.iterate()], isLie(lie, path));
          assert.throws(() => [...index.iterate("a", { depth: 0 })], isLie(lie, path));
          assert.throws(() => index.walk("", undefined, () => {}), isLie(lie, path));
          assert.throws(() => index.list("*"), isLie(lie, path));
          assert.throws(() => index.list("%"), isLie(lie, path));
        } finally {
          await index.close();
        }
        assert.equal(checkIndex(path).ok, false);
      });

      it("writers: the sync engine refuses the image before it hands out a UID, compression before it copies it", async () => {
        const path = await lying(lie);
        const snap = loadSnapshot(nodeFileIO, indexPaths(path));
        for (const options of [{ partial: true }, { recursive: true }, { path: "a" }]) {
          assert.throws(() => new SyncEngine(snap.list, snap.attr, 0x2f, options), isLie(lie, path));
        }
        const fresh = loadSnapshot(nodeFileIO, indexPaths(path));
        assert.throws(() => compactImages(fresh.list, fresh.attr, 0x2f), isLie(lie, path));
      });

      it("a partial sync sets the index aside and starts afresh: no UID twice", async () => {
        const path = await lying(lie);
        const { index, warnings } = await openWritable(path);
        const ctx = await index.syncBegin({ partial: true });
        ctx.add("new/box");
        await ctx.commit();
        await index.close();
        assert.ok(warnings.some((w) => /is corrupt/.test(w) && lie.check.test(w)), warnings.join("\n"));
        assert.equal(setAside(path).length, 2, "the list and attribute files are set aside");
        assert.deepEqual(await assertSound(path), ["new", "new/box"]);
      });

      it("a full sync rebuilds the index from its names: no UID twice", async () => {
        const path = await lying(lie);
        const { index, warnings } = await openWritable(path);
        const ctx = await index.syncBegin({ recursive: true });
        for (const n of [...ALL, "new"]) ctx.add(n);
        await ctx.commit();
        await index.close();
        assert.ok(warnings.some((w) => /is corrupt/.test(w) && lie.check.test(w)), warnings.join("\n"));
        assert.deepEqual(await assertSound(path), [...ALL, "new"].sort());
      });

      it("syncAll rebuilds it too: no UID twice", async () => {
        const path = await lying(lie);
        const { index, warnings } = await openWritable(path);
        await syncAll(index, [...ALL, "new"]);
        await index.close();
        assert.ok(warnings.some((w) => /is corrupt/.test(w) && lie.check.test(w)), warnings.join("\n"));
        assert.deepEqual(await assertSound(path), [...ALL, "new"].sort());
      });
    });
  }

  it("an attribute file with another uid_validity is still reset with a warning (rule 10), not corruption", async () => {
    const path = await build();
    const attr = reviveAttrEntry(new Uint8Array(readFileSync(`${path}.attr`)), 5);
    encodeAttrHeader(attr, { ...decodeAttrHeader(attr, attr.length, "a"), uidValidity: 999 });
    writeFileSync(`${path}.attr`, attr);
    const { index, warnings } = await openWritable(path);
    assert.deepEqual([...index.iterate()].map((m) => m.name).sort(), ALL);
    const ctx = await index.syncBegin({ partial: true });
    ctx.add("new");
    await ctx.commit();
    await index.close();
    assert.ok(warnings.some((w) => /uid_validity 999/.test(w)), warnings.join("\n"));
    assert.equal(setAside(path).length, 0);
    assert.deepEqual(await assertSound(path), [...ALL, "new"].sort());
  });

  it("a sync never writes the lie itself: flags and STATUS set on a mailbox it deletes go with it", async () => {
    const path = await build();
    const { index, warnings } = await openWritable(path);
    const ctx = await index.syncBegin({ recursive: true });
    for (const n of ["INBOX", "a/b"]) ctx.add(n);
    // "c" (UID 4) is not reported: it is deleted, whatever is set on it.
    ctx.setStatus(UIDS.c, { messages: 1, unseen: 0, recent: 0, uidValidity: 1, uidNext: 2 });
    ctx.setFlags(UIDS.c, 4);
    ctx.addFlags("c", 4);
    await ctx.commit();
    const after = await index.syncBegin({ partial: true });
    after.add("new");
    await after.commit();
    await index.close();
    assert.deepEqual(warnings, []);
    assert.deepEqual(await assertSound(path), ["INBOX", "a", "a/b", "new"]);
  });

  it("the index's own commits are trusted: a sync after a sync on one handle finds nothing to check", async () => {
    const path = await build();
    const { index } = await openWritable(path);
    for (const name of ["x1", "x2", "x3"]) {
      const ctx = await index.syncBegin({ partial: true });
      ctx.add(name);
      await ctx.commit();
    }
    await index.close();
    assert.deepEqual(await assertSound(path), [...ALL, "x1", "x2", "x3"].sort());
  });
});

// ------------------------------------------------------------------ journals

/** A pending record with a valid checksum that sets next_uid to 2, for another list file. */
function plantForeignRecord(path: string, fileSeqDelta: number, uidValidityDelta: number): void {
  const list = readFileSync(path);
  const dv = new DataView(list.buffer, list.byteOffset, list.byteLength);
  const fileSeq = dv.getUint32(4, true), uidValidity = dv.getUint32(12, true);
  const nextUid = new Uint8Array(4);
  new DataView(nextUid.buffer).setUint32(0, 2, true);
  const seq = readJournalStamp(nodeFileIO, `${path}.journal`).seq + 1;
  const journal = encodeJournal(seq, fileSeq + fileSeqDelta, uidValidity + uidValidityDelta, [
    { file: FILE_LIST, offset: 16, bytes: nextUid },
  ], []);
  writeFileSync(`${path}.journal`, journal);
}

describe("§9 a pending journal record for another file_seq or uid_validity", () => {
  for (const [what, dFileSeq, dUidValidity] of [["file_seq", 1, 0], ["uid_validity", 0, 7]] as const) {
    describe(`another ${what}`, () => {
      it("recoverJournal ignores it with a warning and marks it applied", async () => {
        const path = await build();
        plantForeignRecord(path, dFileSeq, dUidValidity);
        const before = readFileSync(path);
        const warnings: string[] = [];
        const paths = indexPaths(path);
        const onWarning = (m: string) => warnings.push(m);
        assert.equal(readJournalStamp(nodeFileIO, paths.journal).state, JOURNAL_PENDING);
        assert.equal(recoverJournal(nodeFileIO, paths, { durable: false, onWarning }), false);
        assert.deepEqual(readFileSync(path), before, "the list file is untouched");
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(warnings[0], new RegExp(`pending record of journal ".*x\\.mlist\\.journal" is for .*${what}`));
        assert.equal(readJournalStamp(nodeFileIO, paths.journal).state, JOURNAL_APPLIED);
        // Neutralised: nobody meets it again.
        assert.equal(recoverJournal(nodeFileIO, paths, { durable: false, onWarning }), false);
        assert.equal(warnings.length, 1);
      });

      it("check warns about it", async () => {
        const path = await build();
        plantForeignRecord(path, dFileSeq, dUidValidity);
        const report = checkIndex(path);
        assert.equal(report.ok, true, JSON.stringify(report.problems));
        assert.ok(
          report.problems.some((p) => p.severity === "warning" && p.file === `${path}.journal` && p.message.includes(what)),
          JSON.stringify(report.problems),
        );
      });

      it("readers ignore it with a warning", async () => {
        const path = await build();
        plantForeignRecord(path, dFileSeq, dUidValidity);
        const warnings: string[] = [];
        const index = await MailboxListIndex.open(path, { readonly: true, onWarning: (m) => warnings.push(m) });
        assert.deepEqual(Object.fromEntries([...index.iterate()].map((m) => [m.name, m.uid])), UIDS);
        assert.equal(index.header.nextUid, 6);
        await index.close();
        assert.ok(warnings.some((w) => w.includes(`${path}.journal`) && w.includes(what)), warnings.join("\n"));
      });

      it("a writer ignores it too: every mailbox kept, no UID twice", async () => {
        const path = await build();
        plantForeignRecord(path, dFileSeq, dUidValidity);
        const { index, warnings } = await openWritable(path);
        const ctx = await index.syncBegin({ partial: true });
        assert.equal(ctx.add("new"), 6);
        await ctx.commit();
        await index.close();
        assert.ok(warnings.some((w) => w.includes(`${path}.journal`) && w.includes(what)), warnings.join("\n"));
        assert.equal(setAside(path).length, 0);
        assert.deepEqual(await assertSound(path), [...ALL, "new"].sort());
      });
    });
  }
});

// ------------------------------------------------------------------ sizes

/** A FileIO that counts the bytes read through it. */
function countingIO(): FileIO & { bytesRead: number } {
  const io = {
    ...nodeFileIO,
    bytesRead: 0,
    read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
      const n = nodeFileIO.read(fd, buf, offset, length, position);
      io.bytesRead += n;
      return n;
    },
  };
  return io;
}

/** Make a file sparse-large: its bytes stay, the rest reads as zeros. */
function grow(file: string, size: number): void {
  const fd = openSync(file, "r+");
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

const GIB = 2 ** 30;
const BIG = Math.floor((1.9 * GIB) / 512) * 512;

function isTooLarge(file: string, size: number) {
  return (e: unknown) => {
    assert.ok(e instanceof CorruptIndexError, `expected CorruptIndexError, got ${e}`);
    assert.equal(e.file, file);
    assert.ok(e.message.includes(`file size ${size} exceeds the ${MAX_FILE_SIZE} bytes`), e.message);
    return true;
  };
}

describe("§9 a list, attribute or journal file larger than the format allows", () => {
  for (const [label, size] of [["1.9 GiB", BIG], ["2.5 GiB", 2.5 * GIB]] as const) {
    it(`a ${label} list file: CorruptIndexError from its size, nothing read`, async () => {
      const path = await build();
      grow(path, size);
      const io = countingIO();
      await assert.rejects(MailboxListIndex.open(path, { readonly: true, io }), isTooLarge(path, size));
      assert.ok(io.bytesRead < 4096, `${io.bytesRead} bytes read`);
    });
  }

  it("a 1.9 GiB attribute file: CorruptIndexError from its size, nothing read", async () => {
    const path = await build();
    grow(`${path}.attr`, BIG);
    const io = countingIO();
    await assert.rejects(MailboxListIndex.open(path, { readonly: true, io }), isTooLarge(`${path}.attr`, BIG));
    assert.ok(io.bytesRead < 4096, `${io.bytesRead} bytes read`);
  });

  /** A pending record for the index's own list file (it rewrites next_uid with its own value), grown to `size`. */
  function bigPendingJournal(path: string, size: number): void {
    const list = readFileSync(path);
    const dv = new DataView(list.buffer, list.byteOffset, list.byteLength);
    const seq = readJournalStamp(nodeFileIO, `${path}.journal`).seq + 1;
    const journal = encodeJournal(seq, dv.getUint32(4, true), dv.getUint32(12, true), [
      { file: FILE_LIST, offset: 16, bytes: new Uint8Array(list.subarray(16, 20)) },
    ], []);
    writeFileSync(`${path}.journal`, journal);
    grow(`${path}.journal`, size);
  }

  it("a 1.9 GiB pending journal: readers get CorruptIndexError without reading it", async () => {
    const path = await build();
    bigPendingJournal(path, BIG);
    const io = countingIO();
    await assert.rejects(MailboxListIndex.open(path, { readonly: true, io }), isTooLarge(`${path}.journal`, BIG));
    assert.ok(io.bytesRead < 4096, `${io.bytesRead} bytes read`);
  });

  it("a 1.9 GiB pending journal: a writer ignores its record with a warning and keeps only its header", async () => {
    const path = await build();
    bigPendingJournal(path, BIG);
    const io = countingIO();
    const warnings: string[] = [];
    const index = await MailboxListIndex.open(path, { durable: false, io, onWarning: (m) => warnings.push(m) });
    assert.ok(io.bytesRead < 1 << 20, `${io.bytesRead} bytes read`);
    assert.ok(warnings.some((w) => w.includes(`file size ${BIG}`)), warnings.join("\n"));
    assert.equal(statSync(`${path}.journal`).size, 36);
    assert.equal(readJournalStamp(nodeFileIO, `${path}.journal`).state, JOURNAL_APPLIED);
    const ctx = await index.syncBegin({ partial: true });
    assert.equal(ctx.add("new"), 6);
    await ctx.commit();
    await index.close();
    assert.deepEqual(await assertSound(path), [...ALL, "new"].sort());
  });

  it("a writer with a 1.9 GiB list file sets it aside and starts afresh", async () => {
    const path = await build();
    grow(path, BIG);
    const io = countingIO();
    const warnings: string[] = [];
    const index = await MailboxListIndex.open(path, { durable: false, io, onWarning: (m) => warnings.push(m) });
    const ctx = await index.syncBegin({ partial: true });
    ctx.add("new");
    await ctx.commit();
    await index.close();
    assert.ok(io.bytesRead < 1 << 20, `${io.bytesRead} bytes read`);
    assert.ok(warnings.some((w) => w.includes(`file size ${BIG}`)), warnings.join("\n"));
    assert.equal(setAside(path).length, 2);
    assert.deepEqual(await assertSound(path), ["new"]);
  });

  it("check reports the size", async () => {
    const path = await build();
    grow(path, BIG);
    const report = checkIndex(path);
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => p.message.includes(`file size ${BIG}`)), JSON.stringify(report.problems));
  });
});
