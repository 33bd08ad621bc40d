/**
 * A full sync from one complete list of names, built like a rebuild
 * (sharded across worker threads when asked) and then matched against the
 * current index (`match_current.ts`): every mailbox that is still there
 * keeps its UID, its flags by the one flag rule of a sync (every bit the
 * sync does not own stays) and its STATUS cache; new ones get UIDs from
 * next_uid on; the rest are gone. A list that changes nothing is found
 * without building anything (`unchanged_names.ts`). The tree rules are those of a
 * recursive full sync (SPEC §4). When anything changed, the result replaces
 * the index as one commit (a fresh, compressed file: file_seq + 1).
 *
 * @module
 */
import { replacementChanges } from "./changes.ts";
import type { AttrView } from "../image/attr_file.ts";
import type { ListView } from "../image/view.ts";
import { grownSize } from "../format/growth.ts";
import type { MailboxListIndex, SyncResult } from "../index/index.ts";
import { type GatheredInput, gatherInput, type RebuildInput } from "./rebuild.ts";
import { paramsOf } from "./coordinator.ts";
import { keptWorkers, rebuildImagesOn, type RebuildWorkers } from "./workers.ts";
import { FullNameTable } from "../image/full_names.ts";
import { MailboxFlags } from "../format/constants.ts";
import { matchToCurrent } from "./match_current.ts";
import { applySpecialUse } from "./special_use.ts";
import { unchangedByNames } from "./unchanged_names.ts";

export { type MatchedImages, matchToCurrent } from "./match_current.ts";
export { unchangedByNames } from "./unchanged_names.ts";
import { NameEncoder } from "../format/name_codec.ts";
import { allocate, GUID_WORDS, NameTableBuilder, STATUS_FIELDS } from "./names.ts";
import { invalidNameError, type NameLimits, nameProblem } from "../format/limits.ts";

/** Options of {@linkcode syncAll}. */
export interface SyncAllOptions {
  /**
   * Worker threads to build the new tree with: a number of them (0, the
   * default: this thread; others are started once per process and kept idle
   * between calls where the runtime allows, as `rebuild` does), or workers
   * from `startRebuildWorkers` to use and keep.
   */
  workers?: number | RebuildWorkers;
  /** Progress of reading and building. */
  onProgress?: (done: number, phase: "read" | "build" | "write") => void;
  /**
   * Mailboxes to keep as they are with their whole subtrees, for a store
   * that could not be read completely (SPEC §9): as `SyncContext.keep`,
   * none of them is deleted and their flags and STATUS stay as they were.
   * Names not in the index change nothing.
   */
  keep?: readonly string[];
}

/** Flags that read no flags (an index whose attributes were reset). */
const NO_FLAGS = { flagsOf: () => 0 };

/**
 * The names that keep mailboxes and their subtrees as they are in a full
 * sync built from names: each kept mailbox and every mailbox under it, a
 * NONEXISTENT one as a parent only (its name ends with the separator), so
 * that the build gives them the tree flags they have; {@linkcode matchToCurrent}
 * keeps their UIDs, caller flags and STATUS.
 *
 * @param view The current list image.
 * @param attr The current attribute image (undefined: every kept name is a mailbox).
 * @param sep The index's separator byte.
 * @param keep The names to keep.
 * @param limits Name limits.
 * @returns The names to add to the input.
 * @throws InvalidNameError for a name the index cannot hold.
 *
 * @example Keep "Archive" and what is under it
 * ```ts ignore
 * const extra = keptNames(snap.list, snap.attr, 0x2f, ["Archive"], DEFAULT_LIMITS); // ["Archive", "Archive/2009", ...]
 * ```
 */
export function keptNames(
  view: ListView,
  attr: AttrView | undefined,
  sep: number,
  keep: readonly string[],
  limits: NameLimits,
): string[] {
  const out: string[] = [];
  const encoder = new NameEncoder();
  const sepChar = String.fromCharCode(sep);
  const entry = (name: string, flags: number) =>
    attr !== undefined && (flags & MailboxFlags.NonExistent) !== 0 ? name + sepChar : name;
  for (const name of keep) {
    const n = encoder.encode(name);
    const problem = nameProblem(encoder.bytes, 0, n, sep, limits);
    if (problem !== 0) throw invalidNameError(name, problem, limits);
    const rec = view.findRecord(encoder.bytes, n, sep);
    if (rec === 0) continue;
    const canonical = name.split(sepChar).filter((c) => c !== "").join(sepChar);
    out.push(entry(canonical, attr?.flagsOf(view.uidOf(rec)) ?? 0));
    for (const m of view.iterateDir(view.childDir(rec), canonical, Infinity, attr ?? NO_FLAGS, sepChar)) {
      out.push(entry(m.name, m.flags));
    }
  }
  return out;
}

/** A table of gathered names with more names after them (in shared memory, like the input). */
function appendNames(input: GatheredInput, extra: readonly string[]): GatheredInput {
  const x = new NameTableBuilder(true);
  x.addBatch(extra);
  const t = x.finish();
  const used = input.starts[input.count], xUsed = t.starts[t.count];
  const count = input.count + t.count;
  const bytes = new Uint8Array(allocate(used + xUsed, true));
  bytes.set(input.bytes.subarray(0, used));
  bytes.set(t.bytes.subarray(0, xUsed), used);
  const starts = new Uint32Array(allocate(4 * (count + 1), true));
  starts.set(input.starts.subarray(0, input.count));
  for (let k = 0; k <= t.count; k++) starts[input.count + k] = used + t.starts[k];
  let extras: Uint8Array | undefined, status: Uint32Array | undefined, guids: Uint32Array | undefined;
  if (input.extras !== undefined) {
    extras = new Uint8Array(allocate(count, true));
    extras.set(input.extras.subarray(0, input.count));
    status = new Uint32Array(allocate(4 * STATUS_FIELDS * count, true));
    status.set(input.status!.subarray(0, STATUS_FIELDS * input.count));
    guids = new Uint32Array(allocate(4 * GUID_WORDS * count, true));
    if (input.guids !== undefined) guids.set(input.guids.subarray(0, GUID_WORDS * input.count));
  }
  const joined: GatheredInput = { bytes, starts, count, extras, status, names: { length: count } };
  if (guids !== undefined) joined.guids = guids;
  if (input.specialUse !== undefined) joined.specialUse = input.specialUse;
  return joined;
}

/**
 * A recursive full sync of the whole index from one complete list of names
 * (strings or scanner records with `selectable`, `status` and `specialUse`,
 * which replaces a mailbox's special-use attributes), built across
 * `workers` threads. Same names, flags and surviving UIDs as the
 * single-thread sync of the same names; new UIDs are unique and ≥ the old
 * next_uid. Writes nothing when nothing changed. The mailboxes named in
 * `keep` (folders the scan could not read) stay as they are with their
 * whole subtrees.
 *
 * @param index An open, writable index.
 * @param names Every mailbox the store has.
 * @param options Workers, progress, mailboxes to keep.
 * @returns What changed.
 *
 * @example Sync a Maildir++ store's names with two workers
 * ```ts ignore
 * const result = await syncAll(index, scanMaildir("/var/mail/alice"), { workers: 2 });
 * ```
 */
export async function syncAll(
  index: MailboxListIndex,
  names: Iterable<RebuildInput> | AsyncIterable<RebuildInput> | { file: string },
  options: SyncAllOptions = {},
): Promise<SyncResult> {
  const pool = keptWorkers(options.workers ?? 0);
  // A plain array is checked as it is; any other source is read first.
  let plain = Array.isArray(names) ? names as readonly RebuildInput[] : undefined;
  let input: GatheredInput | undefined = plain === undefined ? await gatherInput(names, options.onProgress) : undefined;
  let result: SyncResult = { added: 0, deleted: 0, changed: false, compressed: false };
  await index._replaceExclusive(async (snap) => {
    const sep = index._separatorByte;
    // Kept subtrees join the names as the index has them.
    const kept = options.keep === undefined || options.keep.length === 0
      ? []
      : keptNames(snap.list, snap.attr, sep, options.keep, index._limits);
    if (kept.length > 0) {
      if (plain !== undefined) plain = plain.concat(kept);
      else input = appendNames(input!, kept);
    }
    // Nothing changed: one lookup per name settles it, without building anything.
    const table = FullNameTable.of(snap.list, sep, snap.attr?.header.live ?? 0);
    if (table !== undefined && unchangedByNames(table, snap.attr, plain ?? input!, index._limits)) {
      options.onProgress?.(plain?.length ?? input!.count, "read");
      return undefined;
    }
    input ??= await gatherInput(plain!, options.onProgress);
    const uidValidity = snap.list.header.uidValidity;
    const fileSeq = ((snap.list.header.fileSeq + 1) >>> 0) || 1;
    const workers = pool ?? Math.max(0, Math.floor((options.workers as number | undefined) ?? 0));
    options.onProgress?.(input.names.length, "build");
    const params = paramsOf(sep, uidValidity, fileSeq, index._limits, index.path);
    const images = await rebuildImagesOn(input, params, workers, `sync "${index.path}"`);
    const m = matchToCurrent(images.list, images.attr, snap.list, snap.attr, fileSeq);
    // Special-use the input gives replaces what a mailbox had (the rest was kept by the match).
    if (input.specialUse !== undefined && applySpecialUse(m.list, m.attr, sep, input.specialUse) > 0) m.changed = true;
    result = { added: m.added, deleted: m.deleted, changed: m.changed, compressed: m.changed };
    if (!m.changed) return undefined;
    options.onProgress?.(input.names.length, "write");
    // The match kept the UID of every name both have: the differences merge by UID.
    const changes = replacementChanges(snap, m.list, m.attr, index.separator, true);
    return { list: m.list, listSize: grownSize(m.list.length), attr: m.attr, changes };
  });
  return result;
}
