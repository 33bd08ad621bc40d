/**
 * The change batch of one sync (SPEC §13), collected while the sync plans
 * its commit: renames as they are made, deletions, and every attribute
 * entry the commit writes, compared with the entry it replaces (added,
 * flags, STATUS). Names come from the sync's own tree where it has the
 * mailbox (new, moved and on the path of a new name: O(depth) each), else
 * from the image by UID, built once per image and only when needed — so a
 * partial sync that adds one mailbox stays independent of the index's size.
 *
 * @module
 */
import { ChangeBatchBuilder } from "../format/change_log.ts";
import { FLAG_BITS } from "../format/flags.ts";
import { decodeName } from "../format/name_codec.ts";
import { recordNameOffset } from "../format/record.ts";
import { STATUS_WORDS, statusToWords } from "../format/status.ts";
import type { MailboxStatus } from "../format/types.ts";
import type { AttrView } from "../image/attr_file.ts";
import { fullNameOf, numbersByUid, UidRecords } from "../image/uid_records.ts";
import { denseUids } from "../format/uid_check.ts";
import { FullNameTable } from "../image/full_names.ts";
import { N_GONE, N_MOVED, N_NEW } from "./sync_nodes.ts";
import type { SyncTree } from "./sync_tree.ts";

const wordsA = new Uint32Array(STATUS_WORDS);
const wordsB = new Uint32Array(STATUS_WORDS);

/**
 * Whether two STATUS caches differ, compared in their stored form (one
 * codec: `format/status.ts`).
 *
 * @param a One cache (undefined: none).
 * @param b The other.
 * @returns True when they differ.
 *
 * @example A new UIDNEXT is a change
 * ```ts
 * import { statusDiffers } from "./sync_changes.ts";
 * const s = { messages: 1, unseen: 0, recent: 0, uidValidity: 5, uidNext: 2 };
 * console.log(statusDiffers(s, { ...s, uidNext: 3 }), statusDiffers(s, { ...s })); // true false
 * ```
 */
export function statusDiffers(a: MailboxStatus | undefined, b: MailboxStatus | undefined): boolean {
  if (a === undefined || b === undefined) return a !== b;
  wordsA.fill(0);
  wordsB.fill(0);
  if (statusToWords(a, wordsA, 0) !== statusToWords(b, wordsB, 0)) return true;
  for (let i = 0; i < STATUS_WORDS; i++) if (wordsA[i] !== wordsB[i]) return true;
  return false;
}

/**
 * Collects one sync's changes.
 *
 * @example As the sync engine uses it
 * ```ts ignore
 * const recorder = new ChangeRecorder(tree, attr, "/");
 * recorder.entry(uid, flags, status); // for every attribute entry the commit writes
 * plan.changes = recorder.batch;
 * ```
 */
export class ChangeRecorder {
  /** The batch so far. */
  readonly batch: ChangeBatchBuilder = new ChangeBatchBuilder();
  readonly #tree: SyncTree;
  readonly #attr: AttrView | undefined;
  readonly #sep: string;
  readonly #firstNewUid: number;
  #nodeByUid: Map<number, number> | undefined;
  #tableNumbers: Int32Array | undefined;
  #nameBytes = new Uint8Array(256);
  readonly #sepByte: number;
  #moves: { from: string; to: string }[] = [];

  /**
   * @param tree The sync's tree.
   * @param attr The attribute image the sync started from (undefined: unknown, no flag or STATUS changes reported).
   * @param separator The separator.
   */
  constructor(tree: SyncTree, attr: AttrView | undefined, separator: string) {
    this.#tree = tree;
    this.#attr = attr;
    this.#sep = separator;
    this.#sepByte = separator.charCodeAt(0);
    this.#firstNewUid = tree.view.header.nextUid;
  }

  /**
   * The full name of a node as the tree has it now.
   *
   * @param id The node.
   * @returns Its full name.
   */
  nodeName(id: number): string {
    const nodes = this.#tree.nodes, view = this.#tree.view;
    let name = "";
    for (let t = id; t !== 0; t = nodes.parent[t]) {
      const rec = nodes.rec[t];
      const level = (nodes.state[t] & (N_NEW | N_MOVED)) !== 0 || rec === 0
        ? decodeName(nodes.pool, nodes.nameStart[t], nodes.nameStart[t] + nodes.nameLen[t])
        : decodeName(view.bytes, recordNameOffset(view.dv, rec), view.nameEnd(rec));
      name = t === id ? level : level + this.#sep + name;
    }
    return name;
  }

  /**
   * A rename the sync made (before the node moved: `oldName`; after: `newName`).
   *
   * @param uid The moved mailbox's UID.
   * @param oldName Its name before.
   * @param newName Its name after.
   */
  renamed(uid: number, oldName: string, newName: string): void {
    this.#moves.push({ from: oldName, to: newName });
    this.#nodeByUid = undefined;
    this.batch.add("renamed", uid, newName, 0, 0, oldName);
  }

  /**
   * Mailboxes the commit deletes (named as before it).
   *
   * @param uids Their UIDs.
   */
  deleted(uids: readonly number[]): void {
    for (const uid of uids) {
      if (this.batch.truncated) return;
      // An ASCII name goes into the batch as the image's bytes, with no string made.
      const name = this.#oldAsciiBytes(uid) ?? this.#oldName(uid);
      if (name !== undefined) this.batch.add("deleted", uid, name);
    }
  }

  /**
   * An attribute entry the commit writes: a new mailbox, or an existing
   * one whose flags or STATUS may change.
   *
   * @param uid Its UID.
   * @param flags Its new flags ({@linkcode FLAG_BITS}).
   * @param status Its new STATUS cache (undefined: none).
   * @param node The sync's node of a new mailbox (-1: an existing one).
   */
  entry(uid: number, flags: number, status: MailboxStatus | undefined, node = -1): void {
    if (this.batch.truncated) return;
    flags &= FLAG_BITS;
    if (uid >= this.#firstNewUid) {
      const name = node >= 0 ? this.nodeName(node) : this.#newName(uid);
      this.batch.add("added", uid, name, flags);
      if (status !== undefined) this.batch.add("status", uid, name, flags, 0, undefined, status);
      return;
    }
    const attr = this.#attr;
    if (attr === undefined || attr.positionOf(uid) < 0) return;
    const old = attr.flagsOf(uid) & FLAG_BITS;
    if (old !== flags) this.batch.add("flags", uid, this.#newName(uid), flags, old);
    if (status !== undefined && statusDiffers(attr.statusOf(uid), status)) {
      this.batch.add("status", uid, this.#newName(uid), flags, 0, undefined, status);
    }
  }

  /**
   * Subscription changes (names need not be mailboxes).
   *
   * @param before The names subscribed before.
   * @param after The names subscribed after.
   * @param uidOf The UID a name has after the commit (undefined: none).
   */
  subscriptions(before: ReadonlySet<string>, after: ReadonlySet<string>, uidOf: (name: string) => number | undefined): void {
    for (const name of after) if (!before.has(name)) this.batch.add("subscribed", uidOf(name) ?? 0, name);
    for (const name of before) if (!after.has(name)) this.batch.add("unsubscribed", uidOf(name) ?? 0, name);
  }

  /**
   * The name of a UID before the commit: from the image's full-name table
   * when the sync built one (its records numbered with their parents; one
   * typed array by UID), else from the image's records by UID.
   */
  #oldName(uid: number): string | undefined {
    const view = this.#tree.view;
    const table = this.#table();
    if (table === undefined) return UidRecords.of(view).nameOf(uid, this.#sep);
    const byUid = this.#tableNumbers!;
    const k = uid < byUid.length ? byUid[uid] : -1;
    return k < 0 ? undefined : fullNameOf(view, table.rec, table.parent, k, this.#sep);
  }

  /**
   * The image's full-name table when the sync built one and its UIDs are
   * dense enough for one array by UID (as in UidRecords), with that array.
   */
  #table(): FullNameTable | undefined {
    const view = this.#tree.view;
    const built = FullNameTable.built(view, this.#sepByte);
    if (built === undefined || !denseUids(view.header.nextUid, built.count)) return undefined;
    this.#tableNumbers ??= numbersByUid(built.uid, built.count, view.header.nextUid);
    return built;
  }

  /**
   * The name of a UID before the commit as the image's bytes (a view, valid
   * until the next call), when the table has it and it is ASCII, separator
   * included (so that the bytes are exactly the UTF-8 of its name as a
   * string); else undefined.
   */
  #oldAsciiBytes(uid: number): Uint8Array | undefined {
    const table = this.#sepByte < 0x80 ? this.#table() : undefined;
    if (table === undefined) return undefined;
    const byUid = this.#tableNumbers!;
    const first = uid < byUid.length ? byUid[uid] : -1;
    if (first < 0) return undefined;
    const view = this.#tree.view, bytes = view.bytes, dv = view.dv;
    let n = -1;
    for (let k = first; k >= 0; k = table.parent[k]) n += view.nameEnd(table.rec[k]) - recordNameOffset(dv, table.rec[k]) + 1;
    if (this.#nameBytes.length < n) this.#nameBytes = new Uint8Array(n * 2);
    const out = this.#nameBytes;
    let at = n;
    for (let k = first; k >= 0; k = table.parent[k]) {
      const rec = table.rec[k], s = recordNameOffset(dv, rec);
      for (let i = view.nameEnd(rec) - 1; i >= s; i--) {
        const x = bytes[i];
        if (x >= 0x80) return undefined;
        out[--at] = x;
      }
      if (at > 0) out[--at] = this.#sepByte;
    }
    return out.subarray(0, n);
  }

  /** The name of a UID after the commit. */
  #newName(uid: number): string {
    let byUid = this.#nodeByUid;
    if (byUid === undefined) {
      const nodes = this.#tree.nodes;
      byUid = this.#nodeByUid = new Map();
      // Existing records only (new ones are named from their nodes): a sync that adds a million
      // mailboxes makes no map of them.
      for (let id = 1; id < nodes.count; id++) {
        if ((nodes.state[id] & (N_GONE | N_NEW)) === 0) byUid.set(nodes.uid[id], id);
      }
    }
    const id = byUid.get(uid);
    if (id !== undefined) return this.nodeName(id);
    // Not in the tree: its name is the image's, moved by this sync's renames, in order.
    let name = this.#oldName(uid) ?? "";
    const sep = this.#sep;
    for (const { from, to } of this.#moves) {
      if (name === from) name = to;
      else if (name.startsWith(from + sep)) name = to + name.slice(from.length);
    }
    return name;
  }
}
