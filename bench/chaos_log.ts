/**
 * The writers' logs of bench/chaos.ts and what they promise: every
 * mailbox an acknowledged sync added or reported is in the index with the
 * UID that sync returned, unless a later acknowledged sync of the same
 * writer deleted it; every mailbox an acknowledged sync deleted stays
 * deleted (names are never reused, so it cannot come back legitimately).
 *
 * Also the small helpers the chaos processes share.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";

/** One line of a writer's log (see bench/chaos_writer.ts). */
export type ChaosLogLine =
  | { t: "intent"; w: number; gen: number; seq: number; deleting: string[] }
  | {
    t: "ack";
    w: number;
    gen: number;
    seq: number;
    kind: "partial" | "full";
    added: Record<string, number>;
    reported: Record<string, number>;
    deleted: string[];
    heldMs: number;
  }
  | { t: "refused" | "error"; w: number; gen: number; seq: number; kind: string; error: string; message: string };

/** A writer's log, read back; a last line torn by a kill is left out. */
export function readLog(file: string): { lines: ChaosLogLine[]; torn: boolean } {
  if (!existsSync(file)) return { lines: [], torn: false };
  const text = readFileSync(file, "utf8");
  const lines: ChaosLogLine[] = [];
  for (const l of text.split("\n")) {
    if (l === "") continue;
    try {
      lines.push(JSON.parse(l) as ChaosLogLine);
    } catch {
      // Torn by a kill while it was written: that sync was never acknowledged.
    }
  }
  return { lines, torn: text !== "" && !text.endsWith("\n") };
}

/** What one writer's log promises, and what its own later syncs already contradicted. */
export interface Replay {
  /** Mailboxes that must be in the index: name -> UID and the last acknowledged sync that reported it. */
  expected: Map<string, { uid: number; commit: string }>;
  /** Mailboxes an acknowledged sync deleted: name -> that sync. */
  deleted: Map<string, string>;
  /** Acknowledged syncs. */
  acks: number;
  /** Acknowledged syncs that held the lock longer than `staleMs`. */
  long: number;
  /** Acknowledged full syncs, and those that deleted. */
  full: number;
  deletes: number;
  /** Syncs refused with LockLostError, LockTimeoutError; other errors. */
  lockLost: number;
  lockTimeout: number;
  errors: number;
  /** Messages of the other errors (first few). */
  errorMessages: string[];
  /** Acknowledged syncs found lost: a later sync got another UID for a name they reported. */
  lost: Set<string>;
  /** What showed each loss. */
  lostExamples: string[];
  /** Every UID an acknowledged sync returned, with the name. */
  uids: [number, string][];
}

/** The id of a sync in the logs. */
function commitId(l: { w: number; gen: number; seq: number }): string {
  return `w${l.w}.g${l.gen}.s${l.seq}`;
}

/**
 * Replay a writer's log in order.
 *
 * @param lines The log.
 * @param staleMs Lock age that counts a sync as long.
 * @returns The promises and the counts.
 */
export function replayLog(lines: ChaosLogLine[], staleMs = Infinity): Replay {
  const r: Replay = {
    expected: new Map(),
    deleted: new Map(),
    acks: 0,
    long: 0,
    full: 0,
    deletes: 0,
    lockLost: 0,
    lockTimeout: 0,
    errors: 0,
    errorMessages: [],
    lost: new Set(),
    lostExamples: [],
    uids: [],
  };
  for (const l of lines) {
    if (l.t === "intent") {
      // From here on the writer never reports these again: whether they go depends on the sync's outcome.
      for (const n of l.deleting) r.expected.delete(n);
    } else if (l.t === "ack") {
      const id = commitId(l);
      r.acks++;
      if (l.heldMs > staleMs) r.long++;
      if (l.kind === "full") r.full++;
      if (l.deleted.length > 0) r.deletes++;
      for (const [name, uid] of [...Object.entries(l.added), ...Object.entries(l.reported)]) {
        r.uids.push([uid, name]);
        const before = r.expected.get(name);
        if (before !== undefined && before.uid !== uid) {
          r.lost.add(before.commit);
          if (r.lostExamples.length < 5) {
            r.lostExamples.push(`${name}: UID ${before.uid} acknowledged by ${before.commit}, ${uid} by ${id}`);
          }
        }
        r.expected.set(name, { uid, commit: id });
      }
      for (const n of l.deleted) r.deleted.set(n, id);
    } else if (l.t === "refused") {
      if (l.error === "LockLostError") r.lockLost++;
      else r.lockTimeout++;
    } else {
      r.errors++;
      if (r.errorMessages.length < 3) r.errorMessages.push(`${l.error}: ${l.message}`);
    }
  }
  return r;
}

/**
 * Check a writer's promises against the final index; adds the losses to
 * `replay.lost` and `replay.lostExamples`.
 *
 * @param replay The replayed log.
 * @param final The final index: name -> UID.
 * @returns The mailboxes missing or with another UID, and deleted ones back.
 */
export function checkFinal(replay: Replay, final: Map<string, number>): { missing: number; changed: number; back: number } {
  let missing = 0, changed = 0, back = 0;
  const note = (commit: string, what: string) => {
    replay.lost.add(commit);
    if (replay.lostExamples.length < 5) replay.lostExamples.push(what);
  };
  for (const [name, { uid, commit }] of replay.expected) {
    const now = final.get(name);
    if (now === undefined) {
      missing++;
      note(commit, `${name} (UID ${uid}, acknowledged by ${commit}) is not in the final index`);
    } else if (now !== uid) {
      changed++;
      note(commit, `${name} has UID ${now} in the final index, ${commit} acknowledged ${uid}`);
    }
  }
  for (const [name, commit] of replay.deleted) {
    if (final.has(name)) {
      back++;
      note(commit, `${name}, deleted by ${commit}, is in the final index`);
    }
  }
  return { missing, changed, back };
}

/** The tests' seeded PRNG. */
export { prng as rng } from "../test/helpers/random.ts";

/** Sleep without blocking the event loop. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wait for the control file (written once every process is ready). */
export async function awaitControl(file: string): Promise<{ deadline: number }> {
  const give = Date.now() + 180_000;
  while (!existsSync(file)) {
    if (Date.now() > give) throw new Error(`no control file ${file} after 180 s`);
    await sleep(10);
  }
  return JSON.parse(readFileSync(file, "utf8"));
}
