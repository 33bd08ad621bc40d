// A writer process of bench/chaos.ts.
//
//   chaos_writer <options JSON>
//
// Options: `index` (the shared list file), `id` (1, 2, …: its mailboxes are
// `w<id>/g<gen>-<n>`), `gen` (0 for the first process, one more for each
// restart after a kill), `log` (its append-only log), `control` (JSON file
// with `deadline`, epoch ms, written once every process is ready), `seed`,
// `staleLockMs`, `lockTimeoutMs`, `durable`, and the mix: `longRatio` (share
// of syncs held open for `staleLockMs` × 1.5–3 before committing, sleeping
// between adds), `fullRatio` (share of full syncs of `w<id>`), `deleteRatio`
// (share of those that leave 1–3 mailboxes out, deleting them).
//
// Every sync is logged to `log`, one JSON line written (and, when durable,
// flushed) before the writer goes on:
//   {"t":"intent","w","gen","seq","deleting":[…]}  before a full sync that deletes
//   {"t":"ack","w","gen","seq","kind","added":{name:uid},"reported":{name:uid},
//    "deleted":[…],"heldMs"}                        after commit() resolved
//   {"t":"refused","w","gen","seq","kind","error","message"}
//                                                   LockLostError / LockTimeoutError
//   {"t":"error", … same fields}                    any other error
// A mailbox an intent names is never reported again, acknowledged or not, so
// the log alone tells which mailboxes the writer's acknowledged syncs left
// in the index (bench/chaos_log.ts reads it back: this writer after a
// restart, bench/chaos.ts in the final check).
//
// Prints "ready" once the index is open, "warning <text>" for each warning
// of the index, and "result <json>" (its own counts) at the deadline.
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import process from "node:process";
import { LockLostError, LockTimeoutError, MailboxListIndex } from "../mod.ts";
import { awaitControl, type ChaosLogLine, readLog, replayLog, rng, sleep } from "./chaos_log.ts";

interface WriterOptions {
  index: string;
  id: number;
  gen: number;
  log: string;
  control: string;
  seed: number;
  staleLockMs: number;
  lockTimeoutMs: number;
  durable: boolean;
  longRatio: number;
  fullRatio: number;
  deleteRatio: number;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as WriterOptions;
  const say = (line: string) => process.stdout.write(line + "\n");
  const random = rng(o.seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];

  // What this writer's acknowledged syncs left: replayed from its own log.
  const previous = readLog(o.log);
  const live: Map<string, { uid: number }> = replayLog(previous.lines).expected; // name -> UID (and the sync that said so)
  const fd = openSync(o.log, "a");
  const append = (line: ChaosLogLine) => {
    const bytes = new TextEncoder().encode(JSON.stringify(line) + "\n");
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    if (o.durable) fsyncSync(fd);
  };
  // A line torn by the kill of the previous process: end it, so that ours start on a line of their own.
  if (previous.torn) writeSync(fd, "\n");

  const index = await MailboxListIndex.open(o.index, {
    staleLockMs: o.staleLockMs,
    lockTimeoutMs: o.lockTimeoutMs,
    durable: o.durable,
    uidValidity: 777,
    onWarning: (m) => say(`warning ${m.replace(/\n/g, " ")}`),
  });
  say("ready");
  const { deadline } = await awaitControl(o.control);

  const counts = { acks: 0, lockLost: 0, lockTimeout: 0, errors: 0, long: 0, full: 0, deletes: 0 };
  let counter = 0;
  for (let seq = 0; Date.now() < deadline; seq++) {
    const full = live.size >= 3 && random() < o.fullRatio;
    const long = random() < o.longRatio;
    const kind = full ? "full" : "partial";
    // What this sync reports: new mailboxes, and (partial) a few known ones again, or (full) every known one.
    const fresh: string[] = [];
    const known: string[] = [];
    let deleting: string[] = [];
    if (full) {
      const names = [...live.keys()];
      if (random() < o.deleteRatio) {
        const n = Math.min(names.length - 1, 1 + Math.floor(random() * 3));
        deleting = names.sort(() => random() - 0.5).slice(0, n);
      }
      const gone = new Set(deleting);
      known.push(...names.filter((n) => !gone.has(n)));
      if (random() < 0.5) fresh.push(`w${o.id}/g${o.gen}-${counter++}`);
    } else {
      const k = 1 + Math.floor(random() * 3);
      for (let i = 0; i < k; i++) fresh.push(`w${o.id}/g${o.gen}-${counter++}`);
      const names = [...live.keys()];
      for (let i = 0; i < 2 && names.length > 0; i++) known.push(pick(names));
    }
    if (deleting.length > 0) {
      append({ t: "intent", w: o.id, gen: o.gen, seq, deleting });
      for (const n of deleting) live.delete(n);
    }
    const order = [...fresh, ...known].sort(() => random() - 0.5);
    // A long sync holds the lock for 1.5–3 × staleLockMs, sleeping between adds.
    const pause = long ? (o.staleLockMs * (1.5 + 1.5 * random())) / order.length : 0;
    let ctx: Awaited<ReturnType<MailboxListIndex["syncBegin"]>> | undefined;
    try {
      ctx = await index.syncBegin(full ? { path: `w${o.id}`, recursive: true } : { partial: true });
      const began = Date.now();
      const added: Record<string, number> = {};
      const reported: Record<string, number> = {};
      const isFresh = new Set(fresh);
      for (const name of order) {
        const uid = ctx.add(name);
        if (isFresh.has(name)) added[name] = uid;
        else reported[name] = uid;
        if (pause > 0) await sleep(pause);
      }
      await ctx.commit();
      const heldMs = Date.now() - began;
      append({ t: "ack", w: o.id, gen: o.gen, seq, kind, added, reported, deleted: deleting, heldMs });
      counts.acks++;
      if (heldMs > o.staleLockMs) counts.long++;
      if (full) counts.full++;
      if (deleting.length > 0) counts.deletes++;
      for (const [name, uid] of Object.entries({ ...added, ...reported })) live.set(name, { uid });
    } catch (e) {
      await ctx?.rollback().catch(() => {});
      const error = e instanceof Error ? e.name : "unknown";
      const message = e instanceof Error ? e.message : String(e);
      const refused = e instanceof LockLostError || e instanceof LockTimeoutError;
      append({ t: refused ? "refused" : "error", w: o.id, gen: o.gen, seq, kind, error, message });
      if (e instanceof LockLostError) counts.lockLost++;
      else if (e instanceof LockTimeoutError) counts.lockTimeout++;
      else {
        counts.errors++;
        say(`error ${e instanceof Error ? e.stack?.replace(/\n/g, " | ") : message}`);
      }
    }
    // A short breath so that the other writer gets the lock now and then.
    await sleep(random() * 10);
  }
  await index.close();
  closeSync(fd);
  say(`result ${JSON.stringify(counts)}`);
}

main().catch((e) => {
  process.stdout.write(`fail ${e instanceof Error ? e.stack?.replace(/\n/g, " | ") : String(e)}\n`);
  process.exit(1);
});
