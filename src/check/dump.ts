/**
 * A dump of an index for display: what the `dump` command of the
 * command-line tool prints.
 *
 * @module
 */
import { indexPaths } from "../store/paths.ts";
import type { IndexDump } from "./dump_types.ts";
import { inspect, type InspectOptions } from "./inspect.ts";

/**
 * Read an index's structures for display: the list file header, every
 * directory chain in depth-first pre-order with its records, and the
 * attribute file's entries. Damage does not stop the dump: what can be read
 * is returned, with the problems {@linkcode checkIndex} would report.
 *
 * @param path Path of the list file.
 * @param options I/O seam and the cap on listed problems.
 * @returns The dump.
 * @throws Error when the index cannot be read at all (missing file, I/O error).
 *
 * @example Dumping an index
 * ```ts
 * import { MailboxListIndex } from "../../mod.ts";
 * import { dumpIndex } from "./dump.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/u.mlist");
 * const sync = await index.syncBegin();
 * sync.add("Archive/2009");
 * await sync.commit();
 * await index.close();
 * for (const d of dumpIndex(dir + "/u.mlist").directories) {
 *   console.log(d.offset, d.owner, d.records.map((r) => r.name)); // 28 "" ["Archive"], then … "Archive" ["2009"]
 * }
 * rmSync(dir, { recursive: true });
 * ```
 */
export function dumpIndex(path: string, options: InspectOptions = {}): IndexDump {
  const r = inspect(path, options, true);
  const dump: IndexDump = {
    file: path,
    fileSize: r.fileSize,
    directories: r.directories,
    problems: r.problems.all(),
  };
  if (r.header !== undefined) {
    dump.header = { majorVersion: r.rawVersion!.major, minorVersion: r.rawVersion!.minor, ...r.header };
  }
  const attr = r.snapshot?.attr;
  if (attr !== undefined) {
    const paths = indexPaths(path);
    dump.attr = { file: paths.attr, fileSize: attr.bytes.length, header: attr.header, entries: r.attrEntries };
    if (r.separator !== undefined) dump.attr.separator = r.separator;
  }
  if (r.subscriptions !== undefined && r.subscriptions.length > 0) dump.subscriptions = r.subscriptions;
  return dump;
}
