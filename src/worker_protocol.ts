/**
 * The messages between a rebuild coordinator and its workers, as explicit
 * tagged types. Workers are driven through comlink; every call carries one
 * of these requests and answers with the matching result.
 *
 * @module
 */

/** Shared inputs every worker reads: all names, encoded once. */
export interface SharedNames {
  readonly kind: "shared-names";
  /** UTF-8 bytes of every name, back to back (a SharedArrayBuffer). */
  bytes: SharedArrayBuffer;
  /** Start and end of each name in `bytes`: 2 entries per name (a SharedArrayBuffer of int32). */
  offsets: SharedArrayBuffer;
  /** Per name: 1 when not selectable (a SharedArrayBuffer of uint8). */
  noSelect: SharedArrayBuffer;
  /** Per name: 1 when a STATUS is given (a SharedArrayBuffer of uint8). */
  statusSet: SharedArrayBuffer;
  /** Per name: messages, unseen, recent, uidValidity, uidNext (a SharedArrayBuffer of uint32). */
  statusValues: SharedArrayBuffer;
  /** Separator byte. */
  separator: number;
  /** Longest component. */
  maxComponentLength: number;
  /** Most levels. */
  maxDepth: number;
  /** Largest file. */
  maxFileSize: number;
}

/** Phase 1: build the trees of some units and report their sizes. */
export interface BuildUnitsRequest {
  readonly kind: "build-units";
  /** Unit ids. */
  units: number[];
  /** For each unit, the indices of its names (into the shared names). */
  names: Int32Array[];
  /** For each unit, how many leading components its names share (the unit's root path). */
  skip: number[];
}

/** Phase 1 answer. */
export interface BuildUnitsResult {
  readonly kind: "units-built";
  /** Unit ids, as asked. */
  units: number[];
  /** Records under each unit's root (its descendants). */
  records: number[];
  /** Bytes of each unit's directories when laid out from a 4-aligned offset. */
  bytes: number[];
}

/** Phase 2: place the units and write them into the shared output. */
export interface WriteUnitsRequest {
  readonly kind: "write-units";
  /** Unit ids. */
  units: number[];
  /** Offset of each unit's first directory. */
  offsets: number[];
  /** First UID of each unit's records. */
  firstUids: number[];
  /** The list image being assembled (a SharedArrayBuffer). */
  list: SharedArrayBuffer;
  /** The attribute image being assembled (a SharedArrayBuffer). */
  attr: SharedArrayBuffer;
}

/** Phase 2 answer. */
export interface WriteUnitsResult {
  readonly kind: "units-written";
  /** Unit ids written. */
  units: number[];
}

/** What a rebuild worker offers through comlink. */
export interface RebuildWorkerApi {
  /** Receive the shared names (once). */
  init(names: SharedNames): void;
  /** Phase 1. */
  build(request: BuildUnitsRequest): BuildUnitsResult;
  /** Phase 2. */
  write(request: WriteUnitsRequest): WriteUnitsResult;
  /** Test hook: fail the way a broken worker would ("throw" or "exit"). */
  fault(how: "throw" | "exit"): void;
}

/** Store layouts the scanners read. */
export type StoreLayout = "maildir" | "fs";

/** A scan worker's answer: one share of a store. */
export interface ScanShardResult {
  readonly kind: "scan-shard";
  /** Mailboxes found, in scan order. */
  mailboxes: import("./scan_types.ts").ScannedMailbox[];
  /** What was skipped and why. */
  warnings: import("./scan_types.ts").ScanWarning[];
}

/** What a scan worker offers through comlink. */
export interface ScanWorkerApi {
  /** Scan the given top-level folders of a store. */
  scan(layout: StoreLayout, root: string, separator: string, topLevel: string[]): Promise<ScanShardResult>;
}
