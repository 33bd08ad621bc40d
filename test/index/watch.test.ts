// The change feed (SPEC §13) in one process: every kind of change by UID
// with its names, one batch per commit in commit order, replaced batches for
// a compression, syncAll and a rebuild with their differences, resuming
// from a cursor, a cursor too old, foreign or malformed, the polling
// fallback, a commit left pending by a crash seen once, a damaged log
// started again, and a wake that reads only the journal header and the log
// past what was read.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ChangeBatch,
  ChangeCursorError,
  type FileIO,
  MailboxFlags,
  MailboxListIndex,
  nodeFileIO,
  rebuild,
  syncAll,
} from "../../mod.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { checkIndex } from "../../src/check/check.ts";

const tmp = makeTempDir("mli-watch-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {} };
let serial = 0;

function freshPath(): string {
  return join(tmp.dir, `w${serial++}.mlist`);
}

/** The next `n` batches of a feed (failing after 10 s). */
async function take(feed: AsyncGenerator<ChangeBatch>, n: number): Promise<ChangeBatch[]> {
  const out: ChangeBatch[] = [];
  const timer = setTimeout(() => {}, 0);
  clearTimeout(timer);
  const deadline = Date.now() + 10_000;
  while (out.length < n) {
    const next = await Promise.race([
      feed.next(),
      new Promise<"late">((resolve) => setTimeout(() => resolve("late"), Math.max(1, deadline - Date.now()))),
    ]);
    if (next === "late") throw new Error(`only ${out.length} of ${n} batches arrived: ${JSON.stringify(out)}`);
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** The batches a feed has now, ending it (a resumed feed reads what is there at once). */
async function drain(index: MailboxListIndex, since: string): Promise<ChangeBatch[]> {
  const end = await index.changeCursor();
  const out: ChangeBatch[] = [];
  if (end === since) return out;
  for await (const b of index.watch({ since })) {
    out.push(b);
    if (b.cursor === end) break;
  }
  return out;
}

async function commit(index: MailboxListIndex, fn: (ctx: Awaited<ReturnType<MailboxListIndex["syncBegin"]>>) => void, options = { partial: true }) {
  const ctx = await index.syncBegin(options);
  fn(ctx);
  return await ctx.commit();
}

const STATUS = { messages: 3, unseen: 1, recent: 0, uidValidity: 7, uidNext: 4, highestModSeq: 2n ** 40n, size: 1234, deleted: 1 };

describe("watch: the changes of one commit", () => {
  it("added (placeholders too), status and subscribed, by UID with full names", async () => {
    const index = await MailboxListIndex.open(freshPath(), quiet);
    try {
      const feed = index.watch();
      await commit(index, (ctx) => {
        ctx.add("Lists/dev");
        ctx.setStatus("Lists/dev", STATUS);
        ctx.subscribe("Lists/dev");
        ctx.subscribe("Nowhere");
      });
      const [batch] = await take(feed, 1);
      await feed.return(undefined);
      const lists = index.lookup("Lists")!, dev = index.lookup("Lists/dev")!;
      assert.deepEqual(batch.changes, [
        { kind: "added", uid: lists, name: "Lists", flags: index.flags("Lists") },
        { kind: "added", uid: dev, name: "Lists/dev", flags: index.flags("Lists/dev") },
        { kind: "status", uid: dev, name: "Lists/dev", status: index.status("Lists/dev") },
        { kind: "subscribed", uid: dev, name: "Lists/dev" },
        { kind: "subscribed", uid: 0, name: "Nowhere" },
      ]);
      assert.equal(batch.changes[2].kind === "status" && Number(batch.changes[2].status.highestModSeq), 2 ** 40);
      assert.ok((index.flags("Lists")! & MailboxFlags.NonExistent) !== 0);
      assert.equal(batch.replaced, undefined);
    } finally {
      await index.close();
    }
  });

  it("deleted (named as before), flags, status only when it differs, unsubscribed", async () => {
    const index = await MailboxListIndex.open(freshPath(), quiet);
    try {
      await commit(index, (ctx) => {
        for (const n of ["INBOX", "A/x", "A/y", "B"]) ctx.add(n);
        ctx.setStatus("INBOX", STATUS);
        ctx.subscribe("B");
      }, { partial: false, recursive: true } as never);
      const uids = { x: index.lookup("A/x")!, y: index.lookup("A/y")!, a: index.lookup("A")!, inbox: index.lookup("INBOX")! };
      const aFlags = index.flags("A")!;
      const feed = index.watch();
      await commit(index, (ctx) => {
        for (const n of ["INBOX", "B"]) ctx.add(n);
        ctx.setStatus("INBOX", { ...STATUS });
        ctx.unsubscribe("B");
      }, { recursive: true } as never);
      const [batch] = await take(feed, 1);
      await feed.return(undefined);
      const kinds = batch.changes.map((c) => `${c.kind} ${c.uid} ${c.name}`).sort();
      assert.deepEqual(kinds, [
        `deleted ${uids.a} A`,
        `deleted ${uids.x} A/x`,
        `deleted ${uids.y} A/y`,
        `unsubscribed ${index.lookup("B")} B`,
      ].sort(), "the unchanged STATUS of INBOX is no change");
      assert.ok(aFlags !== undefined);
      // A flag change: a mailbox gains a child, and a caller's flag.
      const feed2 = index.watch();
      await commit(index, (ctx) => {
        ctx.add("B/kid");
        ctx.setStatus("INBOX", { ...STATUS, uidNext: 9 });
      });
      const [b2] = await take(feed2, 1);
      await feed2.return(undefined);
      const flags = b2.changes.find((c) => c.kind === "flags");
      assert.ok(flags !== undefined && flags.kind === "flags", JSON.stringify(b2));
      assert.equal(flags.name, "B");
      assert.equal(flags.flags, index.flags("B"));
      assert.ok((flags.flags & MailboxFlags.Children) !== 0 && (flags.oldFlags & MailboxFlags.Children) === 0);
      const st = b2.changes.find((c) => c.kind === "status");
      assert.ok(st !== undefined && st.kind === "status" && st.uid === uids.inbox && st.status.uidNext === 9);
    } finally {
      await index.close();
    }
  });

  it("renamed: one change for the mailbox moved (UID kept), its new parents added", async () => {
    const index = await MailboxListIndex.open(freshPath(), quiet);
    try {
      await commit(index, (ctx) => {
        for (const n of ["Archive/2009/a", "Archive/2009/b", "Keep"]) ctx.add(n);
      });
      const uid = index.lookup("Archive/2009")!;
      const feed = index.watch();
      await index.rename("Archive/2009", "Old/Years/2009");
      const [batch] = await take(feed, 1);
      await feed.return(undefined);
      const renamed = batch.changes.filter((c) => c.kind === "renamed");
      assert.deepEqual(renamed, [{ kind: "renamed", uid, name: "Old/Years/2009", oldName: "Archive/2009" }]);
      const added = batch.changes.filter((c) => c.kind === "added").map((c) => c.name).sort();
      assert.deepEqual(added, ["Old", "Old/Years"]);
      assert.equal(index.lookup("Old/Years/2009"), uid);
      // Two renames in one sync, the second under the first's new name: in order, names as they were then.
      const feed2 = index.watch();
      const ctx = await index.syncBegin({ partial: true });
      ctx.rename("Old", "New");
      ctx.rename("New/Years/2009", "New/2009");
      ctx.setStatus("New/2009/a", STATUS);
      await ctx.commit();
      const [b2] = await take(feed2, 1);
      await feed2.return(undefined);
      const seq = b2.changes.filter((c) => c.kind === "renamed").map((c) => c.kind === "renamed" && `${c.oldName}>${c.name}`);
      assert.deepEqual(seq, ["Old>New", "New/Years/2009>New/2009"]);
      const st = b2.changes.find((c) => c.kind === "status");
      assert.equal(st?.name, "New/2009/a", "a mailbox under a moved one is named by its new name");
    } finally {
      await index.close();
    }
  });
});

describe("watch: replaced indexes", () => {
  it("a compression is one replaced batch with no differences; syncAll and rebuild list them", async () => {
    const path = freshPath();
    const index = await MailboxListIndex.open(path, quiet);
    try {
      await commit(index, (ctx) => {
        for (let i = 0; i < 50; i++) ctx.add(`F/${i}`);
      });
      const start = await index.changeCursor();
      // Delete most of it, many times over, until a commit compresses.
      let compressed = false;
      for (let round = 0; round < 40 && !compressed; round++) {
        const r = await commit(index, (ctx) => {
          ctx.add(`G/${round}`);
        }, { recursive: true } as never);
        compressed = r.compressed;
      }
      assert.ok(compressed, "a compression happened");
      const batches = await drain(index, start);
      const replaced = batches.filter((b) => b.replaced !== undefined);
      assert.equal(replaced.length, 1);
      assert.equal(replaced[0].replaced, "compression");
      assert.deepEqual(replaced[0].changes, []);
      // syncAll: the differences, by name.
      await commit(index, (ctx) => {
        for (const n of ["G/0", "G/1", "G/2"]) ctx.add(n);
      }, { recursive: true } as never);
      const before = await index.changeCursor();
      await syncAll(index, ["G/0", "G/1", "Fresh"]);
      const [bulk] = await drain(index, before);
      assert.equal(bulk.replaced, "rebuild");
      const summary = bulk.changes.map((c) => `${c.kind} ${c.name}`);
      assert.ok(summary.includes("added Fresh"), JSON.stringify(summary));
      assert.ok(summary.includes("deleted G/2"), JSON.stringify(summary));
      assert.ok(!summary.some((s) => s.endsWith(" G/0")), `an unchanged name is no difference: ${JSON.stringify(summary)}`);
    } finally {
      await index.close();
    }
    const reader = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    try {
      const before = await reader.changeCursor();
      await rebuild(path, ["G/0", "Other"], quiet);
      const [b] = await drain(reader, before);
      assert.equal(b.replaced, "rebuild");
      const summary = b.changes.map((c) => `${c.kind} ${c.name}`).sort();
      assert.ok(summary.includes("added Other") && summary.includes("deleted Fresh"), JSON.stringify(summary));
    } finally {
      await reader.close();
    }
  });
});

describe("watch: large commits", () => {
  it("a batch too large for the journal record is written before it, and read whole", async () => {
    const index = await MailboxListIndex.open(freshPath(), quiet);
    try {
      const since = await index.changeCursor();
      const names = Array.from({ length: 2500 }, (_, i) => `Projects/a-long-enough-folder-name-${i}`);
      await commit(index, (ctx) => {
        for (const n of names) ctx.add(n);
      });
      const [batch] = await drain(index, since);
      assert.equal(batch.truncated, undefined);
      assert.equal(batch.changes.length, names.length + 1);
      assert.deepEqual(batch.changes.slice(1).map((c) => c.name).sort(), names.slice().sort());
      assert.ok(readFileSync(`${index.path}.changes`).length > 64 * 1024);
    } finally {
      await index.close();
    }
  });
});

describe("watch: cursors", () => {
  it("resumes after a cursor with every later batch once, in order", async () => {
    const index = await MailboxListIndex.open(freshPath(), quiet);
    try {
      const c0 = await index.changeCursor();
      for (let i = 0; i < 5; i++) await commit(index, (ctx) => ctx.add(`m/${i}`));
      const all = await drain(index, c0);
      assert.equal(all.length, 5);
      const names = all.map((b) => b.changes.filter((c) => c.kind === "added").map((c) => c.name).join(","));
      assert.deepEqual(names, ["m,m/0", "m/1", "m/2", "m/3", "m/4"]);
      const seqs = all.map((b) => Number(b.cursor.split(":")[1]));
      for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1);
      const rest = await drain(index, all[2].cursor);
      assert.deepEqual(rest.map((b) => b.cursor), [all[3].cursor, all[4].cursor]);
    } finally {
      await index.close();
    }
  });

  it("a cursor too old, of another log, ahead of the log or malformed is refused plainly", async () => {
    const path = freshPath();
    const index = await MailboxListIndex.open(path, { ...quiet, changeHistoryBytes: 1024 });
    try {
      const old = await index.changeCursor();
      for (let i = 0; i < 40; i++) await commit(index, (ctx) => ctx.add(`a-rather-long-mailbox-name-${i}`));
      const refused = async (since: string, code: string) => {
        await assert.rejects(index.watch({ since }).next(), (e: unknown) => {
          assert.ok(e instanceof ChangeCursorError, String(e));
          assert.equal(e.code, code);
          assert.equal(e.cursor, since);
          assert.match(e.message, new RegExp(`"${since}"`));
          return true;
        });
      };
      await refused(old, "EXPIRED");
      const now = await index.changeCursor();
      const [epoch, seq] = now.split(":");
      await refused(`${epoch}:${Number(seq) + 5}`, "FOREIGN");
      await refused(`${((parseInt(epoch, 16) ^ 1) >>> 0).toString(16).padStart(8, "0")}:${seq}`, "FOREIGN");
      await refused("not a cursor", "MALFORMED");
      // The history stays bounded.
      assert.ok(readFileSync(`${path}.changes`).length <= 1024 * 2, "the log is trimmed");
      assert.equal((await drain(index, now)).length, 0);
    } finally {
      await index.close();
    }
  });

  it("a damaged log is started again with a warning; old cursors are then foreign", async () => {
    const path = freshPath();
    const warnings: string[] = [];
    const index = await MailboxListIndex.open(path, { onWarning: (m) => warnings.push(m) });
    try {
      await commit(index, (ctx) => ctx.add("one"));
      const before = await index.changeCursor();
      const good = checkIndex(path);
      assert.equal(good.stats.changeBatches, 2);
      assert.deepEqual(good.changeLog, { oldest: before.replace(/:\d+$/, ":0"), newest: before });
      writeFileSync(`${path}.changes`, new Uint8Array(64).fill(7));
      const damaged = checkIndex(path);
      assert.equal(damaged.ok, true, "a damaged change log loses nothing of the index");
      assert.ok(damaged.problems.some((p) => p.severity === "warning" && p.file === `${path}.changes`), JSON.stringify(damaged.problems));
      await commit(index, (ctx) => ctx.add("two"));
      assert.ok(warnings.some((w) => w.includes(".changes")), JSON.stringify(warnings));
      await assert.rejects(index.watch({ since: before }).next(), (e: unknown) => e instanceof ChangeCursorError && e.code === "FOREIGN");
      const now = await index.changeCursor();
      assert.match(now, /^[0-9a-f]{8}:1$/);
      rmSync(`${path}.changes`);
      await commit(index, (ctx) => ctx.add("three"));
      assert.match(await index.changeCursor(), /^[0-9a-f]{8}:1$/);
    } finally {
      await index.close();
    }
  });
});

describe("watch: how it learns of commits", () => {
  it("without a directory watch, polling finds every commit", async () => {
    const path = freshPath();
    const io: FileIO = { ...nodeFileIO };
    delete io.watchDir;
    const writer = await MailboxListIndex.open(path, quiet);
    const watcher = await MailboxListIndex.open(path, { ...quiet, io });
    try {
      const feed = watcher.watch({ pollIntervalMs: 5 });
      for (let i = 0; i < 3; i++) await commit(writer, (ctx) => ctx.add(`p${i}`));
      const got = await take(feed, 3);
      await feed.return(undefined);
      assert.deepEqual(got.map((b) => b.changes[0].name), ["p0", "p1", "p2"]);
    } finally {
      await watcher.close();
      await writer.close();
    }
  });

  it("a wake reads the journal header, then only the log's header and its new bytes", async () => {
    const path = freshPath();
    const writer = await MailboxListIndex.open(path, quiet);
    for (let i = 0; i < 30; i++) await commit(writer, (ctx) => ctx.add(`pad/${i}`));
    const reads = new Map<number, string>();
    let logBytes = 0, listBytes = 0;
    const io: FileIO = {
      ...nodeFileIO,
      open(p, mode) {
        const fd = nodeFileIO.open(p, mode);
        reads.set(fd, p);
        return fd;
      },
      read(fd, buf, off, len, pos) {
        const n = nodeFileIO.read(fd, buf, off, len, pos);
        const p = reads.get(fd) ?? "";
        if (p.endsWith(".changes")) logBytes += n;
        if (p === path) listBytes += n;
        return n;
      },
    };
    const watcher = await MailboxListIndex.open(path, { ...quiet, io });
    try {
      const feed = watcher.watch({ pollIntervalMs: 5 });
      const first = feed.next();
      await new Promise((resolve) => setTimeout(resolve, 30));
      logBytes = listBytes = 0;
      await commit(writer, (ctx) => ctx.add("x"));
      const got = await first;
      assert.equal(got.done, false);
      const size = readFileSync(`${path}.changes`).length;
      assert.ok(logBytes > 0 && logBytes <= 32 + 200, `read ${logBytes} bytes of a ${size}-byte log`);
      assert.ok(size > 1500, `the log (${size} bytes) is much larger than what was read`);
      assert.equal(listBytes, 0, "the list file is not read");
      await feed.return(undefined);
    } finally {
      await watcher.close();
      await writer.close();
    }
  });

  it("a commit left pending by a crash is reported once, before and after its replay", async () => {
    const path = freshPath();
    const writer0 = await MailboxListIndex.open(path, quiet);
    await commit(writer0, (ctx) => ctx.add("base"));
    await writer0.close();
    const start = (await MailboxListIndex.open(path, { ...quiet, readonly: true }));
    const since = await start.changeCursor();
    await start.close();
    // The commit's journal record is written; applying it fails (as a crash would stop it).
    let armed = false;
    const io: FileIO = {
      ...nodeFileIO,
      write(fd, buf, off, len, pos) {
        if (armed && len === 36 && pos === 0 && buf[0] === 0x4d && buf[3] === 0x4a) {
          // The journal header marked applied: stop before it.
          throw Object.assign(new Error("simulated crash"), { code: "EIO" });
        }
        return nodeFileIO.write(fd, buf, off, len, pos);
      },
    };
    const crashing = await MailboxListIndex.open(path, { ...quiet, io });
    armed = true;
    const ctx = await crashing.syncBegin({ partial: true });
    ctx.add("crashed");
    await assert.rejects(ctx.commit());
    armed = false;
    await crashing.close().catch(() => {});
    const reader = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    try {
      const pending = await drain(reader, since);
      assert.deepEqual(pending.map((b) => b.changes.map((c) => c.name)), [["crashed"]]);
      // The next writer replays the record; the batch is still there once, and nothing else.
      const writer = await MailboxListIndex.open(path, quiet);
      await commit(writer, (ctx2) => ctx2.add("after"));
      await writer.close();
      const all = await drain(reader, since);
      assert.deepEqual(all.map((b) => b.changes.map((c) => c.name)), [["crashed"], ["after"]]);
    } finally {
      await reader.close();
    }
  });
});
