/**
 * Reading a list file image (SPEC §5): {@linkcode ListView} puts the checked
 * reads of `list_image.ts` together with the walks (`dir_walk.ts`), the
 * table of full names (`full_names.ts`) and the one check of the whole tree
 * (`tree_check.ts`) that readers and writers rely on.
 *
 * @module
 */
import { CorruptIndexError } from "../format/errors.ts";
import type { MailboxInfo } from "../format/types.ts";
import { DirWalk } from "./dir_walk.ts";
import { FullNameTable } from "./full_names.ts";
import { type FlagSource, ListImage, MAX_NAME_SCAN } from "./list_image.ts";
import { checkTree } from "./tree_check.ts";

export type { FlagSource };
export { MAX_NAME_SCAN };

/** After this many lookups on one image, its {@linkcode FullNameTable} answers them. */
const TABLE_AFTER = 2048;

const NO_FLAGS: FlagSource = { flagsOf: () => 0 };

/**
 * A checked, read-only view of one list file image.
 *
 * @example Listing an image
 * ```ts ignore
 * import { ListView } from "./view.ts";
 * const view = new ListView(bytes, "/tmp/u.mlist");
 * for (const m of view.iterate("", Infinity, { flagsOf: () => 0 }, "/")) console.log(m.name);
 * ```
 */
export class ListView extends ListImage {
  private lookups = 0;
  private table: FullNameTable | null | undefined;
  private tableSep = -1;

  /**
   * Check the whole tree once (SPEC §9, files that lie): every live UID
   * non-zero, below next_uid and used once; no directory shared by two
   * records or linked back into the tree; the paired attribute image with
   * no live entry for a UID the list does not have. The verdict is kept, so
   * later calls cost nothing. Readers that traverse the tree and writers
   * (before handing out a UID) call it; lookups per level do not need it.
   *
   * @returns Nothing.
   * @throws CorruptIndexError, the same one on every call, when the files lie.
   *
   * @example Refuse a lying image before walking it
   * ```ts ignore
   * view.checkTree();
   * for (const m of view.iterate("", Infinity, flags, "/")) console.log(m.name, m.uid);
   * ```
   */
  checkTree(): void {
    checkTree(this);
  }

  /**
   * The {@linkcode FullNameTable} of this image once it has served enough
   * lookups to pay for building it: each call before that counts as one
   * lookup and returns undefined, so that a reader doing a few lookups walks
   * the levels instead. An image the table cannot index (damaged, or see
   * {@linkcode FullNameTable.build}) is never tried again.
   *
   * @param sep Separator byte.
   * @param expected How many live records the image probably has (0 = unknown).
   * @returns The table, or undefined when lookups must walk the levels.
   *
   * @example Look a name up through the table once it exists
   * ```ts ignore
   * const table = view.fullNames(0x2f);
   * const slot = table?.findString("INBOX/Sent", DEFAULT_LIMITS);
   * ```
   */
  fullNames(sep: number, expected = 0): FullNameTable | undefined {
    let t = this.table;
    if (t === undefined) {
      // A table a sync or a check built for this image serves lookups at once.
      if (++this.lookups <= TABLE_AFTER && FullNameTable.built(this, sep) === undefined) return undefined;
      try {
        t = FullNameTable.of(this, sep, expected) ?? null;
      } catch (e) {
        if (!(e instanceof CorruptIndexError)) throw e;
        t = null;
      }
      this.table = t;
      this.tableSep = sep;
    }
    return t !== null && this.tableSep === sep ? t : undefined;
  }

  /**
   * Find the record of a full name given as bytes.
   *
   * @param name Buffer holding the name.
   * @param length Bytes of the name.
   * @param sep Separator byte.
   * @returns Offset of the record, or 0 when not found (or the name is empty).
   *
   * @example Find a record and read its UID
   * ```ts ignore
   * const bytes = new TextEncoder().encode("INBOX/Sent");
   * const rec = view.findRecord(bytes, bytes.length, 0x2f);
   * if (rec !== 0) console.log(view.uidOf(rec));
   * ```
   */
  findRecord(name: Uint8Array, length: number, sep: number): number {
    // Many lookups on one image: answer them from its table of full names.
    const table = this.fullNames(sep);
    if (table !== undefined) {
      const slot = table.findBytes(name, 0, length);
      return slot < 0 ? 0 : table.rec[table.numberAt(slot)];
    }
    return this.findRecordByLevels(name, length, sep);
  }

  /**
   * Iterate live records under a directory depth-first in on-disk order.
   *
   * @param startDir Directory to start in (0 = nothing).
   * @param prefix Full name of the directory's owner ("" for the root).
   * @param depth 0 = only this directory's records; Infinity = all.
   * @param flags Where flags come from.
   * @param separator Separator used to join names.
   * @returns A generator of mailboxes.
   */
  *iterateDir(
    startDir: number,
    prefix: string,
    depth: number,
    flags: FlagSource,
    separator: string,
  ): Generator<MailboxInfo> {
    const walk = new DirWalk(this, startDir, prefix, depth, flags, separator);
    for (let n = walk.fill(); n > 0; n = walk.fill()) {
      const names = walk.names, uids = walk.uids, kids = walk.children, fl = walk.flags;
      for (let k = 0; k < n; k++) yield { name: names[k], uid: uids[k], hasChildren: kids[k] === 1, flags: fl[k] };
    }
  }

  /**
   * A batched walk of the mailboxes under `path`.
   *
   * @param path Full name of the parent ("" = root).
   * @param depth 0 = direct children only; Infinity = all.
   * @param flags Where flags come from.
   * @param separator The index's separator.
   * @param encoded Bytes of `path`, their length and the separator byte.
   * @returns The walk (empty when `path` is not in the image).
   */
  walk(
    path: string,
    depth: number,
    flags: FlagSource,
    separator: string,
    encoded?: { bytes: Uint8Array; length: number; sep: number },
  ): DirWalk {
    const [dir, prefix] = this.#start(path, separator, encoded);
    return new DirWalk(this, dir, prefix, depth, flags, separator);
  }

  /** The directory under `path` and its canonical name ([0, ""] when there is none). */
  #start(
    path: string,
    separator: string,
    encoded?: { bytes: Uint8Array; length: number; sep: number },
  ): [number, string] {
    if (path === "" || encoded === undefined || encoded.length === 0) return [this.rootDir(), ""];
    const rec = this.findRecord(encoded.bytes, encoded.length, encoded.sep);
    if (rec === 0) return [0, ""];
    const normalized = path.split(separator).filter((c) => c !== "").join(separator);
    return [this.childDir(rec), normalized];
  }

  /**
   * Iterate the mailboxes under `path`.
   *
   * @param path Full name of the parent ("" = root).
   * @param depth 0 = direct children only; Infinity = all.
   * @param flags Where flags come from.
   * @param separator The index's separator.
   * @param encoded Bytes of `path`, their length and the separator byte.
   * @returns A generator of mailboxes.
   */
  iterate(
    path: string,
    depth: number,
    flags: FlagSource = NO_FLAGS,
    separator: string,
    encoded?: { bytes: Uint8Array; length: number; sep: number },
  ): Generator<MailboxInfo> {
    const [dir, prefix] = this.#start(path, separator, encoded);
    return this.iterateDir(dir, prefix, depth, flags, separator);
  }
}
