/**
 * What a commit writes: the plan a sync computes before any byte is written
 * (`index/sync.ts`) and the writer applies all-or-nothing (`writer.ts`).
 *
 * @module
 */
import type { ChangeBatchBuilder } from "../format/change_log.ts";
import type { ListHeader } from "../format/header.ts";

/**
 * Everything a commit changes, computed before any byte is written.
 *
 * @example A plan that changes nothing
 * ```ts
 * import type { CommitPlan } from "./commit_plan.ts";
 * const plan: CommitPlan = {
 *   changed: false,
 *   header: { fileSeq: 1, headerSize: 28, uidValidity: 7, nextUid: 1, usedSpace: 28, deletedSpace: 0 },
 *   appendOffset: 28,
 *   append: new Uint8Array(0),
 *   listPatches: [],
 *   attr: { kind: "patch", appendOffset: 0, append: new Uint8Array(0), patches: [] },
 *   added: 0,
 *   deleted: 0,
 *   maxFileSize: 1 << 30,
 * };
 * console.log(plan.changed); // false
 * ```
 */
export interface CommitPlan {
  /** Whether anything changes at all. */
  changed: boolean;
  /** The new list header. */
  header: ListHeader;
  /** Where the appended directories start (aligned old used space). */
  appendOffset: number;
  /** The appended directories (may be empty). */
  append: Uint8Array;
  /** In-place changes of the list file, the header included. */
  listPatches: { offset: number; bytes: Uint8Array }[];
  /** Attribute changes: appended entries + in-place patches, or a whole new image. */
  attr:
    | { kind: "patch"; appendOffset: number; append: Uint8Array; patches: { offset: number; bytes: Uint8Array }[] }
    | { kind: "replace"; image: Uint8Array };
  /**
   * A whole new subscriptions file, written as `.new` and renamed through
   * the same journal record (undefined: the subscriptions do not change).
   */
  subs?: Uint8Array;
  /** The commit's changes for the change log (SPEC §13; undefined: an empty batch). */
  changes?: ChangeBatchBuilder;
  /** Number of mailboxes added. */
  added: number;
  /** Number of mailboxes deleted. */
  deleted: number;
  /** The list file may not grow past this size. */
  maxFileSize: number;
  /** The largest old directory copy the commit replaces, in bytes (0: none), for amortised compression. */
  largestCopy?: number;
}
