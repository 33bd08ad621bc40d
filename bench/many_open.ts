/**
 * Many users' indexes open in one server process: builds `--users` small
 * indexes (`--folders` realistic names each, a different tree per user),
 * then, in one process, opens them all read-only and answers one lookup in
 * each — as an IMAP server holding a handle per connected user does — and
 * prints the time and the memory it took. Each open index keeps two files
 * open (the list file, for its lookups' reads, and the journal, for the
 * freshness check).
 *
 * ```
 * node --expose-gc --import tsx bench/many_open.ts [--users 1000] [--folders 200]
 * bun bench/many_open.ts
 * deno run -A --v8-flags=--expose-gc bench/many_open.ts
 * ```
 *
 * RSS is read from `/proc/self/status` after a garbage collection: before
 * the opens, after them, and after one lookup in each; its growth divided
 * by the users is what one open index holds (the heap keeps the space the
 * builds freed, so RSS may not grow: the live heap plus array buffers,
 * `process.memoryUsage()`, is the finer figure). Two rounds: the first runs the
 * code cold (a server's first users), the second warm.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { MailboxListIndex, rebuild } from "../mod.ts";
import { generateTree } from "./trees.ts";
import { runtimeName } from "./sqlite.ts";

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: { users: { type: "string", default: "1000" }, folders: { type: "string", default: "200" } },
});
const users = Number(opts.users), folders = Number(opts.folders);

function gc(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun !== undefined) g.Bun.gc(true);
  else g.gc?.();
}

/** Live JS heap plus the memory of array buffers, MiB: what the open indexes hold, without the heap's free space. */
function heldMb(): number {
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / (1 << 20);
}

function rssMb(): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
  return m === null ? NaN : Number(m[1]) / 1024;
}

const root = mkdtempSync(join(tmpdir(), "mli-many-"));
try {
  const paths: string[] = [];
  const probes: string[] = [];
  const t0 = performance.now();
  for (let u = 0; u < users; u++) {
    const names = generateTree("realistic", folders, 1000 + u);
    const path = join(root, `user-${u}.mlist`);
    await rebuild(path, names, { separator: "/", workers: 0, uidValidity: 1 });
    paths.push(path);
    probes.push(names.find((n) => n.split("/").length >= 3) ?? names[0]);
  }
  const buildMs = performance.now() - t0;
  const size = readFileSync(paths[0]).length + readFileSync(`${paths[0]}.attr`).length;
  console.log(`## ${runtimeName()}: ${users} indexes of ${folders} folders (built in ${(buildMs / 1000).toFixed(1)} s; user 0's files ${(size / 1024).toFixed(1)} KiB)\n`);
  console.log("| round | step | total ms | per index | RSS after, MiB | RSS per index, KiB | heap + buffers per index, KiB |");
  console.log("|---|---|--:|--:|--:|--:|--:|");
  // Round 1 runs the code cold (as a server's first users do), round 2 warm.
  for (const round of [1, 2]) {
    gc();
    const before = rssMb(), heldBefore = heldMb();
    const open: MailboxListIndex[] = [];
    const t1 = performance.now();
    for (const path of paths) open.push(await MailboxListIndex.open(path, { readonly: true }));
    const openMs = performance.now() - t1;
    gc();
    const afterOpen = rssMb(), heldOpen = heldMb();
    const t2 = performance.now();
    let found = 0;
    for (let u = 0; u < users; u++) if (open[u].lookup(probes[u]) !== undefined) found++;
    const lookupMs = performance.now() - t2;
    gc();
    const afterLookup = rssMb(), heldLookup = heldMb();
    if (found !== users) throw new Error(`found ${found} of ${users}`);
    const t3 = performance.now();
    for (const ix of open) await ix.close();
    const closeMs = performance.now() - t3;
    const row = (step: string, ms: number, rss: number, held: number) =>
      console.log(
        `| ${round} | ${step} | ${ms.toFixed(1)} | ${(ms * 1000 / users).toFixed(0)} µs | ${rss.toFixed(1)} | ${
          ((rss - before) * 1024 / users).toFixed(1)
        } | ${((held - heldBefore) * 1024 / users).toFixed(1)} |`,
      );
    console.log(`| ${round} | before | – | – | ${before.toFixed(1)} | – | – |`);
    row("open all (read-only)", openMs, afterOpen, heldOpen);
    row("one lookup in each", lookupMs, afterLookup, heldLookup);
    console.log(`| ${round} | close all | ${closeMs.toFixed(1)} | ${(closeMs * 1000 / users).toFixed(0)} µs | – | – | – |`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
