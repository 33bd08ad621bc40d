// Names in stores (SPEC §10): the scanners decode each on-disk level of a
// folder's name from IMAP modified UTF-7, keep a level that is not valid
// modified UTF-7 as its literal text (with a warning), merge two spellings
// of one name into one mailbox (the validly encoded one wins, sub-folders
// of both), in one scan and across the shards of a parallel one; with
// `utf8Names` the on-disk names are taken as they are.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scanFsLayout, scanMaildir, type ScannedMailbox, scanStore, type ScanOptions, type ScanWarning } from "../../mod.ts";
import { listMaildirTopLevel } from "../../src/scan/maildir.ts";
import { listFsTopLevel } from "../../src/scan/fs.ts";
import { decodeComponent, literalNameWarning } from "../../src/scan/store_names.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-store-names-");
after(() => tmp.cleanup());
let serial = 0;

/** A fresh directory for one test. */
function fresh(tag: string): string {
  const d = join(tmp.dir, `${tag}-${serial++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

/** A Maildir with `n` new messages and a version-3 uidlist header. */
function maildir(dir: string, n = 0, uidValidity = 0): void {
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(dir, sub), { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(dir, "new", `${i}.host`), "x");
  if (uidValidity !== 0) writeFileSync(join(dir, "dovecot-uidlist"), `3 V${uidValidity} N${n + 1}\n`);
}

type Scanner = (root: string, o: ScanOptions) => AsyncGenerator<ScannedMailbox>;

async function collect(
  scan: Scanner,
  root: string,
  opts: ScanOptions = {},
): Promise<{ boxes: ScannedMailbox[]; warnings: ScanWarning[] }> {
  const warnings: ScanWarning[] = [];
  const boxes: ScannedMailbox[] = [];
  for await (const m of scan(root, { ...opts, onWarning: (w) => warnings.push(w) })) boxes.push(m);
  return { boxes, warnings };
}

const names = (boxes: ScannedMailbox[]) => boxes.map((b) => b.name);

describe("decodeComponent", () => {
  it("decodes modified UTF-7, keeps invalid text literally, and takes UTF-8 names as they are", () => {
    assert.deepEqual(decodeComponent("Entw&APw-rfe", false), { text: "Entwürfe", literal: false });
    assert.deepEqual(decodeComponent("&ZeVnLIqe-", false), { text: "日本語", literal: false });
    assert.deepEqual(decodeComponent("A&-B", false), { text: "A&B", literal: false });
    assert.deepEqual(decodeComponent("Entwürfe", false), { text: "Entwürfe", literal: true });
    assert.deepEqual(decodeComponent("A&B", false), { text: "A&B", literal: true });
    assert.deepEqual(decodeComponent("&2D0-", false), { text: "&2D0-", literal: true });
    assert.deepEqual(decodeComponent("Entw&APw-rfe", true), { text: "Entw&APw-rfe", literal: false });
    assert.deepEqual(decodeComponent("Entwürfe", true), { text: "Entwürfe", literal: false });
  });

  it("words the warning about a literal name", () => {
    const w = literalNameWarning(".Entwürfe", "/srv/u/.Entwürfe", "Entwürfe");
    assert.equal(w.reason, 'Folder name ".Entwürfe" at "/srv/u/.Entwürfe" is not valid modified UTF-7: kept as "Entwürfe"');
    assert.equal(w.path, "/srv/u/.Entwürfe");
    assert.equal(w.folder, "Entwürfe");
  });
});

describe("Maildir++ names", () => {
  it("decodes every level of a folder's directory name", async () => {
    const root = fresh("m-decode");
    maildir(root);
    for (const d of [".Entw&APw-rfe", ".&ZeVnLIqe-", ".A&-B", ".Archiv.2024 T&AOQ-tigkeiten", ".&2D3eAA-"]) maildir(join(root, d));
    const { boxes, warnings } = await collect(scanMaildir, root);
    assert.deepEqual(warnings, []);
    assert.deepEqual(names(boxes).sort(), ["A&B", "Archiv/2024 Tätigkeiten", "Entwürfe", "INBOX", "日本語", "😀"].sort());
    const utf8 = await collect(scanMaildir, root, { utf8Names: true });
    assert.deepEqual(utf8.warnings, []);
    assert.ok(names(utf8.boxes).includes("Entw&APw-rfe"));
    assert.ok(names(utf8.boxes).includes("Archiv/2024 T&AOQ-tigkeiten"));
  });

  it("keeps a name that is not valid modified UTF-7 as its literal text, with a warning", async () => {
    const root = fresh("m-literal");
    maildir(root);
    maildir(join(root, ".Entwürfe.Sub"));
    maildir(join(root, ".Plain"));
    maildir(join(root, ".R&D"));
    const { boxes, warnings } = await collect(scanMaildir, root);
    assert.deepEqual(names(boxes), ["INBOX", "Entwürfe/Sub", "Plain", "R&D"]);
    assert.deepEqual(warnings.map((w) => w.reason), [
      `Folder name ".Entwürfe.Sub" at "${join(root, ".Entwürfe.Sub")}" is not valid modified UTF-7: kept as "Entwürfe/Sub"`,
      `Folder name ".R&D" at "${join(root, ".R&D")}" is not valid modified UTF-7: kept as "R&D"`,
    ]);
    assert.deepEqual(warnings.map((w) => w.folder), ["Entwürfe/Sub", "R&D"]);
    // With UTF-8 names the same store has nothing to warn about.
    assert.deepEqual((await collect(scanMaildir, root, { utf8Names: true })).warnings, []);
  });

  it("gives one mailbox for two spellings of one name; the validly encoded one wins", async () => {
    const root = fresh("m-collide");
    maildir(root);
    maildir(join(root, ".Entwürfe"), 5, 111);
    maildir(join(root, ".Entw&APw-rfe"), 2, 222);
    maildir(join(root, ".Entwürfe.Old"), 1);
    maildir(join(root, ".Entw&APw-rfe.New"), 1);
    maildir(join(root, ".Entwürfe.Both"), 3, 333);
    maildir(join(root, ".Entw&APw-rfe.Both"), 4, 444);
    const { boxes, warnings } = await collect(scanMaildir, root, { separator: "/" });
    assert.deepEqual(names(boxes).sort(), ["Entwürfe", "Entwürfe/Both", "Entwürfe/New", "Entwürfe/Old", "INBOX"]);
    const by = new Map(boxes.map((b) => [b.name, b]));
    assert.equal(by.get("Entwürfe")!.status!.uidValidity, 222);
    assert.equal(by.get("Entwürfe")!.status!.messages, 2);
    assert.equal(by.get("Entwürfe/Both")!.status!.uidValidity, 444);
    const same = warnings.filter((w) => /same mailbox/.test(w.reason));
    assert.deepEqual(same.map((w) => w.reason).sort(), [
      `Skipping "${join(root, ".Entwürfe")}": it names the same mailbox "Entwürfe" as "${join(root, ".Entw&APw-rfe")}"`,
      `Skipping "${join(root, ".Entwürfe.Both")}": it names the same mailbox "Entwürfe/Both" as "${
        join(root, ".Entw&APw-rfe.Both")
      }"`,
    ]);
  });

  it("shards by the decoded first level, so two spellings meet in one shard", async () => {
    const root = fresh("m-shard");
    maildir(root, 1);
    maildir(join(root, ".Entwürfe"), 5, 111);
    maildir(join(root, ".Entw&APw-rfe"), 2, 222);
    maildir(join(root, ".Entwürfe.Sub"), 1);
    maildir(join(root, ".&AMQ-rger"), 1); // "Ärger"
    maildir(join(root, ".Zeta"), 1);
    maildir(join(root, ".A-b"), 1);
    maildir(join(root, ".A.x"), 1);
    const keys = await listMaildirTopLevel(root);
    assert.deepEqual(keys, ["", "A", "A-b", "Entwürfe", "Zeta", "Ärger"]);
    assert.deepEqual(await listMaildirTopLevel(root, undefined, { utf8Names: true }), [
      "",
      "&AMQ-rger",
      "A",
      "A-b",
      "Entw&APw-rfe",
      "Entwürfe",
      "Zeta",
    ]);
    const single = await collect(scanMaildir, root);
    assert.equal(single.boxes.filter((b) => b.name === "Entwürfe").length, 1);
    // Any split of the keys gives the single scan, in its order.
    for (let cut = 0; cut <= keys.length; cut++) {
      const a = await collect(scanMaildir, root, { topLevel: keys.slice(0, cut) });
      const b = await collect(scanMaildir, root, { topLevel: keys.slice(cut) });
      assert.deepEqual([...a.boxes, ...b.boxes], single.boxes, `cut at ${cut}`);
      assert.deepEqual([...a.warnings, ...b.warnings], single.warnings, `cut at ${cut}`);
    }
    for (const workers of [0, 1, 2]) {
      const warnings: ScanWarning[] = [];
      const got = await scanStore("maildir", root, { workers, onWarning: (w) => warnings.push(w) });
      assert.deepEqual(got, single.boxes, `${workers} workers`);
      assert.deepEqual(warnings, single.warnings, `${workers} workers`);
    }
    const utf8 = await scanStore("maildir", root, { workers: 2, utf8Names: true });
    assert.ok(names(utf8).includes("Entw&APw-rfe") && names(utf8).includes("Entwürfe"));
  });

  it("still skips a decoded name that holds the separator", async () => {
    const root = fresh("m-sep");
    maildir(root);
    maildir(join(root, ".A&-B"));
    maildir(join(root, ".Ok"));
    const { boxes, warnings } = await collect(scanMaildir, root, { separator: "&" });
    assert.deepEqual(names(boxes), ["INBOX", "Ok"]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].reason, /the name contains the separator "&"/);
  });

  it("takes INBOX spelled in modified UTF-7 as the root's name", async () => {
    const root = fresh("m-inbox");
    maildir(root);
    maildir(join(root, ".INBOX.&AOQ-"));
    const { boxes } = await collect(scanMaildir, root);
    assert.deepEqual(names(boxes), ["INBOX", "INBOX/ä"]);
  });
});

describe("directory-per-folder names", () => {
  it("decodes every level, keeps invalid ones literally with a warning", async () => {
    const root = fresh("f-decode");
    maildir(join(root, "Entw&APw-rfe", "&ZeVnLIqe-"));
    maildir(join(root, "Raw ä", "A&-B"));
    const { boxes, warnings } = await collect(scanFsLayout, root);
    assert.deepEqual(names(boxes), ["Entwürfe", "Entwürfe/日本語", "Raw ä", "Raw ä/A&B"]);
    assert.deepEqual(warnings.map((w) => w.reason), [
      `Folder name "Raw ä" at "${join(root, "Raw ä")}" is not valid modified UTF-7: kept as "Raw ä"`,
    ]);
    const utf8 = await collect(scanFsLayout, root, { utf8Names: true });
    assert.deepEqual(utf8.warnings, []);
    assert.deepEqual(names(utf8.boxes), ["Entw&APw-rfe", "Entw&APw-rfe/&ZeVnLIqe-", "Raw ä", "Raw ä/A&-B"]);
  });

  it("merges two spellings of one name with their sub-folders; the validly encoded one wins", async () => {
    const root = fresh("f-collide");
    maildir(root, 1);
    maildir(join(root, "Entwürfe"), 5, 111);
    maildir(join(root, "Entw&APw-rfe"), 2, 222);
    maildir(join(root, "Entwürfe", "Old"), 1, 1);
    maildir(join(root, "Entwürfe", "Both"), 3, 333);
    maildir(join(root, "Entw&APw-rfe", "New"), 1, 2);
    maildir(join(root, "Entw&APw-rfe", "Both"), 4, 444);
    maildir(join(root, "Entwürfe", "Both", "Deep"), 1, 3);
    maildir(join(root, "Entw&APw-rfe", "B&APY-se"), 1, 4); // "Böse"
    maildir(join(root, "Entwürfe", "Böse"), 1, 5);
    const { boxes, warnings } = await collect(scanFsLayout, root);
    assert.deepEqual(names(boxes), [
      "INBOX",
      "Entwürfe",
      "Entwürfe/Both",
      "Entwürfe/Both/Deep",
      "Entwürfe/Böse",
      "Entwürfe/New",
      "Entwürfe/Old",
    ]);
    const by = new Map(boxes.map((b) => [b.name, b]));
    assert.equal(by.get("Entwürfe")!.status!.uidValidity, 222);
    assert.equal(by.get("Entwürfe/Both")!.status!.uidValidity, 444);
    assert.equal(by.get("Entwürfe/Both/Deep")!.status!.uidValidity, 3);
    assert.equal(by.get("Entwürfe/Böse")!.status!.uidValidity, 4);
    assert.equal(by.get("Entwürfe/Old")!.status!.uidValidity, 1);
    const merged = warnings.filter((w) => w.reason.startsWith("Merging"));
    assert.deepEqual(merged.map((w) => w.reason), [
      `Merging "${join(root, "Entwürfe")}" into "${join(root, "Entw&APw-rfe")}": both name the mailbox "Entwürfe"; ` +
      `it is reported from "${join(root, "Entw&APw-rfe")}", with the sub-folders of both`,
      `Merging "${join(root, "Entwürfe", "Both")}" into "${join(root, "Entw&APw-rfe", "Both")}": both name the mailbox ` +
      `"Entwürfe/Both"; it is reported from "${join(root, "Entw&APw-rfe", "Both")}", with the sub-folders of both`,
      `Merging "${join(root, "Entwürfe", "Böse")}" into "${join(root, "Entw&APw-rfe", "B&APY-se")}": both name the ` +
      `mailbox "Entwürfe/Böse"; it is reported from "${join(root, "Entw&APw-rfe", "B&APY-se")}", with the sub-folders of both`,
    ]);
    for (const w of warnings) assert.ok(w.reason.includes(`"${w.path}"`), `${w.reason} should quote ${w.path}`);
  });

  it("shards by the decoded top-level name: any split and the parallel scan give the single scan", async () => {
    const root = fresh("f-shard");
    maildir(root, 1);
    maildir(join(root, "Entwürfe"), 5, 111);
    maildir(join(root, "Entw&APw-rfe", "Sub"), 2, 222);
    maildir(join(root, "&AMQ-rger"), 1);
    maildir(join(root, "Zeta", "x"), 1);
    const keys = await listFsTopLevel(root);
    assert.deepEqual(keys, ["", "Entwürfe", "Zeta", "Ärger"]);
    const single = await collect(scanFsLayout, root);
    assert.deepEqual(names(single.boxes), ["INBOX", "Entwürfe", "Entwürfe/Sub", "Zeta", "Zeta/x", "Ärger"]);
    for (let cut = 0; cut <= keys.length; cut++) {
      const a = await collect(scanFsLayout, root, { topLevel: keys.slice(0, cut) });
      const b = await collect(scanFsLayout, root, { topLevel: keys.slice(cut) });
      assert.deepEqual([...a.boxes, ...b.boxes], single.boxes, `cut at ${cut}`);
      assert.deepEqual([...a.warnings, ...b.warnings], single.warnings, `cut at ${cut}`);
    }
    for (const workers of [0, 2]) {
      assert.deepEqual(await scanStore("fs", root, { workers }), single.boxes, `${workers} workers`);
    }
    assert.deepEqual(await listFsTopLevel(root, undefined, { utf8Names: true }), ["", "&AMQ-rger", "Entw&APw-rfe", "Entwürfe", "Zeta"]);
  });

  it("still skips a decoded name that holds the separator", async () => {
    const root = fresh("f-sep");
    mkdirSync(join(root, "A&-B"));
    mkdirSync(join(root, "Ok"));
    const { boxes, warnings } = await collect(scanFsLayout, root, { separator: "&" });
    assert.deepEqual(names(boxes), ["Ok"]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].reason, /the name contains the separator "&"/);
  });
});
