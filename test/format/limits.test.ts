// Limits and bad input (SPEC §9): invalid names are rejected one by one
// without losing the rest of the sync; syncs that would pass the file size
// limit or run out of UIDs fail with a clear error and leave the previous
// index valid and unchanged; a held lock times out with a clear error.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import {
  IndexLimitError,
  InvalidNameError,
  LockTimeoutError,
  MailboxFlags,
  MailboxListIndex,
  type OpenOptions,
} from "../../mod.ts";

let root = "";
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "mli-limits-"));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function freshFile(): string {
  return path.join(fs.mkdtempSync(path.join(root, "t-")), "mailboxes.mlist");
}

async function open(file: string, options: OpenOptions = {}): Promise<MailboxListIndex> {
  return await MailboxListIndex.open(file, { separator: "/", uidValidity: 1_700_000_000, onWarning: () => {}, ...options });
}

function names(index: MailboxListIndex): string[] {
  return [...index.iterate()].map((m) => m.name).sort();
}

type Row = [string, number, boolean, number];

function byName(a: Row, b: Row): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function rows(index: MailboxListIndex): Row[] {
  return [...index.iterate()].map((m) => [m.name, m.uid, m.hasChildren, m.flags]);
}

/** Bytes of every file of the index (undefined where missing). */
function snapshotFiles(file: string): (Uint8Array | undefined)[] {
  return [file, `${file}.attr`, `${file}.journal`].map((f) =>
    fs.existsSync(f) ? new Uint8Array(fs.readFileSync(f)) : undefined
  );
}

/** `add` must throw InvalidNameError naming the input. */
function rejects(add: (n: string) => number, name: string, reason?: RegExp): void {
  assert.throws(() => add(name), (e: unknown) => {
    assert.ok(e instanceof InvalidNameError, `${JSON.stringify(name)}: expected InvalidNameError, got ${e}`);
    assert.equal(e.mailbox, name);
    assert.ok(e.message.includes(JSON.stringify(name)), `message does not name the input: ${e.message}`);
    if (reason) assert.match(e.message, reason);
    return true;
  });
}

async function syncAll(index: MailboxListIndex, list: string[], options = { recursive: true }): Promise<void> {
  const ctx = await index.syncBegin(options);
  for (const n of list) ctx.add(n);
  await ctx.commit();
}

describe("§9 invalid names", () => {
  it("a name with a NUL byte is rejected; the rest of the sync commits", async () => {
    const index = await open(freshFile());
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add("before");
      rejects((n) => ctx.add(n), "bad\0name", /NUL/);
      rejects((n) => ctx.add(n), "\0", /NUL/);
      rejects((n) => ctx.add(n), "new/par\0ent/child", /NUL/);
      ctx.add("after/child");
      await ctx.commit();
      assert.deepEqual(rows(index).sort(byName), [
        ["after", 2, true, MailboxFlags.Children | MailboxFlags.NonExistent],
        ["after/child", 3, false, 0],
        ["before", 1, false, 0],
      ]);
      // A rejected name creates nothing, not even its valid leading levels, and uses no UID.
      assert.equal(index.lookup("new"), undefined);
      assert.equal(index.header.nextUid, 4);
    } finally {
      await index.close();
    }
  });

  it("empty names and names of separators only are rejected", async () => {
    for (const [sep, bad] of [["/", ["", "/", "//", "///"]], [".", ["", ".", "...."]]] as const) {
      const index = await open(freshFile(), { separator: sep });
      try {
        const ctx = await index.syncBegin({ recursive: true });
        ctx.add(`ok${sep}x`);
        for (const n of bad) rejects((x) => ctx.add(x), n);
        ctx.add("ok2");
        await ctx.commit();
        assert.deepEqual(names(index), [`ok`, `ok${sep}x`, "ok2"].sort());
      } finally {
        await index.close();
      }
    }
  });

  it("a component longer than 255 bytes (default) is rejected; 255 bytes pass; bytes count, not characters", async () => {
    const index = await open(freshFile());
    try {
      const ctx = await index.syncBegin({ recursive: true });
      const c255 = "x".repeat(255), c256 = "y".repeat(256);
      ctx.add(`a/${c255}`);
      rejects((n) => ctx.add(n), `b/${c256}`, /255/);
      rejects((n) => ctx.add(n), c256);
      rejects((n) => ctx.add(n), "ä".repeat(128)); // 256 bytes, 128 characters
      ctx.add("€".repeat(85)); // 255 bytes
      ctx.add(`c/${"z".repeat(200)}/${"w".repeat(255)}`);
      await ctx.commit();
      assert.deepEqual(names(index), [
        "a",
        `a/${c255}`,
        "c",
        `c/${"z".repeat(200)}`,
        `c/${"z".repeat(200)}/${"w".repeat(255)}`,
        "€".repeat(85),
      ].sort());
      assert.equal(index.lookup("b"), undefined);
    } finally {
      await index.close();
    }
  });

  it("a configured maxComponentLength", async () => {
    const index = await open(freshFile(), { maxComponentLength: 10 });
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add("0123456789/abcdefghij");
      rejects((n) => ctx.add(n), "0123456789a", /10/);
      rejects((n) => ctx.add(n), "ok/abcdefghijk", /10/);
      rejects((n) => ctx.add(n), "ää/ääääää"); // 12 bytes
      await ctx.commit();
      assert.deepEqual(names(index), ["0123456789", "0123456789/abcdefghij"]);
      assert.equal(index.lookup("ok"), undefined);
    } finally {
      await index.close();
    }
  });

  it("deeper than 255 levels (default) is rejected; 255 levels pass", async () => {
    const index = await open(freshFile());
    try {
      const level = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`).join("/");
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add(level(255, "a"));
      rejects((n) => ctx.add(n), level(256, "b"), /more than 255 levels/);
      rejects((n) => ctx.add(n), level(255, "a") + "/more");
      // Empty components do not count as levels.
      ctx.add(level(255, "c").replaceAll("/", "//") + "/");
      await ctx.commit();
      const all = names(index);
      assert.equal(all.length, 510);
      assert.ok(all.includes(level(255, "a")));
      assert.equal(index.lookup("b0"), undefined);
    } finally {
      await index.close();
    }
  });

  it("a configured maxDepth", async () => {
    const index = await open(freshFile(), { maxDepth: 3 });
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add("a/b/c");
      ctx.add("//x//y//z//");
      rejects((n) => ctx.add(n), "a/b/c/d", /3/);
      rejects((n) => ctx.add(n), "p/q/r/s/t");
      await ctx.commit();
      assert.deepEqual(names(index), ["a", "a/b", "a/b/c", "x", "x/y", "x/y/z"]);
      assert.equal(index.lookup("p"), undefined);
    } finally {
      await index.close();
    }
  });

  it("a sync path with a NUL byte is rejected without leaking the lock", async () => {
    const file = freshFile();
    const index = await open(file);
    try {
      await assert.rejects(index.syncBegin({ path: "a\0b" }), InvalidNameError);
      assert.equal(fs.existsSync(`${file}.lock`), false);
      await syncAll(index, ["fine"]);
      assert.deepEqual(names(index), ["fine"]);
    } finally {
      await index.close();
    }
  });
});

describe("§9 file size limit", () => {
  it("a sync that would pass maxFileSize fails with IndexLimitError; the previous index stays valid and unchanged", async () => {
    const file = freshFile();
    const index = await open(file, { maxFileSize: 4096 });
    try {
      const first = ["INBOX", "INBOX/Sent", "Archive/2009"];
      await syncAll(index, first);
      const before = snapshotFiles(file);
      const listing = rows(index);
      const header = index.header;
      const ctx = await index.syncBegin({ recursive: true, partial: true });
      for (let i = 0; i < 400; i++) ctx.add(`Bulk/folder-number-${i}`);
      await assert.rejects(ctx.commit(), (e: unknown) => {
        assert.ok(e instanceof IndexLimitError, `expected IndexLimitError, got ${e}`);
        assert.match(e.message, /4096/);
        assert.equal(e.file, file);
        return true;
      });
      assert.deepEqual(snapshotFiles(file), before, "files changed by a failed sync");
      assert.equal(fs.existsSync(`${file}.lock`), false, "lock left behind");
      assert.deepEqual(rows(index), listing);
      assert.deepEqual(index.header, header);
      // A fresh reader sees the old index.
      const reader = await open(file, { readonly: true });
      try {
        assert.deepEqual(rows(reader), listing);
        assert.equal(reader.lookup("Bulk"), undefined);
      } finally {
        await reader.close();
      }
      // The index takes further syncs that fit.
      await syncAll(index, [...first, "Small"]);
      assert.deepEqual(names(index), ["Archive", "Archive/2009", "INBOX", "INBOX/Sent", "Small"]);
    } finally {
      await index.close();
    }
  });

  it("the first sync of an empty index that would pass the limit leaves it empty", async () => {
    const file = freshFile();
    const index = await open(file, { maxFileSize: 4096 });
    try {
      const before = snapshotFiles(file);
      const ctx = await index.syncBegin({ recursive: true });
      for (let i = 0; i < 300; i++) ctx.add(`box-${i}`);
      await assert.rejects(ctx.commit(), IndexLimitError);
      assert.deepEqual(snapshotFiles(file), before);
      assert.deepEqual(names(index), []);
    } finally {
      await index.close();
    }
  });

  it("a list file never grows past maxFileSize", async () => {
    const file = freshFile();
    const index = await open(file, { maxFileSize: 8192 });
    try {
      // 282 names of 11 bytes: used_space 28 + 12 + 282·(16 + 12) = 7936 ≤ 8192, so the
      // sync fits; the ~10% growth step must then stop at the limit.
      const ctx = await index.syncBegin({ partial: true });
      for (let i = 100; i < 382; i++) ctx.add(`mailbox-${i}`);
      await ctx.commit();
      assert.equal(index.header.usedSpace, 7936);
      const size = fs.statSync(file).size;
      assert.ok(size <= 8192, `list file is ${size} bytes, maxFileSize is 8192`);
      assert.ok(size >= 7936 && size % 512 === 0, `list file is ${size} bytes`);
    } finally {
      await index.close();
    }
  });
});

describe("§9 UID exhaustion", () => {
  /** A small valid index whose header says next_uid = `nextUid`. */
  async function nearlyFull(nextUid: number): Promise<string> {
    const file = freshFile();
    const index = await open(file);
    await syncAll(index, ["INBOX", "INBOX/Sent"]);
    await index.close();
    const fd = fs.openSync(file, "r+");
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, nextUid, true);
    fs.writeSync(fd, b, 0, 4, 16);
    fs.closeSync(fd);
    return file;
  }

  it("the last UID 2^31-1 is given out; the next new name fails with IndexLimitError suggesting a rebuild", async () => {
    const file = await nearlyFull(0x7fffffff);
    const index = await open(file);
    try {
      assert.equal(index.header.nextUid, 0x7fffffff);
      const before = snapshotFiles(file);
      const ctx = await index.syncBegin({ recursive: true, partial: true });
      assert.equal(ctx.add("INBOX"), 1, "existing names still work");
      assert.equal(ctx.add("Last"), 0x7fffffff);
      assert.throws(() => ctx.add("OneTooMany"), (e: unknown) => {
        assert.ok(e instanceof IndexLimitError, `expected IndexLimitError, got ${e}`);
        assert.match(e.message, /rebuild/i);
        return true;
      });
      assert.throws(() => ctx.add("Also/Too/Many"), IndexLimitError);
      await ctx.rollback();
      assert.deepEqual(snapshotFiles(file), before);
      assert.deepEqual(names(index), ["INBOX", "INBOX/Sent"]);
    } finally {
      await index.close();
    }
  });

  it("committing what fitted leaves a valid index; later syncs that add nothing still work", async () => {
    const file = await nearlyFull(0x7ffffffe);
    const index = await open(file);
    try {
      const ctx = await index.syncBegin({ recursive: true, partial: true });
      assert.equal(ctx.add("A"), 0x7ffffffe);
      assert.equal(ctx.add("B"), 0x7fffffff);
      assert.throws(() => ctx.add("C"), IndexLimitError);
      await ctx.commit();
      assert.deepEqual(names(index), ["A", "B", "INBOX", "INBOX/Sent"]);
      const reader = await open(file, { readonly: true });
      try {
        assert.equal(reader.lookup("B"), 0x7fffffff);
        assert.deepEqual(names(reader), ["A", "B", "INBOX", "INBOX/Sent"]);
      } finally {
        await reader.close();
      }
      // Still full: a new name fails again; a sync without new names succeeds.
      const again = await index.syncBegin({ recursive: true });
      assert.throws(() => again.add("D"), (e: unknown) => e instanceof IndexLimitError && /rebuild/i.test(e.message));
      for (const n of ["INBOX", "B"]) again.add(n);
      await again.commit();
      assert.deepEqual(names(index), ["B", "INBOX"]);
    } finally {
      await index.close();
    }
  });
});

describe("§9 lock held by a live process", () => {
  it("a second writer waits for the timeout, then fails with LockTimeoutError", async () => {
    const file = freshFile();
    const a = await open(file);
    const b = await open(file, { lockTimeoutMs: 300 });
    try {
      const ctx = await a.syncBegin();
      ctx.add("held");
      const t0 = Date.now();
      await assert.rejects(b.syncBegin(), (e: unknown) => {
        assert.ok(e instanceof LockTimeoutError, `expected LockTimeoutError, got ${e}`);
        assert.equal(e.lockPath, `${file}.lock`);
        assert.equal(e.holderPid, process.pid);
        return true;
      });
      assert.ok(Date.now() - t0 >= 250, "gave up before the timeout");
      await ctx.commit();
      // Once released, the second writer gets the lock.
      await syncAll(b, ["held", "second"]);
      assert.deepEqual(names(a), ["held", "second"]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
