/**
 * Types shared by the store scanners, and the small helpers the directory
 * scanners have in common: byte order of names, error wording, and the
 * checks that keep a scan inside the store root.
 *
 * @module
 */

import { sep as pathSep } from "node:path";
import { hasUtf8Form, separatorByte } from "../format/name_codec.ts";
import { describeFsError } from "../format/fs_error.ts";
import type { ScanDirent, ScanFs } from "./io.ts";
import type { MailboxStatus } from "../format/types.ts";
import type { SpecialUseMap } from "../format/special_use.ts";

/**
 * One mailbox found by a store scanner.
 *
 * @example A selectable mailbox
 * ```ts
 * import type { ScannedMailbox } from "./types.ts";
 * const m: ScannedMailbox = {
 *   name: "Archive/2009",
 *   selectable: true,
 *   status: { messages: 3, unseen: 1, recent: 0, uidValidity: 1234, uidNext: 4 },
 * };
 * ```
 */
export interface ScannedMailbox {
  /** Full name, levels joined with {@linkcode ScanOptions.separator}. */
  name: string;
  /** False for a folder that holds no messages itself (`\Noselect`). */
  selectable: boolean;
  /** STATUS figures; absent when not selectable or when they could not be read. */
  status?: MailboxStatus;
  /**
   * The mailbox GUID, 32 lowercase hex digits: from the uidlist header's
   * `G`; kept for the mailbox lifecycle (SPEC §12). Absent without one.
   */
  guid?: string;
  /**
   * Special-use attribute bits (`SpecialUse` of format/special_use.ts, bits
   * 8–14) from {@linkcode StoreNameOptions.specialUse}; absent when the map
   * does not name the mailbox.
   */
  specialUse?: number;
}

/**
 * Something a scanner skipped, and why. A warning with `unread` says that
 * the scan could not see everything under `folder` (a directory failed to
 * list): a caller that deletes what a scan did not report must keep that
 * folder and its sub-folders as they were (`SyncContext.keep`, the `keep`
 * option of `syncAll`) — SPEC §9.
 *
 * @example Collecting the folders a scan could not read
 * ```ts
 * import type { ScanWarning } from "./types.ts";
 * const unread: string[] = [];
 * const onWarning = (w: ScanWarning) => {
 *   console.warn(w.reason);
 *   if (w.unread) unread.push(w.folder!);
 * };
 * onWarning({
 *   path: "/x/.A",
 *   folder: "A",
 *   code: "EACCES",
 *   unread: true,
 *   reason: 'Cannot read directory "/x/.A" of folder "A": permission denied (EACCES); it and its sub-folders are not reported',
 * });
 * console.log(unread); // ["A"]
 * ```
 */
export interface ScanWarning {
  /** File system path of the skipped entry (or the name list's source). */
  path: string;
  /** What happened, as a sentence that quotes the path. */
  reason: string;
  /** The mailbox the warning is about, when it is one ("INBOX" for the root). */
  folder?: string;
  /** The file system error's code ("EACCES", "EIO", "EMFILE", ...), when a call failed. */
  code?: string;
  /**
   * True when `folder` and its sub-folders could not be read completely:
   * the scan did not report them (or not all of them), so their absence
   * says nothing.
   */
  unread?: boolean;
}

/** A special-use name map (one definition, in `format/special_use.ts`). */
export type { SpecialUseMap } from "../format/special_use.ts";

/**
 * How the scanners read the names of a store and what they add to them:
 * the part of their options that is plain data, so that it also crosses to
 * scan workers.
 *
 * @example A store written with UTF-8 names
 * ```ts
 * import type { StoreNameOptions } from "./types.ts";
 * const opts: StoreNameOptions = { utf8Names: true };
 * ```
 */
export interface StoreNameOptions {
  /**
   * The store keeps its names on disk as UTF-8 (Dovecot's `UTF-8` mailbox
   * list option). Default false: each on-disk name component is IMAP
   * modified UTF-7 (RFC 3501 §5.1.3, `.Entw&APw-rfe` is "Entwürfe") and is
   * decoded; one that is not valid modified UTF-7 is kept as its literal
   * text, with a warning (SPEC §10).
   */
  utf8Names?: boolean;
  /**
   * Special-use attributes (RFC 6154) by full mailbox name: the scanned
   * mailbox of that name gets their bits as `specialUse`. Checked before
   * the scan reads anything: an attribute that is not one of the seven is
   * a RangeError naming it and the mailbox.
   */
  specialUse?: SpecialUseMap;
}

/**
 * The {@linkcode StoreNameOptions} part of a scanner's options, alone (what
 * crosses to scan workers).
 *
 * @param options A scanner's options.
 * @returns Only its plain-data name options.
 *
 * @example Dropping the callbacks
 * ```ts
 * import { type ScanOptions, storeNameOptions } from "./types.ts";
 * const options: ScanOptions = { utf8Names: true, onWarning: () => {} };
 * console.log(storeNameOptions(options)); // { utf8Names: true }
 * ```
 */
export function storeNameOptions(options: StoreNameOptions): StoreNameOptions {
  const out: StoreNameOptions = {};
  if (options.utf8Names !== undefined) out.utf8Names = options.utf8Names;
  if (options.specialUse !== undefined) out.specialUse = options.specialUse;
  return out;
}

/**
 * Options of the directory scanners.
 *
 * @example Scanning one shard with a "." separator
 * ```ts
 * import type { ScanOptions } from "./types.ts";
 * const opts: ScanOptions = { separator: ".", topLevel: ["", "Archive"], onWarning: (w) => console.warn(w.reason) };
 * ```
 */
export interface ScanOptions extends StoreNameOptions {
  /** Separator of the reported names (one byte other than NUL); default "/". */
  separator?: string;
  /** Called, in scan order, for every entry that was skipped. */
  onWarning?: (w: ScanWarning) => void;
  /**
   * Only scan these top-level folders (for sharding across workers). The
   * root mailbox (INBOX) is reported only when this is undefined or holds "".
   */
  topLevel?: string[];
  /** The file system calls of the scan (default {@linkcode nodeScanFs}). */
  fs?: ScanFs;
}

/**
 * Compare two names by the bytes of their UTF-8 encoding (unsigned, like C
 * `strcmp`), without encoding them.
 *
 * @param a First name.
 * @param b Second name.
 * @returns Negative, zero or positive as `a` sorts before, equal to or after `b`.
 *
 * @example Sorting names by bytes
 * ```ts
 * import { compareNames } from "./types.ts";
 * console.log(["b", "\u{1F600}", "\uFF21", "B"].sort(compareNames)); // ["B", "b", "Ａ", "😀"]
 * ```
 */
export function compareNames(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 order differs from code point (= UTF-8 byte) order only
      // between surrogates and U+E000..U+FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Describe a file system error in a few lowercase words (the one wording, in `format/fs_error.ts`). */
export { describeFsError };

/**
 * The code of a file system error ("EACCES", "EIO", ...), if it has one.
 *
 * @param err The thrown value.
 * @returns The code, or undefined.
 *
 * @example Reading the code
 * ```ts
 * import { fsErrorCode } from "./types.ts";
 * console.log(fsErrorCode(Object.assign(new Error("x"), { code: "EIO" }))); // "EIO"
 * ```
 */
export function fsErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The warning about a file system call that failed on a folder: its reason
 * names the path and the folder, says what failed in words with the error's
 * code, and what follows.
 *
 * @param what What could not be done, with its quoted path: `Cannot read directory "/x/.A"`.
 * @param path The path, as warnings show it.
 * @param folder The mailbox concerned.
 * @param err The thrown value.
 * @param unread Whether the folder and its sub-folders could not be read completely.
 * @param then What follows, appended after "; " (empty: nothing).
 * @returns The warning.
 *
 * @example A folder that failed to list
 * ```ts
 * import { failureWarning } from "./types.ts";
 * const err = Object.assign(new Error("x"), { code: "EIO" });
 * const w = failureWarning('Cannot read directory "/x/.A"', "/x/.A", "A", err, true, "it is not reported");
 * console.log(w.reason); // Cannot read directory "/x/.A" of folder "A": input/output error (EIO); it is not reported
 * ```
 */
export function failureWarning(
  what: string,
  path: string,
  folder: string,
  err: unknown,
  unread: boolean,
  then: string,
): ScanWarning {
  const code = fsErrorCode(err);
  const words = describeFsError(err);
  const reason = `${what} of folder ${JSON.stringify(folder)}: ${words}` +
    (code !== undefined && words !== code ? ` (${code})` : "") + (then === "" ? "" : `; ${then}`);
  const w: ScanWarning = { path, reason, folder };
  if (code !== undefined) w.code = code;
  if (unread) w.unread = true;
  return w;
}

/**
 * A scan's warning handler that collects the folders it could not read
 * (whose subtrees a full sync keeps, and a new index must not be made
 * without) and passes every warning's reason on.
 *
 * @param incomplete Where the unread folders go, in order.
 * @param warn What to do with each reason.
 * @returns The handler, for a scanner's `onWarning` or a list of warnings.
 *
 * @example An unread folder
 * ```ts
 * import { collectUnread } from "./types.ts";
 * const incomplete: string[] = [];
 * collectUnread(incomplete, console.log)({ path: "/m/.Work", reason: "Listing of folder \"Work\": permission denied", folder: "Work", unread: true });
 * console.log(incomplete); // ["Work"]
 * ```
 */
export function collectUnread(incomplete: string[], warn: (reason: string) => void): (w: ScanWarning) => void {
  return (w) => {
    if (w.unread && w.folder !== undefined) incomplete.push(w.folder);
    warn(w.reason);
  };
}

/**
 * Check a scanner's separator option.
 *
 * @param separator The option's value (undefined means "/").
 * @returns The separator to use.
 * @throws RangeError when it is not one byte other than NUL.
 *
 * @example Defaulting the separator
 * ```ts
 * import { checkSeparator } from "./types.ts";
 * console.log(checkSeparator(undefined)); // "/"
 * ```
 */
export function checkSeparator(separator: string | undefined): string {
  const s = separator ?? "/";
  separatorByte(s);
  return s;
}

/**
 * Why one directory entry cannot be a mailbox name component, if it cannot.
 *
 * @param name The entry's name.
 * @param separator The separator of the reported names (undefined: no separator check).
 * @returns A phrase such as `contains the separator "."`, or undefined when the name is usable.
 *
 * @example Rejecting a name that holds the separator
 * ```ts
 * import { badComponent } from "./types.ts";
 * console.log(badComponent("a.b", ".")); // 'contains the separator "."'
 * ```
 */
export function badComponent(name: string, separator: string | undefined): string | undefined {
  if (name.includes("\0")) return "contains a NUL byte";
  if (separator !== undefined && name.includes(separator)) return `contains the separator ${JSON.stringify(separator)}`;
  if (name.includes("\uFFFD")) return "is not valid UTF-8";
  // A name decoded from the store (modified UTF-7 holds UTF-16) may hold a lone surrogate.
  if (!hasUtf8Form(name)) return "has no UTF-8 form (it contains a lone surrogate)";
  return undefined;
}

/**
 * Whether `path` is `root` or lies inside it (both real, absolute paths).
 *
 * @param root Real path of the store root.
 * @param path Real path to test.
 * @returns True when `path` is inside the root.
 *
 * @example Containment
 * ```ts
 * import { isInside } from "./types.ts";
 * console.log(isInside("/srv/mail", "/srv/mail/.A"), isInside("/srv/mail", "/srv/mailx")); // true false
 * ```
 */
export function isInside(root: string, path: string): boolean {
  if (path === root) return true;
  const prefix = root.endsWith(pathSep) ? root : root + pathSep;
  return path.startsWith(prefix);
}

/**
 * Outcome of {@linkcode resolveDirLink}.
 *
 * @example Acting on a link
 * ```ts
 * import type { LinkTarget } from "./types.ts";
 * const t: LinkTarget = { kind: "dir", real: "/srv/mail/shared" };
 * if (t.kind === "dir") console.log(t.real);
 * ```
 */
export type LinkTarget =
  /** The link leads to a directory inside the root, at real path `real`. */
  | { kind: "dir"; real: string }
  /** The link leads to something that is not a directory, inside the root. */
  | { kind: "other" }
  /** The link must be skipped: `reason` is the warning text. */
  | { kind: "bad"; reason: string }
  /** Following the link failed (`err`): what it leads to is unknown. */
  | { kind: "failed"; err: unknown };

/**
 * Resolve a symbolic link met during a scan, without reading anything
 * outside the store root.
 *
 * @param link Path of the link, as it is read.
 * @param shown Path of the link as warnings show it.
 * @param rootReal Real path of the store root.
 * @param fs The scan's file system calls.
 * @returns Where the link leads, why it must be skipped, or that it could not be followed.
 *
 * @example Resolving a link
 * ```ts
 * import { resolveDirLink } from "./types.ts";
 * import { nodeScanFs } from "./io.ts";
 * const t = await resolveDirLink("/srv/mail/.Shared", "/srv/mail/.Shared", "/srv/mail", nodeScanFs);
 * if (t.kind === "bad") console.warn(t.reason);
 * ```
 */
export async function resolveDirLink(link: string, shown: string, rootReal: string, fs: ScanFs): Promise<LinkTarget> {
  let real: string;
  try {
    real = await fs.realpath(link);
  } catch (err) {
    const code = fsErrorCode(err);
    if (code === "ENOENT") return { kind: "bad", reason: `Skipping symbolic link "${shown}": its target does not exist` };
    if (code === "ELOOP") return { kind: "bad", reason: `Skipping symbolic link "${shown}": symbolic link loop` };
    return { kind: "failed", err };
  }
  if (!isInside(rootReal, real)) {
    return { kind: "bad", reason: `Skipping symbolic link "${shown}": it points outside the store root to "${real}"` };
  }
  try {
    return (await fs.stat(real)).isDirectory() ? { kind: "dir", real } : { kind: "other" };
  } catch (err) {
    return { kind: "failed", err };
  }
}

/**
 * Find entries by name in a directory listing.
 *
 * @param entries The listing.
 * @param names The names to look for.
 * @returns The entries found, keyed by name.
 *
 * @example Looking up cur and new
 * ```ts
 * import { nodeScanFs } from "./io.ts";
 * import { pickEntries } from "./types.ts";
 * const found = pickEntries(await nodeScanFs.readdir("."), ["cur", "new"]);
 * console.log(found.has("cur"));
 * ```
 */
export function pickEntries(entries: readonly ScanDirent[], names: readonly string[]): Map<string, ScanDirent> {
  const out = new Map<string, ScanDirent>();
  for (const e of entries) {
    if (names.includes(e.name)) out.set(e.name, e);
  }
  return out;
}
