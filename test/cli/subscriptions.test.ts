// The command-line tool and the state beyond the tree (SPEC §12): the
// subscribe, unsubscribe and subscriptions commands, --special-use on sync
// and rebuild, and a store's own Dovecot subscriptions file imported by
// sync and rebuild; run as a child process on the runtime that runs this
// file, against real stores in temp directories.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MailboxListIndex, SPECIAL_USE_MASK, specialUseAtoms } from "../../mod.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { ROOT, run, type RunResult, tsCommand } from "../helpers/runtime.ts";

const CLI = join(ROOT, "src", "cli", "main.ts");

function cli(args: string[], input?: string): Promise<RunResult> {
  const [cmd, a] = tsCommand(CLI, args);
  return run(cmd, a, { input });
}

function maildir(dir: string): void {
  for (const d of ["cur", "new", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
}

/** Subscriptions and special-use atoms by name, as a reader sees the index. */
async function stateOf(path: string): Promise<{ subscriptions: string[]; special: Record<string, string[]> }> {
  const index = await MailboxListIndex.open(path, { readonly: true, onWarning: () => {} });
  try {
    const special: Record<string, string[]> = {};
    for (const m of index.iterate()) if ((m.flags & SPECIAL_USE_MASK) !== 0) special[m.name] = specialUseAtoms(m.flags);
    return { subscriptions: index.subscriptions(), special };
  } finally {
    await index.close();
  }
}

describe("cli: subscriptions and special-use", () => {
  const tmp = makeTempDir("mli-cli-subs-");
  const store = join(tmp.dir, "Maildir");
  after(() => tmp.cleanup());

  before(() => {
    maildir(store);
    for (const f of [".Sent", ".Trash", ".Entw&APw-rfe", ".Lists.dev"]) maildir(join(store, f));
    // Dovecot's version 2: TAB-joined levels in modified UTF-7; "Ghost/old" is no folder.
    writeFileSync(join(store, "subscriptions"), "V\t2\n\nINBOX\nEntw&APw-rfe\nLists\tdev\nGhost\told\n");
  });

  it("sync imports the store's subscriptions and sets --special-use, warning about a name it cannot set", async () => {
    const idx = join(tmp.dir, "sync.mlist");
    const r = await cli([
      "sync",
      "--index",
      idx,
      "--maildir",
      store,
      "--recursive",
      "--special-use",
      "Sent=\\Sent",
      "--special-use",
      "Trash=trash",
      "--special-use",
      "Trash=\\Junk",
      "--special-use",
      "Nowhere=Archive",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Synced ".*sync\.mlist": 6 added, 0 deleted, 6 mailboxes/);
    assert.match(r.stdout, /Subscriptions of ".*sync\.mlist": 4, from the store's subscriptions file\n$/);
    assert.match(r.stderr, /warning: Mailbox "Nowhere" is not in the index; its special-use attributes are not set/);
    assert.deepEqual(await stateOf(idx), {
      subscriptions: ["Entwürfe", "Ghost/old", "INBOX", "Lists/dev"],
      special: { Sent: ["\\Sent"], Trash: ["\\Junk", "\\Trash"] },
    });
    // Another sync without --special-use keeps the attributes.
    const again = await cli(["sync", "--index", idx, "--maildir", store, "--recursive"]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual((await stateOf(idx)).special, { Sent: ["\\Sent"], Trash: ["\\Junk", "\\Trash"] });
  });

  it("subscribe, unsubscribe and subscriptions change and print the set, naming the no-ops", async () => {
    const idx = join(tmp.dir, "commands.mlist");
    const list = join(tmp.dir, "names.txt");
    writeFileSync(list, "INBOX\nLists/dev\n");
    assert.equal((await cli(["sync", "--index", idx, "--from-list", list])).status, 0);
    let r = await cli(["subscribe", "--index", idx, "INBOX", "Lists//dev", "Not/a/mailbox"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `Subscribed 3 names in "${idx}", which has 3 subscriptions\n`);
    r = await cli(["subscribe", "--index", idx, "INBOX"]);
    assert.equal(r.stdout, `Subscribed 0 names in "${idx}", which has 3 subscriptions; already subscribed: "INBOX"\n`);
    r = await cli(["unsubscribe", "--index", idx, "Not/a/mailbox", "Never"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `Unsubscribed 1 name in "${idx}", which has 2 subscriptions; not subscribed: "Never"\n`);
    r = await cli(["subscriptions", "--index", idx]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "INBOX\nLists/dev\n");
    assert.equal(r.stderr, "");
  });

  it("the commands refuse bad input with one line and an exit status", async () => {
    const idx = join(tmp.dir, "bad.mlist");
    let r = await cli(["subscribe", "--index", idx, "INBOX"]);
    assert.equal(r.status, 1, "a missing index");
    assert.match(r.stderr, /Cannot open index/);
    assert.equal((await cli(["sync", "--index", idx, "--from-list", "-"], "INBOX\n")).status, 0);
    r = await cli(["subscribe", "--index", idx]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Missing the mailbox NAME/);
    r = await cli(["subscribe", "--index", idx, "x".repeat(300)]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Invalid mailbox name/);
    r = await cli(["sync", "--index", idx, "--from-list", "-", "--special-use", "INBOX=\\Outbox"], "INBOX\n");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Invalid --special-use: .*"\\\\Outbox"/);
    r = await cli(["rebuild", "--index", idx, "--from-list", "-", "--special-use", "no-equals-sign"], "INBOX\n");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /expected NAME=FLAG/);
    assert.deepEqual(await stateOf(idx), { subscriptions: [], special: {} }, "nothing was written");
  });

  for (const workers of ["0", "2"]) {
    it(`rebuild (--workers ${workers}) carries special-use, applies --special-use and imports the subscriptions`, async () => {
      const idx = join(tmp.dir, `rebuild-${workers}.mlist`);
      let r = await cli(["sync", "--index", idx, "--maildir", store, "--recursive", "--special-use", "Sent=Sent", "--special-use", "Trash=Trash"]);
      assert.equal(r.status, 0, r.stderr);
      r = await cli(["subscribe", "--index", idx, "Extra"]);
      assert.equal(r.status, 0, r.stderr);
      r = await cli([
        "rebuild",
        "--index",
        idx,
        "--maildir",
        store,
        "--workers",
        workers,
        "--special-use",
        "Trash=",
        "--special-use",
        "Entwürfe=Drafts",
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Subscriptions of ".*": 4, from the store's subscriptions file/);
      assert.deepEqual(await stateOf(idx), {
        subscriptions: ["Entwürfe", "Ghost/old", "INBOX", "Lists/dev"],
        special: { Sent: ["\\Sent"], "Entwürfe": ["\\Drafts"] },
      });
    });
  }

  it("rebuild from a name list keeps the subscriptions and sets --special-use", async () => {
    const idx = join(tmp.dir, "list.mlist");
    const list = join(tmp.dir, "rebuild-names.txt");
    writeFileSync(list, "INBOX\nSent\nArchive/2024\n");
    let r = await cli(["rebuild", "--index", idx, "--from-list", list]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await cli(["subscribe", "--index", idx, "Sent"])).status, 0);
    r = await cli(["rebuild", "--index", idx, "--from-list", list, "--special-use", "Sent=\\Sent", "--special-use", "Gone=Junk"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: --special-use names "Gone", which was not read: it is ignored/);
    assert.doesNotMatch(r.stdout, /Subscriptions of/);
    assert.deepEqual(await stateOf(idx), { subscriptions: ["Sent"], special: { Sent: ["\\Sent"] } });
  });

  describe("an fs-layout store's version-1 subscriptions file", () => {
    const fsStore = join(tmp.dir, "fs");
    before(() => {
      maildir(fsStore);
      for (const f of ["Entw&APw-rfe", "Entw&APw-rfe/Sub", "Caf&AOk-/Men&APw-", "R&-D"]) maildir(join(fsStore, f));
      // Version 1: no header, one name a line, levels joined by the store's "/",
      // each in modified UTF-7; "Caf&AOk-/Alt" and "&ZeVnLIqe-" are no folders.
      writeFileSync(join(fsStore, "subscriptions"), "INBOX\nEntw&APw-rfe/Sub\nCaf&AOk-/Men&APw-\nCaf&AOk-/Alt\nR&-D\n&ZeVnLIqe-\n");
    });
    const expected = "Café/Alt\nCafé/Menü\nEntwürfe/Sub\nINBOX\nR&D\n日本語\n";

    for (const command of ["sync", "rebuild"]) {
      it(`${command} --fs imports it, and subscriptions --index prints the Unicode names`, async () => {
        const idx = join(tmp.dir, `fs-${command}.mlist`);
        let r = await cli([command, "--index", idx, "--fs", fsStore, ...(command === "sync" ? ["--recursive"] : [])]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, "");
        assert.match(r.stdout, /Subscriptions of ".*": 6, from the store's subscriptions file/);
        r = await cli(["subscriptions", "--index", idx]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, "");
        assert.equal([...r.stdout.split("\n").slice(0, -1)].sort().join("\n") + "\n", expected);
        const names = JSON.parse((await cli(["list", "--index", idx, "--json"])).stdout) as { name: string }[];
        assert.deepEqual(
          names.map((e) => e.name).sort(),
          ["Café", "Café/Menü", "Entwürfe", "Entwürfe/Sub", "INBOX", "R&D"],
          "the folders, decoded the same way",
        );
      });
    }
  });

  it("help texts describe the commands and the option", async () => {
    const r = await cli(["--help"]);
    assert.match(r.stdout, /subscribe +subscribe mailbox names/);
    assert.match(r.stdout, /subscriptions +print the subscribed names/);
    for (const command of ["sync", "rebuild"]) {
      const h = await cli([command, "--help"]);
      assert.match(h.stdout, /--special-use NAME=FLAG/);
      assert.match(h.stdout, /subscriptions file/);
    }
  });
});
