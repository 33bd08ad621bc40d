/**
 * The IMAP LIST layer (SPEC §7, RFC 3501 §6.3.8, RFC 9051 §6.3.9): pattern
 * matching with `*` and `%`, reference names, INBOX case rules, mailbox
 * attributes, and the LIST / STATUS response lines. It is pure over a small
 * {@linkcode ListSource}, which {@linkcode MailboxListIndex} implements.
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";
import { imapQuote, type QuoteOptions } from "./quote.ts";
import { hasUtf8Form } from "../format/name_codec.ts";
import type { MailboxInfo, MailboxStatus } from "../format/types.ts";

/** What the LIST layer reads: a mailbox hierarchy that can be walked by subtree. */
export interface ListSource {
  /** The hierarchy separator (one character). */
  readonly separator: string;
  /**
   * Mailboxes under `path` ("" = root), depth-first, each directory in the
   * source's own order. `depth` 0 = only the direct children; default
   * unlimited. A path that does not exist yields nothing.
   */
  iterate(path?: string, options?: { depth?: number }): Iterable<MailboxInfo>;
  /** Cached STATUS figures of a mailbox, by its full name as iterated. */
  status?(name: string): MailboxStatus | undefined;
  /**
   * Optional: the same mailboxes as `iterate(path, { depth })`, in the same
   * order, handed to `visit` one by one without an object each, with their
   * level under `path` (0 = a direct child). {@linkcode listMailboxes} uses
   * it when present.
   */
  walk?(path: string, depth: number | undefined, visit: ListVisitor): void;
}

/** What {@linkcode ListSource.walk} calls for each mailbox. */
export type ListVisitor = (name: string, uid: number, hasChildren: boolean, flags: number, level: number) => void;

/** One mailbox that a LIST pattern matched. */
export interface ListEntry {
  /** Full name as sent to the client (a first component `inbox` in any case is `INBOX`). */
  name: string;
  /**
   * Mailbox attributes in a fixed order: `\NonExistent` (when set), then
   * `\HasChildren` or `\HasNoChildren`, then `\Noselect` (when set or implied
   * by `\NonExistent`).
   */
  attributes: string[];
  /** UID of the mailbox's record (0 for the hierarchy-delimiter response). */
  uid: number;
  /** {@linkcode MailboxFlags} bits of the mailbox. */
  flags: number;
  /** Cached STATUS figures, when asked for and known (selectable mailboxes only). */
  status?: MailboxStatus;
}

/** Options of {@linkcode listMailboxes}. */
export interface ListOptions {
  /** Attach the cached STATUS figures to each selectable mailbox (LIST-STATUS style). */
  status?: boolean;
  /** The LIST reference name (first argument of LIST); default "". */
  reference?: string;
}

const STAR = 0x2a; // '*'
const PERCENT = 0x25; // '%'
const INBOX_UPPER = [0x49, 0x4e, 0x42, 0x4f, 0x58]; // "INBOX"

/** Token kinds of a compiled pattern. */
const Tok = { Literal: 0, Star: 1, Percent: 2 } as const;

/** Largest token count the single-integer state set handles (bits 0..30). */
const BIT_LIMIT = 30;

function foldAscii(c: number): number {
  return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

/**
 * Length of the INBOX component at the start of `name`: 5 when the first
 * component is `INBOX` in any case, else 0.
 */
function inboxLength(name: string, sepCode: number): number {
  if (name.length < 5) return 0;
  if (name.length > 5 && name.charCodeAt(5) !== sepCode) return 0;
  for (let i = 0; i < 5; i++) {
    if (foldAscii(name.charCodeAt(i)) !== INBOX_UPPER[i]) return 0;
  }
  return 5;
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
 * import { ListPattern } from "./list.ts";
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
   * import { ListPattern } from "./list.ts";
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
   * import { ListPattern } from "./list.ts";
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
   * import { ListPattern } from "./list.ts";
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

/**
 * Combine a LIST reference name and mailbox pattern (RFC 3501 §6.3.8): the
 * pattern is appended to the reference as is (no separator is inserted),
 * unless the reference is empty or the pattern is itself rooted (starts with
 * the separator, `#` or `~`), in which case the reference is ignored.
 *
 * @param reference The reference name ("" = none).
 * @param pattern The mailbox name pattern.
 * @param separator The hierarchy separator.
 * @returns The pattern to match full names against.
 *
 * @example The RFC's table
 * ```ts
 * import { resolveListPattern } from "./list.ts";
 * console.log(resolveListPattern("archive/", "%", "/"));            // "archive/%"
 * console.log(resolveListPattern("#news.", "comp.mail.*", "."));    // "#news.comp.mail.*"
 * console.log(resolveListPattern("~smith/Mail/", "/usr/doc/foo", "/")); // "/usr/doc/foo"
 * ```
 */
export function resolveListPattern(
  reference: string,
  pattern: string,
  separator: string,
): string {
  if (reference === "") return pattern;
  if (pattern.startsWith("#") || pattern.startsWith("~")) return pattern;
  if (separator !== "" && pattern.startsWith(separator)) return pattern;
  return reference + pattern;
}

/**
 * The root name returned for `LIST reference ""` (RFC 3501 §6.3.8): the
 * reference up to and including its first separator when the reference is
 * rooted (starts with the separator, a `#` namespace or `~`), else "".
 *
 * @param reference The reference name.
 * @param separator The hierarchy separator.
 * @returns The root name for the hierarchy-delimiter response.
 *
 * @example The RFC's examples
 * ```ts
 * import { listRootName } from "./list.ts";
 * console.log(listRootName("", "/"));                     // ""
 * console.log(listRootName("#news.comp.mail.misc", ".")); // "#news."
 * console.log(listRootName("/usr/staff/jones", "/"));     // "/"
 * console.log(listRootName("Archive/2009", "/"));         // ""
 * ```
 */
export function listRootName(reference: string, separator: string): string {
  if (reference === "" || separator === "") return "";
  const rooted = reference.startsWith(separator) || reference.startsWith("#") ||
    reference.startsWith("~");
  if (!rooted) return "";
  const at = reference.indexOf(separator);
  return at < 0 ? "" : reference.slice(0, at + separator.length);
}

/**
 * The LIST attributes of a mailbox, in a fixed order: `\NonExistent`, then
 * `\HasChildren` / `\HasNoChildren` (from the CHILDREN / NOCHILDREN flags,
 * or from the tree when neither is set), then `\Noselect` (from NOSELECT,
 * and implied by NONEXISTENT as RFC 9051 says).
 *
 * @param flags {@linkcode MailboxFlags} bits.
 * @param hasChildren Whether the mailbox has live children in the tree.
 * @returns The attribute atoms.
 *
 * @example A NONEXISTENT parent
 * ```ts
 * import { mailboxAttributes } from "./list.ts";
 * import { MailboxFlags } from "../format/constants.ts";
 * console.log(mailboxAttributes(MailboxFlags.Children | MailboxFlags.NonExistent, true));
 * // ["\\NonExistent", "\\HasChildren", "\\Noselect"]
 * ```
 */
export function mailboxAttributes(
  flags: number,
  hasChildren: boolean,
): string[] {
  const nonExistent = (flags & MailboxFlags.NonExistent) !== 0;
  const children = (flags & MailboxFlags.Children) !== 0
    ? "\\HasChildren"
    : (flags & MailboxFlags.NoChildren) !== 0
    ? "\\HasNoChildren"
    : hasChildren
    ? "\\HasChildren"
    : "\\HasNoChildren";
  // Array literals of the exact size: one small allocation per mailbox.
  if (nonExistent) return ["\\NonExistent", children, "\\Noselect"];
  if ((flags & MailboxFlags.NoSelect) !== 0) return [children, "\\Noselect"];
  return [children];
}

/** Every spelling of `INBOX` among the top-level mailboxes, in source order. */
function inboxSpellings(source: ListSource, sepCode: number): string[] {
  const out: string[] = [];
  const take = (name: string) => {
    if (name.length === 5 && inboxLength(name, sepCode) === 5) out.push(name);
  };
  if (source.walk !== undefined) source.walk("", 0, take);
  else for (const info of source.iterate("", { depth: 0 })) take(info.name);
  return out;
}

/** A LIST command resolved against a source: which subtrees to walk, and how to filter what they hold. */
interface ListPlan {
  matcher: ListPattern;
  /** Every walked mailbox matches the pattern. */
  all: boolean;
  roots: string[];
  depth: number | undefined;
  seen: Set<string> | undefined;
  wantStatus: boolean;
  sepCode: number;
}

/** Resolve a LIST command: its plan, the single entry of an empty pattern, or undefined when nothing can match. */
function planList(source: ListSource, pattern: string, options: ListOptions): ListPlan | ListEntry | undefined {
  const sep = source.separator;
  const sepCode = sep.length > 0 ? sep.charCodeAt(0) : -1;
  const reference = options.reference ?? "";
  if (pattern === "") {
    return {
      name: listRootName(reference, sep),
      attributes: ["\\Noselect"],
      uid: 0,
      flags: MailboxFlags.NoSelect,
    };
  }
  const full = resolveListPattern(reference, pattern, sep);
  // Names never start with the separator (empty components are skipped) and
  // never contain NUL or a lone surrogate: such a prefix cannot match and is not a valid path.
  if (sep !== "" && full.startsWith(sep)) return undefined;
  const matcher = new ListPattern(full, sep);
  const base = matcher.base;
  const depth = matcher.depth;
  if (base.includes("\0") || !hasUtf8Form(base)) return undefined;

  // The base node itself never matches: the pattern continues with a literal
  // separator after it. So only its subtree is walked.
  let roots: string[];
  let seen: Set<string> | undefined;
  const firstEnd = sep === "" ? -1 : base.indexOf(sep);
  const baseFirst = firstEnd < 0 ? base.length : firstEnd;
  if (baseFirst === 5 && inboxLength(base, sepCode) === 5) {
    // The subtree is under INBOX: find how the source spells it.
    const spellings = inboxSpellings(source, sepCode);
    roots = spellings.map((s) => s + base.slice(5));
    if (spellings.length > 1) seen = new Set();
  } else {
    roots = [base];
    if (base === "" && matcher.reachesInbox()) {
      // With depth 0 only top-level names come back, so the set stays tiny;
      // otherwise look first whether INBOX is spelled more than one way.
      if (depth === 0 || inboxSpellings(source, sepCode).length > 1) {
        seen = new Set();
      }
    }
  }
  const wantStatus = options.status === true && typeof source.status === "function";
  return { matcher, all: matcher.tailMatchesAll, roots, depth, seen, wantStatus, sepCode };
}

/**
 * The entry of one walked mailbox, or undefined when the pattern does not
 * take it. `inbox` is {@linkcode inboxLength} of its name.
 */
function entryOf(
  plan: ListPlan,
  source: ListSource,
  name: string,
  uid: number,
  hasChildren: boolean,
  flags: number,
  inbox: number,
): ListEntry | undefined {
  if (!plan.all && !plan.matcher.matches(name)) return undefined;
  if ((flags & MailboxFlags.NonExistent) !== 0 && plan.matcher.hasStar) return undefined;
  const listed = inbox > 0 && !name.startsWith("INBOX") ? "INBOX" + name.slice(5) : name;
  if (inbox > 0 && plan.seen !== undefined) {
    if (plan.seen.has(listed)) return undefined;
    plan.seen.add(listed);
  }
  const entry: ListEntry = { name: listed, attributes: mailboxAttributes(flags, hasChildren), uid, flags };
  if (plan.wantStatus && (flags & (MailboxFlags.NoSelect | MailboxFlags.NonExistent)) === 0) {
    const status = source.status!(name);
    if (status !== undefined) entry.status = status;
  }
  return entry;
}

/**
 * Answer a LIST command lazily: the mailboxes of `source` that match
 * `pattern` (after the reference name is applied), in the source's
 * iteration order (depth-first). Only the subtree under the pattern's
 * longest wildcard-free prefix ending at a separator is walked, and only
 * as deep as a `%`-only tail can reach.
 *
 * An empty pattern yields the single hierarchy-delimiter entry (`\Noselect`,
 * named by {@linkcode listRootName}). A first component `INBOX` matches in
 * any case and is reported as `INBOX` (once, if the source holds several
 * spellings). NONEXISTENT mailboxes are skipped when the pattern contains
 * `*` (their existing descendants match by themselves) and reported with
 * `%` (so that a client can descend into them).
 *
 * @param source The mailbox hierarchy (e.g. a {@linkcode MailboxListIndex}).
 * @param pattern The LIST mailbox pattern with `*` / `%` wildcards.
 * @param options Reference name and whether to attach STATUS figures.
 * @returns A generator of matching entries.
 *
 * @example Over a hand-made source
 * ```ts
 * import { formatListResponse, iterateList, type ListSource } from "./list.ts";
 * const all = [
 *   { name: "INBOX", uid: 1, hasChildren: false, flags: 0 },
 *   { name: "Archive", uid: 2, hasChildren: true, flags: 0 },
 *   { name: "Archive/2009", uid: 3, hasChildren: false, flags: 0 },
 * ];
 * const source: ListSource = {
 *   separator: "/",
 *   iterate: (path = "", { depth = Infinity } = {}) =>
 *     all.filter((m) => {
 *       if (path !== "" && !m.name.startsWith(path + "/")) return false;
 *       const rest = path === "" ? m.name : m.name.slice(path.length + 1);
 *       return rest.split("/").length - 1 <= depth;
 *     }),
 * };
 * for (const e of iterateList(source, "Archive/%")) {
 *   console.log(formatListResponse(e, source.separator));
 * } // * LIST (\HasNoChildren) "/" "Archive/2009"
 * ```
 */
export function* iterateList(
  source: ListSource,
  pattern: string,
  options: ListOptions = {},
): Generator<ListEntry> {
  const plan = planList(source, pattern, options);
  if (plan === undefined) return;
  if (!("matcher" in plan)) {
    yield plan;
    return;
  }
  const iterOptions = plan.depth === undefined ? undefined : { depth: plan.depth };
  for (const root of plan.roots) {
    const it = iterOptions === undefined ? source.iterate(root) : source.iterate(root, iterOptions);
    for (const info of it) {
      const entry = entryOf(plan, source, info.name, info.uid, info.hasChildren, info.flags, inboxLength(info.name, plan.sepCode));
      if (entry !== undefined) yield entry;
    }
  }
}

/**
 * Answer a LIST command: every entry of {@linkcode iterateList} in an array.
 *
 * @param source The mailbox hierarchy (e.g. a {@linkcode MailboxListIndex}).
 * @param pattern The LIST mailbox pattern with `*` / `%` wildcards.
 * @param options Reference name and whether to attach STATUS figures.
 * @returns The matching entries in the source's depth-first order.
 *
 * @example LIST "" "%" on an index
 * ```ts
 * import { MailboxListIndex } from "../../mod.ts";
 * import { formatListResponse, listMailboxes } from "./list.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/mailboxes.mlist");
 * const sync = await index.syncBegin();
 * for (const name of ["INBOX", "Archive/2009"]) sync.add(name);
 * await sync.commit();
 * for (const e of listMailboxes(index, "%")) {
 *   console.log(formatListResponse(e, index.separator));
 * } // * LIST (\HasNoChildren) "/" "INBOX"
 * //   * LIST (\NonExistent \HasChildren \Noselect) "/" "Archive" (in index order)
 * await index.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export function listMailboxes(
  source: ListSource,
  pattern: string,
  options: ListOptions = {},
): ListEntry[] {
  if (source.walk === undefined) return Array.from(iterateList(source, pattern, options));
  const plan = planList(source, pattern, options);
  if (plan === undefined) return [];
  if (!("matcher" in plan)) return [plan];
  const out: ListEntry[] = [];
  for (const root of plan.roots) {
    // Under a non-empty root every name has the root's first component; from
    // the root, a top-level mailbox's answer holds for its whole subtree.
    let inbox = root === "" ? 0 : inboxLength(root, plan.sepCode);
    source.walk(root, plan.depth, (name, uid, hasChildren, flags, level) => {
      if (root === "" && level === 0) inbox = inboxLength(name, plan.sepCode);
      const entry = entryOf(plan, source, name, uid, hasChildren, flags, inbox);
      if (entry !== undefined) out.push(entry);
    });
  }
  return out;
}

/**
 * Format an untagged LIST response line (without the trailing CRLF). The
 * name is a quoted string, or a literal when it holds CR, LF or (without
 * `utf8`) non-ASCII characters; see {@linkcode imapQuote}.
 *
 * @param entry A LIST entry.
 * @param separator The hierarchy separator.
 * @param options Whether UTF-8 may be sent in quoted strings.
 * @returns The response line.
 *
 * @example One LIST line
 * ```ts
 * import { formatListResponse } from "./list.ts";
 * const line = formatListResponse({ name: "Archive/2009", attributes: ["\\HasNoChildren"], uid: 3, flags: 2 }, "/");
 * console.log(line); // * LIST (\HasNoChildren) "/" "Archive/2009"
 * ```
 */
export function formatListResponse(
  entry: ListEntry,
  separator: string,
  options: QuoteOptions = {},
): string {
  const delimiter = separator === "" ? "NIL" : imapQuote(separator, options);
  return `* LIST (${entry.attributes.join(" ")}) ${delimiter} ${
    imapQuote(entry.name, options)
  }`;
}

/**
 * Format the untagged STATUS response line (without the trailing CRLF) for
 * an entry that carries cached figures: MESSAGES, UNSEEN and RECENT always,
 * UIDNEXT and UIDVALIDITY when known (non-zero).
 *
 * @param entry A LIST entry, listed with `{ status: true }`.
 * @param options Whether UTF-8 may be sent in quoted strings.
 * @returns The response line, or undefined when the entry has no STATUS figures.
 *
 * @example One STATUS line
 * ```ts
 * import { formatStatusResponse } from "./list.ts";
 * const status = { messages: 3, unseen: 1, recent: 0, uidNext: 5, uidValidity: 123 };
 * console.log(formatStatusResponse({ name: "INBOX", attributes: [], uid: 1, flags: 0, status }));
 * // * STATUS "INBOX" (MESSAGES 3 UNSEEN 1 RECENT 0 UIDNEXT 5 UIDVALIDITY 123)
 * ```
 */
export function formatStatusResponse(
  entry: ListEntry,
  options: QuoteOptions = {},
): string | undefined {
  const s = entry.status;
  if (s === undefined) return undefined;
  let items = `MESSAGES ${s.messages} UNSEEN ${s.unseen} RECENT ${s.recent}`;
  if (s.uidNext !== 0) items += ` UIDNEXT ${s.uidNext}`;
  if (s.uidValidity !== 0) items += ` UIDVALIDITY ${s.uidValidity}`;
  return `* STATUS ${imapQuote(entry.name, options)} (${items})`;
}
