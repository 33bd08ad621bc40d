/**
 * The keys and windows of the full-name table (`full_names.ts`).
 *
 * The 32-bit key of a name is a multiply-xorshift hash over its canonical
 * bytes (the components joined by the separator) four at a time from its
 * start, finished with its length, from a state drawn once per process. The
 * hash state after a prefix's complete words carries on into the names
 * below it, so the key of every prefix of a name comes from one pass over
 * it. Keys only choose where a probe starts and skip most slots: the table
 * compares bytes before it answers.
 *
 * @module
 */
import { nameProblem, type TreeLimits } from "../format/limits.ts";

/** Words of the last bytes of a full name kept in its slot. */
export const WINDOW_WORDS = 12;
/**
 * Bytes of the end of a full name kept in its slot (in whole words counted
 * from the name's start): a longer name is also compared through an anchor.
 *
 * @example Whether a name is confirmed by its slot alone
 * ```ts
 * import { WINDOW_BYTES } from "./full_name_keys.ts";
 * console.log(new TextEncoder().encode("INBOX/Archive/2009").length <= WINDOW_BYTES); // true
 * ```
 */
export const WINDOW_BYTES = WINDOW_WORDS * 4;

/** Hash state of the empty name, where every key starts; drawn once per process. */
export const KEY_SEED = 0x2545f491 ^ crypto.getRandomValues(new Int32Array(1))[0];
const WORD_PRIME = 0x9e3779b1 | 0;
const LEN_PRIME = 0x85ebca77 | 0;
const FINAL_PRIME = 0xc2b2ae35 | 0;
/** Multiplier of a name's words for tables built from now on; 0 only while keys are made to collide. */
let wordPrime = WORD_PRIME;

/**
 * The multiplier of a name's words that a table built now uses.
 *
 * @returns The multiplier (0 while {@linkcode degenerateKeysForTests} is on).
 *
 * @example The real multiplier is never 0
 * ```ts
 * import { currentPrime } from "./full_name_keys.ts";
 * console.log(currentPrime() !== 0); // true
 * ```
 */
export function currentPrime(): number {
  return wordPrime;
}

/**
 * Make every key depend on the lengths of the components only, so that
 * names of one shape share keys and probes, for tests of what happens when
 * keys collide; a table keeps the keys it was built with. Never call it outside
 * tests.
 *
 * @param on True to make keys collide, false for the real keys.
 * @returns Nothing.
 *
 * @example Build a table whose names all share keys
 * ```ts ignore
 * degenerateKeysForTests(true);
 * try {
 *   const table = FullNameTable.build(view, 0x2f);
 * } finally {
 *   degenerateKeysForTests(false);
 * }
 * ```
 */
export function degenerateKeysForTests(on: boolean): void {
  wordPrime = on ? 0 : WORD_PRIME;
}

/**
 * Mix one complete word of a name into a hash state.
 *
 * @param h The state.
 * @param w Four bytes of the name, little-endian.
 * @param p The table's multiplier.
 * @returns The new state.
 *
 * @example Mix a word
 * ```ts
 * import { mixWord } from "./full_name_keys.ts";
 * console.log(mixWord(1, 0x41424344, 0x9e3779b1 | 0) === mixWord(1, 0x41424344, 0x9e3779b1 | 0)); // true
 * ```
 */
export function mixWord(h: number, w: number, p: number): number {
  h = Math.imul(h ^ w, p);
  return h ^ (h >>> 15);
}

/**
 * The key of a name of `len` bytes from the hash state after its complete
 * words and its last, incomplete word.
 *
 * @param h The state after the complete words.
 * @param w The last, incomplete word (zero-padded).
 * @param partial False when the name has no incomplete word.
 * @param len The name's length in bytes.
 * @param p The table's multiplier.
 * @returns The key.
 *
 * @example A key depends on the length
 * ```ts
 * import { nameKey } from "./full_name_keys.ts";
 * console.log(nameKey(0, 0, false, 4, 3) !== nameKey(0, 0, false, 8, 3)); // true
 * ```
 */
export function nameKey(h: number, w: number, partial: boolean, len: number, p: number): number {
  if (partial) h = mixWord(h, w, p);
  h = Math.imul(h ^ len, LEN_PRIME);
  h ^= h >>> 16;
  h = Math.imul(h, FINAL_PRIME);
  return h ^ (h >>> 13);
}

/**
 * Where the window of a full name of `len` bytes starts: its bytes from
 * there on are in its slot.
 *
 * @param len The full name's length in bytes.
 * @returns The first byte of the window (0 when the whole name fits).
 *
 * @example A short name fits its window
 * ```ts
 * import { windowStart } from "./full_name_keys.ts";
 * console.log(windowStart(20), windowStart(60)); // 0 12
 * ```
 */
export function windowStart(len: number): number {
  const words = (len + 3) >>> 2;
  return words > WINDOW_WORDS ? (words - WINDOW_WORDS) * 4 : 0;
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
