// The writer lock as syncs use it (SPEC §6): a live writer is never pushed
// aside however long its sync stays open, a commit whose lock or files
// changed under it writes nothing, and an open sync is rolled back by
// close() and by `await using`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { IndexLimitError, InvalidNameError, LockLostError, MailboxListIndex } from "../../mod.ts";
import { startChild } from "../helpers/child.ts";
import { ROOT, tsCommand } from "../helpers/runtime.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const fixture = join(ROOT, "test", "fixtures", "slow_writer.ts");
let tmp: { dir: string; cleanup: () => void };
let seq = 0;
before(() => {
  tmp = makeTempDir("mli-writer-lock-");
});
after(() => tmp.cleanup());

function freshIndex(): string {
  const dir = join(tmp.dir, `case-${++seq}`);
  fs.mkdirSync(dir);
  return join(dir, "u.mlist");
}

/** A writer process: the first line with a prefix, and its output once it ends (exit status 0). */
function writer(args: Record<string, unknown>): { line: (prefix: string) => Promise<string>; done: Promise<string[]> } {
  const [cmd, argv] = tsCommand(fixture, [JSON.stringify(args)]);
  const child = startChild("writer", cmd, argv, ROOT);
  const timer = setTimeout(child.kill, 60_000);
  const done = child.exited.then((code) => {
    clearTimeout(timer);
    if (code !== 0) throw new Error(`Writer exited with ${code}: ${child.lines.join(" | ")}`);
    return child.lines;
  });
  return { line: (prefix) => child.waitFor(prefix, 60_000), done };
}

async function listing(path: string): Promise<Map<string, number>> {
  const index = await MailboxListIndex.open(path, { readonly: true });
  try {
    return new Map([...index.iterate()].map((m) => [m.name, m.uid]));
  } finally {
    await index.close();
  }
}

function assertUniqueUids(names: Map<string, number>): void {
  const uids = [...names.values()];
  assert.equal(new Set(uids).size, uids.length, `UIDs unique: ${JSON.stringify([...names])}`);
}

describe("a sync that outlives staleLockMs", () => {
  it("is never taken over by a second writer process: both writers' mailboxes land, every UID unique", async () => {
    const path = freshIndex();
    (await MailboxListIndex.open(path)).close();
    const release = `${path}.release-a`;
    const a = writer({
      index: path,
      names: ["fromA/one", "fromA/two", "fromA/three"],
      holdMs: 0,
      releaseFile: release,
      staleLockMs: 200,
      lockTimeoutMs: 20_000,
    });
    await a.line("began");
    const b = writer({ index: path, names: ["fromB/x", "fromB/y"], holdMs: 0, staleLockMs: 200, lockTimeoutMs: 20_000 });
    // B waits for the lock while A's sync stays open for many times staleLockMs.
    await b.line("opened");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    fs.writeFileSync(release, "");
    const [outA, outB] = await Promise.all([a.done, b.done]);
    fs.unlinkSync(release);
    const commitA = outA.find((l) => l.startsWith("committed "));
    const commitB = outB.find((l) => l.startsWith("committed "));
    assert.ok(commitA, outA.join(" | "));
    assert.ok(commitB, outB.join(" | "));
    assert.deepEqual([...outA, ...outB].filter((l) => l.startsWith("warning")), []);
    const names = await listing(path);
    const uidsA = JSON.parse(commitA.slice(10)) as number[];
    const uidsB = JSON.parse(commitB.slice(10)) as number[];
    assert.deepEqual(["fromA/one", "fromA/two", "fromA/three"].map((n) => names.get(n)), uidsA);
    assert.deepEqual(["fromB/x", "fromB/y"].map((n) => names.get(n)), uidsB);
    assertUniqueUids(names);
  });

  it("makes a second writer that cannot wait that long fail with LockTimeoutError naming the holder, losing nothing", async () => {
    const path = freshIndex();
    (await MailboxListIndex.open(path)).close();
    const release = `${path}.release-a`;
    const a = writer({
      index: path,
      names: ["fromA/one"],
      holdMs: 0,
      releaseFile: release,
      staleLockMs: 100,
      lockTimeoutMs: 20_000,
    });
    await a.line("began");
    const b = writer({ index: path, names: ["fromB/x"], holdMs: 0, staleLockMs: 100, lockTimeoutMs: 400 });
    const outB = await b.done;
    fs.writeFileSync(release, "");
    const outA = await a.done;
    fs.unlinkSync(release);
    assert.match(outB.join("\n"), /^refused LockTimeoutError Cannot lock ".*u\.mlist\.lock": held by pid \d+/m);
    assert.ok(outA.some((l) => l.startsWith("committed ")), outA.join(" | "));
    const names = await listing(path);
    assert.ok(names.has("fromA/one"));
    assert.ok(!names.has("fromB/x"));
  });
});

describe("a commit checks its lock and its files first", () => {
  function snapshotFiles(path: string): Map<string, Buffer> {
    const dir = join(path, "..");
    return new Map(
      fs.readdirSync(dir).filter((f) => !f.endsWith(".lock")).map((f) => [f, fs.readFileSync(join(dir, f))]),
    );
  }

  it("fails with LockLostError and writes nothing when its lock was taken over", async () => {
    const path = freshIndex();
    const index = await MailboxListIndex.open(path);
    const ctx = await index.syncBegin({ partial: true });
    ctx.add("Mine");
    const before = snapshotFiles(path);
    // Another host's writer took the lock over (as only a lock from another host can be).
    fs.unlinkSync(`${path}.lock`);
    fs.writeFileSync(
      `${path}.lock`,
      JSON.stringify({ pid: 4_000_000, startedAt: Date.now(), host: "elsewhere.invalid", token: "theirs" }) + "\n",
    );
    await assert.rejects(
      ctx.commit(),
      (e: unknown) => e instanceof LockLostError && /taken over by pid 4000000/.test(e.message),
    );
    assert.deepEqual(snapshotFiles(path), before);
    // Their lock is left alone.
    assert.match(fs.readFileSync(`${path}.lock`, "utf8"), /"theirs"/);
    await index.close();
  });

  it("fails with LockLostError and writes nothing when another writer committed since the sync began", async () => {
    const path = freshIndex();
    const index = await MailboxListIndex.open(path);
    const ctx = await index.syncBegin({ partial: true });
    ctx.add("Mine");
    // The lock vanished for a moment (a take-over), another writer committed, then our
    // lock file was put back as it was: only the files tell that the state moved on.
    const ours = fs.readFileSync(`${path}.lock`);
    fs.unlinkSync(`${path}.lock`);
    const other = await MailboxListIndex.open(path);
    const theirs = await other.syncBegin({ partial: true });
    const theirUid = theirs.add("Theirs");
    await theirs.commit();
    await other.close();
    fs.writeFileSync(`${path}.lock`, ours);
    const before = snapshotFiles(path);
    await assert.rejects(
      ctx.commit(),
      (e: unknown) => e instanceof LockLostError && /changed since this sync began/.test(e.message),
    );
    assert.deepEqual(snapshotFiles(path), before);
    await index.close();
    const names = await listing(path);
    assert.equal(names.get("Theirs"), theirUid);
    assert.equal(names.has("Mine"), false);
  });
});

describe("an open sync ends with its handle or its scope", () => {
  it("close() rolls back an open sync and releases its lock", async () => {
    const path = freshIndex();
    const index = await MailboxListIndex.open(path);
    const ctx = await index.syncBegin({ partial: true });
    ctx.add("Never");
    assert.equal(fs.existsSync(`${path}.lock`), true);
    await index.close();
    assert.equal(fs.existsSync(`${path}.lock`), false);
    await assert.rejects(ctx.commit(), /already ended/);
    assert.equal((await listing(path)).has("Never"), false);
  });

  it("await using rolls back what was not committed, even when the scope throws", async () => {
    const path = freshIndex();
    await using index = await MailboxListIndex.open(path);
    await assert.rejects(
      (async () => {
        await using ctx = await index.syncBegin({ partial: true });
        ctx.add("Dropped");
        throw new Error("scan failed");
      })(),
      /scan failed/,
    );
    assert.equal(fs.existsSync(`${path}.lock`), false);
    {
      await using ctx = await index.syncBegin({ partial: true });
      ctx.add("Kept");
      await ctx.commit();
    }
    assert.equal(fs.existsSync(`${path}.lock`), false);
    const names = await listing(path);
    assert.equal(names.has("Dropped"), false);
    assert.equal(names.has("Kept"), true);
  });

  it("an add() that runs out of UIDs throws IndexLimitError and leaves no parents behind", async () => {
    const path = freshIndex();
    (await MailboxListIndex.open(path)).close();
    // Two UIDs left under this uid_validity.
    const list = fs.readFileSync(path);
    list.writeUInt32LE(0x7ffffffe, 16);
    fs.writeFileSync(path, list);
    await using index = await MailboxListIndex.open(path, { onWarning: () => {} });
    {
      await using ctx = await index.syncBegin({ partial: true });
      // Three new levels where two UIDs are left: refused before any is created.
      assert.throws(() => ctx.add("a/b/c"), (e: unknown) => e instanceof IndexLimitError && /rebuild the index/.test(e.message));
      assert.equal(ctx.add("keep/one"), 0x7fffffff);
      assert.throws(() => ctx.add("keep/two"), IndexLimitError);
      assert.equal(ctx.add("keep/one"), 0x7fffffff);
      await ctx.commit();
    }
    assert.deepEqual([...(await listing(path)).entries()], [["keep", 0x7ffffffe], ["keep/one", 0x7fffffff]]);
  });

  it("an add() that throws InvalidNameError leaves the sync usable", async () => {
    const path = freshIndex();
    await using index = await MailboxListIndex.open(path);
    {
      await using ctx = await index.syncBegin({ recursive: true });
      ctx.add("A/ok");
      assert.throws(() => ctx.add("A/bad\0name"), InvalidNameError);
      assert.throws(() => ctx.add("B/" + "x".repeat(300) + "/c"), InvalidNameError);
      ctx.add("C");
      await ctx.commit();
    }
    const names = await listing(path);
    assert.deepEqual([...names.keys()].sort(), ["A", "A/ok", "C"]);
  });
});
