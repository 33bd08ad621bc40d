// A store as Dovecot writes it (test/helpers/dovecot_store.ts: Maildir++
// folders named in modified UTF-7, a version-2 subscriptions file, uidlists
// appended past their header's N), indexed by the command-line tool, then
// listed and looked up by Unicode name through the CLI and the API, in an
// IMAP4rev1 session (modified UTF-7 on the wire) and a UTF-8 one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { answerListCommand, answerStatusCommand, MailboxListIndex, SpecialUse } from "../../mod.ts";
import { DOVECOT_FOLDERS, DOVECOT_SUBSCRIBED, writeDovecotStore } from "../helpers/dovecot_store.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { ROOT, run, type RunResult, tsCommand } from "../helpers/runtime.ts";

const CLI = join(ROOT, "src", "cli", "main.ts");

function cli(args: string[]): Promise<RunResult> {
  const [cmd, a] = tsCommand(CLI, args);
  return run(cmd, a);
}

async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  assert.equal(r.status, 0, `${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** UIDNEXT as Dovecot reads it: the header's N, or past the last record appended after it. */
const uidNext = (f: (typeof DOVECOT_FOLDERS)[number]) => Math.max(f.headerNext, f.lastUid + 1);

for (const command of ["rebuild", "sync"] as const) {
  describe(`a Dovecot Maildir++ store indexed by "${command}"`, () => {
    const tmp = makeTempDir("mli-dovecot-cli-");
    const root = join(tmp.dir, "Maildir");
    const index = join(tmp.dir, "mailboxes.mlist");
    after(() => tmp.cleanup());
    before(async () => {
      mkdirSync(root);
      writeDovecotStore(root);
      await ok([command, "--index", index, "--maildir", root, "--special-use", "Sent=\\Sent"]);
    });

    it("looks up every folder by its Unicode name, on the command line and through the API", async () => {
      const idx = await MailboxListIndex.open(index, { readonly: true });
      try {
        for (const f of DOVECOT_FOLDERS) {
          const uid = idx.lookup(f.name);
          assert.ok(uid !== undefined && uid > 0, `${f.name} is in the index`);
          assert.equal((await ok(["lookup", "--index", index, f.name])).trim(), String(uid));
          const s = idx.status(f.name)!;
          assert.equal(s.messages, f.messages, f.name);
          assert.equal(s.unseen, f.unseen, f.name);
          assert.equal(s.uidValidity, f.uidValidity, f.name);
          assert.equal(s.uidNext, uidNext(f), `${f.name}: UIDNEXT past the appended records`);
        }
        // The on-disk spellings are not names.
        assert.equal(idx.lookup("Entw&APw-rfe"), undefined);
        assert.equal(idx.lookup("A&-B"), undefined);
        assert.equal((await cli(["lookup", "--index", index, "Entw&APw-rfe"])).status, 1);
        assert.deepEqual(idx.subscriptions(), [...DOVECOT_SUBSCRIBED].sort(byUtf8));
        assert.equal(idx.lookup("Sent") !== undefined && (flagsOf(idx, "Sent") & SpecialUse.Sent) !== 0, true);
      } finally {
        await idx.close();
      }
    });

    it("lists the names in modified UTF-7 to IMAP4rev1 and in UTF-8 with --utf8", async () => {
      const rev1 = await ok(["list", "--index", index, "*"]);
      for (const line of rev1.split("\r\n").filter((l) => l !== "")) assert.match(line, /^[\x20-\x7e]*$/, line);
      assert.match(rev1, /\* LIST \(\\HasNoChildren\) "\/" "Entw&APw-rfe"\r\n/);
      assert.match(rev1, /\* LIST \(\\HasNoChildren\) "\/" "&ZeVnLIqe-"\r\n/);
      assert.match(rev1, /\* LIST \(\\HasNoChildren\) "\/" "A&-B"\r\n/);
      assert.match(rev1, /\* LIST \(\\HasNoChildren\) "\/" "Archiv\/2024 T&AOQ-tigkeiten"\r\n/);
      assert.match(rev1, /\* LIST \(\\HasNoChildren \\Sent\) "\/" "Sent"\r\n/);
      const utf8 = await ok(["list", "--index", index, "--utf8", "*"]);
      assert.match(utf8, /"Entwürfe"\r\n/);
      assert.match(utf8, /"日本語"\r\n/);
      assert.match(utf8, /"A&B"\r\n/);
      const lsub = await ok(["list", "--index", index, "--lsub", "*"]);
      assert.match(lsub, /\* LSUB \(\) "\/" "Entw&APw-rfe"\r\n/);
      assert.match(lsub, /\* LSUB \(\) "\/" "Gone"\r\n/);
      assert.doesNotMatch(lsub, /"Sent"/);
      const subs = (await ok(["subscriptions", "--index", index])).split("\n").filter((l) => l !== "");
      assert.deepEqual(subs.sort(), [...DOVECOT_SUBSCRIBED].sort());
    });

    it("answers a client's LIST and STATUS by the names it sends", async () => {
      const idx = await MailboxListIndex.open(index, { readonly: true });
      try {
        const inbox = DOVECOT_FOLDERS[0];
        assert.equal(
          answerStatusCommand(idx, "INBOX (UIDNEXT MESSAGES)"),
          `* STATUS "INBOX" (UIDNEXT ${uidNext(inbox)} MESSAGES ${inbox.messages})\r\n`,
        );
        const de = DOVECOT_FOLDERS.find((f) => f.name === "Entwürfe")!;
        assert.equal(
          answerStatusCommand(idx, '"Entw&APw-rfe" (UIDNEXT)'),
          `* STATUS "Entw&APw-rfe" (UIDNEXT ${uidNext(de)})\r\n`,
        );
        assert.equal(
          answerStatusCommand(idx, '"Entwürfe" (UIDNEXT)', { utf8: true }),
          `* STATUS "Entwürfe" (UIDNEXT ${uidNext(de)})\r\n`,
        );
        assert.deepEqual(answerListCommand(idx, "LIST", '"" "&ZeVnLIqe-"'), [`* LIST (\\HasNoChildren) "/" "&ZeVnLIqe-"\r\n`]);
        assert.deepEqual(
          answerListCommand(idx, "LIST", '(SUBSCRIBED) "" "Archiv/*"'),
          [`* LIST (\\Subscribed) "/" "Archiv/2024 T&AOQ-tigkeiten"\r\n`],
        );
      } finally {
        await idx.close();
      }
    });
  });
}

describe("a second spelling of a folder in a Dovecot store", () => {
  it("gives one mailbox, with a warning naming it", async () => {
    const tmp = makeTempDir("mli-dovecot-cli-");
    try {
      const root = join(tmp.dir, "Maildir");
      mkdirSync(root);
      writeDovecotStore(root);
      // The same name written as UTF-8, as a store switched to UTF-8 names would.
      for (const d of ["cur", "new", "tmp"]) mkdirSync(join(root, ".Entwürfe", d), { recursive: true });
      writeFileSync(join(root, ".Entwürfe", "maildirfolder"), "");
      const index = join(tmp.dir, "mailboxes.mlist");
      const r = await cli(["sync", "--index", index, "--maildir", root]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /Entwürfe/);
      const utf8 = await ok(["list", "--index", index, "--utf8", "*"]);
      assert.equal(utf8.split("\r\n").filter((l) => l.endsWith('"Entwürfe"')).length, 1);
    } finally {
      tmp.cleanup();
    }
  });
});

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function flagsOf(idx: MailboxListIndex, name: string): number {
  for (const m of idx.iterate()) if (m.name === name) return m.flags;
  return 0;
}
