/**
 * Scanning a mail store on the rebuild's own workers: each worker scans a
 * share of the top-level folders and encodes what it finds straight into a
 * name table in shared memory (the `scan` task of src/rebuild/protocol.ts,
 * served by `workers/rebuild_worker.ts`); the shares are joined, in order,
 * into the names of the rebuild that then runs on the same workers. The
 * names are the same, in the same order, as a scan in one thread.
 *
 * @module
 */
import { joinNameTables, type NameTable } from "./names.ts";
import type { ScannedShare, ScanRequest, ShareWarning, StoreScanNames } from "./protocol.ts";
import { keptWorkers, RebuildWorkerLease, type RebuildWorkers } from "./workers.ts";
import { resolveSpecialUse } from "../format/special_use.ts";

/**
 * What {@linkcode scanStoreOn} found: the names, ready for
 * `rebuild(path, { table: names }, { workers })`, and the warnings in scan order.
 *
 * @example Rebuilding from it
 * ```ts ignore
 * const { names } = await scanStoreOn(workers, "maildir", root, "/", topLevel);
 * await rebuild(path, { table: names }, { workers });
 * ```
 */
export interface ScannedStore {
  /** Every mailbox found, in shared memory. */
  names: NameTable;
  /** What was skipped and why. */
  warnings: ShareWarning[];
}

/**
 * Scan a store on kept rebuild workers, in contiguous shares of its
 * top-level folders (a few per worker, so that a big one does not leave the
 * others idle), each given to whichever worker is free.
 *
 * @param workers Workers from `startRebuildWorkers`, not serving a rebuild now.
 * @param layout "maildir" (Maildir++) or "fs" (directory per folder).
 * @param root Store root.
 * @param separator Separator of the names.
 * @param topLevel The store's top-level folders (`listMaildirTopLevel`, `listFsTopLevel` of src/scan/).
 * @param onProgress Called with the number of top-level folders done and their total.
 * @param names How the store keeps its names (`utf8Names`; `topLevel` must be listed with the same), and the special-use map (`specialUse`, checked before any worker scans).
 * @returns The names and the warnings.
 * @throws RangeError for a special-use attribute that is not one of RFC 6154's seven; IndexStateError when the workers serve a rebuild; the error of a share's scan (StoreReadError, InvalidNameError), or of a worker that died.
 *
 * @example Scan and rebuild on the same two workers
 * ```ts ignore
 * const workers = await startRebuildWorkers(2);
 * try {
 *   const scan = await scanStoreOn(workers, "maildir", root, "/", await listMaildirTopLevel(root));
 *   await rebuild(path, { table: scan.names }, { workers });
 * } finally {
 *   await workers.close();
 * }
 * ```
 */
export async function scanStoreOn(
  workers: RebuildWorkers,
  layout: ScanRequest["layout"],
  root: string,
  separator: string,
  topLevel: readonly string[],
  onProgress?: (done: number, total: number) => void,
  names: StoreScanNames = {},
): Promise<ScannedStore> {
  resolveSpecialUse(names.specialUse); // checked here, before any worker starts
  const lease = await RebuildWorkerLease.take(keptWorkers(workers)!, `scan "${root}"`);
  try {
    const pool = lease.pool!;
    const total = topLevel.length;
    const shares = Math.min(total, pool.size * 4);
    const bounds = Array.from({ length: shares + 1 }, (_, k) => Math.round((k * total) / shares));
    const results: ScannedShare[] = new Array(shares);
    let next = 0, done = 0;
    await Promise.all(Array.from({ length: Math.min(pool.size, shares) }, async (_, w) => {
      while (next < shares) {
        const k = next++;
        const part = topLevel.slice(bounds[k], bounds[k + 1]);
        results[k] = await pool.run(w, "scan", { layout, root, separator, topLevel: part, names });
        done += part.length;
        onProgress?.(done, total);
      }
    }));
    return { names: joinNameTables(results.map((r) => r.names), true), warnings: results.flatMap((r) => r.warnings) };
  } finally {
    await lease.release();
  }
}
