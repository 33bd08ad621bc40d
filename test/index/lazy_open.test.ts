// Reads that start at once (SPEC §5): open reads the headers, a lookup
// reads only the parts of the directories on its name's path, and the files
// are read whole when iterate or LIST needs them. What is read on demand is
// checked like a whole image (a damaged directory or a UID at next_uid is a
// CorruptIndexError, never a wrong UID), and a commit of another writer
// between the open and a lookup is seen: bytes read after it are never
// mixed with the state read before.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { CorruptIndexError, type FileIO, MailboxListIndex, nodeFileIO } from "../../mod.ts";
import { indexPaths } from "../../src/store/paths.ts";
import { loadSnapshot } from "../../src/index/snapshot.ts";
import { recordOf, setNextUid } from "../helpers/lies.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-lazy-");
after(() => tmp.cleanup());

const freshPath = (): string => tmp.fresh("x.mlist");

/** A file interface that counts the bytes read from the list file. */
function countingIO(listPath: string): { io: FileIO; listBytes: () => number; reset: () => void } {
  const listFds = new Set<number>();
  let bytes = 0;
  const io: FileIO = {
    ...nodeFileIO,
    open(path, mode) {
      const fd = nodeFileIO.open(path, mode);
      if (path === listPath) listFds.add(fd);
      else listFds.delete(fd);
      return fd;
    },
    read(fd, buf, offset, length, position) {
      const n = nodeFileIO.read(fd, buf, offset, length, position);
      if (listFds.has(fd)) bytes += n;
      return n;
    },
  };
  return { io, listBytes: () => bytes, reset: () => bytes = 0 };
}

/** Names with one big directory (more records than one block holds), deep paths and many small directories. */
function manyNames(): string[] {
  const names: string[] = [];
  for (let i = 0; i < 1500; i++) names.push(`INBOX/folder-${i}`);
  for (let i = 0; i < 300; i++) names.push(`Archive/${2000 + (i % 20)}/month-${i}`);
  for (let i = 0; i < 50; i++) names.push(`Deep/a${i}/b/c/d/e${i}`);
  for (let i = 0; i < 8000; i++) names.push(`Other/d${i % 100}/f${i}`);
  return names;
}

async function sync(path: string, names: string[], options = { recursive: true, partial: false }): Promise<void> {
  const index = await MailboxListIndex.open(path, { uidValidity: 77, durable: false, onWarning() {} });
  const ctx = await index.syncBegin(options);
  for (const n of names) ctx.add(n);
  await ctx.commit();
  await index.close();
}

/** Every mailbox's UID as a reader of the whole files sees it. */
function wholeListing(path: string): Map<string, number> {
  const snap = loadSnapshot(nodeFileIO, indexPaths(path));
  return new Map([...snap.list.iterate("", Infinity, undefined, "/")].map((m) => [m.name, m.uid]));
}

describe("reads that start at once", () => {
  it("open + first lookup reads a small part of the list file; iterate reads it whole", async () => {
    const path = freshPath();
    await sync(path, manyNames());
    const size = statSync(path).size;
    const { io, listBytes } = countingIO(path);
    const index = await MailboxListIndex.open(path, { io, readonly: true });
    try {
      const uid = index.lookup("Deep/a7/b/c/d/e7");
      assert.equal(uid, wholeListing(path).get("Deep/a7/b/c/d/e7"));
      assert.equal(index.lookup("INBOX/folder-1234"), wholeListing(path).get("INBOX/folder-1234"));
      assert.ok(listBytes() * 4 < size, `the lookups read ${listBytes()} of ${size} bytes`);
      assert.equal([...index.iterate()].length, wholeListing(path).size);
      assert.ok(listBytes() >= size, `iterate read the whole file (${listBytes()} of ${size} bytes)`);
    } finally {
      await index.close();
    }
  });

  it("answers every name, present or not, as a reader of the whole files does, chains and older names included", async () => {
    const path = freshPath();
    const names = manyNames();
    await sync(path, names.slice(0, 1000));
    // Partial syncs rewrite directories: next_offset chains and names kept from older copies.
    for (let k = 0; k < 5; k++) {
      await sync(path, names.slice(1000 + k * 170, 1000 + (k + 1) * 170), { recursive: false, partial: true });
    }
    const whole = wholeListing(path);
    const asked = [...whole.keys(), ...[...whole.keys()].map((n) => `${n}~`), "INBOX//folder-3", "/INBOX/", "nope/x"];
    for (const checkIntervalMs of [0, 1e9]) {
      const index = await MailboxListIndex.open(path, { readonly: true, checkIntervalMs });
      try {
        for (const name of asked) {
          const canonical = name.split("/").filter((c) => c !== "").join("/");
          assert.equal(index.lookup(name), whole.get(canonical), name);
        }
      } finally {
        await index.close();
      }
    }
  });

  it("a directory damaged on a lookup's path is a CorruptIndexError; names elsewhere still answer", async () => {
    const path = freshPath();
    await sync(path, manyNames());
    const before = wholeListing(path);
    const list = new Uint8Array(readFileSync(path));
    const dv = new DataView(list.buffer);
    // The child directory of "Archive/2003": a dir_size smaller than its records.
    const rec = recordOf(list, "Archive/2003");
    const view = loadSnapshot(nodeFileIO, indexPaths(path)).list;
    const dir = view.childDir(rec);
    dv.setUint32(dir + 4, 12, true);
    writeFileSync(path, list);
    const index = await MailboxListIndex.open(path, { readonly: true });
    try {
      assert.equal(index.lookup("INBOX/folder-9"), before.get("INBOX/folder-9"));
      assert.throws(() => index.lookup("Archive/2003/month-3"), (e) => {
        assert.ok(e instanceof CorruptIndexError, String(e));
        assert.match(e.message, /dir_size 12 is smaller than 12 \+ 16·/);
        assert.ok(e.message.includes(path));
        return true;
      });
    } finally {
      await index.close();
    }
  });

  it("a UID not below next_uid is a CorruptIndexError, not an answer (a small index read whole too)", async () => {
    const path = freshPath();
    await sync(path, ["INBOX", "a/b", "c"]);
    const list = new Uint8Array(readFileSync(path));
    setNextUid(list, 3);
    writeFileSync(path, list);
    const index = await MailboxListIndex.open(path, { readonly: true });
    try {
      assert.equal(index.lookup("INBOX"), 1);
      assert.throws(() => index.lookup("a/b"), /live UID 3 is not below next_uid 3/);
      assert.throws(() => index.lookup("c"), CorruptIndexError);
    } finally {
      await index.close();
    }
    const big = freshPath();
    await sync(big, manyNames());
    const uids = wholeListing(big);
    const bytes = new Uint8Array(readFileSync(big));
    setNextUid(bytes, 100);
    writeFileSync(big, bytes);
    const { io, listBytes } = countingIO(big);
    const lazy = await MailboxListIndex.open(big, { readonly: true, io });
    try {
      assert.equal(lazy.lookup("INBOX/folder-3"), uids.get("INBOX/folder-3"));
      assert.ok(uids.get("INBOX/folder-3")! < 100);
      assert.throws(() => lazy.lookup("Other/d7/f5007"), /live UID \d+ is not below next_uid 100/);
      assert.ok(listBytes() * 4 < bytes.length, "read on demand");
    } finally {
      await lazy.close();
    }
  });

  for (const checkIntervalMs of [0, 1e9]) {
    it(`a commit between lookups is seen, never mixed with what was read before (checkIntervalMs ${checkIntervalMs})`, async () => {
      const path = freshPath();
      const names = manyNames();
      await sync(path, names);
      const reader = await MailboxListIndex.open(path, { readonly: true, checkIntervalMs });
      try {
        // A first lookup reads the root directory (and, with the long interval, is the last check).
        const deep = reader.lookup("Deep/a1/b/c/d/e1");
        assert.notEqual(deep, undefined);
        // In place: a new mailbox in the big directory, one deleted.
        await sync(path, ["INBOX/new-one"], { recursive: false, partial: true });
        await sync(path, names.filter((n) => n !== "INBOX/folder-5").concat("INBOX/new-one"));
        const whole = wholeListing(path);
        assert.equal(reader.lookup("INBOX/new-one"), whole.get("INBOX/new-one"));
        assert.notEqual(whole.get("INBOX/new-one"), undefined);
        assert.equal(reader.lookup("INBOX/folder-5"), undefined);
        assert.equal(reader.lookup("INBOX/folder-6"), whole.get("INBOX/folder-6"));
      } finally {
        await reader.close();
      }
    });
  }

  it("with checkIntervalMs, the first answer of a later run sees a commit once the interval has passed", async () => {
    const path = freshPath();
    await sync(path, manyNames());
    const reader = await MailboxListIndex.open(path, { readonly: true, checkIntervalMs: 20 });
    try {
      // Enough lookups for the state to be read whole and answered from its table.
      for (let i = 0; i < 5000; i++) assert.notEqual(reader.lookup(`Other/d${i % 100}/f${i}`), undefined);
      await sync(path, ["INBOX/late"], { recursive: false, partial: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const late = wholeListing(path).get("INBOX/late");
      assert.notEqual(late, undefined);
      assert.equal(reader.lookup("INBOX/late"), late);
    } finally {
      await reader.close();
    }
  });

  it("LIST with GUIDs of a name without wildcards, first thing after open, gives the GUID", async () => {
    const path = freshPath();
    const index = await MailboxListIndex.open(path, { durable: false });
    const ctx = await index.syncBegin({ recursive: true });
    ctx.setGuid(ctx.add("INBOX"), "7a1c0f6b2d3e4f5061728394a5b6c7d8");
    ctx.add("Sent");
    await ctx.commit();
    await index.close();
    const reader = await MailboxListIndex.open(path, { readonly: true });
    try {
      assert.deepEqual(reader.list("INBOX", { guids: true }).map((e) => e.guid), ["7a1c0f6b2d3e4f5061728394a5b6c7d8"]);
      assert.equal(reader.guid("INBOX"), "7a1c0f6b2d3e4f5061728394a5b6c7d8");
    } finally {
      await reader.close();
    }
  });

  it("a compression (the list file replaced) after the first lookups is seen by the next one", async () => {
    const path = freshPath();
    await sync(path, manyNames());
    const reader = await MailboxListIndex.open(path, { readonly: true });
    try {
      assert.notEqual(reader.lookup("INBOX/folder-3"), undefined);
      const ino = statSync(path).ino;
      const writer = await MailboxListIndex.open(path, { durable: false, onWarning() {} });
      let compressed = false;
      for (let r = 0; r < 200 && !compressed; r++) {
        const ctx = await writer.syncBegin({ partial: true });
        ctx.add(`INBOX/more-${r}`);
        compressed = (await ctx.commit()).compressed;
      }
      await writer.close();
      assert.ok(compressed && statSync(path).ino !== ino, "the file was replaced");
      const whole = wholeListing(path);
      assert.equal(reader.lookup("INBOX/more-7"), whole.get("INBOX/more-7"));
      assert.equal(reader.lookup("Deep/a3/b/c/d/e3"), whole.get("Deep/a3/b/c/d/e3"));
    } finally {
      await reader.close();
    }
  });
});
