/**
 * The part of a parallel rebuild that runs in a worker: build the subtrees
 * ("units") of some names read from shared memory, report their sizes, then
 * write them, relocated to the offsets and UIDs the coordinator chose,
 * straight into the shared output images.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE } from "./attr_codec.ts";
import { DIR_HEADER_SIZE, HEADER_SIZE, MailboxFlags, RECORD_SIZE } from "./constants.ts";
import { encodeHeader } from "./header.ts";
import { alignUp, decodeOffset, encodeOffset } from "./offset.ts";
import { SyncEngine } from "./sync.ts";
import { ListView } from "./view.ts";
import type {
  BuildUnitsRequest,
  BuildUnitsResult,
  SharedNames,
  WriteUnitsRequest,
  WriteUnitsResult,
} from "./worker_protocol.ts";

/**
 * An empty list image (header only) to build a tree on.
 *
 * @param uidValidity uid_validity of the image.
 * @param file Path named in errors.
 * @returns The image.
 *
 * @example
 * ```ts
 * import { emptyImage } from "./rebuild_unit.ts";
 * console.log(emptyImage().header.usedSpace); // 28
 * ```
 */
export function emptyImage(uidValidity = 1, file = "(rebuild)"): ListView {
  const b = new Uint8Array(HEADER_SIZE);
  encodeHeader(b, { fileSeq: 1, headerSize: HEADER_SIZE, uidValidity, nextUid: 1, usedSpace: HEADER_SIZE, deletedSpace: 0 });
  return new ListView(b, file);
}

/**
 * Offset of the first byte after the first `skip` components of a name
 * (separators after them skipped), or -1 when nothing follows.
 *
 * @param b Name bytes.
 * @param start Start of the name.
 * @param end End of the name.
 * @param sep Separator byte.
 * @param skip Components to skip.
 * @returns The offset of the remainder, or -1.
 *
 * @example
 * ```ts
 * import { afterComponents } from "./rebuild_unit.ts";
 * const b = new TextEncoder().encode("INBOX/a/b");
 * console.log(afterComponents(b, 0, b.length, 0x2f, 1)); // 6
 * ```
 */
export function afterComponents(b: Uint8Array, start: number, end: number, sep: number, skip: number): number {
  let i = start;
  for (let k = 0; k < skip; k++) {
    while (i < end && b[i] === sep) i++;
    while (i < end && b[i] !== sep) i++;
  }
  while (i < end && b[i] === sep) i++;
  return i < end ? i : -1;
}

/** One built unit, kept between the two phases. */
interface BuiltUnit {
  append: Uint8Array;
  attrEntries: Uint8Array;
  records: number;
}

/**
 * Builds and writes units; one per worker (or one in the coordinator's thread).
 *
 * @example
 * ```ts ignore
 * const units = new UnitBuilder(shared);
 * const sizes = units.build({ kind: "build-units", units: [0], names: [idx], skip: [1] });
 * ```
 */
export class UnitBuilder {
  private readonly shared: SharedNames;
  private readonly bytes: Uint8Array;
  private readonly offsets: Int32Array;
  private readonly noSelect: Uint8Array;
  private readonly statusSet: Uint8Array;
  private readonly statusValues: Uint32Array;
  private readonly built = new Map<number, BuiltUnit>();

  /** @param shared The shared names. */
  constructor(shared: SharedNames) {
    this.shared = shared;
    this.bytes = new Uint8Array(shared.bytes);
    this.offsets = new Int32Array(shared.offsets);
    this.noSelect = new Uint8Array(shared.noSelect);
    this.statusSet = new Uint8Array(shared.statusSet);
    this.statusValues = new Uint32Array(shared.statusValues);
  }

  /**
   * Phase 1: build each unit's subtree, laid out from offset 0 with UIDs from 1.
   *
   * @param req The units and their names.
   * @returns Records and bytes per unit.
   */
  build(req: BuildUnitsRequest): BuildUnitsResult {
    const sh = this.shared;
    const limits = { maxComponentLength: sh.maxComponentLength, maxDepth: sh.maxDepth, maxFileSize: sh.maxFileSize };
    const records: number[] = [], bytes: number[] = [];
    for (let u = 0; u < req.units.length; u++) {
      const engine = new SyncEngine(emptyImage(), undefined, sh.separator, { recursive: true }, {
        ...limits,
        // The unit's names lose `skip` leading levels.
        maxDepth: Math.max(1, limits.maxDepth - req.skip[u]),
      });
      const names = req.names[u];
      for (let k = 0; k < names.length; k++) {
        const i = names[k];
        const s = this.offsets[2 * i], e = this.offsets[2 * i + 1];
        const from = afterComponents(this.bytes, s, e, sh.separator, req.skip[u]);
        if (from < 0) continue;
        engine.addBytes(this.bytes, from, e);
        if (this.bytes[e - 1] === sh.separator) continue; // a parent-only declaration carries no extras
        if (this.noSelect[i] !== 0) engine.orFlagsOfLast(MailboxFlags.NoSelect);
        if (this.statusSet[i] !== 0) {
          const v = this.statusValues;
          engine.setStatusOfLast({
            messages: v[5 * i],
            unseen: v[5 * i + 1],
            recent: v[5 * i + 2],
            uidValidity: v[5 * i + 3],
            uidNext: v[5 * i + 4],
          });
        }
      }
      engine.rebase(0, 1);
      engine.renumberPreorder();
      const plan = engine.plan();
      if (plan.attr.kind !== "replace") throw new Error("A unit build always makes whole attribute entries");
      const unit: BuiltUnit = {
        append: plan.append,
        attrEntries: plan.attr.image.subarray(ATTR_HEADER_SIZE),
        records: plan.added,
      };
      this.built.set(req.units[u], unit);
      records.push(unit.records);
      bytes.push(unit.append.length);
    }
    return { kind: "units-built", units: req.units, records, bytes };
  }

  /**
   * Phase 2: write each built unit at its offset with its first UID.
   *
   * @param req Placement of the units and the shared output images.
   * @returns The units written.
   */
  write(req: WriteUnitsRequest): WriteUnitsResult {
    const list = new Uint8Array(req.list);
    const attr = new Uint8Array(req.attr);
    for (let u = 0; u < req.units.length; u++) {
      const unit = this.built.get(req.units[u]);
      if (unit === undefined) throw new Error(`Unit ${req.units[u]} was not built by this worker`);
      relocateUnit(unit.append, unit.attrEntries, req.offsets[u], req.firstUids[u] - 1, list, attr);
      this.built.delete(req.units[u]);
    }
    return { kind: "units-written", units: req.units };
  }
}

/**
 * Copy a unit built at offset 0 with UIDs from 1 to `offset` with UIDs
 * shifted by `uidShift`: every name offset, link and UID is moved.
 *
 * @param image The unit's directories, laid out from offset 0.
 * @param attrEntries The unit's attribute entries, UIDs from 1.
 * @param offset Where the unit goes (a multiple of 4).
 * @param uidShift What to add to each UID.
 * @param list The output list image.
 * @param attr The output attribute image.
 * @returns Nothing.
 *
 * @example
 * ```ts ignore
 * relocateUnit(unit.append, unit.attrEntries, 4096, 41, listOut, attrOut);
 * ```
 */
export function relocateUnit(
  image: Uint8Array,
  attrEntries: Uint8Array,
  offset: number,
  uidShift: number,
  list: Uint8Array,
  attr: Uint8Array,
): void {
  list.set(image, offset);
  const dv = new DataView(list.buffer, list.byteOffset, list.byteLength);
  const end = offset + image.length;
  let dir = offset;
  while (dir < end) {
    const size = dv.getUint32(dir + 4, true);
    const count = dv.getUint32(dir + 8, true);
    for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
      dv.setUint32(r + 4, dv.getUint32(r + 4, true) + uidShift, true);
      dv.setUint32(r + 8, dv.getUint32(r + 8, true) + offset, true);
      const link = decodeOffset(dv.getUint32(r + 12, true));
      if (link !== 0) dv.setUint32(r + 12, encodeOffset(link + offset), true);
    }
    dir = alignUp(dir + size);
  }
  const first = ATTR_HEADER_SIZE + uidShift * ATTR_ENTRY_SIZE;
  attr.set(attrEntries, first);
  const adv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  for (let p = first; p < first + attrEntries.length; p += ATTR_ENTRY_SIZE) {
    adv.setUint32(p, adv.getUint32(p, true) + uidShift, true);
  }
}
