// Special-use name maps in the scanners (SPEC §12): the map is checked before
// anything is read, and the scanned mailboxes it names (decoded Unicode full
// names, INBOX in any case) carry the bits, in one thread and sharded.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { scanFsLayout, scanMaildir, type ScannedMailbox, scanStore, type ScanOptions } from "../../mod.ts";
import { SpecialUse } from "../../src/format/special_use.ts";
import { applySpecialUse, resolveSpecialUse } from "../../src/scan/special_use.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-special-use-");
after(() => tmp.cleanup());

function maildir(dir: string): void {
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(dir, sub), { recursive: true });
}

async function collect(
  scan: (root: string, o: ScanOptions) => AsyncGenerator<ScannedMailbox>,
  root: string,
  opts: ScanOptions,
): Promise<ScannedMailbox[]> {
  const out: ScannedMailbox[] = [];
  for await (const m of scan(root, opts)) out.push(m);
  return out;
}

const MAP = {
  inbox: [],
  Sent: "\\Sent",
  "Entwürfe": "drafts",
  "Archiv/2024": ["\\Archive", "\\ALL"],
  Missing: "\\Junk",
};

function bits(boxes: ScannedMailbox[]): Record<string, number | undefined> {
  return Object.fromEntries(boxes.map((b) => [b.name, b.specialUse]));
}

describe("resolveSpecialUse", () => {
  it("turns atoms into bits per name, in any case, with or without the backslash", () => {
    const m = resolveSpecialUse(MAP)!;
    assert.equal(m.get("INBOX"), 0);
    assert.equal(m.get("Sent"), SpecialUse.Sent);
    assert.equal(m.get("Entwürfe"), SpecialUse.Drafts);
    assert.equal(m.get("Archiv/2024"), SpecialUse.Archive | SpecialUse.All);
    assert.equal(resolveSpecialUse(undefined), undefined);
    assert.equal(resolveSpecialUse({ INBOX: "\\Flagged", Inbox: "\\Junk" })!.get("INBOX"), SpecialUse.Flagged | SpecialUse.Junk);
  });

  it("refuses an unknown attribute with a RangeError naming it and the mailbox", () => {
    assert.throws(() => resolveSpecialUse({ Sent: "\\Sent", Outbox: ["\\Sent", "\\Outbox"] }), {
      name: "RangeError",
      message: 'Special-use attribute "\\\\Outbox" of "Outbox" is not one of \\All \\Archive \\Drafts \\Flagged \\Junk \\Sent \\Trash',
    });
  });

  it("refuses a map or value of the wrong form with a TypeError", () => {
    assert.throws(() => resolveSpecialUse([] as never), TypeError);
    assert.throws(() => resolveSpecialUse({ Sent: 8192 } as never), /"Sent" must be a string or an array of strings, not 8192/);
    assert.throws(() => resolveSpecialUse({ Sent: [1] } as never), TypeError);
  });

  it("marks only the mailboxes the map names with attributes", () => {
    const m = resolveSpecialUse({ Sent: "\\Sent", Empty: [] });
    const a: ScannedMailbox = { name: "Sent", selectable: true };
    const b: ScannedMailbox = { name: "Empty", selectable: true };
    const c: ScannedMailbox = { name: "Other", selectable: true };
    for (const x of [a, b, c]) applySpecialUse(x, m);
    assert.deepEqual([a.specialUse, "specialUse" in b, "specialUse" in c], [SpecialUse.Sent, false, false]);
  });
});

describe("scanners with a special-use map", () => {
  const mRoot = join(tmp.dir, "Maildir");
  maildir(mRoot);
  maildir(join(mRoot, ".Sent"));
  maildir(join(mRoot, ".Entw&APw-rfe"));
  maildir(join(mRoot, ".Archiv.2024"));
  maildir(join(mRoot, ".Other"));
  const fRoot = join(tmp.dir, "fs");
  maildir(fRoot);
  maildir(join(fRoot, "Sent"));
  maildir(join(fRoot, "Entw&APw-rfe"));
  maildir(join(fRoot, "Archiv", "2024"));

  it("Maildir++: the named mailboxes carry the bits, by their decoded names", async () => {
    const boxes = await collect(scanMaildir, mRoot, { specialUse: MAP });
    assert.deepEqual(bits(boxes), {
      INBOX: undefined,
      "Archiv/2024": SpecialUse.Archive | SpecialUse.All,
      "Entwürfe": SpecialUse.Drafts,
      Other: undefined,
      Sent: SpecialUse.Sent,
    });
    assert.ok(!("specialUse" in boxes.find((b) => b.name === "Other")!));
    // Names are full names with the scan's separator.
    const dotted = await collect(scanMaildir, mRoot, { separator: ".", specialUse: { "Archiv.2024": "\\Archive" } });
    assert.equal(dotted.find((b) => b.name === "Archiv.2024")!.specialUse, SpecialUse.Archive);
  });

  it("directory per folder: the same, \\Noselect parents included when named", async () => {
    const boxes = await collect(scanFsLayout, fRoot, { specialUse: { ...MAP, Archiv: "\\Archive", INBOX: "\\Flagged" } });
    assert.deepEqual(bits(boxes), {
      INBOX: SpecialUse.Flagged,
      Archiv: SpecialUse.Archive,
      "Archiv/2024": SpecialUse.Archive | SpecialUse.All,
      "Entwürfe": SpecialUse.Drafts,
      Sent: SpecialUse.Sent,
    });
  });

  it("sharded across workers, the same as one scan", async () => {
    for (const [layout, root] of [["maildir", mRoot], ["fs", fRoot]] as const) {
      const single = await collect(layout === "maildir" ? scanMaildir : scanFsLayout, root, { specialUse: MAP });
      assert.deepEqual(await scanStore(layout, root, { workers: 2, specialUse: MAP }), single, layout);
    }
  });

  it("checks the map before reading anything", async () => {
    const missing = join(tmp.dir, "no-such-store");
    for (const scan of [scanMaildir, scanFsLayout]) {
      await assert.rejects(collect(scan, missing, { specialUse: { Sent: "\\Outbox" } }), RangeError);
    }
    await assert.rejects(scanStore("maildir", missing, { workers: 2, specialUse: { Sent: "\\Outbox" } }), RangeError);
  });
});
