/**
 * `bulk`: rebuild or sync many users' indexes, a number of users at a
 * time on one pool of worker threads, with a progress bar, a state file
 * that lets a rerun resume, and a summary (text or JSON).
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import process from "node:process";
import { type BulkUserResult, bulkOnWorkers } from "../../rebuild/bulk.ts";
import type { BulkJobOptions, BulkUser } from "../../rebuild/protocol.ts";
import { startRebuildWorkers } from "../../rebuild/workers.ts";
import { describeFsError } from "../../format/fs_error.ts";
import {
  BULK_LAYOUTS,
  doneUsers,
  jobKey,
  readStateFile,
  readUsersFile,
  type StateEntry,
  StateFile,
} from "../bulk_users.ts";
import type { Command, CommandContext } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import { jsonText } from "../json.ts";
import { intOption, noPositionals, optionalString, requireString, separatorOption } from "../options.ts";
import { seconds } from "../output.ts";
import { PROGRAM } from "../program.ts";
import { Progress } from "../progress.ts";

/** One user in the summary: how its job ended in this run, or "skipped" when an earlier run did it. */
interface SummaryUser {
  user: string;
  status: BulkUserResult["status"] | "skipped";
  mailboxes: number;
  ms: number;
  error?: string;
  warnings?: string[];
}

/** The summary of a run (`--json`, `--summary FILE`). */
interface Summary {
  users: SummaryUser[];
  totals: {
    users: number;
    rebuilt: number;
    synced: number;
    failed: number;
    skipped: number;
    mailboxes: number;
    jobs: number;
    ms: number;
    startMs: number;
    cpuMs: number;
    usersPerSecond: number;
  };
}

function layoutOption(ctx: CommandContext): BulkUser["layout"] {
  const v = optionalString(ctx, "layout") ?? "maildir";
  if (!(BULK_LAYOUTS as readonly string[]).includes(v)) {
    throw new UsageError(`Invalid --layout ${JSON.stringify(v)}: expected ${BULK_LAYOUTS.join(", ")}`);
  }
  return v as BulkUser["layout"];
}

function jobOptions(ctx: CommandContext): BulkJobOptions {
  const options: BulkJobOptions = { separator: separatorOption(ctx) ?? "/" };
  const uidValidity = intOption(ctx, "uid-validity", 1, 0xffffffff);
  if (uidValidity !== undefined) options.uidValidity = uidValidity;
  const lockTimeoutMs = intOption(ctx, "lock-timeout", 0, 3_600_000);
  if (lockTimeoutMs !== undefined) options.lockTimeoutMs = lockTimeoutMs;
  if (ctx.values["utf8-names"] === true) options.utf8Names = true;
  return options;
}

/** The summary, users in the order of the users file. */
function summarize(
  users: readonly BulkUser[],
  skipped: ReadonlyMap<string, StateEntry>,
  results: readonly BulkUserResult[],
  jobs: number,
  ms: number,
  startMs: number,
  cpuMs: number,
): Summary {
  const byName = new Map(results.map((r) => [r.user, r]));
  const out: SummaryUser[] = [];
  const totals = { users: users.length, rebuilt: 0, synced: 0, failed: 0, skipped: 0, mailboxes: 0, jobs, ms, startMs, cpuMs, usersPerSecond: 0 };
  for (const u of users) {
    const done = skipped.get(u.name);
    const r = byName.get(u.name);
    let s: SummaryUser;
    if (done !== undefined) s = { user: u.name, status: "skipped", mailboxes: done.mailboxes, ms: 0 };
    else if (r !== undefined) {
      s = { user: u.name, status: r.status, mailboxes: r.mailboxes, ms: Math.round(r.ms * 10) / 10 };
      if (r.error !== undefined) s.error = r.error;
      if (r.warnings.length > 0) s.warnings = r.warnings;
    } else continue;
    totals[s.status]++;
    totals.mailboxes += s.mailboxes;
    out.push(s);
  }
  const ran = totals.rebuilt + totals.synced + totals.failed;
  totals.usersPerSecond = ms > 0 ? Math.round((ran / ms) * 1000 * 10) / 10 : 0;
  return { users: out, totals };
}

async function run(ctx: CommandContext): Promise<number> {
  noPositionals(ctx);
  const usersFile = requireString(ctx, "users");
  const jobs = intOption(ctx, "jobs", 1, 256) ?? 1;
  const layout = layoutOption(ctx);
  const options = jobOptions(ctx);
  const statePath = optionalString(ctx, "state") ?? `${usersFile}.state`;
  const summaryPath = optionalString(ctx, "summary");
  const users = await readUsersFile(usersFile, layout);
  const stateText = await readStateFile(statePath);
  const skipped = doneUsers(stateText, users);
  const todo = users.filter((u) => !skipped.has(u.name));
  const state = StateFile.open(statePath, stateText);
  const keys = new Map(users.map((u) => [u.name, jobKey(u)]));
  // This run's users only, so that the ETA is their rate.
  const bar = new Progress({ label: "Indexing users", unit: "users", total: todo.length, stream: ctx.err, eta: true });
  const started = performance.now();
  const cpu = process.cpuUsage();
  let results: BulkUserResult[] = [];
  let done = 0;
  let startMs = 0;
  try {
    if (todo.length > 0) {
      const workers = await startRebuildWorkers(Math.min(jobs, todo.length));
      try {
        const onReady = () => void (startMs = Math.round(performance.now() - started));
        const onDone = (r: BulkUserResult) => {
          const ms = Math.round(r.ms * 10) / 10;
          const entry: StateEntry = { user: r.user, key: keys.get(r.user)!, status: r.status, mailboxes: r.mailboxes, ms };
          if (r.error !== undefined) entry.error = r.error;
          state.append(entry);
          bar.update(++done);
          for (const w of r.warnings) ctx.warn(`user ${JSON.stringify(r.user)}: ${w}`);
          if (r.error !== undefined) ctx.err.write(`${PROGRAM} bulk: user ${JSON.stringify(r.user)} failed: ${r.error}\n`);
        };
        results = await bulkOnWorkers(workers, todo, options, { onReady, onDone });
      } finally {
        await workers.close();
      }
    }
  } finally {
    bar.done();
    state.close();
  }
  const used = process.cpuUsage(cpu);
  const cpuMs = Math.round((used.user + used.system) / 1000);
  const summary = summarize(users, skipped, results, jobs, Math.round(performance.now() - started), startMs, cpuMs);
  const json = jsonText(summary, 2);
  if (summaryPath !== undefined) {
    await writeFile(summaryPath, json + "\n").catch((e) => {
      throw new CliError(`Cannot write summary "${summaryPath}": ${describeFsError(e)}`, 1);
    });
  }
  const t = summary.totals;
  if (ctx.values.json === true) ctx.out.line(json);
  else {
    ctx.out.line(
      `Bulk run of ${t.users} users: ${t.rebuilt} rebuilt, ${t.synced} synced, ${t.failed} failed, ${t.skipped} skipped ` +
        `(done before, per "${statePath}"); ${t.mailboxes} mailboxes; ${seconds(t.ms)} with ${jobs} job(s), ${t.usersPerSecond} users/s`,
    );
  }
  return t.failed > 0 ? 1 : 0;
}

/**
 * The `bulk` command.
 *
 * @example Its usage line
 * ```ts
 * import { bulkCommand } from "./bulk.ts";
 * console.log(bulkCommand.usage);
 * ```
 */
export const bulkCommand: Command = {
  summary: "rebuild or sync many users' indexes, several at a time",
  usage: `${PROGRAM} bulk --users FILE [--jobs N] [options]`,
  help: `For every user of the users file: a full sync of the user's index from its store
when the index exists (like "sync" of the whole store), else a rebuild (like
"rebuild"). N users are done at a time, each whole on one of N worker threads
started once for the run. A user that fails (a store that cannot be read, an index
locked past --lock-timeout, ...) is reported with its name, and the others go on;
the exit status is then 1.

Users file: one user a line, three fields NAME STORE INDEX, separated by TABs when
the line holds a TAB (paths may then hold spaces), else by spaces. STORE is
maildir:DIR, fs:DIR or list:FILE (as --maildir, --fs and --from-list of rebuild),
or a bare path read with --layout. Relative paths are taken from the users file's
directory. Blank lines and lines starting with "#" are skipped; a bad line is an
error naming the file and the line.

  # name   store                 index
  alice    /srv/mail/alice       /srv/index/alice.mlist
  bob      list:/srv/names/bob   /srv/index/bob.mlist

Options:
  --users FILE         the users file
  --jobs N             users at a time, one worker thread each (default 1)
  --layout L           layout of a bare store path: maildir (default), fs or list
  --utf8-names         the stores' folder names are UTF-8 on disk, not modified UTF-7
  --separator S        hierarchy separator of a new index (default "/"; an existing
                       index keeps its own)
  --uid-validity V     UIDVALIDITY of a new index (default: seconds since the epoch)
  --lock-timeout MS    how long to wait for an index's writer lock (default 10000)
  --state FILE         state file (default: the users file's path + ".state")
  --json               print the summary as JSON on standard output
  --summary FILE       write the JSON summary to FILE
  -h, --help           show this help

The state file gets one line per user as its job ends. A rerun skips the users it
records as rebuilt or synced with the same store and index, and does again the
ones that failed, that changed in the users file, or that were never reached.
Delete it to do every user again. A job takes the index's own writer lock and
commits all or nothing, so doing a user again is always safe: a sync that finds
nothing changed writes nothing.

The summary gives each user's status (rebuilt, synced, failed, or skipped: done
by an earlier run), mailboxes, milliseconds and error, and the totals with the
users per second of this run (ms: the whole run; startMs: the part spent starting
the worker threads and loading their code; cpuMs: the CPU time of every thread).`,
  options: {
    users: { type: "string" },
    jobs: { type: "string" },
    layout: { type: "string" },
    "utf8-names": { type: "boolean" },
    separator: { type: "string" },
    "uid-validity": { type: "string" },
    "lock-timeout": { type: "string" },
    state: { type: "string" },
    json: { type: "boolean" },
    summary: { type: "string" },
  },
  run,
};
