/**
 * `rebuild`: make a complete new index from a mail store or a name list,
 * and put it in place of the old one as a whole.
 *
 * @module
 */
import { rebuild, type RebuildResult, startRebuildWorkers } from "../../rebuild/rebuild.ts";
import type { Command, CommandContext } from "../command.ts";
import { CliError } from "../errors.ts";
import { intOption, noPositionals, requireString, separatorOption } from "../options.ts";
import { seconds } from "../output.ts";
import { PROGRAM } from "../program.ts";
import {
  quoteNames,
  scanSource,
  scanStoreIntoTable,
  type Source,
  SOURCE_HELP,
  SOURCE_OPTIONS,
  sourceOption,
} from "../source.ts";

/** What the rebuild's report says about its input. */
interface Read {
  /** Names or folders read. */
  count: number;
  /** Milliseconds reading them took. */
  ms: number;
}

interface Settings {
  separator: string;
  workers: number;
  uidValidity: number | undefined;
}

/**
 * A name-list file through the rebuild's own `{ file }` input (straight
 * into its name table, by the one rule of a name list): the names are read
 * once the build starts.
 */
async function rebuildFromFile(ctx: CommandContext, index: string, file: string, s: Settings): Promise<[RebuildResult, Read]> {
  const started = Date.now();
  const read: Read = { count: 0, ms: 0 };
  let reading = true;
  const r = await rebuild(index, { file }, {
    ...s,
    onWarning: ctx.warn,
    onProgress: (done, phase) => {
      if (phase === "read" || !reading) return;
      reading = false;
      read.count = done;
      read.ms = Date.now() - started;
    },
  });
  return [{ ...r, ms: Math.max(0, r.ms - read.ms) }, read];
}

/** A rebuild from a scan that could not read every folder would lack them: refused. */
function refuseIncomplete(index: string, incomplete: readonly string[]): void {
  if (incomplete.length === 0) return;
  throw new CliError(
    `Cannot rebuild "${index}": the scan could not read ${incomplete.length} folder(s) (${
      quoteNames(incomplete)
    }); nothing was written (sync keeps them as they were)`,
    1,
  );
}

/**
 * A store with workers: one set of rebuild workers scans it, each writing
 * the names it finds straight into shared memory, and then builds the index
 * from those names.
 */
async function rebuildFromStore(
  ctx: CommandContext,
  index: string,
  source: Source & { kind: "maildir" | "fs" },
  s: Settings,
): Promise<[RebuildResult, Read]> {
  const workers = await startRebuildWorkers(s.workers);
  try {
    const scan = await scanStoreIntoTable(ctx, source, s.separator, workers);
    refuseIncomplete(index, scan.incomplete);
    const r = await rebuild(index, { table: scan.names }, { ...s, workers, onWarning: ctx.warn });
    return [r, { count: scan.names.count, ms: scan.ms }];
  } finally {
    await workers.close();
  }
}

async function run(ctx: CommandContext): Promise<number> {
  noPositionals(ctx);
  const index = requireString(ctx, "index");
  const source = sourceOption(ctx);
  const settings: Settings = {
    separator: separatorOption(ctx) ?? "/",
    workers: intOption(ctx, "workers", 0, 256) ?? 0,
    uidValidity: intOption(ctx, "uid-validity", 1, 0xffffffff),
  };
  let r: RebuildResult, read: Read;
  if (source.kind === "list" && source.file !== "-") {
    [r, read] = await rebuildFromFile(ctx, index, source.file, settings);
  } else if (source.kind !== "list" && settings.workers > 0) {
    [r, read] = await rebuildFromStore(ctx, index, source, settings);
  } else {
    const scan = await scanSource(ctx, source, settings.separator);
    refuseIncomplete(index, scan.incomplete);
    r = await rebuild(index, scan.mailboxes, { ...settings, onWarning: ctx.warn });
    read = { count: scan.mailboxes.length, ms: scan.ms };
  }
  ctx.out.line(
    `Rebuilt "${index}": ${r.count} mailboxes from ${read.count} ${source.kind === "list" ? "names" : "folders"} read in ${
      seconds(read.ms)
    }, index of ${r.fileSize} bytes written in ${seconds(r.ms)}`,
  );
  return 0;
}

/**
 * The `rebuild` command.
 *
 * @example Its usage line
 * ```ts
 * import { rebuildCommand } from "./rebuild.ts";
 * console.log(rebuildCommand.usage);
 * ```
 */
export const rebuildCommand: Command = {
  summary: "make a new index from a mail store or a name list",
  usage: `${PROGRAM} rebuild --index FILE (--maildir DIR | --fs DIR | --from-list FILE|-) [options]`,
  help: `Make a complete new index from what the store holds, and put it in place of the old
one (if any) as a whole: readers see the old index or the new one, never a mix.

${SOURCE_HELP}

Options:
  --index FILE         the index to write (FILE, FILE.attr)
  --separator S        hierarchy separator of the index (default "/")
  --workers N          worker threads for the scan and the build (default 0: in this thread;
                       the bytes are the same for any number)
  --uid-validity V     UIDVALIDITY of the new index (default: seconds since the epoch)
  -h, --help           show this help

When the scan cannot read some folder (a directory that fails to list), the rebuild
fails with an error naming the unread folders and writes nothing: a new index would
lack them. Use sync, which keeps them as they were.`,
  options: {
    index: { type: "string" },
    ...SOURCE_OPTIONS,
    separator: { type: "string" },
    workers: { type: "string" },
    "uid-validity": { type: "string" },
  },
  run,
};
