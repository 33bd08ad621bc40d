import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compareNames, type ScannedMailbox, type ScanOptions, type ScanWarning } from "../../src/scan/types.ts";
import { listMaildirTopLevel, scanMaildir } from "../../src/scan/maildir.ts";
import { parseUidListHeader } from "../../src/scan/uidlist.ts";
import { listFsTopLevel, scanFsLayout } from "../../src/scan/fs.ts";
import { readNameList, readNameListBatches } from "../../src/scan/name_list.ts";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const tmpRoots: string[] = [];
const cleanups: (() => void)[] = [];

function tempDir(tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `mli-scan-${tag}-`));
  tmpRoots.push(d);
  return d;
}

after(() => {
  for (const c of cleanups) c();
  for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true });
});

interface MaildirSpec {
  cur?: string[];
  new?: string[];
  uidlist?: string;
}

/** Create a Maildir (cur/, new/, tmp/) with empty message files. */
function makeMaildir(dir: string, spec: MaildirSpec = {}): void {
  for (const sub of ["cur", "new", "tmp"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (const f of spec.cur ?? []) fs.writeFileSync(path.join(dir, "cur", f), "Subject: x\r\n\r\nbody\r\n");
  for (const f of spec.new ?? []) fs.writeFileSync(path.join(dir, "new", f), "Subject: y\r\n\r\nbody\r\n");
  if (spec.uidlist !== undefined) fs.writeFileSync(path.join(dir, "dovecot-uidlist"), spec.uidlist);
}

async function collect(
  gen: (root: string, o: ScanOptions) => AsyncGenerator<ScannedMailbox>,
  root: string,
  opts: ScanOptions = {},
): Promise<{ boxes: ScannedMailbox[]; warnings: ScanWarning[] }> {
  const warnings: ScanWarning[] = [];
  const boxes: ScannedMailbox[] = [];
  for await (const m of gen(root, { ...opts, onWarning: (w) => warnings.push(w) })) boxes.push(m);
  return { boxes, warnings };
}

/** Every message file makeMaildir writes has 20 bytes, and none has the T flag unless a test says so. */
function status(messages: number, unseen: number, recent: number, uidValidity = 0, uidNext = 0, deleted = 0) {
  return { messages, unseen, recent, uidValidity, uidNext, deleted, size: 20 * messages };
}

/** The warning about `p`, which must exist exactly once. */
function warningFor(warnings: ScanWarning[], p: string): ScanWarning {
  const found = warnings.filter((w) => w.path === p);
  assert.equal(found.length, 1, `expected one warning for ${p}, got ${JSON.stringify(warnings.map((w) => w.reason))}`);
  return found[0];
}

describe("parseUidListHeader", () => {
  it("reads version 3 and version 1 headers", () => {
    assert.deepEqual(parseUidListHeader("3 V1300000000 N42 G0123456789abcdef"), { uidValidity: 1300000000, uidNext: 42 });
    assert.deepEqual(parseUidListHeader("3 N7 V9"), { uidValidity: 9, uidNext: 7 });
    assert.deepEqual(parseUidListHeader("1 1300000000 42"), { uidValidity: 1300000000, uidNext: 42 });
    assert.deepEqual(parseUidListHeader("3 V4294967295 N1\r"), { uidValidity: 4294967295, uidNext: 1 });
  });
  it("rejects unknown versions and bad numbers", () => {
    assert.equal(parseUidListHeader("2 V1 N2"), undefined);
    assert.equal(parseUidListHeader("1 12"), undefined);
    assert.equal(parseUidListHeader("1 x 12"), undefined);
    assert.equal(parseUidListHeader("3 V4294967296 N1"), undefined);
    assert.equal(parseUidListHeader(""), undefined);
  });
});

describe("compareNames", () => {
  it("orders by UTF-8 bytes, not UTF-16 units", () => {
    const names = ["b", "\u{1F600}", "\uFF21", "B", "a", "ab", "\u00e4"];
    const bytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...names].sort(compareNames), bytes);
    assert.ok(compareNames("\u{1F600}", "\uFF21") > 0);
    assert.equal(compareNames("a", "a"), 0);
  });
});

describe("scanMaildir", () => {
  const base = tempDir("md");
  const root = path.join(base, "store");
  const outside = path.join(base, "elsewhere");
  makeMaildir(outside, { cur: ["x:2,"] });
  // INBOX: 4 messages; "2" and "3" lack S, "4" is new; ".hidden" and a directory are no messages.
  makeMaildir(root, {
    cur: ["1.host:2,S", "2.host:2,", "3.host", ".hidden:2,"],
    new: ["4.host"],
    uidlist: "3 V1111 N5 Gdeadbeef\n1 1.host\n",
  });
  fs.mkdirSync(path.join(root, "cur", "subdir"));
  // Only the info part after the last ":2," counts.
  makeMaildir(path.join(root, ".Archive"), { cur: ["10.h:2,RS", "11.h:2,S:2,F"], uidlist: "1 2222 12\n" });
  makeMaildir(path.join(root, "..Archive"), { cur: ["dup:2,S"] });
  makeMaildir(path.join(root, ".Archive.2009"), { new: ["a", "b"] });
  makeMaildir(path.join(root, "..Lists..misc"));
  fs.mkdirSync(path.join(root, ".Drafts"));
  fs.mkdirSync(path.join(root, ".Half", "cur"), { recursive: true });
  fs.mkdirSync(path.join(root, "..."));
  makeMaildir(path.join(root, ".INBOX"));
  makeMaildir(path.join(root, ".INBOX.Sub"), { cur: ["s:2,S"], uidlist: "3 V5 N2\n" });
  makeMaildir(path.join(root, "shared"), { cur: ["s1:2,", "s2:2,S"], new: ["s3"], uidlist: "3 V33 N4\n" });
  fs.symlinkSync("shared", path.join(root, ".Sent"));
  fs.symlinkSync("shared", path.join(root, ".Twice"));
  fs.symlinkSync(".", path.join(root, ".Loop"));
  fs.symlinkSync(".Self", path.join(root, ".Self"));
  fs.symlinkSync(outside, path.join(root, ".Outside"));
  fs.symlinkSync("nothing-here", path.join(root, ".Dangling"));
  fs.writeFileSync(path.join(root, ".File"), "not a folder");
  fs.writeFileSync(path.join(root, "subscriptions"), "Archive\n");

  const expected: ScannedMailbox[] = [
    { name: "INBOX", selectable: true, status: status(4, 3, 1, 1111, 5) },
    { name: "Archive", selectable: true, status: status(2, 1, 0, 2222, 12) },
    { name: "Archive/2009", selectable: true, status: status(2, 2, 2) },
    { name: "Drafts", selectable: false },
    { name: "Half", selectable: false },
    { name: "INBOX/Sub", selectable: true, status: status(1, 0, 0, 5, 2) },
    { name: "Lists/misc", selectable: true, status: status(0, 0, 0) },
    { name: "Sent", selectable: true, status: status(3, 2, 1, 33, 4) },
  ];

  it("reports names, selectability and STATUS exactly", async () => {
    const { boxes } = await collect(scanMaildir, root);
    assert.deepEqual(boxes, expected);
  });

  it("warns about every skipped entry", async () => {
    const { warnings } = await collect(scanMaildir, root);
    const at = (n: string) => path.join(root, n);
    assert.match(warningFor(warnings, at("..Archive")).reason, /same mailbox "Archive"/);
    assert.match(warningFor(warnings, at("...")).reason, /name is empty/);
    assert.match(warningFor(warnings, at(".Half")).reason, /has cur\/ but no new\//);
    assert.match(warningFor(warnings, at(".INBOX")).reason, /"INBOX" is the store root/);
    assert.match(warningFor(warnings, at(".Twice")).reason, /already followed from ".*\.Sent"/);
    assert.match(warningFor(warnings, at(".Loop")).reason, /symbolic link loop/);
    assert.match(warningFor(warnings, at(".Self")).reason, /symbolic link loop/);
    assert.match(warningFor(warnings, at(".Outside")).reason, /outside the store root/);
    assert.match(warningFor(warnings, at(".Dangling")).reason, /does not exist/);
    assert.match(warningFor(warnings, at(".File")).reason, /not a directory/);
    assert.equal(warnings.length, 10, JSON.stringify(warnings, null, 1));
    for (const w of warnings) assert.ok(w.reason.includes(`"${w.path}"`), `${w.reason} should quote ${w.path}`);
  });

  it("joins components with the chosen separator", async () => {
    const { boxes } = await collect(scanMaildir, root, { separator: "." });
    assert.deepEqual(boxes.map((b) => b.name), expected.map((b) => b.name.replaceAll("/", ".")));
  });

  it("skips components that contain the separator", async () => {
    const r = path.join(base, "dash");
    makeMaildir(r);
    makeMaildir(path.join(r, ".a-b.c"));
    makeMaildir(path.join(r, ".ok.c"));
    const { boxes, warnings } = await collect(scanMaildir, r, { separator: "-" });
    assert.deepEqual(boxes.map((b) => b.name), ["INBOX", "ok-c"]);
    assert.match(warningFor(warnings, path.join(r, ".a-b.c")).reason, /contains the separator "-"/);
  });

  it("skips names that are not valid UTF-8", async () => {
    const r = path.join(base, "utf8");
    makeMaildir(r);
    makeMaildir(path.join(r, ".good"));
    fs.mkdirSync(Buffer.from(path.join(r, ".bad\xff"), "latin1"));
    cleanups.push(() => fs.rmdirSync(Buffer.from(path.join(r, ".bad\xff"), "latin1")));
    const { boxes, warnings } = await collect(scanMaildir, r);
    assert.deepEqual(boxes.map((b) => b.name), ["INBOX", "good"]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].reason, /not valid UTF-8/);
  });

  it("lists top-level keys and shards to the same result", async () => {
    const keys = await listMaildirTopLevel(root);
    assert.deepEqual(keys, [
      "",
      "Archive",
      "Dangling",
      "Drafts",
      "Half",
      "INBOX",
      "Lists",
      "Loop",
      "Outside",
      "Self",
      "Sent",
      "Twice",
    ]);
    const inboxOnly = await collect(scanMaildir, root, { topLevel: [""] });
    assert.deepEqual(inboxOnly.boxes, [expected[0]]);
    assert.equal(inboxOnly.warnings.length, 0);
    const archive = await collect(scanMaildir, root, { topLevel: ["Archive"] });
    assert.deepEqual(archive.boxes.map((b) => b.name), ["Archive", "Archive/2009"]);
    const merged: ScannedMailbox[] = [];
    for (const shard of [keys.slice(0, 3), keys.slice(3, 7), keys.slice(7)]) {
      merged.push(...(await collect(scanMaildir, root, { topLevel: shard })).boxes);
    }
    const byName = (a: ScannedMailbox, b: ScannedMailbox) => compareNames(a.name, b.name);
    assert.deepEqual(merged.sort(byName), [...expected].sort(byName));
  });

  it("reports a root without cur/new as no INBOX", async () => {
    const r = path.join(base, "noinbox");
    makeMaildir(path.join(r, ".A"));
    const { boxes } = await collect(scanMaildir, r);
    assert.deepEqual(boxes, [{ name: "A", selectable: true, status: status(0, 0, 0) }]);
    assert.deepEqual(await listMaildirTopLevel(r), ["A"]);
  });

  it("fails clearly when the root cannot be read", async () => {
    const missing = path.join(base, "missing");
    await assert.rejects(collect(scanMaildir, missing), { message: `Cannot read store root "${missing}": no such file or directory` });
    await assert.rejects(collect(scanMaildir, root, { separator: "" }), RangeError);
  });

  it("skips unreadable folders and reports unreadable cur/ without STATUS", { skip: isRoot && "runs as root" }, async () => {
    const r = path.join(base, "perm");
    makeMaildir(r);
    makeMaildir(path.join(r, ".Closed"));
    makeMaildir(path.join(r, ".NoCur"), { cur: ["m:2,"] });
    fs.chmodSync(path.join(r, ".Closed"), 0);
    fs.chmodSync(path.join(r, ".NoCur", "cur"), 0);
    cleanups.push(() => {
      fs.chmodSync(path.join(r, ".Closed"), 0o755);
      fs.chmodSync(path.join(r, ".NoCur", "cur"), 0o755);
    });
    const { boxes, warnings } = await collect(scanMaildir, r);
    assert.deepEqual(boxes, [{ name: "INBOX", selectable: true, status: status(0, 0, 0) }, { name: "NoCur", selectable: true }]);
    assert.equal(
      warningFor(warnings, path.join(r, ".Closed")).reason,
      `Cannot read directory "${path.join(r, ".Closed")}" of folder "Closed": permission denied (EACCES); the folder is not reported`,
    );
    assert.match(warningFor(warnings, path.join(r, ".NoCur", "cur")).reason, /permission denied/);
  });

  it("scans 3000 folders quickly and stops early on request", async () => {
    const r = path.join(base, "many");
    makeMaildir(r);
    for (let i = 0; i < 3000; i++) makeMaildir(path.join(r, `.F${i % 30}.S${String(i).padStart(4, "0")}`), { cur: ["1:2,S", "2:2,"] });
    const t0 = performance.now();
    let n = 0;
    let unseen = 0;
    for await (const m of scanMaildir(r)) {
      n++;
      unseen += m.status?.unseen ?? 0;
    }
    const ms = performance.now() - t0;
    assert.equal(n, 3001);
    assert.equal(unseen, 3000);
    assert.ok(ms < 5000, `took ${ms} ms`);
    const first: string[] = [];
    for await (const m of scanMaildir(r)) {
      first.push(m.name);
      if (first.length === 3) break;
    }
    assert.deepEqual(first, ["INBOX", "F0/S0000", "F0/S0030"]);
  });
});

describe("scanFsLayout", () => {
  const base = tempDir("fs");
  const root = path.join(base, "store");
  const outside = path.join(base, "elsewhere");
  fs.mkdirSync(outside);
  makeMaildir(root, { cur: ["1:2,S"], uidlist: "1 99 2\n" });
  fs.mkdirSync(path.join(root, "Archive"));
  makeMaildir(path.join(root, "Archive", "2009"), { cur: ["a:2,", "b:2,S", "c:2,FS"], new: ["d"], uidlist: "3 V77 N5\n" });
  makeMaildir(path.join(root, "Work"), { new: ["n1", "n2"] });
  makeMaildir(path.join(root, "Work", "Projects"), { cur: ["p:2,T"] });
  fs.mkdirSync(path.join(root, "Noselect", "tmp"), { recursive: true });
  fs.mkdirSync(path.join(root, "Broken", "new"), { recursive: true });
  fs.writeFileSync(path.join(root, "Broken", "cur"), "a file where a directory is expected");
  makeMaildir(path.join(root, "a.b", "c"));
  makeMaildir(path.join(root, "INBOX", "Sub"));
  fs.symlinkSync("../Work", path.join(root, "Archive", "Link"));
  fs.symlinkSync("../Work", path.join(root, "Noselect", "Again"));
  fs.symlinkSync("..", path.join(root, "Work", "Back"));
  fs.symlinkSync("../../Archive", path.join(root, "Work", "Projects", "Up"));
  fs.symlinkSync(outside, path.join(root, "Out"));
  fs.symlinkSync("gone", path.join(root, "Dangling"));
  fs.symlinkSync("../Archive/2009/dovecot-uidlist", path.join(root, "Noselect", "file-link"));
  fs.writeFileSync(path.join(root, "Archive", "dovecot.index"), "");

  const work = status(2, 2, 2);
  const projects = status(1, 1, 0, 0, 0, 1); // "p:2,T" is \Deleted
  const expected: ScannedMailbox[] = [
    { name: "INBOX", selectable: true, status: status(1, 0, 0, 99, 2) },
    { name: "Archive", selectable: false },
    { name: "Archive.2009", selectable: true, status: status(4, 2, 1, 77, 5) },
    { name: "Archive.Link", selectable: true, status: work },
    { name: "Archive.Link.Projects", selectable: true, status: projects },
    { name: "Broken", selectable: false },
    { name: "INBOX.Sub", selectable: true, status: status(0, 0, 0) },
    { name: "Noselect", selectable: false },
    { name: "Noselect.tmp", selectable: false },
    { name: "Work", selectable: true, status: work },
    { name: "Work.Projects", selectable: true, status: projects },
    { name: "Work.Projects.Up", selectable: false },
    { name: "Work.Projects.Up.2009", selectable: true, status: status(4, 2, 1, 77, 5) },
  ];

  it("reports names, selectability and STATUS exactly", async () => {
    const { boxes } = await collect(scanFsLayout, root, { separator: "." });
    assert.deepEqual(boxes, expected);
  });

  it("warns about loops, links leaving the root, bad names and broken Maildirs", async () => {
    const { warnings } = await collect(scanFsLayout, root, { separator: "." });
    const at = (...p: string[]) => path.join(root, ...p);
    assert.match(warningFor(warnings, at("a.b")).reason, /contains the separator "\."/);
    assert.match(warningFor(warnings, at("Out")).reason, /outside the store root/);
    assert.match(warningFor(warnings, at("Dangling")).reason, /does not exist/);
    assert.match(warningFor(warnings, at("Broken", "cur")).reason, /not a directory/);
    assert.match(warningFor(warnings, at("Broken")).reason, /has new\/ but no cur\//);
    assert.match(warningFor(warnings, at("INBOX")).reason, /"INBOX" is the store root/);
    // Reached through Archive/Link, Projects/Up leads back to an ancestor.
    assert.match(warningFor(warnings, at("Archive", "Link", "Projects", "Up")).reason, /symbolic link loop/);
    assert.match(warningFor(warnings, at("Archive", "Link", "Back")).reason, /symbolic link loop/);
    assert.match(warningFor(warnings, at("Noselect", "Again")).reason, /already followed from ".*Link"/);
    assert.match(warningFor(warnings, at("Work", "Back")).reason, /symbolic link loop/);
    // Through Work/Projects/Up, Link leads back to Work.
    assert.match(warningFor(warnings, at("Work", "Projects", "Up", "Link")).reason, /symbolic link loop/);
    assert.equal(warnings.length, 11, JSON.stringify(warnings, null, 1));
    for (const w of warnings) assert.ok(w.reason.includes(`"${w.path}"`), `${w.reason} should quote ${w.path}`);
  });

  it("reports a directory whose name holds another separator", async () => {
    const { boxes } = await collect(scanFsLayout, root);
    const names = boxes.map((b) => b.name);
    assert.ok(names.includes("a.b"));
    assert.ok(names.includes("a.b/c"));
    assert.ok(names.includes("Archive/2009"));
    assert.ok(!names.includes("Archive.2009"));
  });

  it("lists top-level keys and shards to the same result", async () => {
    const keys = await listFsTopLevel(root);
    assert.deepEqual(keys, ["", "Archive", "Broken", "Dangling", "INBOX", "Noselect", "Out", "Work", "a.b"]);
    const archive = await collect(scanFsLayout, root, { separator: ".", topLevel: ["Archive"] });
    assert.deepEqual(archive.boxes.map((b) => b.name), ["Archive", "Archive.2009", "Archive.Link", "Archive.Link.Projects"]);
    assert.deepEqual(archive.warnings.map((w) => path.basename(w.path)), ["Back", "Up"]);
    const inbox = await collect(scanFsLayout, root, { separator: ".", topLevel: [""] });
    assert.deepEqual(inbox.boxes, [expected[0]]);
    assert.deepEqual(inbox.warnings, []);
    const merged: ScannedMailbox[] = [];
    for (const k of keys) merged.push(...(await collect(scanFsLayout, root, { separator: ".", topLevel: [k] })).boxes);
    const byName = (a: ScannedMailbox, b: ScannedMailbox) => compareNames(a.name, b.name);
    // Sharded, the first link to Work is followed in each shard that has one.
    const sharded = merged.sort(byName).filter((b) => !b.name.startsWith("Noselect.Again"));
    assert.deepEqual(sharded, [...expected].sort(byName));
  });

  it("reports a plain directory tree as \\Noselect folders without INBOX", async () => {
    const r = path.join(base, "plain");
    fs.mkdirSync(path.join(r, "x", "y", "z"), { recursive: true });
    fs.mkdirSync(path.join(r, "x", "tmp"), { recursive: true });
    fs.mkdirSync(path.join(r, "&AOQ-"), { recursive: true }); // "ä" in modified UTF-7
    fs.mkdirSync(path.join(r, "B"), { recursive: true });
    const { boxes, warnings } = await collect(scanFsLayout, r);
    assert.deepEqual(boxes, [
      { name: "B", selectable: false },
      { name: "x", selectable: false },
      { name: "x/tmp", selectable: false },
      { name: "x/y", selectable: false },
      { name: "x/y/z", selectable: false },
      { name: "\u00e4", selectable: false },
    ]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(await listFsTopLevel(r), ["B", "x", "\u00e4"]);
  });

  it("skips unreadable directories and their sub-folders", { skip: isRoot && "runs as root" }, async () => {
    const r = path.join(base, "perm");
    makeMaildir(path.join(r, "Closed", "Inner"));
    makeMaildir(path.join(r, "Open"));
    fs.chmodSync(path.join(r, "Closed"), 0);
    cleanups.push(() => fs.chmodSync(path.join(r, "Closed"), 0o755));
    const { boxes, warnings } = await collect(scanFsLayout, r);
    assert.deepEqual(boxes.map((b) => b.name), ["Open"]);
    assert.equal(warnings.length, 1);
    assert.equal(
      warnings[0].reason,
      `Cannot read directory "${path.join(r, "Closed")}" of folder "Closed": permission denied (EACCES); the folder and its sub-folders are not reported`,
    );
  });

  it("scans a deep and wide tree in order", async () => {
    const r = path.join(base, "wide");
    const want: string[] = [];
    for (let a = 0; a < 20; a++) {
      for (let b = 0; b < 50; b++) makeMaildir(path.join(r, `T${String(a).padStart(2, "0")}`, `C${String(b).padStart(2, "0")}`), { new: ["1"] });
    }
    for (let a = 0; a < 20; a++) {
      want.push(`T${String(a).padStart(2, "0")}`);
      for (let b = 0; b < 50; b++) want.push(`T${String(a).padStart(2, "0")}/C${String(b).padStart(2, "0")}`);
    }
    let deep = r;
    for (let d = 0; d < 40; d++) deep = path.join(deep, `d${d}`);
    fs.mkdirSync(deep, { recursive: true });
    const { boxes } = await collect(scanFsLayout, r);
    const names = boxes.map((b) => b.name);
    assert.deepEqual(names.slice(0, 1020), want);
    assert.equal(names.length, 1060);
    assert.equal(names[1059], Array.from({ length: 40 }, (_, d) => `d${d}`).join("/"));
    assert.equal(boxes.reduce((s, b) => s + (b.status?.recent ?? 0), 0), 1000);
  });
});

describe("readNameList", () => {
  const base = tempDir("names");

  async function all(source: string | AsyncIterable<Uint8Array | string>, max?: number) {
    const warnings: ScanWarning[] = [];
    const names: string[] = [];
    for await (const n of readNameList(source, { onWarning: (w) => warnings.push(w), maxLineBytes: max })) names.push(n);
    return { names, warnings };
  }

  async function* chunks(parts: (Uint8Array | string)[]): AsyncGenerator<Uint8Array | string> {
    for (const p of parts) yield p;
  }

  const text = "\uFEFFINBOX\r\n\r\nArchive/2009\n\n\u00e4pfel/\u{1F600}\r\n&AOQ-pfel\r\r\n last ";
  const want = ["INBOX", "Archive/2009", "\u00e4pfel/\u{1F600}", "&AOQ-pfel\r", " last "];

  it("reads a file: strips \\r and a BOM, skips blank lines, keeps the last line", async () => {
    const f = path.join(base, "list.txt");
    fs.writeFileSync(f, text);
    const { names, warnings } = await all(f);
    assert.deepEqual(names, want);
    assert.deepEqual(warnings, []);
  });

  it("gives the same names however the input is split", async () => {
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i <= bytes.length; i++) {
      for (const j of [i, Math.min(bytes.length, i + 1), Math.min(bytes.length, i + 3)]) {
        const { names } = await all(chunks([bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)]));
        assert.deepEqual(names, want, `split at ${i}/${j}`);
      }
    }
    assert.deepEqual((await all(chunks(["a\nb", "\r\nc", "\n"]))).names, ["a", "b", "c"]);
  });

  it("skips invalid UTF-8 and over-long lines with a warning naming the line", async () => {
    const f = path.join(base, "bad.txt");
    const long = "x".repeat(100);
    fs.writeFileSync(f, Buffer.concat([Buffer.from("ok1\n"), Buffer.from([0x62, 0xff, 0x0a]), Buffer.from(`ok2\n${long}\nok3`)]));
    const { names, warnings } = await all(f, 64);
    assert.deepEqual(names, ["ok1", "ok2", "ok3"]);
    assert.deepEqual(warnings.map((w) => w.reason), [
      `Skipping line 2 of "${f}": not valid UTF-8`,
      `Skipping line 4 of "${f}": longer than 64 bytes`,
    ]);
    // The same long line arriving in small chunks.
    const split = await all(chunks(["a\n", long.slice(0, 50), long.slice(50), "\nb\n"]), 64);
    assert.deepEqual(split.names, ["a", "b"]);
    assert.deepEqual(split.warnings.map((w) => w.reason), ["Skipping line 2 of the name list: longer than 64 bytes"]);
  });

  it("streams a large file in batches", async () => {
    const f = path.join(base, "big.txt");
    const n = 200_000;
    const fd = fs.openSync(f, "w");
    let block = "";
    for (let i = 0; i < n; i++) {
      block += `Folder${i % 97}/Sub${i}\n`;
      if (block.length > 1 << 16) {
        fs.writeSync(fd, block);
        block = "";
      }
    }
    fs.writeSync(fd, block);
    fs.closeSync(fd);
    let count = 0;
    let batches = 0;
    let last = "";
    for await (const batch of readNameListBatches(f)) {
      batches++;
      count += batch.length;
      last = batch[batch.length - 1];
    }
    assert.equal(count, n);
    assert.equal(last, `Folder${(n - 1) % 97}/Sub${n - 1}`);
    assert.ok(batches > 5, `only ${batches} batches`);
  });

  it("reads standard input for \"-\"", () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const script = path.join(base, "stdin_names.mts");
    const mod = pathToFileURL(path.join(here, "..", "..", "src", "scan", "name_list.ts")).href;
    fs.writeFileSync(
      script,
      `import { readNameList } from ${JSON.stringify(mod)};\n` +
        `const out: string[] = [];\nfor await (const n of readNameList("-")) out.push(n);\nconsole.log(JSON.stringify(out));\n`,
    );
    const g = globalThis as { Deno?: unknown; Bun?: unknown };
    const args = g.Deno !== undefined
      ? ["run", "-A", "--no-check", script]
      : g.Bun !== undefined
      ? [script]
      : ["--import", "tsx", script];
    const r = spawnSync(process.execPath, args, { input: "a\r\n\nb/c\n", cwd: path.join(here, ".."), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").pop()!), ["a", "b/c"]);
  });

  it("fails clearly for a missing file", async () => {
    const f = path.join(base, "nope.txt");
    await assert.rejects(all(f), { message: `Cannot read name list "${f}": no such file or directory` });
  });
});
