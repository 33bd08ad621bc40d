/**
 * The STATUS cache's figures as the attribute file stores them (SPEC §3,
 * §12): the one check of a {@linkcode MailboxStatus} before it is stored,
 * and its ten 32-bit words — the bytes 8–47 of a version-2 attribute entry,
 * also the per-name STATUS column of a rebuild — with the bits that say
 * which optional figures are there.
 *
 * ```
 * word 0 messages    word 5 deleted
 * word 1 unseen      word 6 highest_modseq, low 32 bits
 * word 2 recent      word 7 highest_modseq, high 32 bits
 * word 3 uid_validity  word 8 size, low 32 bits
 * word 4 uid_next    word 9 size, high 32 bits
 * ```
 *
 * @example The words of a STATUS with a SIZE above 2^32
 * ```ts
 * import { STATUS_WORDS, statusFromWords, statusToWords } from "./status.ts";
 * const words = new Uint32Array(STATUS_WORDS);
 * const bits = statusToWords({ messages: 2, unseen: 0, recent: 0, uidValidity: 1, uidNext: 3, size: 2 ** 33 + 5 }, words, 0);
 * console.log(words[8], words[9], statusFromWords(bits, words, 0).size); // 5 2 8589934597
 * ```
 *
 * @module
 */
import { InvalidStatusError } from "./errors.ts";
import type { MailboxStatus } from "./types.ts";

/** 32-bit words of the STATUS figures (entry bytes 8–47). */
export const STATUS_WORDS = 10;
/** Bit of an entry's flags word: the five figures messages … uid_next are set. */
export const STATUS_SET_BIT = 0x80000000;
/** Bit of an entry's flags word: `highestModSeq` is set (version 2 only). */
export const STATUS_MODSEQ_BIT = 0x40000000;
/** Bit of an entry's flags word: `size` is set (version 2 only). */
export const STATUS_SIZE_BIT = 0x20000000;
/** Bit of an entry's flags word: `deleted` is set (version 2 only). */
export const STATUS_DELETED_BIT = 0x10000000;
/** Every STATUS bit of an entry's flags word (bits 28–31). */
export const STATUS_BITS = 0xf0000000;

const TWO_32 = 2 ** 32;
const MAX_U63 = (1n << 63n) - 1n;
/** Above this high word, a 64-bit value is no longer a safe JavaScript number. */
const SAFE_HIGH = 0x1fffff;

/** The 32-bit figures, in word order. */
const WORD_FIELDS = ["messages", "unseen", "recent", "uidValidity", "uidNext"] as const;

function check32(mailbox: string | number, field: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InvalidStatusError(mailbox, field, value, "is not a whole number");
  }
  if (value < 0) throw new InvalidStatusError(mailbox, field, value, "is negative");
  if (value >= TWO_32) throw new InvalidStatusError(mailbox, field, value, "is above 4294967295 (2^32 - 1)");
}

function check64(mailbox: string | number, field: string, value: unknown): void {
  if (typeof value === "bigint") {
    if (value < 0n) throw new InvalidStatusError(mailbox, field, value, "is negative");
    if (value > MAX_U63) {
      throw new InvalidStatusError(mailbox, field, value, "is above 9223372036854775807 (2^63 - 1)");
    }
    return;
  }
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InvalidStatusError(mailbox, field, value, "is not a whole number or a bigint");
  }
  if (value < 0) throw new InvalidStatusError(mailbox, field, value, "is negative");
  if (!Number.isSafeInteger(value)) {
    throw new InvalidStatusError(mailbox, field, value, "is above 2^53 - 1, where a number loses digits: give it as a bigint");
  }
}

/**
 * Check every figure of a STATUS before it is stored: the five figures
 * (and `deleted` when given) are whole numbers from 0 to 2^32 − 1;
 * `highestModSeq` and `size`, when given, whole numbers up to 2^53 − 1 or
 * bigints up to 2^63 − 1. Nothing is clipped.
 *
 * @param status The figures.
 * @param mailbox The mailbox they are for (a full name or a UID), for the error.
 * @returns Nothing.
 * @throws InvalidStatusError naming the first figure that does not fit.
 *
 * @example A figure that does not fit in 32 bits
 * ```ts
 * import { checkStatus } from "./status.ts";
 * try {
 *   checkStatus({ messages: 2 ** 32, unseen: 0, recent: 0, uidValidity: 0, uidNext: 0 }, "INBOX");
 * } catch (e) {
 *   console.log((e as Error).name); // InvalidStatusError
 * }
 * ```
 */
export function checkStatus(status: MailboxStatus, mailbox: string | number): void {
  if (typeof status !== "object" || status === null) {
    throw new InvalidStatusError(mailbox, "status", status, "is not an object of STATUS figures");
  }
  for (const field of WORD_FIELDS) check32(mailbox, field, status[field]);
  if (status.deleted !== undefined) check32(mailbox, "deleted", status.deleted);
  if (status.highestModSeq !== undefined) check64(mailbox, "highestModSeq", status.highestModSeq);
  if (status.size !== undefined) check64(mailbox, "size", status.size);
}

/** Write a 64-bit figure (checked) as two words at `at`. */
function put64(out: Uint32Array, at: number, value: number | bigint): void {
  if (typeof value === "bigint") {
    out[at] = Number(value & 0xffffffffn);
    out[at + 1] = Number((value >> 32n) & 0xffffffffn);
  } else {
    out[at] = value % TWO_32;
    out[at + 1] = Math.floor(value / TWO_32);
  }
}

/**
 * A 64-bit figure from its two words: a number up to 2^53 − 1, a bigint above.
 *
 * @param lo The low 32 bits.
 * @param hi The high 32 bits.
 * @returns The value.
 *
 * @example Both forms
 * ```ts
 * import { u64Value } from "./status.ts";
 * console.log(u64Value(5, 1), u64Value(0, 0x80000000)); // 4294967301 9223372036854775808n
 * ```
 */
export function u64Value(lo: number, hi: number): number | bigint {
  lo >>>= 0;
  hi >>>= 0;
  return hi <= SAFE_HIGH ? hi * TWO_32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Put the figures of a (checked) STATUS into {@linkcode STATUS_WORDS}
 * words at `at`; an optional figure that is not given is 0.
 *
 * @param status The figures ({@linkcode checkStatus} passed).
 * @param out Where the words go.
 * @param at Index of the first word.
 * @returns The STATUS bits of the flags word: {@linkcode STATUS_SET_BIT}, plus one per optional figure given.
 *
 * @example Only the five figures
 * ```ts
 * import { STATUS_SET_BIT, statusToWords } from "./status.ts";
 * const bits = statusToWords({ messages: 1, unseen: 1, recent: 0, uidValidity: 9, uidNext: 2 }, new Uint32Array(10), 0);
 * console.log(bits === STATUS_SET_BIT); // true
 * ```
 */
export function statusToWords(status: MailboxStatus, out: Uint32Array, at: number): number {
  for (let k = 0; k < WORD_FIELDS.length; k++) out[at + k] = status[WORD_FIELDS[k]] >>> 0;
  let bits = STATUS_SET_BIT;
  out[at + 5] = 0;
  if (status.deleted !== undefined) {
    out[at + 5] = status.deleted >>> 0;
    bits |= STATUS_DELETED_BIT;
  }
  out[at + 6] = out[at + 7] = out[at + 8] = out[at + 9] = 0;
  if (status.highestModSeq !== undefined) {
    put64(out, at + 6, status.highestModSeq);
    bits |= STATUS_MODSEQ_BIT;
  }
  if (status.size !== undefined) {
    put64(out, at + 8, status.size);
    bits |= STATUS_SIZE_BIT;
  }
  return bits >>> 0;
}

/**
 * The figures of {@linkcode STATUS_WORDS} words, with the optional ones the
 * bits say are there.
 *
 * @param bits The STATUS bits of the flags word ({@linkcode STATUS_SET_BIT} must be among them).
 * @param words The words.
 * @param at Index of the first word.
 * @returns The figures.
 *
 * @example A DELETED count
 * ```ts
 * import { STATUS_DELETED_BIT, STATUS_SET_BIT, statusFromWords } from "./status.ts";
 * const words = Uint32Array.of(4, 1, 0, 7, 5, 2, 0, 0, 0, 0);
 * console.log(statusFromWords(STATUS_SET_BIT | STATUS_DELETED_BIT, words, 0).deleted); // 2
 * ```
 */
export function statusFromWords(bits: number, words: ArrayLike<number>, at: number): MailboxStatus {
  const s: MailboxStatus = {
    messages: words[at],
    unseen: words[at + 1],
    recent: words[at + 2],
    uidValidity: words[at + 3],
    uidNext: words[at + 4],
  };
  if ((bits & STATUS_MODSEQ_BIT) !== 0) s.highestModSeq = u64Value(words[at + 6], words[at + 7]);
  if ((bits & STATUS_SIZE_BIT) !== 0) s.size = u64Value(words[at + 8], words[at + 9]);
  if ((bits & STATUS_DELETED_BIT) !== 0) s.deleted = words[at + 5];
  return s;
}
