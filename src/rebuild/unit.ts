/**
 * What a rebuild "unit" is to the coordinator (SPEC §8): the sizes a worker
 * measures once it has built the unit ({@linkcode UnitMeasure}), the first
 * name it could not hold ({@linkcode InvalidName}), and where the
 * coordinator puts the unit in the new list file ({@linkcode UnitPlacement}).
 * Building and writing a unit is src/rebuild/tree_build.ts.
 *
 * @module
 */

/**
 * The first name of a unit the index cannot hold.
 *
 * @example A name with a NUL byte
 * ```ts
 * import { DEFAULT_LIMITS, INVALID_NUL } from "../format/limits.ts";
 * import { readNames } from "./input.ts";
 * import { TreeUnit } from "./tree_build.ts";
 * const names = await readNames(["ok", "b\0d"], false);
 * const m = new TreeUnit(names, 0x2f, DEFAULT_LIMITS).build(null, 2, 0);
 * console.log(m.invalid?.index, m.invalid?.reason === INVALID_NUL); // 1 true
 * ```
 */
export interface InvalidName {
  /** Index of the name in the table. */
  index: number;
  /** One of the `INVALID_*` codes of src/format/limits.ts. */
  reason: number;
  /** The component length for `INVALID_COMPONENT`, the name length for `INVALID_LENGTH`, else 0. */
  detail: number;
}

/**
 * What a built unit needs in the output.
 *
 * @example Two records at the top, one directory below
 * ```ts
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { readNames } from "./input.ts";
 * import { TreeUnit } from "./tree_build.ts";
 * const names = await readNames(["a/x", "b"], false);
 * const m = new TreeUnit(names, 0x2f, DEFAULT_LIMITS).build(null, 2, 0);
 * console.log(m.records, m.sliceCount, m.sliceNameBytes, m.regionSize); // 3 2 4 30
 * ```
 */
export interface UnitMeasure {
  /** Mailboxes in the unit: the UIDs it takes. */
  records: number;
  /** Records of the unit in its top directory. */
  sliceCount: number;
  /** Bytes of those records' names, NULs included. */
  sliceNameBytes: number;
  /** Bytes of the unit's directories below its top directory, laid out from a 4-aligned offset (0 when none). */
  regionSize: number;
  /** The first name the index cannot hold, if any (the unit is then not usable). */
  invalid: InvalidName | undefined;
}

/**
 * Where the coordinator put a unit.
 *
 * @example The only unit, right after the root directory header
 * ```ts
 * import type { UnitPlacement } from "./unit.ts";
 * const place: UnitPlacement = { sliceRecordPos: 40, sliceNamePos: 72, regionBase: 76, firstUid: 1 };
 * ```
 */
export interface UnitPlacement {
  /** File offset of the unit's first record in its top directory. */
  sliceRecordPos: number;
  /** File offset of the unit's first name in its top directory. */
  sliceNamePos: number;
  /** File offset of the unit's first directory below the top (a multiple of 4). */
  regionBase: number;
  /** UID of the unit's first mailbox in pre-order. */
  firstUid: number;
}
