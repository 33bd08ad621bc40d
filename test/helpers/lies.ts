/**
 * Structurally valid index files that lie (SPEC §9), made from valid ones:
 * a `next_uid` not above every live UID, two records with one UID, two
 * records sharing one child directory, an attribute entry for a UID the list
 * does not have. Every offset, count and size stays valid, so only a check
 * of the whole tree can tell. Used by test/lying.test.ts and the fuzzer.
 *
 * @example Give the record of "c" the UID of "a/b"
 * ```ts ignore
 * const list = readFileSync(path);
 * copyUid(list, recordOf(list, "a/b"), recordOf(list, "c"));
 * ```
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, decodeAttrHeader, encodeAttrHeader } from "../../src/format/attr_codec.ts";
import { DELETED_BIT, UID_MASK } from "../../src/format/constants.ts";
import { ListView } from "../../src/image/view.ts";

const encoder = new TextEncoder();

function view32(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Offset of the live record of a full name in a list image.
 *
 * @param list The list image.
 * @param name Full name.
 * @param sep Separator.
 * @returns The record's offset (throws when the name is not there).
 */
export function recordOf(list: Uint8Array, name: string, sep = "/"): number {
  const b = encoder.encode(name);
  const rec = new ListView(list, "lie").findRecordByLevels(b, b.length, sep.charCodeAt(0));
  if (rec === 0) throw new Error(`no record ${JSON.stringify(name)}`);
  return rec;
}

/**
 * Set the header's next_uid.
 *
 * @param list The list image (changed).
 * @param nextUid The value.
 * @returns Nothing.
 */
export function setNextUid(list: Uint8Array, nextUid: number): void {
  view32(list).setUint32(16, nextUid >>> 0, true);
}

/**
 * Give the record at `to` the UID of the record at `from` (deleted bit kept).
 *
 * @param list The list image (changed).
 * @param from Record whose UID is copied.
 * @param to Record that gets it.
 * @returns Nothing.
 */
export function copyUid(list: Uint8Array, from: number, to: number): void {
  const dv = view32(list);
  const uid = dv.getUint32(from + 4, true) & UID_MASK;
  dv.setUint32(to + 4, ((dv.getUint32(to + 4, true) & DELETED_BIT) | uid) >>> 0, true);
}

/**
 * Point the record at `to` at the child directory of the record at `from`.
 *
 * @param list The list image (changed).
 * @param from Record whose dir_offset is copied.
 * @param to Record that gets it.
 * @returns Nothing.
 */
export function shareDir(list: Uint8Array, from: number, to: number): void {
  const dv = view32(list);
  dv.setUint32(to + 12, dv.getUint32(from + 12, true), true);
}

/**
 * An attribute image with one more live entry, for `uid`, at its sorted
 * place (the header's count, live count and checksum follow).
 *
 * @param attr The attribute image.
 * @param uid The UID of the new entry (not already in the image).
 * @param flags Its flags.
 * @returns A new image.
 */
export function withAttrEntry(attr: Uint8Array, uid: number, flags = 0): Uint8Array {
  const h = decodeAttrHeader(attr, attr.length, "lie");
  const dv = view32(attr);
  let at = 0;
  while (at < h.count && (dv.getUint32(ATTR_HEADER_SIZE + at * ATTR_ENTRY_SIZE, true) & UID_MASK) < uid) at++;
  const pos = ATTR_HEADER_SIZE + at * ATTR_ENTRY_SIZE;
  const end = ATTR_HEADER_SIZE + h.count * ATTR_ENTRY_SIZE;
  const out = new Uint8Array(end + ATTR_ENTRY_SIZE);
  out.set(attr.subarray(0, pos));
  out.set(attr.subarray(pos, end), pos + ATTR_ENTRY_SIZE);
  const odv = view32(out);
  odv.setUint32(pos, uid >>> 0, true);
  odv.setUint32(pos + 4, flags & 0xff, true);
  encodeAttrHeader(out, { ...h, count: h.count + 1, live: h.live + 1 });
  return out;
}

/**
 * An attribute image with a live entry for `uid`: its deleted entry
 * brought back to life, or a new one at its sorted place.
 *
 * @param attr The attribute image.
 * @param uid The UID.
 * @returns A new image.
 */
export function reviveAttrEntry(attr: Uint8Array, uid: number): Uint8Array {
  const h = decodeAttrHeader(attr, attr.length, "lie");
  const dv = view32(attr);
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < h.count; i++, pos += ATTR_ENTRY_SIZE) {
    const word = dv.getUint32(pos, true);
    if ((word & UID_MASK) !== uid) continue;
    const out = attr.slice();
    if ((word & DELETED_BIT) === 0) return out;
    view32(out).setUint32(pos, uid, true);
    encodeAttrHeader(out, { ...h, live: h.live + 1 });
    return out;
  }
  return withAttrEntry(attr, uid);
}

/**
 * The live UIDs of a list image with their full names, in walk order,
 * read without any check of the whole tree (as a lying file would be
 * read by a reader that trusts it).
 *
 * @param list The list image.
 * @param sep Separator.
 * @returns [name, uid] pairs.
 */
export function namesAndUids(list: Uint8Array, sep = "/"): [string, number][] {
  const view = new ListView(list, "lie").trustTree();
  const out: [string, number][] = [];
  for (const m of view.iterate("", Infinity, { flagsOf: () => 0 }, sep)) out.push([m.name, m.uid]);
  return out;
}
