/**
 * Subscriptions (SPEC §12, RFC 3501 SUBSCRIBE/UNSUBSCRIBE): the set of
 * subscribed full names kept with an index, which may name mailboxes that
 * do not exist. Readers read the subscriptions file when first asked and
 * keep it with the state they read ({@linkcode readSubscriptions}); a sync
 * collects the changes and, when they change the set, its commit replaces
 * the file through its journal record ({@linkcode SubscriptionChanges}).
 *
 * @module
 */
import { CorruptIndexError, IndexStateError } from "../format/errors.ts";
import { checkedName, type TreeLimits } from "../format/limits.ts";
import { encodeSubscriptions, sortNamesByBytes } from "../format/subs_codec.ts";
import type { FileIO } from "../store/io.ts";
import type { IndexPaths } from "../store/paths.ts";
import { readJournalStamp } from "../store/file_read.ts";
import { readSubsFile } from "../store/subs_file.ts";
import type { SnapshotStamp } from "../store/freshness.ts";

/**
 * The subscriptions of one state of an index.
 *
 * @example The names and the set
 * ```ts
 * import { subscriptionState } from "./subscriptions.ts";
 * const s = subscriptionState(["INBOX", "Lists/dev"]);
 * console.log(s.names.length, s.set.has("INBOX")); // 2 true
 * ```
 */
export interface SubscriptionState {
  /** The names, sorted by their UTF-8 bytes. */
  readonly names: readonly string[];
  /** The same names as a set. */
  readonly set: ReadonlySet<string>;
}

/**
 * The state of a sorted list of names.
 *
 * @param names Names sorted by their UTF-8 bytes, no duplicates.
 * @returns The state.
 *
 * @example No subscriptions
 * ```ts
 * import { subscriptionState } from "./subscriptions.ts";
 * console.log(subscriptionState([]).set.size); // 0
 * ```
 */
export function subscriptionState(names: readonly string[]): SubscriptionState {
  return { names, set: new Set(names) };
}

const NONE: SubscriptionState = subscriptionState([]);

/**
 * Read the subscriptions that belong to a state read earlier: from the file
 * that holds them in that state (`.new` while a pending journal record
 * renames it), under the journal's sequence check — the journal must still
 * show the state's stamp before and after the read, else a writer has
 * committed since and the caller reads a newer state first.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param stamp The stamp of the state.
 * @param file The file holding the state's subscriptions (`paths.subs` or its `.new` copy).
 * @returns The subscriptions (none when the index has no file), a CorruptIndexError for a damaged file, or undefined when the journal moved.
 *
 * @example Subscriptions of the state a reader holds
 * ```ts ignore
 * const subs = readSubscriptions(nodeFileIO, paths, snap.stamp, snap.subsFile) ?? readAgain();
 * ```
 */
export function readSubscriptions(
  io: FileIO,
  paths: IndexPaths,
  stamp: SnapshotStamp,
  file: string,
): SubscriptionState | CorruptIndexError | undefined {
  const same = () => {
    const j = readJournalStamp(io, paths.journal);
    return j.seq === stamp.journalSeq && j.state === stamp.journalState;
  };
  if (!same()) return undefined;
  let result: SubscriptionState | CorruptIndexError;
  try {
    // The `.new` copy is gone once renamed: then the file itself holds the same names.
    const names = (file !== paths.subs ? readSubsFile(io, file) : undefined) ?? readSubsFile(io, paths.subs);
    result = names === undefined ? NONE : subscriptionState(names);
  } catch (e) {
    if (!(e instanceof CorruptIndexError)) throw e;
    result = e;
  }
  return same() ? result : undefined;
}

/** Reads in a row that {@linkcode currentSubscriptions} tries before it gives up. */
const ATTEMPTS = 4;

/**
 * What {@linkcode currentSubscriptions} needs of a reader: its current
 * state, and a way to read a newer one.
 */
export interface SubscriptionReader {
  /** The file interface. */
  readonly io: FileIO;
  /** The index's files. */
  readonly paths: IndexPaths;
  /** The state answers come from now (after the reader's freshness check). */
  current(): { stamp: SnapshotStamp; subsFile: string; subs?: SubscriptionState | CorruptIndexError };
  /** Read the files again when a writer committed since the current state was read. */
  reread(): void;
}

/**
 * The subscriptions of a reader's current state, read when first asked and
 * kept with that state; when a writer committed since the state was read,
 * a newer state is read first, a few times in a row at most, never waiting.
 *
 * @param reader The reader.
 * @returns The subscriptions.
 * @throws CorruptIndexError naming the subscriptions file when it is damaged; IndexStateError when a writer committed during every try.
 *
 * @example Subscribe, then list the subscriptions (`index.subscriptions()` answers from this)
 * ```ts
 * import { MailboxListIndex } from "./index.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/u.mlist");
 * const ctx = await index.syncBegin({ partial: true });
 * ctx.setSubscriptions(["Lists/dev", "INBOX"]);
 * await ctx.commit();
 * console.log(index.subscriptions(), index.isSubscribed("INBOX")); // ["INBOX", "Lists/dev"] true
 * await index.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export function currentSubscriptions(reader: SubscriptionReader): SubscriptionState {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const snap = reader.current();
    const subs = snap.subs ?? readSubscriptions(reader.io, reader.paths, snap.stamp, snap.subsFile);
    if (subs !== undefined) {
      snap.subs = subs;
      if (subs instanceof CorruptIndexError) throw subs;
      return subs;
    }
    reader.reread();
  }
  throw new IndexStateError(
    `Cannot read the subscriptions of index "${reader.paths.list}": a writer committed during ${ATTEMPTS} reads in a row`,
  );
}

/**
 * A writer's view of the subscriptions it changes (its lock held): those of
 * its state, or, when the file is damaged, none — the damaged file is set
 * aside as `PATH.subs.corrupt-<ms>` with a warning (like a damaged index,
 * SPEC §5), and the commit writes a new one.
 *
 * @param reader The writer's reader side.
 * @param warn Where the warning goes.
 * @returns The subscriptions to change.
 * @throws IndexStateError as {@linkcode currentSubscriptions}.
 *
 * @example Before a commit that changes the subscriptions
 * ```ts ignore
 * const current = subscriptionsForWriter(reader, console.warn);
 * ```
 */
export function subscriptionsForWriter(reader: SubscriptionReader, warn: (message: string) => void): SubscriptionState {
  try {
    return currentSubscriptions(reader);
  } catch (e) {
    if (!(e instanceof CorruptIndexError)) throw e;
    const aside = `${reader.paths.subs}.corrupt-${Date.now()}`;
    if (reader.io.stat(reader.paths.subs) !== undefined) reader.io.rename(reader.paths.subs, aside);
    warn(`Index "${reader.paths.list}": ${e.message}; set aside as "${aside}", the subscriptions start afresh`);
    reader.current().subs = NONE;
    return NONE;
  }
}

/** One change of a sync to the subscriptions, in call order. */
type Change =
  | { kind: "add" | "remove"; name: string }
  | { kind: "set"; names: string[] }
  | { kind: "rename"; from: string; to: string };

/**
 * The subscription changes a sync collects: names checked and made
 * canonical as they come, applied in call order at commit onto the set the
 * index has then.
 *
 * @example Subscribe, unsubscribe, and the file to write
 * ```ts
 * import { SubscriptionChanges, subscriptionState } from "./subscriptions.ts";
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * const c = new SubscriptionChanges(0x2f, DEFAULT_LIMITS);
 * c.subscribe("Lists//dev");
 * c.unsubscribe("INBOX");
 * console.log(c.apply(subscriptionState(["INBOX"]))?.names); // ["Lists/dev"]
 * ```
 */
export class SubscriptionChanges {
  readonly #sep: number;
  readonly #limits: Readonly<TreeLimits>;
  readonly #changes: Change[] = [];

  /**
   * @param separator The index's separator byte.
   * @param limits The index's name limits.
   */
  constructor(separator: number, limits: Readonly<TreeLimits>) {
    this.#sep = separator;
    this.#limits = limits;
  }

  /** Whether any change was made. */
  get empty(): boolean {
    return this.#changes.length === 0;
  }

  /** Whether the changes replace the whole set (so the old set need not be read). */
  get replacesAll(): boolean {
    return this.#changes.some((c) => c.kind === "set");
  }

  /**
   * Subscribe a name.
   *
   * @param name Full name (need not exist).
   * @throws InvalidNameError for a name the index cannot hold.
   */
  subscribe(name: string): void {
    this.#changes.push({ kind: "add", name: checkedName(name, this.#sep, this.#limits) });
  }

  /**
   * Unsubscribe a name; a name that is not subscribed changes nothing.
   *
   * @param name Full name.
   * @throws InvalidNameError for a name the index cannot hold.
   */
  unsubscribe(name: string): void {
    this.#changes.push({ kind: "remove", name: checkedName(name, this.#sep, this.#limits) });
  }

  /**
   * Rename the subscriptions of a mailbox and of everything under it, as a
   * rename of the mailbox does (SPEC §11, as Dovecot does): `from` becomes
   * `to`, `from/x` becomes `to/x`; other names stay.
   *
   * @param from Full name of the renamed mailbox.
   * @param to Its new full name.
   * @throws InvalidNameError for a name the index cannot hold.
   */
  rename(from: string, to: string): void {
    const sep = this.#sep, limits = this.#limits;
    this.#changes.push({ kind: "rename", from: checkedName(from, sep, limits), to: checkedName(to, sep, limits) });
  }

  /**
   * Replace the whole set. Every name is checked before anything changes.
   *
   * @param names The new set (duplicates are fine).
   * @throws InvalidNameError for the first name the index cannot hold; the set is left as it was.
   */
  replace(names: Iterable<string>): void {
    const checked: string[] = [];
    for (const name of names) checked.push(checkedName(name, this.#sep, this.#limits));
    this.#changes.push({ kind: "set", names: checked });
  }

  /**
   * The set after the changes, when it differs from `current`.
   *
   * @param current The set the index has now (undefined: unreadable, only a replacement can go on).
   * @returns The new state, or undefined when the set does not change.
   */
  apply(current: SubscriptionState | undefined): SubscriptionState | undefined {
    const set = new Set(current?.names ?? []);
    for (const c of this.#changes) {
      if (c.kind === "set") {
        set.clear();
        for (const n of c.names) set.add(n);
      } else if (c.kind === "rename") {
        const under = c.from + String.fromCharCode(this.#sep);
        for (const n of [...set]) {
          if (n !== c.from && !n.startsWith(under)) continue;
          set.delete(n);
          set.add(c.to + n.slice(c.from.length));
        }
      } else if (c.kind === "add") set.add(c.name);
      else set.delete(c.name);
    }
    if (current !== undefined && set.size === current.set.size && [...set].every((n) => current.set.has(n))) {
      return undefined;
    }
    return subscriptionState(sortNamesByBytes(set));
  }

  /**
   * The file of a state.
   *
   * @param state The subscriptions.
   * @returns The subscriptions file's bytes.
   */
  image(state: SubscriptionState): Uint8Array {
    return encodeSubscriptions(state.names, this.#sep);
  }
}
