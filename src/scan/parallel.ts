/**
 * Scanning a big store across scan worker threads (`workers/scan_worker.ts`,
 * which load the scanners alone): the top-level folders are handed out in
 * contiguous shares to whichever worker is free, since counting files in
 * thousands of directories is where the time goes. The result is the same,
 * in the same order, as one scan in this thread. (A rebuild from a store
 * scans on its own kept workers instead, straight into its shared name
 * table: `rebuild/store_scan.ts`.)
 *
 * @module
 */
import { listFsTopLevel } from "./fs.ts";
import { listMaildirTopLevel } from "./maildir.ts";
import { type ScannedMailbox, type ScanOptions, storeNameOptions } from "./types.ts";
import { WorkerPool } from "../worker/pool.ts";
import type { ScanShardResult, ScanWorkerApi, StoreLayout } from "./protocol.ts";
import { scanShard } from "./shard.ts";
import { resolveSpecialUse } from "./special_use.ts";

export { scanShard };

/**
 * Options of {@linkcode scanStore}. Its `fs` serves the listing of the root
 * and a scan in this thread; worker threads use the default file system
 * calls.
 *
 * @example Two workers, warnings logged
 * ```ts
 * import type { ScanStoreOptions } from "./parallel.ts";
 * const opts: ScanStoreOptions = { workers: 2, onWarning: (w) => console.warn(w.reason) };
 * ```
 */
export interface ScanStoreOptions extends Omit<ScanOptions, "topLevel"> {
  /** Worker threads (0 = scan in this thread). */
  workers?: number;
  /** Called with the number of top-level folders done and their total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Scan a whole store, sharded by top-level folder across `workers` threads.
 * Top-level folders are keyed by their decoded names, so two spellings of
 * one name (`.Entwürfe`, `.Entw&APw-rfe`) are scanned, and merged, in one
 * share.
 *
 * Warnings come in the order of a single-thread scan too; a folder that
 * could not be read completely is not reported and has a warning with
 * `unread: true` (see {@linkcode ScanWarning}).
 *
 * @param layout "maildir" (Maildir++) or "fs" (directory per folder).
 * @param root Store root.
 * @param options Separator, how names are stored, warnings, workers, progress, file system calls.
 * @returns Every mailbox, in the order of a single-thread scan.
 * @throws StoreReadError when the root cannot be read (in this thread or in a worker); RangeError for a bad special-use attribute.
 *
 * @example Scan a Maildir++ store with two workers
 * ```ts ignore
 * const boxes = await scanStore("maildir", "/srv/mail/u", { workers: 2 });
 * ```
 */
export async function scanStore(
  layout: StoreLayout,
  root: string,
  options: ScanStoreOptions = {},
): Promise<ScannedMailbox[]> {
  const separator = options.separator ?? "/";
  resolveSpecialUse(options.specialUse); // checked here, before any worker starts
  const names = storeNameOptions(options);
  const keys = layout === "maildir"
    ? await listMaildirTopLevel(root, options.fs, names)
    : await listFsTopLevel(root, options.fs, names);
  const workers = Math.max(0, Math.min(Math.floor(options.workers ?? 0), keys.length));
  if (workers === 0) {
    // One scan in this thread reads the root once.
    const r = await scanShard(layout, root, separator, keys, options.fs, names);
    options.onProgress?.(keys.length, keys.length);
    for (const w of r.warnings) options.onWarning?.(w);
    return r.mailboxes;
  }
  // Contiguous shares of the top-level folders, a few per worker so that a big
  // one does not leave the others idle; each share reads the root once.
  const shares = Math.min(keys.length, workers * 4);
  const bounds = Array.from({ length: shares + 1 }, (_, k) => Math.round((k * keys.length) / shares));
  const results: ScanShardResult[] = new Array(shares);
  let done = 0;
  const pool = await WorkerPool.start<ScanWorkerApi>({ name: "workers/scan_worker" }, workers);
  try {
    let next = 0;
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      while (next < shares) {
        const k = next++;
        const part = keys.slice(bounds[k], bounds[k + 1]);
        results[k] = await pool.run(w, (api) => api.scan(layout, root, separator, part, names));
        done += part.length;
        options.onProgress?.(done, keys.length);
      }
    }));
  } finally {
    await pool.close();
  }
  const out: ScannedMailbox[] = [];
  for (const r of results) {
    for (const w of r.warnings) options.onWarning?.(w);
    for (const m of r.mailboxes) out.push(m);
  }
  return out;
}
