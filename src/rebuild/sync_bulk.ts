/**
 * A full sync from one complete list of names, built like a rebuild
 * (sharded across worker threads when asked) and then matched against the
 * current index: every mailbox that is still there keeps its UID, its
 * caller-set flags (NOSELECT, NOCHILDREN) and its STATUS cache; new ones get
 * UIDs from next_uid on; the rest are gone. The tree rules are those of a
 * recursive full sync (SPEC §4). When anything changed, the result replaces
 * the index as one commit (a fresh, compressed file: file_seq + 1).
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, encodeAttrHeader, STATUS_SET_BIT } from "../format/attr_codec.ts";
import type { AttrView } from "../image/attr_file.ts";
import { DELETED_BIT, DIR_HEADER_SIZE, MailboxFlags, MAX_UID, RECORD_SIZE, UID_MASK } from "../format/constants.ts";
import { CorruptIndexError, IndexLimitError } from "../format/errors.ts";
import { encodeHeader } from "../format/header.ts";
import { compareBytes } from "../format/name_hash.ts";
import { sortIdsByKey } from "../format/sort.ts";
import { ListView } from "../image/view.ts";
import { grownSize } from "../format/growth.ts";
import type { MailboxListIndex, SyncResult } from "../index/index.ts";
import { type GatheredInput, gatherInput, type RebuildInput } from "./rebuild.ts";
import { paramsOf } from "./coordinator.ts";
import { keptWorkers, rebuildImagesOn, type RebuildWorkers } from "./workers.ts";
import { FullNameTable, HAS_CHILDREN, MARK_LEAF, MARK_SEEN, NAME_MISSING, NAME_NOT_PLAIN, plainBytes } from "../image/full_names.ts";
import { NameEncoder } from "../format/name_codec.ts";
import { allocate, type NameTable, NameTableBuilder, STATUS_FIELDS } from "./names.ts";
import { invalidNameError, type NameLimits, nameProblem } from "../format/limits.ts";
import { STATUS_SET_BIT as STATUS_BIT } from "../format/attr_codec.ts";

/** The outcome of matching a freshly built index against the current one. */
export interface MatchedImages {
  /** List file bytes with the final UIDs. */
  list: Uint8Array;
  /** Attribute file bytes, entries sorted by the final UIDs. */
  attr: Uint8Array;
  /** Mailboxes that are new. */
  added: number;
  /** Mailboxes that are gone. */
  deleted: number;
  /** Whether the index changes at all. */
  changed: boolean;
}

/** Flag bits a caller sets that a sync keeps. */
const CALLER_BITS = MailboxFlags.NoSelect | MailboxFlags.NoChildren;

/**
 * Give a freshly built index (UIDs 1..n in pre-order) the UIDs, caller flags
 * and STATUS of the current index where the names match.
 *
 * @param built The fresh list image (from a rebuild of the full name list).
 * @param builtAttr Its attribute image.
 * @param old The current list image.
 * @param oldAttr The current attribute image (undefined: nothing to keep).
 * @param fileSeq file_seq to give the result.
 * @returns The matched images.
 * @throws CorruptIndexError when the current image is damaged; IndexLimitError when UIDs run out.
 *
 * @example
 * ```ts ignore
 * const m = matchToCurrent(images.list, images.attr, snap.list, snap.attr, snap.list.header.fileSeq + 1);
 * ```
 */
export function matchToCurrent(
  built: Uint8Array,
  builtAttr: Uint8Array,
  old: ListView,
  oldAttr: AttrView | undefined,
  fileSeq: number,
): MatchedImages {
  const fresh = new ListView(built, "(sync)");
  const fdv = fresh.dv, odv = old.dv, fb = fresh.bytes, ob = old.bytes;
  const n = fresh.header.nextUid - 1;
  // finalUid[builtUid] and the matched old record per built UID.
  const finalUid = new Uint32Array(n + 1);
  const oldRecOf = new Int32Array(n + 1);
  let nextUid = old.header.nextUid;
  let added = 0, matched = 0;
  const pairs: number[] = [fresh.rootDir(), old.rootDir()];
  let budget = (old.end >>> 4) + n + 16;
  while (pairs.length > 0) {
    const od = pairs.pop()!, nd = pairs.pop()!;
    if (nd === 0) continue;
    const nc = fresh.dirCount(nd), oc = od === 0 ? 0 : old.dirCount(od);
    let j = 0;
    let orec = od + DIR_HEADER_SIZE;
    for (let i = 0, r = nd + DIR_HEADER_SIZE; i < nc; i++, r += RECORD_SIZE) {
      if (--budget < 0) throw new CorruptIndexError(old.file, od, "directory links form a cycle or are shared");
      const h = fdv.getUint32(r, true);
      const ns = fdv.getUint32(r + 8, true), ne = fresh.nameEnd(r);
      // Advance the old directory to the first live record not before this one.
      let found = 0;
      while (j < oc) {
        if ((odv.getUint32(orec + 4, true) & DELETED_BIT) !== 0) {
          j++;
          orec += RECORD_SIZE;
          continue;
        }
        const oh = odv.getUint32(orec, true);
        let c = oh < h ? -1 : oh > h ? 1 : 0;
        if (c === 0) c = compareBytes(ob, odv.getUint32(orec + 8, true), old.nameEnd(orec), fb, ns, ne);
        if (c < 0) {
          j++;
          orec += RECORD_SIZE;
          continue;
        }
        if (c === 0) found = orec;
        break;
      }
      const builtUid = fdv.getUint32(r + 4, true) & UID_MASK;
      let uid: number;
      if (found !== 0) {
        uid = old.uidOf(found);
        oldRecOf[builtUid] = found;
        matched++;
        j++;
        orec += RECORD_SIZE;
      } else {
        if (nextUid > MAX_UID) {
          throw new IndexLimitError(old.file, `all ${MAX_UID} UIDs are used; rebuild the index with a new uid_validity`);
        }
        uid = nextUid++;
        added++;
      }
      finalUid[builtUid] = uid;
      fdv.setUint32(r + 4, uid, true);
      const nchild = fresh.childDir(r);
      if (nchild !== 0) pairs.push(nchild, found !== 0 ? old.childDir(found) : 0);
    }
  }
  // Records of the current index: how many are live (to count the deleted ones).
  let oldLive = 0;
  const stack: number[] = old.rootDir() === 0 ? [] : [old.rootDir()];
  budget = (old.end >>> 4) + 16;
  while (stack.length > 0) {
    const d = stack.pop()!;
    const c = old.dirCount(d);
    for (let i = 0, r = d + DIR_HEADER_SIZE; i < c; i++, r += RECORD_SIZE) {
      if (--budget < 0) throw new CorruptIndexError(old.file, d, "directory links form a cycle or are shared");
      if ((odv.getUint32(r + 4, true) & DELETED_BIT) !== 0) continue;
      oldLive++;
      const cd = old.childDir(r);
      if (cd !== 0) stack.push(cd);
    }
  }
  const deleted = oldLive - matched;

  // Attribute entries in final UID order, with what the current index keeps.
  const ids = new Int32Array(n);
  for (let u = 1; u <= n; u++) ids[u - 1] = u;
  sortIdsByKey(ids, n, finalUid, (a, b) => a - b);
  const attr = new Uint8Array(ATTR_HEADER_SIZE + n * ATTR_ENTRY_SIZE);
  const adv = new DataView(attr.buffer);
  const bdv = new DataView(builtAttr.buffer, builtAttr.byteOffset, builtAttr.byteLength);
  let flagsChanged = false;
  for (let k = 0; k < n; k++) {
    const builtUid = ids[k];
    const src = ATTR_HEADER_SIZE + (builtUid - 1) * ATTR_ENTRY_SIZE;
    const dst = ATTR_HEADER_SIZE + k * ATTR_ENTRY_SIZE;
    attr.set(builtAttr.subarray(src, src + ATTR_ENTRY_SIZE), dst);
    adv.setUint32(dst, finalUid[builtUid], true);
    if (oldRecOf[builtUid] === 0) continue;
    const oldPos = oldAttr?.positionOf(finalUid[builtUid]) ?? -1;
    let word = bdv.getUint32(src + 4, true);
    if (oldPos >= 0) {
      const oldWord = oldAttr!.dv.getUint32(oldPos + 4, true);
      let f = (word & 0xff) | (oldWord & CALLER_BITS);
      if ((f & MailboxFlags.Children) !== 0) f &= ~MailboxFlags.NoChildren;
      word = (word & ~0xff) | f;
      if ((word & STATUS_SET_BIT) === 0 && (oldWord & STATUS_SET_BIT) !== 0) {
        // Keep the cached STATUS the new input did not replace.
        attr.set(oldAttr!.bytes.subarray(oldPos + 8, oldPos + 28), dst + 8);
        word |= STATUS_SET_BIT;
      }
      adv.setUint32(dst + 4, word >>> 0, true);
      if (!flagsChanged) {
        flagsChanged = (word >>> 0) !== oldWord;
        for (let b = 8; b < 28 && !flagsChanged; b += 4) {
          flagsChanged = adv.getUint32(dst + b, true) !== oldAttr!.dv.getUint32(oldPos + b, true);
        }
      }
    } else {
      flagsChanged = true;
    }
  }
  const header = { ...fresh.header, fileSeq, uidValidity: old.header.uidValidity, nextUid, deletedSpace: 0 };
  encodeHeader(built, header);
  encodeAttrHeader(attr, {
    uidValidity: header.uidValidity,
    listFileSeq: fileSeq,
    nextUid,
    count: n,
    live: n,
    separator: new DataView(builtAttr.buffer, builtAttr.byteOffset).getUint32(36, true) & 0xff,
  });
  return { list: built, attr, added, deleted, changed: added > 0 || deleted > 0 || flagsChanged };
}

/**
 * Whether a recursive full sync of the whole index from these names would
 * leave it exactly as it is — every record reported (as a leaf or as a
 * parent), no new name, and every attribute entry as {@linkcode matchToCurrent}
 * would write it — decided with one lookup per name and no tree built.
 *
 * @param table The full names of the current list image.
 * @param attr The current attribute image.
 * @param names Plain names (an array of strings) or names already read into a table.
 * @param limits Name limits (a name over them is never "unchanged": the build reports it).
 * @returns True when nothing would change.
 *
 * @example Check a list before building anything
 * ```ts ignore
 * const same = unchangedByNames(FullNameTable.of(snap.list, 0x2f)!, snap.attr, ["INBOX"], limits);
 * ```
 */
export function unchangedByNames(
  table: FullNameTable,
  attr: AttrView | undefined,
  names: readonly RebuildInput[] | NameTable,
  limits: NameLimits,
): boolean {
  if (attr === undefined) return false;
  const sep = table.separator;
  const count = Array.isArray(names) ? names.length : (names as NameTable).count;
  // Every mailbox that is not NONEXISTENT must be among the names.
  if (attrLeaves(attr) > count) return false;
  const bySlot = new Uint8Array(table.slotCount);
  if (Array.isArray(names)) {
    const encoder = new NameEncoder();
    // A few names from all over the list first: a list with new names usually fails here.
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0, step = pass === 0 ? SAMPLE_STEP : 1; i < names.length; i += step) {
        const name = names[i];
        if (typeof name !== "string") return false;
        let slot = table.findString(name, limits);
        if (slot === NAME_NOT_PLAIN) {
          // Not ASCII (or not valid, which the build reports): look its UTF-8 bytes up. A name
          // with no UTF-8 form is rejected here (InvalidNameError), never looked up as U+FFFD.
          const n = encoder.encode(name);
          slot = plainBytes(encoder.bytes, 0, n, sep, limits) ? table.findBytes(encoder.bytes, 0, n) : NAME_MISSING;
        }
        if (slot < 0) return false;
        bySlot[slot] |= name.charCodeAt(name.length - 1) === sep ? MARK_SEEN : MARK_SEEN | MARK_LEAF;
      }
    }
  } else {
    const t = names as NameTable;
    if (t.extras !== undefined) return false;
    const b = t.bytes, starts = t.starts;
    for (let i = 0; i < t.count; i++) {
      const s = starts[i], e = starts[i + 1] - 1;
      if (!plainBytes(b, s, e, sep, limits)) return false;
      const slot = table.findBytes(b, s, e);
      if (slot === NAME_MISSING) return false;
      bySlot[slot] |= b[e - 1] === sep ? MARK_SEEN : MARK_SEEN | MARK_LEAF;
    }
  }
  const marks = table.marksByNumber(bySlot);
  const uid = table.uid, info = table.info, dv = attr.dv;
  const positions = attrPositions(attr);
  const NE = MailboxFlags.NonExistent, CH = MailboxFlags.Children, NC = MailboxFlags.NoChildren;
  for (let k = 0; k < table.count; k++) {
    const m = marks[k];
    // Not reported: deleted.
    if (m === 0) return false;
    const u = uid[k];
    const pos = positions !== undefined ? (u < positions.length ? positions[u] : 0) : Math.max(0, attr.positionOf(u));
    if (pos === 0) return false;
    const oldWord = dv.getUint32(pos + 4, true);
    let f = ((m & MARK_LEAF) !== 0 ? 0 : NE) | ((info[k] & HAS_CHILDREN) !== 0 ? CH : 0) | (oldWord & CALLER_BITS);
    if ((f & CH) !== 0) f &= ~NC;
    if (((f | (oldWord & STATUS_BIT)) >>> 0) !== oldWord) return false;
    if ((oldWord & STATUS_BIT) === 0) {
      for (let w = 8; w < 28; w += 4) if (dv.getUint32(pos + w, true) !== 0) return false;
    }
  }
  return true;
}

/** Every how many names the first pass of {@linkcode unchangedByNames} looks one up. */
const SAMPLE_STEP = 61;

/** Live attribute entries without NONEXISTENT: mailboxes a full list must name. */
function attrLeaves(attr: AttrView): number {
  const { count } = attr.header;
  const dv = attr.dv;
  let n = 0;
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < count; i++, pos += ATTR_ENTRY_SIZE) {
    if (
      (dv.getUint32(pos, true) & DELETED_BIT) === 0 && (dv.getUint32(pos + 4, true) & MailboxFlags.NonExistent) === 0
    ) n++;
  }
  return n;
}

/** Position of each live UID's entry, indexed by UID (undefined when the UIDs are too sparse). */
function attrPositions(attr: AttrView): Int32Array | undefined {
  const { count, nextUid } = attr.header;
  if (nextUid > 4 * count + (1 << 20)) return undefined;
  const positions = new Int32Array(nextUid + 1);
  const dv = attr.dv;
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < count; i++, pos += ATTR_ENTRY_SIZE) {
    const word = dv.getUint32(pos, true);
    if ((word & DELETED_BIT) !== 0 || word > nextUid) continue;
    positions[word] = pos;
  }
  return positions;
}

/** Options of {@linkcode syncAll}. */
export interface SyncAllOptions {
  /**
   * Worker threads to build the new tree with: a number to start for this
   * call (0, the default: this thread), or workers from
   * `startRebuildWorkers` to use and keep.
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
  let extras: Uint8Array | undefined, status: Uint32Array | undefined;
  if (input.extras !== undefined) {
    extras = new Uint8Array(allocate(count, true));
    extras.set(input.extras.subarray(0, input.count));
    status = new Uint32Array(allocate(4 * STATUS_FIELDS * count, true));
    status.set(input.status!.subarray(0, STATUS_FIELDS * input.count));
  }
  return { bytes, starts, count, extras, status, names: { length: count } };
}

/**
 * A recursive full sync of the whole index from one complete list of names
 * (strings or scanner records with `selectable` and `status`), built across
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
 * @example
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
    result = { added: m.added, deleted: m.deleted, changed: m.changed, compressed: m.changed };
    if (!m.changed) return undefined;
    options.onProgress?.(input.names.length, "write");
    return { list: m.list, listSize: grownSize(m.list.length), attr: m.attr };
  });
  return result;
}
