/**
 * What the checks of a list file's tree share while they walk it: the
 * file's bytes and header, the separator, and where findings go.
 *
 * @module
 */
import type { ListHeader } from "../format/header.ts";
import type { DumpDirectory } from "./dump_types.ts";
import type { Extents } from "./overlaps.ts";
import type { Problems } from "./problems.ts";
import type { CheckStats } from "./stats.ts";

/**
 * The list file under check and where its findings go. Nothing in the
 * bytes is trusted: every offset is checked against `header` before use.
 *
 * @example A scope over a file's image
 * ```ts ignore
 * const scope: ListScope = {
 *   path, bytes, dv, header, sepByte: 0x2f, separator: "/", problems, stats, extents: new Extents(),
 * };
 * ```
 */
export interface ListScope {
  /** Path of the list file, for the problems. */
  path: string;
  /** The list file's bytes. */
  bytes: Uint8Array;
  /** A view of the same bytes. */
  dv: DataView;
  /** The list file header (already decoded and checked by the reader). */
  header: ListHeader;
  /** The separator byte the attribute file records, or -1 when unknown. */
  sepByte: number;
  /** The separator as text, when known. */
  separator?: string;
  /** Where problems go. */
  problems: Problems;
  /** Figures gathered on the way. */
  stats: CheckStats;
  /** Byte ranges of the structures found. */
  extents: Extents;
  /** The directories for a dump, in the order walked; undefined when not dumping. */
  directories?: DumpDirectory[];
}

/**
 * A directory chain still to walk: where it starts and whose it is.
 *
 * @example The root directory's chain
 * ```ts
 * import type { PendingDirectory } from "./scope.ts";
 * const root: PendingDirectory = { first: 28, owner: "", ownerUid: 0, depth: 1 };
 * ```
 */
export interface PendingDirectory {
  /** Offset of the chain's first (oldest) copy. */
  first: number;
  /** Full name of the owner ("" = the root). */
  owner: string;
  /** UID of the owner (0 = the root). */
  ownerUid: number;
  /** Level of the directory's records (1 = top level). */
  depth: number;
}

/**
 * A live record's place in the tree, for the attribute checks.
 *
 * @example A parent
 * ```ts
 * import type { LiveInfo } from "./scope.ts";
 * const info: LiveInfo = { name: "Archive", hasChildren: true };
 * ```
 */
export interface LiveInfo {
  /** Its full mailbox name. */
  name: string;
  /** Whether its directory holds a live record. */
  hasChildren: boolean;
}
