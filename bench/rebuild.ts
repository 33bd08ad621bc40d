/**
 * Rebuild benchmark: generated trees (flat, wide two-level, realistic
 * skewed) of several sizes, rebuilt in one thread and with 1, 2 and 4
 * workers, on the runtime running this file. For each run: the time to a
 * committed index (names read, built, both files written, flushed and
 * renamed), where that time went, the speedup, the output size, and the
 * peak resident memory above the idle process (sampled every 3 ms from a
 * thread of its own, bench/rss_sampler.mjs). The generated names are
 * flattened before they are timed, as names read from a directory or a file
 * are flat strings already.
 *
 * ```
 * npx deno run -A bench/rebuild.ts --sizes 10000,100000
 * npx bun bench/rebuild.ts
 * node --import tsx bench/rebuild.ts --shapes realistic --sizes 1000000 --workers 0,1,2
 * ```
 *
 * Options: `--sizes N,N,...` (default 10000,100000,1000000), `--shapes`
 * (default flat,wide,realistic), `--workers` (default 0,1,2,4; 0 is the
 * single-thread rebuild), `--reps N` (default: 5, 3 or 1 by size; the
 * fastest run counts), `--shuffle` (names in random order instead of the
 * generator's parents-first order), `--keep` (also rows for workers started
 * once and kept across the runs, as a bulk rebuild of many indexes would:
 * warm, without start-up), `--json FILE` (also write the rows), `--dir DIR`
 * (where the index files go; default a temporary directory).
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Worker } from "node:worker_threads";
import { rebuild, type RebuildWorkers, startRebuildWorkers } from "../src/rebuild/rebuild.ts";
import { generateTree, shuffle, type TreeShape } from "./trees.ts";
import { runtimeVersion } from "./runtime.ts";

/** One measured configuration. */
interface Row {
  runtime: string;
  shape: TreeShape;
  size: number;
  workers: number;
  /** Workers started once and kept across the runs. */
  kept: boolean;
  /** Fastest run, ms, to a committed index. */
  ms: number;
  /** Of which: reading (encoding) the names, building the images, writing the files. */
  readMs: number;
  buildMs: number;
  writeMs: number;
  /** Mailboxes in the index. */
  count: number;
  /** List file bytes in use, and attribute file bytes. */
  listBytes: number;
  attrBytes: number;
  /** Highest resident memory seen above the idle process, in bytes. */
  peakBytes: number;
}

function parseArgs(argv: string[]) {
  const opts = {
    sizes: [10_000, 100_000, 1_000_000],
    shapes: ["flat", "wide", "realistic"] as TreeShape[],
    workers: [0, 1, 2, 4],
    reps: 0,
    shuffle: false,
    keep: false,
    json: undefined as string | undefined,
    dir: undefined as string | undefined,
  };
  const list = (v: string | undefined) => (v ?? "").split(",").filter((x) => x !== "");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--sizes") opts.sizes = list(argv[++i]).map(Number);
    else if (a === "--shapes") opts.shapes = list(argv[++i]) as TreeShape[];
    else if (a === "--workers") opts.workers = list(argv[++i]).map(Number);
    else if (a === "--reps") opts.reps = Number(argv[++i]);
    else if (a === "--shuffle") opts.shuffle = true;
    else if (a === "--keep") opts.keep = true;
    else if (a === "--json") opts.json = argv[++i];
    else if (a === "--dir") opts.dir = argv[++i];
    else throw new Error(`Unknown option ${JSON.stringify(a)}; see the head of bench/rebuild.ts`);
  }
  for (const s of opts.shapes) {
    if (!["flat", "wide", "realistic", "skewed"].includes(s)) throw new Error(`Unknown shape ${JSON.stringify(s)}`);
  }
  if (opts.sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--sizes takes whole numbers ≥ 1");
  return opts;
}

/** Collect garbage when the runtime lets us, so that runs start from the same place. */
function collect(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun !== undefined) g.Bun.gc(true);
  else g.gc?.();
}

function rss(): number {
  return process.memoryUsage().rss;
}

/** Resident memory sampled from a thread of its own (bench/rss_sampler.mjs). */
class RssSampler {
  readonly #worker = new Worker(new URL("./rss_sampler.mjs", import.meta.url));

  start(): void {
    this.#worker.postMessage("start");
  }

  stop(): Promise<number> {
    return new Promise((resolve) => {
      this.#worker.once("message", (peak: number) => resolve(peak));
      this.#worker.postMessage("stop");
    });
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}

/** Run one rebuild, sampling resident memory; returns the row's measures. */
async function measure(sampler: RssSampler, path: string, names: string[], workers: number | RebuildWorkers) {
  collect();
  await new Promise((r) => setTimeout(r, 20));
  const idle = rss();
  sampler.start();
  const marks: Record<string, number> = {};
  const t0 = performance.now();
  const r = await rebuild(path, names, {
    workers,
    uidValidity: 1_700_000_000,
    onWarning: () => {},
    onProgress: (_done, phase) => {
      marks[phase] ??= performance.now() - t0;
    },
  });
  const peak = await sampler.stop();
  return {
    ms: r.ms,
    readMs: marks.build ?? 0,
    buildMs: (marks.write ?? 0) - (marks.build ?? 0),
    writeMs: r.ms - (marks.write ?? 0),
    count: r.count,
    listBytes: r.usedSpace,
    attrBytes: 48 + 32 * r.count,
    peakBytes: Math.max(0, peak - idle),
  };
}

const mb = (b: number) => (b / 1048576).toFixed(1);

function table(rows: Row[]): string {
  const head = ["workers", "ms", "read", "build", "write", "vs 1 worker", "vs 1 thread", "mailboxes", "list MB", "attr MB", "peak MB", "peak/output"];
  const body = rows.map((r) => {
    const one = rows.find((x) => x.workers === 1 && x.kept === r.kept);
    const zero = rows.find((x) => x.workers === 0);
    const output = r.listBytes + r.attrBytes;
    return [
      r.workers === 0 ? "0 (thread)" : r.kept ? `${r.workers} kept` : String(r.workers),
      r.ms.toFixed(0),
      r.readMs.toFixed(0),
      r.buildMs.toFixed(0),
      r.writeMs.toFixed(0),
      one !== undefined && r.workers > 0 ? `${(one.ms / r.ms).toFixed(2)}×` : "",
      zero !== undefined ? `${(zero.ms / r.ms).toFixed(2)}×` : "",
      String(r.count),
      mb(r.listBytes),
      mb(r.attrBytes),
      mb(r.peakBytes),
      (r.peakBytes / output).toFixed(2),
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]) => "| " + cells.map((x, c) => x.padStart(widths[c])).join(" | ") + " |";
  return [line(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...body.map(line)].join("\n");
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const runtime = runtimeVersion();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "mli-bench-rebuild-"));
  const all: Row[] = [];
  const sampler = new RssSampler();
  console.log(`# Rebuild benchmark on ${runtime}`);
  console.log(`Time to a committed index (read = encoding the names, build, write = both files written, flushed, renamed);`);
  console.log(`the fastest of the runs; peak = highest resident memory above the idle process.\n`);
  try {
    for (const shape of opts.shapes) {
      for (const size of opts.sizes) {
        const names = generateTree(shape, size, 7);
        if (opts.shuffle) shuffle(names, 11);
        // The generator concatenates: make every name a flat string first, as the
        // names from a directory listing or a file are (V8 flattens on first read).
        let flat = 0;
        for (const name of names) flat += name.charCodeAt(0);
        if (flat < 0) throw new Error("unreachable");
        const reps = opts.reps > 0 ? opts.reps : size <= 10_000 ? 5 : size <= 100_000 ? 3 : 1;
        const rows: Row[] = [];
        const configs = opts.workers.map((w) => ({ workers: w, kept: false }));
        if (opts.keep) for (const w of opts.workers) if (w > 0) configs.push({ workers: w, kept: true });
        for (const { workers, kept } of configs) {
          let best: Row | undefined;
          const pool = kept ? await startRebuildWorkers(workers) : undefined;
          try {
            // Kept workers get one run first that is not counted: they are warm afterwards.
            for (let k = kept ? -1 : 0; k < reps; k++) {
              const path = join(dir, `${shape}-${size}-${workers}.mlist`);
              const m = await measure(sampler, path, names, pool ?? workers);
              for (const f of ["", ".attr", ".journal"]) rmSync(path + f, { force: true });
              if (k < 0) continue;
              const row: Row = { runtime, shape, size, workers, kept, ...m };
              if (best === undefined || row.ms < best.ms) best = { ...row, peakBytes: Math.max(row.peakBytes, best?.peakBytes ?? 0) };
              else best.peakBytes = Math.max(best.peakBytes, row.peakBytes);
            }
          } finally {
            await pool?.close();
          }
          rows.push(best!);
        }
        console.log(`## ${shape}, ${size.toLocaleString("en-US")} names${opts.shuffle ? " (shuffled)" : ""}, ${reps} run${reps > 1 ? "s" : ""} each\n`);
        console.log(table(rows));
        console.log();
        all.push(...rows);
      }
    }
  } finally {
    await sampler.close();
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
  if (opts.json !== undefined) writeFileSync(opts.json, JSON.stringify(all, null, 2));
}

await main();
