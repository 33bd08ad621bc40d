// The CLI's list command with the LIST layer's session and LIST-EXTENDED
// options (--rev2, --utf8, several patterns, --select, --return, --lsub),
// run as a child process on the runtime that runs this file, against an
// index built through the API in a temp directory. Its output is the exact
// response lines, CRLF included.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MailboxListIndex, SpecialUse } from "../../mod.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { ROOT, run, type RunResult, tsCommand } from "../helpers/runtime.ts";

const CLI = join(ROOT, "src", "cli", "main.ts");

function cli(args: string[]): Promise<RunResult> {
  const [cmd, a] = tsCommand(CLI, args);
  return run(cmd, a);
}

/** A successful run's output, split into its CRLF-terminated lines. */
function lines(r: RunResult): string[] {
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  if (r.stdout === "") return [];
  assert.ok(r.stdout.endsWith("\r\n"), JSON.stringify(r.stdout));
  return r.stdout.slice(0, -2).split("\r\n");
}

/** A usage error: exit 2 and one line on stderr matching `words`. */
function usage(r: RunResult, words: RegExp): void {
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, words);
}

describe("cli list: sessions and LIST-EXTENDED", () => {
  const tmp = makeTempDir("mli-cli-list-");
  const idx = join(tmp.dir, "u.mlist");

  before(async () => {
    const index = await MailboxListIndex.open(idx, { separator: "/", durable: false });
    const ctx = await index.syncBegin({ recursive: true });
    for (const name of ["INBOX", "Archive/2009", "Archive/2010", "Entwürfe"]) ctx.add(name);
    ctx.setStatus("INBOX", { messages: 5, unseen: 2, recent: 1, uidNext: 6, uidValidity: 99 });
    ctx.setSpecialUse("Archive/2010", SpecialUse.Archive);
    for (const name of ["INBOX", "Archive/2009", "Gone"]) ctx.subscribe(name);
    await ctx.commit();
    await index.close();
  });
  after(() => tmp.cleanup());

  it("a plain LIST sends \\Noselect for a NONEXISTENT parent; --rev2 and several patterns send \\NonExistent", async () => {
    const plain = lines(await cli(["list", "--index", idx, "%"])).sort();
    assert.deepEqual(plain, [
      '* LIST (\\HasChildren \\Noselect) "/" "Archive"',
      '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"',
      '* LIST (\\HasNoChildren) "/" "INBOX"',
    ]);
    const rev2 = lines(await cli(["list", "--index", idx, "--rev2", "%"])).sort();
    assert.deepEqual(rev2, [
      '* LIST (\\HasNoChildren) "/" "Entwürfe"',
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\NonExistent \\HasChildren) "/" "Archive"',
    ]);
    assert.deepEqual(lines(await cli(["list", "--index", idx, "Archive", "INBOX"])), [
      '* LIST (\\NonExistent \\HasChildren) "/" "Archive"',
      '* LIST () "/" "INBOX"',
    ]);
    assert.deepEqual(lines(await cli(["list", "--index", idx, "--utf8", "Entw*"])), ['* LIST (\\HasNoChildren) "/" "Entwürfe"']);
  });

  it("--return children,status=ITEMS sends the children attributes and STATUS with exactly those items", async () => {
    assert.deepEqual(lines(await cli(["list", "--index", idx, "--return", "children,status=unseen+messages+recent", "INBOX"])), [
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* STATUS "INBOX" (UNSEEN 2 MESSAGES 5 RECENT 1)',
    ]);
    assert.deepEqual(lines(await cli(["list", "--index", idx, "--rev2", "--return", "STATUS=recent+uidnext", "INBOX"])), [
      '* LIST () "/" "INBOX"',
      '* STATUS "INBOX" (UIDNEXT 6)',
    ]);
    assert.deepEqual(lines(await cli(["list", "--index", idx, "--status", "--rev2", "INBOX"])), [
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* STATUS "INBOX" (MESSAGES 5 UNSEEN 2 UIDNEXT 6 UIDVALIDITY 99)',
    ]);
  });

  it("--select and --lsub list from the index's subscriptions and special-use attributes", async () => {
    assert.deepEqual(lines(await cli(["list", "--index", idx, "--select", "subscribed,recursivematch", "%"])), [
      '* LIST (\\NonExistent) "/" "Archive" ("CHILDINFO" ("SUBSCRIBED"))',
      '* LIST (\\NonExistent \\Subscribed) "/" "Gone"',
      '* LIST (\\Subscribed) "/" "INBOX"',
    ]);
    assert.deepEqual(lines(await cli(["list", "--index", idx, "--select", "special-use", "*"])), [
      '* LIST (\\Archive) "/" "Archive/2010"',
    ]);
    assert.deepEqual(lines(await cli(["list", "--index", idx, "--lsub", "%"])), [
      '* LSUB (\\Noselect) "/" "Archive"',
      '* LSUB () "/" "Gone"',
      '* LSUB () "/" "INBOX"',
    ]);
    assert.ok(lines(await cli(["list", "--index", idx, "Archive/*"])).includes('* LIST (\\HasNoChildren \\Archive) "/" "Archive/2010"'));
    assert.deepEqual(lines(await cli(["list", "--index", idx, "--select", "remote", "--reference", "Archive/", "%"])).sort(), [
      '* LIST () "/" "Archive/2009"',
      '* LIST () "/" "Archive/2010"',
    ]);
  });

  it("--json carries the attributes of the session and the options", async () => {
    const r = await cli(["list", "--index", idx, "--json", "--rev2", "--return", "status=messages", "%"]);
    assert.equal(r.status, 0, r.stderr);
    const entries = JSON.parse(r.stdout) as { name: string; attributes: string[]; uid: number; status?: { messages: number } }[];
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.deepEqual(byName.get("Archive")?.attributes, ["\\NonExistent", "\\HasChildren"]);
    assert.equal(byName.get("INBOX")?.status?.messages, 5);
    assert.equal(byName.get("Entwürfe")?.status, undefined);
    const sub = await cli(["list", "--index", idx, "--json", "--select", "subscribed,recursivematch", "Archive"]);
    assert.deepEqual(JSON.parse(sub.stdout), [
      { name: "Archive", attributes: ["\\NonExistent"], uid: byName.get("Archive")!.uid, flags: 9, childInfo: ["SUBSCRIBED"] },
    ]);
  });

  it("refuses options it does not know, naming them", async () => {
    usage(await cli(["list", "--index", idx, "--select", "subscribed,foo"]), /Invalid --select "foo"/);
    usage(await cli(["list", "--index", idx, "--select", "recursivematch"]), /recursivematch needs subscribed/);
    usage(await cli(["list", "--index", idx, "--return", "children,bogus"]), /Invalid --return "bogus"/);
    usage(await cli(["list", "--index", idx, "--return", "status=messages+x-items"]), /Invalid --return STATUS item "x-items"/);
    usage(await cli(["list", "--index", idx, "--lsub", "--select", "subscribed"]), /--lsub takes no --select/);
    usage(await cli(["list", "--index", idx, "--lsub", "a", "b"]), /--lsub takes one pattern/);
  });
});
