/**
 * Every operation of the index against the SQLite alternative, on one
 * runtime: rebuild (when `src/rebuild.ts` is present), full syncs, a partial
 * sync of one folder, lookups, iterate and LIST, on realistic skewed trees.
 * Prints one Markdown table per tree size, the growth per 10× step and the
 * targets of the performance issue; `--json FILE` also writes the figures.
 *
 * ```
 * deno run -A --v8-flags=--expose-gc bench/ops.ts [--sizes 10000,100000,1000000] [--quick]
 * bun bench/ops.ts --sizes 100000
 * node --expose-gc --import tsx bench/ops.ts --only lookup,iterate
 * ```
 *
 * Times are medians of the repetitions; memory is the RSS high-water mark
 * during the operation (Linux `VmHWM`, reset through `/proc/self/clear_refs`)
 * minus the RSS just before it, after a garbage collection.
 *
 * @module
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { MailboxListIndex, syncAll } from "../mod.ts";
import { generateTree, prng, shuffle } from "./trees.ts";
import { openSqlite, runtimeName, SqliteMailboxes } from "./sqlite.ts";
import { renameRows } from "./rename_rows.ts";

// ---------------------------------------------------------------- options

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    sizes: { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    only: { type: "string" },
    seed: { type: "string", default: "1" },
    "no-sqlite": { type: "boolean", default: false },
    profile: { type: "string" },
  },
});
const quick = opts.quick === true;
const sizes = (opts.sizes ?? (quick ? "10000,100000" : "10000,100000,1000000")).split(",").map((s) => Number(s.trim()));
const only = opts.only === undefined ? undefined : new Set(opts.only.split(","));
const seed = Number(opts.seed);
const SEP = "/";
const runtime = runtimeName();

/**
 * `--profile FILE`: the monotonic-clock window (µs, the clock of V8's CPU
 * profiles) of each measured repetition, written to FILE, so that a
 * `node --cpu-prof` run can be split per operation.
 */
const profileWindows: { label: string; start: number; end: number }[] = [];
let profileSize = 0;
const clockUs = () => Number(process.hrtime.bigint() / 1000n);const want = (key: string) => only === undefined || [...only].some((o) => key.startsWith(o));

// ---------------------------------------------------------------- measuring

const gcFn: () => void = (() => {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun !== undefined) return () => g.Bun!.gc(true);
  if (typeof g.gc === "function") return () => g.gc!();
  return () => {};
})();

function procStatusKb(field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"));
    return m === null ? NaN : Number(m[1]);
  } catch {
    return NaN;
  }
}

let peakResettable = true;
function resetPeak(): void {
  if (!peakResettable) return;
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    peakResettable = false;
  }
}

/** One measured operation. */
interface Measure {
  /** Median milliseconds per repetition. */
  ms: number;
  /** All repetitions' milliseconds. */
  all: number[];
  /** Operations per repetition (lookups per batch; 1 otherwise). */
  ops: number;
  /** Largest RSS high-water mark above the RSS before the repetition, MiB. */
  peakMb: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Time `fn` `reps` times (each after `prepare`, outside the timing), with
 * a garbage collection and a peak reset before each.
 */
async function measure(
  reps: number,
  fn: (rep: number) => unknown,
  options: { ops?: number; prepare?: (rep: number) => unknown; gc?: boolean; name?: string; warmup?: boolean } = {},
): Promise<Measure> {
  const all: number[] = [];
  let peak = 0;
  if (options.warmup) {
    await options.prepare?.(0);
    await fn(0);
  }
  for (let r = 0; r < reps; r++) {
    await options.prepare?.(r);
    if (options.gc !== false) gcFn();
    const before = procStatusKb("VmRSS");
    resetPeak();
    const c0 = clockUs();
    const t0 = performance.now();
    await fn(r);
    const t1 = performance.now();
    if (opts.profile !== undefined && options.name !== undefined) {
      profileWindows.push({ label: `${profileSize}-${options.name}`, start: c0, end: clockUs() });
    }
    const hwm = peakResettable ? procStatusKb("VmHWM") : NaN;
    all.push(t1 - t0);
    peak = Math.max(peak, (hwm - before) / 1024);
  }
  return { ms: median(all), all, ops: options.ops ?? 1, peakMb: peak };
}

// ---------------------------------------------------------------- data

const cacheDir = join(tmpdir(), "mli-bench-names");

/**
 * The realistic tree of `n` names, generated once and cached as JSON (so
 * that each name is its own heap string, as names parsed from a protocol or
 * a directory listing are), in shuffled order.
 */
function loadNames(n: number): string[] {
  const file = join(cacheDir, `realistic-${n}-seed${seed}.json`);
  let names: string[];
  if (existsSync(file)) {
    names = JSON.parse(readFileSync(file, "utf8"));
  } else {
    names = generateTree("realistic", n, seed, SEP);
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(names));
    renameSync(tmp, file);
    names = JSON.parse(readFileSync(file, "utf8"));
  }
  return shuffle(names, seed + 1);
}

const ALPHA = "abcdefghijklmnopqrstuvwxyz0123456789";

/** 1% leaves to delete and 1% new leaves under existing folders. */
function changeSet(names: string[], n: number): { adds: string[]; dels: string[] } {
  const rand = prng(seed + 7);
  const hasChild = new Set<string>();
  for (const name of names) {
    const i = name.lastIndexOf(SEP);
    if (i > 0) hasChild.add(name.slice(0, i));
  }
  const k = Math.max(1, Math.round(n / 100));
  const dels = new Set<string>();
  while (dels.size < k) {
    const c = names[Math.floor(rand() * names.length)];
    if (!hasChild.has(c)) dels.add(c);
  }
  const exists = new Set(names);
  const adds: string[] = [];
  while (adds.length < k) {
    const parent = names[Math.floor(rand() * names.length)];
    if (dels.has(parent) || parent.split(SEP).length >= 6) continue;
    let leaf = "";
    const len = 3 + Math.floor(rand() * 12);
    for (let i = 0; i < len; i++) leaf += ALPHA[Math.floor(rand() * ALPHA.length)];
    const name = `${parent}${SEP}new-${leaf}`;
    if (!exists.has(name)) {
      exists.add(name);
      adds.push(name);
    }
  }
  return { adds, dels: [...dels] };
}

/** A deep name of the tree, for single lookups. */
function hitsFor(names: string[]): string {
  return names.find((x) => x.split(SEP).length >= 4) ?? names[0];
}

/** Names that are not in the tree: an existing name with a changed last component. */
function missingNames(sample: string[], all: Set<string>): string[] {
  const out: string[] = [];
  for (const name of sample) {
    let m = `${name}~`;
    while (all.has(m)) m += "~";
    out.push(m);
  }
  return out;
}

function fileStamp(paths: string[]): string {
  return paths.map((p) => {
    try {
      const s = statSync(p);
      return `${p}:${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return `${p}:-`;
    }
  }).join("|");
}

// ---------------------------------------------------------------- rebuild (optional)

/** Workers started once and kept across rebuilds (`startRebuildWorkers`, where the library has it). */
interface KeptWorkers {
  close(): Promise<void>;
}

type RebuildFn = (
  path: string,
  names: Iterable<string>,
  options: { separator: string; workers: number | KeptWorkers; uidValidity?: number },
) => Promise<unknown>;

let startWorkers: ((size: number) => Promise<KeptWorkers>) | undefined;

async function loadRebuild(): Promise<RebuildFn | undefined> {
  const url = new URL("../src/rebuild/rebuild.ts", import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    rebuildStatus = "src/rebuild.ts not present";
    return undefined;
  }
  try {
    const mod = await import(url.href) as {
      rebuild?: RebuildFn;
      startRebuildWorkers?: (size: number) => Promise<KeptWorkers>;
    };
    startWorkers = mod.startRebuildWorkers;
    rebuildStatus = mod.rebuild === undefined ? "src/rebuild.ts exports no rebuild()" : "src/rebuild.ts";
    return mod.rebuild;
  } catch (e) {
    rebuildStatus = `src/rebuild.ts does not load (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`;
    return undefined;
  }
}

let rebuildStatus = "";

// ---------------------------------------------------------------- rows

/** One row of a table. */
interface Row {
  key: string;
  label: string;
  unit: "ms" | "ops/s";
  /** Why the row has no figure of ours: the projection that skipped it. */
  skipped?: string;
  /** Growth is per listed entry, not per call. */
  perEntry?: boolean;
  ours?: Measure;
  sqlite?: Measure;
  note?: string;
}

/** Results of one tree size. */
interface SizeResult {
  n: number;
  rows: Row[];
  notes: string[];
  writesNothing?: boolean;
  bulkWritesNothing?: boolean;
  sqliteWritesNothing?: boolean;
}

function value(m: Measure | undefined, unit: Row["unit"]): number {
  if (m === undefined) return NaN;
  return unit === "ms" ? m.ms : m.ops / (m.ms / 1000);
}

function fmtValue(m: Measure | undefined, unit: Row["unit"]): string {
  if (m === undefined) return "–";
  const v = value(m, unit);
  if (unit === "ops/s") {
    return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M/s` : v >= 1e3 ? `${(v / 1e3).toFixed(0)} k/s` : `${v.toFixed(0)}/s`;
  }
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`;
}

/** How many times faster ours is than SQLite (above 1: ours is faster). */
function speedup(row: Row): number {
  const o = value(row.ours, row.unit), s = value(row.sqlite, row.unit);
  return row.unit === "ms" ? s / o : o / s;
}

const fmtMb = (m: Measure | undefined) => m === undefined || Number.isNaN(m.peakMb) ? "–" : `${m.peakMb.toFixed(0)}`;

function printTable(r: SizeResult, sqliteName: string): void {
  console.log(`\n### ${runtime}: ${r.n.toLocaleString("en-US")} folders\n`);
  console.log(`| operation | ours | SQLite (${sqliteName}) | ours ÷ SQLite speed | peak MiB ours | peak MiB SQLite |`);
  console.log("|---|--:|--:|--:|--:|--:|");
  for (const row of r.rows) {
    const sp = speedup(row);
    const ratio = Number.isFinite(sp) ? `${sp.toFixed(2)}×` : "–";
    console.log(
      `| ${row.label}${row.note ? ` (${row.note})` : ""} | ${fmtValue(row.ours, row.unit)} | ${
        fmtValue(row.sqlite, row.unit)
      } | ${ratio} | ${fmtMb(row.ours)} | ${fmtMb(row.sqlite)} |`,
    );
  }
  for (const note of r.notes) console.log(`\n${note}`);
}

/** Time per operation in ms, for growth. */
function perOp(m: Measure | undefined): number {
  return m === undefined ? NaN : m.ms / m.ops;
}

const NLOGN_LIMIT = 13;

/** The growth n·log n allows from `a` to `b` names, with some slack (about 13× per 10× step). */
function growthLimit(a: number, b: number): number {
  return b / a === 10 ? NLOGN_LIMIT : (b / a) * (Math.log(b) / Math.log(a)) * 1.08;
}

function printGrowth(results: SizeResult[]): void {
  if (results.length < 2) return;
  const sorted = [...results].sort((a, b) => a.n - b.n);
  const steps = sorted.slice(1).map((r, i) => [sorted[i], r] as const);
  console.log(`\n### ${runtime}: growth of the time per operation\n`);
  console.log(
    `Ratio of the time per operation between sizes; n·log n allows about ${NLOGN_LIMIT}× per 10× step. ⚠ marks a faster growth.\n`,
  );
  const head = steps.map(([a, b]) => `${short(a.n)}→${short(b.n)}`);
  console.log(`| operation | ${head.map((h) => `ours ${h}`).join(" | ")} | ${head.map((h) => `SQLite ${h}`).join(" | ")} |`);
  console.log(`|---|${head.map(() => "--:").join("|")}|${head.map(() => "--:").join("|")}|`);
  for (const row of sorted[sorted.length - 1].rows) {
    const cells = (side: "ours" | "sqlite") =>
      steps.map(([a, b]) => {
        const ra = a.rows.find((x) => x.key === row.key), rb = b.rows.find((x) => x.key === row.key);
        const g = perOp(rb?.[side]) / perOp(ra?.[side]);
        if (!Number.isFinite(g)) return "–";
        const limit = growthLimit(a.n, b.n);
        return `${g.toFixed(1)}×${g > limit ? " ⚠" : ""}`;
      });
    const label = `${row.label}${row.perEntry ? ", per entry" : ""}`;
    console.log(`| ${label} | ${cells("ours").join(" | ")} | ${cells("sqlite").join(" | ")} |`);
  }
}

const short = (n: number) => n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : `${n}`;

// ---------------------------------------------------------------- targets

interface Target {
  name: string;
  met: boolean | undefined;
  detail: string;
}

function targets(r: SizeResult, growth: SizeResult[]): Target[] {
  const row = (k: string) => r.rows.find((x) => x.key === k);
  const out: Target[] = [];
  const ms = (k: string) => row(k)?.ours?.ms;
  const rate = (k: string) => {
    const x = row(k);
    return x?.ours === undefined ? undefined : value(x.ours, "ops/s");
  };
  const faster = (k: string, factor: number, label: string) => {
    const x = row(k);
    if (x?.ours === undefined || x.sqlite === undefined) {
      const name = `${label} ≥ ${factor === 1 ? "as fast as" : `${factor}×`} SQLite`;
      if (x?.skipped !== undefined) out.push({ name, met: false, detail: x.skipped });
      else out.push({ name, met: undefined, detail: "not measured" });
      return;
    }
    const sp = speedup(x);
    out.push({ name: `${label} ≥ ${factor === 1 ? "as fast as" : `${factor}×`} SQLite`, met: sp >= factor, detail: `${sp.toFixed(2)}×` });
  };
  const absolute = (name: string, v: number | undefined, ok: (v: number) => boolean, f: (v: number) => string, k = "") => {
    // A row skipped because it projected past the run's budget is far past any target.
    const skipped = row(k)?.skipped;
    if (v === undefined && skipped !== undefined) out.push({ name, met: false, detail: skipped });
    else out.push({ name, met: v === undefined ? undefined : ok(v), detail: v === undefined ? "not measured" : f(v) });
  };

  absolute("rebuild, 2 workers ≤ 500 ms", ms("rebuild2"), (v) => v <= 500, (v) => `${v.toFixed(0)} ms`, "rebuild2");
  absolute(
    "rebuild, 2 kept workers ≤ 500 ms",
    ms("rebuild2-kept"),
    (v) => v <= 500,
    (v) => `${v.toFixed(0)} ms`,
    "rebuild2-kept",
  );
  absolute("no-change full sync ≤ 300 ms", ms("nochange"), (v) => v <= 300, (v) => `${v.toFixed(0)} ms`);
  out.push({
    name: "no-change full sync writes nothing",
    met: r.writesNothing,
    detail: r.writesNothing === undefined ? "not measured" : r.writesNothing ? "files unchanged" : "files changed",
  });
  absolute(
    "no-change full sync ≤ 300 ms, syncAll with 2 workers",
    ms("nochange-workers"),
    (v) => v <= 300,
    (v) => `${v.toFixed(0)} ms`,
    "nochange-workers",
  );
  out.push({
    name: "no-change full sync writes nothing, syncAll with 2 workers",
    met: r.bulkWritesNothing,
    detail: r.bulkWritesNothing === undefined ? "not measured" : r.bulkWritesNothing ? "files unchanged" : "files changed",
  });
  absolute("partial sync of one folder ≤ 2 ms (median)", ms("partial"), (v) => v <= 2, (v) => `${v.toFixed(2)} ms`);
  for (const k of ["lookup-hit-cached", "lookup-miss-cached", "lookup-hit", "lookup-miss"]) {
    absolute(`${row(k)?.label ?? k} ≥ 2 M/s`, rate(k), (v) => v >= 2e6, (v) => `${(v / 1e6).toFixed(2)} M/s`);
  }
  absolute("iterate all ≤ 150 ms", ms("iterate"), (v) => v <= 150, (v) => `${v.toFixed(0)} ms`);
  faster("rebuild1", 3, "rebuild, single thread");
  faster("rebuild2", 3, "rebuild, 2 workers");
  faster("rebuild2-kept", 3, "rebuild, 2 kept workers");
  faster("list-all", 3, 'list("*")');
  for (const x of r.rows) {
    if (["rebuild1", "rebuild2", "rebuild2-kept", "list-all"].includes(x.key) || x.sqlite === undefined) continue;
    if (x.ours === undefined && x.skipped === undefined) continue;
    faster(x.key, 1, x.label);
  }
  const sorted = [...growth].sort((a, b) => a.n - b.n);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1], b = sorted[i];
    if (b.n / a.n !== 10) continue;
    const worst = b.rows.map((rb) => {
      const ra = a.rows.find((x) => x.key === rb.key);
      return { label: `${rb.label}${rb.perEntry ? ", per entry" : ""}`, g: perOp(rb.ours) / perOp(ra?.ours) };
    }).filter((x) => Number.isFinite(x.g)).sort((p, q) => q.g - p.g);
    const over = worst.filter((x) => x.g > growthLimit(a.n, b.n));
    out.push({
      name: `growth ${short(a.n)}→${short(b.n)} ≤ n·log n (≤ ${NLOGN_LIMIT}×) for every operation`,
      met: over.length === 0,
      detail: over.length === 0
        ? `worst ${worst[0]?.label} ${worst[0]?.g.toFixed(1)}×`
        : over.map((x) => `${x.label} ${x.g.toFixed(1)}×`).join("; "),
    });
  }
  return out;
}

/** The last median per operation name, to project the next, larger size. */
const lastTimes = new Map<string, { n: number; ms: number }>();
/** An operation is skipped when its projected time at a size exceeds this (keeps the run within minutes). */
const PROJECTED_BUDGET_MS = 25_000;

/**
 * Run a measurement that may fail or take far too long: a failure becomes
 * a note; an operation whose time at the previous size projects (n·log n,
 * times the repetitions) past {@linkcode PROJECTED_BUDGET_MS} is skipped
 * with the projection as its note.
 */
async function attempt(
  notes: string[],
  what: string,
  name: string,
  n: number,
  reps: number,
  fn: () => Promise<Measure>,
): Promise<Measure | string | undefined> {
  const last = lastTimes.get(name);
  // Below 100k, fixed costs (worker start-up) dominate and would project far too high.
  if (last !== undefined && last.n >= 100_000) {
    // Linear growth plus a margin for n·log n (about 1.3 per 10× step).
    const projected = last.ms * (n / last.n) * (n > last.n ? 1.3 : 1) * reps;
    if (projected > PROJECTED_BUDGET_MS) {
      return `skipped: ${(last.ms / 1000).toFixed(1)} s at ${short(last.n)} projects to ${(projected / 1000).toFixed(0)} s`;
    }
  }
  try {
    const m = await fn();
    lastTimes.set(name, { n, ms: m.ms });
    return m;
  } catch (e) {
    notes.push(`⚠ ${what} failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    return undefined;
  }
}

/** The measure, or the reason there is none, of an {@linkcode attempt}. */
function split(r: Measure | string | undefined): [Measure | undefined, string | undefined] {
  return typeof r === "string" ? [undefined, r] : [r, r === undefined ? "failed, see below" : undefined];
}

// ---------------------------------------------------------------- one size

const rebuild = await loadRebuild();
const partialReps = quick ? 10 : 20;

async function runSize(n: number, root: string): Promise<SizeResult> {
  const reps = n >= 1_000_000 ? 1 : n >= 100_000 ? (quick ? 1 : 3) : (quick ? 3 : 5);
  const rows: Row[] = [];
  const notes: string[] = [];
  const result: SizeResult = { n, rows, notes };
  const t0 = performance.now();
  const names = loadNames(n);
  const nameSet = new Set(names);
  notes.push(`Tree: ${n} realistic names (seed ${seed}), loaded in ${(performance.now() - t0).toFixed(0)} ms.`);
  const dir = mkdtempSync(join(root, `n${n}-`));
  const idxPath = join(dir, "ours.mlist");
  const ourFiles = [idxPath, `${idxPath}.attr`, `${idxPath}.journal`];
  const open = (o: Record<string, unknown> = {}) =>
    MailboxListIndex.open(idxPath, { separator: SEP, uidValidity: 1, onWarning: () => {}, ...o });
  const useSqlite = opts["no-sqlite"] !== true;
  const newSqlite = async (file: string) => {
    const db = await openSqlite(file);
    if ("unavailable" in db) throw new Error(db.unavailable);
    return new SqliteMailboxes(db, SEP);
  };

  // -- building
  const rebuildRows = [
    ["rebuild1", 0, false, "rebuild, single thread"],
    ["rebuild2", 2, false, "rebuild, 2 workers"],
    ["rebuild2-kept", 2, true, "rebuild, 2 workers started once and kept"],
  ] as const;
  for (const [key, workers, kept, label] of rebuildRows) {
    if (!want(key)) continue;
    if (rebuild === undefined || (kept && startWorkers === undefined)) {
      if (!kept) rows.push({ key, label, unit: "ms", note: rebuildStatus });
      continue;
    }
    const path = (r: number) => join(dir, `rb${workers}${kept ? "k" : ""}-${r}.mlist`);
    // Kept workers are started before the timing, as a bulk rebuild of many indexes would.
    const pool = kept ? await startWorkers!(workers) : undefined;
    let result: Measure | string | undefined;
    try {
      result = await attempt(notes, label, key, n, reps, () =>
        measure(reps, (r) => rebuild(path(r), names, { separator: SEP, workers: pool ?? workers, uidValidity: 1 }), {
          name: `${key}-ours`,
        }));
    } finally {
      await pool?.close();
    }
    const [ours, why] = split(result);
    for (let r = 0; r < reps; r++) for (const s of ["", ".attr", ".journal", ".lock"]) rmSync(path(r) + s, { force: true });
    rows.push({ key, label, unit: "ms", ours, note: why, skipped: why?.startsWith("skipped") ? why : undefined });
  }
  // The SQLite bulk load (fresh file per repetition; the last one is kept for the rest).
  let box: SqliteMailboxes | undefined;
  let sqliteRebuild: Measure | undefined;
  if (useSqlite) {
    sqliteRebuild = await measure(reps, () => box!.rebuild(names), {
      name: "rebuild-sqlite",
      prepare: async (r) => {
        if (box !== undefined) {
          box.close();
          for (const s of ["", "-wal", "-shm"]) rmSync(join(dir, `sq-${r - 1}.db`) + s, { force: true });
        }
        box = await newSqlite(join(dir, `sq-${r}.db`));
      },
    });
    box!.checkpoint();
    for (const row of rows) if (row.key.startsWith("rebuild")) row.sqlite = sqliteRebuild;
  }
  const sqliteFiles = () => [join(dir, `sq-${reps - 1}.db`), join(dir, `sq-${reps - 1}.db-wal`)];

  // Full sync into an empty index (how an index is first built without rebuild()).
  {
    const index = await open();
    const ours = await measure(1, async () => {
      const ctx = await index.syncBegin({ recursive: true });
      for (const name of names) ctx.add(name);
      await ctx.commit();
    }, { name: "initial-ours" });
    await index.close();
    // SQLite's counterpart is its bulk load, in the rebuild rows.
    rows.push({ key: "initial", label: "full sync into an empty index", unit: "ms", ours });
  }
  const index = await open();
  const cached = await open({ readonly: true, checkIntervalMs: 1e9 });
  const entries = [...index.iterate()].length;
  if (entries !== n) notes.push(`⚠ the index holds ${entries} mailboxes, expected ${n}`);
  if (box !== undefined && box.count() !== n) notes.push(`⚠ the SQLite table holds ${box.count()} rows, expected ${n}`);

  // -- opening: read the files and answer one lookup
  if (want("open")) {
    const probe = hitsFor(names);
    // Milliseconds each: a median of several, for both. No forced collection before each:
    // on V8 the JavaScript right after gc() runs several times slower (here 0.7–1.2 ms
    // against 0.13–0.45 ms), which SQLite's native code does not feel.
    const openReps = Math.max(reps, 11);
    const ours = await measure(openReps, async () => {
      const ix = await open({ readonly: true });
      if (ix.lookup(probe) === undefined) throw new Error("open + lookup found nothing");
      await ix.close();
    }, { name: "open-ours", gc: false });
    let sqlite: Measure | undefined;
    if (box !== undefined) {
      const file = sqliteFiles()[0];
      sqlite = await measure(openReps, async () => {
        const db = await newSqlite(file);
        if (db.lookup(probe) === undefined) throw new Error("open + lookup found nothing");
        db.close();
      }, { name: "open-sqlite", gc: false });
    }
    rows.push({ key: "open", label: "open + first lookup", unit: "ms", ours, sqlite });
  }

  // -- reads (one untimed call first, unless a smaller tree already ran this code); a
  // single pass over 1M entries varies with when the collector runs, so take 3.
  const readReps = Math.max(reps, 3);
  const warmup = n < 1_000_000 || sizes.indexOf(n) === 0;
  const k = Math.min(n, 200_000);
  const hits = shuffle(names.slice(0, k), seed + 3);
  const misses = missingNames(shuffle(names.slice(0, k), seed + 4), nameSet);
  const lookupAll = (f: (name: string) => number | undefined, list: string[], expectFound: boolean) => {
    let found = 0;
    for (let i = 0; i < list.length; i++) if (f(list[i]) !== undefined) found++;
    if (found !== (expectFound ? list.length : 0)) throw new Error(`lookup found ${found} of ${list.length}`);
  };
  const lookupRows: [string, string, string[], boolean, MailboxListIndex][] = [
    ["lookup-hit", "lookup, existing names", hits, true, index],
    ["lookup-miss", "lookup, missing names", misses, false, index],
    ["lookup-hit-cached", "lookup, existing names, checkIntervalMs 1e9", hits, true, cached],
    ["lookup-miss-cached", "lookup, missing names, checkIntervalMs 1e9", misses, false, cached],
  ];
  for (const [key, label, list, expect, ix] of lookupRows) {
    if (!want(key)) continue;
    const lreps = Math.max(1, Math.min(3, reps));
    // The default index checks the files before every answer: fewer calls keep that row short.
    const sub = ix === index ? list.slice(0, Math.min(list.length, 50_000)) : list;
    const ours = await measure(lreps, () => lookupAll((x) => ix.lookup(x), sub, expect), { ops: sub.length, name: `${key}-ours`, warmup: true });
    // Without the per-call check, SQLite's counterpart is a batch of lookups in one read transaction.
    const batch = ix === cached;
    const sqlite = box === undefined ? undefined : await measure(lreps, () => {
      const run = () => lookupAll((x) => box!.lookup(x), sub, expect);
      if (batch) box!.read(run);
      else run();
    }, { ops: sub.length, name: `${key}-sqlite`, warmup: true });
    rows.push({ key, label, unit: "ops/s", ours, sqlite, note: batch ? "SQLite: one read transaction" : undefined });
  }
  if (want("iterate")) {
    let count = 0;
    const ours = await measure(readReps, () => {
      count = 0;
      for (const _m of index.iterate()) count++;
    }, { name: "iterate-ours", warmup });
    const sqlite = box === undefined ? undefined : await measure(readReps, () => box!.iterateAll().length, { name: "iterate-sqlite", warmup });
    rows.push({ key: "iterate", label: "iterate all", unit: "ms", ours, sqlite });
  }
  if (want("list-all")) {
    let a = 0, b = 0;
    const ours = await measure(readReps, () => a = index.list("*").length, { name: "list-all-ours", warmup });
    const sqlite = box === undefined ? undefined : await measure(readReps, () => b = box!.listAll().length, { name: "list-all-sqlite", warmup });
    if (box !== undefined && a !== b) notes.push(`⚠ list("*"): ${a} entries, SQLite ${b}`);
    rows.push({ key: "list-all", label: 'list("*")', unit: "ms", ours, sqlite });
  }
  if (want("list-inbox")) {
    let a = 0, b = 0;
    const lr = Math.max(readReps, 5);
    const ours = await measure(lr, () => a = index.list("INBOX/%").length, { name: "list-inbox-ours", warmup });
    const sqlite = box === undefined ? undefined : await measure(lr, () => b = box!.listChildren("INBOX").length, {
      name: "list-inbox-sqlite",
      warmup,
    });
    if (box !== undefined && a !== b) notes.push(`⚠ list("INBOX/%"): ${a} entries, SQLite ${b}`);
    // INBOX's children grow faster than the tree: compare growth per listed entry.
    ours.ops = a;
    if (sqlite !== undefined) sqlite.ops = b;
    rows.push({ key: "list-inbox", label: 'list("INBOX/%")', unit: "ms", ours, sqlite, note: `${a} children`, perEntry: true });
  }

  // -- writes
  const fullSync = async (list: string[]) => {
    const ctx = await index.syncBegin({ recursive: true });
    for (const name of list) ctx.add(name);
    return await ctx.commit();
  };
  if (want("nochange")) {
    const before = fileStamp(ourFiles);
    const ours = await measure(reps, async () => {
      const r = await fullSync(names);
      if (r.changed) throw new Error("a no-change full sync changed the index");
    }, { name: "nochange-ours" });
    result.writesNothing = fileStamp(ourFiles) === before;
    let bulk: Measure | undefined, bulkWhy: string | undefined;
    if (want("nochange-workers")) {
      [bulk, bulkWhy] = split(
        await attempt(notes, "syncAll, no changes", "nochange-workers", n, reps, () =>
          measure(reps, async () => {
            const r = await syncAll(index, names, { workers: 2 });
            if (r.changed) throw new Error("a no-change syncAll changed the index");
          }, { name: "nochange-workers-ours" })),
      );
      if (bulk !== undefined) result.bulkWritesNothing = fileStamp(ourFiles) === before;
    }
    let sqlite: Measure | undefined;
    if (box !== undefined) {
      const sb = fileStamp(sqliteFiles());
      sqlite = await measure(reps, () => {
        const r = box!.fullSync(names);
        if (r.added + r.deleted !== 0) throw new Error("a no-change SQLite sync changed the table");
      }, { name: "nochange-sqlite" });
      result.sqliteWritesNothing = fileStamp(sqliteFiles()) === sb;
    }
    rows.push({
      key: "nochange",
      label: "full sync, no changes",
      unit: "ms",
      ours,
      sqlite,
      note: `writes nothing: ours ${result.writesNothing ? "yes" : "NO"}${
        result.sqliteWritesNothing === undefined ? "" : `, SQLite ${result.sqliteWritesNothing ? "yes" : "NO"}`
      }`,
    });
    if (want("nochange-workers")) {
      rows.push({
        key: "nochange-workers",
        label: "full sync, no changes, syncAll with 2 workers",
        unit: "ms",
        ours: bulk,
        sqlite,
        note: bulkWhy ?? `writes nothing: ${result.bulkWritesNothing ? "yes" : "NO"}`,
        skipped: bulkWhy?.startsWith("skipped") ? bulkWhy : undefined,
      });
    }
  }
  if (want("change")) {
    const { adds, dels } = changeSet(names, n);
    const delSet = new Set(dels);
    const changed = names.filter((x) => !delSet.has(x)).concat(adds);
    // Alternate: the changed tree, then back to the original (again 1% added, 1% deleted).
    let oursHas = names, sqliteHas = names;
    const check = (res: { added: number; deleted: number }) => {
      if (res.added !== adds.length || res.deleted !== dels.length) {
        throw new Error(`1% sync: added ${res.added} deleted ${res.deleted}, expected ${adds.length}/${dels.length}`);
      }
    };
    const creps = Math.max(2, reps);
    const ours = await measure(creps, async () => {
      oursHas = oursHas === names ? changed : names;
      check(await fullSync(oursHas));
    }, { name: "change-ours" });
    const bulkReps = n >= 1_000_000 ? 1 : creps;
    const [bulk, bulkWhy] = !want("change-workers") ? [undefined, undefined] : split(
      await attempt(notes, "syncAll, 1% changed", "change-workers", n, bulkReps, () =>
        measure(bulkReps, async () => {
          const target = oursHas === names ? changed : names;
          check(await syncAll(index, target, { workers: 2 }));
          oursHas = target;
        }, { name: "change-workers-ours" })),
    );
    if (bulk === undefined && want("change-workers")) {
      // Put the index back in a known state for what follows.
      await fullSync(names);
      oursHas = names;
    }
    const sqlite = box === undefined ? undefined : await measure(creps, () => {
      sqliteHas = sqliteHas === names ? changed : names;
      check(box!.fullSync(sqliteHas));
    }, { name: "change-sqlite" });
    const note = `${adds.length}+${dels.length}`;
    rows.push({ key: "change", label: "full sync, 1% added and 1% deleted", unit: "ms", ours, sqlite, note });
    if (want("change-workers")) {
      rows.push({
        key: "change-workers",
        label: "full sync, 1% added and 1% deleted, syncAll with 2 workers",
        unit: "ms",
        ours: bulk,
        sqlite,
        note: bulkWhy ?? note,
        skipped: bulkWhy?.startsWith("skipped") ? bulkWhy : undefined,
      });
    }
  }
  if (want("partial")) {
    for (const durable of [true, false]) {
      const ix = durable ? index : await open({ durable: false });
      const newName = (side: string, r: number) => `INBOX${SEP}bench-${side}-${durable ? "d" : "n"}-${r}`;
      const ours = await measure(partialReps, async (r) => {
        const ctx = await ix.syncBegin({ partial: true });
        ctx.add(newName("o", r));
        await ctx.commit();
      }, { gc: false, name: `${durable ? "partial" : "partial-nodurable"}-ours` });
      let sqlite: Measure | undefined;
      if (box !== undefined) {
        box.setDurable(durable);
        sqlite = await measure(partialReps, (r) => box!.addOne(newName("s", r)), {
          gc: false,
          name: `${durable ? "partial" : "partial-nodurable"}-sqlite`,
        });
        box.setDurable(true);
      }
      if (!durable) await ix.close();
      rows.push({
        key: durable ? "partial" : "partial-nodurable",
        label: durable ? "partial sync adding one folder" : "partial sync adding one folder, not durable",
        unit: "ms",
        ours,
        sqlite,
        note: `median of ${partialReps}, slowest ours ${Math.max(...ours.all).toFixed(0)} ms; ` +
          (durable ? "fsync; SQLite synchronous=FULL" : "durable: false; SQLite synchronous=OFF"),
      });
    }
  }
  if (want("rename")) {
    // A subtree as large as the tree, renamed, against a leaf, and against deleting and adding it.
    const { rows: renames, subtree } = await renameRows(names, dir, reps, Math.max(reps, 9), measure);
    for (const r of renames) {
      const changed = r.added + r.deleted === 0 ? "" : `, ${r.deleted.toLocaleString("en-US")} deleted and ${r.added.toLocaleString("en-US")} added`;
      rows.push({ key: r.key, label: r.label, unit: "ms", ours: r.ours, note: `${r.appended.toLocaleString("en-US")} bytes appended${changed}` });
    }
    const ms = (key: string) => renames.find((r) => r.key === key)!.ours.ms;
    const ratio = (a: string, b: string) => (ms(a) / ms(b)).toFixed(2);
    notes.push(
      `Rename: the ${subtree.toLocaleString("en-US")}-mailbox subtree takes ${ratio("rename-subtree", "rename-leaf")}× the time of a leaf ` +
        `to a deeper, longer name, ${ratio("rename-subtree-same", "rename-leaf-same")}× within its directory; deleting and adding it ` +
        `takes ${ratio("rename-delete-add", "rename-subtree")}× the time of its rename.`,
    );
  }
  await index.close();
  await cached.close();
  box?.close();
  rmSync(dir, { recursive: true, force: true });
  notes.push(
    `Repetitions: ${reps} (median; reads at least 3, list("INBOX/%") 5, partial syncs ${partialReps}); lookups: ${k.toLocaleString("en-US")} names per batch ` +
      `(50,000 with the per-call freshness check).`,
  );
  return result;
}

// ---------------------------------------------------------------- main

const versions = runtime === "deno"
  ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string; v8: string } } }).Deno.version.deno}`
  : runtime === "bun"
  ? `Bun ${process.versions.bun}`
  : `Node ${process.versions.node}`;
const root = mkdtempSync(join(tmpdir(), "mli-bench-"));
const probe = await openSqlite(join(root, "probe.db"));
const sqliteName = "unavailable" in probe ? "unavailable" : `${probe.driver} ${probe.version}`;
if (!("unavailable" in probe)) probe.close();
if ("unavailable" in probe) {
  console.log(`SQLite is not available on ${runtime} (${probe.unavailable}); its columns are skipped.`);
  opts["no-sqlite"] = true;
}
gcFn();
const idleMb = procStatusKb("VmRSS") / 1024;
console.log(
  `## ${versions} — sizes ${sizes.join(", ")}${quick ? " (quick)" : ""}; SQLite: ${sqliteName}; idle RSS ${idleMb.toFixed(0)} MiB; ` +
    `rebuild: ${rebuild === undefined ? `${rebuildStatus}, rows skipped` : rebuildStatus}`,
);
if (!peakResettable) console.log("Peak memory: /proc/self/clear_refs not writable; columns left empty.");
const results: SizeResult[] = [];
const started = performance.now();
try {
  for (const n of sizes) {
    profileSize = n;
    const r = await runSize(n, root);
    results.push(r);
    printTable(r, sqliteName);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
printGrowth(results);
if (opts.profile !== undefined) writeFileSync(opts.profile, JSON.stringify(profileWindows));
const largest = results.reduce((a, b) => (b.n > a.n ? b : a));
const tg = targets(largest, results);
console.log(`\n### ${runtime}: targets at ${largest.n.toLocaleString("en-US")} folders\n`);
console.log("| target | result | met |");
console.log("|---|--:|:-:|");
for (const t of tg) console.log(`| ${t.name} | ${t.detail} | ${t.met === undefined ? "–" : t.met ? "yes" : "**no**"} |`);
console.log(`\n${runtime}: finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (opts.json !== undefined) {
  writeFileSync(
    opts.json,
    JSON.stringify({ runtime, versions, sqlite: sqliteName, idleMb, sizes, results, targets: tg }, null, 1),
  );
}
