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
 * @example GUIDs and the full STATUS cache
 * ```ts
 * import { MailboxListIndex } from "./mod.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/mailboxes.mlist");
 * const sync = await index.syncBegin({ recursive: true });
 * sync.add("INBOX");
 * sync.setGuid(sync.add("Sent"), "0123456789abcdef0123456789abcdef"); // the uidlist header's G
 * sync.setStatus("Sent", { messages: 2, unseen: 0, recent: 0, uidNext: 3, uidValidity: 9, size: 5120, highestModSeq: 7n, deleted: 1 });
 * await sync.commit();
 * console.log(index.guid("INBOX")?.length, index.lookupGuid("0123456789abcdef0123456789abcdef")?.name); // 32 Sent
 * console.log(index.status("Sent")?.size, index.status("Sent")?.highestModSeq); // 5120 7
 * await index.close();
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @example Answer IMAP commands as a client sends them
 * ```ts
 * import { answerListCommand, answerStatusCommand, MailboxListIndex } from "./mod.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/mailboxes.mlist");
 * const sync = await index.syncBegin({ recursive: true });
 * for (const name of ["INBOX", "Entwürfe", "Archive/2009"]) sync.add(name);
 * sync.setStatus("INBOX", { messages: 3, unseen: 1, recent: 0, uidNext: 4, uidValidity: 7 });
 * sync.subscribe("Archive/2009");
 * await sync.commit();
 * // Each line ends in CRLF; names go to an IMAP4rev1 session in modified UTF-7.
 * console.log(answerListCommand(index, "LIST", '"" % RETURN (STATUS (MESSAGES UNSEEN))').join(""));
 * console.log(answerListCommand(index, "LIST", '(SUBSCRIBED RECURSIVEMATCH) "" %').join(""));
 * // * LIST (\NonExistent) "/" "Archive" ("CHILDINFO" ("SUBSCRIBED"))
 * console.log(answerStatusCommand(index, "inbox (UNSEEN MESSAGES)")); // * STATUS "INBOX" (UNSEEN 1 MESSAGES 3)
 * console.log(answerStatusCommand(index, '"Entwürfe" (MESSAGES)', { rev2: true })); // * STATUS "Entwürfe" ()
 * await index.close();
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
export { MailboxListIndex, SyncContext } from "./src/index/index.ts";
export type { IndexHeader, OpenOptions, SyncResult } from "./src/index/index.ts";
export type { SyncOptions } from "./src/index/sync.ts";
export type { ChangeBatch, MailboxChange, ReplaceReason, WatchOptions } from "./src/index/watch.ts";
export type { IterateOptions, MailboxInfo, MailboxStatus } from "./src/format/types.ts";
export { MailboxFlags } from "./src/format/constants.ts";
export {
  SPECIAL_USE_MASK,
  SpecialUse,
  specialUseAtoms,
  specialUseBit,
  specialUseBits,
  specialUseOf,
} from "./src/format/special_use.ts";
export {
  ChangeCursorError,
  type ChangeCursorErrorCode,
  CorruptIndexError,
  IndexLimitError,
  IndexStateError,
  InvalidGuidError,
  InvalidNameError,
  InvalidStatusError,
  LockLostError,
  LockTimeoutError,
  NoInferiorsError,
  NoSuchMailboxError,
  RenameError,
  type RenameErrorCode,
  StoreReadError,
  UnsafeFileError,
} from "./src/format/errors.ts";
export { decodeOffset, encodeOffset } from "./src/format/offset.ts";
export { GUID_SIZE, guidHex, parseGuid } from "./src/format/guid.ts";
export { nameHash } from "./src/format/name_hash.ts";
export type { FileIO, FileStat, OpenMode } from "./src/store/io.ts";
export { nodeFileIO } from "./src/store/io.ts";
export {
  formatListResponse,
  formatStatusResponse,
  iterateList,
  listMailboxes,
  ListPattern,
  listRootName,
  mailboxAttributes,
  resolveListPattern,
} from "./src/imap/list.ts";
export type {
  AttributeOptions,
  ListEntry,
  ListLineOptions,
  ListOptions,
  ListSource,
  ListVisitor,
  StatusLineOptions,
} from "./src/imap/list.ts";
export { isExtendedList, listCommand, listResponseLines } from "./src/imap/list_command.ts";
export type { ListCommandOptions, ListReturnOptions, ListSelectOptions } from "./src/imap/list_options.ts";
export { DEFAULT_STATUS_ITEMS, formatStatusLine, STATUS_ITEMS, statusValue } from "./src/imap/status_items.ts";
export type { StatusItem } from "./src/imap/status_items.ts";
export { decodeMailboxName, utf8Names, wireMailboxName } from "./src/imap/wire_name.ts";
export type { ImapSession } from "./src/imap/wire_name.ts";
export { parseListArguments, parseStatusArguments } from "./src/imap/command_args.ts";
export type { ParsedListCommand, ParsedStatusCommand } from "./src/imap/command_args.ts";
export { ArgReader } from "./src/imap/arg_reader.ts";
export type { ArgString } from "./src/imap/arg_reader.ts";
export { answerListCommand, answerStatusCommand } from "./src/imap/answer.ts";
export { ImapSyntaxError, MailboxUnavailableError } from "./src/imap/errors.ts";
export { imapQuote, utf8Length } from "./src/imap/quote.ts";
export type { QuoteOptions } from "./src/imap/quote.ts";
export {
  decodeModifiedUtf7,
  encodeModifiedUtf7,
  Utf7Error,
} from "./src/imap/utf7.ts";
export { listMaildirTopLevel, scanMaildir } from "./src/scan/maildir.ts";
export { listFsTopLevel, scanFsLayout } from "./src/scan/fs.ts";
export { readNameList, readNameListBatches } from "./src/scan/name_list.ts";
export type { NameListOptions } from "./src/scan/name_list.ts";
export type { ScannedMailbox, ScanOptions, ScanWarning, StoreNameOptions } from "./src/scan/types.ts";
export { parseDovecotSubscriptions, readDovecotSubscriptions } from "./src/scan/subscriptions.ts";
export type { SubscriptionsOptions } from "./src/scan/subscriptions.ts";
export { readUidList } from "./src/scan/uidlist.ts";
export type { UidList, UidListHeader } from "./src/scan/uidlist.ts";
export { nodeScanFs } from "./src/scan/io.ts";
export type { ScanDirent, ScanFile, ScanFs } from "./src/scan/io.ts";
export { acquireLock, acquireLockSync, readLockHolder } from "./src/store/lock.ts";
export type { LockHolder, LockOptions, WriterLock } from "./src/store/lock.ts";
export { syncAll } from "./src/rebuild/sync_bulk.ts";
export type { SyncAllOptions } from "./src/rebuild/sync_bulk.ts";
export { closeIdleRebuildWorkers, rebuild, startRebuildWorkers } from "./src/rebuild/rebuild.ts";
export type {
  RebuildInput,
  RebuildOptions,
  RebuildPhases,
  RebuildResult,
  RebuildSource,
  RebuildWorkers,
} from "./src/rebuild/rebuild.ts";
export { WorkerExitError } from "./src/worker/pool.ts";
export { scanStore } from "./src/scan/parallel.ts";
export type { ScanStoreOptions } from "./src/scan/parallel.ts";
