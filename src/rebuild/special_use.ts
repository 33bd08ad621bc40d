/**
 * Special-use attributes (RFC 6154, SPEC §12) across a rebuild or a full
 * sync built like one: the special-use bits of every mailbox of the index
 * being replaced, by name ({@linkcode specialUseByName},
 * {@linkcode carriedSpecialUse}), and the bits set
 * on the built images by name ({@linkcode applySpecialUse}), once the tree
 * is built — few mailboxes have any, so a lookup each costs nothing next
 * to the build, and no worker needs to know of them.
 *
 * @module
 */
import {
  ATTR_ENTRY_FIELD,
  ATTR_HEADER_SIZE,
  attrEntryFlagWord,
  attrEntryUid,
  decodeAttrHeader,
  findAttrEntry,
  isAttrEntryDeleted,
} from "../format/attr_codec.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { NameEncoder, decodeName } from "../format/name_codec.ts";
import { recordAt, recordDeleted, recordNameOffset, recordUid } from "../format/record.ts";
import { SPECIAL_USE_MASK } from "../format/special_use.ts";
import type { AttrView } from "../image/attr_file.ts";
import { ListView } from "../image/view.ts";
import { loadSnapshot, type Snapshot } from "../index/snapshot.ts";
import type { FileIO } from "../store/io.ts";
import { indexPaths } from "../store/paths.ts";

/**
 * The special-use bits of every live mailbox of an index that has any, by
 * full name. The attribute entries are scanned once; only when some carry
 * special-use bits is the tree walked (no object per record) to name them.
 *
 * @param view The list image.
 * @param attr Its attribute image.
 * @param sep The separator byte to join names with.
 * @returns Full name → bits (empty when no mailbox has any).
 * @throws CorruptIndexError when the tree's links form a cycle.
 *
 * @example Carry the special-use of the index a rebuild replaces
 * ```ts ignore
 * const carried = specialUseByName(snap.list, snap.attr, 0x2f); // Map { "Sent" => 0x2000 }
 * ```
 */
export function specialUseByName(view: ListView, attr: AttrView, sep: number): Map<string, number> {
  const out = new Map<string, number>();
  const wanted = new Map<number, number>();
  const adv = attr.dv;
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < attr.header.count; i++, pos += attr.entrySize) {
    const bits = attrEntryFlagWord(adv, pos) & SPECIAL_USE_MASK;
    if (bits !== 0 && !isAttrEntryDeleted(adv, pos)) wanted.set(attrEntryUid(adv, pos), bits);
  }
  if (wanted.size === 0) return out;
  // Depth-first over the directories, the records of the path to the current one kept by level.
  const dv = view.dv, bytes = view.bytes, sepChar = String.fromCharCode(sep);
  const dirs: number[] = [], next: number[] = [], path: number[] = [];
  let budget = (view.end >>> 4) + 16;
  const root = view.rootDir();
  if (root !== 0) {
    dirs.push(root);
    next.push(0);
  }
  while (dirs.length > 0 && out.size < wanted.size) {
    const level = dirs.length - 1, dir = dirs[level];
    const i = next[level]++;
    if (i >= view.dirCount(dir)) {
      dirs.pop();
      next.pop();
      continue;
    }
    const rec = recordAt(dir, i);
    if (--budget < 0) throw new CorruptIndexError(view.file, rec, "directory links form a cycle or are shared");
    if (recordDeleted(dv, rec)) continue;
    path[level] = rec;
    const bits = wanted.get(recordUid(dv, rec));
    if (bits !== undefined) {
      let name = "";
      for (let k = 0; k <= level; k++) {
        const r = path[k];
        name += (k === 0 ? "" : sepChar) + decodeName(bytes, recordNameOffset(dv, r), view.nameEnd(r));
      }
      out.set(name, bits);
    }
    const child = view.childDir(rec);
    if (child !== 0) {
      dirs.push(child);
      next.push(0);
    }
  }
  return out;
}

/**
 * Set the special-use bits of mailboxes in built images (headers written):
 * each name is looked up and its entry's special-use bits replaced. A name
 * the images do not hold is skipped.
 *
 * @param list The list image.
 * @param attr The attribute image, entries sorted by UID.
 * @param sep The separator byte.
 * @param bits Full name → special-use bits, applied in order (a later name wins).
 * @returns How many entries changed.
 *
 * @example Mark the Sent folder of a rebuilt index
 * ```ts ignore
 * applySpecialUse(images.list, images.attr, 0x2f, new Map([["Sent", SpecialUse.Sent]]));
 * ```
 */
export function applySpecialUse(
  list: Uint8Array,
  attr: Uint8Array,
  sep: number,
  bits: ReadonlyMap<string, number>,
): number {
  if (bits.size === 0) return 0;
  const view = new ListView(list, "(rebuilt)");
  const adv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const count = decodeAttrHeader(attr, attr.length, "(rebuilt)").count;
  const encoder = new NameEncoder();
  let changed = 0;
  for (const [name, b] of bits) {
    const n = encoder.encode(name);
    const rec = view.findRecord(encoder.bytes, n, sep);
    if (rec === 0) continue;
    const pos = findAttrEntry(adv, count, view.uidOf(rec));
    if (pos < 0) continue;
    const word = attrEntryFlagWord(adv, pos);
    const now = ((word & ~SPECIAL_USE_MASK) | (b & SPECIAL_USE_MASK)) >>> 0;
    if (now === word) continue;
    adv.setUint32(pos + ATTR_ENTRY_FIELD.flags, now, true);
    changed++;
  }
  return changed;
}

/**
 * The special-use bits of the index a rebuild replaces, by name: none when
 * there is no such index or it cannot be used ({@linkcode replacedIndex});
 * none, with a warning, when its tree is damaged.
 *
 * @param replaced The replaced index's images, if usable.
 * @param sep The rebuild's separator byte.
 * @param path Path of the list file, for the warning.
 * @param onWarning Where the warning goes.
 * @returns Full name → bits.
 *
 * @example Before replacing the files
 * ```ts ignore
 * const carried = carriedSpecialUse(replacedIndex(nodeFileIO, path, 0x2f, console.warn), 0x2f, path, console.warn);
 * ```
 */
export function carriedSpecialUse(
  replaced: ReplacedIndex | undefined,
  sep: number,
  path: string,
  onWarning: (message: string) => void,
): Map<string, number> {
  if (replaced === undefined) return new Map();
  try {
    return specialUseByName(replaced.list, replaced.attr, sep);
  } catch (e) {
    if (!(e instanceof CorruptIndexError)) throw e;
    onWarning(`Index "${path}" is damaged (${e.message}); the special-use attributes it had are not carried over`);
    return new Map();
  }
}

/** The images of the index a rebuild replaces. */
export interface ReplacedIndex {
  /** Its list image. */
  list: ListView;
  /** Its attribute image. */
  attr: AttrView;
}

/**
 * The index a rebuild replaces, read under the rebuild's lock, for what
 * it carries over by name (special-use, GUIDs, `\NoInferiors`): undefined
 * when there is no index, its attribute file is unusable, or it was made
 * with another separator; undefined, with a warning, when it is damaged.
 *
 * @param io The file interface.
 * @param path Path of the list file.
 * @param sep The rebuild's separator byte.
 * @param onWarning Where the warning goes.
 * @returns Its images, or undefined.
 *
 * @example Before replacing the files
 * ```ts ignore
 * const replaced = replacedIndex(nodeFileIO, "/var/mail/u.mlist", 0x2f, console.warn);
 * ```
 */
export function replacedIndex(
  io: FileIO,
  path: string,
  sep: number,
  onWarning: (message: string) => void,
): ReplacedIndex | undefined {
  let snap: Snapshot;
  try {
    snap = loadSnapshot(io, indexPaths(path));
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    if (!(e instanceof CorruptIndexError)) throw e;
    onWarning(`Index "${path}" is damaged (${e.message}); the special-use attributes and GUIDs it had are not carried over`);
    return undefined;
  }
  const attr = snap.attr;
  if (attr === undefined || (attr.header.separator !== 0 && attr.header.separator !== sep)) return undefined;
  return { list: snap.list, attr };
}
