/**
 * The rebuild's tasks between its coordinator and its workers, as explicit
 * types ({@linkcode RebuildTasks}). Typed arrays in a request cross to the
 * worker as views of the same memory when their buffer is a
 * SharedArrayBuffer.
 *
 * @module
 */
import type { NameTable } from "./names.ts";
import type { RouteResult, SplitPlan } from "./plan.ts";
import type { TreeLimits } from "../format/limits.ts";
import type { UnitMeasure, UnitPlacement } from "./unit.ts";
import type { FaultKind, TaskWorkerApi } from "../worker/protocol.ts";

export type { FaultKind, TaskWorkerApi };

/**
 * `load`: the names every later task reads (shared memory).
 *
 * @example Giving every worker the names
 * ```ts ignore
 * await Promise.all(workers.map((w) => exec.run(w, "load", { names, separator: 0x2f, limits })));
 * ```
 */
export interface LoadRequest {
  /** The names. */
  names: NameTable;
  /** Separator byte. */
  separator: number;
  /** Name limits. */
  limits: TreeLimits;
}

/**
 * `routeChunk`: route names `[from, to)` of a table still being read, which comes with the request.
 *
 * @example The first 65,536 names, while the rest are read
 * ```ts ignore
 * await exec.run(0, "routeChunk", { names: soFar, separator: 0x2f, plan, from: 0, to: 65536, unitOf });
 * ```
 */
export interface RouteChunkRequest {
  /** The names read so far (at least `[0, to)`), in shared memory. */
  names: NameTable;
  /** Separator byte. */
  separator: number;
  /** The plan. */
  plan: SplitPlan;
  /** First name. */
  from: number;
  /** One past the last name. */
  to: number;
  /** Target per name, written for `[from, to)` (shared). */
  unitOf: Uint16Array;
  /** Test hook: fail partway. */
  fault?: FaultKind;
}

/**
 * `route`: route names `[from, to)` to their units.
 *
 * @example The first half of the names
 * ```ts ignore
 * await exec.run(0, "route", { plan, from: 0, to: names.count >>> 1, unitOf });
 * ```
 */
export interface RouteRequest {
  /** The plan. */
  plan: SplitPlan;
  /** First name. */
  from: number;
  /** One past the last name. */
  to: number;
  /** Target per name, written for `[from, to)` (shared). */
  unitOf: Uint16Array;
  /** Test hook: fail partway. */
  fault?: FaultKind;
}

/**
 * One unit to build.
 *
 * @example A unit under INBOX
 * ```ts
 * import type { UnitJob } from "./protocol.ts";
 * const job: UnitJob = { unit: 3, skip: 1, count: 41250 };
 * ```
 */
export interface UnitJob {
  /** Unit id. */
  unit: number;
  /** Depth of the unit's top directory (components its names share). */
  skip: number;
  /** Number of names routed to it. */
  count: number;
}

/**
 * `build`: build some units and measure them.
 *
 * @example Two units on one worker
 * ```ts ignore
 * const built = await exec.run(1, "build", { unitOf, units: [{ unit: 0, skip: 0, count: 900 }, { unit: 5, skip: 1, count: 1200 }] });
 * ```
 */
export interface BuildRequest {
  /** Target per name, or undefined when the one unit takes every name. */
  unitOf: Uint16Array | undefined;
  /** The units. */
  units: UnitJob[];
  /** Test hook: fail partway. */
  fault?: FaultKind;
}

/**
 * The size of one built unit.
 *
 * @example Where the sizes go
 * ```ts ignore
 * for (const m of built.units) measures[m.unit] = m;
 * ```
 */
export interface MeasuredUnit extends UnitMeasure {
  /** Unit id. */
  unit: number;
}

/**
 * Where one unit goes.
 *
 * @example Where a unit goes
 * ```ts ignore
 * const placements: PlacedUnit[] = mine.map((unit) => ({ unit, ...layout.units[unit] }));
 * ```
 */
export interface PlacedUnit extends UnitPlacement {
  /** Unit id. */
  unit: number;
}

/**
 * `write`: write built units into the output images (shared).
 *
 * @example Writing into the shared images
 * ```ts ignore
 * await exec.run(1, "write", { list, attr, placements });
 * ```
 */
export interface WriteRequest {
  /** The list file image. */
  list: Uint8Array;
  /** The attribute file image. */
  attr: Uint8Array;
  /** The units and their places. */
  placements: PlacedUnit[];
  /** Test hook: fail partway. */
  fault?: FaultKind;
}

/**
 * `scan`: scan a share of a mail store and encode what it finds into a name
 * table in shared memory, which the coordinator joins with the other
 * shares into the rebuild's names. Served by the worker entry
 * (`workers/rebuild_worker.ts`, which has the store scanners), not by
 * `RebuildWorkerState` of tasks.ts.
 *
 * @example The top-level folders "" (INBOX) and "Archive" of a Maildir++ store
 * ```ts
 * import type { ScanRequest } from "./protocol.ts";
 * const r: ScanRequest = { layout: "maildir", root: "/srv/mail/u", separator: "/", topLevel: ["", "Archive"] };
 * ```
 */
export interface ScanRequest {
  /** "maildir" (Maildir++) or "fs" (directory per folder). */
  layout: "maildir" | "fs";
  /** Store root. */
  root: string;
  /** Separator of the names. */
  separator: string;
  /** The top-level folders of the share. */
  topLevel: string[];
  /** How the store keeps its names (the scanners' `StoreNameOptions`). */
  names?: StoreScanNames;
}

/**
 * How a store keeps its names, as the rebuild's `scan` task passes it to the
 * store scanners (their `StoreNameOptions`, which this layer does not import).
 *
 * @example A store with UTF-8 names
 * ```ts
 * import type { StoreScanNames } from "./protocol.ts";
 * const names: StoreScanNames = { utf8Names: true };
 * ```
 */
export interface StoreScanNames {
  /** The store's names are UTF-8 on disk, not IMAP modified UTF-7. */
  utf8Names?: boolean;
  /**
   * Special-use attributes (RFC 6154) by full mailbox name: the scanned
   * records of those names carry their bits as `specialUse`, which the
   * share's name table keeps (`NameTable.specialUse`).
   */
  specialUse?: Record<string, string | readonly string[]>;
}

/**
 * Something the scan of a share skipped, and why (the store scanner's warning).
 *
 * @example A folder that could not be listed
 * ```ts
 * import type { ShareWarning } from "./protocol.ts";
 * const w: ShareWarning = { path: "/m/.Old", reason: 'Cannot list "/m/.Old"', folder: "Old", unread: true };
 * ```
 */
export interface ShareWarning {
  /** File system path of the skipped entry. */
  path: string;
  /** What happened. */
  reason: string;
  /** The mailbox the warning is about. */
  folder?: string;
  /** The file system error's code. */
  code?: string;
  /** True when `folder` and its sub-folders could not be read completely. */
  unread?: boolean;
}

/**
 * What the scan of a share found: its mailboxes as a name table in shared
 * memory (not selectable and STATUS in its columns), and its warnings, both
 * in scan order.
 *
 * @example Counting a share
 * ```ts ignore
 * const share: ScannedShare = await exec.run(0, "scan", request);
 * console.log(share.names.count, share.warnings.length);
 * ```
 */
export interface ScannedShare {
  /** The mailboxes. */
  names: NameTable;
  /** What was skipped and why. */
  warnings: ShareWarning[];
}

/**
 * The lines of a range (the first round, before any range is split: the
 * split writes over the newlines that tell where lines start).
 *
 * @example Two lines from byte 3 to byte 8
 * ```ts
 * import type { RangeLines } from "./protocol.ts";
 * const r: RangeLines = { start: 3, end: 8, lines: 2 };
 * ```
 */
export interface RangeLines {
  /** Where the range's first line starts. */
  start: number;
  /** Where its last line ends (its newline, or the file's size). */
  end: number;
  /** How many lines start in the range. */
  lines: number;
}

/**
 * What splitting a range found.
 *
 * @example A range of two names
 * ```ts
 * import type { SplitLines } from "./protocol.ts";
 * const r: SplitLines = { count: 2, end: 11, warnings: [] };
 * ```
 */
export interface SplitLines {
  /** Names written into `starts`. */
  count: number;
  /** One past the last name's NUL (the names of the range are moved down to its start). */
  end: number;
  /** Messages for the skipped lines, in line order. */
  warnings: string[];
}

/**
 * A byte range of a name-list file in shared memory, for the
 * `countLines` task (src/rebuild/file_ranges.ts): the lines that start in it.
 *
 * @example The first half of a file
 * ```ts ignore
 * const lines = await exec.run(0, "countLines", { bytes, size, from: 0, to: size >>> 1 });
 * ```
 */
export interface LineRangeRequest {
  /** The file's bytes (one spare byte past `size`). */
  bytes: Uint8Array;
  /** The file's size. */
  size: number;
  /** Range start. */
  from: number;
  /** Range end. */
  to: number;
}

/**
 * A byte range of a name-list file to split into names in place, for the
 * `splitLines` task (`splitRangeLines` of src/rebuild/file_ranges.ts).
 *
 * @example The second half of a file, after 1,000 lines
 * ```ts ignore
 * await exec.run(1, "splitLines", { bytes, range, linesBefore: 1000, label, starts, at: 1000 });
 * ```
 */
export interface SplitLinesRequest {
  /** The file's bytes (one spare byte past its size). */
  bytes: Uint8Array;
  /** Where the range's lines are, found before any range was split. */
  range: RangeLines;
  /** Lines that start before the range. */
  linesBefore: number;
  /** How warnings name the file. */
  label: string;
  /** Where the names' starts go (shared). */
  starts: Uint32Array;
  /** Index of the range's first name in `starts`. */
  at: number;
}

/**
 * One user of a bulk run (`bulk` task): a name, a store and its layout,
 * and the index to rebuild or sync.
 *
 * @example A Maildir++ store
 * ```ts
 * import type { BulkUser } from "./protocol.ts";
 * const u: BulkUser = { name: "alice", layout: "maildir", store: "/srv/mail/alice", index: "/srv/idx/alice.mlist" };
 * ```
 */
export interface BulkUser {
  /** The user's name, for reports. */
  name: string;
  /** "maildir" (Maildir++), "fs" (directory per folder) or "list" (a name-list file). */
  layout: "maildir" | "fs" | "list";
  /** The store root, or the name-list file. */
  store: string;
  /** The index's list file. */
  index: string;
}

/**
 * How every job of a bulk run works.
 *
 * @example A "." separator for new indexes, a fixed uid_validity
 * ```ts
 * import type { BulkJobOptions } from "./protocol.ts";
 * const o: BulkJobOptions = { separator: ".", uidValidity: 1700000000, lockTimeoutMs: 2000 };
 * ```
 */
export interface BulkJobOptions {
  /** Separator of a new index (an existing one keeps its own). */
  separator: string;
  /** uid_validity of a new index (default: seconds since the epoch). */
  uidValidity?: number;
  /** The stores' folder names are UTF-8 on disk, not IMAP modified UTF-7. */
  utf8Names?: boolean;
  /** How long to wait for an index's writer lock (default: the index's own default). */
  lockTimeoutMs?: number;
}

/**
 * `bulk`: one user's whole job, in the worker's own thread: read the store,
 * then sync the index when it exists, else rebuild it (src/rebuild/bulk_job.ts).
 * Served by the worker entry (`workers/rebuild_worker.ts`, which has the
 * store scanners), not by `RebuildWorkerState` of tasks.ts.
 *
 * @example Alice's job
 * ```ts
 * import type { BulkJobRequest } from "./protocol.ts";
 * const r: BulkJobRequest = {
 *   user: { name: "alice", layout: "list", store: "/srv/names/alice", index: "/srv/idx/alice.mlist" },
 *   options: { separator: "/" },
 * };
 * ```
 */
export interface BulkJobRequest {
  /** The user. */
  user: BulkUser;
  /** How the job works. */
  options: BulkJobOptions;
}

/**
 * What one user's job did.
 *
 * @example A rebuild of 500 mailboxes
 * ```ts
 * import type { BulkOutcome } from "./protocol.ts";
 * const o: BulkOutcome = { action: "rebuilt", mailboxes: 500, changed: true, warnings: [], ms: 12 };
 * ```
 */
export interface BulkOutcome {
  /** "rebuilt" (the index did not exist) or "synced" (a full sync of the existing one). */
  action: "rebuilt" | "synced";
  /** Mailboxes in the index afterwards. */
  mailboxes: number;
  /** Whether anything was written (a sync that changes nothing writes nothing). */
  changed: boolean;
  /** What the job warned about, in order. */
  warnings: string[];
  /** Milliseconds the job took. */
  ms: number;
}

/**
 * The tasks of a rebuild worker.
 *
 * @example Typing a call
 * ```ts
 * import type { RebuildTasks } from "./protocol.ts";
 * type BuildAnswer = RebuildTasks["build"]["response"];
 * ```
 */
export type RebuildTasks = {
  /** Take the names. */
  load: { request: LoadRequest; response: { loaded: number } };
  /** Route names to units. */
  route: { request: RouteRequest; response: RouteResult };
  /** Route names to units while the rest are still being read. */
  routeChunk: { request: RouteChunkRequest; response: RouteResult };
  /** Build and measure units. */
  build: { request: BuildRequest; response: { units: MeasuredUnit[] } };
  /** Write built units. */
  write: { request: WriteRequest; response: { written: number } };
  /** Scan a share of a store into a name table (served by the worker entry). */
  scan: { request: ScanRequest; response: ScannedShare };
  /** Count the lines of a range of a name-list file. */
  countLines: { request: LineRangeRequest; response: RangeLines };
  /** Split the lines of a range of a name-list file into names. */
  splitLines: { request: SplitLinesRequest; response: SplitLines };
  /** One user's whole job of a bulk run (served by the worker entry). */
  bulk: { request: BulkJobRequest; response: BulkOutcome };
  /** Load what a bulk job needs, before the first one (served by the worker entry). */
  bulkLoad: { request: Record<string, never>; response: { loaded: true } };
  /** Forget the names and units. */
  reset: { request: Record<string, never>; response: { reset: true } };
};

/**
 * What a rebuild worker offers through comlink.
 *
 * @example A call on a rebuild worker
 * ```ts ignore
 * const built = await pool.run(0, (api) => api.run("build", { unitOf, units }));
 * ```
 */
export type RebuildWorkerApi = TaskWorkerApi<RebuildTasks>;

