// Rebuild (SPEC §8): the original's rebuild vector byte for byte in any
// input order and with any number of workers; list and attribute files
// byte-identical for 0, 1, 2, 3, 4 and 8 workers on randomized trees and
// equal to one sync of the same names in pre-order; many-unit plans in one
// thread; flags, NOSELECT and STATUS from scanner records; bad names and
// the size limit; worker failures that reject with their cause and leave
// the previous index alone; a reader kept open across a rebuild; progress
// and the kinds of input.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, decodeAttrHeader, findAttrEntry, readAttrStatus } from "../../src/format/attr_codec.ts";
import { withoutGuids } from "../helpers/attr_guids.ts";
import { MailboxFlags } from "../../src/format/constants.ts";
import { grownSize } from "../../src/format/growth.ts";
import { IndexLimitError, InvalidNameError } from "../../src/format/errors.ts";
import { MailboxListIndex } from "../../src/index/index.ts";
import {
  closeIdleRebuildWorkers,
  rebuild,
  type RebuildInput,
  type RebuildOptions,
  type RebuildResult,
  type RebuildWorkers,
  startRebuildWorkers,
} from "../../src/rebuild/rebuild.ts";
import { syncAll, type SyncAllOptions } from "../../src/rebuild/sync_bulk.ts";
import { READ_CHUNK, readNames } from "../../src/rebuild/input.ts";
import { paramsOf, readRouted, rebuildImages, rebuildImagesHere } from "../../src/rebuild/coordinator.ts";
import { writeRebuildHeaders } from "../../src/rebuild/layout.ts";
import { LocalRebuildExecutor } from "../../src/rebuild/executors.ts";
import { limitsOf } from "../../src/format/limits.ts";
import { PLAN_SAMPLE, planSplit, routeNames } from "../../src/rebuild/plan.ts";
import { assignUnits } from "../../src/rebuild/shares.ts";
import { BuildScratch } from "../../src/rebuild/build_memory.ts";
import { TreeUnit } from "../../src/rebuild/tree_build.ts";
import type { MailboxStatus } from "../../src/format/types.ts";
import { generateTree } from "../../bench/trees.ts";
import { prng, shuffle } from "../helpers/random.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { VECTORS_DIR } from "../helpers/vectors.ts";

const tmp = makeTempDir("mli-rebuild-");
after(() => tmp.cleanup());

const SLOW = { timeout: 300_000 };
const quiet = { onWarning: () => {} };
const WORKER_COUNTS = [0, 1, 2, 3, 4, 8];
const LIMITS = limitsOf({});

/** A list file path in a fresh directory of its own. */
const freshPath = (label: string): string => tmp.fresh("index.mlist", label);

function u32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter((l) => l.length > 0);
}

/** Fail with the first differing offset rather than with two dumped buffers. */
function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const n = Math.min(actual.length, expected.length);
  let at = -1;
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      at = i;
      break;
    }
  }
  if (at < 0 && actual.length !== expected.length) at = n;
  assert.ok(at < 0, `${what}: first difference at byte ${at} (sizes ${actual.length} and ${expected.length})`);
}

type Row = [name: string, uid: number, hasChildren: boolean, flags: number];

/** The listing of an index as a fresh reader sees it. */
async function listing(path: string, separator = "/"): Promise<Row[]> {
  const index = await MailboxListIndex.open(path, { ...quiet, readonly: true, separator });
  try {
    return Array.from(index.iterate(), (m): Row => [m.name, m.uid, m.hasChildren, m.flags]);
  } finally {
    await index.close();
  }
}

/** Every file of a directory with its bytes. */
function dirImage(dir: string): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const f of readdirSync(dir).sort()) m.set(f, new Uint8Array(readFileSync(join(dir, f))));
  return m;
}

function assertDirUnchanged(before: Map<string, Uint8Array>, dir: string, what: string): void {
  const now = dirImage(dir);
  assert.deepEqual([...now.keys()], [...before.keys()], `${what}: files in the directory`);
  for (const [f, bytes] of before) assertSameBytes(now.get(f)!, bytes, `${what}: ${f}`);
}

interface Built {
  workers: number;
  path: string;
  result: RebuildResult;
  list: Uint8Array;
  attr: Uint8Array;
}

/** Rebuild the same input once per worker count, each time in another order, each into its own directory. */
async function rebuildEach(
  label: string,
  input: RebuildInput[],
  options: RebuildOptions,
  counts = WORKER_COUNTS,
): Promise<Built[]> {
  const out: Built[] = [];
  for (const workers of counts) {
    const path = freshPath(`${label}-w${workers}`);
    const names = shuffle([...input], 7919 * (workers + 1));
    const result = await rebuild(path, names, { uidValidity: 4242, durable: false, ...quiet, workers, ...options });
    const list = new Uint8Array(readFileSync(path)), attr = new Uint8Array(readFileSync(`${path}.attr`));
    out.push({ workers, path, result, list, attr });
  }
  return out;
}

/** Both files of every rebuild equal the first one's, whole. */
function assertIdentical(built: Built[], label: string): void {
  const [ref, ...rest] = built;
  for (const b of rest) {
    assertSameBytes(b.list, ref.list, `${label}: list file, ${b.workers} vs ${ref.workers} workers`);
    // GUIDs are random: the files are the same but for them.
    assertSameBytes(
      withoutGuids(b.attr),
      withoutGuids(ref.attr),
      `${label}: attribute file, ${b.workers} vs ${ref.workers} workers`,
    );
    assert.deepEqual({ ...b.result, ms: 0, phases: undefined }, { ...ref.result, ms: 0, phases: undefined }, `${label}: result with ${b.workers} workers`);
  }
}

/** A name with its empty components dropped (what the index stores). */
function canonical(name: string, sep: string): string {
  return name.split(sep).filter((c) => c !== "").join(sep);
}

/** What an index built from some inputs must hold, worked out independently. */
interface Expected {
  /** Every mailbox, implied parents included. */
  names: Set<string>;
  /** Given as a mailbox (not only implied, nor only declared with a trailing separator). */
  real: Set<string>;
  /** Having at least one child. */
  parents: Set<string>;
  /** Reported not selectable. */
  noSelect: Set<string>;
  /** The last STATUS given. */
  status: Map<string, MailboxStatus>;
}

function expectedOf(inputs: RebuildInput[], sep: string): Expected {
  const e: Expected = { names: new Set(), real: new Set(), parents: new Set(), noSelect: new Set(), status: new Map() };
  for (const item of inputs) {
    const raw = typeof item === "string" ? item : item.name;
    const parts = canonical(raw, sep).split(sep);
    for (let k = 1; k <= parts.length; k++) e.names.add(parts.slice(0, k).join(sep));
    for (let k = 1; k < parts.length; k++) e.parents.add(parts.slice(0, k).join(sep));
    if (raw.endsWith(sep)) continue; // a parent-only declaration
    const name = parts.join(sep);
    e.real.add(name);
    if (typeof item !== "string") {
      if (item.selectable === false) e.noSelect.add(name);
      if (item.status !== undefined) e.status.set(name, item.status);
    }
  }
  return e;
}

/** The index at `path` holds exactly what `e` says: names, flags, children, STATUS, UIDs 1..n. */
async function assertHolds(path: string, e: Expected, sep: string, label: string): Promise<void> {
  const index = await MailboxListIndex.open(path, { ...quiet, readonly: true, separator: sep });
  try {
    const seen = new Set<string>();
    const uids: number[] = [];
    for (const m of index.iterate()) {
      assert.ok(!seen.has(m.name), `${label}: ${m.name} listed twice`);
      seen.add(m.name);
      uids.push(m.uid);
      assert.ok(e.names.has(m.name), `${label}: unexpected mailbox ${JSON.stringify(m.name)}`);
      assert.equal(m.hasChildren, e.parents.has(m.name), `${label}: hasChildren of ${m.name}`);
      assert.equal((m.flags & MailboxFlags.Children) !== 0, e.parents.has(m.name), `${label}: CHILDREN of ${m.name}`);
      assert.equal((m.flags & MailboxFlags.NonExistent) !== 0, !e.real.has(m.name), `${label}: NONEXISTENT of ${m.name}`);
      assert.equal((m.flags & MailboxFlags.NoSelect) !== 0, e.noSelect.has(m.name), `${label}: NOSELECT of ${m.name}`);
      assert.deepEqual(index.status(m.name), e.status.get(m.name), `${label}: STATUS of ${m.name}`);
    }
    assert.equal(seen.size, e.names.size, `${label}: number of mailboxes`);
    // UIDs in iteration (= pre-order) order: 1, 2, 3, ...
    assert.deepEqual(uids, Array.from({ length: uids.length }, (_, i) => i + 1), `${label}: UIDs in pre-order`);
  } finally {
    await index.close();
  }
}

// ---------------------------------------------------------------------------
// Inputs

const NON_ASCII = ["Überweisungen", "日本語", "Ελληνικά", "Почта", "📨 Inbox", "naïve", "&AOQ-nderungen", "Ångström"];
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ ";

function component(rand: () => number, sep: string): string {
  if (rand() < 0.1) return NON_ASCII[Math.floor(rand() * NON_ASCII.length)] + (rand() < 0.5 ? "" : String(Math.floor(rand() * 9)));
  let s = "";
  const len = 1 + Math.floor(rand() * 12);
  for (let i = 0; i < len; i++) {
    const c = LETTERS[Math.floor(rand() * LETTERS.length)];
    s += c === sep ? "x" : c;
  }
  return s;
}

/**
 * A skewed tree (most of it under INBOX) spelled carelessly: duplicates,
 * implied parents, doubled, leading and trailing separators, non-ASCII;
 * some names come as scanner records with `selectable: false` and STATUS,
 * at every level (the top level, INBOX itself, INBOX's children, deeper).
 */
function edgeInputs(n: number, seed: number, sep: string): RebuildInput[] {
  const rand = prng(seed);
  const inbox: string[][] = [["INBOX"]];
  const other: string[][] = [];
  const nodes: string[][] = [["INBOX"]];
  while (nodes.length < n) {
    const under = rand() < 0.8;
    const pool = under ? inbox : other;
    const parent = pool.length === 0 || (!under && rand() < 0.05) ? [] : pool[Math.floor(rand() * pool.length)];
    if (parent.length >= 7) continue;
    const node = [...parent, component(rand, sep)];
    (under ? inbox : other).push(node);
    nodes.push(node);
  }
  const spell = (parts: string[]) => {
    let s = rand() < 0.04 ? sep : "";
    parts.forEach((p, i) => {
      if (i > 0) s += rand() < 0.08 ? sep + sep : sep;
      s += p;
    });
    return s;
  };
  const st = (m: number): MailboxStatus => ({ messages: m, unseen: m % 7, recent: m % 3, uidValidity: 77 + m, uidNext: m + 1 });
  const out: RebuildInput[] = [];
  for (const parts of nodes) {
    if (parts.length > 1 && rand() < 0.25) continue; // left implied, when it has children
    const name = spell(parts);
    const r = rand();
    if (r < 0.05) out.push(name + sep); // declared as a parent only
    else if (r < 0.15) out.push({ name, selectable: false });
    else if (r < 0.25) out.push({ name, selectable: rand() < 0.3 ? false : undefined, status: st(Math.floor(rand() * 1e5)) });
    else out.push(name);
    if (rand() < 0.1) out.push(spell(parts)); // a duplicate, maybe spelled otherwise
  }
  out.push(
    { name: "INBOX", status: st(1) },
    { name: `Shared${sep}${sep}Team`, selectable: false },
    { name: "Public", selectable: false, status: st(2) },
    { name: `INBOX${sep}Levels`, selectable: false, status: st(3) },
    { name: `${sep}INBOX${sep}Levels${sep}Two${sep}Three${sep}Four`, selectable: false, status: st(5) },
  );
  return out;
}

/** Two chains sharing their first 120 levels, 200 levels deep, some levels only implied. */
function chainNames(seed: number): string[] {
  const rand = prng(seed);
  const a = Array.from({ length: 200 }, (_, d) => `L${d}-${component(rand, "/")}`);
  const b = [...a.slice(0, 120), ...Array.from({ length: 80 }, (_, d) => `M${d + 120}`)];
  const out: string[] = [];
  for (const chain of [a, b]) {
    for (let d = 1; d <= chain.length; d++) if (d === chain.length || rand() < 0.6) out.push(chain.slice(0, d).join("/"));
  }
  out.push("INBOX", "INBOX/Sent", "Trash");
  return out;
}

// ---------------------------------------------------------------------------


/**
 * `total` names under the top-level folder "epdnndzu", plus "ecylwtxz" (the
 * same name hash), its child and "Other/x", placed where the rebuild plan's
 * sample of the strings does not look.
 */
function namesWithUnsampledTwins(total: number): string[] {
  const sampled = new Set(Array.from({ length: PLAN_SAMPLE }, (_, k) => Math.floor((k * total) / PLAN_SAMPLE)));
  const twins = ["ecylwtxz/child", "ecylwtxz", "Other/x"];
  const at = Array.from({ length: 100 }, (_, i) => i).filter((i) => !sampled.has(i)).slice(0, twins.length);
  let k = 0;
  return Array.from({ length: total }, (_, i) => {
    const t = at.indexOf(i);
    if (t >= 0) return twins[t];
    k++;
    return `epdnndzu/f${k % 300}/m${k}`;
  });
}

describe("rebuild: the rebuild-preorder-300 vector", () => {
  const dir = join(VECTORS_DIR, "rebuild-preorder-300");
  const names = lines(join(dir, "names.txt"));
  const separator = readFileSync(join(dir, "sep"), "utf8").trim() || "/";
  const mlist = new Uint8Array(readFileSync(join(dir, "rebuild.mlist")));
  const uidValidity = u32(mlist, 12);
  const used = u32(mlist, 20);
  const given = new Set(names.filter((n) => !n.endsWith(separator)).map((n) => canonical(n, separator)));
  // The vector's flags were recorded with every node reported; a node that
  // names.txt only implies is \NonExistent (SPEC §4 rule 4), the rest is as recorded.
  const expected = lines(join(dir, "rebuild.list.tsv")).map((l): Row => {
    const [name, uid, hasChildren, flags] = l.split("\t");
    const implied = given.has(name) ? 0 : MailboxFlags.NonExistent;
    return [name, Number(uid), hasChildren === "1", parseInt(flags, 16) | implied];
  });

  [0, 1, 2, 3, 8].forEach((workers, k) => {
    it(`names in random order #${k + 1} with ${workers} workers: the original's bytes, UIDs and flags`, SLOW, async () => {
      const path = freshPath(`vector-w${workers}`);
      const order = shuffle([...names], 101 + k);
      const r = await rebuild(path, order, { ...quiet, separator, workers, uidValidity });
      assert.deepEqual({ ...r, ms: 0, phases: undefined }, {
        count: expected.length,
        usedSpace: used,
        fileSize: grownSize(used),
        uidValidity,
        fileSeq: 1,
        ms: 0,
        phases: undefined,
      });
      // Every phase is timed, and the phases make up the whole.
      const phases = Object.values(r.phases);
      assert.equal(phases.length, 7);
      assert.ok(phases.every((v) => v >= 0), JSON.stringify(r.phases));
      assert.ok(Math.abs(phases.reduce((a, b) => a + b, 0) - r.ms) < 1e-6 * Math.max(1, r.ms), JSON.stringify(r));
      const out = new Uint8Array(readFileSync(path));
      assertSameBytes(out.subarray(0, used), mlist.subarray(0, used), `list file [0, ${used}) with ${workers} workers`);
      assert.ok(out.subarray(used).every((x) => x === 0), "growth padding is zeros");
      assert.deepEqual(await listing(path, separator), expected);
      // The attribute file read directly: one entry per UID, the flags of the listing.
      const attr = new Uint8Array(readFileSync(`${path}.attr`));
      const h = decodeAttrHeader(attr, attr.length, "attr");
      assert.deepEqual([h.uidValidity, h.listFileSeq, h.nextUid, h.count, h.live], [uidValidity, 1, 406, 405, 405]);
      const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
      for (const [name, uid, , flags] of expected) {
        const pos = findAttrEntry(dv, h.count, uid);
        assert.equal(pos, ATTR_HEADER_SIZE + (uid - 1) * ATTR_ENTRY_SIZE, `entry of ${name}`);
        assert.equal(dv.getUint32(pos + 4, true), flags, `flags of ${name}`);
        assert.equal(readAttrStatus(dv, pos), undefined);
      }
    });
  });

  it("the same bytes from the name list as a file", SLOW, async () => {
    const path = freshPath("vector-file");
    await rebuild(path, { file: join(dir, "names.txt") }, { ...quiet, separator, workers: 2, uidValidity });
    assertSameBytes(new Uint8Array(readFileSync(path)).subarray(0, used), mlist.subarray(0, used), "list file");
  });
});

describe("rebuild: byte-identical for 0, 1, 2, 3, 4 and 8 workers", () => {
  it("a flat root of 50,000 names", SLOW, async () => {
    const names = generateTree("flat", 50_000, 11);
    const built = await rebuildEach("flat", names, {});
    assertIdentical(built, "flat");
    assert.equal(built[0].result.count, 50_000);
    const rows = await listing(built[0].path);
    assert.equal(rows.length, 50_000);
    assert.ok(rows.every((r) => !r[0].includes("/") && !r[2] && r[3] === 0));
  });

  it("two chains 200 levels deep (maxDepth 256)", SLOW, async () => {
    const names = chainNames(12);
    const built = await rebuildEach("chain", names, { maxDepth: 256 });
    assertIdentical(built, "chain");
    const rows = await listing(built[0].path);
    assert.equal(Math.max(...rows.map((r) => r[0].split("/").length)), 200);
    await assertHolds(built[0].path, expectedOf(names, "/"), "/", "chain");
  });

  it("a realistic skewed tree of 30,000 names, most under INBOX; the same bytes as one sync in pre-order", SLOW, async () => {
    const names = generateTree("realistic", 30_000, 13);
    const underInbox = names.filter((n) => n.startsWith("INBOX/")).length;
    assert.ok(underInbox > names.length / 2, `${underInbox} of ${names.length} under INBOX`);
    const built = await rebuildEach("realistic", names, {});
    assertIdentical(built, "realistic");
    await assertHolds(built[3].path, expectedOf(names, "/"), "/", "realistic, 3 workers");
    // SPEC §8: one full sync of the same names, fed in the rebuild's pre-order, writes the same bytes and listing.
    const rows = await listing(built[0].path);
    const path = freshPath("realistic-sync");
    const index = await MailboxListIndex.open(path, { ...quiet, uidValidity: 4242, durable: false });
    const ctx = await index.syncBegin({ recursive: true });
    for (const [name] of rows) ctx.add(name);
    await ctx.commit();
    await index.close();
    const used = built[0].result.usedSpace;
    assertSameBytes(new Uint8Array(readFileSync(path)).subarray(0, used), built[0].list.subarray(0, used), "sync vs rebuild");
    assert.deepEqual(await listing(path), rows);
  });

  for (const separator of ["/", "."]) {
    it(`careless spelling, implied parents and scanner records with NOSELECT and STATUS ("${separator}")`, SLOW, async () => {
      const inputs = edgeInputs(separator === "/" ? 12_000 : 3_000, separator === "/" ? 14 : 15, separator);
      const built = await rebuildEach(`edge${separator === "/" ? "slash" : "dot"}`, inputs, { separator }, separator === "/" ? [0, 2, 3] : [0, 2]);
      assertIdentical(built, `edge "${separator}"`);
      const e = expectedOf(inputs, separator);
      assert.ok(e.noSelect.size > 20 && e.status.size > 20 && e.real.size < e.names.size);
      for (const b of built) await assertHolds(b.path, e, separator, `edge "${separator}", ${b.workers} workers`);
    });
  }
});

describe("rebuild: names routed while they are read", () => {
  it("about 150,000 careless names with scanner records, routed chunk by chunk: identical for 0, 1, 2, 3, 4 and 8 workers", SLOW, async () => {
    // At this size some names come twice with different STATUS, so that the last one
    // given wins: every worker count gets the same order.
    const input = shuffle(edgeInputs(180_000, 61, "/"), 17);
    assert.ok(input.length > 2 * READ_CHUNK, "several chunks");
    const built: Built[] = [];
    for (const workers of WORKER_COUNTS) {
      const path = freshPath(`chunks-w${workers}`);
      const result = await rebuild(path, input, { uidValidity: 4242, durable: false, ...quiet, workers });
      built.push({ workers, path, result, list: new Uint8Array(readFileSync(path)), attr: new Uint8Array(readFileSync(`${path}.attr`)) });
    }
    assertIdentical(built, "chunks");
    await assertHolds(built[0].path, expectedOf(input, "/"), "/", "chunks");
  });

  it("a split name whose hash an unsampled name shares: routing is done again from all the names", async () => {
    // "epdnndzu" and "ecylwtxz" have the same name hash (the crc32-collisions vector);
    // the twin lies where the plan's sample of the strings does not look.
    const total = 2 * READ_CHUNK + 3;
    const input = namesWithUnsampledTwins(total);
    const params = paramsOf(0x2f, 99, 1, limitsOf({}), "twins.mlist");
    const ref = rebuildImagesHere(await readNames(input, false), params);
    const exec = new LocalRebuildExecutor(3);
    const { names, routing } = await readRouted(input, exec, { ...params, units: 32 });
    assert.equal(routing, undefined, "the early routing is dropped");
    const img = await rebuildImages(names, { ...params, units: 32 }, exec, routing);
    assertSameBytes(img.list, ref.list, "list");
    assertSameBytes(img.attr, ref.attr, "attr");
    // Without the twins, the routing done while reading is kept and gives the same bytes.
    const plain = input.map((x) => x.startsWith("ecylwtxz") || x === "Other/x" ? `epdnndzu/${x}` : x);
    const early = await readRouted(plain, exec, { ...params, units: 32 });
    assert.ok(early.routing !== undefined, "routed while read");
    const refPlain = rebuildImagesHere(await readNames(plain, false), params);
    const imgPlain = await rebuildImages(early.names, { ...params, units: 32 }, exec, early.routing);
    assertSameBytes(imgPlain.list, refPlain.list, "list, routed while read");
    assertSameBytes(imgPlain.attr, refPlain.attr, "attr, routed while read");
  });

  it("a worker that fails while routing a chunk: the rebuild rejects with the cause, the old index stays", SLOW, async () => {
    const path = freshPath("chunk-fault");
    await rebuild(path, ["INBOX", "Old"], { ...quiet, uidValidity: 100 });
    const before = new Uint8Array(readFileSync(path));
    const input = generateTree("realistic", 2 * READ_CHUNK, 62);
    await assert.rejects(
      rebuild(path, input, { ...quiet, workers: 2, uidValidity: 200, __faultInjection: { worker: 1, phase: "route", how: "throw" } }),
      (e: Error) => {
        assert.equal(e.name, "RangeError");
        assert.equal(e.message, `Injected failure of a rebuild worker during "routeChunk"`);
        return true;
      },
    );
    assertSameBytes(new Uint8Array(readFileSync(path)), before, "the old list file");
  });
});

describe("rebuild: many-unit plans in one thread", () => {
  const params = paramsOf(0x2f, 99, 1, limitsOf({}), "plan.mlist");

  async function imagesOf(input: RebuildInput[], workers: number, units?: number) {
    const names = await readNames(input, false);
    if (workers === 0) return rebuildImagesHere(names, params);
    return await rebuildImages(names, { ...params, units }, new LocalRebuildExecutor(workers));
  }

  it("split at every level a sample suggests: the bytes of one unit", async () => {
    const names = generateTree("realistic", 20_000, 51);
    const ref = await imagesOf(names, 0);
    for (const [workers, units] of [[1, 1], [2, undefined], [3, 64], [5, 300]] as const) {
      const img = await imagesOf(shuffle([...names], workers), workers, units);
      assertSameBytes(img.list, ref.list, `list with ${workers} workers, ${units ?? "default"} units`);
      assertSameBytes(img.attr, ref.attr, `attr with ${workers} workers, ${units ?? "default"} units`);
    }
  });

  it("units built one after another with one scratch match units built each with its own", async () => {
    const names = await readNames(shuffle(edgeInputs(6_000, 53, "/"), 3), false);
    const plan = planSplit(names, 0x2f, LIMITS, 24);
    const unitOf = new Uint16Array(names.count);
    routeNames(names, 0x2f, plan, 0, names.count, unitOf);
    assert.ok(plan.unitCount > 8, "a plan with many units");
    const scratch = new BuildScratch();
    // Biggest first, then smaller ones, so that later units find arrays longer than they need.
    const order = Array.from({ length: plan.unitCount }, (_, u) => u);
    const idsOf = (u: number) => Int32Array.from(unitOf.keys()).filter((i) => unitOf[i] === u);
    order.sort((a, b) => idsOf(b).length - idsOf(a).length);
    for (const u of [...order, ...order]) {
      const ids = idsOf(u);
      const skip = plan.splitDepth[plan.unitSplit[u]];
      const own = new TreeUnit(names, 0x2f, LIMITS);
      const shared = new TreeUnit(names, 0x2f, LIMITS, scratch);
      const m = own.build(ids, ids.length, skip);
      assert.deepEqual(shared.build(ids, ids.length, skip), m, `unit ${u}: measure`);
      const place = { sliceRecordPos: 40, sliceNamePos: 40 + 16 * m.sliceCount, regionBase: 0, firstUid: 1 };
      place.regionBase = (place.sliceNamePos + m.sliceNameBytes + 3) & ~3;
      const size = place.regionBase + m.regionSize;
      const images = [0, 1].map(() => ({ list: new Uint8Array(size), attr: new Uint8Array(ATTR_HEADER_SIZE + ATTR_ENTRY_SIZE * m.records) }));
      own.write(images[0].list, images[0].attr, place);
      shared.write(images[1].list, images[1].attr, place);
      assertSameBytes(images[1].list, images[0].list, `unit ${u}: list bytes`);
      assertSameBytes(images[1].attr, images[0].attr, `unit ${u}: attribute bytes`);
    }
  });

  it("a plan splits INBOX when it holds most names, and shares stay even", async () => {
    const input = generateTree("realistic", 40_000, 52);
    const names = await readNames(input, false);
    const plan = planSplit(names, 0x2f, LIMITS, 16);
    assert.ok(plan.splitCount >= 2, "INBOX is split");
    const unitOf = new Uint16Array(names.count);
    const r = routeNames(names, 0x2f, plan, 0, names.count, unitOf);
    const counts = r.counts.subarray(0, plan.unitCount);
    for (const workers of [1, 2, 3, 8]) {
      const mine = assignUnits(counts, plan.unitCount, workers);
      // Every unit goes to exactly one worker; each worker's units are in ascending order.
      assert.equal(mine.length, workers);
      assert.deepEqual(mine.flat().sort((a, b) => a - b), Array.from({ length: plan.unitCount }, (_, u) => u));
      for (const list of mine) assert.deepEqual(list, [...list].sort((a, b) => a - b), `${workers} workers: ascending`);
    }
    // Shared among 2 workers, the loads stay within 20% of even.
    const load = assignUnits(counts, plan.unitCount, 2).map((list) => list.reduce((sum, u) => sum + counts[u], 0));
    const even = (load[0] + load[1]) / 2;
    assert.ok(Math.max(...load) <= even * 1.2, `loads ${load} vs ${even}`);
  });

  it("names whose CRC-32 collides with a split directory's are routed right", async () => {
    // "epdnndzu" and "ecylwtxz" have the same name hash (the crc32-collisions vector).
    // The twin goes where the plan's sample does not look.
    const total = 30_003;
    const input = namesWithUnsampledTwins(total);
    const names = await readNames(input, false);
    const plan = planSplit(names, 0x2f, LIMITS, 32);
    assert.ok(plan.splitCount >= 2);
    const r = routeNames(names, 0x2f, plan, 0, names.count, new Uint16Array(names.count));
    assert.ok(r.collisions.length > 0, "the unsampled twin is reported");
    const ref = await imagesOf(input, 0);
    for (const order of [input, shuffle([...input], 5)]) {
      const img = await imagesOf(order, 3, 32);
      assertSameBytes(img.list, ref.list, "list");
      assertSameBytes(img.attr, ref.attr, "attr");
    }
  });
});

describe("rebuild: names, limits and the files", () => {
  it("rejects the first bad name in input order with InvalidNameError naming it; nothing is written", SLOW, async () => {
    const path = freshPath("invalid");
    await rebuild(path, ["INBOX", "Old"], { ...quiet, uidValidity: 1 });
    const before = dirImage(dirname(path));
    const base = generateTree("realistic", 3_000, 61);
    const cases: [RebuildInput[], RebuildOptions, string, string][] = [
      [[...base, "a/\0b"], {}, "a/\0b", "contains a NUL byte"],
      [[...base, "///"], {}, "///", "is empty"],
      [[...base, ""], {}, "", "is empty"],
      [[...base, `INBOX/${"x".repeat(41)}/y`], { maxComponentLength: 40 }, `INBOX/${"x".repeat(41)}/y`, "component of 41 bytes"],
      [[...base, `INBOX/${Array.from({ length: 20 }, (_, i) => `c${i}`).join("/")}`], { maxDepth: 16 }, "INBOX/c0/", "more than 16 levels"],
      [["a", "Trash/\0", "b/c", "\0"], {}, "Trash/\0", "contains a NUL byte"],
    ];
    // A bad name is not the workers' fault: the same two serve every case.
    const kept = await startRebuildWorkers(2);
    try {
      for (const [input, options, name, reason] of cases) {
        for (const workers of [0, kept]) {
          await assert.rejects(rebuild(path, input, { ...quiet, ...options, workers }), (e: unknown) => {
            assert.ok(e instanceof InvalidNameError, `got ${(e as Error)?.name}: ${(e as Error)?.message}`);
            assert.ok(e.mailbox.startsWith(name), `${JSON.stringify(e.mailbox)} names ${JSON.stringify(name)}`);
            assert.ok(e.message.includes(reason), e.message);
            return true;
          });
        }
      }
    } finally {
      await kept.close();
    }
    assertDirUnchanged(before, dirname(path), "after rejected names");
  });

  it("fails with IndexLimitError past the size limit, before writing anything", SLOW, async () => {
    const path = freshPath("limit");
    await rebuild(path, ["INBOX"], { ...quiet, uidValidity: 1 });
    const before = dirImage(dirname(path));
    const names = generateTree("realistic", 5_000, 62);
    for (const workers of [0, 2]) {
      await assert.rejects(rebuild(path, names, { ...quiet, workers, maxFileSize: 64 * 1024 }), (e: unknown) => {
        assert.ok(e instanceof IndexLimitError, String(e));
        assert.match((e as Error).message, /more than the limit of 65536/);
        return true;
      });
    }
    assertDirUnchanged(before, dirname(path), "after the size limit");
  });

  it("file_seq goes up by one over a readable index; a fresh, a damaged or an empty input starts at 1", async () => {
    const path = freshPath("seq");
    assert.equal((await rebuild(path, ["a"], { ...quiet, uidValidity: 3 })).fileSeq, 1);
    assert.equal((await rebuild(path, ["a", "b"], { ...quiet, uidValidity: 3 })).fileSeq, 2);
    assert.equal((await rebuild(path, ["c"], { ...quiet, uidValidity: 4, workers: 1 })).fileSeq, 3);
    writeFileSync(path, new Uint8Array(100).fill(0xee));
    assert.equal((await rebuild(path, ["d/e"], { ...quiet, uidValidity: 5 })).fileSeq, 1);
    assert.deepEqual(await listing(path), [["d", 1, true, MailboxFlags.Children | MailboxFlags.NonExistent], ["d/e", 2, false, 0]]);
    const empty = await rebuild(path, [], { ...quiet, uidValidity: 6 });
    assert.deepEqual({ ...empty, ms: 0, phases: undefined }, {
      count: 0,
      usedSpace: 28,
      fileSize: 512,
      uidValidity: 6,
      fileSeq: 2,
      ms: 0,
      phases: undefined,
    });
    assert.deepEqual(await listing(path), []);
    const files = readdirSync(dirname(path)).sort();
    assert.deepEqual(files.filter((f) => !f.endsWith(".journal")), ["index.mlist", "index.mlist.attr", "index.mlist.changes"]);
  });

  it("scanner records: NOSELECT from any report, the last STATUS given wins, at any worker count", SLOW, async () => {
    const st = (m: number): MailboxStatus => ({ messages: m, unseen: 0, recent: 0, uidValidity: 5, uidNext: 6 });
    const bulk = Array.from({ length: 3_000 }, (_, i) => `INBOX/f${i % 40}/g${i}`);
    const inputs: RebuildInput[] = [
      ...bulk,
      { name: "Top/x", status: st(1) },
      { name: "Top//x", status: st(2), selectable: false },
      { name: "Top/x", status: st(3) },
      { name: "INBOX", status: st(7) },
      { name: "INBOX/f3/g3", status: st(1) },
      { name: "INBOX//f3/g3", status: st(2) },
      "INBOX/f3/g3",
      { name: "INBOX/f1/", selectable: false, status: st(9) },
    ];
    for (const workers of [0, 3]) {
      const path = freshPath(`records-w${workers}`);
      await rebuild(path, inputs, { ...quiet, workers, uidValidity: 8 });
      const index = await MailboxListIndex.open(path, { ...quiet, readonly: true });
      try {
        assert.deepEqual(index.status("Top/x"), st(3));
        assert.equal(index.flags("Top/x"), MailboxFlags.NoSelect);
        assert.deepEqual(index.status("INBOX"), st(7));
        assert.equal(index.flags("INBOX"), MailboxFlags.Children);
        assert.deepEqual(index.status("INBOX/f3/g3"), st(2));
        // A parent-only declaration makes no mailbox: its extras are not kept.
        assert.equal(index.status("INBOX/f1"), undefined);
        assert.equal(index.flags("INBOX/f1"), MailboxFlags.Children | MailboxFlags.NonExistent);
      } finally {
        await index.close();
      }
    }
  });
});

describe("rebuild: a directory sorted by radix, then a larger one sorted natively", () => {
  // 70,000 top-level names are sorted by radix (over 65,536), which grows the
  // sort scratch; the 30 children of t00000 are sorted natively after it,
  // with sort keys of their own size (they once got none: empty names).
  const names: string[] = [];
  for (let i = 0; i < 70_000; i++) names.push(`t${String(i).padStart(5, "0")}`);
  for (let c = 0; c < 30; c++) names.push(`t00000/c${c}`);

  it("every name is in the index, with the same bytes for 0 and 2 workers", SLOW, async () => {
    const lists: Uint8Array[] = [];
    for (const workers of [0, 2]) {
      const path = freshPath(`radix-then-native-w${workers}`);
      const r = await rebuild(path, names, { ...quiet, workers, uidValidity: 3 });
      assert.equal(r.count, names.length);
      const rows = await listing(path);
      assert.deepEqual(rows.map((row) => row[0]).sort(), [...names].sort());
      lists.push(new Uint8Array(readFileSync(path)).subarray(0, r.usedSpace));
    }
    assertSameBytes(lists[1], lists[0], "2 workers against 0");
  });
});

describe("rebuild: a number of workers is started once and kept idle between calls", () => {
  const names = generateTree("realistic", 6_000, 31);

  it("fresh, idle and restarted workers write the same bytes, and a call whose worker died leaves none to reuse", SLOW, async () => {
    const listOf = async (label: string, options: RebuildOptions) => {
      const path = freshPath(`idle-${label}`);
      const r = await rebuild(path, names, { ...quiet, uidValidity: 9, ...options });
      return readFileSync(path).subarray(0, r.usedSpace);
    };
    const want = await listOf("ref", {});
    assert.deepEqual(await listOf("first", { workers: 2 }), want);
    assert.deepEqual(await listOf("again", { workers: 2 }), want);
    await assert.rejects(
      listOf("dies", { workers: 2, __faultInjection: { worker: 1, phase: "build", how: "exit" } }),
      { name: "WorkerExitError" },
    );
    assert.deepEqual(await listOf("after-death", { workers: 2 }), want);
    assert.deepEqual(await listOf("three", { workers: 3 }), want);
    await closeIdleRebuildWorkers();
    assert.deepEqual(await listOf("after-close", { workers: 2 }), want);
    await closeIdleRebuildWorkers();
  });
});

describe("rebuild: worker failures leave the previous index alone", () => {
  const oldNames = generateTree("realistic", 2_000, 21);
  const newNames = generateTree("realistic", 8_000, 22);

  const cases = [
    ["throw", "route", 0],
    ["throw", "build", 1],
    ["exit", "build", 0],
    ["crash", "build", 1],
    ["exit", "write", 1],
    ["crash", "write", 0],
    ["throw", "write", 1],
  ] as const;
  for (const [how, phase, worker] of cases) {
    it(`worker ${worker} that ${how === "crash" ? "crashe" : how}s during ${phase}: the rebuild rejects with the cause`, SLOW, async () => {
      const path = freshPath(`fault-${how}-${phase}`);
      await rebuild(path, oldNames, { ...quiet, uidValidity: 100 });
      const dir = dirname(path);
      const before = dirImage(dir);
      const oldRows = await listing(path);
      await assert.rejects(
        rebuild(path, newNames, { ...quiet, workers: 2, uidValidity: 200, __faultInjection: { worker, phase, how } }),
        (e: Error) => {
          if (how === "throw") {
            assert.equal(e.name, "RangeError");
            assert.equal(e.message, `Injected failure of a rebuild worker during "${phase}"`);
            assert.match(String(e.stack), /rebuild\/tasks\.ts/, "the worker's stack is kept");
          } else if (how === "exit") {
            assert.equal(e.name, "WorkerExitError");
            assert.equal(e.message, `Worker ${worker} exited with code 70 before its work was done`);
          } else {
            assert.match(e.message, /Injected crash of a rebuild worker/);
          }
          return true;
        },
      );
      assertDirUnchanged(before, dir, `after a worker that ${how}s`);
      assert.deepEqual(await listing(path), oldRows);
      // The next rebuild goes through over the same old index.
      const r = await rebuild(path, newNames, { ...quiet, workers: 2, uidValidity: 200 });
      assert.equal(r.fileSeq, 2);
      await assertHolds(path, expectedOf(newNames, "/"), "/", "the rebuild after the failure");
      assert.deepEqual(readdirSync(dir).sort(), ["index.mlist", "index.mlist.attr", "index.mlist.changes", "index.mlist.journal"]);
    });
  }

  it("workers kept for several rebuilds give the same bytes; one that dies closes them", SLOW, async () => {
    const workers = await startRebuildWorkers(2);
    try {
      const names = generateTree("realistic", 6_000, 23);
      const [own] = await rebuildEach("kept-own", names, {}, [2]);
      for (let k = 0; k < 2; k++) {
        const [kept] = await rebuildEach(`kept-${k}`, names, { workers }, [0]);
        assertSameBytes(kept.list, own.list, `list, rebuild #${k + 1} on kept workers`);
        assertSameBytes(withoutGuids(kept.attr), withoutGuids(own.attr), `attr, rebuild #${k + 1} on kept workers`);
      }
      // One rebuild at a time.
      const first = rebuild(freshPath("kept-busy-1"), names, { ...quiet, workers });
      await assert.rejects(rebuild(freshPath("kept-busy-2"), names, { ...quiet, workers }), /serving another rebuild/);
      await first;
      // A bad name is not the workers' fault: they stay usable.
      await assert.rejects(rebuild(freshPath("kept-bad"), [...names, "a/\0"], { ...quiet, workers }), InvalidNameError);
      await rebuild(freshPath("kept-after-bad"), names, { ...quiet, workers });
      const fault = { worker: 1, phase: "build", how: "exit" } as const;
      await assert.rejects(rebuild(freshPath("kept-dies"), names, { ...quiet, workers, __faultInjection: fault }), {
        name: "WorkerExitError",
      });
      await assert.rejects(rebuild(freshPath("kept-closed"), names, { ...quiet, workers }), { name: "WorkerExitError" });
    } finally {
      await workers.close();
    }
  });

  it("syncAll takes kept workers as rebuild does: the same files as in one thread; busy or foreign workers are refused", SLOW, async () => {
    const names = generateTree("realistic", 6_000, 24);
    const next = [...names.filter((_, i) => i % 7 !== 0), "New/one", "New/two/three"];
    const sync = async (label: string, workers: SyncAllOptions["workers"]) => {
      const path = freshPath(label);
      await rebuild(path, names, { ...quiet, uidValidity: 77, durable: false });
      const index = await MailboxListIndex.open(path, { ...quiet, durable: false });
      try {
        const r = await syncAll(index, next, { workers });
        return { r, list: new Uint8Array(readFileSync(path)), attr: new Uint8Array(readFileSync(`${path}.attr`)) };
      } finally {
        await index.close();
      }
    };
    const here = await sync("syncall-here", 0);
    assert.ok(here.r.changed && here.r.added === 4 && here.r.deleted > 0, JSON.stringify(here.r));
    const workers = await startRebuildWorkers(2);
    try {
      for (let k = 0; k < 2; k++) {
        const kept = await sync(`syncall-kept-${k}`, workers);
        assert.deepEqual(kept.r, here.r);
        assertSameBytes(kept.list, here.list, `list, syncAll #${k + 1} on kept workers`);
        assertSameBytes(withoutGuids(kept.attr), withoutGuids(here.attr), `attr, syncAll #${k + 1} on kept workers`);
      }
      // One call at a time: while a rebuild holds them (it waits for its names), syncAll is refused.
      const path = freshPath("syncall-busy");
      await rebuild(path, names, { ...quiet, uidValidity: 77 });
      const index = await MailboxListIndex.open(path, quiet);
      try {
        let open!: () => void;
        const gate = new Promise<void>((resolve) => (open = resolve));
        const held = async function* (): AsyncGenerator<string> {
          yield "a";
          await gate;
          yield "b";
        };
        const busy = rebuild(freshPath("syncall-busy-rebuild"), held(), { ...quiet, workers });
        await assert.rejects(syncAll(index, next, { workers }), /serving another rebuild/);
        open();
        assert.equal((await busy).count, 2);
        await assert.rejects(syncAll(index, next, { workers: {} as RebuildWorkers }), TypeError);
        assert.equal((await syncAll(index, next, { workers })).added, 4, "the workers serve again");
      } finally {
        await index.close();
      }
    } finally {
      await workers.close();
    }
  });

  it("the same failure in one thread (no workers) rejects too", async () => {
    const names = await readNames(newNames, false);
    const params = paramsOf(0x2f, 1, 1, limitsOf({}), "x");
    await assert.rejects(
      rebuildImages(names, { ...params, fault: { worker: 1, phase: "build", how: "exit" } }, new LocalRebuildExecutor(2)),
      /Injected failure of a rebuild worker \(exit\)/,
    );
  });
});

describe("rebuild: a reader across a rebuild", () => {
  it("keeps its old view during the rebuild, then sees the new file", SLOW, async () => {
    const path = freshPath("reader");
    const oldNames = generateTree("realistic", 3_000, 31);
    const newNames = generateTree("realistic", 20_000, 32);
    await rebuild(path, oldNames, { ...quiet, uidValidity: 1 });
    const reader = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    try {
      const oldRows = Array.from(reader.iterate(), (m) => m.name);
      const oldSeq = reader.header.fileSeq;
      const oldIno = statSync(path).ino;
      const problems: string[] = [];
      let reads = 0;
      const readOld = () => {
        reads++;
        try {
          if (reader.header.fileSeq !== oldSeq) problems.push(`file_seq ${reader.header.fileSeq} mid-rebuild`);
          let n = 0;
          for (const _ of reader.iterate()) n++;
          if (n !== oldRows.length) problems.push(`${n} mailboxes mid-rebuild`);
        } catch (e) {
          problems.push(String(e));
        }
      };
      let timer: ReturnType<typeof setInterval> | undefined;
      const r = await rebuild(path, newNames, {
        ...quiet,
        workers: 2,
        uidValidity: 2,
        onProgress: (_done, phase) => {
          readOld();
          if (phase === "build") timer = setInterval(readOld, 2);
          if (phase === "write") clearInterval(timer);
        },
      });
      clearInterval(timer);
      assert.deepEqual(problems, []);
      assert.ok(reads >= 3, `${reads} reads`);
      assert.notEqual(statSync(path).ino, oldIno);
      assert.equal(reader.header.fileSeq, oldSeq + 1);
      assert.equal(reader.header.fileSeq, r.fileSeq);
      assert.equal(reader.header.uidValidity, 2);
      assert.deepEqual(Array.from(reader.iterate(), (m) => m.name), (await listing(path)).map((row) => row[0]));
    } finally {
      await reader.close();
    }
  });
});

describe("rebuild: progress and inputs", () => {
  it("reports progress by phase, read → build → write", SLOW, async () => {
    const names = generateTree("realistic", 5_000, 41);
    for (const workers of [0, 2]) {
      const calls: [number, string][] = [];
      await rebuild(freshPath("progress"), names, { ...quiet, workers, onProgress: (done, phase) => calls.push([done, phase]) });
      const phases = calls.map((c) => c[1]).filter((p, i, a) => i === 0 || a[i - 1] !== p);
      assert.deepEqual(phases, ["read", "build", "write"]);
      assert.equal(calls.at(-1)![0], names.length);
    }
  });

  it("an array is read a batch at a time into the same table as a generator, past a short size estimate", async () => {
    // Every 64th name (where the size estimate samples, at 65,536 names) is short; the others are long and
    // partly non-ASCII, so that the buffer sized from the sample must grow, and some
    // batches hold scanner records.
    const inputs: RebuildInput[] = [];
    for (let i = 0; i < 65_536; i++) {
      if (i % 64 === 0) inputs.push("a");
      else if (i % 997 === 0) inputs.push({ name: `Rec/${i}`, selectable: false });
      else if (i % 13 === 0) inputs.push(`Überweisungen/${"ä".repeat(i % 40)}/日本語${i}`);
      else inputs.push(`INBOX/${"x".repeat(20 + (i % 50))}/${i}`);
    }
    function* gen(): Generator<RebuildInput> {
      yield* inputs;
    }
    for (const shared of [false, true]) {
      const a = await readNames(inputs, shared);
      const g = await readNames(gen(), shared);
      assert.equal(a.count, inputs.length);
      assert.equal(a.count, g.count);
      assert.deepEqual(a.starts.subarray(0, a.count + 1), g.starts.subarray(0, g.count + 1));
      assertSameBytes(a.bytes.subarray(0, a.starts[a.count]), g.bytes.subarray(0, g.starts[g.count]), "array vs generator");
      assert.deepEqual(a.extras?.subarray(0, a.count), g.extras?.subarray(0, g.count));
      const dec = new TextDecoder();
      for (const i of [1, 13, 997, 65_535]) {
        const item = inputs[i];
        const name = typeof item === "string" ? item : item.name;
        assert.equal(dec.decode(a.bytes.subarray(a.starts[i], a.starts[i + 1] - 1)), name);
      }
    }
  });

  it("a name-list file read for workers stays in shared memory, blank lines or not", async () => {
    for (const [label, text] of [["plain", "INBOX\nArchive/2009\n"], ["mostly blank", "INBOX\n" + "\n".repeat(5_000) + "Sent"]]) {
      const file = join(tmp.dir, `shared-${label.replace(" ", "-")}.txt`);
      writeFileSync(file, text);
      const t = await readNames({ file }, true);
      assert.equal(t.count, 2, label);
      // Workers are given the table itself: no private copy is made of any part of it.
      assert.ok(t.bytes.buffer instanceof SharedArrayBuffer, `${label}: bytes`);
      assert.ok(t.starts.buffer instanceof SharedArrayBuffer, `${label}: starts`);
      assert.equal(new TextDecoder().decode(t.bytes.subarray(t.starts[1], t.starts[2] - 1)), label === "plain" ? "Archive/2009" : "Sent");
    }
  });

  it("images built before the file_seq is known get their headers once, from writeRebuildHeaders", async () => {
    const input = generateTree("realistic", 20_000, 43);
    const known = paramsOf(0x2f, 99, 5, LIMITS, "late.mlist");
    const late = paramsOf(0x2f, 99, undefined, LIMITS, "late.mlist");
    const names = await readNames(input, false);
    const pairs = [
      [rebuildImagesHere(names, known), rebuildImagesHere(names, late)],
      [
        await rebuildImages(names, { ...known, units: 16 }, new LocalRebuildExecutor(3)),
        await rebuildImages(names, { ...late, units: 16 }, new LocalRebuildExecutor(3)),
      ],
    ];
    for (const [ref, img] of pairs) {
      assert.ok(img.list.subarray(0, 28).every((x) => x === 0), "no list header yet");
      assert.ok(img.attr.subarray(0, ATTR_HEADER_SIZE).every((x) => x === 0), "no attribute header yet");
      writeRebuildHeaders(img.list, img.attr, img.count, { uidValidity: 99, fileSeq: 5, separator: 0x2f });
      assertSameBytes(img.list, ref.list, "list");
      assertSameBytes(img.attr, ref.attr, "attr");
    }
  });

  it("a name-list file, an async iterable and a generator give the array's bytes", SLOW, async () => {
    const inputs = edgeInputs(4_000, 42, "/");
    const strings = inputs.map((x) => typeof x === "string" ? x : x.name);
    const [ref] = await rebuildEach("inputs-array", inputs, {}, [0]);
    const [refStrings] = await rebuildEach("inputs-strings", strings, {}, [0]);
    const file = join(tmp.dir, "names.txt");
    // CRLF, blank lines and a byte order mark are taken as readNameList takes them.
    writeFileSync(file, "\ufeff" + shuffle([...strings], 7919).join("\r\n") + "\n\n");
    const fromFile = freshPath("inputs-file");
    await rebuild(fromFile, { file }, { ...quiet, uidValidity: 4242, workers: 2 });
    assertSameBytes(new Uint8Array(readFileSync(fromFile)), refStrings.list, "{ file } vs array: list");
    assertSameBytes(
      withoutGuids(new Uint8Array(readFileSync(`${fromFile}.attr`))),
      withoutGuids(refStrings.attr),
      "{ file } vs array: attr",
    );
    async function* slowly(): AsyncGenerator<RebuildInput> {
      for (let i = 0; i < inputs.length; i++) {
        if (i % 500 === 0) await new Promise((r) => setTimeout(r, 0));
        yield inputs[i];
      }
    }
    const fromAsync = freshPath("inputs-async");
    await rebuild(fromAsync, slowly(), { ...quiet, uidValidity: 4242, workers: 2 });
    assertSameBytes(new Uint8Array(readFileSync(fromAsync)), ref.list, "async iterable vs array: list");
    assertSameBytes(
      withoutGuids(new Uint8Array(readFileSync(`${fromAsync}.attr`))),
      withoutGuids(ref.attr),
      "async iterable vs array: attr",
    );
    function* gen(): Generator<RebuildInput> {
      yield* inputs;
    }
    const fromGen = freshPath("inputs-gen");
    await rebuild(fromGen, gen(), { ...quiet, uidValidity: 4242 });
    assertSameBytes(new Uint8Array(readFileSync(fromGen)), ref.list, "generator vs array: list");
    // Not valid UTF-8 in a name list: the line is skipped with a warning.
    writeFileSync(file, new Uint8Array([0x61, 0x0a, 0xff, 0xfe, 0x0a, 0x62, 0x0a]));
    const warnings: string[] = [];
    const r = await rebuild(freshPath("inputs-bad"), { file }, { uidValidity: 1, onWarning: (m) => warnings.push(m) });
    assert.equal(r.count, 2);
    assert.deepEqual(warnings, [`Skipping line 2 of "${file}": not valid UTF-8`]);
    await assert.rejects(rebuild(freshPath("inputs-none"), { file: join(tmp.dir, "missing.txt") }), /Cannot read name list/);
    await assert.rejects(rebuild(freshPath("inputs-odd"), [42 as unknown as string]), TypeError);
  });
});
