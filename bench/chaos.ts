/**
 * Chaos soak of the writer lock and the commit protocol: for each runtime,
 * one index in a temp dir, two competing writer processes, four reader
 * processes, and a writer killed (SIGKILL) and restarted every few seconds.
 *
 * ```
 * node --import tsx bench/chaos.ts [--seconds 60] [--runtimes deno,bun,node] [--readers 4] [--writers 2]
 *     [--stale-ms 300] [--lock-timeout-ms 2000] [--kill-ms 2000-5000] [--long 0.3] [--full 0.15]
 *     [--delete 0.5] [--reader-pause-ms 2] [--no-durable] [--seed 1] [--keep] [--verbose]
 * npx deno run -A bench/chaos.ts --seconds 10
 * ```
 *
 * The children of each runtime run on that runtime (`deno run -A`, `bun`,
 * `node --import tsx`), whichever runtime runs this driver.
 *
 * - Writers (bench/chaos_writer.ts) open the index with `staleLockMs`
 *   (default 300 ms) and loop syncs: partial syncs that add 1–3 new
 *   mailboxes `w<id>/g<gen>-<n>` and report two known ones again, full syncs
 *   of `w<id>` (some deleting 1–3 mailboxes), and a share of syncs held open
 *   for 1.5–3 × `staleLockMs` (sleeping between adds) before they commit.
 *   Each writes every sync to its own append-only log once `commit()`
 *   resolved (or as refused when it threw LockLostError / LockTimeoutError).
 * - Readers (bench/chaos_reader.ts) read state after state and check each:
 *   no UID twice, every UID below next_uid, lookups equal to the listing, a
 *   name's UID and a UID's name never change across states.
 * - Every `--kill-ms` (a random delay in the range) one of the writers,
 *   chosen at random, is killed with SIGKILL and started again.
 *
 * At the end the index is opened on the runtime and every writer's log is
 * checked against it (bench/chaos_log.ts): an acknowledged sync is lost
 * when a mailbox it added or reported is missing or has another UID (in the
 * final index or in a later acknowledged sync of the same writer) without a
 * later acknowledged delete by that writer, or when a mailbox it deleted is
 * back. Duplicate UIDs are those of the final index (a UID twice, or not
 * below next_uid) and UIDs that acknowledged syncs returned for two
 * different names; the readers' failed checks are counted apart (states
 * with at least one, and checks). Prints one table row per runtime; exits 1
 * on any lost commit, duplicate UID, reader error or an unreadable final
 * index.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Child, startChild } from "../test/helpers/child.ts";
import { ROOT, tsCommand } from "../test/helpers/runtime.ts";
import { makeTempDir } from "../test/helpers/tmp.ts";
import { checkFinal, readLog, replayLog, rng, sleep } from "./chaos_log.ts";

type Runtime = "deno" | "bun" | "node";

function parseArgs(argv: string[]) {
  const o = {
    seconds: 60,
    runtimes: ["deno", "bun", "node"] as Runtime[],
    readers: 4,
    writers: 2,
    staleMs: 300,
    lockTimeoutMs: 2000,
    killMin: 2000,
    killMax: 5000,
    long: 0.3,
    full: 0.15,
    del: 0.5,
    readerPauseMs: 2,
    durable: true,
    seed: 1,
    keep: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    const num = () => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < 0) usage(`${flag} takes a number`);
      return v;
    };
    switch (flag) {
      case "--seconds":
        o.seconds = num();
        break;
      case "--runtimes": {
        const rs = value().split(",").filter((r) => r !== "");
        if (rs.length === 0 || rs.some((r) => !["deno", "bun", "node"].includes(r))) usage("--runtimes takes deno,bun,node");
        o.runtimes = rs as Runtime[];
        break;
      }
      case "--readers":
        o.readers = num();
        break;
      case "--writers":
        o.writers = Math.max(1, num());
        break;
      case "--stale-ms":
        o.staleMs = Math.max(1, num());
        break;
      case "--lock-timeout-ms":
        o.lockTimeoutMs = num();
        break;
      case "--kill-ms": {
        const [lo, hi] = value().split("-").map(Number);
        if (!(lo >= 0) || !(hi >= lo)) usage("--kill-ms takes MIN-MAX (0-0: no kills)");
        [o.killMin, o.killMax] = [lo, hi];
        break;
      }
      case "--long":
        o.long = num();
        break;
      case "--full":
        o.full = num();
        break;
      case "--delete":
        o.del = num();
        break;
      case "--reader-pause-ms":
        o.readerPauseMs = num();
        break;
      case "--no-durable":
        o.durable = false;
        break;
      case "--seed":
        o.seed = num();
        break;
      case "--keep":
        o.keep = true;
        break;
      case "--verbose":
        o.verbose = true;
        break;
      default:
        usage(`unknown argument ${a}`);
    }
  }
  return o;
}

function usage(message: string): never {
  console.error(`bench/chaos.ts: ${message}`);
  process.exit(2);
}

const HERE = fileURLToPath(new URL(".", import.meta.url));


/** Start a bench/ file on `runtime`, collecting its stdout lines (stderr as one "stderr" line). */
function start(who: string, file: string, arg: unknown, runtime: Runtime, onLine?: (who: string, l: string) => void): Child {
  const [cmd, args] = tsCommand(join(HERE, file), [JSON.stringify(arg)], runtime);
  return startChild(who, cmd, args, ROOT, onLine);
}

/** One runtime's figures. */
interface Row {
  runtime: Runtime;
  seconds: number;
  acked: number;
  found: number;
  lost: number;
  dupUids: number;
  readerStates: number;
  readerBadStates: number;
  readerViolations: number;
  readerErrors: number;
  readerTransient: number;
  lockLost: number;
  lockTimeout: number;
  writerErrors: number;
  kills: number;
  long: number;
  full: number;
  deletes: number;
  takeovers: number;
  finalMailboxes: number;
  finalCorrupt: boolean;
  notes: string[];
}

async function soak(runtime: Runtime, o: ReturnType<typeof parseArgs>): Promise<Row> {
  const tmp = makeTempDir(`mli-chaos-${runtime}-`);
  const index = join(tmp.dir, "chaos.mlist");
  const control = join(tmp.dir, "control.json");
  const notes: string[] = [];
  const children: Child[] = [];
  const onLine = o.verbose ? (who: string, l: string) => console.log(`  [${runtime} ${who}] ${l.slice(0, 300)}`) : undefined;
  const random = rng(o.seed * 7919 + runtime.length);
  const logOf = (w: number) => join(tmp.dir, `w${w}.log`);
  const writerArg = (w: number, gen: number) => ({
    index,
    id: w,
    gen,
    log: logOf(w),
    control,
    seed: o.seed * 1000 + w * 100 + gen,
    staleLockMs: o.staleMs,
    lockTimeoutMs: o.lockTimeoutMs,
    durable: o.durable,
    longRatio: o.long,
    fullRatio: o.full,
    deleteRatio: o.del,
  });
  try {
    // Writers: the first creates the index, the others open it after.
    const writers: Child[] = [];
    const gens: number[] = [];
    for (let w = 1; w <= o.writers; w++) {
      const c = start(`writer ${w}`, "chaos_writer.ts", writerArg(w, 0), runtime, onLine);
      children.push(c);
      writers.push(c);
      gens.push(0);
      await c.waitFor("ready", 120_000);
    }
    for (let r = 0; r < o.readers; r++) {
      const arg = { index, control, seed: o.seed * 31 + r + 1, pauseMs: o.readerPauseMs };
      children.push(start(`reader ${r}`, "chaos_reader.ts", arg, runtime, onLine));
    }
    await Promise.all(children.filter((c) => c.who.startsWith("reader")).map((c) => c.waitFor("started", 120_000)));
    const deadline = Date.now() + o.seconds * 1000;
    writeFileSync(control, JSON.stringify({ deadline }));

    // Kill a writer every few seconds and start it again.
    let kills = 0;
    const killed = new Set<Child>();
    if (o.killMax > 0) {
      for (;;) {
        const delay = o.killMin + random() * (o.killMax - o.killMin);
        if (Date.now() + delay >= deadline - 1000) break;
        await sleep(delay);
        const w = Math.floor(random() * o.writers);
        const victim = writers[w];
        victim.kill();
        await victim.exited;
        killed.add(victim);
        kills++;
        gens[w]++;
        const c = start(`writer ${w + 1} gen ${gens[w]}`, "chaos_writer.ts", writerArg(w + 1, gens[w]), runtime, onLine);
        children.push(c);
        writers[w] = c;
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const codes = await Promise.race([
      Promise.all(children.map((c) => c.exited)),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()) + 120_000);
      }),
    ]);
    clearTimeout(timer);
    if (codes === undefined) notes.push("the processes did not finish within 120 s of the deadline");

    let takeovers = 0;
    let readerStates = 0, readerBadStates = 0, readerViolations = 0, readerErrors = 0, readerTransient = 0;
    children.forEach((c, i) => {
      for (const l of c.lines) {
        if (l.startsWith("warning ") && l.includes("Taking over")) takeovers++;
        if (l.startsWith("fail ") || l.startsWith("stderr ") || l.startsWith("error ")) {
          if (notes.length < 12) notes.push(`${c.who}: ${l.slice(0, 400)}`);
        }
      }
      if (codes !== undefined && codes[i] !== 0 && !killed.has(c)) notes.push(`${c.who} exited with ${codes[i]}`);
      if (!c.who.startsWith("reader")) return;
      const line = c.lines.find((l) => l.startsWith("result "));
      if (line === undefined) {
        readerErrors++;
        notes.push(`${c.who} gave no result`);
        return;
      }
      const r = JSON.parse(line.slice(7));
      readerStates += r.states;
      readerBadStates += r.badStates;
      readerViolations += r.violations;
      readerErrors += r.errors;
      readerTransient += r.transient;
      for (const x of [...r.examples, ...r.errorMessages].slice(0, 3)) notes.push(`${c.who}: ${x}`);
    });

    // The final state, read on the runtime itself.
    const fin = start("final", "chaos_reader.ts", { index, control, seed: 0, pauseMs: 0, final: true }, runtime);
    await fin.exited;
    const finLine = fin.lines.find((l) => l.startsWith("final "));
    if (finLine === undefined) throw new Error(`the final check printed nothing: ${fin.lines.join(" | ")}`);
    const { header, entries, corrupt } = JSON.parse(finLine.slice(6)) as {
      header: { nextUid: number };
      entries: [string, number][];
      corrupt?: string;
    };
    if (corrupt !== undefined) notes.unshift(`final index unreadable, nothing in it counts as found: ${corrupt.slice(0, 300)}`);
    const final = new Map<string, number>();
    let dupUids = 0;
    const uidSeen = new Map<number, string>();
    for (const [name, uid] of entries) {
      final.set(name, uid);
      const other = uidSeen.get(uid);
      if (other !== undefined) {
        dupUids++;
        notes.push(`final index: UID ${uid} for ${other} and ${name}`);
      }
      uidSeen.set(uid, name);
      if (uid >= header.nextUid) {
        dupUids++;
        notes.push(`final index: ${name} has UID ${uid}, not below next_uid ${header.nextUid}`);
      }
    }
    // A UID that acknowledged syncs returned for two different names was handed out twice.
    const acknowledged = new Map<number, string>();
    const row: Row = {
      runtime,
      seconds: o.seconds,
      acked: 0,
      found: 0,
      lost: 0,
      dupUids: 0,
      readerStates,
      readerBadStates,
      readerViolations,
      readerErrors,
      readerTransient,
      lockLost: 0,
      lockTimeout: 0,
      writerErrors: 0,
      kills,
      long: 0,
      full: 0,
      deletes: 0,
      takeovers,
      finalMailboxes: entries.length,
      finalCorrupt: corrupt !== undefined,
      notes,
    };
    for (let w = 1; w <= o.writers; w++) {
      const replay = replayLog(readLog(logOf(w)).lines, o.staleMs);
      checkFinal(replay, final);
      for (const [uid, name] of replay.uids) {
        const other = acknowledged.get(uid);
        if (other !== undefined && other !== name) {
          dupUids++;
          if (notes.length < 20) notes.push(`UID ${uid} acknowledged for ${other} and for ${name}`);
        }
        acknowledged.set(uid, name);
      }
      row.acked += replay.acks;
      row.lost += replay.lost.size;
      row.lockLost += replay.lockLost;
      row.lockTimeout += replay.lockTimeout;
      row.writerErrors += replay.errors;
      row.long += replay.long;
      row.full += replay.full;
      row.deletes += replay.deletes;
      for (const x of replay.lostExamples.slice(0, 3)) notes.push(`lost: ${x}`);
      for (const x of replay.errorMessages) notes.push(`writer ${w} error: ${x}`);
    }
    row.found = row.acked - row.lost;
    row.dupUids = dupUids;
    if (o.keep) notes.push(`kept ${tmp.dir}`);
    return row;
  } finally {
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.exited));
    if (!o.keep) tmp.cleanup();
  }
}

const o = parseArgs(process.argv.slice(2));
console.log(
  `chaos soak: ${o.seconds} s per runtime on ${o.runtimes.join(", ")}; ${o.writers} writers, ${o.readers} readers; ` +
    `staleLockMs ${o.staleMs}, lockTimeoutMs ${o.lockTimeoutMs}, ${Math.round(o.long * 100)}% of syncs held ` +
    `1.5-3 x staleLockMs; a writer killed every ${o.killMin / 1000}-${o.killMax / 1000} s; durable ${o.durable}`,
);
const rows: Row[] = [];
let broken = false;
for (const runtime of o.runtimes) {
  const started = Date.now();
  let row: Row;
  try {
    row = await soak(runtime, o);
  } catch (e) {
    broken = true;
    console.log(`${runtime}: the soak itself failed: ${e instanceof Error ? e.message : String(e)}`);
    continue;
  }
  rows.push(row);
  console.log(`${runtime}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const n of row.notes) console.log(`  ${n}`);
}
const columns: [string, (r: Row) => string | number][] = [
  ["runtime", (r) => r.runtime],
  ["commits acked", (r) => r.acked],
  ["found", (r) => r.found],
  ["lost", (r) => r.lost],
  ["dup UIDs", (r) => r.dupUids],
  ["reader states", (r) => r.readerStates],
  ["reader states with a violation", (r) => r.readerBadStates],
  ["reader violations", (r) => r.readerViolations],
  ["reader errors", (r) => r.readerErrors],
  ["reader transients", (r) => r.readerTransient],
  ["refused: LockLost", (r) => r.lockLost],
  ["refused: LockTimeout", (r) => r.lockTimeout],
  ["writer errors", (r) => r.writerErrors],
  ["kills", (r) => r.kills],
  ["acked syncs > staleLockMs", (r) => r.long],
  ["full / deleting", (r) => `${r.full} / ${r.deletes}`],
  ["lock take-overs", (r) => r.takeovers],
  ["mailboxes at end", (r) => (r.finalCorrupt ? "corrupt" : r.finalMailboxes)],
];
console.log("");
console.log(`| ${columns.map(([h]) => h).join(" | ")} |`);
console.log(`|${columns.map((_, i) => (i === 0 ? "---" : "--:")).join("|")}|`);
for (const r of rows) console.log(`| ${columns.map(([, f]) => f(r)).join(" | ")} |`);
const bad = broken || rows.some((r) =>
  r.finalCorrupt || r.lost > 0 || r.dupUids > 0 || r.readerViolations > 0 || r.readerErrors > 0
);
console.log(bad ? "result: FAILED (lost commits, duplicate UIDs, reader errors or a damaged index above)" : "result: ok");
process.exit(bad ? 1 : 0);
