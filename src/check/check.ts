/**
 * A full structural check of an index, over the raw bytes of its files:
 * the list file header, every directory chain, every record, the names,
 * and the attribute file, as the `check` command of the command-line tool
 * reports them.
 *
 * @module
 */
import { formatCursor } from "../index/watch.ts";
import type { AttrHeader } from "../format/attr_codec.ts";
import type { ListHeader } from "../format/header.ts";
import { inspect, type InspectOptions } from "./inspect.ts";
import type { CheckProblem } from "./problems.ts";
import type { CheckStats } from "./stats.ts";

/**
 * What {@linkcode checkIndex} found.
 *
 * @example Deciding on the result
 * ```ts ignore
 * const report = checkIndex("/var/mail/u/mailboxes.mlist");
 * if (!report.ok) for (const p of report.problems) console.error(p.message);
 * ```
 */
export interface CheckReport {
  /** Path of the list file. */
  file: string;
  /** True when no error was found (warnings allowed). */
  ok: boolean;
  /** Errors first, then warnings, each in the order found (at most `maxProblems` of each). */
  problems: CheckProblem[];
  /** Number of errors found (may exceed the ones listed). */
  errorCount: number;
  /** Number of warnings found (may exceed the ones listed). */
  warningCount: number;
  /** The list file header, when it could be read. */
  header?: ListHeader;
  /** The attribute file header, when it could be read. */
  attrHeader?: AttrHeader;
  /** The hierarchy separator stored in the attribute file, when known. */
  separator?: string;
  /** Whether a commit is pending in the journal (readers apply it; the next writer finishes it). */
  journalPending: boolean;
  /** The change log's cursor range, when it could be read (SPEC §13): resume from `oldest` or later. */
  changeLog?: { oldest: string; newest: string };
  /** Figures gathered on the way. */
  stats: CheckStats;
}

/**
 * Check every structure of an index: the list file header; every directory
 * chain (forward links, alignment, bounds, counts, sizes); every record
 * (UID ≠ 0 and below next_uid, unique among live records; name inside the
 * file, NUL-terminated, non-empty, without the separator, matching its
 * hash, stored in the directory's name area or an older copy's); the sort
 * order (hash, then bytes) and unique names inside each directory; no two
 * structures overlapping; and the attribute file (header matching the list
 * file's uid_validity, file_seq and next_uid, entries sorted by UID, the
 * live count, an entry for every live UID and none for another, flags
 * consistent with the tree).
 *
 * @param path Path of the list file.
 * @param options I/O seam and the cap on listed problems.
 * @returns The report; `ok` is false when an error was found.
 * @throws Error when the index cannot be read at all (missing file, I/O error).
 *
 * @example Checking an index
 * ```ts
 * import { MailboxListIndex } from "../../mod.ts";
 * import { checkIndex } from "./check.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/u.mlist");
 * const sync = await index.syncBegin();
 * for (const name of ["INBOX", "Archive/2009"]) sync.add(name);
 * await sync.commit();
 * await index.close();
 * const report = checkIndex(dir + "/u.mlist");
 * console.log(report.ok, report.stats.live); // true 3
 * rmSync(dir, { recursive: true });
 * ```
 */
export function checkIndex(path: string, options: InspectOptions = {}): CheckReport {
  const r = inspect(path, options, false);
  const report: CheckReport = {
    file: path,
    ok: r.problems.errorCount === 0,
    problems: r.problems.all(),
    errorCount: r.problems.errorCount,
    warningCount: r.problems.warningCount,
    journalPending: r.journalPending,
    stats: r.stats,
  };
  if (r.header !== undefined) report.header = r.header;
  if (r.snapshot?.attr !== undefined) report.attrHeader = r.snapshot.attr.header;
  if (r.separator !== undefined) report.separator = r.separator;
  if (r.changeLog !== undefined) {
    const { epoch, firstSeq, lastSeq } = r.changeLog;
    report.changeLog = { oldest: formatCursor(epoch, Math.max(0, firstSeq - 1)), newest: formatCursor(epoch, lastSeq) };
  }
  return report;
}
