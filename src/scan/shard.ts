/**
 * One share of a store scan: what a scan worker runs (`workers/scan_worker.ts`)
 * and what `scanStore` runs in its own thread without workers. It loads the
 * scanners only, never the coordinator's worker pool.
 *
 * @module
 */
import { scanFsLayout } from "./fs.ts";
import type { ScanFs } from "./io.ts";
import { scanMaildir } from "./maildir.ts";
import type { ScanShardResult, StoreLayout } from "./protocol.ts";
import type { ScannedMailbox, ScanOptions, ScanWarning, StoreNameOptions } from "./types.ts";

/**
 * Scan one share of a store (what a worker runs).
 *
 * @param layout "maildir" (Maildir++) or "fs" (directory per folder).
 * @param root Store root.
 * @param separator Separator of the reported names.
 * @param topLevel The top-level folders to scan.
 * @param fs The scan's file system calls (a worker uses the default).
 * @param names How the store keeps its names (`utf8Names`).
 * @returns The mailboxes and the warnings, in scan order.
 *
 * @example Scan the root folder and one top-level folder
 * ```ts ignore
 * const { mailboxes } = await scanShard("maildir", "/srv/mail/u", "/", ["", "Archive"]);
 * ```
 */
export async function scanShard(
  layout: StoreLayout,
  root: string,
  separator: string,
  topLevel: string[],
  fs?: ScanFs,
  names: StoreNameOptions = {},
): Promise<ScanShardResult> {
  const mailboxes: ScannedMailbox[] = [];
  const warnings: ScanWarning[] = [];
  const opts: ScanOptions = { ...names, separator, topLevel, onWarning: (w) => warnings.push(w), fs };
  const scan = layout === "maildir" ? scanMaildir(root, opts) : scanFsLayout(root, opts);
  for await (const m of scan) mailboxes.push(m);
  return { kind: "scan-shard", mailboxes, warnings };
}
