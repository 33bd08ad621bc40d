/**
 * Scanning a directory-per-folder store (like Dovecot's `LAYOUT=fs`): every
 * directory under the root is a mailbox named by its relative path.
 *
 * @module
 */

import { join } from "node:path";
import { nodeScanFs, type ScanDirent, type ScanFs } from "./io.ts";
import { type MaildirProbe, probeMaildir, readStoreRoot } from "./maildir.ts";
import {
  badComponent,
  checkSeparator,
  compareNames,
  failureWarning,
  isInside,
  pickEntries,
  resolveDirLink,
  type ScannedMailbox,
  type ScanOptions,
  type ScanWarning,
  type StoreNameOptions,
} from "./types.ts";
import { decodeComponent, literalNameWarning } from "./store_names.ts";
import { applySpecialUse, resolveSpecialUse } from "./special_use.ts";

/** How many folders, counted from the next one to report, are read ahead. */
const WINDOW = 32;

/** Sub-directories of a Maildir that are not folders. */
const MAILDIR_DIRS = ["cur", "new", "tmp"];

/** One directory of the walk. */
interface Node {
  /** Mailbox name; "" for the root. */
  name: string;
  /** Path as warnings show it. */
  shown: string;
  /** Real path it is read at. */
  real: string;
  /** The directory it was found in (undefined for the root). */
  parent: Node | undefined;
  /** Reached through a symbolic link. */
  viaLink: boolean;
  /** Do not report this directory itself (its sub-folders are still scanned). */
  silent: boolean;
  /** Its on-disk name was kept literally (not valid modified UTF-7). */
  literal: boolean;
  /**
   * Other directories whose names decode to the same mailbox name
   * (`Entwürfe` beside `Entw&APw-rfe`): their sub-folders join this one's.
   */
  alts: Node[];
  /** The reading of this directory, once started. */
  task?: Promise<Visit>;
}

/** What reading one directory found. */
interface Visit {
  warnings: ScanWarning[];
  mailbox?: ScannedMailbox;
  /** Sub-folders in byte order of their names. */
  children: Node[];
}

/** Settings of one scan. */
interface Walk {
  separator: string;
  rootReal: string;
  top: Set<string> | undefined;
  fs: ScanFs;
  utf8Names: boolean;
}

/** What follows when a directory of the store cannot be read. */
const NOT_REPORTED = "the folder and its sub-folders are not reported";

/** Whether a listing looks like a Maildir, so that cur/new/tmp are not folders. */
function maildirLike(entries: readonly ScanDirent[]): boolean {
  const found = pickEntries(entries, ["cur", "new"]);
  return (found.get("cur")?.isDirectory() ?? false) || (found.get("new")?.isDirectory() ?? false);
}

/** Whether a listing has both `cur/` and `new/` directories. */
function hasCurNew(entries: readonly ScanDirent[]): boolean {
  const found = pickEntries(entries, ["cur", "new"]);
  return (found.get("cur")?.isDirectory() ?? false) && (found.get("new")?.isDirectory() ?? false);
}

/**
 * The top-level folder names of a directory-per-folder store, for sharding a
 * scan across workers with {@linkcode ScanOptions.topLevel}. The list starts
 * with "" (the root, INBOX) when the root has `cur/` and `new/`; the rest are
 * the names of the root's sub-directories (and links to them), decoded as
 * the scan decodes them (see {@linkcode ScanOptions.utf8Names}), distinct and
 * sorted by bytes: two spellings of one name (`Entwürfe` and
 * `Entw&APw-rfe`) give one key. Scanning every key in any split of the list
 * reports what one unsharded scan reports, in the same order, except that a
 * symbolic link whose target another shard's link already led to is
 * followed in each shard.
 *
 * @param root The store root.
 * @param fs The scan's file system calls.
 * @param options `utf8Names`, as the scan will be given it.
 * @returns The shard keys.
 * @throws StoreReadError when the root cannot be read.
 *
 * @example Sharding a scan
 * ```ts ignore
 * import { listFsTopLevel, scanFsLayout } from "./fs.ts";
 * const keys = await listFsTopLevel("/srv/mail/u");
 * for await (const m of scanFsLayout("/srv/mail/u", { topLevel: keys.slice(0, 10) })) console.log(m.name);
 * ```
 */
export async function listFsTopLevel(
  root: string,
  fs: ScanFs = nodeScanFs,
  options: StoreNameOptions = {},
): Promise<string[]> {
  const { entries } = await readStoreRoot(root, fs);
  const skipMaildirDirs = maildirLike(entries);
  const utf8Names = options.utf8Names === true;
  const unique = new Set<string>();
  for (const e of entries) {
    if (!(e.isDirectory() || e.isSymbolicLink())) continue;
    if (skipMaildirDirs && MAILDIR_DIRS.includes(e.name)) continue;
    unique.add(decodeComponent(e.name, utf8Names).text);
  }
  const keys = [...unique].sort(compareNames);
  return hasCurNew(entries) ? ["", ...keys] : keys;
}

/**
 * One sub-directory of `node` (found in the listing `l`, of `node` itself or
 * of another spelling of its name) as a child of the walk, or undefined
 * (with a warning) when it is skipped.
 */
async function readChild(
  node: Node,
  l: { shown: string; real: string },
  e: ScanDirent,
  text: string,
  literal: boolean,
  walk: Walk,
  warnings: ScanWarning[],
): Promise<Node | undefined> {
  const isRoot = node.parent === undefined;
  const shown = join(l.shown, e.name);
  const bad = badComponent(text, walk.separator);
  if (bad !== undefined) {
    warnings.push({ path: shown, reason: `Skipping "${shown}": the name ${bad}` });
    return undefined;
  }
  const name = isRoot ? text : node.name + walk.separator + text;
  let real = join(l.real, e.name);
  const viaLink = e.isSymbolicLink();
  if (viaLink) {
    const t = await resolveDirLink(real, shown, walk.rootReal, walk.fs);
    if (t.kind === "other") return undefined;
    if (t.kind === "bad") {
      warnings.push({ path: shown, reason: t.reason });
      return undefined;
    }
    if (t.kind === "failed") {
      warnings.push(failureWarning(`Cannot resolve symbolic link "${shown}"`, shown, name, t.err, true, NOT_REPORTED));
      return undefined;
    }
    let loop: string | undefined;
    for (let a: Node | undefined = node; a !== undefined && loop === undefined; a = a.parent) {
      if (isInside(t.real, a.real)) loop = a.shown;
      for (const alt of a.alts) if (loop === undefined && isInside(t.real, alt.real)) loop = alt.shown;
    }
    if (loop !== undefined) {
      warnings.push({ path: shown, reason: `Skipping symbolic link "${shown}": symbolic link loop (it leads back to "${loop}")` });
      return undefined;
    }
    real = t.real;
  }
  if (literal) warnings.push(literalNameWarning(e.name, shown, name));
  return { name, shown, real, parent: node, viaLink, silent: false, literal, alts: [] };
}

/** Read one directory: its own status and its sub-folders. Rejects only for the root. */
async function visit(node: Node, walk: Walk, given?: ScanDirent[]): Promise<Visit> {
  const warnings: ScanWarning[] = [];
  try {
    let entries: ScanDirent[];
    if (given !== undefined) entries = given;
    else {
      try {
        entries = await walk.fs.readdir(node.real);
      } catch (err) {
        warnings.push(failureWarning(`Cannot read directory "${node.shown}"`, node.shown, node.name, err, true, NOT_REPORTED));
        return { warnings, children: [] };
      }
    }
    const isRoot = node.parent === undefined;
    const reportSelf = isRoot ? walk.top === undefined || walk.top.has("") : !node.silent;
    // Only the shard that reports a directory counts its messages and warns about it.
    const probe: MaildirProbe = reportSelf
      ? await probeMaildir(node.real, node.shown, entries, warnings, isRoot ? "INBOX" : node.name, walk.fs)
      : { selectable: hasCurNew(entries), maildirLike: maildirLike(entries) };
    let mailbox: ScannedMailbox | undefined;
    if (reportSelf && (!isRoot || probe.selectable)) {
      mailbox = { name: isRoot ? "INBOX" : node.name, selectable: probe.selectable };
      if (probe.status) mailbox.status = probe.status;
      if (probe.guid !== undefined) mailbox.guid = probe.guid;
    }

    // Sub-folders of this directory and of the other spellings of its name.
    const listings = [{ shown: node.shown, real: node.real, entries, maildirLike: probe.maildirLike }];
    for (const alt of node.alts) {
      try {
        const more = await walk.fs.readdir(alt.real);
        listings.push({ shown: alt.shown, real: alt.real, entries: more, maildirLike: maildirLike(more) });
      } catch (err) {
        warnings.push(failureWarning(`Cannot read directory "${alt.shown}"`, alt.shown, node.name, err, true, NOT_REPORTED));
      }
    }
    const byName = new Map<string, Node>();
    for (const l of listings) {
      const subdirs = l.entries
        .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !(l.maildirLike && MAILDIR_DIRS.includes(e.name)))
        .sort((a, b) => compareNames(a.name, b.name));
      for (const e of subdirs) {
        const d = decodeComponent(e.name, walk.utf8Names);
        if (isRoot && walk.top !== undefined && !walk.top.has(d.text)) continue;
        const child = await readChild(node, l, e, d.text, d.literal, walk, warnings);
        if (child === undefined) continue;
        if (isRoot && child.name === "INBOX" && probe.selectable) {
          child.silent = true;
          warnings.push({
            path: child.shown,
            reason: `Not reporting "${child.shown}" itself: "INBOX" is the store root "${node.shown}" (its sub-folders are scanned)`,
          });
        }
        const seen = byName.get(child.name);
        if (seen === undefined) {
          byName.set(child.name, child);
          continue;
        }
        // Two spellings of one name: the one in valid modified UTF-7 is the folder, the other's sub-folders join it.
        const [keep, drop] = seen.literal && !child.literal ? [child, seen] : [seen, child];
        keep.alts.push(drop, ...drop.alts);
        drop.alts = [];
        byName.set(child.name, keep);
        warnings.push({
          path: drop.shown,
          folder: child.name,
          reason: `Merging "${drop.shown}" into "${keep.shown}": both name the mailbox ${
            JSON.stringify(child.name)
          }; it is reported from "${keep.shown}", with the sub-folders of both`,
        });
      }
    }
    const children = [...byName.values()].sort((a, b) => compareNames(a.name, b.name));
    return { warnings, mailbox, children };
  } catch (err) {
    // The root's own failure is the scan's error (never an empty store); any other directory is unread.
    if (node.parent === undefined) throw err;
    warnings.push(failureWarning(`Cannot read directory "${node.shown}"`, node.shown, node.name, err, true, NOT_REPORTED));
    return { warnings, children: [] };
  }
}

/**
 * Scan a directory-per-folder store (like Dovecot's `LAYOUT=fs`). Each
 * directory under the root is a mailbox named by its path relative to the
 * root, joined with {@linkcode ScanOptions.separator}. A directory with
 * `cur/` and `new/` is a selectable Maildir (figures as in
 * {@linkcode probeMaildir}) whose `cur`, `new` and `tmp` are not folders;
 * any other directory is reported with `selectable: false` (`\Noselect`)
 * and no status. The root is reported as "INBOX" when it has `cur/` and
 * `new/`.
 *
 * Each level of a name is decoded from IMAP modified UTF-7
 * (`Entw&APw-rfe/` is "Entwürfe") unless {@linkcode ScanOptions.utf8Names}
 * is set; a level that is not valid modified UTF-7 is kept as its literal
 * text, with a warning. Two directories whose names decode to one mailbox
 * (`Entwürfe/` beside `Entw&APw-rfe/`) give one mailbox, with a warning
 * naming both: the one in valid modified UTF-7 is reported (its
 * selectability and STATUS), and the sub-folders of both are scanned as
 * its sub-folders (merged again by name).
 *
 * Skipped, with a warning: names with the separator or a NUL byte or not
 * valid UTF-8 (also after decoding), and symbolic links that dangle, loop,
 * point outside the root or at a directory another link already led to.
 * Links to files are ignored like files. A folder whose `cur/`, `new/` or
 * `dovecot-uidlist` cannot be read is reported without STATUS. The order is
 * depth-first, parents before children, sub-folders in byte order of their
 * decoded names, INBOX first. At most a few dozen directories are open at
 * any time.
 *
 * A directory that fails to list, or a link to one that cannot be followed,
 * is not reported, nor is anything under it; its warning has
 * `unread: true`, the folder's name and the error's code. A caller that
 * deletes what a scan did not report must keep that folder and its
 * sub-folders as they were (SPEC §9).
 *
 * @param root The store root.
 * @param options Separator, how names are stored, warning callback, shard and file system calls.
 * @returns The mailboxes, as they are read.
 * @throws StoreReadError when the root cannot be read; RangeError for a bad separator or special-use attribute.
 *
 * @example Listing a directory-per-folder store
 * ```ts ignore
 * import { scanFsLayout } from "./fs.ts";
 * for await (const m of scanFsLayout("/srv/mail/u", { separator: "." })) {
 *   console.log(m.name, m.selectable ? m.status?.messages : "\\Noselect");
 * }
 * ```
 */
export async function* scanFsLayout(root: string, options: ScanOptions = {}): AsyncGenerator<ScannedMailbox> {
  const separator = checkSeparator(options.separator);
  const specialUse = resolveSpecialUse(options.specialUse);
  const warn = options.onWarning ?? (() => {});
  const fs = options.fs ?? nodeScanFs;
  const { real: rootReal, entries } = await readStoreRoot(root, fs);
  const walk: Walk = {
    separator,
    rootReal,
    top: options.topLevel === undefined ? undefined : new Set(options.topLevel),
    fs,
    utf8Names: options.utf8Names === true,
  };
  const rootNode: Node = {
    name: "",
    shown: root,
    real: rootReal,
    parent: undefined,
    viaLink: false,
    silent: false,
    literal: false,
    alts: [],
  };
  rootNode.task = visit(rootNode, walk, entries);

  /** Link targets already followed, with the link that followed them. */
  const followed = new Map<string, string>();
  const stack: Node[] = [rootNode];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = await (node.task ?? visit(node, walk));
    node.task = undefined;
    for (const w of v.warnings) warn(w);
    const next: Node[] = [];
    for (const c of v.children) {
      if (c.viaLink) {
        const from = followed.get(c.real);
        if (from !== undefined) {
          warn({ path: c.shown, reason: `Skipping symbolic link "${c.shown}": its target "${c.real}" was already followed from "${from}"` });
          continue;
        }
        followed.set(c.real, c.shown);
      }
      next.push(c);
    }
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]);
    // Read ahead the folders that come next in the output.
    for (let i = stack.length - 1, k = 0; i >= 0 && k < WINDOW; i--, k++) {
      const n = stack[i];
      if (n.task === undefined) n.task = visit(n, walk);
    }
    if (v.mailbox) {
      applySpecialUse(v.mailbox, specialUse);
      yield v.mailbox;
    }
  }
}
