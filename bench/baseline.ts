/**
 * Ours against the original C sync, on the name sets of
 * `../shared/BASELINE.md`, generated as it describes them:
 *
 * - wide: `d0001` … `d1000`, each followed by its children `c0001` …
 *   `c1000` (1,001,000 names, parents listed);
 * - realistic: `generateTree("realistic", 1_000_000, 1, "/")`;
 * - skewed: `generateTree("skewed", 1_000_000, 1, "/")` — INBOX with 70% of
 *   the names as direct children, the rest under 20 top-level folders, up
 *   to 6 levels, random names of 3–24 characters;
 * - flat100k, flat200k: `generateTree("flat", N, 1, "/")`.
 *
 * Each set is run through the rebuild in one thread (`r0`), with 2 workers
 * started for the call (`r2`: the process's idle workers are stopped
 * before each run), with the 2 workers the process keeps idle between
 * calls (`r2k`: what every call after the first gets), the same from a
 * name-list file (`r2f`: `{ file }`, as `rebuild --from-list` reads it; the
 * file is written before, untimed), and through the general sync
 * into an empty index (`sync`: `syncBegin`, one `add` per name, `commit`;
 * opening the index is not timed, as C's timing leaves it out). For each:
 * the median time of the runs, C's time, the ratio C ÷ ours (above 1: we
 * are faster), the process's peak resident memory during the operation
 * (Linux `VmHWM` after a reset through `/proc/self/clear_refs`, so the
 * runtime and the names held as strings count, as C's peak counts its
 * process) against C's, and its rise above the RSS before the run, and for the rebuild each phase's time (reading and
 * encoding the names, routing, the units' build, layout, writing the
 * images, writing and flushing the files; and starting the workers of a
 * call) and the serial share: what runs
 * in the calling thread alone (read, layout, flush) over the total of the
 * single-thread rebuild.
 *
 * ```
 * node --expose-gc --import tsx bench/baseline.ts
 * npx bun bench/baseline.ts --sets wide,realistic --reps 3
 * npx deno run -A --v8-flags=--expose-gc bench/baseline.ts --modes r0,r2
 * ```
 *
 * Options: `--sets` (default wide,realistic,skewed,flat100k,flat200k),
 * `--modes` (default r0,r2,r2k,r2f,sync), `--reps N` (default 3; the median
 * counts), `--json FILE` (also write the rows), `--dir DIR` (where the
 * index files go; default a temporary directory).
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { MailboxListIndex } from "../mod.ts";
import { closeIdleRebuildWorkers, rebuild, type RebuildPhases } from "../src/rebuild/rebuild.ts";
import { decodeHeader } from "../src/format/header.ts";
import { generateTree } from "./trees.ts";
import { runtimeVersion } from "./runtime.ts";

/** One name set of BASELINE.md with the C sync's figures. */
interface BaselineSet {
  key: string;
  make: () => string[];
  /** C sync, seconds (median of 3; skewed: one run). */
  cSeconds: number;
  /** C peak RSS, MiB. */
  cPeakMib: number;
  /** used_space of C's list file. */
  cUsedSpace: number;
}

const pad4 = (i: number) => String(i).padStart(4, "0");

/** The wide set: 1,000 top-level folders of 1,000 children each, every parent listed before its children. */
function wideSet(): string[] {
  const out: string[] = [];
  for (let d = 1; d <= 1000; d++) {
    const dir = `d${pad4(d)}`;
    out.push(dir);
    for (let c = 1; c <= 1000; c++) out.push(`${dir}/c${pad4(c)}`);
  }
  return out;
}

const SETS: BaselineSet[] = [
  { key: "wide", make: wideSet, cSeconds: 0.391, cPeakMib: 150, cUsedSpace: 22_034_040 },
  {
    key: "realistic",
    make: () => generateTree("realistic", 1_000_000, 1, "/"),
    cSeconds: 1.78,
    cPeakMib: 228,
    cUsedSpace: 35_377_188,
  },
  {
    key: "skewed",
    make: () => generateTree("skewed", 1_000_000, 1, "/"),
    cSeconds: 76.5,
    cPeakMib: 200,
    cUsedSpace: 38_090_004,
  },
  {
    key: "flat100k",
    make: () => generateTree("flat", 100_000, 1, "/"),
    cSeconds: 1.108,
    cPeakMib: 23,
    cUsedSpace: 3_139_156,
  },
  {
    key: "flat200k",
    make: () => generateTree("flat", 200_000, 1, "/"),
    cSeconds: 4.705,
    cPeakMib: 45,
    cUsedSpace: 6_389_414,
  },
];

const MODES = ["r0", "r2", "r2k", "r2f", "sync"] as const;
type Mode = (typeof MODES)[number];

const MODE_LABEL: Record<Mode, string> = {
  r0: "rebuild, 1 thread",
  r2: "rebuild, 2 workers",
  r2k: "rebuild, 2 workers kept",
  r2f: "rebuild from a name file, 2 workers kept",
  sync: "sync into an empty index",
};

/** One measured row. */
interface Row {
  runtime: string;
  set: string;
  names: number;
  mode: Mode;
  /** Every run's ms, and their median. */
  all: number[];
  ms: number;
  /** CPU time of the whole process (every thread) in the median run, ms. */
  cpuMs: number;
  /** Highest peak RSS of the runs, MiB (NaN when it cannot be read). */
  peakMib: number;
  /** Highest rise of the RSS during a run above the RSS before it, MiB. */
  riseMib: number;
  /** The median run's phases (rebuild only). */
  phases: RebuildPhases | undefined;
  /** used_space of our list file. */
  usedSpace: number;
}

function parseArgs(argv: string[]) {
  const opts = {
    sets: SETS.map((s) => s.key),
    modes: [...MODES] as Mode[],
    reps: 3,
    json: undefined as string | undefined,
    dir: undefined as string | undefined,
  };
  const list = (v: string | undefined) => (v ?? "").split(",").filter((x) => x !== "");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--sets") opts.sets = list(argv[++i]);
    else if (a === "--modes") opts.modes = list(argv[++i]) as Mode[];
    else if (a === "--reps") opts.reps = Number(argv[++i]);
    else if (a === "--json") opts.json = argv[++i];
    else if (a === "--dir") opts.dir = argv[++i];
    else throw new Error(`Unknown option ${JSON.stringify(a)}; see the head of bench/baseline.ts`);
  }
  for (const s of opts.sets) if (!SETS.some((x) => x.key === s)) throw new Error(`Unknown set ${JSON.stringify(s)}`);
  for (const m of opts.modes) if (!MODES.includes(m)) throw new Error(`Unknown mode ${JSON.stringify(m)}`);
  if (!Number.isInteger(opts.reps) || opts.reps < 1) throw new Error("--reps takes a whole number ≥ 1");
  return opts;
}

function collect(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun !== undefined) g.Bun.gc(true);
  else g.gc?.();
}

/** The load average (1, 5, 15 minutes), where Linux gives it: the figures mean little above the number of cores. */
function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

function statusKb(field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"));
    return m === null ? NaN : Number(m[1]);
  } catch {
    return NaN;
  }
}

/** Reset the process's peak RSS to its current RSS; false where Linux does not let us. */
function resetPeak(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function removeIndex(path: string): void {
  for (const f of ["", ".attr", ".journal", ".subs", ".lock", ".changes"]) rmSync(path + f, { force: true });
}

/** One run of a mode: ms, phases, used_space. */
async function runOnce(
  mode: Mode,
  path: string,
  names: string[],
): Promise<{ ms: number; phases: RebuildPhases | undefined; usedSpace: number }> {
  if (mode === "sync") {
    const index = await MailboxListIndex.open(path);
    try {
      const t0 = performance.now();
      const ctx = await index.syncBegin({ recursive: true });
      for (const name of names) ctx.add(name);
      await ctx.commit();
      const ms = performance.now() - t0;
      return { ms, phases: undefined, usedSpace: statSize(path) };
    } finally {
      await index.close();
    }
  }
  const workers = mode === "r0" ? 0 : 2;
  const r = await rebuild(path, mode === "r2f" ? { file: `${path}.names` } : names, { workers, uidValidity: 1_700_000_000, onWarning: () => {} });
  return { ms: r.ms, phases: r.phases, usedSpace: r.usedSpace };
}

/** used_space from the list file's header. */
function statSize(path: string): number {
  const b = readFileSync(path);
  return decodeHeader(b, b.length, path).usedSpace;
}

const f2 = (ms: number) => (ms / 1000).toFixed(3);

function table(rows: Row[]): string {
  const head = [
    "set",
    "mode",
    "ours s",
    "CPU s",
    "C s",
    "C ÷ ours",
    "peak MiB",
    "C MiB",
    "peak ÷ C",
    "rise MiB",
    "start",
    "read",
    "route",
    "build",
    "layout",
    "write",
    "flush",
    "serial",
  ];
  const body = rows.map((r) => {
    const set = SETS.find((s) => s.key === r.set)!;
    const p = r.phases;
    const ph = (v: number | undefined) => (v === undefined ? "" : v.toFixed(0));
    const serial = p === undefined ? "" : `${(((p.read + p.layout + p.flush) / r.ms) * 100).toFixed(0)}%`;
    return [
      r.set,
      MODE_LABEL[r.mode],
      f2(r.ms),
      f2(r.cpuMs),
      set.cSeconds.toFixed(3),
      `${(set.cSeconds * 1000 / r.ms).toFixed(2)}×`,
      Number.isNaN(r.peakMib) ? "" : r.peakMib.toFixed(0),
      String(set.cPeakMib),
      Number.isNaN(r.peakMib) ? "" : `${(r.peakMib / set.cPeakMib).toFixed(2)}×`,
      Number.isNaN(r.riseMib) ? "" : r.riseMib.toFixed(0),
      ph(p?.start),
      ph(p?.read),
      ph(p?.route),
      ph(p?.build),
      ph(p?.layout),
      ph(p?.write),
      ph(p?.flush),
      serial,
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]) =>
    "| " + cells.map((x, c) => (c < 2 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join(" | ") + " |";
  const rule = "|" + widths.map((w, c) => (c < 2 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [line(head), rule, ...body.map(line)].join("\n");
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const runtime = runtimeVersion();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "mli-bench-baseline-"));
  const rows: Row[] = [];
  console.log(`# Ours against the original C sync (../shared/BASELINE.md), ${runtime}, load average ${loadAverage()}`);
  console.log(
    `Median of ${opts.reps} run${opts.reps > 1 ? "s" : ""}; CPU = every thread of the process; phases in ms (of the median run); serial = (read + layout + flush) ÷ total.\n`,
  );
  try {
    for (const key of opts.sets) {
      const set = SETS.find((s) => s.key === key)!;
      let names: string[] | undefined = set.make();
      // Flat strings, as names read from a directory listing or a file are.
      let flat = 0;
      for (const name of names) flat += name.charCodeAt(0);
      if (flat < 0) throw new Error("unreachable");
      for (const mode of opts.modes) {
        const path = join(dir, `${key}-${mode}.mlist`);
        const runs: { ms: number; cpuMs: number; phases: RebuildPhases | undefined; usedSpace: number }[] = [];
        // Workers for the call: none idle. Kept: idle ones from a call before (one untimed warm-up call).
        if (mode === "r2k" || mode === "r2f") await runOnce("r2k", path, names.slice(0, 1000));
        if (mode === "r2f") writeFileSync(`${path}.names`, names.join("\n") + "\n");
        let peak = 0, rise = 0;
        for (let r = 0; r < opts.reps; r++) {
          removeIndex(path);
          collect();
          await new Promise((res) => setTimeout(res, 20));
          const before = statusKb("VmRSS") / 1024;
          if (mode === "r2") await closeIdleRebuildWorkers();
          const canPeak = resetPeak();
          const c0 = process.cpuUsage();
          const run = await runOnce(mode, path, names);
          const c = process.cpuUsage(c0);
          runs.push({ ...run, cpuMs: (c.user + c.system) / 1000 });
          const hwm = canPeak ? statusKb("VmHWM") / 1024 : NaN;
          peak = Math.max(peak, hwm);
          rise = Math.max(rise, hwm - before);
        }
        removeIndex(path);
        rmSync(`${path}.names`, { force: true });
        const ms = median(runs.map((x) => x.ms));
        const mid = runs.find((x) => x.ms === ms) ?? runs[0];
        const row: Row = {
          runtime,
          set: key,
          names: names.length,
          mode,
          all: runs.map((x) => x.ms),
          ms,
          cpuMs: mid.cpuMs,
          peakMib: peak,
          riseMib: rise,
          phases: mid.phases,
          usedSpace: mid.usedSpace,
        };
        rows.push(row);
        console.log(
          `${key} ${mode}: ${runs.map((x) => x.ms.toFixed(0)).join(", ")} ms; peak ${peak.toFixed(0)} MiB (rise ${rise.toFixed(0)}); used_space ${row.usedSpace} (C ${set.cUsedSpace})`,
        );
      }
      names = undefined;
    }
  } finally {
    await closeIdleRebuildWorkers();
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nLoad average at the end: ${loadAverage()}\n`);
  console.log(table(rows));
  if (opts.json !== undefined) writeFileSync(opts.json, JSON.stringify(rows, null, 2));
}

await main();
