/**
 * Latency of the change feed (SPEC §13) from a commit in one process to
 * the event in another: a writer child process (this file with `--writer`)
 * makes `--commits` partial syncs, each adding one mailbox, `--gap-ms` apart,
 * and prints for each the wall-clock time right after `commit()` resolved
 * (`performance.timeOrigin + performance.now()`) with the mailbox's name.
 * This process watches the index with `index.watch()` and notes when each
 * batch arrives; a commit's latency is its batch's arrival minus its commit
 * time, matched by name. The first `--warmup` commits are left out.
 *
 * ```
 * node --import tsx bench/watch_latency.ts [--commits 200] [--gap-ms 20] [--warmup 5] [--no-durable]
 * npx deno run -A bench/watch_latency.ts
 * npx bun bench/watch_latency.ts
 * ```
 *
 * Two modes, each on a fresh index, the writer on the same runtime as the
 * watcher:
 *
 * - `fs.watch + poll`: the default `FileIO` (a directory watch of the
 *   index's directory, and a poll every second as a safety net);
 * - `poll only`: a `FileIO` without `watchDir`, so the watcher polls the
 *   journal every 20 ms (its default without a directory watch).
 *
 * The writer's time is read after `commit()` resolved, after its durable
 * flushes: a watcher that reads the journal record before the writer's
 * last flush returns sees the batch earlier, so a latency can be negative.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { MailboxListIndex } from "../mod.ts";
import { type DirWatch, type FileIO, nodeFileIO } from "../src/store/io.ts";
import { startChild } from "../test/helpers/child.ts";
import { ROOT, RUNTIME, tsCommand } from "../test/helpers/runtime.ts";
import { makeTempDir } from "../test/helpers/tmp.ts";

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The writer child: `--writer INDEX COMMITS GAP_MS DURABLE(0|1)`. */
async function writer(path: string, commits: number, gapMs: number, durable: boolean): Promise<void> {
  const index = await MailboxListIndex.open(path, { durable, onWarning: () => {} });
  console.log("ready");
  for (let i = 0; i < commits; i++) {
    const name = `m${String(i).padStart(5, "0")}`;
    const ctx = await index.syncBegin({ partial: true });
    ctx.add(name);
    const called = now();
    await ctx.commit();
    const resolved = now();
    console.log(`c ${name} ${called.toFixed(3)} ${resolved.toFixed(3)}`);
    await sleep(gapMs);
  }
  await index.close();
  console.log("done");
}

interface Figures {
  mode: string;
  commits: number;
  matched: number;
  /** From `commit()` resolved to the batch's arrival. */
  resolved: Spread;
  /** From the call of `commit()` to the batch's arrival. */
  called: Spread;
  /** The writer's `commit()` itself. */
  commit: Spread;
  dirWatch: string;
  seconds: number;
}

/** Median, p99, max and min of some milliseconds. */
interface Spread {
  median: number;
  p99: number;
  max: number;
  min: number;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1],
    min: sorted[0],
  };
}

/** The value at quantile `q` of sorted numbers (nearest rank). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function measure(
  mode: string,
  io: FileIO,
  dirWatch: () => string,
  dir: string,
  commits: number,
  gapMs: number,
  warmup: number,
  durable: boolean,
): Promise<Figures> {
  const started = now();
  const sub = join(dir, mode.replace(/[^a-z]+/g, "-"));
  mkdirSync(sub, { recursive: true });
  const path = join(sub, "w.mlist");
  // The index exists, empty, before the writer starts.
  await (await MailboxListIndex.open(path, { onWarning: () => {} })).close();
  const index = await MailboxListIndex.open(path, { io, readonly: true, onWarning: () => {} });
  const stop = new AbortController();
  const arrived = new Map<string, number>();
  const total = warmup + commits;
  const feed = (async () => {
    for await (const batch of index.watch({ signal: stop.signal })) {
      const t = now();
      for (const c of batch.changes) if (c.kind === "added") arrived.set(c.name, t);
      if (arrived.size >= total) break;
    }
  })();
  const self = fileURLToPath(import.meta.url);
  const [cmd, args] = tsCommand(self, ["--writer", path, String(total), String(gapMs), durable ? "1" : "0"]);
  const child = startChild(`writer (${mode})`, cmd, args, ROOT);
  const status = await child.exited;
  if (status !== 0) throw new Error(`writer exited with ${status}: ${child.lines.join(" | ")}`);
  // Give the last batches their time to arrive, then stop.
  const deadline = now() + 5000;
  while (arrived.size < total && now() < deadline) await sleep(5);
  stop.abort();
  await feed;
  await index.close();
  const resolved: number[] = [], called: number[] = [], commit: number[] = [];
  let seen = 0;
  for (const line of child.lines) {
    const m = /^c (\S+) (\S+) (\S+)$/.exec(line);
    if (m === null) continue;
    if (seen++ < warmup) continue;
    const at = arrived.get(m[1]);
    if (at === undefined) continue;
    resolved.push(at - Number(m[3]));
    called.push(at - Number(m[2]));
    commit.push(Number(m[3]) - Number(m[2]));
  }
  return {
    mode,
    commits,
    matched: resolved.length,
    resolved: spread(resolved),
    called: spread(called),
    commit: spread(commit),
    dirWatch: dirWatch(),
    seconds: (now() - started) / 1000,
  };
}

async function main(): Promise<void> {
  const commits = option("--commits", 200);
  const gapMs = option("--gap-ms", 20);
  const warmup = option("--warmup", 5);
  const durable = !process.argv.includes("--no-durable");
  const version = RUNTIME === "deno"
    ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
    : RUNTIME === "bun"
    ? `Bun ${process.versions.bun}`
    : `Node ${process.versions.node}`;
  const { dir, cleanup } = makeTempDir("mli-watch-latency-");
  try {
    // The default FileIO, with its directory watches counted (the same watch, one counter more).
    let watches = 0, failed = 0, events = 0;
    const counted: FileIO = {
      ...nodeFileIO,
      watchDir(path, onChange): DirWatch | undefined {
        const w = nodeFileIO.watchDir!(path, (file) => {
          events++;
          onChange(file);
        });
        if (w === undefined) failed++;
        else watches++;
        return w;
      },
    };
    // Without watchDir: the watcher polls (watch.ts calls `io.watchDir?.(…)`).
    const polled: FileIO = { ...nodeFileIO, watchDir: undefined };
    const rows: Figures[] = [];
    rows.push(
      await measure(
        "fs.watch + poll",
        counted,
        () => failed > 0 ? "failed" : `${watches} watch, ${events} events`,
        dir,
        commits,
        gapMs,
        warmup,
        durable,
      ),
    );
    rows.push(await measure("poll only (20 ms)", polled, () => "none", dir, commits, gapMs, warmup, durable));
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    console.log(
      `\n# watch latency on ${version}: ${commits} commits (after ${warmup} left out), ${gapMs} ms apart, ` +
        `writer on the same runtime, ${durable ? "durable" : "not durable"}\n`,
    );
    console.log("Latency: the batch's arrival in this process minus the writer's clock when commit() resolved.\n");
    console.log("| mode | matched | median | p99 | max | min | directory watch | time |");
    console.log("|---|--:|--:|--:|--:|--:|---|--:|");
    for (const r of rows) {
      const x = r.resolved;
      console.log(
        `| ${r.mode} | ${r.matched}/${r.commits} | ${ms(x.median)} | ${ms(x.p99)} | ${ms(x.max)} | ${ms(x.min)} | ` +
          `${r.dirWatch} | ${r.seconds.toFixed(1)} s |`,
      );
    }
    console.log("\nThe same arrivals from the call of commit(), and the writer's commit() itself:\n");
    console.log("| mode | from the call: median | p99 | max | commit(): median | p99 | max |");
    console.log("|---|--:|--:|--:|--:|--:|--:|");
    for (const r of rows) {
      const x = r.called, c = r.commit;
      console.log(
        `| ${r.mode} | ${ms(x.median)} | ${ms(x.p99)} | ${ms(x.max)} | ${ms(c.median)} | ${ms(c.p99)} | ${ms(c.max)} |`,
      );
    }
    const missed = rows.filter((r) => r.matched !== r.commits);
    if (missed.length > 0) {
      console.log(`\nmissing events: ${missed.map((r) => `${r.mode} ${r.commits - r.matched}`).join(", ")}`);
      process.exitCode = 1;
    }
    console.log(
      `\ntarget p99 < 50 ms: ${rows.map((r) => `${r.mode} ${r.resolved.p99 < 50 ? "met" : "missed"}`).join(", ")}`,
    );
  } finally {
    cleanup();
  }
}

if (process.argv[2] === "--writer") {
  const [path, commits, gapMs, durable] = process.argv.slice(3);
  await writer(path, Number(commits), Number(gapMs), durable === "1");
} else {
  await main();
}
