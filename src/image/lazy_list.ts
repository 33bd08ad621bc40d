/**
 * {@linkcode LazyList}: lookups in a list file that is read piece by piece
 * (SPEC §5) — the header, then only the directories on a name's path (each
 * directory's newest copy in one positioned read, the older copies of its
 * chain by their headers) and the names they point to outside themselves.
 * So an index opened for a few lookups reads a few kilobytes, whatever its
 * size. Every directory, record, name and link is checked with the same
 * rules as a whole image (`list_image.ts`: {@linkcode checkDirPlace},
 * {@linkcode checkDirHeader}, {@linkcode nameEndIn}, ...), and every UID a
 * lookup answers is checked against the header's next_uid.
 *
 * The bytes come from a {@linkcode ByteSource} given by the caller, which
 * owns the file and tells whether the bytes read still belong to the state
 * whose header was read (`index/lazy_snapshot.ts`).
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
import { checkUidBelow } from "../format/uid_check.ts";
import { checkDirHeader, checkDirPlace, checkNameOffset, nameEndIn, notForward, uidIsZero } from "./list_image.ts";

/**
 * Reads `length` bytes at file offset `position` (fewer only at the end of the file).
 *
 * @example Positioned reads of an open file
 * ```ts ignore
 * const source: ByteSource = (position, length) => {
 *   const b = new Uint8Array(length);
 *   return b.subarray(0, readFully(io, fd, b, 0, length, position));
 * };
 * ```
 */
export type ByteSource = (position: number, length: number) => Uint8Array;

/** Bytes per block of a directory: read one by one as the binary search needs them. */
const BLOCK = 4096;
/** Records in a directory's first block, after its 12-byte header (the block is 4 bytes short, so that every block holds whole records). */
const FIRST_RECORDS = (BLOCK - 4 - DIR_HEADER_SIZE) / RECORD_SIZE;
/** Records in each later block. */
const RECORDS_PER_BLOCK = BLOCK / RECORD_SIZE;
/** Bytes read at a name outside the blocks read before the whole scan limit. */
const NAME_READ = 256;

/**
 * A directory's newest copy, read in blocks as they are needed: block 0 is
 * the first `BLOCK - 4` bytes (the header and {@linkcode FIRST_RECORDS}
 * records), block k ≥ 1 the {@linkcode BLOCK} bytes from `k·BLOCK − 4`, so
 * that no record straddles two blocks.
 */
interface DirBlocks {
  base: number;
  size: number;
  blocks: (DataView | undefined)[];
}

/** Where block `k` of a directory starts, in bytes from the directory. */
function blockStart(k: number): number {
  return k === 0 ? 0 : k * BLOCK - 4;
}

/** The block holding record `i` of a directory. */
function blockOfRecord(i: number): number {
  return i < FIRST_RECORDS ? 0 : 1 + Math.floor((i - FIRST_RECORDS) / RECORDS_PER_BLOCK);
}

/** The block holding byte `rel` of a directory. */
function blockOf(rel: number): number {
  return rel < BLOCK - 4 ? 0 : 1 + ((rel - (BLOCK - 4)) >>> 12);
}

/**
 * Lookups by name in a list file read on demand.
 *
 * @example Look a name up in a file read through positioned reads
 * ```ts ignore
 * const lazy = new LazyList(head, size, path, (pos, len) => readAt(fd, pos, len));
 * const uid = lazy.findUid(new TextEncoder().encode("INBOX/Sent"), 10, 0x2f);
 * ```
 */
export class LazyList {
  /** The checked header. */
  readonly header: ListHeader;
  /** Path, for errors. */
  readonly file: string;
  /** End of the bytes readers may use: used_space. */
  readonly end: number;
  /** Positioned reads made so far. */
  reads = 0;
  /** Bytes read so far. */
  bytesRead = 0;
  readonly #source: ByteSource;
  /** The newest copy of each directory read, by the offset its link points at. */
  readonly #dirs = new Map<number, DirBlocks>();
  /** Offset of the record {@linkcode LazyList.#record} found, in its block. */
  #at = 0;

  /**
   * @param head The file's first bytes (at least the header).
   * @param fileSize The file's size.
   * @param file Path, for errors.
   * @param source Where the rest of the bytes come from.
   * @throws CorruptIndexError for a bad header.
   */
  constructor(head: Uint8Array, fileSize: number, file: string, source: ByteSource) {
    this.header = decodeHeader(head, fileSize, file);
    this.file = file;
    this.end = this.header.usedSpace;
    this.#source = source;
  }

  #read(position: number, length: number): Uint8Array {
    const b = this.#source(position, length);
    this.reads++;
    this.bytesRead += b.length;
    if (b.length < length) {
      throw new CorruptIndexError(this.file, position, `file ends before offset ${position + length} (used_space ${this.end})`);
    }
    return b;
  }

  /** Block `k` of a directory, read now if it was not. */
  #block(dir: DirBlocks, k: number): DataView {
    const known = dir.blocks[k];
    if (known !== undefined) return known;
    const at = blockStart(k);
    const b = this.#read(dir.base + at, Math.min(blockStart(k + 1), dir.size) - at);
    return dir.blocks[k] = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** The block holding record `i` of a directory, read if needed; `#at` is the record's offset in it. */
  #record(dir: DirBlocks, i: number): DataView {
    if (i < FIRST_RECORDS) {
      this.#at = DIR_HEADER_SIZE + i * RECORD_SIZE;
      return dir.blocks[0]!;
    }
    const k = blockOfRecord(i);
    this.#at = (i - FIRST_RECORDS - (k - 1) * RECORDS_PER_BLOCK) * RECORD_SIZE;
    return dir.blocks[k] ?? this.#block(dir, k);
  }

  /** The newest copy of the directory whose chain starts at `offset`, its header read and checked. */
  #dir(offset: number): DirBlocks {
    const known = this.#dirs.get(offset);
    if (known !== undefined) return known;
    const file = this.file, end = this.end;
    let off = offset;
    for (;;) {
      checkDirPlace(file, this.header.headerSize, end, off);
      const bytes = this.#read(off, Math.min(end - off, BLOCK));
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const size = dirSize(dv, 0);
      checkDirHeader(file, end, off, size, dirRecordCount(dv, 0));
      const next = decodeOffset(dirNextOffset(dv, 0));
      if (next !== 0) {
        // Links point forward: the chain ends within used_space.
        if (next <= off) notForward(file, off, next);
        off = next;
        continue;
      }
      // A directory smaller than a block keeps only its own bytes.
      const kept = size < bytes.length ? bytes.slice(0, size) : bytes;
      const first = new DataView(kept.buffer, kept.byteOffset, Math.min(size, BLOCK - 4, kept.length));
      const dir: DirBlocks = { base: off, size, blocks: [first] };
      this.#dirs.set(offset, dir);
      return dir;
    }
  }

  /** The offset of the NUL ending the name at `start` of the record at file offset `rec` in `dir`, checked; `out` gets the bytes holding it. */
  #nameEnd(dir: DirBlocks, rec: number, start: number, out: { bytes: Uint8Array; delta: number }): number {
    const file = this.file;
    checkNameOffset(file, this.header.headerSize, this.end, rec, start);
    const limit = Math.min(this.end, start + MAX_NAME_SCAN);
    // A name in a block already read, its NUL in the same block: no read.
    const rel = start - dir.base;
    const k = rel >= 0 && rel < dir.size ? blockOf(rel) : -1;
    const dv = k >= 0 ? dir.blocks[k] : undefined;
    if (dv !== undefined) {
      const b = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
      const from = dir.base + blockStart(k);
      let p = start - from;
      while (p < b.length && b[p] !== 0) p++;
      if (p < b.length || from + b.length >= limit) {
        out.bytes = b;
        out.delta = from;
        return nameEndIn(file, b, from, start, Math.min(limit, from + b.length));
      }
    }
    let bytes = this.#read(start, Math.min(limit - start, NAME_READ));
    let p = 0;
    while (p < bytes.length && bytes[p] !== 0) p++;
    if (p === bytes.length && bytes.length < limit - start) bytes = this.#read(start, limit - start);
    out.bytes = bytes;
    out.delta = start;
    // The NUL is in what was read, or what was read reaches the scan limit.
    return nameEndIn(file, bytes, start, start, start + bytes.length);
  }

  /** The number of the record of one level's name in a directory, or -1 (as `ListImage.findInDir`). */
  #find(dir: DirBlocks, name: Uint8Array, start: number, end: number, hash: number): number {
    const count = dirRecordCount(dir.blocks[0]!, 0);
    let lo = 0, hi = count;
    if (count > FIRST_RECORDS) {
      // Hashes are spread evenly: the block where this one would be, read first, usually
      // bounds the search (probes that keep the binary search's invariant, nothing more).
      const k = blockOfRecord(Math.min(count - 1, Math.floor(count * (hash / 4294967296))));
      const first = k === 0 ? 0 : FIRST_RECORDS + (k - 1) * RECORDS_PER_BLOCK;
      const last = Math.min(count, FIRST_RECORDS + k * RECORDS_PER_BLOCK) - 1;
      if (recordHash(this.#record(dir, first), this.#at) < hash) {
        lo = first + 1;
        if (recordHash(this.#record(dir, last), this.#at) < hash) lo = last + 1;
        else hi = last;
      } else hi = first;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (recordHash(this.#record(dir, mid), this.#at) < hash) lo = mid + 1;
      else hi = mid;
    }
    const len = end - start;
    const at = { bytes: new Uint8Array(0), delta: 0 };
    for (let i = lo; i < count; i++) {
      const dv = this.#record(dir, i), rec = this.#at;
      if (recordHash(dv, rec) !== hash) break;
      const nStart = recordNameOffset(dv, rec);
      const fileRec = dir.base + DIR_HEADER_SIZE + i * RECORD_SIZE;
      const nEnd = this.#nameEnd(dir, fileRec, nStart, at);
      if (nEnd - nStart !== len) continue;
      const b = at.bytes, s = nStart - at.delta;
      let same = true;
      for (let x = 0; x < len; x++) {
        if (b[s + x] !== name[start + x]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      if (recordDeleted(dv, rec)) continue;
      if (recordUid(dv, rec) === 0) uidIsZero(this.file, fileRec);
      return i;
    }
    return -1;
  }

  /**
   * The UID of a full name given as bytes: a binary search per level, each
   * directory on the way read once and checked (as
   * `ListImage.findRecordByLevels`), the UID checked against next_uid.
   *
   * @param name Buffer holding the name.
   * @param length Bytes of the name.
   * @param sep Separator byte.
   * @returns The UID, or 0 when the name is not in the file (or is empty).
   * @throws CorruptIndexError for a damaged structure on the way, or a UID not below next_uid.
   *
   * @example Look a name up
   * ```ts ignore
   * const bytes = new TextEncoder().encode("INBOX");
   * console.log(lazy.findUid(bytes, bytes.length, 0x2f));
   * ```
   */
  findUid(name: Uint8Array, length: number, sep: number): number {
    const h = this.header;
    let dir = this.end <= h.headerSize ? undefined : this.#dir(h.headerSize);
    let rec = -1;
    let owner: DirBlocks | undefined;
    let i = 0;
    while (i < length) {
      while (i < length && name[i] === sep) i++;
      if (i >= length) break;
      let j = i;
      while (j < length && name[j] !== sep) j++;
      if (dir === undefined) return 0;
      rec = this.#find(dir, name, i, j, hashBytes(name, i, j));
      if (rec < 0) return 0;
      owner = dir;
      i = j;
      if (i < length) {
        const d = decodeOffset(recordDirOffset(this.#record(dir, rec), this.#at));
        dir = d === 0 ? undefined : this.#dir(d);
      }
    }
    if (owner === undefined) return 0;
    const uid = recordUid(this.#record(owner, rec), this.#at);
    checkUidBelow(uid, h.nextUid, this.file);
    return uid;
  }
}
