// The command-line tool, run as a child process on the runtime that runs
// this file, against real Maildir++, directory-per-folder and name-list
// stores in temp directories; plus the check walker and the progress bar
// in-process.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { VERSION } from "../../src/cli/app.ts";
import { checkIndex } from "../../src/check/check.ts";
import { dumpIndex } from "../../src/check/dump.ts";
import { rebuild } from "../../src/rebuild/rebuild.ts";
import { Progress } from "../../src/cli/progress.ts";
import { encodeOffset } from "../../src/format/offset.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { ROOT, run, type RunResult, tsCommand } from "../helpers/runtime.ts";
import { VECTORS_DIR } from "../helpers/vectors.ts";
import { withoutGuids } from "../helpers/attr_guids.ts";

const CLI = join(ROOT, "src", "cli", "main.ts");

function cli(args: string[], input?: string): Promise<RunResult> {
  const [cmd, a] = tsCommand(CLI, args);
  return run(cmd, a, { input });
}

/** Asserts one line on stderr and returns it. */
function oneLine(r: RunResult): string {
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, `expected one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert.doesNotMatch(lines[0], /^\s+at /);
  return lines[0];
}

/** A Maildir folder with the given message file names in cur/ and new/. */
function maildir(dir: string, cur: string[] = [], fresh: string[] = [], uidlist?: string): void {
  for (const d of ["cur", "new", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
  for (const f of cur) writeFileSync(join(dir, "cur", f), "Subject: x\n\nx\n");
  for (const f of fresh) writeFileSync(join(dir, "new", f), "Subject: x\n\nx\n");
  if (uidlist !== undefined) writeFileSync(join(dir, "dovecot-uidlist"), uidlist + "\n");
}

const QUOTED = 'My "Quoted" Box';
const BACKSLASH = "Back\\slash";

describe("cli", () => {
  const tmp = makeTempDir("mli-cli-");
  const store = join(tmp.dir, "Maildir");
  const idx = join(tmp.dir, "maildir.mlist");

  before(() => {
    maildir(store, ["1.M1.host:2,S"], ["2.M2.host"], "3 V1234 N3 G0");
    maildir(join(store, ".Sent"), ["3.M3.host:2,S", "4.M4.host:2,"]);
    maildir(join(store, ".Archive.2009"), ["5.M5.host:2,RS"], [], "1 99 6");
    maildir(join(store, "." + QUOTED));
    maildir(join(store, "." + BACKSLASH));
    mkdirSync(join(store, ".Shared"));
    maildir(join(store, ".Shared.Team"));
  });
  after(() => tmp.cleanup());

  it("rebuild --maildir writes an index and says so on stdout", async () => {
    const r = await cli(["rebuild", "--index", idx, "--maildir", store, "--uid-validity", "777"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Rebuilt ".*maildir\.mlist": 8 mailboxes from 7 folders read in \d+\.\d+ s, index of 512 bytes written in /);
    assert.equal(r.stderr, "");
    const index = await MailboxListIndex.open(idx, { readonly: true });
    assert.equal(index.header.uidValidity, 777);
    assert.equal(index.separator, "/");
    await index.close();
  });

  it("rebuild --workers 2 writes the same bytes as a rebuild in one thread", async () => {
    const two = join(tmp.dir, "two.mlist");
    const r = await cli(["rebuild", "--index", two, "--maildir", store, "--uid-validity", "777", "--workers", "2"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(two), readFileSync(idx), two);
    // The attribute files are the same but for the GUIDs, random where the store gives none.
    const attr = (p: string) => withoutGuids(new Uint8Array(readFileSync(p + ".attr")));
    assert.deepEqual(attr(two), attr(idx), `${two}.attr`);
  });

  it("list prints IMAP LIST responses, quoted and escaped", async () => {
    const r = await cli(["list", "--index", idx]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.endsWith("\r\n"), "every response line ends in CRLF");
    const lines = r.stdout.trimEnd().split("\r\n").sort();
    assert.deepEqual(lines, [
      '* LIST (\\HasChildren \\Noselect) "/" "Shared"',
      '* LIST (\\HasNoChildren) "/" "Archive/2009"',
      '* LIST (\\HasNoChildren) "/" "Back\\\\slash"',
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\HasNoChildren) "/" "My \\"Quoted\\" Box"',
      '* LIST (\\HasNoChildren) "/" "Sent"',
      '* LIST (\\HasNoChildren) "/" "Shared/Team"',
    ].sort());
  });

  it("list with % shows the NONEXISTENT parent (\\Noselect to IMAP4rev1), and a pattern narrows the walk", async () => {
    const top = await cli(["list", "--index", idx, "%"]);
    assert.equal(top.status, 0, top.stderr);
    assert.ok(top.stdout.includes('* LIST (\\HasChildren \\Noselect) "/" "Archive"\r\n'), top.stdout);
    assert.ok(!top.stdout.includes("Archive/2009"));
    const sub = await cli(["list", "--index", idx, "inbox"]);
    assert.equal(sub.stdout, '* LIST (\\HasNoChildren) "/" "INBOX"\r\n');
    const none = await cli(["list", "--index", idx, "Nothing/*"]);
    assert.equal(none.status, 0);
    assert.equal(none.stdout, "");
  });

  it("list --status follows each selectable mailbox with its STATUS line", async () => {
    const r = await cli(["list", "--index", idx, "--status"]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\r\n");
    const at = (line: string) => {
      const i = lines.indexOf(line);
      assert.ok(i >= 0, `missing ${line} in\n${r.stdout}`);
      return i;
    };
    const inbox = at('* LIST (\\HasNoChildren) "/" "INBOX"');
    assert.equal(lines[inbox + 1], '* STATUS "INBOX" (MESSAGES 2 UNSEEN 1 RECENT 1 UIDNEXT 3 UIDVALIDITY 1234)');
    const sent = at('* LIST (\\HasNoChildren) "/" "Sent"');
    assert.equal(lines[sent + 1], '* STATUS "Sent" (MESSAGES 2 UNSEEN 1 RECENT 0)');
    const arch = at('* LIST (\\HasNoChildren) "/" "Archive/2009"');
    assert.equal(lines[arch + 1], '* STATUS "Archive/2009" (MESSAGES 1 UNSEEN 0 RECENT 0 UIDNEXT 6 UIDVALIDITY 99)');
    const quoted = at('* LIST (\\HasNoChildren) "/" "My \\"Quoted\\" Box"');
    assert.equal(lines[quoted + 1], '* STATUS "My \\"Quoted\\" Box" (MESSAGES 0 UNSEEN 0 RECENT 0)');
    const shared = at('* LIST (\\HasChildren \\Noselect) "/" "Shared"');
    assert.doesNotMatch(lines[shared + 1] ?? "", /^\* STATUS "Shared"/);
    assert.equal(lines.filter((l) => l.startsWith("* STATUS")).length, 6);
  });

  it("list --json prints an array of entries; lookup prints the same UIDs", async () => {
    const r = await cli(["list", "--index", idx, "--json", "--status"]);
    assert.equal(r.status, 0, r.stderr);
    const entries = JSON.parse(r.stdout) as { name: string; attributes: string[]; uid: number; flags: number; status?: { messages: number } }[];
    assert.equal(entries.length, 7);
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.deepEqual(byName.get("Shared")!.attributes, ["\\HasChildren", "\\Noselect"]);
    assert.equal(byName.get("INBOX")!.status!.messages, 2);
    assert.ok(byName.has(QUOTED));
    const hit = await cli(["lookup", "--index", idx, "Archive/2009"]);
    assert.equal(hit.status, 0, hit.stderr);
    assert.equal(hit.stdout, `${byName.get("Archive/2009")!.uid}\n`);
    const q = await cli(["lookup", "--index", idx, QUOTED]);
    assert.equal(q.stdout, `${byName.get(QUOTED)!.uid}\n`);
    const empty = await cli(["list", "--index", idx, "--json", "Nothing/*"]);
    assert.deepEqual(JSON.parse(empty.stdout), []);
  });

  it("lookup of a missing mailbox exits 1 with one line naming the file", async () => {
    const r = await cli(["lookup", "--index", idx, "Archive/2010"]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    const line = oneLine(r);
    assert.ok(line.includes(idx) && line.includes('"Archive/2010"'), line);
  });

  it("check passes a good index and prints a report", async () => {
    const r = await cli(["check", "--index", idx]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Index ".*maildir\.mlist": OK\n/);
    assert.match(r.stdout, /8 mailboxes \(0 deleted records\) in 3 directories/);
    assert.match(r.stdout, /1 \\NonExistent, 1 \\Noselect, 6 with STATUS cached/);
    assert.equal(r.stderr, "");
    const json = await cli(["check", "--index", idx, "--json"]);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.stats.live, 8);
    assert.equal(report.header.uidValidity, 777);
  });

  it("dump --json parses and shows the header, directories and records", async () => {
    const r = await cli(["dump", "--index", idx, "--json"]);
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.header.uidValidity, 777);
    assert.equal(d.header.majorVersion, 1);
    assert.equal(d.directories[0].offset, 28);
    assert.equal(d.directories[0].owner, "");
    const names = d.directories.flatMap((x: { records: { mailbox: string }[] }) => x.records.map((rec) => rec.mailbox)).sort();
    assert.deepEqual(names, ["Archive", "Archive/2009", BACKSLASH, "INBOX", QUOTED, "Sent", "Shared", "Shared/Team"].sort());
    assert.equal(d.attr.entries.length, 8);
    assert.equal(d.attr.separator, "/");
    assert.deepEqual(d.problems, []);
    const text = await cli(["dump", "--index", idx]);
    assert.equal(text.status, 0);
    assert.match(text.stdout, /^list file ".*": \d+ bytes\nheader: version 1\.0, file_seq 1, header_size 28, uid_validity 777/);
    assert.match(text.stdout, /\ndirectory @28 root: dir_size \d+, count 6\n/);
  });

  it("sync follows the store: adds, deletes, and flips \\Noselect keeping \\HasChildren", async () => {
    const copy = join(tmp.dir, "sync.mlist");
    let r = await cli(["sync", "--index", copy, "--maildir", store, "--recursive"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Synced ".*sync\.mlist": 8 added, 0 deleted, 8 mailboxes/);
    // The store changes: Sent goes, Drafts comes, Shared becomes a Maildir.
    rmSync(join(store, ".Sent"), { recursive: true });
    maildir(join(store, ".Drafts"), [], ["9.M9.host"]);
    maildir(join(store, ".Shared"));
    try {
      r = await cli(["sync", "--index", copy, "--maildir", store, "--recursive"]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /: 1 added, 1 deleted, 8 mailboxes/);
      const list = await cli(["list", "--index", copy, "--status"]);
      const lines = list.stdout.split("\r\n");
      assert.ok(lines.includes('* LIST (\\HasChildren) "/" "Shared"'), list.stdout);
      assert.ok(lines.includes('* STATUS "Drafts" (MESSAGES 1 UNSEEN 1 RECENT 1)'), list.stdout);
      assert.ok(!list.stdout.includes('"Sent"'));
      const index = await MailboxListIndex.open(copy, { readonly: true });
      assert.equal(index.flags("Shared"), 1); // CHILDREN, no NOSELECT
      await index.close();
      // And back: Shared loses its Maildir again.
      for (const d of ["cur", "new", "tmp"]) rmSync(join(store, ".Shared", d), { recursive: true });
      r = await cli(["sync", "--index", copy, "--maildir", store, "--recursive"]);
      assert.equal(r.status, 0, r.stderr);
      const again = await cli(["list", "--index", copy, "Shared"]);
      assert.equal(again.stdout, '* LIST (\\HasChildren \\Noselect) "/" "Shared"\r\n');
      const check = await cli(["check", "--index", copy]);
      assert.equal(check.status, 0, check.stdout);
    } finally {
      rmSync(join(store, ".Drafts"), { recursive: true, force: true });
      maildir(join(store, ".Sent"), ["3.M3.host:2,S", "4.M4.host:2,"]);
    }
  });

  it("rebuild --from-list FILE with a separator, then sync --from-list - --partial from stdin", async () => {
    const names = join(tmp.dir, "names.txt");
    writeFileSync(names, "INBOX\na.b.c\na.d\n\n");
    const path = join(tmp.dir, "names.mlist");
    let r = await cli(["rebuild", "--index", path, "--from-list", names, "--separator", ".", "--uid-validity", "42"]);
    assert.equal(r.status, 0, r.stderr);
    let list = await cli(["list", "--index", path]);
    assert.deepEqual(list.stdout.trimEnd().split("\r\n").sort(), [
      '* LIST (\\HasNoChildren) "." "INBOX"',
      '* LIST (\\HasNoChildren) "." "a.b.c"',
      '* LIST (\\HasNoChildren) "." "a.d"',
    ]);
    r = await cli(["sync", "--index", path, "--from-list", "-", "--partial"], "x.y\r\n");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /: 2 added, 0 deleted, 7 mailboxes/);
    list = await cli(["list", "--index", path, "*"]);
    assert.ok(list.stdout.includes('"a.d"') && list.stdout.includes('* LIST (\\HasNoChildren) "." "x.y"'), list.stdout);
    const d = JSON.parse((await cli(["dump", "--index", path, "--json"])).stdout);
    assert.equal(d.header.uidValidity, 42);
    assert.equal(d.header.fileSeq, 1);
    // A second rebuild replaces the whole index: next file_seq, new uid_validity, the list's names only.
    r = await cli(["rebuild", "--index", path, "--from-list", names, "--separator", ".", "--uid-validity", "43"]);
    assert.equal(r.status, 0, r.stderr);
    const d2 = JSON.parse((await cli(["dump", "--index", path, "--json"])).stdout);
    assert.equal(d2.header.fileSeq, 2);
    assert.equal(d2.header.uidValidity, 43);
    assert.equal(d2.attr.header.listFileSeq, 2);
    assert.equal((await cli(["check", "--index", path])).status, 0);
    r = await cli(["sync", "--index", path, "--from-list", "-", "--partial"], "x.y\n");
    assert.equal(r.status, 0, r.stderr);
    // list/lookup take the index's separator; another one is an error naming the file.
    const wrong = await cli(["lookup", "--index", path, "--separator", "/", "a/d"]);
    assert.equal(wrong.status, 1);
    assert.ok(oneLine(wrong).includes(path));
  });

  it("rebuild and sync --from-list read a list by the same rule, with the same warning for a skipped line", async () => {
    const names = join(tmp.dir, "rule.txt");
    const enc = new TextEncoder();
    writeFileSync(names, new Uint8Array([...enc.encode("\ufeffINBOX\r\n\n"), 0x62, 0xff, 0x0a, ...enc.encode("a/b\r\n")]));
    const warning = `warning: Skipping line 3 of ${JSON.stringify(names)}: not valid UTF-8`;
    const rebuilt = join(tmp.dir, "rule-rebuilt.mlist");
    const r = await cli(["rebuild", "--index", rebuilt, "--from-list", names]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /: 3 mailboxes from 2 names read in /);
    assert.equal(r.stderr, `mailbox-list-index rebuild: ${warning}\n`);
    const synced = join(tmp.dir, "rule-synced.mlist");
    const s = await cli(["sync", "--index", synced, "--from-list", names, "--recursive"]);
    assert.equal(s.status, 0, s.stderr);
    assert.equal(s.stderr, `mailbox-list-index sync: ${warning}\n`);
    const listed = await Promise.all([rebuilt, synced].map((p) => cli(["list", "--index", p])));
    assert.equal(listed[0].stdout, listed[1].stdout);
    assert.ok(listed[0].stdout.includes('"a/b"') && listed[0].stdout.includes('"INBOX"'), listed[0].stdout);
  });

  it("sync --fs reads a directory-per-folder store", async () => {
    const fs = join(tmp.dir, "fs");
    maildir(fs, [], ["1.M1.host"]);
    mkdirSync(join(fs, "Work"));
    maildir(join(fs, "Work", "Projects"), ["2.M2.host:2,S"]);
    maildir(join(fs, "Notes"));
    const path = join(tmp.dir, "fs.mlist");
    const r = await cli(["sync", "--index", path, "--fs", fs, "--recursive"]);
    assert.equal(r.status, 0, r.stderr);
    const entries = JSON.parse((await cli(["list", "--index", path, "--json", "--status"])).stdout) as {
      name: string;
      attributes: string[];
      status?: { messages: number; unseen: number };
    }[];
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.deepEqual([...byName.keys()].sort(), ["INBOX", "Notes", "Work", "Work/Projects"]);
    assert.deepEqual(byName.get("Work")!.attributes, ["\\HasChildren", "\\Noselect"]);
    // One message of 14 bytes ("Subject: x\n\nx\n"), no \Deleted.
    assert.deepEqual(byName.get("Work/Projects")!.status, {
      messages: 1,
      unseen: 0,
      recent: 0,
      uidValidity: 0,
      uidNext: 0,
      deleted: 0,
      size: 14,
    });
    assert.equal(byName.get("INBOX")!.status!.unseen, 1);
  });

  it("check on a damaged index exits 1 with a report and one line on stderr naming the file", async () => {
    const bad = join(tmp.dir, "bad.mlist");
    writeFileSync(bad, readFileSync(idx));
    writeFileSync(bad + ".attr", readFileSync(idx + ".attr"));
    const bytes = readFileSync(bad);
    bytes[40] ^= 0xff; // the first root record's name hash
    writeFileSync(bad, bytes);
    const r = await cli(["check", "--index", bad]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /: CORRUPT \(1 error\)/);
    assert.match(r.stdout, /error: ".*bad\.mlist" at offset 40: record 0 of the root directory: name_hash 0x/);
    const line = oneLine(r);
    assert.ok(line.includes(bad), line);
    assert.match(line, /corrupt/);
    // A header the reader refuses.
    truncateSync(bad, 20);
    const t = await cli(["check", "--index", bad]);
    assert.equal(t.status, 1);
    assert.ok(oneLine(t).includes(bad));
    // list on it fails the same way.
    const l = await cli(["list", "--index", bad]);
    assert.equal(l.status, 1);
    assert.ok(oneLine(l).includes(bad));
    const d = await cli(["dump", "--index", bad]);
    assert.equal(d.status, 1);
    assert.ok(oneLine(d).includes(bad));
  });

  it("a missing index or store is one line naming it, exit 1", async () => {
    const missing = join(tmp.dir, "missing.mlist");
    for (const args of [["list", "--index", missing], ["check", "--index", missing], ["lookup", "--index", missing, "x"]]) {
      const r = await cli(args);
      assert.equal(r.status, 1, args.join(" "));
      assert.ok(oneLine(r).includes(missing), r.stderr);
    }
    const noStore = join(tmp.dir, "no-store");
    const r = await cli(["rebuild", "--index", missing, "--maildir", noStore]);
    assert.equal(r.status, 1);
    assert.ok(oneLine(r).includes(noStore), r.stderr);
    assert.ok(!existsSync(missing));
    const l = await cli(["rebuild", "--index", missing, "--from-list", join(tmp.dir, "no-list.txt")]);
    assert.equal(l.status, 1);
    assert.ok(oneLine(l).includes("no-list.txt"), l.stderr);
  });

  it("a reader that stops early (`| head`) ends the tool quietly", async () => {
    const big = join(tmp.dir, "big.mlist");
    const names = Array.from({ length: 30000 }, (_, i) => `top${i % 40}/sub${i % 500}/leaf${i}`);
    await rebuild(big, names, { separator: "/" });
    for (const command of [["list", "--index", big], ["dump", "--index", big]]) {
      const [cmd, args] = tsCommand(CLI, command);
      const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (d) => (stderr += d));
      child.stdout!.once("data", () => child.stdout!.destroy());
      const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      assert.equal(stderr, "", command[0]);
      assert.equal(status, 0, command[0]);
    }
  });

  it("usage errors exit 2 with one line", async () => {
    const cases = [
      [],
      ["frobnicate"],
      ["list"],
      ["list", "--index", idx, "--bogus"],
      ["list", "--index", idx, "--lsub", "a", "b"],
      ["lookup", "--index", idx],
      ["rebuild", "--index", idx],
      ["rebuild", "--index", idx, "--maildir", store, "--fs", store],
      ["rebuild", "--index", idx, "--maildir", store, "--workers", "many"],
      ["rebuild", "--index", idx, "--maildir", store, "--separator", "::"],
      ["sync", "--index", idx, "--maildir"],
      ["check", "--index", idx, "extra"],
      ["demo", "--folders", "-1"],
    ];
    const results = await Promise.all(cases.map((c) => cli(c)));
    results.forEach((r, i) => {
      assert.equal(r.status, 2, `${JSON.stringify(cases[i])}: ${r.stderr}`);
      if (cases[i].length > 0) {
        const line = oneLine(r);
        assert.match(line, /^mailbox-list-index/, line);
        assert.equal(r.stdout, "");
      } else {
        assert.match(r.stderr, /^mailbox-list-index 0\.1\.0/);
      }
    });
  });

  it("--help works globally and for every command", async () => {
    const commands = ["rebuild", "sync", "list", "lookup", "check", "dump", "demo"];
    const [global, version, ...each] = await Promise.all([
      cli(["--help"]),
      cli(["--version"]),
      ...commands.map((c) => cli([c, "--help"])),
      cli(["help", "list"]),
      cli(["list", "-h"]),
    ]);
    assert.equal(global.status, 0);
    for (const c of commands) assert.match(global.stdout, new RegExp(`\\n  ${c} +\\S`));
    assert.equal(version.stdout, `${VERSION}\n`);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    assert.equal(VERSION, pkg.version);
    each.forEach((r, i) => {
      const c = commands[i] ?? "list";
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`Usage: mailbox-list-index ${c}`), r.stdout);
      assert.match(r.stdout, /-h, --help/);
      assert.equal(r.stderr, "");
    });
  });

  it("demo indexes a sample store, prints its LIST with STATUS, and cleans up", async () => {
    const r = await cli(["demo", "--folders", "30"]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split(/\r?\n/);
    assert.ok(lines.includes('* LIST (\\HasNoChildren) "/" "INBOX"'), r.stdout);
    assert.ok(lines.includes('* LIST (\\HasChildren \\Noselect) "/" "Shared"'), r.stdout);
    assert.ok(lines.some((l) => l.startsWith('* STATUS "INBOX" (MESSAGES ')));
    assert.equal(lines.filter((l) => l.startsWith("* LIST")).length, 31);
    const m = /in "(.*)\/Maildir"/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.ok(!existsSync(m[1]), `${m[1]} was not removed`);
  });
});

describe("check walker", () => {
  const tmp = makeTempDir("mli-check-");
  after(() => tmp.cleanup());

  async function fresh(name: string, names: string[]): Promise<string> {
    const path = join(tmp.dir, name);
    const index = await MailboxListIndex.open(path, { uidValidity: 5 });
    const ctx = await index.syncBegin({ recursive: true });
    for (const n of names) ctx.add(n);
    await ctx.commit();
    await index.close();
    return path;
  }

  function patch(path: string, at: number, value: number): void {
    const b = readFileSync(path);
    new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, value >>> 0, true);
    writeFileSync(path, b);
  }

  const messages = (path: string) => checkIndex(path).problems.filter((p) => p.severity === "error").map((p) => p.message);

  it("finds nothing wrong after many syncs with deletions and compression", async () => {
    const path = join(tmp.dir, "many.mlist");
    const index = await MailboxListIndex.open(path, { onWarning: () => {} });
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const pool = Array.from({ length: 300 }, () => Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => "n" + Math.floor(rnd() * 6)).join("/"));
    for (let step = 0; step < 12; step++) {
      const options = [{ recursive: true }, {}, { partial: true }][step % 3];
      const ctx = await index.syncBegin(options);
      for (const n of pool) if (rnd() < 0.5) ctx.add(n);
      await ctx.commit();
      const r = checkIndex(path);
      assert.deepEqual(r.problems, [], `step ${step}`);
      assert.ok(r.ok);
    }
    await index.close();
  });

  it("finds nothing wrong in the original implementation's list files", () => {
    for (const scenario of ["basic-tree", "incremental", "subtree-path", "crc32-collisions", "deep-200"]) {
      const dir = join(VECTORS_DIR, scenario);
      for (const f of ["step1.mlist", "step2.mlist", "step3.mlist"]) {
        if (!existsSync(join(dir, f))) continue;
        const r = checkIndex(join(dir, f));
        // These files come without our attribute file: only that is reported.
        assert.deepEqual(r.problems.filter((p) => !p.file.endsWith(".attr")), [], `${scenario}/${f}`);
      }
    }
  });

  it("reports unsorted records, duplicate and out-of-range UIDs, bad names and links", async () => {
    const base = await fresh("base.mlist", ["a", "b", "c/d"]);
    const dump = dumpIndex(base);
    const root = dump.directories[0];
    assert.equal(root.offset, 28);
    const rec = (i: number) => root.records[i].offset;
    const copy = (name: string) => {
      const p = join(tmp.dir, name);
      writeFileSync(p, readFileSync(base));
      writeFileSync(p + ".attr", readFileSync(base + ".attr"));
      return p;
    };
    let p = copy("sorted.mlist");
    patch(p, rec(0), 0xffffffff);
    assert.ok(messages(p).some((m) => /name_hash 0xffffffff does not match/.test(m)), messages(p).join("\n"));
    assert.ok(messages(p).some((m) => /not sorted/.test(m)));

    p = copy("dupuid.mlist");
    patch(p, rec(1) + 4, root.records[0].uid);
    assert.ok(messages(p).some((m) => /is also the uid of/.test(m)), messages(p).join("\n"));

    p = copy("biguid.mlist");
    patch(p, rec(1) + 4, 999);
    assert.ok(messages(p).some((m) => /uid 999 is not below next_uid/.test(m)));

    p = copy("zero.mlist");
    patch(p, rec(1) + 4, 0);
    assert.ok(messages(p).some((m) => /uid is 0/.test(m)));

    p = copy("nameoff.mlist");
    patch(p, rec(0) + 8, 100000);
    assert.ok(messages(p).some((m) => /name_offset 100000 is outside the used space/.test(m)));

    p = copy("cycle.mlist");
    patch(p, rec(0) + 12, encodeOffset(28));
    assert.ok(messages(p).some((m) => /reached twice/.test(m)), messages(p).join("\n"));

    p = copy("backward.mlist");
    const child = root.records.find((r) => r.dirOffset !== 0)!.dirOffset;
    patch(p, child, encodeOffset(28));
    assert.ok(messages(p).some((m) => /does not point forward/.test(m)), messages(p).join("\n"));

    p = copy("count.mlist");
    patch(p, 28 + 8, 100000);
    assert.ok(messages(p).some((m) => /count 100000/.test(m)), messages(p).join("\n"));

    p = copy("noattr.mlist");
    const attr = readFileSync(p + ".attr");
    writeFileSync(p + ".attr", attr.subarray(0, attr.length - 32));
    assert.ok(!checkIndex(p).ok);
    assert.ok(checkIndex(p).problems.some((x) => x.file.endsWith(".attr")));
  });
});

describe("progress bar", () => {
  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, stream: { isTTY, columns: 60, write: (s: string) => writes.push(s) } };
  }

  it("draws nothing during the first second, then folders done / total, and erases itself", () => {
    let now = 1000;
    const { writes, stream } = fakeStream(true);
    const bar = new Progress({ label: "Scanning", unit: "folders", total: 200, stream, now: () => now });
    bar.update(10);
    now += 900;
    bar.update(50);
    assert.deepEqual(writes, []);
    now += 200;
    bar.update(100);
    assert.equal(writes.length, 1);
    assert.match(writes[0], /^\rScanning \[#+·+\] 100\/200 folders 50%\x1b\[K$/);
    now += 50;
    bar.update(101); // too soon to redraw
    assert.equal(writes.length, 1);
    now += 100;
    bar.update(200);
    assert.match(writes[1], / 200\/200 folders 100%/);
    bar.done();
    bar.done();
    assert.deepEqual(writes.slice(2), ["\r\x1b[K"]);
  });

  it("is silent when the stream is not a terminal, and counts without a total", () => {
    let now = 0;
    const { writes, stream } = fakeStream(false);
    const bar = new Progress({ label: "Scanning", total: 5, stream, now: () => now });
    now = 5000;
    bar.update(3);
    bar.done();
    assert.deepEqual(writes, []);
    const counter = new Progress({ label: "Reading names", unit: "names", stream: fakeStream(true).stream });
    counter.update(1234);
    assert.equal(counter.render(), "Reading names: 1234 names");
  });
});
