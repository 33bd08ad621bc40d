/**
 * The depth-first walk of a list image's directories (SPEC §5), resumable
 * and batched: each call fills parallel arrays with the next live records
 * (full name, UID, whether it has live children, flags), so that callers
 * iterate without a generator step or an object per record inside the walk.
 * Every offset is checked before use, and a budget of record visits stops
 * shared or cyclic links in a hostile file. A walk starts with the image's
 * one tree check ({@linkcode checkTree}, kept per image), so that
 * a file that lies (a repeated UID, a shared directory) is refused before
 * any name is paired with a UID.
 *
 * @module
 */
import { DELETED_BIT, DIR_HEADER_SIZE, MAX_NAME_SCAN, RECORD_SIZE, UID_MASK } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { recordDeleted, recordNameOffset, recordUidWord } from "../format/record.ts";
import type { ImageNames } from "./names.ts";
import type { FlagSource } from "../format/types.ts";
import { checkNameOffset, type ListImage, nameEndIn, uidIsZero } from "./list_image.ts";
import { checkTree } from "./tree_check.ts";

/** Records per batch. */
export const WALK_BATCH = 512;


/**
 * A resumable depth-first walk under one directory.
 *
 * @example Counting the mailboxes of an image
 * ```ts ignore
 * const walk = new DirWalk(view, view.rootDir(), "", Infinity, { flagsOf: () => 0 }, "/");
 * let total = 0;
 * for (let n = walk.fill(); n > 0; n = walk.fill()) total += n;
 * ```
 */
export class DirWalk {
  /** Full names of the last batch. */
  readonly names: string[] = new Array(WALK_BATCH).fill("");
  /** UIDs of the last batch. */
  readonly uids: Int32Array = new Int32Array(WALK_BATCH);
  /** 1 where the mailbox has a live child, per entry of the last batch. */
  readonly children: Uint8Array = new Uint8Array(WALK_BATCH);
  /** Flags of the last batch. */
  readonly flags: Int32Array = new Int32Array(WALK_BATCH);
  /** Level of each entry of the last batch under the start (0 = the start's own records). */
  readonly levels: Int32Array = new Int32Array(WALK_BATCH);

  readonly #view: ListImage;
  readonly #text: ImageNames;
  readonly #depth: number;
  readonly #flagSource: FlagSource;
  readonly #sep: string;
  /** Per open directory, the offset of its next record and the end of its records. */
  #next = new Int32Array(64);
  #ends = new Int32Array(64);
  /** Per open directory, its owner's full name and the separator ("" at the root). */
  readonly #prefixes: string[] = [];
  #top = -1;
  #budget: number;

  /**
   * @param view The checked image.
   * @param startDir Directory to start in (0 = nothing).
   * @param prefix Full name of the directory's owner ("" for the root).
   * @param depth 0 = only this directory's records; Infinity = all.
   * @param flags Where flags come from.
   * @param separator Separator used to join names.
   */
  constructor(
    view: ListImage,
    startDir: number,
    prefix: string,
    depth: number,
    flags: FlagSource,
    separator: string,
  ) {
    // A walk answers with names and UIDs together: a lying tree must not pair them wrongly.
    checkTree(view);
    this.#view = view;
    this.#text = view.names;
    this.#depth = depth;
    this.#flagSource = flags;
    this.#sep = separator;
    this.#budget = 2 * Math.floor(view.end / RECORD_SIZE) + 1024;
    if (startDir !== 0) {
      this.#top = 0;
      this.#next[0] = startDir + DIR_HEADER_SIZE;
      this.#ends[0] = startDir + DIR_HEADER_SIZE + view.dirCount(startDir) * RECORD_SIZE;
      this.#prefixes.push(prefix === "" ? "" : prefix + separator);
    }
  }

  #corrupt(offset: number, check: string): never {
    throw new CorruptIndexError(this.#view.file, offset, check);
  }

  /**
   * Walk on until the batch is full or the walk ends.
   *
   * @returns How many entries the batch holds (0 once the walk is over).
   */
  fill(): number {
    const view = this.#view, dv = view.dv, b = view.bytes, text = this.#text;
    const end = view.end, low = view.header.headerSize, sep = this.#sep;
    const names = this.names, uids = this.uids, kids = this.children, fl = this.flags, levels = this.levels;
    const flagSource = this.#flagSource, prefixes = this.#prefixes, depth = this.#depth;
    let next = this.#next, ends = this.#ends;
    let top = this.#top, budget = this.#budget, n = 0;
    while (top >= 0 && n < WALK_BATCH) {
      const rec = next[top];
      if (rec >= ends[top]) {
        top--;
        prefixes.pop();
        continue;
      }
      next[top] = rec + RECORD_SIZE;
      if (--budget < 0) this.#corrupt(rec, "directory links form a cycle or are shared");
      const word = recordUidWord(dv, rec);
      if ((word & DELETED_BIT) !== 0) continue;
      // The live record's UID, checked like ListImage.uidOf.
      const uid = word & UID_MASK;
      if (uid === 0) uidIsZero(view.file, rec);
      // The name: checked like ListImage.nameEnd (the same rules on failure), noting whether it is ASCII.
      const start = recordNameOffset(dv, rec);
      if (start < low || start >= end) checkNameOffset(view.file, low, end, rec, start);
      const limit = Math.min(end, start + MAX_NAME_SCAN);
      let p = start, any = 0;
      for (; p < limit; p++) {
        const x = b[p];
        if (x === 0) break;
        any |= x;
      }
      // No NUL, or an empty name: the error of the one check of a name.
      if (p >= limit || p === start) nameEndIn(view.file, b, 0, start, limit);
      budget -= (p - start) >> 4;
      const component = any < 0x80 ? text.ascii(start, p) : text.utf8(start, p);
      // The owner's name with the separator already appended: one concatenation per name.
      const base = prefixes[top];
      const name = base === "" ? component : base + component;
      const child = view.childDir(rec);
      let hasChildren = false;
      if (child !== 0) {
        const count = view.dirCount(child);
        for (let k = 0, r = child + DIR_HEADER_SIZE; k < count; k++, r += RECORD_SIZE) {
          if (!recordDeleted(dv, r)) {
            hasChildren = true;
            break;
          }
          if (--budget < 0) this.#corrupt(r, "directory links form a cycle or are shared");
        }
      }
      names[n] = name;
      uids[n] = uid;
      kids[n] = hasChildren ? 1 : 0;
      fl[n] = flagSource.flagsOf(uid);
      levels[n] = top;
      n++;
      if (hasChildren && top < depth) {
        if (++top === next.length) {
          const x = new Int32Array(next.length * 2), e = new Int32Array(next.length * 2);
          x.set(next);
          e.set(ends);
          next = this.#next = x;
          ends = this.#ends = e;
        }
        next[top] = child + DIR_HEADER_SIZE;
        ends[top] = child + DIR_HEADER_SIZE + view.dirCount(child) * RECORD_SIZE;
        prefixes.push(name + sep);
      }
    }
    this.#top = top;
    this.#budget = budget;
    return n;
  }
}
