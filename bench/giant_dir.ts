/**
 * An insert into a giant directory: `rebuild` writes an index with INBOX,
 * a realistic tree of other folders and a folder `Big` with `--children`
 * children (names such as `Big/2019-03-14 acme-rollout-123456`), then the
 * index is opened (durable, the default) and `--inserts` partial syncs each
 * add one new child under `Big`. Each insert is timed from `syncBegin` to
 * `commit()` resolved (the lock, the plan, the directory's new copy, the
 * durable flushes and any compression), and whether it compressed is noted.
 *
 * The yardstick is the time to write that directory once: one copy of
 * `Big`'s directory (its 12-byte header and a 16-byte record per child, what
 * an insert appends; the growth of `used_space` of an insert that did not
 * compress is shown beside) written to a temporary file with `writeSync` and flushed with
 * `fsyncSync`, the median of 5. The target: the mean insert (compressions
 * included, so the amortised cost) at most 3 times that.
 *
 * ```
 * node --import tsx bench/giant_dir.ts [--children 700000] [--others 150000] [--inserts 24] [--label after]
 * npx deno run -A bench/giant_dir.ts
 * npx bun bench/giant_dir.ts
 * ```
 *
 * @module
 */
import { closeSync, fsyncSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { MailboxListIndex, rebuild } from "../mod.ts";
import { DIR_HEADER_SIZE, RECORD_SIZE } from "../src/format/constants.ts";
import { makeTempDir } from "../test/helpers/tmp.ts";
import { generateTree, prng } from "./trees.ts";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function text(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const RUNTIME = "Deno" in globalThis ? "Deno" : "Bun" in globalThis ? "Bun" : "Node";
// deno-lint-ignore no-explicit-any
const G = globalThis as any;
const VERSION: string = RUNTIME === "Deno" ? G.Deno.version.deno : RUNTIME === "Bun" ? G.Bun.version : process.versions.node;
const PROJECTS = ["acme-rollout", "quarterly-review", "customer-escalation", "infra-migration", "hiring", "board-minutes", "vendor-contracts", "release-notes"];

/** `Big`'s children: a date, a project name and a number, about 30 bytes each. */
function bigNames(n: number, seed: number): string[] {
  const rand = prng(seed);
  const out: string[] = new Array(n);
  const day0 = Date.UTC(2012, 0, 1);
  for (let i = 0; i < n; i++) {
    const day = new Date(day0 + Math.floor(rand() * 4000) * 86_400_000).toISOString().slice(0, 10);
    out[i] = `Big/${day} ${PROJECTS[Math.floor(rand() * PROJECTS.length)]}-${i}`;
  }
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Write `bytes` bytes to a fresh file and flush it: the time of one directory write, in ms. */
function writeOnce(path: string, buf: Uint8Array): number {
  rmSync(path, { force: true });
  const t0 = performance.now();
  const fd = openSync(path, "w");
  try {
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const ms = performance.now() - t0;
  rmSync(path, { force: true });
  return ms;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (x: number) => `${(x / 1048576).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const children = option("--children", 700_000);
  const othersCount = option("--others", 150_000);
  const inserts = option("--inserts", 24);
  const label = text("--label", "after");
  const { dir, cleanup } = makeTempDir("mli-giant-");
  const quiet = { onWarning: () => {} };
  try {
    const others = generateTree("realistic", othersCount, 7).filter((n) => n !== "Big" && !n.startsWith("Big/"));
    const big = bigNames(children, 11);
    const path = join(dir, "giant.mlist");
    const t0 = performance.now();
    const built = await rebuild(path, [...others, "Big", ...big], { uidValidity: 1, ...quiet });
    const buildMs = performance.now() - t0;
    // One copy of Big's directory (SPEC: a 12-byte header and a 16-byte record per child; the names stay where they are).
    const dirBytes = DIR_HEADER_SIZE + RECORD_SIZE * children;

    const index = await MailboxListIndex.open(path, quiet);
    // As a server that keeps its index open: the check of the freshly read image is made before the timing.
    await (await index.syncBegin({ partial: true })).rollback();
    const times: number[] = [];
    const compressed: boolean[] = [];
    const grown: number[] = [];
    const deleted: number[] = [];
    for (let i = 0; i < inserts; i++) {
      const before = index.header.usedSpace;
      const t = performance.now();
      const ctx = await index.syncBegin({ partial: true });
      ctx.add(`Big/2026-12-03 new-folder-${i}`);
      const r = await ctx.commit();
      times.push(performance.now() - t);
      compressed.push(r.compressed);
      if (!r.compressed) grown.push(index.header.usedSpace - before);
      // deleted_space as the commit left it (before any compression): the old one plus what it counted.
      deleted.push(r.compressed ? Number.NaN : index.header.deletedSpace);
    }
    const fileSize = statSync(path).size;
    const header = index.header;
    await index.close();

    const buf = new Uint8Array(dirBytes).fill(0x5a);
    const writes: number[] = [];
    for (let i = 0; i < 5; i++) writes.push(writeOnce(join(dir, "dir-write.bin"), buf));
    const write = median(writes);
    // For scale: the whole list file (its used space) written the same way.
    const whole = new Uint8Array(built.usedSpace).fill(0x5a);
    const wholeWrites: number[] = [];
    for (let i = 0; i < 5; i++) wholeWrites.push(writeOnce(join(dir, "file-write.bin"), whole));
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const [l1, l5, l15] = loadavg();

    console.log(`### ${RUNTIME} ${VERSION} (${label})`);
    console.log();
    console.log(
      `${(built.count).toLocaleString("en-US")} mailboxes (Big: ${children.toLocaleString("en-US")} children, ` +
        `${others.length.toLocaleString("en-US")} other names); rebuilt in ${(buildMs / 1000).toFixed(1)} s; ` +
        `list file ${mb(built.usedSpace)} used, ${mb(built.fileSize)} on disk; after the inserts ${mb(header.usedSpace)} used, ` +
        `${mb(header.deletedSpace)} deleted, ${mb(fileSize)} on disk; load average ${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)}`,
    );
    console.log();
    console.log(`| ${inserts} inserts into Big | ${label} |`);
    console.log("|---|--:|");
    console.log(`| median insert | ${ms(median(times))} |`);
    console.log(`| mean insert (amortised, compressions included) | ${ms(mean)} |`);
    console.log(`| max insert | ${ms(Math.max(...times))} |`);
    console.log(`| min insert | ${ms(Math.min(...times))} |`);
    console.log(`| inserts that compressed | ${compressed.filter(Boolean).length} of ${inserts} |`);
    console.log(`| one copy of Big's directory (12 + 16 × children) | ${mb(dirBytes)} |`);
    console.log(`| used_space growth of an insert that did not compress (median) | ${grown.length === 0 ? "—" : mb(median(grown))} |`);
    console.log(`| directory write once (writeSync + fsyncSync, median of 5) | ${ms(write)} |`);
    console.log(`| the whole list file's used space written once (the same way, median of 5) | ${ms(median(wholeWrites))} |`);
    console.log(`| mean insert ÷ directory write (target ≤ 3) | ${(mean / write).toFixed(2)} |`);
    console.log();
    console.log(`inserts (ms, * = compressed): ${times.map((t, i) => `${t.toFixed(0)}${compressed[i] ? "*" : ""}`).join(" ")}`);
    console.log(`deleted_space after each insert that did not compress (MiB): ${deleted.filter((d) => !Number.isNaN(d)).map((d) => (d / 1048576).toFixed(1)).join(" ")}`);
    console.log(`directory writes (ms): ${writes.map((t) => t.toFixed(1)).join(" ")}`);
  } finally {
    cleanup();
  }
}

await main();
