/**
 * Dovecot's `subscriptions` file (SPEC §12), to import a store's
 * subscriptions. Two versions:
 *
 * - version 1: one name per line, its levels joined by the store's own
 *   hierarchy separator ("." for Maildir++, "/" for the fs layout);
 * - version 2: the header line `V<TAB>2` and a blank line, then one name per
 *   line with its levels joined by TAB, each level tab-escaped (`\x01`
 *   followed by `1`, `t`, `r`, `n` or `0` stands for `\x01`, TAB, CR, LF or
 *   NUL; before any other character it stands for that character).
 *
 * Each level is a store name: IMAP modified UTF-7 unless the store keeps
 * UTF-8 names, decoded like the scanners decode folder names (one that is
 * not valid modified UTF-7 is kept as its literal text, with a warning).
 * The levels are joined with the index's separator. One separator at the
 * end of a name is dropped (older writers added it); "INBOX" in any case is
 * "INBOX". A line whose name cannot be a mailbox name (an empty level, the
 * index's separator or a NUL inside a level, not valid UTF-8) is skipped
 * with a warning; blank lines are skipped quietly; CRLF line ends are read
 * like LF. Duplicates collapse to their first line; the names come in file
 * order.
 *
 * @module
 */
import { join } from "node:path";
import { checkedName, DEFAULT_LIMITS } from "../format/limits.ts";
import { separatorByte } from "../format/name_codec.ts";
import { nodeScanFs } from "./io.ts";
import { decodeComponent } from "./store_names.ts";
import { badComponent, checkSeparator, describeFsError, fsErrorCode, type ScanOptions, type ScanWarning } from "./types.ts";

/** Name of Dovecot's subscriptions file at the store root. */
const SUBSCRIPTIONS = "subscriptions";

/**
 * Options of {@linkcode parseDovecotSubscriptions}.
 *
 * @example A Maildir++ store's file, for an index with "/" as separator
 * ```ts
 * import type { SubscriptionsOptions } from "./subscriptions.ts";
 * const opts: SubscriptionsOptions = { separator: "/", storeSeparator: ".", path: "/srv/u/subscriptions" };
 * ```
 */
export interface SubscriptionsOptions {
  /** Separator of the names returned (the index's); one byte other than NUL. */
  separator: string;
  /**
   * The store's hierarchy separator, which joins the levels of a version-1
   * line: "." for Maildir++ (the default), "/" for the fs layout.
   */
  storeSeparator?: string;
  /** The store keeps its names as UTF-8, not IMAP modified UTF-7. */
  utf8Names?: boolean;
  /** The file's path, for warnings (default "subscriptions"). */
  path?: string;
  /** Called, in file order, for every line skipped and every level kept literally. */
  onWarning?: (w: ScanWarning) => void;
}

const TAB_ESCAPES: Record<string, string> = { "1": "\x01", t: "\t", r: "\r", n: "\n", "0": "\0" };

/**
 * Undo Dovecot's tab-escaping of one level (`str_tabunescape`): `\x01`
 * followed by `1`, `t`, `r`, `n` or `0` stands for `\x01`, TAB, CR, LF or
 * NUL, followed by any other character for that character; a `\x01` at the
 * end is dropped.
 *
 * @param s A tab-escaped level.
 * @returns The level.
 *
 * @example An escaped TAB
 * ```ts
 * import { tabUnescape } from "./subscriptions.ts";
 * console.log(JSON.stringify(tabUnescape("a\x01tb\x011c"))); // "a\tb\u0001c"
 * ```
 */
export function tabUnescape(s: string): string {
  if (!s.includes("\x01")) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\x01") out += c;
    else if (i + 1 < s.length) out += TAB_ESCAPES[s[++i]] ?? s[i];
  }
  return out;
}

/** Whether the text starts with the version-2 header (`V<TAB>2` and a blank line, LF or CRLF). */
function version2Body(text: string): number {
  if (text.startsWith("V\t2\n\n")) return 5;
  if (text.startsWith("V\t2\r\n\r\n")) return 7;
  return -1;
}

/**
 * The subscribed names of a Dovecot `subscriptions` file's text (see the
 * module documentation for the format).
 *
 * @param text The file's text (decoded from UTF-8; bytes that are not valid UTF-8 become U+FFFD and their lines are skipped).
 * @param options The index's separator, the store's, how it keeps names, the path and warning callback.
 * @returns The names, Unicode, joined with `separator`, distinct, in file order.
 * @throws {RangeError} When a separator is not one byte other than NUL.
 *
 * @example Both versions
 * ```ts
 * import { parseDovecotSubscriptions } from "./subscriptions.ts";
 * console.log(parseDovecotSubscriptions("INBOX\nEntw&APw-rfe\nArchiv.2024\n", { separator: "/" }));
 * // ["INBOX", "Entwürfe", "Archiv/2024"]
 * console.log(parseDovecotSubscriptions("V\t2\n\nArchiv\t2024\n&ZeVnLIqe-\n", { separator: "/" }));
 * // ["Archiv/2024", "日本語"]
 * ```
 */
export function parseDovecotSubscriptions(text: string, options: SubscriptionsOptions): string[] {
  const separator = checkSeparator(options.separator);
  const storeSeparator = options.storeSeparator ?? ".";
  separatorByte(storeSeparator);
  const utf8Names = options.utf8Names === true;
  const path = options.path ?? SUBSCRIPTIONS;
  const warn = options.onWarning ?? (() => {});
  const body = version2Body(text);
  const v2 = body >= 0;
  const lines = (v2 ? text.slice(body) : text).split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const firstLine = v2 ? 3 : 1;
  const seen = new Set<string>();
  const out: string[] = [];
  for (let k = 0; k < lines.length; k++) {
    let line = lines[k];
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line === "") continue;
    const where = `line ${k + firstLine} of "${path}"`;
    const levels = v2 ? line.split("\t").map(tabUnescape) : line.split(storeSeparator);
    if (levels.length > 1 && levels[levels.length - 1] === "") levels.pop();
    const names: string[] = new Array(levels.length);
    let bad: string | undefined;
    const literal: string[] = [];
    for (let i = 0; i < levels.length && bad === undefined; i++) {
      if (levels[i] === "") {
        bad = "has an empty level";
        break;
      }
      const d = decodeComponent(levels[i], utf8Names);
      names[i] = d.text;
      if (d.literal) literal.push(levels[i]);
      const why = badComponent(d.text, separator);
      if (why !== undefined) bad = `has a level that ${why}`;
    }
    if (bad !== undefined) {
      warn({ path, reason: `Skipping ${where}: the name ${JSON.stringify(line)} ${bad}` });
      continue;
    }
    const joined = names.join(separator);
    const name = /^inbox$/i.test(joined) ? "INBOX" : joined;
    for (const level of literal) {
      warn({
        path,
        folder: name,
        reason: `Level ${JSON.stringify(level)} of the name on ${where} is not valid modified UTF-7: kept as it is`,
      });
    }
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(name);
  }
  return out;
}

/** Bytes read at a time. */
const CHUNK = 64 * 1024;

/**
 * Read the `subscriptions` file at a store's root (see
 * {@linkcode parseDovecotSubscriptions}).
 *
 * @param root The store root.
 * @param options The index's separator (default "/"), the store's (`storeSeparator`, default "."), `utf8Names`, the warning callback and file system calls of a scan.
 * @returns The subscribed names; undefined when the root has no `subscriptions` file, or when it cannot be read (then with a warning naming the path and the error's code): either way there is nothing to import, and a caller keeps the subscriptions it has.
 * @throws {RangeError} When a separator is not one byte other than NUL.
 *
 * @example Importing a Maildir++ store's subscriptions
 * ```ts
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readDovecotSubscriptions } from "./subscriptions.ts";
 * const root = mkdtempSync(join(tmpdir(), "subs-"));
 * try {
 *   writeFileSync(join(root, "subscriptions"), "V\t2\n\nINBOX\nEntw&APw-rfe\tAlt\n");
 *   console.log(await readDovecotSubscriptions(root, { separator: "/" })); // ["INBOX", "Entwürfe/Alt"]
 * } finally {
 *   rmSync(root, { recursive: true });
 * }
 * ```
 */
export async function readDovecotSubscriptions(
  root: string,
  options: ScanOptions & { storeSeparator?: string } = {},
): Promise<string[] | undefined> {
  const separator = checkSeparator(options.separator);
  if (options.storeSeparator !== undefined) separatorByte(options.storeSeparator);
  const fs = options.fs ?? nodeScanFs;
  const path = join(root, SUBSCRIPTIONS);
  let text: string;
  try {
    const fh = await fs.open(path);
    try {
      const decoder = new TextDecoder();
      const buf = new Uint8Array(CHUNK);
      text = "";
      for (;;) {
        const n = await fh.read(buf, null);
        if (n === 0) break;
        text += decoder.decode(buf.subarray(0, n), { stream: true });
      }
      text += decoder.decode();
    } finally {
      await fh.close();
    }
  } catch (err) {
    const code = fsErrorCode(err);
    if (code === "ENOENT") return undefined;
    const words = describeFsError(err);
    const w: ScanWarning = {
      path,
      reason: `Cannot read "${path}": ${words}${code !== undefined && code !== words ? ` (${code})` : ""}; no subscriptions are imported`,
    };
    if (code !== undefined) w.code = code;
    options.onWarning?.(w);
    return undefined;
  }
  return parseDovecotSubscriptions(text, {
    separator,
    storeSeparator: options.storeSeparator,
    utf8Names: options.utf8Names,
    path,
    onWarning: options.onWarning,
  });
}

/**
 * A store's own subscriptions, made ready for an index (what `sync`,
 * `rebuild` and `bulk` import): the `subscriptions` file at the root of a
 * Maildir++ (levels joined by ".") or fs store (by "/"), each name checked
 * as the index checks subscribed names; one it cannot hold is left out with
 * a warning.
 *
 * @param layout "maildir" or "fs".
 * @param root The store root.
 * @param separator The index's separator.
 * @param options How the store keeps its names, the scan's file system calls, where warnings go.
 * @returns The names in their canonical spelling; undefined for a store without the file (or whose file cannot be read, with a warning).
 *
 * @example A Maildir++ store's subscriptions
 * ```ts
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readStoreSubscriptions } from "./subscriptions.ts";
 * const root = mkdtempSync(join(tmpdir(), "subs-"));
 * try {
 *   writeFileSync(join(root, "subscriptions"), "INBOX\nArchive.2009\n");
 *   console.log(await readStoreSubscriptions("maildir", root, "/")); // ["INBOX", "Archive/2009"]
 * } finally {
 *   rmSync(root, { recursive: true });
 * }
 * ```
 */
export async function readStoreSubscriptions(
  layout: "maildir" | "fs",
  root: string,
  separator: string,
  options: Pick<ScanOptions, "utf8Names" | "fs"> & { onWarning?: (message: string) => void } = {},
): Promise<string[] | undefined> {
  const names = await readDovecotSubscriptions(root, {
    separator,
    storeSeparator: layout === "maildir" ? "." : "/",
    utf8Names: options.utf8Names === true,
    fs: options.fs,
    onWarning: (w) => options.onWarning?.(w.reason),
  });
  if (names === undefined) return undefined;
  const sep = separatorByte(separator);
  const out: string[] = [];
  for (const name of names) {
    try {
      out.push(checkedName(name, sep, DEFAULT_LIMITS));
    } catch (e) {
      options.onWarning?.(`Subscription ${JSON.stringify(name)} of "${root}" is left out: ${(e as Error).message}`);
    }
  }
  return out;
}
