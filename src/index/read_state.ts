/**
 * {@linkcode ReadState}: the state of an index a reader answers from, and
 * when it is read again (SPEC §5, §6). An index opens with its headers only
 * ({@linkcode LazySnapshot}): lookups read the directories on their path
 * with positioned reads, and the files are read whole ({@linkcode Snapshot})
 * the first time something needs them whole — iterate, LIST, flags and
 * STATUS, a sync — or once a state has answered enough lookups for its
 * table of full names to pay. Before an answer the files' stamp is checked
 * (at most every `checkIntervalMs`); a lookup in a state read on demand
 * checks it after the answer instead (and whenever it read bytes, since
 * bytes read later belong to the state only while no commit started since),
 * and looks again in the new state when one did.
 *
 * @module
 */
import { CorruptIndexError, IndexStateError } from "../format/errors.ts";
import type { ListHeader } from "../format/header.ts";
import type { NameLimits } from "../format/limits.ts";
import type { NameEncoder } from "../format/name_codec.ts";
import { FreshnessProbe, type SnapshotStamp } from "../store/freshness.ts";
import type { FileIO } from "../store/io.ts";
import type { IndexPaths } from "../store/paths.ts";
import { type LazySnapshot, readLazyOnce, readsWhole } from "./lazy_snapshot.ts";
import { lookupLazy, lookupUid } from "./reads.ts";
import { loadSnapshot, loadSnapshotAsync, type Snapshot } from "./snapshot.ts";
import type { SubscriptionState } from "./subscriptions.ts";

/** Reads in a row tried before giving up on a writer (no waiting in between), as `loadSnapshot`. */
const QUICK_ATTEMPTS = 4;

/** Answers of one synchronous run given without reading the clock, with `checkIntervalMs` > 0. */
const RUN_ANSWERS = 4096;

/** Lookups a state read on demand answers before it is read whole, for its table of full names. */
const LAZY_LOOKUPS = 2048;

/** What the subscriptions reader keeps on a state. */
export interface SubsHolder {
  /** Identity of the state. */
  stamp: SnapshotStamp;
  /** The file holding the state's subscriptions. */
  subsFile: string;
  /** The subscriptions once read. */
  subs?: SubscriptionState | CorruptIndexError;
}

/**
 * The state one index handle reads from: read on demand or whole, checked
 * for freshness, read again after another process's commit.
 *
 * @example As `MailboxListIndex` uses it
 * ```ts ignore
 * const state = new ReadState(nodeFileIO, indexPaths(path), 0, console.warn);
 * await state.open();
 * const uid = state.lookup("INBOX/Sent", 0x2f, limits, new NameEncoder());
 * for (const m of state.whole().list.iterate("", Infinity, undefined, "/")) console.log(m.name);
 * state.close();
 * ```
 */
export class ReadState {
  /** The state read whole, when it is (then there is no lazy one). */
  snap: Snapshot | undefined;
  /** The state read on demand, when it is. */
  lazy: LazySnapshot | undefined;
  /** The freshness check, holding the journal open. */
  readonly probe: FreshnessProbe;
  /** When the stamp was last checked (ms since the epoch). */
  lastCheck = 0;
  readonly #io: FileIO;
  readonly #paths: IndexPaths;
  readonly #interval: number;
  readonly #warn: (message: string) => void;

  /**
   * @param io The file interface.
   * @param paths The index's files.
   * @param checkIntervalMs How often answers check the files (0: before each).
   * @param warn Where warnings go.
   */
  constructor(io: FileIO, paths: IndexPaths, checkIntervalMs: number, warn: (message: string) => void) {
    this.#io = io;
    this.#paths = paths;
    this.#interval = checkIntervalMs;
    this.#warn = warn;
    this.probe = new FreshnessProbe(io, paths);
  }

  /**
   * Read the state at open: its headers, or the files whole when a journal
   * record is pending or the index is small; retries wait on a timer while a
   * writer changes the files.
   *
   * @param maxWaitMs How long to keep retrying.
   * @returns Nothing.
   * @throws CorruptIndexError for a damaged header; IndexStateError when no stable state could be read in time; ENOENT.
   */
  async open(maxWaitMs = 5000): Promise<void> {
    const started = Date.now();
    for (let attempt = 0;; attempt++) {
      const read = readsWhole(this.#io, this.#paths) ? "whole" : readLazyOnce(this.#io, this.#paths);
      if (read === "whole") {
        this.setWhole(await loadSnapshotAsync(this.#io, this.#paths, maxWaitMs));
        if (this.snap!.journalProblem !== undefined) this.#warn(`Index "${this.#paths.list}": ${this.snap!.journalProblem}`);
        return;
      }
      if (read !== undefined) {
        this.#setLazy(read);
        return;
      }
      if (Date.now() - started > maxWaitMs) {
        throw new IndexStateError(
          `Cannot read a consistent state of index "${this.#paths.list}": it kept changing for ${maxWaitMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1 + attempt, 20)));
    }
  }

  /** The stamp of the state in use, if any. */
  get stamp(): SnapshotStamp | undefined {
    return this.snap?.stamp ?? this.lazy?.stamp;
  }

  /** The separator stored in the attribute header (0: none known). */
  get storedSeparator(): number {
    return this.snap?.attr?.header.separator ?? this.lazy?.attrHeader?.separator ?? 0;
  }

  /**
   * Read the files again if another process committed since the state was
   * read. When a writer changes them during a few reads in a row, the state
   * in use is kept and the next answer tries again.
   *
   * @returns Nothing.
   * @throws IndexStateError when there is no state yet and a writer keeps changing the files; CorruptIndexError; ENOENT.
   */
  refresh(): void {
    const stamp = this.stamp;
    if (stamp === undefined || !this.probe.isCurrent(stamp)) this.#reread();
    this.lastCheck = Date.now();
  }

  /**
   * Check the files when the interval has passed (or there is no state).
   * With an interval, the clock itself is read once per synchronous run of
   * answers (one command of a server) and then every
   * {@linkcode RUN_ANSWERS} answers of a long run: reading it before each
   * answer costs more than the answer.
   */
  #fresh(): void {
    if (this.#due()) this.refresh();
  }

  /** Whether this answer must check the files (see {@linkcode ReadState.#fresh}). */
  #due(): boolean {
    if (this.#skip > 0) {
      this.#skip--;
      return false;
    }
    const due = this.stamp === undefined || Date.now() - this.lastCheck >= this.#interval;
    if (this.#interval > 0) {
      if (!this.#runQueued) {
        this.#runQueued = true;
        queueMicrotask(this.#endRun);
      }
      this.#skip = RUN_ANSWERS;
    }
    return due;
  }

  /** Answers left in this synchronous run before the clock is read again. */
  #skip = 0;
  #runQueued = false;
  readonly #endRun = (): void => {
    this.#skip = 0;
    this.#runQueued = false;
  };

  /** Read a new state: on demand, or whole while a journal record is pending or when the index is small. */
  #reread(): void {
    const had = this.stamp !== undefined;
    for (let attempt = 0; attempt < QUICK_ATTEMPTS; attempt++) {
      const read = readsWhole(this.#io, this.#paths) ? "whole" : readLazyOnce(this.#io, this.#paths);
      if (read === undefined) continue;
      if (read === "whole") {
        let next: Snapshot;
        try {
          next = loadSnapshot(this.#io, this.#paths);
        } catch (e) {
          if (!(e instanceof IndexStateError) || !had) throw e;
          return;
        }
        this.setWhole(next);
        if (next.attrProblem !== undefined) this.#warn(`Index "${this.#paths.list}": ${next.attrProblem}`);
        if (next.journalProblem !== undefined) this.#warn(`Index "${this.#paths.list}": ${next.journalProblem}`);
        return;
      }
      this.#setLazy(read);
      if (read.attrProblem !== undefined) this.#warn(`Index "${this.#paths.list}": ${read.attrProblem}`);
      return;
    }
    if (!had) {
      throw new IndexStateError(
        `Cannot read a consistent state of index "${this.#paths.list}": a writer changed it during ${QUICK_ATTEMPTS} reads in a row`,
      );
    }
  }

  /**
   * The current state read whole: the state in use, read whole now if it was
   * read on demand (a newer one when a writer committed since).
   *
   * @returns The snapshot.
   * @throws IndexStateError when a writer keeps changing the files; CorruptIndexError; ENOENT.
   */
  whole(): Snapshot {
    this.#fresh();
    if (this.snap === undefined) {
      const lazy = this.lazy;
      const next = loadSnapshot(this.#io, this.#paths);
      this.setWhole(next);
      // Said once per state: the state read on demand said it already.
      if (next.attrProblem !== undefined && next.attrProblem !== lazy?.attrProblem) {
        this.#warn(`Index "${this.#paths.list}": ${next.attrProblem}`);
      }
      if (next.journalProblem !== undefined) this.#warn(`Index "${this.#paths.list}": ${next.journalProblem}`);
    }
    return this.snap!;
  }

  /**
   * The current state as the subscriptions reader keeps it (read whole or not).
   *
   * @returns The state.
   */
  current(): SubsHolder {
    this.#fresh();
    return (this.snap ?? this.lazy)!;
  }

  /**
   * The list file's header of the current state.
   *
   * @returns The header.
   */
  header(): ListHeader {
    this.#fresh();
    return this.snap?.list.header ?? this.lazy!.list.header;
  }

  /**
   * The UID of a full name in the current state: on demand while the state
   * is read so, else from the state read whole (`lookupUid`).
   *
   * @param name Full name.
   * @param sep The separator byte.
   * @param limits The name limits.
   * @param encoder An encoder to put the name's bytes in.
   * @returns Its UID, or undefined when it is not in the index.
   * @throws InvalidNameError for a name with a NUL byte or no UTF-8 form; CorruptIndexError; IndexStateError.
   */
  lookup(name: string, sep: number, limits: NameLimits, encoder: NameEncoder): number | undefined {
    for (let attempt = 0;; attempt++) {
      // A state read whole is checked before the answer; one read on demand after it (below).
      if (this.lazy === undefined) this.#fresh();
      const snap = this.snap;
      if (snap !== undefined) return lookupUid(snap, name, sep, limits, encoder);
      const lazy = this.lazy!;
      if (attempt >= QUICK_ATTEMPTS || ++lazy.lookups > LAZY_LOOKUPS) {
        return lookupUid(this.whole(), name, sep, limits, encoder);
      }
      const due = this.#due();
      const list = lazy.list, before = list.reads;
      let uid: number | undefined;
      let error: CorruptIndexError | undefined;
      try {
        uid = lookupLazy(list, name, sep, encoder);
      } catch (e) {
        if (!(e instanceof CorruptIndexError)) throw e;
        error = e;
      }
      // Bytes read now are this state's only if no commit started since it was read; a check
      // after the answer is as fresh as one before it.
      if ((list.reads === before && !due) || this.probe.isCurrent(lazy.stamp)) {
        if (due) this.lastCheck = Date.now();
        if (error !== undefined) throw error;
        return uid;
      }
      this.#reread();
      this.lastCheck = Date.now();
    }
  }

  /**
   * Use a state read whole (a writer's own commit, a compression), closing
   * the one read on demand.
   *
   * @param snap The state.
   * @returns Nothing.
   */
  setWhole(snap: Snapshot): void {
    this.lazy?.close();
    this.lazy = undefined;
    this.snap = snap;
  }

  #setLazy(lazy: LazySnapshot): void {
    this.#skip = 0;
    this.lazy?.close();
    this.lazy = lazy;
    this.snap = undefined;
  }

  /**
   * Forget the state (the next answer reads the files again).
   *
   * @returns Nothing.
   */
  drop(): void {
    this.#skip = 0;
    this.lazy?.close();
    this.lazy = undefined;
    this.snap = undefined;
  }

  /**
   * Forget the state and close the files kept open.
   *
   * @returns Nothing.
   */
  close(): void {
    this.drop();
    this.probe.close();
  }
}
