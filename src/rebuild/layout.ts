/**
 * Laying out a rebuilt list file from its plan and the sizes of its units
 * (SPEC §8): the root directory right after the header, then everything
 * in depth-first pre-order — each split directory followed by its records'
 * subtrees, each unit's region where its records' subtrees go — every
 * directory at the next multiple of 4, and UIDs in the same pre-order. Then
 * writing the parts the coordinator owns: the split directories' headers,
 * their split records and names, those records' attributes, and, once the
 * file_seq is known, both file headers.
 *
 * @module
 */
import { encodeAttrHeader } from "../format/attr_codec.ts";
import { HEADER_SIZE } from "../format/constants.ts";
import { encodeHeader } from "../format/header.ts";
import { alignUp, encodeOffset, OFFSET_MARKER } from "../format/offset.ts";
import { dirImageSize, RECORD_SIZE, recordAt, writeDirHeader, writeRecord, writeRecordName } from "../format/record.ts";
import { writeRebuiltEntry } from "./entry.ts";
import type { NameTable } from "./names.ts";
import type { RouteResult, SplitPlan } from "./plan.ts";
import type { UnitMeasure, UnitPlacement } from "./unit.ts";

/**
 * Where everything of a rebuilt list file goes.
 *
 * @example Where the one unit of two names goes
 * ```ts
 * import { layoutRebuild } from "./layout.ts";
 * import { singleUnitPlan } from "./plan.ts";
 * const m = { records: 2, sliceCount: 2, sliceNameBytes: 6, regionSize: 0, invalid: undefined };
 * const layout = layoutRebuild(singleUnitPlan(), [m]);
 * console.log(layout.units[0].sliceRecordPos, layout.units[0].sliceNamePos); // 40 72
 * ```
 */
export interface Layout {
  /** Bytes in use: the end of the last directory. */
  usedSpace: number;
  /** Mailboxes in the file (UIDs `1 .. records`). */
  records: number;
  /** Placement of each unit. */
  units: UnitPlacement[];
  /** Offset of each split directory (0: not written, for an empty root). */
  splitDir: Int32Array;
  /** dir_size of each split directory. */
  splitDirSize: Int32Array;
  /** Records in each split directory. */
  splitCount: Int32Array;
  /** Offset of each split directory's own record in its parent (root: 0). */
  splitRecord: Int32Array;
  /** Offset of each split directory's own name in its parent (root: 0). */
  splitName: Int32Array;
  /** UID of each split directory's own record (root: 0). */
  splitUid: Int32Array;
}

/**
 * Place every split directory and unit.
 *
 * @param plan The plan.
 * @param measures The size of each unit.
 * @returns The layout.
 *
 * @example One unit of 2 top-level names, no subdirectories
 * ```ts
 * import { layoutRebuild } from "./layout.ts";
 * import { singleUnitPlan } from "./plan.ts";
 * const m = { records: 2, sliceCount: 2, sliceNameBytes: 6, regionSize: 0, invalid: undefined };
 * console.log(layoutRebuild(singleUnitPlan(), [m]).usedSpace); // 78
 * ```
 */
export function layoutRebuild(plan: SplitPlan, measures: readonly UnitMeasure[]): Layout {
  const S = plan.splitCount;
  const out: Layout = {
    usedSpace: HEADER_SIZE,
    records: 0,
    units: measures.map(() => ({ sliceRecordPos: 0, sliceNamePos: 0, regionBase: 0, firstUid: 0 })),
    splitDir: new Int32Array(S),
    splitDirSize: new Int32Array(S),
    splitCount: new Int32Array(S),
    splitRecord: new Int32Array(S),
    splitName: new Int32Array(S),
    splitUid: new Int32Array(S),
  };
  const { rangeFirst, rangeTarget, splitNameLen } = plan;
  let cur = HEADER_SIZE;
  let uid = 1;
  const place = (s: number): void => {
    let count = 0, names = 0;
    for (let r = rangeFirst[s]; r < rangeFirst[s + 1]; r++) {
      const t = rangeTarget[r];
      if (t >= 0) {
        count += measures[t].sliceCount;
        names += measures[t].sliceNameBytes;
      } else {
        count++;
        names += splitNameLen[-t] + 1;
      }
    }
    if (count === 0) return; // only an empty root
    const dir = alignUp(cur);
    const size = dirImageSize(count, names);
    out.splitDir[s] = dir;
    out.splitDirSize[s] = size;
    out.splitCount[s] = count;
    cur = dir + size;
    let rec = recordAt(dir, 0), name = recordAt(dir, count);
    for (let r = rangeFirst[s]; r < rangeFirst[s + 1]; r++) {
      const t = rangeTarget[r];
      if (t >= 0) {
        out.units[t].sliceRecordPos = rec;
        out.units[t].sliceNamePos = name;
        rec += RECORD_SIZE * measures[t].sliceCount;
        name += measures[t].sliceNameBytes;
      } else {
        out.splitRecord[-t] = rec;
        out.splitName[-t] = name;
        rec += RECORD_SIZE;
        name += splitNameLen[-t] + 1;
      }
    }
    for (let r = rangeFirst[s]; r < rangeFirst[s + 1]; r++) {
      const t = rangeTarget[r];
      if (t >= 0) {
        const m = measures[t];
        out.units[t].firstUid = uid;
        uid += m.records;
        if (m.regionSize > 0) {
          const base = alignUp(cur);
          out.units[t].regionBase = base;
          cur = base + m.regionSize;
        }
      } else {
        out.splitUid[-t] = uid++;
        place(-t);
      }
    }
  };
  place(0);
  out.usedSpace = cur;
  out.records = uid - 1;
  return out;
}

/**
 * What the coordinator knows of the split directories' own mailboxes, merged from routing.
 *
 * @example No name reports a split directory
 * ```ts
 * import { mergeSplitFacts } from "./layout.ts";
 * import { singleUnitPlan } from "./plan.ts";
 * console.log(mergeSplitFacts(singleUnitPlan(), []).status[0]); // -1
 * ```
 */
export interface SplitFacts {
  /** Per split directory: a name reports it as a mailbox. */
  leaf: Uint8Array;
  /** Per split directory: a name reports it not selectable. */
  noSelect: Uint8Array;
  /** Per split directory: the last name giving its STATUS, or -1. */
  status: Int32Array;
}

/**
 * Merge the split-directory facts of several routing results.
 *
 * @param plan The plan.
 * @param results Routing results of disjoint name ranges.
 * @returns The merged facts.
 *
 * @example After routing
 * ```ts ignore
 * const facts = mergeSplitFacts(plan, routed);
 * ```
 */
export function mergeSplitFacts(plan: SplitPlan, results: readonly RouteResult[]): SplitFacts {
  const S = plan.splitCount;
  const facts: SplitFacts = { leaf: new Uint8Array(S), noSelect: new Uint8Array(S), status: new Int32Array(S).fill(-1) };
  for (const r of results) {
    for (let s = 0; s < S; s++) {
      facts.leaf[s] |= r.splitLeaf[s];
      facts.noSelect[s] |= r.splitNoSelect[s];
      if (r.splitStatus[s] > facts.status[s]) facts.status[s] = r.splitStatus[s];
    }
  }
  return facts;
}

/**
 * Identity of the new files, for their headers.
 *
 * @example The header fields of a first rebuild
 * ```ts
 * import type { RebuildHeader } from "./layout.ts";
 * const header: RebuildHeader = { uidValidity: 1700000000, fileSeq: 1, separator: 0x2f };
 * ```
 */
export interface RebuildHeader {
  /** uid_validity of the new index. */
  uidValidity: number;
  /** file_seq of the new list file. */
  fileSeq: number;
  /** The separator byte (kept in the attribute header). */
  separator: number;
}

/**
 * Write what the coordinator owns into the output images, but for the
 * headers: split directory headers, split records and names, and their
 * attributes. The headers are {@linkcode writeRebuildHeaders}'s, once the
 * file_seq is known.
 *
 * @param list The list image, `usedSpace` bytes (zeroed where not written by units).
 * @param attr The attribute image, header plus one entry per record.
 * @param names The names (STATUS figures of split directories are read from them).
 * @param plan The plan.
 * @param layout Its layout.
 * @param facts What routing learnt of the split directories.
 * @returns Nothing.
 *
 * @example The coordinator's last step
 * ```ts ignore
 * writeCoordinatorParts(list, attr, names, plan, layout, facts);
 * ```
 */
export function writeCoordinatorParts(
  list: Uint8Array,
  attr: Uint8Array,
  names: NameTable,
  plan: SplitPlan,
  layout: Layout,
  facts: SplitFacts,
): void {
  const dv = new DataView(list.buffer, list.byteOffset, list.byteLength);
  const adv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const src = plan.splitNames;
  for (let s = 0; s < plan.splitCount; s++) {
    const dir = layout.splitDir[s];
    const hasDir = layout.splitCount[s] > 0;
    if (hasDir) writeDirHeader(dv, dir, 0, layout.splitDirSize[s], layout.splitCount[s]);
    if (s === 0) continue;
    const rec = layout.splitRecord[s], name = layout.splitName[s], uid = layout.splitUid[s];
    const ns = plan.splitNameStart[s];
    writeRecord(dv, rec, plan.splitHash[s], uid, name, hasDir ? encodeOffset(dir) : OFFSET_MARKER);
    writeRecordName(list, name, src, ns, ns + plan.splitNameLen[s]);
    writeRebuiltEntry(adv, uid, hasDir, facts.leaf[s] !== 0, facts.noSelect[s] !== 0, names, facts.status[s]);
  }
}

/**
 * Write both headers of a rebuilt index, once: the list header (no deleted
 * space, next_uid after the last record, used_space the list image's
 * length) and the attribute header (every entry live).
 *
 * @param list The list image, `[0, used_space)`.
 * @param attr The attribute image.
 * @param records Mailboxes in the index (UIDs `1 .. records`).
 * @param header uid_validity, file_seq and separator.
 * @returns Nothing.
 *
 * @example The headers of an empty index
 * ```ts
 * import { decodeHeader } from "../format/header.ts";
 * import { writeRebuildHeaders } from "./layout.ts";
 * const list = new Uint8Array(28), attr = new Uint8Array(48);
 * writeRebuildHeaders(list, attr, 0, { uidValidity: 7, fileSeq: 3, separator: 0x2f });
 * console.log(decodeHeader(list, 28, "x").fileSeq); // 3
 * ```
 */
export function writeRebuildHeaders(list: Uint8Array, attr: Uint8Array, records: number, header: RebuildHeader): void {
  encodeHeader(list, {
    fileSeq: header.fileSeq,
    headerSize: HEADER_SIZE,
    uidValidity: header.uidValidity,
    nextUid: records + 1,
    usedSpace: list.length,
    deletedSpace: 0,
  });
  encodeAttrHeader(attr, {
    uidValidity: header.uidValidity,
    listFileSeq: header.fileSeq,
    nextUid: records + 1,
    count: records,
    live: records,
    separator: header.separator,
  });
}
