// A reader process of bench/chaos.ts.
//
//   chaos_reader <options JSON>
//
// Options: `index`, `control` (JSON with `deadline`, epoch ms), `seed`,
// `pauseMs` (a pause between states, so that four readers leave the
// writers some CPU), and `final`.
//
// Opens the index read-only, prints "started", waits for the control file
// and, until the deadline, reads one state after another: a refresh, a full
// iteration, the header and lookups of a few of the names it listed, all
// from that one state. Every state must have no UID twice, every UID below
// next_uid, every lookup equal to the listing, and, across states, a name
// keeps its UID and a UID its name (the writers never reuse a name, so a
// name that comes back with another UID, or a UID given to another name,
// means a commit was lost). An IndexStateError from a reader that could not
// read a stable state is an expected transient and only counted; any other
// exception is an error. Prints "result <json>" at the end.
//
// With `final` it opens the index for writing (finishing an interrupted
// commit, as any writer would), prints "final <json>" with the header and
// the listing (or, when the index cannot be read, an empty listing and
// `corrupt`: the error), and exits.
import process from "node:process";
import { IndexStateError, MailboxListIndex } from "../mod.ts";
import { awaitControl, rng, sleep } from "./chaos_log.ts";

interface ReaderOptions {
  index: string;
  control: string;
  seed: number;
  pauseMs: number;
  final?: boolean;
}

const say = (line: string) => process.stdout.write(line + "\n");

async function final(path: string): Promise<void> {
  const index = await MailboxListIndex.open(path, { onWarning: (m) => say(`warning ${m.replace(/\n/g, " ")}`) });
  try {
    const entries: [string, number][] = [];
    for (const m of index.iterate()) entries.push([m.name, m.uid]);
    say(`final ${JSON.stringify({ header: index.header, entries })}`);
  } catch (e) {
    // Damaged: nothing in it can be counted as found.
    const corrupt = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    say(`final ${JSON.stringify({ header: { nextUid: 0 }, entries: [], corrupt })}`);
  }
  await index.close();
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as ReaderOptions;
  if (o.final) return final(o.index);
  const random = rng(o.seed);
  const index = await MailboxListIndex.open(o.index, {
    readonly: true,
    // One state per round: refresh() reads it, the answers after it all come from it.
    checkIntervalMs: 1e12,
    onWarning: (m) => say(`warning ${m.replace(/\n/g, " ")}`),
  });
  say("started");
  const { deadline } = await awaitControl(o.control);
  const counts = {
    states: 0,
    badStates: 0,
    distinct: 0,
    mailboxes: 0,
    lookups: 0,
    violations: 0,
    duplicateUids: 0,
    transient: 0,
    errors: 0,
  };
  const examples: string[] = [];
  const errors: string[] = [];
  const violation = (what: string) => {
    counts.violations++;
    if (examples.length < 5) examples.push(what);
  };
  const uidOf = new Map<string, number>();
  const nameOf = new Map<number, string>();
  let uidValidity = 0;
  let lastKey = "";
  while (Date.now() < deadline) {
    const before = counts.violations;
    try {
      index.refresh();
      const entries: [string, number][] = [];
      for (const m of index.iterate()) entries.push([m.name, m.uid]);
      const h = index.header;
      if (h.uidValidity !== uidValidity) {
        if (uidValidity !== 0) violation(`uid_validity changed from ${uidValidity} to ${h.uidValidity}`);
        uidValidity = h.uidValidity;
        uidOf.clear();
        nameOf.clear();
      }
      const key = `${h.fileSeq}/${h.nextUid}/${h.usedSpace}/${h.deletedSpace}/${entries.length}`;
      if (key !== lastKey) counts.distinct++;
      lastKey = key;
      const seen = new Set<number>();
      for (const [name, uid] of entries) {
        if (seen.has(uid)) {
          counts.duplicateUids++;
          violation(`UID ${uid} twice in one state (next_uid ${h.nextUid}), the second time for ${name}`);
        }
        seen.add(uid);
        if (uid >= h.nextUid) violation(`${name} has UID ${uid}, not below next_uid ${h.nextUid}`);
        const had = uidOf.get(name);
        if (had !== undefined && had !== uid) violation(`${name} had UID ${had}, now ${uid}`);
        uidOf.set(name, uid);
        const was = nameOf.get(uid);
        if (was !== undefined && was !== name) violation(`UID ${uid} was ${was}, now ${name}`);
        nameOf.set(uid, name);
      }
      for (let k = 0; k < 8 && entries.length > 0; k++) {
        const [name, uid] = entries[Math.floor(random() * entries.length)];
        const got = index.lookup(name);
        if (got !== uid) violation(`lookup(${JSON.stringify(name)}) = ${got} in a state that lists it with UID ${uid}`);
        counts.lookups++;
      }
      if (index.lookup(`w0/never-${counts.states}`) !== undefined) violation("a name never added was found");
      counts.lookups++;
      counts.states++;
      if (counts.violations > before) counts.badStates++;
      counts.mailboxes += entries.length;
    } catch (e) {
      if (e instanceof IndexStateError) counts.transient++;
      else {
        counts.errors++;
        if (errors.length < 5) errors.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      }
    }
    if (o.pauseMs > 0) await sleep(o.pauseMs);
  }
  await index.close();
  say(`result ${JSON.stringify({ ...counts, examples, errorMessages: errors })}`);
}

main().catch((e) => {
  say(`fail ${e instanceof Error ? e.stack?.replace(/\n/g, " | ") : String(e)}`);
  process.exit(1);
});
