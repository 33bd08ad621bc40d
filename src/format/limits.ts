/**
 * The limits on names (SPEC §9), their defaults, and the one check of a
 * name's bytes against them that syncs, full syncs and rebuilds share.
 *
 * @module
 */
import { MAX_FILE_SIZE } from "./constants.ts";
import { InvalidNameError } from "./errors.ts";
import { NameEncoder } from "./name_codec.ts";

/**
 * The limits a name must keep (SPEC §9).
 *
 * @example Limits of a strict index
 * ```ts
 * import type { TreeLimits } from "./limits.ts";
 * const limits: TreeLimits = { maxComponentLength: 64, maxDepth: 16, maxNameLength: 1024 };
 * ```
 */
export interface TreeLimits {
  /** Longest component in bytes. */
  maxComponentLength: number;
  /** Most levels in one name. */
  maxDepth: number;
  /** Longest full name in bytes (UTF-8, as reported, separators included). */
  maxNameLength: number;
}

/**
 * The limits on names and on the list file (SPEC §9).
 *
 * @example The default limits with a smaller file
 * ```ts
 * import { DEFAULT_LIMITS, type NameLimits } from "./limits.ts";
 * const limits: NameLimits = { ...DEFAULT_LIMITS, maxFileSize: 1 << 20 };
 * ```
 */
export interface NameLimits extends TreeLimits {
  /** Largest list file (at most the format's 1 GiB). */
  maxFileSize: number;
}

/**
 * The default {@linkcode NameLimits}: components of 255 bytes, 255 levels,
 * full names of 4096 bytes, and the format's 1 GiB file.
 *
 * @example The default depth
 * ```ts
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * console.log(DEFAULT_LIMITS.maxDepth); // 255
 * ```
 */
export const DEFAULT_LIMITS: Readonly<NameLimits> = Object.freeze({
  maxComponentLength: 255,
  maxDepth: 255,
  maxNameLength: 4096,
  maxFileSize: MAX_FILE_SIZE,
});

/**
 * Name and size limits with their defaults filled in.
 *
 * @param options Limits, any of them missing.
 * @returns Complete limits; the file size at most the format's 1 GiB.
 *
 * @example The defaults but a deeper tree
 * ```ts
 * import { limitsOf } from "./limits.ts";
 * console.log(limitsOf({ maxDepth: 300 }).maxComponentLength); // 255
 * ```
 */
export function limitsOf(options: Partial<NameLimits>): NameLimits {
  return {
    maxComponentLength: options.maxComponentLength ?? DEFAULT_LIMITS.maxComponentLength,
    maxDepth: options.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    maxNameLength: options.maxNameLength ?? DEFAULT_LIMITS.maxNameLength,
    maxFileSize: Math.min(options.maxFileSize ?? MAX_FILE_SIZE, MAX_FILE_SIZE),
  };
}

/** Why a name was rejected: it contains a NUL byte. */
export const INVALID_NUL = 1;
/** Why a name was rejected: nothing is left after skipping separators. */
export const INVALID_EMPTY = 2;
/** Why a name was rejected: a component is longer than the limit (detail: its length). */
export const INVALID_COMPONENT = 3;
/** Why a name was rejected: it has more levels than the limit. */
export const INVALID_DEPTH = 4;
/** Why a name was rejected: the full name is longer than the limit (detail: its length). */
export const INVALID_LENGTH = 5;

/** A problem number holds the reason below this and the detail times this. */
const DETAIL = 8;

/**
 * A name's problem as one number (no object per name): `reason + 8 * detail`,
 * with the reason one of the `INVALID_*` codes; 0 for none.
 *
 * @param reason An `INVALID_*` code.
 * @param detail The length the reason is about, else 0.
 * @returns The problem number.
 *
 * @example A component of 300 bytes
 * ```ts
 * import { DEFAULT_LIMITS, INVALID_COMPONENT, invalidNameError, nameProblemOf } from "./limits.ts";
 * console.log(invalidNameError("x", nameProblemOf(INVALID_COMPONENT, 300), DEFAULT_LIMITS).message);
 * ```
 */
export function nameProblemOf(reason: number, detail: number): number {
  return reason + DETAIL * detail;
}

/**
 * Check a name given as its UTF-8 bytes `[s, e)` against the limits: its
 * whole length, a NUL byte, empty components skipped (`a//b` is `a/b`),
 * something left, each component's length, the number of levels.
 *
 * @param b Buffer holding the name.
 * @param s First byte of the name.
 * @param e One past the last byte.
 * @param sep Separator byte.
 * @param limits Name limits.
 * @returns 0 when the index can hold the name, else its problem (see {@linkcode nameProblemOf}).
 *
 * @example A name one level too deep
 * ```ts
 * import { INVALID_DEPTH, nameProblem } from "./limits.ts";
 * const b = new TextEncoder().encode("a/b/c");
 * console.log(nameProblem(b, 0, b.length, 0x2f, { maxComponentLength: 255, maxDepth: 2, maxNameLength: 4096 }) === INVALID_DEPTH); // true
 * ```
 */
export function nameProblem(b: Uint8Array, s: number, e: number, sep: number, limits: Readonly<TreeLimits>): number {
  if (e - s > limits.maxNameLength) return nameProblemOf(INVALID_LENGTH, e - s);
  const maxComponent = limits.maxComponentLength, maxDepth = limits.maxDepth;
  let depth = 0;
  for (let i = s; i < e;) {
    while (i < e && b[i] === sep) i++;
    if (i >= e) break;
    if (depth === maxDepth) return INVALID_DEPTH;
    depth++;
    let j = i;
    while (j < e && b[j] !== sep) {
      if (b[j] === 0) return INVALID_NUL;
      j++;
    }
    if (j - i > maxComponent) return nameProblemOf(INVALID_COMPONENT, j - i);
    i = j;
  }
  return depth === 0 ? INVALID_EMPTY : 0;
}

/**
 * The error for a name with a problem: the one wording of every limit.
 *
 * @param name The name as given.
 * @param problem Its problem (from {@linkcode nameProblem} or {@linkcode nameProblemOf}).
 * @param limits The limits it was checked against.
 * @returns An {@linkcode InvalidNameError} naming the input.
 *
 * @example The error of a name with a NUL byte
 * ```ts
 * import { DEFAULT_LIMITS, INVALID_NUL, invalidNameError } from "./limits.ts";
 * console.log(invalidNameError("a\0b", INVALID_NUL, DEFAULT_LIMITS).message); // Invalid mailbox name "a\u0000b": contains a NUL byte
 * ```
 */
export function invalidNameError(name: string, problem: number, limits: Readonly<TreeLimits>): InvalidNameError {
  const reason = problem % DETAIL, detail = (problem - reason) / DETAIL;
  switch (reason) {
    case INVALID_NUL:
      return new InvalidNameError(name, "contains a NUL byte");
    case INVALID_EMPTY:
      return new InvalidNameError(name, "is empty");
    case INVALID_COMPONENT:
      return new InvalidNameError(name, `component of ${detail} bytes exceeds the limit of ${limits.maxComponentLength}`);
    case INVALID_DEPTH:
      return new InvalidNameError(name, `more than ${limits.maxDepth} levels`);
    case INVALID_LENGTH:
      return new InvalidNameError(name, `is ${detail} bytes long, more than the limit of ${limits.maxNameLength}`);
    default:
      throw new RangeError(`Unknown name problem ${problem}`);
  }
}

const nameEncoder = new NameEncoder();

/**
 * Check a name given as text against the limits, by the one check a sync's
 * `add` makes ({@linkcode nameProblem}), and give its canonical spelling:
 * its components joined by single separators, empty ones skipped (`/a//b/`
 * is `a/b`, the name a sync would give that mailbox). For names an index
 * keeps as text, such as subscriptions.
 *
 * @param name The name as given.
 * @param sep Separator byte.
 * @param limits Name limits.
 * @returns The canonical spelling (the name itself when it has no empty component).
 * @throws InvalidNameError naming the input: a NUL byte, empty, a component too long, too deep, too long, or a lone surrogate.
 *
 * @example A name with empty components
 * ```ts
 * import { checkedName, DEFAULT_LIMITS } from "./limits.ts";
 * console.log(checkedName("/Archive//2009/", 0x2f, DEFAULT_LIMITS)); // "Archive/2009"
 * ```
 */
export function checkedName(name: string, sep: number, limits: Readonly<TreeLimits>): string {
  const n = nameEncoder.encode(name);
  const b = nameEncoder.bytes;
  const problem = nameProblem(b, 0, n, sep, limits);
  if (problem !== 0) throw invalidNameError(name, problem, limits);
  let plain = b[0] !== sep && b[n - 1] !== sep;
  for (let i = 1; plain && i < n; i++) if (b[i] === sep && b[i - 1] === sep) plain = false;
  if (plain) return name;
  const sepChar = String.fromCharCode(sep);
  return name.split(sepChar).filter((c) => c !== "").join(sepChar);
}
