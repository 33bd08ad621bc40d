/**
 * The path a sync is limited to (SPEC §4 rule 7): its components, whether
 * a name lies under it, and its record in the image.
 *
 * @module
 */
import { InvalidNameError } from "../format/errors.ts";
import { NameEncoder } from "../format/name_codec.ts";
import { compareBytes, hashBytes } from "../format/name_hash.ts";
import type { ListView } from "../image/view.ts";

/**
 * The sync path, cut into components.
 *
 * @example A path two levels deep
 * ```ts
 * import { SyncScope } from "./sync_scope.ts";
 * const scope = new SyncScope("Archive//2009", 0x2f);
 * console.log(scope.depth, scope.toString()); // 2 Archive//2009
 * ```
 */
export class SyncScope {
  /** The path's bytes. */
  readonly bytes: Uint8Array;
  /** How many components the path has (0: the whole tree). */
  readonly depth: number;
  /** Start and end of each component in {@linkcode SyncScope.bytes}. */
  private readonly comps: number[] = [];

  /**
   * @param path The sync path ("" = everything).
   * @param separator The index's separator byte.
   * @throws InvalidNameError when the path holds a NUL byte.
   */
  constructor(path: string, separator: number) {
    const encoder = new NameEncoder();
    const n = encoder.encode(path);
    this.bytes = encoder.bytes.slice(0, n);
    if (path.includes("\0")) throw new InvalidNameError(path, "the sync path contains a NUL byte");
    for (let i = 0; i < n;) {
      while (i < n && this.bytes[i] === separator) i++;
      if (i >= n) break;
      let j = i;
      while (j < n && this.bytes[j] !== separator) j++;
      this.comps.push(i, j);
      i = j;
    }
    this.depth = this.comps.length / 2;
  }

  /**
   * Whether a name's component at `level` is the path's.
   *
   * @param level Level of the component (0-based, below {@linkcode SyncScope.depth}).
   * @param b Bytes holding the name.
   * @param s Start of the component.
   * @param e End of the component.
   * @returns True when the bytes are equal.
   */
  matches(level: number, b: Uint8Array, s: number, e: number): boolean {
    return compareBytes(b, s, e, this.bytes, this.comps[2 * level], this.comps[2 * level + 1]) === 0;
  }

  /**
   * Whether a name cut into `comps` components equals the path or lies under it.
   *
   * @param b Bytes holding the name.
   * @param starts Start of each component.
   * @param ends End of each component.
   * @param comps Number of components.
   * @returns True when it is inside.
   */
  contains(b: Uint8Array, starts: Int32Array, ends: Int32Array, comps: number): boolean {
    if (comps < this.depth) return false;
    for (let k = 0; k < this.depth; k++) if (!this.matches(k, b, starts[k], ends[k])) return false;
    return true;
  }

  /**
   * The path's record in an image.
   *
   * @param view The list image.
   * @returns Its offset; 0 for the whole tree; -1 when the path is not in the image.
   */
  record(view: ListView): number {
    if (this.depth === 0) return 0;
    let dir = view.rootDir();
    let rec = 0;
    for (let k = 0; k < this.depth; k++) {
      if (dir === 0) return -1;
      const s = this.comps[2 * k], e = this.comps[2 * k + 1];
      rec = view.findInDir(dir, this.bytes, s, e, hashBytes(this.bytes, s, e));
      if (rec === 0) return -1;
      if (k < this.depth - 1) dir = view.childDir(rec);
    }
    return rec;
  }

  /**
   * The path as given.
   *
   * @returns Its text.
   */
  toString(): string {
    return new TextDecoder().decode(this.bytes);
  }
}
