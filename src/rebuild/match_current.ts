/**
 * Matching a freshly built index (UIDs 1..n in pre-order) against the
 * current one, for a full sync built like a rebuild (`syncAll`): every
 * mailbox that is still there keeps its UID, its flags by the one flag rule
 * of a sync (`format/flags.ts`: the tree's CHILDREN and NONEXISTENT, every
 * other bit kept), its STATUS cache and its GUID (unless the input gives
 * them); new ones get UIDs from next_uid on, and GUIDs by the rule of
 * `format/attr_guids.ts`; the rest are gone.
 *
 * @module
 */
import {
  ATTR_ENTRY_FIELD,
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  attrEntryFlagWord,
  attrEntryHasGuid,
  attrEntryPosition,
  encodeAttrHeader,
  STATUS_BITS,
  STATUS_SET_BIT,
} from "../format/attr_codec.ts";
import { settleGuids } from "../format/attr_guids.ts";
import { GUID_SIZE } from "../format/guid.ts";
import { MAX_UID } from "../format/constants.ts";
import { CorruptIndexError, IndexLimitError } from "../format/errors.ts";
import { FLAG_BITS, SYNC_OWNED_FLAGS, syncedFlags } from "../format/flags.ts";
import { encodeHeader } from "../format/header.ts";
import { compareBytes } from "../format/name_hash.ts";
import {
  RECORD_SIZE,
  recordAt,
  recordDeleted,
  recordHash,
  recordNameOffset,
  recordUid,
  setRecordUid,
} from "../format/record.ts";
import { sortIdsByKey } from "../format/sort.ts";
import type { AttrView } from "../image/attr_file.ts";
import { ListView } from "../image/view.ts";

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

/**
 * Give a freshly built index (UIDs 1..n in pre-order) the UIDs, flags and
 * STATUS of the current index where the names match.
 *
 * @param built The fresh list image (from a rebuild of the full name list); its UIDs are rewritten.
 * @param builtAttr Its attribute image.
 * @param old The current list image.
 * @param oldAttr The current attribute image (undefined: nothing to keep).
 * @param fileSeq file_seq to give the result.
 * @returns The matched images.
 * @throws CorruptIndexError when the current image is damaged; IndexLimitError when UIDs run out.
 *
 * @example Match a rebuilt image
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
  const n = fresh.header.nextUid - 1;
  const match = new UidMatcher(fresh, old, n).run();
  const deleted = countLive(old) - match.matched;
  const merged = mergeAttributes(builtAttr, match, oldAttr, n);
  const attr = merged.attr;
  const nextUid = match.nextUid;
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
  const flagsChanged = settleGuids(attr) > 0 || merged.flagsChanged;
  const added = match.added;
  return { list: built, attr, added, deleted, changed: added > 0 || deleted > 0 || flagsChanged };
}

/**
 * Walk a fresh tree and the current one side by side, directory by
 * directory (both sorted the same way), calling `visit` for each fresh
 * record with the current record of the same full name, or 0 — the match
 * of a full sync built like a rebuild (`syncAll`) and of what a rebuild
 * carries over. `visit` may change the fresh record's UID.
 *
 * @param fresh The fresh list image.
 * @param old The current list image.
 * @param visit Called with each fresh record and its match (0: none).
 * @returns Nothing.
 * @throws CorruptIndexError when the current image's links form a cycle or are shared.
 *
 * @example Count the names both images have
 * ```ts ignore
 * let both = 0;
 * matchRecords(fresh, old, (_rec, found) => { if (found !== 0) both++; });
 * ```
 */
export function matchRecords(fresh: ListView, old: ListView, visit: (rec: number, found: number) => void): void {
  const fdv = fresh.dv, odv = old.dv, fb = fresh.bytes, ob = old.bytes;
  let budget = (old.end >>> 4) + (fresh.end >>> 4) + 16;
  const pairs: number[] = [fresh.rootDir(), old.rootDir()];
  while (pairs.length > 0) {
    const od = pairs.pop()!, nd = pairs.pop()!;
    if (nd === 0) continue;
    const nc = fresh.dirCount(nd), oc = od === 0 ? 0 : old.dirCount(od);
    let j = 0;
    let orec = recordAt(od, 0);
    for (let i = 0, r = recordAt(nd, 0); i < nc; i++, r += RECORD_SIZE) {
      if (--budget < 0) throw new CorruptIndexError(old.file, od, "directory links form a cycle or are shared");
      const h = recordHash(fdv, r);
      const ns = recordNameOffset(fdv, r), ne = fresh.nameEnd(r);
      // Advance the old directory to the first live record not before this one.
      let found = 0;
      while (j < oc) {
        if (recordDeleted(odv, orec)) {
          j++;
          orec += RECORD_SIZE;
          continue;
        }
        const oh = recordHash(odv, orec);
        let c = oh < h ? -1 : oh > h ? 1 : 0;
        if (c === 0) c = compareBytes(ob, recordNameOffset(odv, orec), old.nameEnd(orec), fb, ns, ne);
        if (c < 0) {
          j++;
          orec += RECORD_SIZE;
          continue;
        }
        if (c === 0) found = orec;
        break;
      }
      if (found !== 0) {
        j++;
        orec += RECORD_SIZE;
      }
      visit(r, found);
      const nchild = fresh.childDir(r);
      if (nchild !== 0) pairs.push(nchild, found !== 0 ? old.childDir(found) : 0);
    }
  }
}

/** Gives each fresh record its final UID in place ({@linkcode matchRecords}). */
class UidMatcher {
  /** The final UID of each built UID. */
  readonly finalUid: Uint32Array;
  /** The matched current record of each built UID (0: a new mailbox). */
  readonly oldRecOf: Int32Array;
  nextUid: number;
  added = 0;
  matched = 0;

  constructor(private readonly fresh: ListView, private readonly old: ListView, n: number) {
    this.finalUid = new Uint32Array(n + 1);
    this.oldRecOf = new Int32Array(n + 1);
    this.nextUid = old.header.nextUid;
  }

  run(): this {
    const fdv = this.fresh.dv, old = this.old;
    matchRecords(this.fresh, old, (r, found) => {
      const builtUid = recordUid(fdv, r);
      let uid: number;
      if (found !== 0) {
        uid = old.uidOf(found);
        this.oldRecOf[builtUid] = found;
        this.matched++;
      } else {
        if (this.nextUid > MAX_UID) {
          throw new IndexLimitError(old.file, `all ${MAX_UID} UIDs are used; rebuild the index with a new uid_validity`);
        }
        uid = this.nextUid++;
        this.added++;
      }
      this.finalUid[builtUid] = uid;
      setRecordUid(fdv, r, uid);
    });
    return this;
  }
}

/** Live records of the current index. */
function countLive(old: ListView): number {
  const odv = old.dv;
  let live = 0;
  const stack: number[] = old.rootDir() === 0 ? [] : [old.rootDir()];
  let budget = (old.end >>> 4) + 16;
  while (stack.length > 0) {
    const d = stack.pop()!;
    const c = old.dirCount(d);
    for (let i = 0, r = recordAt(d, 0); i < c; i++, r += RECORD_SIZE) {
      if (--budget < 0) throw new CorruptIndexError(old.file, d, "directory links form a cycle or are shared");
      if (recordDeleted(odv, r)) continue;
      live++;
      const cd = old.childDir(r);
      if (cd !== 0) stack.push(cd);
    }
  }
  return live;
}

/**
 * The attribute entries in final UID order: the built entry, with, for a
 * mailbox that was there, its flags by the flag rule, its STATUS cache when
 * the input gave none and its GUID when the input gave none. An old
 * version-1 file always counts as a change (it is written as version 2).
 */
function mergeAttributes(
  builtAttr: Uint8Array,
  match: UidMatcher,
  oldAttr: AttrView | undefined,
  n: number,
): { attr: Uint8Array; flagsChanged: boolean } {
  const { finalUid, oldRecOf } = match;
  const ids = new Int32Array(n);
  for (let u = 1; u <= n; u++) ids[u - 1] = u;
  sortIdsByKey(ids, n, finalUid, (a, b) => a - b);
  const attr = new Uint8Array(ATTR_HEADER_SIZE + n * ATTR_ENTRY_SIZE);
  const adv = new DataView(attr.buffer);
  const bdv = new DataView(builtAttr.buffer, builtAttr.byteOffset, builtAttr.byteLength);
  const oldSize = oldAttr?.entrySize ?? ATTR_ENTRY_SIZE;
  let flagsChanged = oldSize !== ATTR_ENTRY_SIZE;
  const G = ATTR_ENTRY_FIELD.guid, S = ATTR_ENTRY_FIELD.status;
  for (let k = 0; k < n; k++) {
    const builtUid = ids[k];
    const src = attrEntryPosition(builtUid - 1);
    const dst = attrEntryPosition(k);
    attr.set(builtAttr.subarray(src, src + ATTR_ENTRY_SIZE), dst);
    adv.setUint32(dst, finalUid[builtUid], true);
    if (oldRecOf[builtUid] === 0) continue;
    const oldPos = oldAttr?.positionOf(finalUid[builtUid]) ?? -1;
    let word = attrEntryFlagWord(bdv, src);
    if (oldPos >= 0) {
      const old = oldAttr!, ob = old.bytes;
      const oldWord = attrEntryFlagWord(old.dv, oldPos);
      // The tree's bits from the build, the input's NOSELECT added, every other old bit kept.
      const built = word & FLAG_BITS;
      const f = syncedFlags(oldWord & FLAG_BITS, built, SYNC_OWNED_FLAGS, built & ~SYNC_OWNED_FLAGS);
      word = (word & ~FLAG_BITS) | f;
      if ((word & STATUS_SET_BIT) === 0 && (oldWord & STATUS_SET_BIT) !== 0) {
        // Keep the cached STATUS the new input did not replace (a version-1 entry's five figures).
        const end = oldSize === ATTR_ENTRY_SIZE ? G : ATTR_ENTRY_FIELD.deleted;
        attr.set(ob.subarray(oldPos + S, oldPos + end), dst + S);
        word = (word & ~STATUS_BITS) | (oldSize === ATTR_ENTRY_SIZE ? oldWord & STATUS_BITS : STATUS_SET_BIT);
      }
      // Keep the GUID the new input did not replace.
      if (!attrEntryHasGuid(attr, dst) && attrEntryHasGuid(ob, oldPos, oldSize)) {
        attr.set(ob.subarray(oldPos + G, oldPos + G + GUID_SIZE), dst + G);
      }
      adv.setUint32(dst + ATTR_ENTRY_FIELD.flags, word >>> 0, true);
      if (!flagsChanged) {
        flagsChanged = (word >>> 0) !== oldWord;
        const odv = old.dv;
        for (let b = S; b < ATTR_ENTRY_SIZE && !flagsChanged; b += 4) {
          flagsChanged = adv.getUint32(dst + b, true) !== odv.getUint32(oldPos + b, true);
        }
      }
    } else {
      flagsChanged = true;
    }
  }
  return { attr, flagsChanged };
}
