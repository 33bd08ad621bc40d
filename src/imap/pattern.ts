/**
 * {@linkcode ListPattern}: a compiled LIST mailbox pattern (RFC 3501
 * §6.3.8) — `*` and `%` wildcards, a first component `INBOX` in any case —
 * matched without backtracking, and what it tells of where matches can lie.
 *
 * @module
 */

const STAR = 0x2a; // '*'
const PERCENT = 0x25; // '%'
const INBOX_UPPER = [0x49, 0x4e, 0x42, 0x4f, 0x58]; // "INBOX"

/** Token kinds of a compiled pattern. */
const Tok = { Literal: 0, Star: 1, Percent: 2 } as const;

/** Largest token count the single-integer state set handles (bits 0..30). */
const BIT_LIMIT = 30;

/** ASCII upper case of a char code (others as they are). */
function foldAscii(c: number): number {
  return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

/**
 * Length of the INBOX component at the start of `name`: 5 when the first
 * component is `INBOX` in any case, else 0.
 *
 * @param name A full mailbox name.
 * @param sepCode Char code of the hierarchy separator (-1 for none).
 * @returns 5 or 0.
 *
 * @example The INBOX rule
 * ```ts
 * import { inboxLength } from "./pattern.ts";
 * console.log(inboxLength("inbox/Sent", 0x2f), inboxLength("INBOXES", 0x2f)); // 5 0
 * ```
 */
export function inboxLength(name: string, sepCode: number): number {
  if (name.length < 5) return 0;
  if (name.length > 5 && name.charCodeAt(5) !== sepCode) return 0;
  for (let i = 0; i < 5; i++) {
    if (foldAscii(name.charCodeAt(i)) !== INBOX_UPPER[i]) return 0;
  }
  return 5;
}

/**
 * A full name as LIST reports it: a first component `INBOX` in any case is
 * spelled `INBOX`, the rest as it is.
 *
 * @param name A full mailbox name.
 * @param inbox {@linkcode inboxLength} of the name (5 or 0).
 * @returns The name as listed.
 *
 * @example Spellings of INBOX
 * ```ts
 * import { inboxLength, listedName } from "./pattern.ts";
 * const name = "inbox/Sent";
 * console.log(listedName(name, inboxLength(name, 0x2f))); // "INBOX/Sent"
 * ```
 */
export function listedName(name: string, inbox: number): string {
  return inbox > 0 && !name.startsWith("INBOX") ? "INBOX" + name.slice(5) : name;
}

/**
 * Outcome of running a pattern over a string: Dead = no continuation of the
 * string can match; Alive = no match, but some continuation may; Match.
 */
const Scan = { Dead: 0, Alive: 1, Match: 2 } as const;
type Scan = typeof Scan[keyof typeof Scan];

/**
 * A compiled LIST pattern: `*` matches any characters including the
 * separator, `%` any characters except the separator, everything else
 * itself (case-sensitively, except a first component `INBOX`, which matches
 * in any case). Matching simulates the pattern's automaton one character at
 * a time, so it takes O(name length × pattern length) at worst (one machine
 * word per character for patterns of up to 30 tokens) and never backtracks.
 *
 * @example Matching names
 * ```ts
 * import { ListPattern } from "./pattern.ts";
 * const p = new ListPattern("INBOX/%", "/");
 * console.log(p.matches("inbox/Sent"));   // true
 * console.log(p.matches("INBOX/a/b"));    // false
 * console.log(p.base, p.depth);           // "INBOX" 0
 * ```
 */
export class ListPattern {
  /** The pattern text. */
  readonly pattern: string;
  /** The hierarchy separator. */
  readonly separator: string;
  /** True when the pattern contains `*`. */
  readonly hasStar: boolean;
  /**
   * The longest wildcard-free prefix that ends at a separator, without that
   * separator: every matching name lies under this mailbox ("" = root).
   */
  readonly base: string;
  /**
   * How deep under {@linkcode ListPattern.base} a match can lie (0 = direct
   * children), or undefined when unlimited (`*`).
   */
  readonly depth: number | undefined;
  /**
   * True when the pattern is {@linkcode ListPattern.base}, a separator and
   * one wildcard (or just one wildcard): every mailbox under the base, as
   * deep as {@linkcode ListPattern.depth} allows, matches.
   */
  readonly tailMatchesAll: boolean;

  readonly #sep: number;
  readonly #kinds: Uint8Array;
  readonly #codes: Uint16Array;
  readonly #count: number;
  readonly #matchAll: boolean;
  // Bit-parallel tables (when the pattern has at most BIT_LIMIT tokens).
  readonly #ascii: Int32Array = new Int32Array(128);
  readonly #asciiFold: Int32Array = new Int32Array(128);
  readonly #other = new Map<number, number>();
  #starBits = 0;
  #wildBits = 0;

  /**
   * Compile a pattern.
   *
   * @param pattern The LIST pattern (after reference resolution).
   * @param separator The hierarchy separator (one character).
   *
   * @example Compile once, match many
   * ```ts
   * import { ListPattern } from "./pattern.ts";
   * const p = new ListPattern("Archive/*", "/");
   * console.log(["Archive/2009", "Sent"].filter((n) => p.matches(n))); // ["Archive/2009"]
   * ```
   */
  constructor(pattern: string, separator: string) {
    this.pattern = pattern;
    this.separator = separator;
    this.#sep = separator.length > 0 ? separator.charCodeAt(0) : -1;
    const kinds: number[] = [];
    const codes: number[] = [];
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      if (c === STAR || c === PERCENT) {
        const kind: number = c === STAR ? Tok.Star : Tok.Percent;
        const last = kinds.length - 1;
        // Adjacent wildcards collapse: "**" = "*", "%%" = "%", "*%" = "%*" = "*".
        if (last >= 0 && kinds[last] !== Tok.Literal) {
          if (kind === Tok.Star) kinds[last] = Tok.Star;
          continue;
        }
        kinds.push(kind);
        codes.push(0);
      } else {
        kinds.push(Tok.Literal);
        codes.push(c);
      }
    }
    this.#kinds = Uint8Array.from(kinds);
    this.#codes = Uint16Array.from(codes);
    this.#count = kinds.length;
    this.hasStar = kinds.includes(Tok.Star);
    this.#matchAll = kinds.length === 1 && kinds[0] === Tok.Star;

    let firstWild = pattern.length;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      if (c === STAR || c === PERCENT) {
        firstWild = i;
        break;
      }
    }
    const cut = separator.length > 0 && firstWild > 0
      ? pattern.lastIndexOf(separator, firstWild - 1)
      : -1;
    this.base = cut > 0 ? pattern.slice(0, cut) : "";
    let tailTokens = 0, tailWild = true;
    for (let i = cut + 1, prev = -1; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      const wild = c === STAR || c === PERCENT;
      if (!wild) tailWild = false;
      if (!(wild && (prev === STAR || prev === PERCENT))) tailTokens++;
      prev = c;
    }
    this.tailMatchesAll = tailWild && tailTokens === 1 && (cut > 0 || cut === -1);
    if (this.hasStar) this.depth = undefined;
    else {
      let seps = 0;
      for (let i = cut + 1; i < pattern.length; i++) {
        if (pattern.charCodeAt(i) === this.#sep) seps++;
      }
      this.depth = seps;
    }

    if (this.#count <= BIT_LIMIT) {
      for (let i = 0; i < this.#count; i++) {
        const bit = 1 << i;
        if (this.#kinds[i] === Tok.Literal) {
          const c = this.#codes[i];
          if (c < 128) {
            this.#ascii[c] |= bit;
            this.#asciiFold[foldAscii(c)] |= bit;
          } else this.#other.set(c, (this.#other.get(c) ?? 0) | bit);
        } else {
          this.#wildBits |= bit;
          if (this.#kinds[i] === Tok.Star) this.#starBits |= bit;
        }
      }
    }
  }

  /**
   * Whether a full mailbox name matches the pattern.
   *
   * @param name Full name, levels joined with the separator.
   * @returns True when the name matches.
   *
   * @example `%` stops at the separator
   * ```ts
   * import { ListPattern } from "./pattern.ts";
   * const p = new ListPattern("%", "/");
   * console.log(p.matches("Archive"), p.matches("Archive/2009")); // true false
   * ```
   */
  matches(name: string): boolean {
    if (this.#matchAll) return true;
    return this.#scan(name, inboxLength(name, this.#sep)) === Scan.Match;
  }

  /**
   * Whether the pattern could match `INBOX` or a mailbox under it (in any
   * case), i.e. whether the INBOX rules matter for this pattern.
   *
   * @returns True when `INBOX` or some `INBOX<sep>...` name can match.
   *
   * @example Does INBOX matter for this pattern?
   * ```ts
   * import { ListPattern } from "./pattern.ts";
   * console.log(new ListPattern("in%", "/").reachesInbox());      // true
   * console.log(new ListPattern("Archive/*", "/").reachesInbox()); // false
   * ```
   */
  reachesInbox(): boolean {
    if (this.#matchAll) return true;
    if (this.#scan("INBOX", 5) === Scan.Match) return true;
    return this.#sep >= 0 &&
      this.#scan("INBOX" + this.separator, 5) !== Scan.Dead;
  }

  #scan(name: string, inboxLen: number): Scan {
    return this.#count <= BIT_LIMIT
      ? this.#scanBits(name, inboxLen)
      : this.#scanArray(name, inboxLen);
  }

  /** Bit-parallel simulation: bit i set = "the next token to match is i". */
  #scanBits(name: string, inboxLen: number): Scan {
    const wild = this.#wildBits;
    const star = this.#starBits;
    const sep = this.#sep;
    let s = 1;
    s |= (s & wild) << 1;
    for (let j = 0; j < name.length; j++) {
      const c = name.charCodeAt(j);
      let lit: number;
      if (j < inboxLen) lit = this.#asciiFold[foldAscii(c)];
      else if (c < 128) lit = this.#ascii[c];
      else lit = this.#other.get(c) ?? 0;
      s = ((s & lit) << 1) | (s & (c === sep ? star : wild));
      // A wildcard may match nothing: wildcards never follow each other, so
      // one step of closure is enough.
      s |= (s & wild) << 1;
      if (s === 0) return Scan.Dead;
    }
    return (s >>> this.#count) & 1 ? Scan.Match : Scan.Alive;
  }

  /** The same automaton over a byte array, for patterns too long for one word. */
  #scanArray(name: string, inboxLen: number): Scan {
    const k = this.#count;
    const kinds = this.#kinds;
    const codes = this.#codes;
    let cur = new Uint8Array(k + 1);
    let next = new Uint8Array(k + 1);
    cur[0] = 1;
    if (kinds[0] !== Tok.Literal && k > 0) cur[1] = 1;
    for (let j = 0; j < name.length; j++) {
      const c = name.charCodeAt(j);
      const fold = j < inboxLen;
      next.fill(0);
      let alive = false;
      for (let i = 0; i < k; i++) {
        if (cur[i] === 0) continue;
        const kind = kinds[i];
        if (kind === Tok.Literal) {
          const t = codes[i];
          if (t === c || (fold && foldAscii(t) === foldAscii(c))) {
            next[i + 1] = 1;
          }
        } else if (kind === Tok.Star || c !== this.#sep) next[i] = 1;
      }
      for (let i = 0; i <= k; i++) {
        if (next[i] === 0) continue;
        alive = true;
        if (i < k && kinds[i] !== Tok.Literal) next[i + 1] = 1;
      }
      if (!alive) return Scan.Dead;
      const t = cur;
      cur = next;
      next = t;
    }
    return cur[k] === 1 ? Scan.Match : Scan.Alive;
  }
}
