// The `bulk` command, run in-process through runCli against real stores in a
// temp directory (a Dovecot-style Maildir++ store, a directory-per-folder
// store, name lists), on worker threads: several users, a failing user that
// does not stop the others, a rerun that resumes from the state file, the
// JSON summary, the same index bytes with 1 job and with 2; and the users
// file's rules.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { runCli } from "../../src/cli/app.ts";
import { rebuild } from "../../src/rebuild/rebuild.ts";
import { doneUsers, jobKey, parseUsersFile } from "../../src/cli/bulk_users.ts";
import { CliError } from "../../src/cli/errors.ts";
import { Progress, shortDuration } from "../../src/cli/progress.ts";
import { localHost, processStart } from "../../src/store/lock_record.ts";
import { DOVECOT_FOLDERS, DOVECOT_SUBSCRIBED, writeDovecotStore } from "../helpers/dovecot_store.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { withoutGuids } from "../helpers/attr_guids.ts";

interface Summary {
  users: { user: string; status: string; mailboxes: number; ms: number; error?: string; warnings?: string[] }[];
  totals: Record<string, number>;
}

async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const status = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { status, stdout, stderr };
}

async function names(index: string): Promise<string[]> {
  const ix = await MailboxListIndex.open(index, { readonly: true });
  try {
    return [...ix.iterate()].map((m) => m.name).sort();
  } finally {
    await ix.close();
  }
}

describe("bulk", () => {
  const tmp = makeTempDir("mli-bulk-");
  const d = tmp.dir;
  const users = join(d, "users");

  before(() => {
    mkdirSync(join(d, "alice"));
    writeDovecotStore(join(d, "alice"));
    writeFileSync(join(d, "bob.txt"), "INBOX\nWork/2024\nWork/2025\n");
    for (const f of ["INBOX", "Sent", "Lists/dev"]) mkdirSync(join(d, "carol", f), { recursive: true });
    writeFileSync(
      users,
      [
        "# name store index",
        "alice alice idx/alice.mlist",
        "bob\tlist:bob.txt\tidx/bob.mlist",
        "carol fs:carol idx/carol.mlist",
        "dave missing idx/dave.mlist",
        "erin list:bob.txt idx/erin.mlist",
        "",
      ].join("\n"),
    );
    mkdirSync(join(d, "idx"));
  });
  after(() => tmp.cleanup());

  let first: Summary;

  it("indexes every user it can; a failing user is reported and the others go on", async () => {
    // Erin's index is locked by a live process (this one's parent).
    const lock = join(d, "idx", "erin.mlist.lock");
    const pid = process.ppid;
    writeFileSync(lock, JSON.stringify({ pid, procStart: processStart(pid), startedAt: Date.now(), host: localHost(), token: "t" }));
    let r;
    try {
      r = await cli(["bulk", "--users", users, "--jobs", "2", "--json", "--uid-validity", "7", "--lock-timeout", "50"]);
    } finally {
      rmSync(lock);
    }
    assert.equal(r.status, 1, r.stderr);
    first = JSON.parse(r.stdout) as Summary;
    const by = new Map(first.users.map((u) => [u.user, u]));
    assert.deepEqual(first.users.map((u) => u.user), ["alice", "bob", "carol", "dave", "erin"]);
    assert.equal(by.get("alice")!.status, "rebuilt");
    assert.equal(by.get("alice")!.mailboxes, DOVECOT_FOLDERS.length + 1); // "Archiv" is implied
    assert.deepEqual([by.get("bob")!.status, by.get("bob")!.mailboxes], ["rebuilt", 4]);
    assert.deepEqual([by.get("carol")!.status, by.get("carol")!.mailboxes], ["rebuilt", 4]);
    assert.equal(by.get("dave")!.status, "failed");
    assert.match(by.get("dave")!.error!, /Cannot read store root ".*missing"/);
    assert.equal(by.get("erin")!.status, "failed");
    assert.match(by.get("erin")!.error!, /lock/i);
    assert.match(r.stderr, /user "dave" failed: Cannot read store root/);
    assert.match(r.stderr, /user "erin" failed:/);
    const t = first.totals;
    assert.deepEqual([t.users, t.rebuilt, t.synced, t.failed, t.skipped, t.jobs], [5, 3, 0, 2, 0, 2]);
    assert.ok(t.cpuMs > 0 && t.startMs > 0 && t.startMs <= t.ms);
    assert.equal(t.mailboxes, DOVECOT_FOLDERS.length + 1 + 4 + 4);
    assert.ok(t.usersPerSecond > 0);
    // What the indexes hold: the stores' mailboxes, and alice's store's subscriptions.
    assert.deepEqual(await names(join(d, "idx", "bob.mlist")), ["INBOX", "Work", "Work/2024", "Work/2025"]);
    assert.deepEqual(await names(join(d, "idx", "carol.mlist")), ["INBOX", "Lists", "Lists/dev", "Sent"]);
    const alice = await MailboxListIndex.open(join(d, "idx", "alice.mlist"), { readonly: true });
    try {
      assert.deepEqual(alice.subscriptions().sort(), [...DOVECOT_SUBSCRIBED].sort());
      assert.equal(alice.header.uidValidity, 7);
    } finally {
      await alice.close();
    }
    assert.equal(existsSync(join(d, "idx", "dave.mlist")), false);
    // The state file: one line per user, in the order they ended.
    const state = readFileSync(`${users}.state`, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(state.map((e) => e.user).sort(), ["alice", "bob", "carol", "dave", "erin"]);
  });

  it("a rerun skips the users done, does the failed ones again, and syncs an index that exists", async () => {
    // Erin's index exists now: the rerun syncs it.
    await rebuild(join(d, "idx", "erin.mlist"), ["INBOX", "Old"]);
    mkdirSync(join(d, "missing", "cur"), { recursive: true });
    mkdirSync(join(d, "missing", "new"));
    // A torn last line, as a crash while appending would leave, is skipped.
    writeFileSync(`${users}.state`, readFileSync(`${users}.state`, "utf8") + '{"user":"ca');
    const summary = join(d, "summary.json");
    const r = await cli(["bulk", "--users", users, "--summary", summary, "--uid-validity", "7"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Bulk run of 5 users: 1 rebuilt, 1 synced, 0 failed, 3 skipped/);
    const s = JSON.parse(readFileSync(summary, "utf8")) as Summary;
    assert.deepEqual(s.users.map((u) => `${u.user} ${u.status}`), [
      "alice skipped",
      "bob skipped",
      "carol skipped",
      "dave rebuilt",
      "erin synced",
    ]);
    assert.deepEqual(await names(join(d, "idx", "dave.mlist")), ["INBOX"]);
    assert.deepEqual(await names(join(d, "idx", "erin.mlist")), ["INBOX", "Work", "Work/2024", "Work/2025"]);
  });

  it("gives the same index bytes with 1 job as with 2", async () => {
    mkdirSync(join(d, "idx1"));
    const one = join(d, "users1");
    writeFileSync(one, readFileSync(users, "utf8").replaceAll("idx/", "idx1/").split("\n").slice(0, 4).join("\n") + "\n");
    const r = await cli(["bulk", "--users", one, "--jobs", "1", "--json", "--uid-validity", "7"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Summary).totals.jobs, 1);
    for (const u of ["alice", "carol"]) {
      for (const ext of ["", ".attr"]) {
        // A mailbox without a GUID in its store gets a random one.
        const bytes = (dir: string) => {
          const b = readFileSync(join(d, dir, `${u}.mlist${ext}`));
          return ext === "" ? b : Buffer.from(withoutGuids(b));
        };
        assert.ok(bytes("idx").equals(bytes("idx1")), `${u}.mlist${ext}: the same bytes`);
      }
    }
  });

  it("is in the tool's help, with its own", async () => {
    const [global, own] = await Promise.all([cli(["--help"]), cli(["bulk", "--help"])]);
    assert.match(global.stdout, /\n {2}bulk +rebuild or sync many users' indexes/);
    assert.match(own.stdout, /^Usage: mailbox-list-index bulk --users FILE \[--jobs N\]/);
    assert.match(own.stdout, /--state FILE/);
  });

  it("refuses a bad line of the users file, naming the file and the line", async () => {
    const bad = join(d, "bad-users");
    writeFileSync(bad, "alice alice idx/a.mlist\nbob list:bob.txt\n");
    const r = await cli(["bulk", "--users", bad]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Invalid users file ".*bad-users", line 2: expected 3 fields/);
    assert.equal(existsSync(`${bad}.state`), false);
  });
});

describe("the users file and the state file", () => {
  it("splits on TABs when a line has one, else on spaces; takes paths from the file's directory", () => {
    const users = parseUsersFile("a\tmy store\tx.mlist\r\n  # comment\n\nb fs:/s/b /i/b.mlist\n", "/etc/u/users", "list");
    assert.deepEqual(users, [
      { name: "a", layout: "list", store: "/etc/u/my store", index: "/etc/u/x.mlist" },
      { name: "b", layout: "fs", store: "/s/b", index: "/i/b.mlist" },
    ]);
  });

  it("refuses repeated names and indexes, empty fields and an empty store path", () => {
    const cases: [string, RegExp][] = [
      ["a s i\na t j\n", /line 2: user "a" was given on line 1 already/],
      ["a s i\nb t i\n", /line 2: index ".*" was given on line 1 already/],
      ["a\t\ti\n", /line 1: a field is empty/],
      ["a maildir: i\n", /line 1: store "maildir:" names no path/],
      ["a s i j\n", /line 1: expected 3 fields/],
    ];
    for (const [text, re] of cases) {
      assert.throws(() => parseUsersFile(text, "/u/users", "maildir"), (e) => e instanceof CliError && re.test(e.message));
    }
  });

  it("counts a user done only by its last line, when that did not fail and names the same job", () => {
    const a = { name: "a", layout: "list" as const, store: "/s/a", index: "/i/a" };
    const b = { name: "b", layout: "list" as const, store: "/s/b", index: "/i/b" };
    const c = { name: "c", layout: "list" as const, store: "/s/c", index: "/i/c" };
    const line = (user: string, key: string, status: string) => JSON.stringify({ user, key, status, mailboxes: 1, ms: 1 });
    const text = [
      line("a", jobKey(a), "failed"),
      line("a", jobKey(a), "synced"),
      line("b", jobKey(b), "rebuilt"),
      line("b", jobKey(b), "failed"),
      line("c", "list\t/s/other\t/i/c", "rebuilt"),
    ].join("\n");
    assert.deepEqual([...doneUsers(text, [a, b, c]).keys()], ["a"]);
  });
});

describe("the progress bar's ETA", () => {
  it("shows the time left from the rate so far, and none before the first or after the last", () => {
    let now = 0;
    let drawn = "";
    const stream = { isTTY: true, columns: 100, write: (s: string) => (drawn = s) };
    const bar = new Progress({ label: "Indexing users", unit: "users", total: 40, stream, now: () => now, eta: true });
    assert.doesNotMatch(bar.render(), /ETA/);
    now = 10_000;
    bar.update(10);
    assert.match(drawn, /10\/40 users 25% ETA 30s/);
    now = 200_000;
    bar.update(39);
    assert.match(bar.render(), /ETA 6s$/);
    bar.update(40);
    assert.doesNotMatch(bar.render(), /ETA/);
    bar.done();
    assert.deepEqual([shortDuration(59_500), shortDuration(185_000), shortDuration(7_620_000)], ["1m00s", "3m05s", "2h07m"]);
  });
});
