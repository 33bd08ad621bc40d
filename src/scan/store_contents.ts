/**
 * Everything an index needs from one store, read in this thread: every
 * mailbox (`scanStore`), the folders that could not be read completely,
 * and the store's own subscriptions (`readStoreSubscriptions`). What one
 * job of a bulk run reads in its worker thread; a name-list file is passed
 * on as it is, for the index's own name-list reader.
 *
 * @module
 */
import { scanStore } from "./parallel.ts";
import { readStoreSubscriptions } from "./subscriptions.ts";
import { collectUnread, type ScannedMailbox } from "./types.ts";

/**
 * What {@linkcode readStoreContents} read.
 *
 * @example A store with one unreadable folder
 * ```ts
 * import type { StoreContentsRead } from "./store_contents.ts";
 * const r: StoreContentsRead = { names: [{ name: "INBOX", selectable: true }], incomplete: ["Old"] };
 * ```
 */
export interface StoreContentsRead {
  /** Every mailbox in scan order, or the name-list file to read. */
  names: ScannedMailbox[] | { file: string };
  /** Folders the scan could not read completely. */
  incomplete: string[];
  /** The store's subscriptions file's names, when it has one. */
  subscriptions?: string[];
}

/**
 * Read a store whole, in this thread.
 *
 * @param layout "maildir" (Maildir++), "fs" (directory per folder) or "list" (a name-list file).
 * @param root The store root, or the name-list file.
 * @param separator The separator of the names to make.
 * @param options How the store keeps its names (`utf8Names`), where warnings go.
 * @returns The mailboxes, the folders not read completely, the subscriptions.
 * @throws StoreReadError when the store root cannot be read.
 *
 * @example A Maildir++ store of INBOX and Sent
 * ```ts
 * import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readStoreContents } from "./store_contents.ts";
 * const root = mkdtempSync(join(tmpdir(), "store-"));
 * for (const d of ["cur", "new", ".Sent/cur", ".Sent/new"]) mkdirSync(join(root, d), { recursive: true });
 * try {
 *   const r = await readStoreContents("maildir", root, "/");
 *   console.log(Array.isArray(r.names) ? r.names.map((m) => m.name) : r.names); // ["INBOX", "Sent"]
 * } finally {
 *   rmSync(root, { recursive: true });
 * }
 * ```
 */
export async function readStoreContents(
  layout: "maildir" | "fs" | "list",
  root: string,
  separator: string,
  options: { utf8Names?: boolean; onWarning?: (message: string) => void } = {},
): Promise<StoreContentsRead> {
  if (layout === "list") return { names: { file: root }, incomplete: [] };
  const incomplete: string[] = [];
  const names = await scanStore(layout, root, {
    separator,
    utf8Names: options.utf8Names === true,
    onWarning: collectUnread(incomplete, (reason) => options.onWarning?.(reason)),
  });
  const subscriptions = await readStoreSubscriptions(layout, root, separator, options);
  return subscriptions === undefined ? { names, incomplete } : { names, incomplete, subscriptions };
}
