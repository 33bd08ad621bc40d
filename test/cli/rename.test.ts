// The command-line tool's rename (SPEC §11): one commit that moves a
// mailbox with everything under it and keeps the UIDs; a refusal exits 1
// with the IMAP response code and changes nothing; a wrong number of names
// is a usage error. Run as a child process on the runtime that runs this
// file.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { ROOT, run, type RunResult, tsCommand } from "../helpers/runtime.ts";

const CLI = join(ROOT, "src", "cli", "main.ts");

function cli(args: string[]): Promise<RunResult> {
  const [cmd, a] = tsCommand(CLI, args);
  return run(cmd, a);
}

/** Every mailbox of the index at `path` with its UID, as a reader sees it. */
async function uids(path: string): Promise<Record<string, number>> {
  const index = await MailboxListIndex.open(path, { readonly: true, onWarning: () => {} });
  try {
    return Object.fromEntries([...index.iterate()].map((m) => [m.name, m.uid]));
  } finally {
    await index.close();
  }
}

describe("cli: rename", () => {
  const tmp = makeTempDir("mli-cli-rename-");
  after(() => tmp.cleanup());
  const path = join(tmp.dir, "u.mlist");

  it("moves a mailbox with its subtree in one commit, keeping every UID", async () => {
    const names = join(tmp.dir, "names.txt");
    writeFileSync(names, "INBOX\nArchive/2009\nArchive/2010/Q1\nDrafts\n");
    const synced = await cli(["sync", "--index", path, "--from-list", names, "--recursive"]);
    assert.equal(synced.status, 0, synced.stderr);
    const before = await uids(path);
    const r = await cli(["rename", "--index", path, "Archive", "Old/Archive"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      `Renamed "Archive" to "Old/Archive" in "${path}": UID ${before["Archive"]} kept, with the 3 mailboxes under it\n`,
    );
    const after = await uids(path);
    for (const n of ["Archive", "Archive/2009", "Archive/2010", "Archive/2010/Q1"]) {
      assert.equal(after[`Old/${n}`], before[n], n);
      assert.equal(after[n], undefined, n);
    }
    // A name that needs modified UTF-7 on the wire is given as Unicode.
    const u = await cli(["rename", "--index", path, "Drafts", "Entwürfe"]);
    assert.equal(u.status, 0, u.stderr);
    assert.equal((await uids(path))["Entwürfe"], before["Drafts"]);
    const inbox = await cli(["rename", "--index", path, "inbox", "Saved"]);
    assert.equal(inbox.status, 0, inbox.stderr);
    assert.match(inbox.stdout, /: a new mailbox with UID \d+; INBOX stays\n$/);
    assert.equal((await uids(path))["INBOX"], before["INBOX"]);
    const check = await cli(["check", "--index", path]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  it("a refusal exits 1 with the IMAP response code and leaves the files as they were", async () => {
    const files = [path, `${path}.attr`].map((f) => readFileSync(f).toString("hex"));
    const cases: [string[], RegExp][] = [
      [["Nope", "X"], /\[NONEXISTENT\] Cannot rename "Nope" to "X": "Nope" does not exist/],
      [["Entwürfe", "Saved"], /\[ALREADYEXISTS\] Cannot rename "Entwürfe" to "Saved": "Saved" already exists/],
      [["Old", "Old/Archive/x"], /\[CANNOT\] Cannot rename "Old" to "Old\/Archive\/x": the new name lies inside/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(["rename", "--index", path, ...args]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    }
    assert.deepEqual([path, `${path}.attr`].map((f) => readFileSync(f).toString("hex")), files);
  });

  it("needs exactly two names and an existing index; the help lists it", async () => {
    const one = await cli(["rename", "--index", path, "Old"]);
    assert.equal(one.status, 2);
    assert.match(one.stderr, /Expected the names FROM and TO, got 1 name \(see "mailbox-list-index rename --help"\)/);
    const missing = await cli(["rename", "--index", join(tmp.dir, "none.mlist"), "a", "b"]);
    assert.equal(missing.status, 1);
    const help = await cli(["--help"]);
    assert.match(help.stdout, /\n {2}rename +rename a mailbox and everything under it, keeping UIDs\n/);
    const own = await cli(["rename", "--help"]);
    assert.match(own.stdout, /^Usage: mailbox-list-index rename --index FILE FROM TO\n/);
  });
});
