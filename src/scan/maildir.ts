/**
 * Scanning a Maildir++ store: the root is INBOX, and every directory
 * `.A.B.C` directly under it is the mailbox `A.B.C`. Also the reading of one
 * Maildir folder's STATUS figures, which the directory-per-folder scanner
 * shares.
 *
 * @module
 */

import { join } from "node:path";
import { StoreReadError } from "../format/errors.ts";
import { nodeScanFs, type ScanDirent, type ScanFs } from "./io.ts";
import type { MailboxStatus } from "../format/types.ts";
import {
  badComponent,
  checkSeparator,
  compareNames,
  describeFsError,
  failureWarning,
  fsErrorCode,
  pickEntries,
  resolveDirLink,
  type ScannedMailbox,
  type ScanOptions,
  type ScanWarning,
  type StoreNameOptions,
} from "./types.ts";
import { decodeComponent, literalNameWarning } from "./store_names.ts";
import { readUidList, type UidList } from "./uidlist.ts";
import { applySpecialUse, resolveSpecialUse } from "./special_use.ts";

/** How many folders are read at the same time. */
const WINDOW = 32;

/** Name of Dovecot's per-folder UID list. */
const UIDLIST = "dovecot-uidlist";

/** What a scan of one folder's Maildir reads with and reports to. */
interface Probe {
  fs: ScanFs;
  folder: string;
  warnings: ScanWarning[];
}

/** The warning about a Maildir part whose failure leaves the folder's STATUS unknown. */
function statusUnknown(probe: Probe, what: string, shown: string, err: unknown): void {
  probe.warnings.push(failureWarning(what, shown, probe.folder, err, false, "its STATUS is not reported"));
}

/**
 * Read a uid list (see {@linkcode readUidList}): undefined (with a warning)
 * when the header is unknown, null (with a warning) when the file cannot be
 * read.
 */
async function readFolderUidList(path: string, shown: string, probe: Probe): Promise<UidList | undefined | null> {
  try {
    return await readUidList(path, probe.fs, (start) => {
      probe.warnings.push({ path: shown, reason: `Ignoring "${shown}": unknown header ${JSON.stringify(start)}` });
    });
  } catch (err) {
    statusUnknown(probe, `Cannot read "${shown}"`, shown, err);
    return null;
  }
}

/** What one of `cur/` and `new/` holds. */
interface MessageCount {
  files: number;
  unseen: number;
  /** Messages with the `T` (trashed: \Deleted) flag. */
  deleted: number;
  /** Their sizes in bytes; undefined when one could not be learnt. */
  size: number | undefined;
}

/**
 * The size a Maildir message file name gives in its `S=` field
 * (`1700000000.M1P1.host,S=1234,W=1260:2,S`), or -1 when it gives none.
 *
 * @param name The file name.
 * @param info Where its `:2,` info starts (-1: it has none).
 * @returns The size, or -1.
 *
 * @example A name with a size and one without
 * ```ts
 * import { maildirNameSize } from "./maildir.ts";
 * const name = "1700000000.M1P1.host,S=1234,W=1260:2,S";
 * console.log(maildirNameSize(name, name.lastIndexOf(":2,")), maildirNameSize("1700000000.M2P1.host", -1)); // 1234 -1
 * ```
 */
export function maildirNameSize(name: string, info: number): number {
  const end = info < 0 ? name.length : info;
  let at = name.indexOf(",S=");
  while (at >= 0 && at < end) {
    let n = 0, digits = 0;
    for (let i = at + 3; i < end; i++) {
      const c = name.charCodeAt(i);
      if (c < 0x30 || c > 0x39) {
        if (c !== 0x2c) digits = 0; // not "S=<digits>" up to the next field
        break;
      }
      n = n * 10 + (c - 0x30);
      digits++;
    }
    if (digits > 0 && digits <= 15) return n;
    at = name.indexOf(",S=", at + 3);
  }
  return -1;
}

/** Stats at a time for the sizes of messages whose names give none. */
const STAT_WINDOW = 64;

/**
 * Count the messages of `cur/` or `new/`: files, unseen (no `S` flag),
 * deleted (`T` flag) and their total size — from each name's `S=` field,
 * else from `stat` (a file gone in between is skipped: it was moved or
 * expunged). Undefined (with a warning) when the directory is unreadable;
 * `size` undefined (with a warning) when a file's size could not be learnt.
 */
async function countMessages(path: string, shown: string, probe: Probe): Promise<MessageCount | undefined> {
  let entries: ScanDirent[];
  try {
    entries = await probe.fs.readdir(path);
  } catch (err) {
    statusUnknown(probe, `Cannot read directory "${shown}"`, shown, err);
    return undefined;
  }
  let files = 0, unseen = 0, deleted = 0, size = 0;
  const unsized: string[] = [];
  for (const e of entries) {
    const name = e.name;
    if (name.charCodeAt(0) === 0x2e || e.isDirectory()) continue;
    files++;
    const info = name.lastIndexOf(":2,");
    if (info < 0 || name.indexOf("S", info + 3) < 0) unseen++;
    if (info >= 0 && name.indexOf("T", info + 3) >= 0) deleted++;
    const bytes = maildirNameSize(name, info);
    if (bytes >= 0) size += bytes;
    else unsized.push(name);
  }
  let known = true;
  for (let i = 0; i < unsized.length && known; i += STAT_WINDOW) {
    const sizes = await Promise.all(unsized.slice(i, i + STAT_WINDOW).map((name) => fileSize(join(path, name), probe)));
    for (const s of sizes) {
      if (s === undefined) known = false;
      else size += s;
    }
  }
  return { files, unseen, deleted, size: known ? size : undefined };
}

/** The size of a message file: 0 when it is gone, undefined (with a warning) when it cannot be learnt. */
async function fileSize(path: string, probe: Probe): Promise<number | undefined> {
  try {
    const size = (await probe.fs.stat(path)).size;
    if (size === undefined) return undefined;
    return Number(size);
  } catch (err) {
    if (fsErrorCode(err) === "ENOENT") return 0;
    probe.warnings.push(failureWarning(`Cannot stat "${path}"`, path, probe.folder, err, false, "its SIZE is not reported"));
    return undefined;
  }
}

/**
 * What a folder's listing says about it as a Maildir.
 *
 * @example A probe result
 * ```ts
 * import type { MaildirProbe } from "./maildir.ts";
 * const p: MaildirProbe = { selectable: false, maildirLike: false };
 * ```
 */
export interface MaildirProbe {
  /** It has both `cur/` and `new/`. */
  selectable: boolean;
  /** It has `cur/` or `new/`, so `cur`, `new` and `tmp` are not sub-folders. */
  maildirLike: boolean;
  /** STATUS figures when selectable and readable. */
  status?: MailboxStatus;
  /** The mailbox GUID from the `dovecot-uidlist` header's `G`, when it has one. */
  guid?: string;
}

/**
 * Decide whether a folder is a Maildir and, if so, count its messages:
 * messages = files in `cur/` + `new/`; unseen = files in `new/` + files in
 * `cur/` whose info part lacks `S`; recent = files in `new/`; deleted
 * (RFC 9051 STATUS DELETED) = files whose info part has `T`; size (RFC 8438
 * STATUS SIZE) = the sum of the `S=<bytes>` fields of the file names, each
 * file without one `stat`ed (no size, with a warning, when one cannot be); UIDVALIDITY
 * and UIDNEXT from `dovecot-uidlist` (0 without one; UIDNEXT is the larger
 * of its header's `N` and its highest UID plus one, see `readUidList` of
 * uidlist.ts), and the mailbox GUID from its header's `G`. Files whose names start
 * with "." are not messages. When `cur/`, `new/` or `dovecot-uidlist` cannot
 * be read, there are no figures (the caller's cached STATUS stays as it was),
 * with a warning naming the folder and the error's code.
 *
 * @param dir Path of the folder, as it is read.
 * @param shown Path of the folder as warnings show it.
 * @param entries The folder's listing.
 * @param warnings Receives what was skipped.
 * @param folder The folder's mailbox name, for warnings.
 * @param fs The scan's file system calls.
 * @returns Whether it is selectable, and its figures.
 *
 * @example Probing a folder
 * ```ts ignore
 * import { nodeScanFs } from "./io.ts";
 * import { probeMaildir } from "./maildir.ts";
 * import type { ScanWarning } from "./types.ts";
 * const warnings: ScanWarning[] = [];
 * const dir = "/srv/mail/u/.Sent";
 * const p = await probeMaildir(dir, dir, await nodeScanFs.readdir(dir), warnings, "Sent");
 * console.log(p.selectable, p.status?.messages);
 * ```
 */
export async function probeMaildir(
  dir: string,
  shown: string,
  entries: readonly ScanDirent[],
  warnings: ScanWarning[],
  folder: string,
  fs: ScanFs = nodeScanFs,
): Promise<MaildirProbe> {
  const found = pickEntries(entries, ["cur", "new", UIDLIST]);
  const cur = found.get("cur");
  const nw = found.get("new");
  const curDir = cur?.isDirectory() ?? false;
  const newDir = nw?.isDirectory() ?? false;
  for (const e of [cur, nw]) {
    if (e !== undefined && !e.isDirectory()) {
      const p = join(shown, e.name);
      warnings.push({ path: p, reason: `Skipping "${p}": not a directory, so "${shown}" is not selectable` });
    }
  }
  if (curDir !== newDir) {
    const [has, lacks] = curDir ? ["cur", "new"] : ["new", "cur"];
    warnings.push({ path: shown, reason: `Folder "${shown}" has ${has}/ but no ${lacks}/: reported as not selectable` });
  }
  const maildirLike = curDir || newDir;
  if (!curDir || !newDir) return { selectable: false, maildirLike };
  const uidlist = found.get(UIDLIST);
  const probe: Probe = { fs, folder, warnings };
  const [c, n, u] = await Promise.all([
    countMessages(join(dir, "cur"), join(shown, "cur"), probe),
    countMessages(join(dir, "new"), join(shown, "new"), probe),
    uidlist?.isFile() ? readFolderUidList(join(dir, UIDLIST), join(shown, UIDLIST), probe) : undefined,
  ]);
  const p: MaildirProbe = { selectable: true, maildirLike };
  if (u?.guid !== undefined) p.guid = u.guid;
  if (c === undefined || n === undefined || u === null) return p;
  p.status = {
    messages: c.files + n.files,
    unseen: c.unseen + n.files,
    recent: n.files,
    uidValidity: u?.uidValidity ?? 0,
    uidNext: u?.uidNext ?? 0,
    deleted: c.deleted + n.deleted,
  };
  if (c.size !== undefined && n.size !== undefined) p.status.size = c.size + n.size;
  return p;
}

/**
 * List the store root, or fail with an error naming it: a root that cannot
 * be listed is never an empty store.
 *
 * @param root The store root.
 * @param fs The scan's file system calls.
 * @returns Its real path and its entries.
 * @throws StoreReadError when the root cannot be read.
 *
 * @example Listing a root
 * ```ts ignore
 * import { readStoreRoot } from "./maildir.ts";
 * const { real, entries } = await readStoreRoot("/srv/mail/u");
 * console.log(real, entries.length);
 * ```
 */
export async function readStoreRoot(root: string, fs: ScanFs = nodeScanFs): Promise<{ real: string; entries: ScanDirent[] }> {
  try {
    const real = await fs.realpath(root);
    return { real, entries: await fs.readdir(real) };
  } catch (err) {
    throw new StoreReadError(root, describeFsError(err), fsErrorCode(err), { cause: err });
  }
}

/** True when the listing has both `cur/` and `new/` directories. */
function hasCurNew(entries: readonly ScanDirent[]): boolean {
  const found = pickEntries(entries, ["cur", "new"]);
  return (found.get("cur")?.isDirectory() ?? false) && (found.get("new")?.isDirectory() ?? false);
}

/** Non-empty components of a Maildir++ folder directory name (".A..B" → ["A", "B"]). */
function components(dirName: string): string[] {
  return dirName.slice(1).split(".").filter((c) => c !== "");
}

/** The shard key of a Maildir++ folder directory: its decoded first component ("" when it has none). */
function shardKey(dirName: string, utf8Names: boolean): string {
  let from = 1;
  while (from < dirName.length && dirName.charCodeAt(from) === 0x2e) from++;
  const end = dirName.indexOf(".", from);
  const first = end < 0 ? dirName.slice(from) : dirName.slice(from, end);
  return first === "" ? "" : decodeComponent(first, utf8Names).text;
}

/**
 * The distinct first components of a Maildir++ store's folders, decoded as
 * the scan decodes them (see {@linkcode ScanOptions.utf8Names}), for
 * sharding a scan across workers with {@linkcode ScanOptions.topLevel}.
 * The list starts with "" (the root, INBOX) when the root has `cur/` and
 * `new/`; the rest is sorted by bytes. Two spellings of one name
 * (`.Entwürfe` and `.Entw&APw-rfe`) give one key, so they meet in one
 * shard. Scanning every key in any split of the list reports what one
 * unsharded scan reports, in the same order, except that a symbolic link
 * whose target another shard's link already led to is followed in each
 * shard.
 *
 * @param root The store root (INBOX's Maildir).
 * @param fs The scan's file system calls.
 * @param options `utf8Names`, as the scan will be given it.
 * @returns The shard keys.
 * @throws StoreReadError when the root cannot be read.
 *
 * @example Sharding a scan
 * ```ts ignore
 * import { listMaildirTopLevel, scanMaildir } from "./maildir.ts";
 * const keys = await listMaildirTopLevel("/srv/mail/u");
 * for await (const m of scanMaildir("/srv/mail/u", { topLevel: keys.slice(0, 10) })) console.log(m.name);
 * ```
 */
export async function listMaildirTopLevel(
  root: string,
  fs: ScanFs = nodeScanFs,
  options: StoreNameOptions = {},
): Promise<string[]> {
  const { entries } = await readStoreRoot(root, fs);
  const utf8Names = options.utf8Names === true;
  const keys = new Set<string>();
  for (const e of entries) {
    if (e.name.charCodeAt(0) !== 0x2e || !(e.isDirectory() || e.isSymbolicLink())) continue;
    const key = shardKey(e.name, utf8Names);
    if (key !== "") keys.add(key);
  }
  const sorted = [...keys].sort(compareNames);
  return hasCurNew(entries) ? ["", ...sorted] : sorted;
}

/** One folder directory to read. */
interface Folder {
  name: string;
  dirName: string;
  shown: string;
  /** Real path to read; undefined while a link is unresolved. */
  real?: string;
  link: boolean;
  /** A component was kept literally (not valid modified UTF-7). */
  literal: boolean;
}

/** Result of reading one folder. */
interface FolderResult {
  mailbox?: ScannedMailbox;
  warnings: ScanWarning[];
}

/** What follows when a folder of a Maildir++ store cannot be read. */
const NOT_REPORTED = "the folder is not reported";

async function readFolder(f: Folder, fs: ScanFs): Promise<FolderResult> {
  const warnings: ScanWarning[] = [];
  try {
    let entries: ScanDirent[];
    try {
      entries = await fs.readdir(f.real!);
    } catch (err) {
      warnings.push(failureWarning(`Cannot read directory "${f.shown}"`, f.shown, f.name, err, true, NOT_REPORTED));
      return { warnings };
    }
    const p = await probeMaildir(f.real!, f.shown, entries, warnings, f.name, fs);
    const mailbox: ScannedMailbox = { name: f.name, selectable: p.selectable };
    if (p.status) mailbox.status = p.status;
    if (p.guid !== undefined) mailbox.guid = p.guid;
    return { mailbox, warnings };
  } catch (err) {
    warnings.push(failureWarning(`Cannot read folder "${f.shown}"`, f.shown, f.name, err, true, NOT_REPORTED));
    return { warnings };
  }
}

/**
 * Scan a Maildir++ store. The root is INBOX (reported as "INBOX" when it has
 * `cur/` and `new/`); every directory `.A.B.C` directly under it is the
 * mailbox `A.B.C`, reported with its components joined by
 * {@linkcode ScanOptions.separator}. Empty components are skipped (`..A` is
 * `A`). Each component is decoded from IMAP modified UTF-7
 * (`.Entw&APw-rfe` is "Entwürfe") unless {@linkcode ScanOptions.utf8Names}
 * is set; a component that is not valid modified UTF-7 is kept as its
 * literal text, with a warning. A folder is selectable when it has `cur/`
 * and `new/`; see {@linkcode probeMaildir} for the STATUS figures.
 *
 * Skipped, with a warning: unreadable folders, names with the separator or
 * a NUL byte, names that are not valid UTF-8, empty names, a second
 * directory naming a mailbox already reported (of `.Entwürfe` and
 * `.Entw&APw-rfe` the one in valid modified UTF-7 is kept, of `..A` and
 * `.A` the canonical one), non-directories named like folders, and
 * symbolic links that dangle, loop, point outside the root or at a
 * directory another link already led to. A folder whose `cur/`, `new/` or
 * `dovecot-uidlist` cannot be read is reported without STATUS. INBOX comes
 * first, then the folders by their decoded first component (the shard key
 * of {@linkcode listMaildirTopLevel}), then by directory name.
 *
 * A folder directory that fails to list, or a link to one that cannot be
 * followed, is not reported; its warning has `unread: true`, the folder's
 * name and the error's code. A caller that deletes what a scan did not
 * report must keep such a folder as it was (SPEC §9).
 *
 * @param root The store root (INBOX's Maildir).
 * @param options Separator, how names are stored, warning callback, shard and file system calls.
 * @returns The mailboxes, as they are read.
 * @throws StoreReadError when the root cannot be read; RangeError for a bad separator or special-use attribute.
 *
 * @example Listing a Maildir++ store
 * ```ts ignore
 * import { scanMaildir } from "./maildir.ts";
 * for await (const m of scanMaildir("/srv/mail/u", { onWarning: (w) => console.warn(w.reason) })) {
 *   console.log(m.name, m.selectable, m.status?.unseen);
 * }
 * ```
 */
export async function* scanMaildir(root: string, options: ScanOptions = {}): AsyncGenerator<ScannedMailbox> {
  const separator = checkSeparator(options.separator);
  const specialUse = resolveSpecialUse(options.specialUse);
  const warn = options.onWarning ?? (() => {});
  const top = options.topLevel === undefined ? undefined : new Set(options.topLevel);
  const fs = options.fs ?? nodeScanFs;
  const { real: rootReal, entries } = await readStoreRoot(root, fs);
  const rootIsMaildir = hasCurNew(entries);

  if (top === undefined || top.has("")) {
    const warnings: ScanWarning[] = [];
    const p = await probeMaildir(rootReal, root, entries, warnings, "INBOX", fs);
    for (const w of warnings) warn(w);
    if (p.selectable) {
      const inbox: ScannedMailbox = { name: "INBOX", selectable: true };
      if (p.status) inbox.status = p.status;
      if (p.guid !== undefined) inbox.guid = p.guid;
      applySpecialUse(inbox, specialUse);
      yield inbox;
    }
  }

  // Pick the folder directories: by shard key (the decoded first
  // component), then by directory name, so that shards keep this order.
  const utf8Names = options.utf8Names === true;
  const keyed: { e: ScanDirent; key: string }[] = [];
  for (const e of entries) {
    if (e.name.charCodeAt(0) === 0x2e) keyed.push({ e, key: shardKey(e.name, utf8Names) });
  }
  keyed.sort((a, b) => compareNames(a.key, b.key) || compareNames(a.e.name, b.e.name));
  let folders: Folder[] = [];
  for (const { e, key } of keyed) {
    const shown = join(root, e.name);
    const raw = components(e.name);
    if (raw.length === 0) {
      if (top === undefined) warn({ path: shown, reason: `Skipping "${shown}": the folder name is empty` });
      continue;
    }
    if (top !== undefined && !top.has(key)) continue;
    const link = e.isSymbolicLink();
    if (!e.isDirectory() && !link) {
      warn({ path: shown, reason: `Skipping "${shown}": not a directory` });
      continue;
    }
    const comps: string[] = new Array(raw.length);
    let literal = false;
    let bad: string | undefined;
    for (let i = 0; i < raw.length && bad === undefined; i++) {
      const d = decodeComponent(raw[i], utf8Names);
      comps[i] = d.text;
      if (d.literal) literal = true;
      bad = badComponent(d.text, separator === "." ? undefined : separator);
    }
    if (bad) {
      warn({ path: shown, reason: `Skipping "${shown}": the name ${bad}` });
      continue;
    }
    const name = comps.join(separator);
    if (literal) warn(literalNameWarning(e.name, shown, name));
    if (name === "INBOX" && rootIsMaildir) {
      warn({ path: shown, reason: `Skipping "${shown}": "INBOX" is the store root "${root}"` });
      continue;
    }
    folders.push({ name, dirName: e.name, shown, link, literal, real: link ? undefined : join(rootReal, e.name) });
  }

  // Resolve symbolic links (never to the root itself).
  for (const f of folders) {
    if (!f.link) continue;
    const t = await resolveDirLink(join(rootReal, f.dirName), f.shown, rootReal, fs);
    if (t.kind === "bad") warn({ path: f.shown, reason: t.reason });
    else if (t.kind === "failed") {
      warn(failureWarning(`Cannot resolve symbolic link "${f.shown}"`, f.shown, f.name, t.err, true, NOT_REPORTED));
    }
    else if (t.kind === "other") warn({ path: f.shown, reason: `Skipping "${f.shown}": not a directory` });
    else if (t.real === rootReal) {
      warn({ path: f.shown, reason: `Skipping symbolic link "${f.shown}": symbolic link loop (it points to the store root)` });
    } else f.real = t.real;
  }
  folders = folders.filter((f) => f.real !== undefined);

  // One directory per mailbox name: prefer the spelling in valid modified
  // UTF-7 (".Entw&APw-rfe" over ".Entwürfe"), then the canonical one (".A.B" over "..A.B").
  const byName = new Map<string, number>();
  const unique: (Folder | undefined)[] = [];
  for (const f of folders) {
    const seen = byName.get(f.name);
    if (seen === undefined) {
      byName.set(f.name, unique.length);
      unique.push(f);
      continue;
    }
    const first = unique[seen]!;
    const canonical = "." + components(f.dirName).join(".");
    const better = f.literal !== first.literal
      ? !f.literal
      : f.dirName === canonical && first.dirName !== canonical;
    const [keep, drop] = better ? [f, first] : [first, f];
    unique[seen] = keep;
    warn({ path: drop.shown, reason: `Skipping "${drop.shown}": it names the same mailbox "${f.name}" as "${keep.shown}"` });
  }

  // Follow each link target once.
  const followed = new Map<string, string>();
  for (let i = 0; i < unique.length; i++) {
    const f = unique[i]!;
    if (!f.link) continue;
    const from = followed.get(f.real!);
    if (from === undefined) {
      followed.set(f.real!, f.shown);
    } else {
      warn({ path: f.shown, reason: `Skipping symbolic link "${f.shown}": its target "${f.real}" was already followed from "${from}"` });
      unique[i] = undefined;
    }
  }

  const list = unique.filter((f): f is Folder => f !== undefined);
  const tasks: (Promise<FolderResult> | undefined)[] = new Array(list.length);
  let started = 0;
  for (let i = 0; i < list.length; i++) {
    while (started < list.length && started < i + WINDOW) {
      tasks[started] = readFolder(list[started], fs);
      started++;
    }
    const r = await tasks[i]!;
    tasks[i] = undefined;
    for (const w of r.warnings) warn(w);
    if (r.mailbox) {
      applySpecialUse(r.mailbox, specialUse);
      yield r.mailbox;
    }
  }
}
