/**
 * A longer run of the concurrency check of test/concurrency.test.ts: one
 * writer process looping syncs that add, delete, rewrite the root and
 * compress, and reader processes checking every answer against the states
 * the writer committed.
 *
 * ```
 * deno run -A bench/concurrency.ts [seconds=60] [readers=4] [durableSeconds=seconds/3] [--kill]
 * bun bench/concurrency.ts 60 8
 * node --import tsx bench/concurrency.ts 60 4 20 --kill
 * ```
 *
 * With `--kill` the writer is killed (SIGKILL) again and again at random
 * moments while it syncs, and restarted writers resume from the state they
 * find.
 *
 * Prints the writer's and the readers' counts; exits 1 on any failure.
 *
 * @module
 */
import process from "node:process";
import { runConcurrency } from "../test/helpers/concurrency_run.ts";

const kill = process.argv.includes("--kill");
const [secondsArg, readersArg, durableArg] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const seconds = Number(secondsArg ?? "60");
const readers = Number(readersArg ?? "4");
const durableSeconds = Number(durableArg ?? String(seconds / 3));
const runtime = (globalThis as { Deno?: unknown }).Deno !== undefined
  ? "deno"
  : process.versions.bun !== undefined
  ? "bun"
  : "node";

console.log(
  `concurrency on ${runtime}: ${seconds} s, ${readers} readers, durable during the last ${durableSeconds} s` +
    (kill ? ", writer killed at random moments" : ""),
);
const started = Date.now();
const r = await runConcurrency({
  seconds,
  durableSeconds,
  readers,
  seed: 101,
  killWriter: kill ? { minMs: 0, maxMs: 300 } : undefined,
});
const ok = r.readers.filter((x) => x !== undefined);
const sum = (k: "full" | "subtrees" | "lookups" | "flags" | "statuses") => ok.reduce((n, x) => n + x![k], 0);
console.log(`writer: ${JSON.stringify(r.writer)}`);
if (kill) {
  console.log(`kills: ${r.kills} (${r.killsWhileSyncing} while syncing), resumed at steps ${r.resumedAt.join(",")}`);
}
r.readers.forEach((x, i) => console.log(`reader ${i}: ${JSON.stringify(x)}`));
console.log(
  `total: ${sum("full")} full iterations, ${sum("subtrees")} subtree iterations, ${sum("lookups")} lookups, ` +
    `${sum("flags")} flag and ${sum("statuses")} STATUS queries in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
for (const w of r.warnings.slice(0, 20)) console.log(`warning: ${w}`);
for (const f of r.failures) console.log(`FAILURE: ${f}`);
console.log(r.failures.length === 0 ? "result: ok" : `result: ${r.failures.length} failure(s)`);
process.exit(r.failures.length === 0 && r.writer !== undefined && ok.length === readers ? 0 : 1);
