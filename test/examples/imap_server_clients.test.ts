// The reference IMAP server (examples/imap_server/) with real clients:
// the server runs as a child process on the runtime running this file
// (Deno, Bun or Node); imapflow and node-imap run on Node, in one driver
// process (test/fixtures/imap_client_driver.ts) that this file talks to
// over stdin/stdout, and connect to it over TCP. The store is a
// Dovecot-style Maildir++ store (modified-UTF-7 folder directories, a
// version-2 subscriptions file) whose index has special-use attributes.
// imapflow enables UTF8=ACCEPT and IMAP4rev2 (names in UTF-8), or with
// rev1 enables nothing; node-imap speaks IMAP4rev1 (modified UTF-7).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeModifiedUtf7,
  MailboxFlags,
  MailboxListIndex,
  parseDovecotSubscriptions,
  scanMaildir,
  syncAll,
} from "../../mod.ts";
import { UserStore } from "../../examples/imap_server/store.ts";
import { DOVECOT_FOLDERS, DOVECOT_SUBSCRIBED, writeDovecotStore } from "../helpers/dovecot_store.ts";
import { ClientDriver, startTestServer, type TestServer } from "../helpers/imap_server.ts";
import { RUNTIME } from "../helpers/runtime.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const ALICE = { name: "alice", password: "alice's secret" };
const BOB = { name: "bob", password: "hunter2" };

/** The names of the fixture store, as every listing must give them. */
const NAMES = DOVECOT_FOLDERS.map((f) => f.name).sort();
const SPECIAL: Record<string, string> = { Sent: "\\Sent", "Entwürfe": "\\Drafts" };

interface FlowEntry {
  path: string;
  delimiter: string;
  flags: string[];
  specialUse?: string;
  specialUseSource?: string;
  subscribed?: boolean;
  status?: { messages?: number; unseen?: number };
}

interface ImapBox {
  name: string;
  delimiter: string;
  attribs: string[];
  specialUse: string | null;
}

/** The Maildir++ directory of a name. */
function dirOf(name: string): string {
  return "." + name.split("/").map((l) => encodeModifiedUtf7(l)).join(".");
}

describe(`the reference IMAP server on ${RUNTIME} with imapflow and node-imap on Node`, () => {
  let tmp: { dir: string; cleanup: () => void };
  let server: TestServer;
  let driver: ClientDriver;

  before(async () => {
    tmp = makeTempDir("mli-imap-clients-");
    server = await startTestServer(tmp.dir, [
      { ...ALICE, fill: writeDovecotStore },
      { ...BOB, fill: (root) => writeDovecotStore(root) },
    ], ["--poll-ms", "50"]);
    // Special-use comes from the index: set it before anyone logs in.
    for (const user of [ALICE.name, BOB.name]) {
      const index = await MailboxListIndex.open(server.indexPath(user));
      await syncAll(index, scanMaildir(server.root(user)));
      const ctx = await index.syncBegin({ partial: true });
      for (const [name, atom] of Object.entries(SPECIAL)) ctx.setSpecialUse(name, [atom]);
      await ctx.commit();
      await index.close();
    }
    driver = new ClientDriver();
  });

  after(async () => {
    await driver?.stop();
    await server?.stop();
    tmp?.cleanup();
  });

  /** Connect a client as a user; returns the connection id and what it saw. */
  async function open(client: "imapflow" | "node-imap", user = ALICE, rev1 = false) {
    return await driver.request<{ conn: number; capabilities: string[]; enabled: string[] }>("connect", {
      client,
      port: server.port,
      user: user.name,
      pass: user.password,
      rev1,
    });
  }

  const call = <T>(conn: number, method: string, ...args: unknown[]) => driver.request<T>("call", { conn, method, args });
  const close = (conn: number) => driver.request("close", { conn });

  /** A read-only look at a user's index, as another process sees it. */
  async function indexOf<T>(user: string, look: (index: MailboxListIndex) => T): Promise<T> {
    const index = await MailboxListIndex.open(server.indexPath(user), { readonly: true });
    try {
      return look(index);
    } finally {
      await index.close();
    }
  }

  describe("log in", () => {
    it("imapflow logs in (AUTHENTICATE PLAIN) and enables UTF8=ACCEPT and IMAP4rev2", async () => {
      const c = await open("imapflow");
      try {
        for (const cap of ["IMAP4rev2", "LITERAL+", "UTF8=ACCEPT", "LIST-EXTENDED", "SPECIAL-USE", "IDLE"]) {
          assert.ok(c.capabilities.includes(cap), `capability ${cap} in ${c.capabilities.join(" ")}`);
        }
        const enabled = c.enabled.map((e) => e.toUpperCase());
        assert.ok(enabled.includes("UTF8=ACCEPT") && enabled.includes("IMAP4REV2"), c.enabled.join(" "));
      } finally {
        await close(c.conn);
      }
    });

    it("imapflow fails with a wrong password, and with an unknown user", async () => {
      for (const user of [{ name: "alice", password: "wrong" }, { name: "mallory", password: "x" }]) {
        await assert.rejects(open("imapflow", user), (e: Error & { code?: string }) => {
          assert.equal(e.code, "AUTHENTICATIONFAILED", e.message);
          return true;
        });
      }
    });

    it("node-imap logs in (LOGIN) and fails with a wrong password", async () => {
      const c = await open("node-imap");
      await close(c.conn);
      await assert.rejects(open("node-imap", { name: "alice", password: "nope" }), (e: Error & { code?: string }) => {
        assert.equal(e.code, "AUTHENTICATIONFAILED", e.message);
        return true;
      });
    });
  });

  describe("list", () => {
    for (const rev1 of [false, true]) {
      it(`imapflow ${rev1 ? "in IMAP4rev1 (modified UTF-7)" : "with UTF8=ACCEPT"} gets the names, special-use, subscriptions and STATUS`, async () => {
        const c = await open("imapflow", ALICE, rev1);
        try {
          assert.equal(c.enabled.includes("UTF8=ACCEPT"), !rev1);
          const list = await call<FlowEntry[]>(c.conn, "list", { statusQuery: { messages: true, unseen: true } });
          assert.deepEqual(list.map((e) => e.path).sort(), NAMES);
          for (const e of list) {
            assert.equal(e.delimiter, "/");
            const su = e.specialUseSource === "extension" ? e.specialUse : undefined;
            assert.equal(su, SPECIAL[e.path], `special-use of ${e.path}`);
            assert.equal(e.subscribed === true, DOVECOT_SUBSCRIBED.includes(e.path), `subscription of ${e.path}`);
            const f = DOVECOT_FOLDERS.find((x) => x.name === e.path)!;
            assert.equal(e.status?.messages, f.messages, `MESSAGES of ${e.path}`);
            assert.equal(e.status?.unseen, f.unseen, `UNSEEN of ${e.path}`);
          }
        } finally {
          await close(c.conn);
        }
      });
    }

    it("node-imap (IMAP4rev1) gets the names, special-use and, with LSUB, the subscriptions", async () => {
      const c = await open("node-imap");
      try {
        const boxes = await driver.request<ImapBox[]>("boxes", { conn: c.conn });
        // node-imap lists the \Noselect parent "Archiv" of "Archiv/2024 Tätigkeiten" only when the server sends it.
        const real = boxes.filter((b) => !b.attribs.includes("\\NOSELECT"));
        assert.deepEqual(real.map((b) => b.name).sort(), NAMES);
        for (const b of real) {
          assert.equal(b.delimiter, "/");
          assert.equal(b.specialUse ?? undefined, SPECIAL[b.name], `special-use of ${b.name}`);
        }
        const subscribed = await driver.request<ImapBox[]>("boxes", { conn: c.conn, subscribed: true });
        const names = subscribed.filter((b) => !b.attribs.includes("\\NOSELECT")).map((b) => b.name).sort();
        assert.deepEqual(names, [...DOVECOT_SUBSCRIBED].sort());
      } finally {
        await close(c.conn);
      }
    });
  });

  describe("STATUS", () => {
    it("imapflow and node-imap get each mailbox's figures", async () => {
      const flow = await open("imapflow");
      const nodeImap = await open("node-imap");
      try {
        for (const f of DOVECOT_FOLDERS) {
          const s = await call<{ messages: number; unseen: number; uidNext: number; uidValidity: number }>(
            flow.conn,
            "status",
            f.name,
            { messages: true, unseen: true, uidNext: true, uidValidity: true },
          );
          const uidNext = Math.max(f.headerNext, f.lastUid + 1);
          assert.deepEqual([s.messages, s.unseen, s.uidNext, s.uidValidity], [f.messages, f.unseen, uidNext, f.uidValidity], f.name);
          const b = await call<{ messages: { total: number; unseen: number }; uidnext: number; uidvalidity: number }>(
            nodeImap.conn,
            "status",
            f.name,
          );
          assert.deepEqual([b.messages.total, b.messages.unseen, b.uidnext, b.uidvalidity], [f.messages, f.unseen, uidNext, f.uidValidity], f.name);
        }
      } finally {
        await close(flow.conn);
        await close(nodeImap.conn);
      }
    });
  });

  describe("create and delete", () => {
    for (const client of ["imapflow", "node-imap"] as const) {
      it(`${client} creates and deletes folders, seen in a later list, on disk and in the index`, async () => {
        const c = await open(client);
        const parent = client === "imapflow" ? "Projekte für 2025" : "Ärchiv & Co";
        const child = `${parent}/Größe`;
        const listed = async () =>
          client === "imapflow"
            ? (await call<FlowEntry[]>(c.conn, "list")).map((e) => ({ name: e.path, flags: e.flags }))
            : (await driver.request<ImapBox[]>("boxes", { conn: c.conn })).map((b) => ({ name: b.name, flags: b.attribs }));
        try {
          await call(c.conn, client === "imapflow" ? "mailboxCreate" : "addBox", child);
          let names = (await listed()).map((e) => e.name);
          assert.ok(names.includes(child), `${child} listed: ${names.join(", ")}`);
          const dir = join(server.root(ALICE.name), dirOf(child));
          for (const part of ["cur", "new", "tmp", "maildirfolder", "dovecot-uidlist"]) {
            assert.ok(existsSync(join(dir, part)), `${dir}/${part} exists`);
          }
          assert.equal(existsSync(join(server.root(ALICE.name), dirOf(parent))), false, "the parent is not made a folder");
          const flags = await indexOf(ALICE.name, (i) => [i.flags(child), i.flags(parent)]);
          assert.equal(flags[0]! & MailboxFlags.NonExistent, 0, "the mailbox is in the index");
          assert.ok((flags[1]! & MailboxFlags.NonExistent) !== 0, "its parent is a placeholder in the index");

          // The parent is created too, then deleted while it has a child: it stays as \Noselect.
          await call(c.conn, client === "imapflow" ? "mailboxCreate" : "addBox", parent);
          assert.ok(existsSync(join(server.root(ALICE.name), dirOf(parent), "cur")));
          await call(c.conn, client === "imapflow" ? "mailboxDelete" : "delBox", parent);
          assert.equal(existsSync(join(server.root(ALICE.name), dirOf(parent))), false);
          assert.ok(existsSync(dir), "the child stays");
          const parentFlags = await indexOf(ALICE.name, (i) => i.flags(parent));
          assert.ok((parentFlags! & MailboxFlags.NonExistent) !== 0, "the deleted parent is a placeholder");

          await call(c.conn, client === "imapflow" ? "mailboxDelete" : "delBox", child);
          names = (await listed()).map((e) => e.name);
          assert.ok(!names.includes(child) && !names.includes(parent), `gone from the list: ${names.join(", ")}`);
          assert.equal(existsSync(dir), false, "gone from the disk");
          assert.deepEqual(await indexOf(ALICE.name, (i) => [i.lookup(child), i.lookup(parent)]), [undefined, undefined]);
          assert.deepEqual(names.sort(), NAMES);
        } finally {
          await close(c.conn);
        }
      });
    }

    it("deleting INBOX, a name that does not exist, and creating one that exists are refused", async () => {
      const c = await open("imapflow");
      try {
        await assert.rejects(call(c.conn, "mailboxDelete", "INBOX"));
        await assert.rejects(call(c.conn, "mailboxDelete", "No such folder"), (e: Error & { code?: string }) => {
          assert.equal(e.code, "NONEXISTENT", e.message);
          return true;
        });
        const r = await call<{ created: boolean }>(c.conn, "mailboxCreate", "Sent").catch((e: Error & { code?: string }) => e);
        assert.ok("created" in r ? r.created === false : r.code === "ALREADYEXISTS", JSON.stringify(r));
      } finally {
        await close(c.conn);
      }
    });

    it("RENAME moves a subtree (on disk, in the index, subscriptions following), or is NO [CANNOT] until the index can rename", async () => {
      const c = await open("imapflow");
      try {
        if (!UserStore.canRename) {
          await assert.rejects(call(c.conn, "mailboxRename", "Sent", "Gesendet"), (e: Error & { code?: string }) => {
            assert.equal(e.code, "CANNOT", e.message);
            return true;
          });
          return;
        }
        await call(c.conn, "mailboxCreate", "Alt");
        await call(c.conn, "mailboxCreate", "Alt/Unter");
        await call(c.conn, "mailboxSubscribe", "Alt/Unter");
        const uid = await indexOf(ALICE.name, (i) => i.lookup("Alt/Unter"));
        await call(c.conn, "mailboxRename", "Alt", "Neu/Älter");
        const list = await call<FlowEntry[]>(c.conn, "list");
        const names = list.map((e) => e.path);
        assert.ok(names.includes("Neu/Älter") && names.includes("Neu/Älter/Unter") && !names.includes("Alt"), names.join(", "));
        assert.equal(list.find((e) => e.path === "Neu/Älter/Unter")?.subscribed, true);
        const root = server.root(ALICE.name);
        assert.ok(existsSync(join(root, dirOf("Neu/Älter"), "cur")) && existsSync(join(root, dirOf("Neu/Älter/Unter"), "cur")));
        assert.ok(!existsSync(join(root, ".Alt")) && !existsSync(join(root, ".Alt.Unter")));
        assert.equal(await indexOf(ALICE.name, (i) => i.lookup("Neu/Älter/Unter")), uid, "the UID moves with the mailbox");
        const fileNames = parseDovecotSubscriptions(readFileSync(join(root, "subscriptions"), "utf8"), { separator: "/" });
        assert.ok(fileNames.includes("Neu/Älter/Unter") && !fileNames.includes("Alt/Unter"));
        await assert.rejects(call(c.conn, "mailboxRename", "Neu/Älter", "Sent"), (e: Error & { code?: string }) => {
          assert.equal(e.code, "ALREADYEXISTS", e.message);
          return true;
        });
        await call(c.conn, "mailboxUnsubscribe", "Neu/Älter/Unter");
        await call(c.conn, "mailboxDelete", "Neu/Älter/Unter");
        await call(c.conn, "mailboxDelete", "Neu/Älter");
        assert.deepEqual((await call<FlowEntry[]>(c.conn, "list")).map((e) => e.path).sort(), NAMES);
      } finally {
        await close(c.conn);
      }
    });
  });

  describe("subscribe and unsubscribe", () => {
    for (const client of ["imapflow", "node-imap"] as const) {
      it(`${client} subscribes and unsubscribes; the store's subscriptions file and the index follow`, async () => {
        const c = await open(client);
        const name = client === "imapflow" ? "A&B" : "Sent";
        const fileNames = () =>
          parseDovecotSubscriptions(readFileSync(join(server.root(ALICE.name), "subscriptions"), "utf8"), { separator: "/" });
        const subscribed = async () =>
          client === "imapflow"
            ? (await call<FlowEntry[]>(c.conn, "list")).find((e) => e.path === name)?.subscribed === true
            : (await driver.request<ImapBox[]>("boxes", { conn: c.conn, subscribed: true })).some((b) => b.name === name);
        try {
          assert.equal(await subscribed(), false);
          await call(c.conn, client === "imapflow" ? "mailboxSubscribe" : "subscribeBox", name);
          assert.equal(await subscribed(), true);
          assert.ok(fileNames().includes(name));
          assert.ok(await indexOf(ALICE.name, (i) => i.isSubscribed(name)));
          await call(c.conn, client === "imapflow" ? "mailboxUnsubscribe" : "unsubscribeBox", name);
          assert.equal(await subscribed(), false);
          assert.ok(!fileNames().includes(name));
          assert.equal(await indexOf(ALICE.name, (i) => i.isSubscribed(name)), false);
        } finally {
          await close(c.conn);
        }
      });
    }
  });

  describe("select and IDLE", () => {
    it("imapflow selects (read-only, EXISTS, UIDNEXT, UIDVALIDITY) and sees EXISTS change in IDLE", async () => {
      const c = await open("imapflow");
      try {
        const f = DOVECOT_FOLDERS.find((x) => x.name === "Sent")!;
        const box = await call<{ exists: number; uidNext: number; uidValidity: number; readOnly: boolean }>(c.conn, "mailboxOpen", "Sent");
        assert.deepEqual([box.exists, box.uidNext, box.uidValidity, box.readOnly], [f.messages, f.lastUid + 1, f.uidValidity, true]);
        await driver.request("idle", { conn: c.conn });
        await setMessages("Sent", f.messages + 3);
        await driver.request("waitExists", { conn: c.conn, count: f.messages + 3 });
      } finally {
        await close(c.conn);
      }
    });

    it("node-imap (IMAP4rev1) opens a mailbox and sees EXISTS change while it idles", async () => {
      const c = await open("node-imap");
      try {
        const f = DOVECOT_FOLDERS.find((x) => x.name === "日本語")!;
        const box = await driver.request<{ total: number; uidnext: number; uidvalidity: number; readOnly: boolean }>("open", {
          conn: c.conn,
          path: f.name,
        });
        assert.deepEqual([box.total, box.uidnext, box.uidvalidity, box.readOnly], [f.messages, f.lastUid + 1, f.uidValidity, true]);
        await setMessages(f.name, f.messages + 2);
        await driver.request("waitExists", { conn: c.conn, count: f.messages + 2 });
      } finally {
        await close(c.conn);
      }
    });
  });

  /** Another process (this one) updates a mailbox's STATUS in alice's index. */
  async function setMessages(name: string, messages: number): Promise<void> {
    const index = await MailboxListIndex.open(server.indexPath(ALICE.name));
    try {
      const now = index.status(name)!;
      const ctx = await index.syncBegin({ partial: true });
      ctx.setStatus(name, { ...now, messages, uidNext: now.uidNext + messages });
      await ctx.commit();
    } finally {
      await index.close();
    }
  }

  describe("users", () => {
    it("a second user sees only their own folders", async () => {
      const a = await open("imapflow");
      const b = await open("imapflow", BOB);
      try {
        await call(a.conn, "mailboxCreate", "Only Alice");
        const bobs = (await call<FlowEntry[]>(b.conn, "list")).map((e) => e.path).sort();
        assert.deepEqual(bobs, NAMES);
        await assert.rejects(call(b.conn, "status", "Only Alice", { messages: true }));
        await assert.rejects(call(b.conn, "mailboxOpen", "Only Alice"));
        assert.equal(await indexOf(BOB.name, (i) => i.lookup("Only Alice")), undefined);
        assert.equal(existsSync(join(server.root(BOB.name), ".Only Alice")), false);
        await call(a.conn, "mailboxDelete", "Only Alice");
      } finally {
        await close(a.conn);
        await close(b.conn);
      }
    });
  });
});
