/**
 * `check`: validate every structure of an index and print a report.
 *
 * @module
 */
import { checkIndex, type CheckReport } from "../../check/check.ts";
import type { Command, CommandContext } from "../command.ts";
import { CliError } from "../errors.ts";
import { requireIndexFile } from "../index_file.ts";
import { noPositionals, requireString } from "../options.ts";
import type { Output } from "../output.ts";
import { problemLine } from "../problem_line.ts";
import { PROGRAM } from "../program.ts";

/** "1 error", "2 errors", … */
function counted(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/** The report in words: the verdict, the figures of both files, the problems. */
function printReport(out: Output, path: string, r: CheckReport): void {
  const s = r.stats;
  const verdict = r.ok ? "OK" : "CORRUPT";
  const counts = [
    r.errorCount > 0 ? counted(r.errorCount, "error") : "",
    r.warningCount > 0 ? counted(r.warningCount, "warning") : "",
  ].filter((x) => x !== "").join(", ");
  out.line(`Index "${path}": ${verdict}${counts ? ` (${counts})` : ""}`);
  if (r.header !== undefined) {
    const h = r.header;
    out.line(
      `  list file:      ${s.fileSize} bytes, file_seq ${h.fileSeq}, uid_validity ${h.uidValidity}, next_uid ${h.nextUid}, used_space ${h.usedSpace}, deleted_space ${h.deletedSpace}`,
    );
    out.line(
      `  tree:           ${s.live} mailboxes (${s.deleted} deleted records) in ${s.directories} directories (${s.directoryCopies} copies), ${s.maxDepth} levels deep, ${s.liveBytes} bytes live`,
    );
  }
  if (r.attrHeader !== undefined) {
    const a = r.attrHeader;
    out.line(
      `  attribute file: ${a.count} entries (${a.live} live), separator ${r.separator === undefined ? "unknown" : JSON.stringify(r.separator)}`,
    );
    out.line(`  flags:          ${s.nonExistent} \\NonExistent, ${s.noSelect} \\Noselect, ${s.withStatus} with STATUS cached`);
    if (s.specialUse > 0) out.line(`  special-use:    ${s.specialUse} mailbox${s.specialUse === 1 ? "" : "es"} with special-use attributes`);
    if (s.guids > 0) out.line(`  GUIDs:          ${s.guids} mailbox${s.guids === 1 ? "" : "es"} with a GUID`);
  }
  if (s.subscriptions > 0) out.line(`  subscriptions:  ${counted(s.subscriptions, "name")}`);
  if (r.changeLog !== undefined) {
    out.line(`  change log:     ${s.changeBatches} batch${s.changeBatches === 1 ? "" : "es"}, cursors ${r.changeLog.oldest} to ${r.changeLog.newest}`);
  }
  if (r.journalPending) out.line("  journal:        a commit is pending; readers apply it, the next writer finishes it");
  for (const p of r.problems) out.line("  " + problemLine(p));
  const more = r.errorCount + r.warningCount - r.problems.length;
  if (more > 0) out.line(`  … and ${more} more`);
}

async function run(ctx: CommandContext): Promise<number> {
  noPositionals(ctx);
  const path = requireString(ctx, "index");
  await requireIndexFile(path);
  const r = checkIndex(path);
  if (ctx.values.json === true) ctx.out.line(JSON.stringify(r, null, 2));
  else printReport(ctx.out, path, r);
  if (!r.ok) {
    ctx.out.flush();
    const first = r.problems.find((p) => p.severity === "error")!;
    throw new CliError(
      `Index "${path}" is corrupt: ${counted(r.errorCount, "error")}, the first at offset ${first.offset} of "${first.file}": ${first.message}`,
      1,
    );
  }
  return 0;
}

/**
 * The `check` command.
 *
 * @example Its usage line
 * ```ts
 * import { checkCommand } from "./check.ts";
 * console.log(checkCommand.usage);
 * ```
 */
export const checkCommand: Command = {
  summary: "validate every structure of an index",
  usage: `${PROGRAM} check --index FILE [--json]`,
  help: `Validate the whole index: the header; every directory chain (forward links,
alignment, bounds, counts, sizes); every record (UID non-zero, unique and below
next_uid; name inside the file, NUL-terminated, matching its hash); the sort order
(hash, then bytes) and unique names in each directory; no overlapping structures;
and the attribute file (same uid_validity and file_seq, an entry for every live
UID, flags consistent with the tree). Prints a report. Exit status 1 on corruption.

Options:
  --index FILE         the index to check
  --json               print the report as JSON
  -h, --help           show this help`,
  options: { index: { type: "string" }, json: { type: "boolean" } },
  run,
};
