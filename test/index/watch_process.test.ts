// The change feed (SPEC §13) with the writer in another process
// (test/fixtures/watch_writer.ts, on the runtime running this file): a
// watcher started before the writer sees each of its commits once and in
// commit order, with the writer's own cursors; a watcher resumed from a
// cursor gets exactly the commits after it; a watcher whose file interface
// cannot watch a directory still sees every commit by polling; a cursor
// older than the history the writer's log keeps is refused as EXPIRED.
//
// A commit that leaves enough deleted space is followed by a compression,
// which the log records as a batch of its own (`replaced: "compression"`,
// no changes); the writer says which of its commits were, so the batches
// expected are exact: each commit's, plus a compression batch right after
// each commit the writer saw compressed. "Nothing more" is checked without
// timing: after the expected batches the test commits a sentinel of its
// own, and the next batch must be that sentinel.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MailboxListIndex, nodeFileIO } from "../../mod.ts";
import { ChangeCursorError } from "../../src/format/errors.ts";
import type { ChangeBatch, MailboxChange } from "../../src/index/watch.ts";
import type { FileIO } from "../../src/store/io.ts";
import { ROOT, run, tsCommand } from "../helpers/runtime.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const fixture = join(ROOT, "test", "fixtures", "watch_writer.ts");
const tmp = makeTempDir("mli-watch-process-");
after(() => tmp.cleanup());
/** How long a test waits for the batches it expects before it fails. */
const BOUND_MS = 30_000;
let seq = 0;

function freshIndex(): string {
  const dir = join(tmp.dir, `case-${++seq}`);
  mkdirSync(dir);
  return join(dir, "u.mlist");
}

async function openIndex(path: string, io?: FileIO): Promise<MailboxListIndex> {
  return await MailboxListIndex.open(path, { durable: false, onWarning: () => {}, ...(io ? { io } : {}) });
}

/** One commit adding `names` from this process. */
async function commitAdds(index: MailboxListIndex, names: string[]): Promise<void> {
  const ctx = await index.syncBegin({ partial: true });
  for (const n of names) ctx.add(n);
  await ctx.commit();
}

/** "m" with a child already, so that the writer's adds under it change nothing else. */
async function seed(index: MailboxListIndex): Promise<void> {
  await commitAdds(index, ["m", "m/0"]);
}

interface WriterArgs {
  index: string;
  names: string[];
  rename?: [string, string];
  subscribe?: string;
  changeHistoryBytes?: number;
}

/** One commit of the writer: the cursor it saw right after, and whether a compression followed. */
interface Commit {
  cursor: string;
  compressed: boolean;
}

/** Run the writer process to its end; resolves to its commits as it reported them. */
async function writer(args: WriterArgs, onFailure?: () => void): Promise<Commit[]> {
  const [cmd, argv] = tsCommand(fixture, [JSON.stringify(args)]);
  const r = await run(cmd, argv, { timeoutMs: BOUND_MS });
  const lines = r.stdout.split("\n").filter((l) => l !== "");
  if (r.status !== 0 || lines[lines.length - 1] !== "done") {
    onFailure?.();
    assert.fail(`writer exited with ${r.status}: stdout ${JSON.stringify(r.stdout)} stderr ${JSON.stringify(r.stderr)}`);
  }
  const commits = lines.filter((l) => l.startsWith("commit ")).map((l) => {
    const [, cursor, compressed] = l.split(" ");
    return { cursor, compressed: compressed === "1" };
  });
  const n = args.names.length + (args.rename ? 1 : 0) + (args.subscribe !== undefined ? 1 : 0);
  assert.equal(commits.length, n, `the writer reported every commit: ${JSON.stringify(lines)}`);
  return commits;
}

/** A cursor's epoch and batch number. */
function parse(cursor: string): { epoch: string; seq: number } {
  const m = /^([0-9a-f]{8}):([0-9]+)$/.exec(cursor);
  assert.ok(m, `a cursor: ${cursor}`);
  return { epoch: m[1], seq: Number(m[2]) };
}

/** A change without its UID (and flags/status), for comparing with what a commit did. */
type Shape = { kind: string; name: string; oldName?: string };
function shape(c: MailboxChange): Shape {
  return c.kind === "renamed" ? { kind: c.kind, name: c.name, oldName: c.oldName } : { kind: c.kind, name: c.name };
}

/** A batch as compared. */
interface Seen {
  cursor: string;
  replaced?: string;
  truncated?: boolean;
  changes: Shape[];
}
function seen(b: ChangeBatch): Seen {
  const out: Seen = { cursor: b.cursor, changes: b.changes.map(shape) };
  if (b.replaced !== undefined) out.replaced = b.replaced;
  if (b.truncated !== undefined) out.truncated = b.truncated;
  return out;
}

/**
 * The batches the writer's commits wrote: each commit's changes, then a
 * compression batch for a commit followed by one (the writer's cursor is
 * then the compression's, and the commit's the one before).
 */
function expectedBatches(changes: Shape[][], commits: Commit[]): Seen[] {
  assert.equal(changes.length, commits.length);
  return commits.flatMap((c, i) => {
    if (!c.compressed) return [{ cursor: c.cursor, changes: changes[i] }];
    const { epoch, seq } = parse(c.cursor);
    return [{ cursor: `${epoch}:${seq - 1}`, changes: changes[i] }, { cursor: c.cursor, replaced: "compression", changes: [] }];
  });
}

/**
 * Batches of a feed until `enough` says so, or a failure naming what came
 * when that was not within BOUND_MS (the bound aborts the feed's signal).
 */
async function takeUntil(
  feed: AsyncGenerator<ChangeBatch>,
  ac: AbortController,
  what: string,
  enough: (got: ChangeBatch[]) => boolean,
  got: ChangeBatch[] = [],
): Promise<ChangeBatch[]> {
  const timer = setTimeout(() => ac.abort(), BOUND_MS);
  try {
    while (!enough(got)) {
      const r = await feed.next();
      if (r.done) {
        assert.fail(`${what}: the feed ended (after ${BOUND_MS} ms, or the writer failed) with only ${JSON.stringify(got.map(seen))}`);
      }
      got.push(r.value);
    }
    return got;
  } finally {
    clearTimeout(timer);
  }
}

async function take(feed: AsyncGenerator<ChangeBatch>, ac: AbortController, n: number, what: string): Promise<ChangeBatch[]> {
  return await takeUntil(feed, ac, what, (got) => got.length >= n);
}

/** Batches numbered one after another from `from`, of its log. */
function checkNumbering(batches: ChangeBatch[], from: string): void {
  const start = parse(from);
  assert.deepEqual(
    batches.map((b) => parse(b.cursor)),
    batches.map((_, i) => ({ epoch: start.epoch, seq: start.seq + 1 + i })),
    `cursors of one log, numbered one after another from ${from}`,
  );
}

/**
 * Commit a sentinel from this process: each feed's next batch must be it,
 * so nothing more came after the batches taken before.
 */
async function sentinel(
  index: MailboxListIndex,
  feeds: { feed: AsyncGenerator<ChangeBatch>; ac: AbortController; last: string }[],
  name: string,
): Promise<void> {
  await commitAdds(index, [name]);
  const next = `${parse(feeds[0].last).epoch}:${parse(feeds[0].last).seq + 1}`;
  for (const { feed, ac, last } of feeds) {
    const [b] = await take(feed, ac, 1, `the sentinel ${name}`);
    assert.deepEqual(seen(b), { cursor: next, changes: [{ kind: "added", name }] }, `the batch after ${last} is the sentinel, nothing else`);
  }
}

const added = (names: string[]): Shape[][] => names.map((name) => [{ kind: "added", name }]);
const names = (n: number, prefix = "m/") => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** Watch (from now) while a writer process commits adds, a rename and a subscribe; check every batch. */
async function watchWriter(io: FileIO | undefined, n: number): Promise<void> {
  const path = freshIndex();
  const index = await openIndex(path, io);
  const ac = new AbortController();
  let feed: AsyncGenerator<ChangeBatch> | undefined;
  try {
    await seed(index);
    const from = await index.changeCursor();
    feed = index.watch({ signal: ac.signal });
    const adds = names(n);
    const changes = [
      ...added(adds),
      [{ kind: "renamed", name: "m/renamed", oldName: `m/${n}` }],
      [{ kind: "subscribed", name: "m/1" }],
    ];
    // While the writer runs: every commit's batch (what follows the last one is known once it is done).
    const commitsSeen = (got: ChangeBatch[]) => got.filter((b) => b.replaced === undefined).length >= n + 2;
    const pending = takeUntil(feed, ac, "the writer's commits", commitsSeen);
    pending.catch(() => {}); // reported below, once the writer is done
    const commits = await writer(
      { index: path, names: adds, rename: [`m/${n}`, "m/renamed"], subscribe: "m/1" },
      () => ac.abort(),
    );
    const expected = expectedBatches(changes, commits);
    const batches = await takeUntil(feed, ac, "the writer's last batch", (got) => got.length >= expected.length, await pending);
    assert.deepEqual(batches.map(seen), expected, "each commit's batch once, in commit order, with the writer's cursors");
    checkNumbering(batches, from);
    // The UIDs hang together: each add a new UID; the rename and the subscription name the mailboxes added.
    const uids = new Map(batches.flatMap((b) => b.changes).map((c) => [`${c.kind} ${c.name}`, c.uid]));
    const addUids = adds.map((a) => uids.get(`added ${a}`));
    assert.equal(new Set(addUids).size, n, `a new UID per add: ${addUids}`);
    assert.equal(uids.get("renamed m/renamed"), uids.get(`added m/${n}`), "the renamed mailbox keeps its UID");
    assert.equal(uids.get("subscribed m/1"), uids.get("added m/1"), "the subscription names m/1's UID");
    await sentinel(index, [{ feed, ac, last: batches[batches.length - 1].cursor }], "z");
  } finally {
    ac.abort();
    await feed?.return(undefined);
    await index.close();
  }
}

describe("the change feed with a writer in another process", () => {
  it("a watcher started before the writer sees each of its 22 commits once, in commit order", async () => {
    await watchWriter(undefined, 20);
  });

  it("resumes from a cursor: exactly the commits after it, also from the cursor of a commit in between", async () => {
    const path = freshIndex();
    const index = await openIndex(path);
    const acA = new AbortController(), acB = new AbortController();
    let feedA: AsyncGenerator<ChangeBatch> | undefined, feedB: AsyncGenerator<ChangeBatch> | undefined;
    try {
      await seed(index);
      const since = await index.changeCursor();
      const adds = names(5);
      const commits = await writer({ index: path, names: adds });
      const expected = expectedBatches(added(adds), commits);
      feedA = index.watch({ since, signal: acA.signal });
      const batches = await take(feedA, acA, expected.length, `resumed from ${since}`);
      assert.deepEqual(batches.map(seen), expected, `the five commits after ${since}`);
      checkNumbering(batches, since);
      // From the third commit's batch: the fourth's and the fifth's (and a compression's after the third).
      const third = expected.findIndex((b) => b.changes[0]?.name === "m/3");
      const from = expected[third].cursor;
      feedB = index.watch({ since: from, signal: acB.signal });
      const rest = await take(feedB, acB, expected.length - third - 1, `resumed from ${from}`);
      assert.deepEqual(rest.map(seen), expected.slice(third + 1), `the commits after ${from}`);
      assert.deepEqual(rest.filter((b) => b.replaced === undefined).map((b) => b.changes.map(shape)), added(["m/4", "m/5"]));
      const last = expected[expected.length - 1].cursor;
      await sentinel(index, [{ feed: feedA, ac: acA, last }, { feed: feedB, ac: acB, last }], "z");
    } finally {
      acA.abort();
      acB.abort();
      await feedA?.return(undefined);
      await feedB?.return(undefined);
      await index.close();
    }
  });

  it("a watcher whose file interface cannot watch a directory sees every commit by polling", async () => {
    const io: FileIO = { ...nodeFileIO };
    delete io.watchDir;
    assert.equal(io.watchDir, undefined);
    await watchWriter(io, 5);
  });

  it("a cursor older than the history the writer's log keeps is refused as EXPIRED", async () => {
    const path = freshIndex();
    const index = await openIndex(path);
    const ac = new AbortController();
    const feeds: AsyncGenerator<ChangeBatch>[] = [];
    try {
      await seed(index);
      const old = await index.changeCursor();
      const adds = names(60, `m/${"long-mailbox-name-".repeat(5)}`);
      const commits = await writer({ index: path, names: adds, changeHistoryBytes: 2048 });
      const expected = expectedBatches(added(adds), commits);
      assert.equal(
        expected[expected.length - 1].cursor,
        `${parse(old).epoch}:${parse(old).seq + expected.length}`,
        "the writer's batches follow the old cursor in the same log",
      );
      const stale = index.watch({ since: old, signal: ac.signal });
      feeds.push(stale);
      await assert.rejects(stale.next(), (e: unknown) => {
        assert.ok(e instanceof ChangeCursorError, `a ChangeCursorError: ${e}`);
        assert.equal(e.code, "EXPIRED", e.message);
        assert.equal(e.cursor, old);
        return true;
      });
      // The log does keep the newest batches: the cursor of the 58th commit resumes.
      const at = expected.findIndex((b) => b.changes[0]?.name === adds[57]);
      const recent = index.watch({ since: expected[at].cursor, signal: ac.signal });
      feeds.push(recent);
      const rest = await take(recent, ac, expected.length - at - 1, `resumed from ${expected[at].cursor}`);
      assert.deepEqual(rest.map(seen), expected.slice(at + 1));
    } finally {
      ac.abort();
      for (const f of feeds) await f.return(undefined);
      await index.close();
    }
  });
});
