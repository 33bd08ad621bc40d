/**
 * `rebuild`: make a complete new index from a mail store or a name list,
 * and put it in place of the old one as a whole.
 *
 * @module
 */
import { refuseIncompleteScan } from "../../rebuild/incomplete_scan.ts";
import { rebuild, type RebuildResult, startRebuildWorkers } from "../../rebuild/rebuild.ts";
import type { Command, CommandContext } from "../command.ts";
import { intOption, noPositionals, requireString, separatorOption } from "../options.ts";
import { seconds } from "../output.ts";
import { PROGRAM } from "../program.ts";
import {
  scanSource,
  scanStoreIntoTable,
  type Source,
  SOURCE_HELP,
  SOURCE_OPTIONS,
  sourceOption,
} from "../source.ts";
import {
  markSpecialUse,
  scannerSpecialUse,
  SPECIAL_USE_HELP,
  SPECIAL_USE_OPTION,
  specialUseOption,
} from "../special_use_option.ts";
import { storeSubscriptions } from "../store_subscriptions.ts";

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
  /** The store's own subscriptions, which replace the index's. */
  subscriptions?: string[];
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
  specialUse: ReadonlyMap<string, number>,
): Promise<[RebuildResult, Read]> {
  const workers = await startRebuildWorkers(s.workers);
  try {
    const scan = await scanStoreIntoTable(ctx, source, s.separator, workers, scannerSpecialUse(specialUse));
    refuseIncompleteScan(index, scan.incomplete);
    // "NAME=" too: the named mailbox keeps no special-use from the old index.
    for (const [name, bits] of specialUse) (scan.names.specialUse ??= new Map()).set(name, bits);
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
  const specialUse = specialUseOption(ctx);
  const subscriptions = await storeSubscriptions(ctx, source, settings.separator);
  if (subscriptions !== undefined) settings.subscriptions = subscriptions;
  let r: RebuildResult, read: Read;
  if (source.kind === "list" && source.file !== "-" && specialUse.size === 0) {
    [r, read] = await rebuildFromFile(ctx, index, source.file, settings);
  } else if (source.kind !== "list" && settings.workers > 0) {
    [r, read] = await rebuildFromStore(ctx, index, source, settings, specialUse);
  } else {
    const scan = await scanSource(ctx, source, settings.separator, scannerSpecialUse(specialUse));
    refuseIncompleteScan(index, scan.incomplete);
    const mailboxes = markSpecialUse(scan.mailboxes, specialUse, ctx.warn);
    r = await rebuild(index, mailboxes, { ...settings, onWarning: ctx.warn });
    read = { count: scan.mailboxes.length, ms: scan.ms };
  }
  ctx.out.line(
    `Rebuilt "${index}": ${r.count} mailboxes from ${read.count} ${source.kind === "list" ? "names" : "folders"} read in ${
      seconds(read.ms)
    }, index of ${r.fileSize} bytes written in ${seconds(r.ms)}`,
  );
  if (subscriptions !== undefined) {
    ctx.out.line(`Subscriptions of "${index}": ${subscriptions.length}, from the store's subscriptions file`);
  }
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
Special-use attributes of the mailboxes kept are carried over from the old index
(--special-use sets or clears them); the subscriptions are kept, or replaced by the
store's own subscriptions file (Dovecot's "subscriptions" at its root) when it has one.

${SOURCE_HELP}

Options:
  --index FILE         the index to write (FILE, FILE.attr)
  --separator S        hierarchy separator of the index (default "/")
  --workers N          worker threads for the scan and the build (default 0: in this thread;
                       the bytes are the same for any number)
  --uid-validity V     UIDVALIDITY of the new index (default: seconds since the epoch)
${SPECIAL_USE_HELP}
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
    ...SPECIAL_USE_OPTION,
  },
  run,
};
