/**
 * The keys of the full-name table (`full_names.ts`): three lanes of a
 * multilinear hash modulo the Mersenne prime p = 2³¹ − 1 over a name's
 * canonical bytes (its components joined by one separator).
 *
 * The bytes are read in pairs, u_j = x_{2j} + 256·x_{2j+1} (the last one
 * zero-padded when the length L is odd), and lane k of a name is
 *
 *     lane_k(x) = ( Σ_{j < ⌈L/2⌉} M_k[j] · u_j  +  T_k[L] ) mod p
 *
 * with every M_k[j] (j < 2048) and T_k[L] (L ≤ 4096, the longest full name
 * the table takes: {@linkcode KEYED_BYTES}) drawn uniformly from [0, p) once
 * per process from `crypto.getRandomValues`, kept in memory and never
 * stored or shown. The bound: for two different byte strings x ≠ y of one
 * length, some pair differs, by d ∈ (−2¹⁶, 2¹⁶) \ {0}, which is invertible
 * mod p, so over the uniform M_k[j] the lane values are equal with
 * probability exactly 1/p; for different lengths T_k[L_x] − T_k[L_y] is
 * uniform and independent of everything else, again 1/p. The three lanes
 * draw independent coefficients, so two names share a key with probability
 * p⁻³ ≈ 2⁻⁹³, for any two names chosen without knowledge of the
 * coefficients. The table answers only found or not found, which reveals
 * nothing of them beyond whether a name is in the image.
 *
 * The sums are exact in doubles: a product M·u is below 2³¹·2¹⁶ = 2⁴⁷, so 32
 * of them added to a reduced sum stay below 2⁵³; the hashers reduce every
 * 32 pairs. The sum of a prefix carries on into the names below it (the
 * table hashes each record from its parent's sum), and a name's lanes only
 * add its length's T at the end.
 *
 * @module
 */
import { nameProblem, type TreeLimits } from "../format/limits.ts";

/** The prime of the lanes, 2³¹ − 1. */
export const KEY_PRIME = 0x7fffffff;
/** 1 / {@linkcode KEY_PRIME}, for the quotient of a reduction. */
const INV_PRIME = 1 / KEY_PRIME;
/**
 * The longest full name, in bytes, the table keys (the default limit): an
 * image with a longer name is not indexed, and a longer name is not in a table.
 *
 * @example The default limit of a full name
 * ```ts
 * import { KEYED_BYTES } from "./full_name_keys.ts";
 * console.log(KEYED_BYTES); // 4096
 * ```
 */
export const KEYED_BYTES = 4096;
/** Lanes per key. */
export const LANES = 3;

/** Uniform values in [0, p), `n` of them, from the system's random source. */
function uniform(n: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(n);
  const raw = new Uint32Array(4096);
  let have = 0, at = raw.length;
  while (have < n) {
    if (at === raw.length) {
      crypto.getRandomValues(raw);
      at = 0;
    }
    // 31 random bits, uniform on [0, 2³¹): dropping 2³¹ − 1 leaves [0, p) uniform.
    const v = raw[at++] & 0x7fffffff;
    if (v !== KEY_PRIME) out[have++] = v;
  }
  return out;
}

/** The coefficients of one table: per pair j, `M[3j + k]`; per length L, `T[3L + k]`. */
export interface KeyCoefficients {
  /** M_k[j] at index 3j + k, for pairs j < {@linkcode KEYED_BYTES} / 2. */
  readonly pairs: Float64Array;
  /**
   * The same per byte q, at index 3q + k: M_k[q/2] for an even q, 256 · M_k[(q−1)/2]
   * for an odd one (the sums are the same, a byte at a time; a product stays below 2⁴⁷).
   */
  readonly bytes: Float64Array;
  /** T_k[L] at index 3L + k, for lengths L ≤ {@linkcode KEYED_BYTES}. */
  readonly lengths: Float64Array;
}

/** The coefficients per byte of pair coefficients. */
function perByte(pairs: Float64Array): Float64Array<ArrayBuffer> {
  const out = new Float64Array(pairs.length * 2);
  for (let j = 0; j < pairs.length / LANES; j++) {
    for (let k = 0; k < LANES; k++) {
      out[6 * j + k] = pairs[3 * j + k];
      out[6 * j + 3 + k] = pairs[3 * j + k] * 256;
    }
  }
  return out;
}

const REAL_PAIRS = uniform(LANES * (KEYED_BYTES >>> 1));
const REAL: KeyCoefficients = {
  pairs: REAL_PAIRS,
  bytes: perByte(REAL_PAIRS),
  lengths: uniform(LANES * (KEYED_BYTES + 1)),
};
/** Keys that depend on the length only: every name of one length shares one key. */
const DEGENERATE: KeyCoefficients = {
  pairs: new Float64Array(REAL.pairs.length),
  bytes: new Float64Array(REAL.bytes.length),
  lengths: REAL.lengths,
};
let current = REAL;

/**
 * The coefficients a table built now uses.
 *
 * @returns The process's coefficients (all pair coefficients 0 while {@linkcode degenerateKeysForTests} is on).
 *
 * @example One table of coefficients per process
 * ```ts
 * import { currentCoefficients, KEYED_BYTES } from "./full_name_keys.ts";
 * console.log(currentCoefficients().lengths.length === 3 * (KEYED_BYTES + 1)); // true
 * ```
 */
export function currentCoefficients(): KeyCoefficients {
  return current;
}

/**
 * Make every key depend on the length of the name only, so that names of
 * one length share keys, for tests of what happens when keys collide: a
 * table is then not built for an image with two names of one length. A
 * table keeps the keys it was built with. Never call it outside tests.
 *
 * @param on True to make keys collide, false for the real keys.
 * @returns Nothing.
 *
 * @example Build a table while names of one length share keys
 * ```ts ignore
 * degenerateKeysForTests(true);
 * try {
 *   console.log(FullNameTable.build(view, 0x2f)); // undefined when two names have one length
 * } finally {
 *   degenerateKeysForTests(false);
 * }
 * ```
 */
export function degenerateKeysForTests(on: boolean): void {
  current = on ? DEGENERATE : REAL;
}

/**
 * A sum of products reduced to below 2 · {@linkcode KEY_PRIME} in magnitude,
 * congruent to it mod p: room for 32 more pair products before 2⁵³.
 *
 * @param s A non-negative integer below 2⁵³ (or a partly reduced one).
 * @returns A congruent integer in (−p, 2p).
 *
 * @example Reduce a sum
 * ```ts
 * import { KEY_PRIME, partReduce } from "./full_name_keys.ts";
 * const r = partReduce(2 ** 52 + 5);
 * console.log(((r % KEY_PRIME) + KEY_PRIME) % KEY_PRIME === (2 ** 52 + 5) % KEY_PRIME); // true
 * ```
 */
export function partReduce(s: number): number {
  return s - Math.floor(s * INV_PRIME) * KEY_PRIME;
}

/**
 * The canonical residue mod p of a sum.
 *
 * @param s An integer of magnitude below 2⁵³.
 * @returns The residue in [0, p).
 *
 * @example A lane's value
 * ```ts
 * import { KEY_PRIME, reduce } from "./full_name_keys.ts";
 * console.log(reduce(KEY_PRIME + 3), reduce(-1) === KEY_PRIME - 1); // 3 true
 * ```
 */
export function reduce(s: number): number {
  const r = s - Math.floor(s * INV_PRIME) * KEY_PRIME;
  return (r < 0 ? r + KEY_PRIME : r >= KEY_PRIME ? r - KEY_PRIME : r) | 0;
}

/**
 * Whether bytes `[s, e)` are a name the build would take (see
 * {@linkcode nameProblem}): not empty, no NUL, within the limits.
 *
 * @param b Buffer holding the name.
 * @param s First byte of the name.
 * @param e One past the last byte.
 * @param sep Separator byte.
 * @param limits Name limits.
 * @returns True when the name can be looked up whole in a full-name table.
 *
 * @example Check an encoded name
 * ```ts
 * import { plainBytes } from "./full_name_keys.ts";
 * const bytes = new TextEncoder().encode("Entwürfe/2009");
 * console.log(plainBytes(bytes, 0, bytes.length, 0x2f, { maxComponentLength: 255, maxDepth: 255, maxNameLength: 4096 })); // true
 * ```
 */
export function plainBytes(b: Uint8Array, s: number, e: number, sep: number, limits: Readonly<TreeLimits>): boolean {
  return nameProblem(b, s, e, sep, limits) === 0;
}
