/**
 * What a scan worker offers its coordinator through comlink
 * ({@linkcode ScanWorkerApi}), and what it answers.
 *
 * @module
 */
import type { ScannedMailbox, ScanWarning, StoreNameOptions } from "./types.ts";

/**
 * Store layouts the scanners read.
 *
 * @example A Maildir++ store
 * ```ts
 * import type { StoreLayout } from "./protocol.ts";
 * const layout: StoreLayout = "maildir";
 * ```
 */
export type StoreLayout = "maildir" | "fs";

/**
 * A scan worker's answer: one share of a store.
 *
 * @example Collecting a share
 * ```ts ignore
 * const share: ScanShardResult = await pool.run(0, (api) => api.scan("maildir", root, "/", ["Archive"]));
 * ```
 */
export interface ScanShardResult {
  readonly kind: "scan-shard";
  /** Mailboxes found, in scan order. */
  mailboxes: ScannedMailbox[];
  /** What was skipped and why. */
  warnings: ScanWarning[];
}

/**
 * What a scan worker offers through comlink.
 *
 * @example Serving scans in a worker
 * ```ts ignore
 * Comlink.expose({ scan: scanShard } satisfies ScanWorkerApi, nodeEndpoint(parentPort!));
 * ```
 */
export interface ScanWorkerApi {
  /** Scan the given top-level folders of a store, reading its names as `names` says. */
  scan(
    layout: StoreLayout,
    root: string,
    separator: string,
    topLevel: string[],
    names?: StoreNameOptions,
  ): Promise<ScanShardResult>;
}
