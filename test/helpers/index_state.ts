// What tests compare of an index: every listed mailbox with its UID, flags
// and STATUS, and the header, as an instance shows them or as a fresh
// read-only open of the files does.
import { type IndexHeader, MailboxListIndex, type MailboxStatus, type OpenOptions } from "../../mod.ts";

/** One listed mailbox. */
export interface Entry {
  name: string;
  uid: number;
  hasChildren: boolean;
  flags: number;
  status: MailboxStatus | null;
}

/** An index as one instance shows it. */
export interface IndexState {
  header: IndexHeader;
  /** Every mailbox, in iteration order. */
  entries: Entry[];
}

/** Every mailbox `index` lists, with its STATUS (null when none is cached). */
export function entriesOf(index: MailboxListIndex): Entry[] {
  const entries: Entry[] = [];
  for (const m of index.iterate()) {
    entries.push({ name: m.name, uid: m.uid, hasChildren: m.hasChildren, flags: m.flags, status: null });
  }
  for (const e of entries) e.status = index.status(e.name) ?? null;
  return entries;
}

/** The header and listing of `index`. */
export function stateOf(index: MailboxListIndex): IndexState {
  return { header: index.header, entries: entriesOf(index) };
}

/** The state of the index at `path` as a new read-only instance sees it (opened, read, closed). */
export async function readState(path: string, options: Omit<OpenOptions, "readonly"> = {}): Promise<IndexState> {
  const reader = await MailboxListIndex.open(path, { onWarning: () => {}, ...options, readonly: true });
  try {
    return stateOf(reader);
  } finally {
    await reader.close();
  }
}
