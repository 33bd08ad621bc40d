/**
 * Runs one writer process and several reader processes against one index
 * (test/fixtures/concurrency_writer.ts and concurrency_reader.ts) with the
 * runtime running this code, and collects what they report.
 *
 * @example
 * ```ts ignore
 * const r = await runConcurrency({ seconds: 6, durableSeconds: 2, readers: 4 });
 * console.log(r.failures);
 * ```
 *
 * @module
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { prng } from "./random.ts";
import { makeTempDir } from "./tmp.ts";
import { type Child, startChild } from "./child.ts";

/** Options of {@linkcode runConcurrency}. */
export interface ConcurrencyOptions {
  /** Seconds of concurrent work. */
  seconds: number;
  /** Of those, the last seconds in which the writer flushes (`durable: true`). */
  durableSeconds: number;
  /** Number of reader processes. */
  readers: number;
  /** Seed of the first reader (the others get the next ones). */
  seed?: number;
  /** Called with every line a child prints. */
  onLine?: (who: string, line: string) => void;
  /**
   * Kill the writer (SIGKILL) again and again, each time a random delay in
   * [min, max] ms after it started syncing, and start a new one that
   * resumes; the last one runs to the deadline.
   */
  killWriter?: { minMs: number; maxMs: number };
}

/** What the writer reports. */
export interface WriterReport {
  /** Syncs committed. */
  steps: number;
  /** Of those, syncs that compressed the shared index. */
  compressions: number;
  /** The same count for the shadow index. */
  shadowCompressions: number;
  /** Syncs made with `durable: true`. */
  durableSteps: number;
}

/** What one reader reports. */
export interface ReaderReport {
  /** Full iterations checked. */
  full: number;
  /** Subtree iterations checked. */
  subtrees: number;
  /** Lookups checked. */
  lookups: number;
  /** Flag queries checked. */
  flags: number;
  /** STATUS queries checked. */
  statuses: number;
  /** Times a new state had to be read from the published list to match. */
  catchUps: number;
  /** Distinct published states the full iterations matched. */
  distinctStates: number;
  /** Last step matched. */
  lastStep: number;
}

/** Everything the processes reported. */
export interface ConcurrencyResult {
  /** The writer's report (undefined when it failed). */
  writer: WriterReport | undefined;
  /** The readers' reports (undefined entries failed). */
  readers: (ReaderReport | undefined)[];
  /** Every "fail" line and every abnormal exit. */
  failures: string[];
  /** Warnings the index printed in the children. */
  warnings: string[];
  /** Writers killed. */
  kills: number;
  /** Of those, writers killed after they had committed at least one sync. */
  killsWhileSyncing: number;
  /** Steps the resumed writers started from. */
  resumedAt: number[];
}

const FIXTURES = join(fileURLToPath(new URL(".", import.meta.url)), "..", "fixtures");

/**
 * The command that runs a TypeScript file with the runtime running this code.
 *
 * @param file The file.
 * @returns Executable and arguments.
 */
export function runtimeCommand(file: string): [string, string[]] {
  if ((globalThis as { Deno?: unknown }).Deno !== undefined) return [process.execPath, ["run", "-A", file]];
  if (process.versions.bun !== undefined) return [process.execPath, [file]];
  return [process.execPath, ["--import", "tsx", file]];
}


function start(who: string, file: string, args: string[], onLine?: (who: string, line: string) => void): Child {
  const [cmd, base] = runtimeCommand(join(FIXTURES, file));
  return startChild(who, cmd, [...base, ...args], join(FIXTURES, "..", ".."), onLine);
}

/**
 * Run the writer and the readers for the given time.
 *
 * @param options Time, readers, seed.
 * @returns The reports and failures.
 */
export async function runConcurrency(options: ConcurrencyOptions): Promise<ConcurrencyResult> {
  const tmp = makeTempDir("mli-concurrency-");
  const index = join(tmp.dir, "shared.mlist");
  const states = join(tmp.dir, "states.jsonl");
  const control = join(tmp.dir, "control.json");
  const children: Child[] = [];
  try {
    const writerArgs = [index, join(tmp.dir, "shadow.mlist"), states, control];
    let writer = start("writer", "concurrency_writer.ts", writerArgs, options.onLine);
    children.push(writer);
    await writer.waitFor("ready", 120_000);
    const seed = options.seed ?? 1;
    for (let r = 0; r < options.readers; r++) {
      children.push(start(`reader ${r}`, "concurrency_reader.ts", [index, states, control, String(seed + r)], options.onLine));
    }
    await Promise.all(children.slice(1).map((c) => c.waitFor("started", 120_000)));
    const now = Date.now();
    const deadline = now + options.seconds * 1000;
    writeFileSync(`${control}.tmp`, JSON.stringify({ deadline, durableFrom: deadline - options.durableSeconds * 1000 }));
    renameSync(`${control}.tmp`, control);
    let kills = 0, killsWhileSyncing = 0;
    if (options.killWriter) {
      const { minMs, maxMs } = options.killWriter;
      const random = prng(seed * 2654435761);
      for (;;) {
        // Kill at a random moment after the writer has started syncing.
        await writer.waitFor("ready", Math.max(0, deadline - Date.now())).catch(() => {});
        const delay = minMs + random() * (maxMs - minMs);
        if (Date.now() + delay >= deadline - 200) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
        const syncing = writer.lines.includes("ready");
        writer.kill();
        await writer.exited;
        kills++;
        if (syncing) killsWhileSyncing++;
        writer = start(`writer ${kills}`, "concurrency_writer.ts", [...writerArgs, "resume"], options.onLine);
        children.push(writer);
      }
    }
    const killed = new Set(children.filter((c) => c.who.startsWith("writer") && c !== writer));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const codes = await Promise.race([
      Promise.all(children.map((c) => c.exited)),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), options.seconds * 1000 + 120_000);
      }),
    ]);
    clearTimeout(timer);
    const failures: string[] = [];
    const warnings: string[] = [];
    if (codes === undefined) failures.push("the processes did not finish in time");
    const report = <T>(c: Child, i: number): T | undefined => {
      for (const l of c.lines) {
        if (l.startsWith("fail ") || l.startsWith("stderr ")) failures.push(`${c.who}: ${l}`);
        if (l.startsWith("warning ")) warnings.push(`${c.who}: ${l}`);
      }
      if (codes !== undefined && codes[i] !== 0 && !killed.has(c)) failures.push(`${c.who} exited with ${codes[i]}`);
      const line = c.lines.find((l) => l.startsWith("result "));
      return line === undefined ? undefined : JSON.parse(line.slice(7)) as T;
    };
    const readers = children.filter((c) => c.who.startsWith("reader"));
    for (const c of killed) report(c, children.indexOf(c));
    const resumedAt = children.flatMap((c) =>
      c.lines.filter((l) => l.startsWith("resumed at step ")).map((l) => Number(l.slice(16)))
    );
    return {
      writer: report<WriterReport>(writer, children.indexOf(writer)),
      readers: readers.map((c) => report<ReaderReport>(c, children.indexOf(c))),
      failures,
      warnings,
      kills,
      killsWhileSyncing,
      resumedAt,
    };
  } finally {
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.exited));
    tmp.cleanup();
  }
}
