// A Dovecot-style Maildir++ store on disk, as Dovecot itself lays it out:
// folder directories named in IMAP modified UTF-7 (".Entw&APw-rfe"), a
// version-3 dovecot-uidlist per folder whose records run past the header's
// N (Dovecot appends without rewriting the header), and a version-2
// `subscriptions` file at the root with TAB-joined, modified-UTF-7 levels.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One folder of the fixture: its Unicode name, its on-disk directory and what a scan must find. */
export interface FixtureFolder {
  /** Full Unicode name with "/" as separator ("INBOX" for the root). */
  name: string;
  /** Directory under the store root ("" for INBOX). */
  dir: string;
  /** Messages in cur/ + new/. */
  messages: number;
  /** Messages in new/ or without the S flag. */
  unseen: number;
  /** UIDVALIDITY in the uidlist header. */
  uidValidity: number;
  /** The header's N. */
  headerNext: number;
  /** Highest UID among the records. */
  lastUid: number;
  /** The header's G (32 hex digits). */
  guid: string;
}

/** The folders of {@linkcode writeDovecotStore}; UIDNEXT a scan must report is max(headerNext, lastUid + 1). */
export const DOVECOT_FOLDERS: readonly FixtureFolder[] = [
  { name: "INBOX", dir: "", messages: 3, unseen: 1, uidValidity: 1700000001, headerNext: 42, lastUid: 44, guid: "0123456789abcdef0123456789abcdef" },
  { name: "Entwürfe", dir: ".Entw&APw-rfe", messages: 1, unseen: 0, uidValidity: 1700000002, headerNext: 2, lastUid: 1, guid: "11111111111111111111111111111111" },
  { name: "日本語", dir: ".&ZeVnLIqe-", messages: 2, unseen: 2, uidValidity: 1700000003, headerNext: 3, lastUid: 7, guid: "22222222222222222222222222222222" },
  { name: "A&B", dir: ".A&-B", messages: 1, unseen: 1, uidValidity: 1700000004, headerNext: 5, lastUid: 4, guid: "33333333333333333333333333333333" },
  { name: "Sent", dir: ".Sent", messages: 2, unseen: 0, uidValidity: 1700000005, headerNext: 10, lastUid: 12, guid: "44444444444444444444444444444444" },
  { name: "Archiv/2024 Tätigkeiten", dir: ".Archiv.2024 T&AOQ-tigkeiten", messages: 1, unseen: 0, uidValidity: 1700000006, headerNext: 1, lastUid: 1, guid: "55555555555555555555555555555555" },
];

/** The subscribed names the fixture's `subscriptions` file holds, Unicode, "/"-separated ("Gone" does not exist). */
export const DOVECOT_SUBSCRIBED: readonly string[] = ["INBOX", "Entwürfe", "日本語", "Archiv/2024 Tätigkeiten", "Gone"];

/** The subscriptions file: version 2, levels joined by TAB, each level in modified UTF-7. */
const SUBSCRIPTIONS = "V\t2\n\n" +
  ["INBOX", "Entw&APw-rfe", "&ZeVnLIqe-", "Archiv\t2024 T&AOQ-tigkeiten", "Gone"].join("\n") + "\n";

/**
 * Write the fixture store under `root` (which must exist).
 *
 * @param root The store root (the Maildir++ INBOX).
 */
export function writeDovecotStore(root: string): void {
  for (const f of DOVECOT_FOLDERS) {
    const dir = f.dir === "" ? root : join(root, f.dir);
    for (const d of ["cur", "new", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
    const seen = f.messages - f.unseen;
    const lines = [`3 V${f.uidValidity} N${f.headerNext} G${f.guid}`];
    // Records: UIDs from lastUid - messages + 1 up to lastUid, the last one appended past N.
    for (let i = 0; i < f.messages; i++) {
      const uid = f.lastUid - f.messages + 1 + i;
      const base = `${1700000000 + i}.M${i}P1.host`;
      if (i < seen) {
        writeFileSync(join(dir, "cur", `${base}:2,S`), "Subject: x\n\nx\n");
        lines.push(`${uid} :${base}`);
      } else {
        writeFileSync(join(dir, "new", base), "Subject: x\n\nx\n");
        lines.push(`${uid} :${base}`);
      }
    }
    writeFileSync(join(dir, "dovecot-uidlist"), lines.join("\n") + "\n");
  }
  // A Maildir++ folder marks itself with maildirfolder.
  for (const f of DOVECOT_FOLDERS) if (f.dir !== "") writeFileSync(join(root, f.dir, "maildirfolder"), "");
  writeFileSync(join(root, "subscriptions"), SUBSCRIPTIONS);
}
