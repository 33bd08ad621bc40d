// Fault injection (SPEC §4 rule 11, §6): every sync scenario is run once to
// count its mutating I/O calls, then once per crash point k (the k-th call
// does not happen, or a write lands torn, and every later call fails, as if
// the process died), and once per injected I/O failure. Afterwards a
// read-only open of the files as the crash left them, then a writable open
// (which replays or drops the journal) must both show exactly the state
// before or the state after the sync — the same one — and a further sync
// must work. The state includes the subscriptions and the special-use
// attributes (in the flags), so a commit that changes them (a subscriptions
// file renamed through the journal, SPEC §12) must land whole with the rest,
// and so must renames (SPEC §11 point 5), alone or inside a full sync.
//
// Node visits every crash point and every injected failure. The code under
// test is the same on every runtime and meets the file system only through
// the FileIO seam, which FaultyIO wraps; so Deno and Bun visit an even
// spread of the points (the first and last few and evenly spaced ones,
// CROSS_RUNTIME_POINTS at the most), which keeps the suite's time in bounds
// while still running every scenario's crash, tear and failure paths there.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { MailboxListIndex, type MailboxStatus, nodeFileIO, SpecialUse } from "../../mod.ts";
import type { FileIO } from "../../src/store/io.ts";
import { readJournalStamp } from "../../src/store/file_read.ts";
import { FaultyIO, SimulatedCrash, type Tear, tornVariants } from "../helpers/faulty_io.ts";
import { type Entry, type IndexState, readState, stateOf } from "../helpers/index_state.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { RUNTIME } from "../helpers/runtime.ts";

const UV = 1234567;
const FILE = "mailboxes.mlist";
/** Nobody else writes while a test checks: readers need not look for changes between calls. */
const STILL = 60_000;
/** Crash points and failures visited per scenario on Deno and Bun (Node visits all of them). */
const CROSS_RUNTIME_POINTS = 30;
/** The mailbox a further sync adds after a crash. */
const AFTER_CRASH = "INBOX/Drafts/after-crash";

/**
 * What must survive a crash: the listing (flags with their special-use
 * bits), STATUS, the UID counters (not the space counts, which a recovery
 * or the next sync may change) and the subscriptions.
 */
interface State {
  uidValidity: number;
  nextUid: number;
  entries: Entry[];
  subscriptions: string[];
  /** The change feed from its start (SPEC §13): every batch that lists changes, as JSON. */
  feed: string[];
}

function quiet(): (m: string) => void {
  return () => {};
}

function lasting({ header, entries }: IndexState, subscriptions: string[], feed: string[]): State {
  return { uidValidity: header.uidValidity, nextUid: header.nextUid, entries, subscriptions, feed };
}

/** Every batch of the change feed that lists changes: a commit's batch lands with it or not at all. */
async function feedOf(index: MailboxListIndex): Promise<string[]> {
  const end = await index.changeCursor();
  const [epoch, last] = end.split(":");
  const out: string[] = [];
  if (last === "0") return out;
  for await (const b of index.watch({ since: `${epoch}:0`, pollIntervalMs: 60_000 })) {
    if (b.changes.length > 0) out.push(JSON.stringify(b.changes, (_k, v) => typeof v === "bigint" ? String(v) : v));
    if (b.cursor === end) break;
  }
  return out;
}

/** The lasting state of an open instance. */
async function crashState(index: MailboxListIndex): Promise<State> {
  return lasting(stateOf(index), index.subscriptions(), await feedOf(index));
}

/** The lasting state of the index at `path` as a new read-only instance sees it. */
async function readLasting(path: string, options: Parameters<typeof readState>[1] = {}): Promise<State> {
  const reader = await MailboxListIndex.open(path, { onWarning: () => {}, ...options, readonly: true });
  try {
    return await crashState(reader);
  } finally {
    await reader.close();
  }
}

const EMPTY: State = { uidValidity: UV, nextUid: 1, entries: [], subscriptions: [], feed: [] };

function describeState(s: State): string {
  return `uidValidity ${s.uidValidity}, nextUid ${s.nextUid}, ${s.entries.length} mailboxes: ` +
    s.entries.map((e) => `${e.name}#${e.uid}${e.hasChildren ? "+" : ""}:${e.flags}${e.status ? "S" : ""}`).join(" ") +
    `; subscribed: ${s.subscriptions.join(" ")}; feed: ${s.feed.length} batches, last ${s.feed.at(-1)}`;
}

function same(a: State, b: State): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Which of the two states `s` is, or throws with a readable diff. */
function classify(s: State, beforeState: State, afterState: State, where: string): "before" | "after" {
  if (same(s, afterState)) return "after";
  if (same(s, beforeState)) return "before";
  assert.fail(
    `${where}: the index shows neither the state before nor the state after.\n` +
      `  seen:   ${describeState(s)}\n  before: ${describeState(beforeState)}\n  after:  ${describeState(afterState)}`,
  );
}

// ------------------------------------------------------------------ scenarios

const BASE = [
  "INBOX",
  "INBOX/Sent",
  "INBOX/Drafts",
  "INBOX/Trash",
  "Archive/2009",
  "Archive/2010",
  "Archive/2011",
  "Archive/2012/Q1",
  "Archive/2012/Q2",
  "Lists/dev",
  "Lists/users",
  "Lists/announce",
  "Work/ProjA/specs",
  "Work/ProjA/notes",
  "Work/ProjB",
  "Personal",
  "Personal/Family",
  "Personal/Friends",
  "Travel/2019/Italy",
  "Travel/2020",
  "Spam",
  "Junk",
  "Notes",
  "Receipts/2021",
  "Receipts/2022",
  "äpfel",
  "&AOQ-pfel",
];

const BIG = Array.from({ length: 150 }, (_, i) => `Big/folder-${String(i).padStart(3, "0")}`);

function status(n: number): MailboxStatus {
  return { messages: 10 * n + 1, unseen: n, recent: n % 3, uidValidity: 1000 + n, uidNext: 50 + n };
}

type Ctx = Awaited<ReturnType<MailboxListIndex["syncBegin"]>>;

/** A scenario: how its starting files are made, and the operation that may crash. */
interface Scenario {
  id: string;
  title: string;
  /** Names of the starting index (undefined: no index at all). */
  start?: string[];
  /** Extra work on the starting index's sync (flags, STATUS). */
  startTweak?: (ctx: Ctx) => void;
  /** Options of the sync under test. */
  syncOptions?: Parameters<MailboxListIndex["syncBegin"]>[0];
  /** Renames (SPEC §11) of the sync under test, made before it reports its names. */
  renames?: [string, string][];
  /** Names reported by the sync under test. */
  names: string[];
  /** Extra work on the sync under test. */
  tweak?: (ctx: Ctx) => void;
  /** Whether the sync under test must compress the file. */
  compresses: boolean;
  /** Replace the sync by a whole other operation (rebuild). */
  operation?: (io: FileIO, path: string) => Promise<void>;
  /** Leave the starting index as a writer killed in the middle of a commit left it. */
  startInterrupted?: { names: string[] };
}

const SCENARIOS: Scenario[] = [
  {
    id: "a",
    title: "new mailboxes into an existing index",
    start: [...BASE, ...BIG],
    names: [...BASE, ...BIG, "Archive/2013", "Lists/security", "Work/ProjC/x", "INBOX/Sent/Old", "Personal/Family/Kids"],
    tweak: (ctx) => ctx.setStatus("Archive/2013", status(1)),
    compresses: false,
  },
  {
    id: "b",
    title: "deletions marked in place",
    start: [...BASE, ...BIG],
    names: [...BIG, ...BASE].filter((n) => !["Archive/2010", "Lists/users", "Work/ProjA/notes", "Travel/2019/Italy", "Junk"].includes(n)),
    compresses: false,
  },
  {
    id: "c",
    title: "a rewritten root directory",
    start: [...BASE, ...BIG],
    names: [...BASE, ...BIG, "Zeta", "Alpha", "Omega/child"],
    tweak: (ctx) => ctx.setStatus("Alpha", status(2)),
    compresses: false,
  },
  {
    id: "d",
    title: "a sync that compresses the file",
    start: [...BASE, ...BIG],
    startTweak: (ctx) => {
      for (let i = 0; i < 5; i++) ctx.setStatus(BIG[i], status(i));
    },
    names: [...BASE.filter((n) => !n.startsWith("Archive/")), ...BIG.filter((_, i) => i % 3 !== 0), "Big/new-one"],
    compresses: true,
  },
  {
    id: "f",
    title: "flags and STATUS changes (attribute patches)",
    start: [...BASE, ...BIG],
    startTweak: (ctx) => ctx.setStatus("INBOX", status(3)),
    names: [...BASE, ...BIG, "Lists/new"],
    tweak: (ctx) => {
      ctx.setStatus("INBOX", status(4));
      ctx.setStatus("Notes", status(5));
      ctx.setFlags(ctx.add("Spam"), 4);
    },
    compresses: false,
  },
  {
    id: "f'",
    title: "STATUS of every mailbox (attribute file replaced)",
    start: [...BASE, ...BIG],
    names: [...BASE, ...BIG],
    tweak: (ctx) => {
      let i = 0;
      for (const n of [...BASE, ...BIG]) ctx.setStatus(n, status(i++));
    },
    compresses: false,
  },
  {
    id: "e",
    title: "a rebuild of an existing index",
    start: [...BASE, ...BIG],
    startTweak: (ctx) => ctx.setStatus("INBOX", status(7)),
    names: [],
    operation: (io, path) => rebuildNames(io, path, REBUILT),
    compresses: false,
  },
  {
    id: "e'",
    title: "a rebuild over an interrupted commit (pending journal record)",
    start: [...BASE, ...BIG],
    startInterrupted: { names: [...BASE, ...BIG, "Archive/2013", "Pending/one"] },
    names: [],
    operation: (io, path) => rebuildNames(io, path, REBUILT),
    compresses: false,
  },
  {
    id: "s",
    title: "subscriptions and special-use with new mailboxes (patches and a subscriptions file renamed by one record)",
    start: [...BASE, ...BIG],
    startTweak: subscribeAndMark,
    names: [...BASE, ...BIG, "Archive/2013", "Lists/security"],
    tweak: (ctx) => {
      ctx.subscribe("Archive/2013");
      ctx.subscribe("Not/a/mailbox/either");
      ctx.unsubscribe("INBOX");
      ctx.setSpecialUse("INBOX/Sent", SpecialUse.Sent);
      ctx.setSpecialUse("Junk", ["\\Junk", "\\Flagged"]);
      ctx.setSpecialUse("Archive/2013", ["\\Archive"]);
      ctx.setSpecialUse("INBOX/Trash", []);
    },
    compresses: false,
  },
  {
    id: "s'",
    title: "a commit that changes only the subscriptions",
    start: [...BASE, ...BIG],
    startTweak: subscribeAndMark,
    names: [...BASE, ...BIG],
    tweak: (ctx) => ctx.setSubscriptions(["Spam", "Lists/dev", "Gone/long/ago"]),
    compresses: false,
  },
  {
    id: "s''",
    title: "subscriptions and special-use in a sync that compresses the file",
    start: [...BASE, ...BIG],
    startTweak: subscribeAndMark,
    names: [...BASE.filter((n) => !n.startsWith("Archive/")), ...BIG.filter((_, i) => i % 3 !== 0), "Big/new-one"],
    tweak: (ctx) => {
      ctx.subscribe("Big/new-one");
      ctx.unsubscribe("Big/folder-001");
      ctx.setSpecialUse("Big/new-one", ["\\Drafts"]);
    },
    compresses: true,
  },
  {
    id: "e''",
    title: "a rebuild that carries special-use and replaces the subscriptions",
    start: [...BASE, ...BIG],
    startTweak: subscribeAndMark,
    names: [],
    operation: (io, path) => rebuildNames(io, path, REBUILT, ["INBOX", "Rebuilt/one", "Elsewhere"]),
    compresses: false,
  },
  {
    id: "r",
    title: "a rename of a subtree under a new parent (two directories written, subscriptions following)",
    start: [...BASE, ...BIG],
    startTweak: subscribeAndMark,
    syncOptions: { partial: true },
    renames: [["Archive", "Old/Archive"]],
    names: [],
    compresses: false,
  },
  {
    id: "r'",
    title: "renames that take over a placeholder, empty others, and copy INBOX",
    start: [...BASE, ...BIG, "Target/kid"],
    startTweak: subscribeAndMark,
    syncOptions: { partial: true },
    renames: [["Work/ProjA", "Target"], ["Travel/2019/Italy", "Italia"], ["INBOX", "Saved"]],
    names: [],
    compresses: false,
  },
  {
    id: "r''",
    title: "renames inside a full sync that also adds and deletes",
    start: [...BASE, ...BIG],
    startTweak: subscribeAndMark,
    renames: [["Lists", "Groups"], ["Big", "Large/Big"]],
    names: [
      ...BASE.filter((n) => !n.startsWith("Lists/") && n !== "Junk").concat(["Groups/dev", "Groups/new"]),
      ...BIG.map((n) => `Large/${n}`).filter((_, i) => i % 5 !== 0),
    ],
    compresses: false,
  },
  {
    id: "g",
    title: "creating a brand-new index",
    start: undefined,
    names: BASE,
    tweak: (ctx) => ctx.setStatus("INBOX", status(6)),
    compresses: false,
  },
];

/** Subscriptions and special-use of a starting index. */
function subscribeAndMark(ctx: Ctx): void {
  ctx.setSubscriptions(["INBOX", "INBOX/Sent", "Big/folder-001", "Archive/2009", "Never/existed"]);
  ctx.setSpecialUse("INBOX/Trash", ["\\Trash"]);
  ctx.setSpecialUse("Spam", ["\\Junk"]);
  ctx.setSpecialUse("Big/folder-001", SpecialUse.Archive);
  ctx.setStatus("INBOX", status(8));
}

/** What the rebuild scenarios rebuild from: some names gone, some new, a new uid_validity. */
const REBUILT = [...BASE.filter((n) => !n.startsWith("Lists/")), ...BIG.slice(0, 40), "Rebuilt/one", "Rebuilt/two"];

type Rebuild = (path: string, names: string[], options: Record<string, unknown>) => Promise<unknown>;

/** src/rebuild/rebuild.ts's rebuild(), or why it cannot be loaded. */
async function loadRebuild(): Promise<Rebuild | string> {
  const modulePath = "../../src/rebuild/rebuild.ts";
  try {
    const mod = await import(modulePath) as { rebuild?: Rebuild };
    return mod.rebuild ?? "src/rebuild/rebuild.ts exports no rebuild()";
  } catch (e) {
    return `src/rebuild/rebuild.ts cannot be loaded: ${(e as Error).message.split("\n")[0]}`;
  }
}
const rebuildFn = await loadRebuild();

async function rebuildNames(io: FileIO, path: string, names: string[], subscriptions?: string[]): Promise<void> {
  if (typeof rebuildFn === "string") throw new Error(rebuildFn);
  const options = { io, separator: "/", uidValidity: UV + 1, onWarning: quiet() };
  await rebuildFn(path, names, subscriptions === undefined ? options : { ...options, subscriptions });
}

/** Sync `names` (recursive, full) into the index at `path` through `io`. */
async function syncNames(
  io: FileIO,
  path: string,
  names: string[],
  tweak?: (ctx: Ctx) => void,
  syncOptions: Parameters<MailboxListIndex["syncBegin"]>[0] = { recursive: true },
  renames: [string, string][] = [],
): Promise<{ compressed: boolean; index: MailboxListIndex }> {
  const index = await MailboxListIndex.open(path, { io, uidValidity: UV, onWarning: quiet() });
  const ctx = await index.syncBegin(syncOptions);
  for (const [from, to] of renames) ctx.rename(from, to);
  for (const n of names) ctx.add(n);
  tweak?.(ctx);
  const r = await ctx.commit();
  return { compressed: r.compressed, index };
}

function runOperation(sc: Scenario, io: FileIO, path: string): Promise<unknown> {
  if (sc.operation) return sc.operation(io, path);
  return syncNames(io, path, sc.names, sc.tweak, sc.syncOptions ?? { recursive: true }, sc.renames).then(async (r) => {
    await r.index.close();
    return r;
  });
}

/** Open the files read-only, with a seam that fails on any write. */
async function readOnlyState(path: string, sc: Scenario): Promise<State> {
  try {
    return await readLasting(path, { io: new FaultyIO({ forbidWrites: true }), checkIntervalMs: STILL });
  } catch (e) {
    // Before a brand-new index exists there is nothing to open: that is the state before.
    if (sc.start === undefined && (e as { code?: string }).code === "ENOENT") return EMPTY;
    throw e;
  }
}

/**
 * A restarted process never runs in the same millisecond as the one that
 * died (temporary file names carry the pid and the time).
 */
function restartDelay(): void {
  const t = Date.now();
  while (Date.now() === t) { /* spin */ }
}

/** Every point 1..n when there are at most `max`, else the first and last few and evenly spaced ones. */
function samplePoints(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i + 1);
  const out = new Set<number>();
  for (let i = 1; i <= Math.floor(max / 3); i++) {
    out.add(i);
    out.add(n + 1 - i);
  }
  const rest = max - out.size;
  for (let i = 1; i <= rest; i++) out.add(Math.floor((i * n) / (rest + 1)) + 1);
  return [...out].sort((a, b) => a - b);
}

/** Files next to the index that no finished writer should leave behind. */
function strayFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(".new") || f.includes(".tmp-") || f.endsWith(".lock"));
}

interface Tally {
  points: number;
  recovery: number;
  torn: number;
  failures: number;
  before: number;
  after: number;
}

/** One scenario, prepared in a temporary directory of its own. */
interface Run {
  sc: Scenario;
  /** The test's temporary directory. */
  dir: string;
  /** The starting files, copied for every run. */
  template: string;
  before: State;
  after: State;
  /** Mutating I/O calls of the uninterrupted operation. */
  count: number;
  /** Length of each write, by call number. */
  writeSizes: Map<number, number>;
  serial: number;
  /** Files left next to an index after its recovery and one more sync. */
  strays: string[];
}

/** A copy of the directory of the index at `path`, as a new run; returns the copy's index path. */
function copyDir(run: Run, path: string): string {
  const dir = join(run.dir, `run-${run.serial++}`);
  cpSync(join(path, ".."), dir, { recursive: true });
  return join(dir, FILE);
}

/** A fresh copy of the starting files; returns its index path. */
function freshCopy(run: Run): string {
  return copyDir(run, join(run.template, FILE));
}

/** Make the starting files of `sc` in `dir`, and run the operation once uninterrupted, counting its calls. */
async function prepare(sc: Scenario, dir: string): Promise<Run> {
  const template = join(dir, "template");
  mkdirSync(template);
  const path = join(template, FILE);
  let before = EMPTY;
  if (sc.start !== undefined) {
    const { index } = await syncNames(nodeFileIO, path, sc.start, sc.startTweak);
    before = await crashState(index);
    await index.close();
    if (sc.startInterrupted) {
      // A writer killed right after flushing its journal record: the record is pending.
      const probe = join(dir, "probe");
      mkdirSync(probe);
      cpSync(template, probe, { recursive: true });
      const counter = new FaultyIO();
      await syncNames(counter, join(probe, FILE), sc.startInterrupted.names).then((r) => r.index.close());
      rmSync(probe, { recursive: true, force: true });
      const flushed = counter.calls.findIndex((c) => c.kind === "flush" && c.path.endsWith(".journal"));
      const io = new FaultyIO({ crashAt: flushed + 2 });
      await assert.rejects(syncNames(io, path, sc.startInterrupted.names));
      io.kill();
      rmSync(`${path}.lock`, { force: true });
      before = await readLasting(path);
      assert.ok(existsSync(`${path}.journal`));
    }
  }
  const run: Run = { sc, dir, template, before, after: EMPTY, count: 0, writeSizes: new Map(), serial: 0, strays: [] };
  // The uninterrupted run, counted.
  const copy = freshCopy(run);
  const counter = new FaultyIO();
  const r = await runOperation(sc, counter, copy) as { compressed?: boolean } | undefined;
  if (sc.operation === undefined) {
    assert.equal(r?.compressed, sc.compresses, `scenario (${sc.id}) compressed: ${r?.compressed}`);
  }
  run.count = counter.count;
  if (process.env.MLI_FAULTS_VERBOSE) {
    console.log(`scenario (${sc.id}) calls:\n` + counter.calls.map((c, i) =>
      `  ${i + 1} ${c.kind} ${c.path.replace(dir, "")} ${c.length}`).join("\n"));
  }
  counter.calls.forEach((c, i) => {
    if (c.kind === "write") run.writeSizes.set(i + 1, c.length);
  });
  run.after = await readLasting(copy);
  assert.notDeepEqual(run.after, run.before, `scenario (${sc.id}) changes nothing`);
  rmSync(join(copy, ".."), { recursive: true, force: true });
  return run;
}

/** Check the files after an interrupted run; returns which state they show. */
async function checkRecovered(run: Run, path: string, where: string): Promise<"before" | "after"> {
  const { sc, before: b, after: a } = run;
  // 1. A reader that comes first sees the files exactly as the crash left them.
  const seenByReader = await readOnlyState(path, sc);
  const which = classify(seenByReader, b, a, `${where}, read-only open`);
  // 2. The next writer replays or drops the journal: the same state.
  // (Real I/O; only the flushes are skipped: a crash here is a process crash, not a power loss.)
  const index = await MailboxListIndex.open(path, {
    io: new FaultyIO(),
    uidValidity: UV,
    onWarning: quiet(),
    checkIntervalMs: STILL,
  });
  try {
    const recovered = await crashState(index);
    assert.equal(
      classify(recovered, b, a, `${where}, writable open`),
      which,
      `${where}: a reader saw the state ${which}, the recovered writer the other`,
    );
    // 3. A further sync works and keeps every mailbox. It adds a child
    // directory in place (no rewrite, no compression), so that changes a
    // recovery failed to put on disk cannot be hidden by a rewrite.
    // A compression that a crash interrupted is due again.
    const h = index.header;
    const due = h.usedSpace >= 1024 && h.deletedSpace >= Math.floor(h.usedSpace / 100) * 10;
    const ctx = await index.syncBegin({ partial: true });
    const added = ctx.add(AFTER_CRASH);
    const result = await ctx.commit();
    assert.equal(result.compressed, due, `${where}: the further sync compressed: ${result.compressed}, due: ${due}`);
    const later = await crashState(index);
    const byName = new Map(later.entries.map((e) => [e.name, e]));
    for (const e of recovered.entries) {
      assert.equal(byName.get(e.name)?.uid, e.uid, `${where}: ${e.name} lost or renumbered by the next sync`);
    }
    assert.equal(index.lookup(AFTER_CRASH), added, `${where}: the next sync's mailbox is missing`);
    assert.ok(added >= recovered.nextUid, `${where}: UID ${added} reused (next_uid was ${recovered.nextUid})`);
    assert.deepEqual(await readOnlyState(path, sc), later, `${where}: a new reader disagrees with the writer`);
  } finally {
    await index.close();
  }
  for (const f of strayFiles(join(path, ".."))) run.strays.push(`${where}: ${f.replace(/tmp-.*/, "tmp-*")}`);
  return which;
}

/** What a restarted writer does first: open (replaying the journal) and begin a sync. */
async function recover(io: FileIO, path: string): Promise<void> {
  const index = await MailboxListIndex.open(path, { io, uidValidity: UV, onWarning: quiet() });
  const ctx = await index.syncBegin({ partial: true });
  await ctx.rollback();
  await index.close();
}

async function crashAt(run: Run, k: number, tear: Tear, tally: Tally): Promise<void> {
  const { sc } = run;
  const path = freshCopy(run);
  const io = new FaultyIO({ crashAt: k, tear });
  const where = `scenario (${sc.id}) crash at call ${k}${tear === "none" ? "" : ` torn ${tear}`}`;
  let threw: unknown;
  try {
    await runOperation(sc, io, path);
  } catch (e) {
    threw = e;
  }
  io.kill();
  assert.ok(io.crashed, `${where}: the crash point was never reached`);
  assert.ok(threw !== undefined, `${where}: the crash was swallowed`);
  if (!(threw instanceof SimulatedCrash) && !((threw as Error).cause instanceof SimulatedCrash)) {
    assert.fail(`${where}: unexpected error ${(threw as Error).stack}`);
  }
  // A killed holder leaves its lock behind; the next writer would take it over.
  rmSync(`${path}.lock`, { force: true });
  restartDelay();
  // The restarted writer may crash too, at any point of its recovery.
  if (tear === "none") {
    const counter = new FaultyIO();
    const probe = copyDir(run, path);
    await recover(counter, probe);
    rmSync(join(probe, ".."), { recursive: true, force: true });
    const expected = classify(await readOnlyState(path, sc), run.before, run.after, `${where}, read-only open`);
    // Only a recovery that replays something is interesting beyond its first calls.
    const replays = counter.calls.some((c) => c.kind !== "unlink");
    for (const j of samplePoints(counter.count, replays ? 6 : 1)) {
      const again = copyDir(run, path);
      const io2 = new FaultyIO({ crashAt: j, tear: j % 2 === 0 ? "half" : "none" });
      await assert.rejects(recover(io2, again), `${where}: the recovery's crash at ${j} was swallowed`);
      io2.kill();
      rmSync(`${again}.lock`, { force: true });
      restartDelay();
      const w2 = `${where}, then at recovery call ${j}`;
      assert.equal(await checkRecovered(run, again, w2), expected, `${w2}: the state changed`);
      rmSync(join(again, ".."), { recursive: true, force: true });
      tally.recovery++;
    }
  }
  tally[await checkRecovered(run, path, where)]++;
  rmSync(join(path, ".."), { recursive: true, force: true });
}

async function failAt(run: Run, k: number, tally: Tally): Promise<void> {
  const { sc } = run;
  const path = freshCopy(run);
  const io = new FaultyIO({ failAt: k, failCode: k % 2 === 0 ? "ENOSPC" : "EIO" });
  const where = `scenario (${sc.id}) I/O error at call ${k}`;
  let threw: unknown;
  let index: MailboxListIndex | undefined;
  try {
    if (sc.operation) await sc.operation(io, path);
    else {
      index = await MailboxListIndex.open(path, { io, uidValidity: UV, onWarning: quiet() });
      const ctx = await index.syncBegin(sc.syncOptions ?? { recursive: true });
      for (const [from, to] of sc.renames ?? []) ctx.rename(from, to);
      for (const n of sc.names) ctx.add(n);
      sc.tweak?.(ctx);
      await ctx.commit();
    }
  } catch (e) {
    threw = e;
  }
  assert.ok(io.failed, `${where}: the failure was never injected`);
  void threw; // A failure may be absorbed (cleanup of leftovers): the files are checked all the same.
  // A new process finds one of the two states (checked on a copy) ...
  const copy = copyDir(run, path);
  tally[await checkRecovered(run, copy, where)]++;
  rmSync(join(copy, ".."), { recursive: true, force: true });
  // ... and this process goes on with the same instance (the device works again):
  // it must show what a fresh reader shows, before and after one more sync.
  if (index !== undefined) {
    try {
      const own = await crashState(index);
      assert.deepEqual(own, await readOnlyState(path, sc), `${where}: the writer's own view differs from a fresh reader's`);
      const ctx = await index.syncBegin({ partial: true });
      const added = ctx.add(AFTER_CRASH);
      await ctx.commit();
      const later = await crashState(index);
      assert.deepEqual(later, await readOnlyState(path, sc), `${where}: after one more sync, the writer's view differs`);
      const byName = new Map(later.entries.map((e) => [e.name, e.uid]));
      for (const e of own.entries) assert.equal(byName.get(e.name), e.uid, `${where}: ${e.name} lost by the next sync`);
      assert.equal(byName.get(AFTER_CRASH), added);
    } finally {
      await index.close();
    }
  }
  rmSync(join(path, ".."), { recursive: true, force: true });
}

describe("fault injection", () => {
  for (const sc of SCENARIOS) {
    it(`scenario (${sc.id}): ${sc.title} — before or after at every crash point, no files left behind`, {
      timeout: 120_000,
    }, async (t) => {
      if (sc.operation !== undefined && typeof rebuildFn === "string") {
        t.skip(rebuildFn);
        return;
      }
      const tmp = makeTempDir("mli-faults-");
      try {
        const run = await prepare(sc, tmp.dir);
        assert.ok(run.count > 0, "the scenario makes no mutating call");
        const tally: Tally = { points: 0, recovery: 0, torn: 0, failures: 0, before: 0, after: 0 };
        const points = RUNTIME === "node" ? samplePoints(run.count, run.count) : samplePoints(run.count, CROSS_RUNTIME_POINTS);
        for (const k of points) {
          await crashAt(run, k, "none", tally);
          tally.points++;
          const len = run.writeSizes.get(k);
          if (len !== undefined) {
            for (const tear of tornVariants(len)) {
              await crashAt(run, k, tear, tally);
              tally.torn++;
            }
          }
        }
        for (const k of points) {
          await failAt(run, k, tally);
          tally.failures++;
        }
        console.log(
          `faults: scenario (${sc.id}): ${tally.points} crash points, ${tally.torn} torn variants, ` +
            `${tally.failures} I/O failures, ${tally.recovery} crash points during recovery; recovered to before ${tally.before}, after ${tally.after}`,
        );
        assert.ok(tally.before > 0 && tally.after > 0, "both outcomes occur");
        // Recovery and the next sync leave no temporary or half-written files behind.
        const distinct = [...new Set(run.strays.map((s) => s.replace(/ at call \d+( torn \w+)?/, "")))];
        assert.deepEqual(distinct, [], `after ${run.strays.length} recoveries:\n${run.strays.slice(0, 10).join("\n")}`);
      } finally {
        tmp.cleanup();
      }
    });
  }

  it("a reader open across a crash that tore the journal header sees every later commit", async () => {
    const tmp = makeTempDir("mli-faults-");
    try {
      await staleReader(tmp.dir);
    } finally {
      tmp.cleanup();
    }
  });
});

async function staleReader(dir: string): Promise<void> {
  // A big index, so that the commits below do not compress it (the list file keeps its inode).
  mkdirSync(join(dir, "stale-reader"));
  const path = join(dir, "stale-reader", FILE);
  const many = [...BASE, ...BIG, ...Array.from({ length: 1500 }, (_, i) => `Huge/h${i}`)];
  await syncNames(new FaultyIO(), path, many).then((r) => r.index.close());
  const one = async (name: string, io: FileIO = new FaultyIO()) => {
    const w = await MailboxListIndex.open(path, { io, onWarning: quiet() });
    try {
      const ctx = await w.syncBegin({ partial: true });
      ctx.add(name);
      return await ctx.commit();
    } finally {
      await w.close();
    }
  };
  await one("INBOX/a");
  await one("INBOX/b");
  const reader = await MailboxListIndex.open(path, { readonly: true, onWarning: quiet() });
  assert.ok(reader.lookup("INBOX/b") !== undefined);
  const seen = readJournalStamp(nodeFileIO, `${path}.journal`).seq;
  // The next commit dies while it marks its record applied, half of the 36-byte header written.
  const probe = join(dir, "probe");
  cpSync(join(dir, "stale-reader"), probe, { recursive: true });
  const counter = new FaultyIO();
  const w = await MailboxListIndex.open(join(probe, FILE), { io: counter, onWarning: quiet() });
  const ctx = await w.syncBegin({ partial: true });
  ctx.add("INBOX/c");
  await ctx.commit();
  await w.close();
  let last = 0;
  counter.calls.forEach((c, i) => {
    if (c.kind === "write" && c.path.endsWith(".journal")) last = i + 1;
  });
  const crashing = new FaultyIO({ crashAt: last, tear: "half" });
  await assert.rejects(one("INBOX/c", crashing));
  crashing.kill();
  rmSync(`${path}.lock`, { force: true });
  restartDelay();
  // More commits, the reader idle meanwhile, until the journal's sequence number is back
  // where it was when the reader last looked (it restarts when the header is unreadable).
  const added = ["INBOX/c"];
  for (let i = 0; i < 2 * seen + 4 && (i === 0 || readJournalStamp(nodeFileIO, `${path}.journal`).seq !== seen); i++) {
    const name = `INBOX/n${i}`;
    const r = await one(name);
    added.push(name);
    if (r.compressed) break; // A new file: no reader can take it for the one it has.
  }
  const missing = added.filter((n) => reader.lookup(n) === undefined);
  const fresh = (await readState(path)).entries.filter((e) => missing.includes(e.name)).map((e) => e.name);
  await reader.close();
  assert.deepEqual(
    missing,
    [],
    `a read-only instance that last looked at journal sequence ${seen} misses committed mailboxes ` +
      `when the sequence, restarted after the crash, comes back to ${seen}; a fresh reader sees them: ${JSON.stringify(fresh)}`,
  );
}
