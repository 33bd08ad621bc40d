/**
 * `dump`: print the header, the directories with their records, and the
 * attribute file's entries of an index.
 *
 * @module
 */
import { dumpIndex } from "../../check/dump.ts";
import type { DumpAttrEntry, DumpDirectory, IndexDump } from "../../check/dump_types.ts";
import { hex } from "../../check/problems.ts";
import type { Command, CommandContext } from "../command.ts";
import { CliError } from "../errors.ts";
import { requireIndexFile } from "../index_file.ts";
import { noPositionals, requireString } from "../options.ts";
import type { Output } from "../output.ts";
import { problemLine } from "../problem_line.ts";
import { PROGRAM } from "../program.ts";
import { jsonText } from "../json.ts";

/** A directory's line and its records' lines. */
function printDirectory(out: Output, dir: DumpDirectory): void {
  const owner = dir.owner === "" ? "root" : `${JSON.stringify(dir.owner)} (uid ${dir.ownerUid})`;
  const older = dir.copies.length > 0 ? `, older copies at ${dir.copies.join(", ")}` : "";
  out.line(`directory @${dir.offset} ${owner}: dir_size ${dir.dirSize}, count ${dir.count}${older}`);
  for (const r of dir.records) {
    const child = r.dirOffset === 0 ? "-" : `@${r.dirOffset}`;
    out.line(
      `  @${r.offset} hash ${hex(r.hash)} uid ${r.uid}${r.deleted ? " DELETED" : ""} name @${r.nameOffset} ${
        JSON.stringify(r.name)
      } dir ${child}`,
    );
  }
}

/** An attribute entry's line. */
function entryLine(e: DumpAttrEntry): string {
  const st = e.status;
  let status = st === undefined
    ? ""
    : ` status messages ${st.messages} unseen ${st.unseen} recent ${st.recent} uidvalidity ${st.uidValidity} uidnext ${st.uidNext}`;
  if (st?.highestModSeq !== undefined) status += ` highestmodseq ${st.highestModSeq}`;
  if (st?.size !== undefined) status += ` size ${st.size}`;
  if (st?.deleted !== undefined) status += ` deleted ${st.deleted}`;
  const guid = e.guid === undefined ? "" : ` guid ${e.guid}`;
  return `  @${e.offset} uid ${e.uid}${e.deleted ? " DELETED" : ""} flags ${e.flags} (${e.flagNames.join(" ")})${guid}${status}`;
}

/** The dump in words. */
function printDump(out: Output, d: IndexDump): void {
  out.line(`list file "${d.file}": ${d.fileSize} bytes`);
  if (d.header !== undefined) {
    const h = d.header;
    out.line(
      `header: version ${h.majorVersion}.${h.minorVersion}, file_seq ${h.fileSeq}, header_size ${h.headerSize}, uid_validity ${h.uidValidity}, next_uid ${h.nextUid}, used_space ${h.usedSpace}, deleted_space ${h.deletedSpace}`,
    );
  }
  for (const dir of d.directories) printDirectory(out, dir);
  if (d.attr !== undefined) {
    const a = d.attr;
    out.line(`attribute file "${a.file}": ${a.fileSize} bytes`);
    out.line(
      `header: version ${a.header.entrySize === 32 ? 1 : 2} (entry size ${a.header.entrySize}), uid_validity ${a.header.uidValidity}, file_seq ${a.header.listFileSeq}, next_uid ${a.header.nextUid}, count ${a.header.count}, live ${a.header.live}, separator ${
        a.separator === undefined ? "unknown" : JSON.stringify(a.separator)
      }`,
    );
    for (const e of a.entries) out.line(entryLine(e));
  }
  if (d.subscriptions !== undefined) {
    out.line(`subscriptions: ${d.subscriptions.length}`);
    for (const name of d.subscriptions) out.line(`  ${JSON.stringify(name)}`);
  }
  for (const p of d.problems) out.line(problemLine(p));
}

async function run(ctx: CommandContext): Promise<number> {
  noPositionals(ctx);
  const path = requireString(ctx, "index");
  await requireIndexFile(path);
  const d = dumpIndex(path);
  if (ctx.values.json === true) ctx.out.line(jsonText(d, 1));
  else printDump(ctx.out, d);
  const errors = d.problems.filter((p) => p.severity === "error");
  if (errors.length > 0) {
    ctx.out.flush();
    throw new CliError(`Index "${path}" is corrupt: the first problem is at offset ${errors[0].offset} of "${errors[0].file}": ${errors[0].message}`, 1);
  }
  return 0;
}

/**
 * The `dump` command.
 *
 * @example Its usage line
 * ```ts
 * import { dumpCommand } from "./dump.ts";
 * console.log(dumpCommand.usage);
 * ```
 */
export const dumpCommand: Command = {
  summary: "print the header, directories and records of an index",
  usage: `${PROGRAM} dump --index FILE [--json]`,
  help: `Print the list file header, every directory (newest copy, with the offsets of older
copies) with its records, the attribute file's entries and the subscribed names.

Options:
  --index FILE         the index to dump
  --json               print JSON
  -h, --help           show this help`,
  options: { index: { type: "string" }, json: { type: "boolean" } },
  run,
};
