/**
 * Entry of a rebuild worker thread: serves the rebuild tasks of
 * src/rebuild/protocol.ts (their work is src/rebuild/tasks.ts) through
 * comlink, and their `scan` task here: a share of a store scanned
 * (src/scan/shard.ts) and encoded into a name table in shared memory, as
 * the rebuild reads it; and their `bulk` task: one user's whole job of a bulk
 * run (src/rebuild/bulk_job.ts) with the store read here
 * (src/scan/store_contents.ts), both loaded on the first such task. A task's error crosses back with its name, message
 * and stack.
 *
 * @module
 */
import * as Comlink from "comlink";
import process from "node:process";
import { RebuildWorkerState } from "../src/rebuild/tasks.ts";
import { hostEndpoint } from "../src/worker/endpoint.ts";
import type {
  BulkJobRequest,
  BulkOutcome,
  RebuildTasks,
  ScannedShare,
  ScanRequest,
  TaskWorkerApi,
} from "../src/rebuild/protocol.ts";
import { readNames } from "../src/rebuild/input.ts";
import { scanShard } from "../src/scan/shard.ts";

/** Thrown by an injected crash; the worker then dies of an uncaught error. */
class InjectedCrash extends Error {}

const state = new RebuildWorkerState((kind) => {
  if (kind === "exit") process.exit(70);
  throw new InjectedCrash("Injected crash of a rebuild worker");
});

/** Scan a share of a store and encode its mailboxes into shared memory, by the rebuild's own reader. */
async function scanShare(r: ScanRequest): Promise<ScannedShare> {
  const { mailboxes, warnings } = await scanShard(r.layout, r.root, r.separator, r.topLevel, undefined, r.names);
  return { names: await readNames(mailboxes, true), warnings };
}

/** The modules of a bulk job, loaded on the first one: a rebuild never needs them. */
let bulkModules:
  | Promise<[typeof import("../src/rebuild/bulk_job.ts"), typeof import("../src/scan/store_contents.ts")]>
  | undefined;

/** Load the modules of a bulk job (once). */
function loadBulk(): NonNullable<typeof bulkModules> {
  return bulkModules ??= Promise.all([import("../src/rebuild/bulk_job.ts"), import("../src/scan/store_contents.ts")]);
}

/** The bulk jobs of this worker, one after another. */
let bulkQueue: Promise<unknown> = Promise.resolve();

/**
 * One user's job of a bulk run, in this thread, after the jobs asked for
 * before it: the coordinator may send the next job before this one ends,
 * so that the worker starts it without waiting for a round trip.
 */
function bulkJob(r: BulkJobRequest): Promise<BulkOutcome> {
  const job = bulkQueue.then(async () => {
    const [{ runBulkJob }, { readStoreContents }] = await loadBulk();
    return await runBulkJob(r.user, r.options, (user, separator, options, warn) =>
      readStoreContents(user.layout, user.store, separator, { utf8Names: options.utf8Names, onWarning: warn }));
  });
  bulkQueue = job.catch(() => {});
  return job;
}

const api: TaskWorkerApi<RebuildTasks> = {
  run(task, request) {
    if (task === "scan") return scanShare(request as ScanRequest) as Promise<RebuildTasks[typeof task]["response"]>;
    if (task === "bulk") return bulkJob(request as BulkJobRequest) as Promise<RebuildTasks[typeof task]["response"]>;
    if (task === "bulkLoad") {
      return loadBulk().then(() => ({ loaded: true })) as Promise<RebuildTasks[typeof task]["response"]>;
    }
    try {
      return state.run(task, request);
    } catch (e) {
      if (!(e instanceof InjectedCrash)) throw e;
      // Die outside comlink's handler, never answering.
      setTimeout(() => {
        throw e;
      });
      return new Promise(() => {});
    }
  },
};

Comlink.expose(api, hostEndpoint());
