/**
 * A compact binary index of an IMAP server's folder hierarchy: one list file
 * (directories of 16-byte records with CRC-32 name hashes) plus an attribute
 * file (flags and a STATUS cache per UID), answering LIST, lookups and
 * STATUS without walking the mail store. Syncs are crash-safe and take one
 * writer at a time across processes; reads take no lock.
 *
 * @example Sync a few mailboxes and list them
 * ```ts
 * import { MailboxListIndex } from "./mod.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/mailboxes.mlist");
 * const sync = await index.syncBegin({ recursive: true });
 * for (const name of ["INBOX", "INBOX/Sent", "Archive/2009"]) sync.add(name);
 * await sync.commit();
 * for (const m of index.iterate()) console.log(m.name, m.uid, m.hasChildren, m.flags);
 * await index.close();
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
export { MailboxListIndex, SyncContext } from "./src/index.ts";
export type { IndexHeader, OpenOptions, SyncResult } from "./src/index.ts";
export type { SyncOptions } from "./src/sync.ts";
export type { IterateOptions, MailboxInfo, MailboxStatus } from "./src/types.ts";
export { MailboxFlags } from "./src/constants.ts";
export {
  CorruptIndexError,
  IndexLimitError,
  IndexStateError,
  InvalidNameError,
  LockLostError,
  LockTimeoutError,
  StoreReadError,
  UnsafeFileError,
} from "./src/errors.ts";
export { decodeOffset, encodeOffset } from "./src/offset.ts";
export { nameHash } from "./src/name_hash.ts";
export type { FileIO, FileStat, OpenMode } from "./src/io.ts";
export { nodeFileIO } from "./src/io.ts";
export {
  formatListResponse,
  formatStatusResponse,
  iterateList,
  listMailboxes,
  ListPattern,
  listRootName,
  mailboxAttributes,
  resolveListPattern,
} from "./src/list.ts";
export type { ListEntry, ListOptions, ListSource, ListVisitor } from "./src/list.ts";
export { imapQuote, utf8Length } from "./src/imap_quote.ts";
export type { QuoteOptions } from "./src/imap_quote.ts";
export { listMaildirTopLevel, scanMaildir } from "./src/scan_maildir.ts";
export { listFsTopLevel, scanFsLayout } from "./src/scan_fs.ts";
export { readNameList, readNameListBatches } from "./src/scan_name_list.ts";
export type { NameListOptions } from "./src/scan_name_list.ts";
export type { ScannedMailbox, ScanOptions, ScanWarning } from "./src/scan_types.ts";
export { nodeScanFs } from "./src/scan_io.ts";
export type { ScanDirent, ScanFile, ScanFs } from "./src/scan_io.ts";
export { acquireLock, acquireLockSync, readLockHolder } from "./src/lock.ts";
export type { LockHolder, LockOptions, WriterLock } from "./src/lock.ts";
export { syncAll } from "./src/sync_bulk.ts";
export type { SyncAllOptions } from "./src/sync_bulk.ts";
export { rebuild, startRebuildWorkers } from "./src/rebuild.ts";
export type { RebuildInput, RebuildOptions, RebuildResult, RebuildSource, RebuildWorkers } from "./src/rebuild.ts";
export { WorkerExitError } from "./src/worker_pool.ts";
export { scanStore } from "./src/scan_parallel.ts";
export type { ScanStoreOptions } from "./src/scan_parallel.ts";
