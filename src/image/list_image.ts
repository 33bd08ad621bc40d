/**
 * The bottom of reading a list file image (SPEC §5): the header, and every
 * directory, record, name and link read with its offset, count and size
 * checked before use. A failed check throws {@linkcode CorruptIndexError};
 * no input can make a read loop, recurse without bound or allocate without
 * bound. Walks, the full-name table and the tree check are built on it
 * (`dir_walk.ts`, `full_names.ts`, `tree_check.ts`), and `view.ts` puts them
 * together as `ListView`.
 *
 * @module
 */
import { DIR_HEADER_SIZE, MAX_NAME_SCAN, RECORD_SIZE } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { decodeHeader, type ListHeader } from "../format/header.ts";
import { hashBytes } from "../format/name_hash.ts";
import { decodeOffset } from "../format/offset.ts";
import {
  dirNextOffset,
  dirRecordCount,
  dirSize,
  recordDeleted,
  recordDirOffset,
  recordHash,
  recordNameOffset,
  recordUid,
} from "../format/record.ts";
import type { FlagSource } from "../format/types.ts";
import { ImageNames } from "./names.ts";
import type { AttrView } from "./attr_file.ts";

export type { FlagSource };
export { MAX_NAME_SCAN };

/**
 * A checked, read-only image of one list file: the reads every walk and
 * lookup is made of.
 *
 * @example Reading the header of an empty image
 * ```ts
 * import { ListImage } from "./list_image.ts";
 * import { encodeHeader } from "../format/header.ts";
 * const bytes = new Uint8Array(28);
 * encodeHeader(bytes, { fileSeq: 1, headerSize: 28, uidValidity: 7, nextUid: 1, usedSpace: 28, deletedSpace: 0 });
 * console.log(new ListImage(bytes, "/tmp/u.mlist").header.uidValidity); // 7
 * ```
 */
export class ListImage {
  /** The file image. */
  readonly bytes: Uint8Array;
  /** Path, for errors. */
  readonly file: string;
  /** The checked header. */
  readonly header: ListHeader;
  /** Little-endian view over the image. */
  readonly dv: DataView;
  /** End of the bytes readers may use: used_space. */
  readonly end: number;
  private checkedDirs: Uint32Array | undefined;
  #names: ImageNames | undefined;
  /** The attribute image read with this one, which the tree check checks too. */
  #attr: AttrView | undefined;
  /** Verdict of the tree check (`tree_check.ts`): undefined = not checked yet, null = fine. */
  treeVerdict: CorruptIndexError | null | undefined;

  /**
   * @param bytes The whole file image.
   * @param file Path, for errors.
   * @param fileSize The file's size (defaults to the image length).
   */
  constructor(bytes: Uint8Array, file: string, fileSize: number = bytes.length) {
    this.bytes = bytes;
    this.file = file;
    this.header = decodeHeader(bytes, Math.min(fileSize, bytes.length), file);
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = this.header.usedSpace;
  }

  /**
   * Name the attribute image read together with this list image (one
   * state of the index), so that the tree check checks its
   * entries against the live UIDs too.
   *
   * @param attr The attribute image, or undefined when the state has none usable.
   * @returns This view.
   *
   * @example Pair the two images of a snapshot
   * ```ts ignore
   * const list = new ListView(listBytes, paths.list).pairAttr(new AttrView(attrBytes, paths.attr));
   * ```
   */
  pairAttr(attr: AttrView | undefined): this {
    if (attr !== this.#attr) this.treeVerdict = undefined;
    this.#attr = attr;
    return this;
  }

  /** The attribute image paired with this one, if any. */
  get attr(): AttrView | undefined {
    return this.#attr;
  }


  /**
   * Take the tree as checked without walking it: for an image this process
   * produced itself from a checked one (its own commit or compression),
   * whose new UIDs all came from next_uid.
   *
   * @returns This view.
   *
   * @example The image after this process's own commit
   * ```ts ignore
   * const after = new ListView(bytes, paths.list).pairAttr(attr).trustTree();
   * ```
   */
  trustTree(): this {
    this.treeVerdict = null;
    return this;
  }

  /**
   * Follow a directory's next_offset chain to its newest copy and check it.
   *
   * @param offset Plain offset of the first copy.
   * @returns Offset of the newest copy.
   */
  resolveDir(offset: number): number {
    let off = offset;
    let checked = this.checkedDirs;
    if (checked === undefined) checked = this.checkedDirs = new Uint32Array((this.end >>> 7) + 1);
    for (;;) {
      // Each directory header is checked once per image (a bit per 4-byte offset).
      if ((off & 3) !== 0 || off >= this.end) this.checkDirAt(off);
      const bit = off >>> 2;
      if ((checked[bit >>> 5] & (1 << (bit & 31))) === 0) {
        this.checkDirAt(off);
        checked[bit >>> 5] |= 1 << (bit & 31);
      }
      const next = decodeOffset(dirNextOffset(this.dv, off));
      if (next === 0) return off;
      if (next <= off) notForward(this.file, off, next);
      off = next;
    }
  }

  private checkDirAt(off: number): void {
    checkDirPlace(this.file, this.header.headerSize, this.end, off);
    checkDirHeader(this.file, this.end, off, dirSize(this.dv, off), dirRecordCount(this.dv, off));
  }

  /**
   * Offset of the newest root directory, or 0 when the file has none.
   *
   * @returns The root directory offset or 0.
   */
  rootDir(): number {
    if (this.end <= this.header.headerSize) return 0;
    return this.resolveDir(this.header.headerSize);
  }

  /** Number of records of the (checked) directory at `dir`. */
  dirCount(dir: number): number {
    return dirRecordCount(this.dv, dir);
  }

  /**
   * Check a record's name and return its end (the NUL's position).
   *
   * @param rec Offset of the record.
   * @returns [start, end) of the name, as `end`; start is `nameStart(rec)`.
   */
  nameEnd(rec: number): number {
    const start = recordNameOffset(this.dv, rec);
    checkNameOffset(this.file, this.header.headerSize, this.end, rec, start);
    return nameEndIn(this.file, this.bytes, 0, start, Math.min(this.end, start + MAX_NAME_SCAN));
  }

  /** Checked UID word's UID of the record at `rec` (0 is rejected). */
  private uidAt(rec: number): number {
    const uid = recordUid(this.dv, rec);
    if (uid === 0) uidIsZero(this.file, rec);
    return uid;
  }

  /**
   * Offset of the newest child directory of the record at `rec`, or 0.
   *
   * @param rec Offset of a record.
   * @returns The child directory's newest copy, or 0.
   */
  childDir(rec: number): number {
    const d = decodeOffset(recordDirOffset(this.dv, rec));
    return d === 0 ? 0 : this.resolveDir(d);
  }

  /**
   * Find the record of one level's name in a directory by binary search.
   *
   * @param dir A checked directory offset.
   * @param name Buffer holding the name.
   * @param start Start of the name.
   * @param end End of the name.
   * @param hash The name's hash.
   * @returns Offset of the live record, or 0.
   */
  findInDir(dir: number, name: Uint8Array, start: number, end: number, hash: number): number {
    const count = this.dirCount(dir);
    const base = dir + DIR_HEADER_SIZE;
    let lo = 0, hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (recordHash(this.dv, base + mid * RECORD_SIZE) < hash) lo = mid + 1;
      else hi = mid;
    }
    const len = end - start;
    for (let i = lo; i < count; i++) {
      const rec = base + i * RECORD_SIZE;
      if (recordHash(this.dv, rec) !== hash) break;
      const nEnd = this.nameEnd(rec);
      const nStart = recordNameOffset(this.dv, rec);
      if (nEnd - nStart !== len) continue;
      let same = true;
      for (let k = 0; k < len; k++) {
        if (this.bytes[nStart + k] !== name[start + k]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      if (recordDeleted(this.dv, rec)) continue;
      this.uidAt(rec);
      return rec;
    }
    return 0;
  }



  /**
   * Find the record of a full name given as bytes by a binary search per
   * level, every structure on the way checked (the general path, whatever
   * the name holds).
   *
   * @param name Buffer holding the name.
   * @param length Bytes of the name.
   * @param sep Separator byte.
   * @returns Offset of the record, or 0 when not found (or the name is empty).
   *
   * @example Find a record without the table of full names
   * ```ts ignore
   * const bytes = new TextEncoder().encode("INBOX");
   * const rec = view.findRecordByLevels(bytes, bytes.length, 0x2f);
   * ```
   */
  findRecordByLevels(name: Uint8Array, length: number, sep: number): number {
    let dir = this.rootDir();
    let rec = 0;
    let i = 0;
    while (i < length) {
      while (i < length && name[i] === sep) i++;
      if (i >= length) break;
      let j = i;
      while (j < length && name[j] !== sep) j++;
      if (dir === 0) return 0;
      rec = this.findInDir(dir, name, i, j, hashBytes(name, i, j));
      if (rec === 0) return 0;
      i = j;
      if (i < length) dir = this.childDir(rec);
    }
    return rec;
  }

  /**
   * UID of the live record at `rec`.
   *
   * @param rec A record offset returned by a find.
   * @returns Its UID.
   */
  uidOf(rec: number): number {
    return this.uidAt(rec);
  }

  /**
   * The names of this image as strings, decoded on demand.
   *
   * @returns The decoder, made on first use.
   */
  get names(): ImageNames {
    return this.#names ??= new ImageNames(this.bytes, this.end);
  }
}

/**
 * The checks of a directory's place before its header is read (SPEC §5):
 * 4-byte aligned, its 12-byte header inside `[header_size, used_space)`.
 * One copy of the rule for the whole image ({@linkcode ListImage}) and the
 * directories read one by one (`lazy_list.ts`).
 *
 * @param file Path, for errors.
 * @param headerSize The header's header_size.
 * @param end used_space.
 * @param off The directory's offset.
 * @returns Nothing.
 * @throws CorruptIndexError when a check fails.
 *
 * @example A directory inside the header is refused
 * ```ts
 * import { checkDirPlace } from "./list_image.ts";
 * try { checkDirPlace("/tmp/u.mlist", 28, 100, 12); } catch (e) { console.log((e as Error).name); } // CorruptIndexError
 * ```
 */
export function checkDirPlace(file: string, headerSize: number, end: number, off: number): void {
  if (off % 4 !== 0) throw new CorruptIndexError(file, off, "directory is not 4-byte aligned");
  if (off < headerSize || off + DIR_HEADER_SIZE > end) {
    throw new CorruptIndexError(file, off, `directory offset ${off} is outside [${headerSize}, ${end})`);
  }
}

/**
 * The checks of a directory's header (SPEC §5): `count ≤ size/16`,
 * `dir_size ≥ 12 + 16·count`, the directory inside used_space.
 *
 * @param file Path, for errors.
 * @param end used_space.
 * @param off The directory's offset (placed by {@linkcode checkDirPlace}).
 * @param size Its dir_size.
 * @param count Its count.
 * @returns Nothing.
 * @throws CorruptIndexError when a check fails.
 *
 * @example A dir_size too small for its records
 * ```ts
 * import { checkDirHeader } from "./list_image.ts";
 * try { checkDirHeader("/tmp/u.mlist", 1000, 28, 12, 1); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function checkDirHeader(file: string, end: number, off: number, size: number, count: number): void {
  if (count > (end - off - DIR_HEADER_SIZE) / RECORD_SIZE) {
    throw new CorruptIndexError(file, off, `count ${count} exceeds file size`);
  }
  if (size < DIR_HEADER_SIZE + RECORD_SIZE * count) {
    throw new CorruptIndexError(file, off, `dir_size ${size} is smaller than 12 + 16·${count}`);
  }
  if (size > end - off) throw new CorruptIndexError(file, off, `dir_size ${size} runs past used_space ${end}`);
}

/**
 * Refuse a next_offset link that does not point forward (SPEC §2.2).
 *
 * @param file Path, for errors.
 * @param off The directory holding the link.
 * @param next Where the link points.
 * @returns Never.
 * @throws CorruptIndexError always.
 *
 * @example A link back to an earlier offset
 * ```ts
 * import { notForward } from "./list_image.ts";
 * try { notForward("/tmp/u.mlist", 64, 28); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function notForward(file: string, off: number, next: number): never {
  throw new CorruptIndexError(file, off, `next_offset ${next} does not point forward`);
}

/**
 * Refuse a live record whose UID is 0 (SPEC §5).
 *
 * @param file Path, for errors.
 * @param rec The record's offset.
 * @returns Never.
 * @throws CorruptIndexError always.
 *
 * @example A record whose UID is 0
 * ```ts
 * import { uidIsZero } from "./list_image.ts";
 * try { uidIsZero("/tmp/u.mlist", 40); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function uidIsZero(file: string, rec: number): never {
  throw new CorruptIndexError(file, rec + 4, "uid is 0");
}

/**
 * The check of a record's name_offset (SPEC §5): inside `[header_size, used_space)`.
 *
 * @param file Path, for errors.
 * @param headerSize The header's header_size.
 * @param end used_space.
 * @param rec The record's offset.
 * @param start Its name_offset.
 * @returns Nothing.
 * @throws CorruptIndexError when the name lies outside.
 *
 * @example A name past used_space
 * ```ts
 * import { checkNameOffset } from "./list_image.ts";
 * try { checkNameOffset("/tmp/u.mlist", 28, 100, 40, 100); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function checkNameOffset(file: string, headerSize: number, end: number, rec: number, start: number): void {
  if (start < headerSize || start >= end) {
    throw new CorruptIndexError(file, rec + 8, `name_offset ${start} is outside the used space`);
  }
}

/**
 * The end of a name (the offset of its NUL), checked (SPEC §5): NUL-terminated
 * before `limit`, not empty.
 *
 * @param file Path, for errors.
 * @param bytes Bytes holding the name; file offset `o` is at index `o - delta`.
 * @param delta File offset of `bytes[0]`.
 * @param start File offset of the name.
 * @param limit File offset the NUL must come before (what `bytes` holds may end there).
 * @returns File offset of the NUL.
 * @throws CorruptIndexError when there is no NUL before `limit` or the name is empty.
 *
 * @example The end of "INBOX"
 * ```ts
 * import { nameEndIn } from "./list_image.ts";
 * console.log(nameEndIn("/tmp/u.mlist", new TextEncoder().encode("INBOX\0"), 100, 100, 106)); // 105
 * ```
 */
export function nameEndIn(file: string, bytes: Uint8Array, delta: number, start: number, limit: number): number {
  let nul = start - delta;
  const lim = limit - delta;
  while (nul < lim && bytes[nul] !== 0) nul++;
  if (nul >= lim) throw new CorruptIndexError(file, start, `name is not NUL-terminated within ${limit - start} bytes`);
  if (nul === start - delta) throw new CorruptIndexError(file, start, "name is empty");
  return nul + delta;
}
