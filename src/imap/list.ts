/**
 * The IMAP LIST layer (SPEC §7, RFC 3501 §6.3.8, RFC 9051 §6.3.9): pattern
 * matching with `*` and `%`, reference names, INBOX case rules, mailbox
 * attributes, and the LIST / STATUS response lines. It is pure over a small
 * {@linkcode ListSource}, which {@linkcode MailboxListIndex} implements.
 *
 * This file plans a LIST command and walks the source; the pattern matcher
 * is in `pattern.ts`, reference names in `reference.ts`, entries and
 * response lines in `response.ts` (all re-exported here).
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";
import { hasUtf8Form } from "../format/name_codec.ts";
import type { MailboxInfo, MailboxStatus } from "../format/types.ts";
import { inboxLength, listedName, ListPattern } from "./pattern.ts";
import { listRootName, resolveListPattern } from "./reference.ts";
import { type AttributeOptions, type ListEntry, mailboxAttributes } from "./response.ts";

export { ListPattern } from "./pattern.ts";
export { listRootName, resolveListPattern } from "./reference.ts";
export { formatListResponse, formatStatusResponse, mailboxAttributes } from "./response.ts";
export type { AttributeOptions, ListEntry, ListLineOptions, StatusLineOptions } from "./response.ts";

/**
 * What the LIST layer reads: a mailbox hierarchy that can be walked by subtree.
 *
 * @example An index is a source
 * ```ts ignore
 * const source: ListSource = await MailboxListIndex.open("/var/mail/u/mailboxes.mlist");
 * console.log(listMailboxes(source, "*").length);
 * ```
 */
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
  /** The subscribed names (SPEC §12); may include names that do not exist */
  subscriptionSet?(): ReadonlySet<string>;
}

/**
 * What {@linkcode ListSource.walk} calls for each mailbox.
 *
 * @example Collecting the top-level names
 * ```ts ignore
 * const top: string[] = [];
 * const visit: ListVisitor = (name, _uid, _kids, _flags, level) => { if (level === 0) top.push(name); };
 * index.walk("", undefined, visit);
 * ```
 */
export type ListVisitor = (name: string, uid: number, hasChildren: boolean, flags: number, level: number) => void;

/**
 * Options of {@linkcode listMailboxes}.
 *
 * @example LIST "Archive/" "%" RETURN (STATUS)
 * ```ts ignore
 * const options: ListOptions = { reference: "Archive/", status: true };
 * const entries = listMailboxes(index, "%", options);
 * ```
 */
export interface ListOptions {
  /** Attach the cached STATUS figures to each selectable mailbox (LIST-STATUS style). */
  status?: boolean;
  /** The LIST reference name (first argument of LIST); default "". */
  reference?: string;
  /**
   * How the attributes are spelled ({@linkcode mailboxAttributes}); default
   * those of a plain IMAP4rev1 LIST (`\Noselect` for a NONEXISTENT
   * mailbox, `\HasChildren` / `\HasNoChildren`, special-use attributes).
   */
  attributes?: AttributeOptions;
  /**
   * Names (as listed: a first component INBOX in upper case) that get
   * `\Subscribed` (RETURN (SUBSCRIBED)); default none.
   */
  subscriptions?: ReadonlySet<string>;
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
  /** Attribute spelling of a mailbox that is not subscribed, and of one that is. */
  attributes: AttributeOptions | undefined;
  subscribedAttributes: AttributeOptions;
  subscriptions: ReadonlySet<string> | undefined;
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
  const attributes = options.attributes;
  const subscriptions = options.subscriptions !== undefined && options.subscriptions.size > 0
    ? options.subscriptions
    : undefined;
  const subscribedAttributes = { ...attributes, subscribed: true };
  return {
    matcher,
    all: matcher.tailMatchesAll,
    roots,
    depth,
    seen,
    wantStatus,
    sepCode,
    attributes,
    subscribedAttributes,
    subscriptions,
  };
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
  const listed = listedName(name, inbox);
  if (inbox > 0 && plan.seen !== undefined) {
    if (plan.seen.has(listed)) return undefined;
    plan.seen.add(listed);
  }
  const spelling = plan.subscriptions !== undefined && plan.subscriptions.has(listed)
    ? plan.subscribedAttributes
    : plan.attributes;
  const entry: ListEntry = { name: listed, attributes: mailboxAttributes(flags, hasChildren, spelling), uid, flags };
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
 * `%` (so that a client can descend into them), as `\Noselect` unless
 * `options.attributes` asks for `\NonExistent`.
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
 * //   * LIST (\HasChildren \Noselect) "/" "Archive" (in index order, each line ending in CRLF)
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
