// The sync rules of SPEC §4 (rules 1–11), checked on real indexes in temp
// directories through the public API, plus the file-level behaviour of §2.6
// (growth, compression, directory rewrites) and §5 (readers see commits and
// replaced files). Listings are compared whole: name, UID, hasChildren and
// flags of every mailbox, in the on-disk order (§2.5: depth-first, siblings
// by name hash, then by name bytes).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  decodeOffset,
  InvalidNameError,
  MailboxFlags,
  MailboxListIndex,
  type MailboxStatus,
  nameHash,
  type SyncOptions,
} from "../../mod.ts";
import { decodeAttrHeader, encodeAttrImage, findAttrEntry, isAttrEntryDeleted } from "../../src/format/attr_codec.ts";

const C = MailboxFlags.Children;
const NE = MailboxFlags.NonExistent;
const NS = MailboxFlags.NoSelect;

// ------------------------------------------------------------------ helpers

let root = "";
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "mli-rules-"));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** A fresh directory under this file's temp root. */
function freshDir(): string {
  return fs.mkdtempSync(path.join(root, "t-"));
}

type Row = [name: string, uid: number, hasChildren: boolean, flags: number];

interface Opened {
  index: MailboxListIndex;
  file: string;
  warnings: string[];
}

async function openIndex(
  file: string,
  options: { separator?: string; readonly?: boolean; uidValidity?: number } = {},
): Promise<Opened> {
  const warnings: string[] = [];
  const index = await MailboxListIndex.open(file, {
    separator: options.separator ?? "/",
    uidValidity: options.uidValidity ?? 1_700_000_000,
    readonly: options.readonly,
    onWarning: (m) => warnings.push(m),
  });
  return { index, file, warnings };
}

/** A new index in a fresh directory. */
async function newIndex(separator = "/"): Promise<Opened> {
  return await openIndex(path.join(freshDir(), "mailboxes.mlist"), { separator });
}

/** Run one sync with `names`; returns the UID `add` gave each name. */
async function sync(
  index: MailboxListIndex,
  names: string[],
  options: SyncOptions = {},
  tweak?: (ctx: Awaited<ReturnType<MailboxListIndex["syncBegin"]>>, uids: Map<string, number>) => void,
): Promise<Map<string, number>> {
  const ctx = await index.syncBegin(options);
  const uids = new Map<string, number>();
  try {
    for (const n of names) uids.set(n, ctx.add(n));
    tweak?.(ctx, uids);
  } catch (e) {
    await ctx.rollback();
    throw e;
  }
  await ctx.commit();
  return uids;
}

function listing(index: MailboxListIndex, at = "", depth?: number): Row[] {
  const rows: Row[] = [];
  for (const m of index.iterate(at, depth === undefined ? {} : { depth })) {
    rows.push([m.name, m.uid, m.hasChildren, m.flags]);
  }
  return rows;
}

const utf8 = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Sort rows into the order readers must report (§2.5, §5): depth-first, siblings by (hash, bytes). */
function inDiskOrder(rows: Row[], sep: string): Row[] {
  const cmp = (x: Row, y: Row): number => {
    const a = x[0].split(sep), b = y[0].split(sep);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] === b[i]) continue;
      const ha = nameHash(a[i]), hb = nameHash(b[i]);
      if (ha !== hb) return ha < hb ? -1 : 1;
      return compareBytes(utf8.encode(a[i]), utf8.encode(b[i]));
    }
    return a.length - b.length;
  };
  return [...rows].sort(cmp);
}

function assertListing(index: MailboxListIndex, expected: Row[], sep = "/", message?: string): void {
  assert.deepEqual(listing(index), inDiskOrder(expected, sep), message);
}

async function closeAll(...opened: (Opened | undefined)[]): Promise<void> {
  for (const o of opened) await o?.index.close();
}

function fileBytes(file: string): Uint8Array | undefined {
  return fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : undefined;
}

const status1: MailboxStatus = { messages: 12, unseen: 3, recent: 1, uidValidity: 1234, uidNext: 13 };

// ------------------------------------------------------------------ rule 1

describe("rule 1: names are split at the separator", () => {
  it("splits at '/' and creates each level", async () => {
    const o = await newIndex("/");
    try {
      const uids = await sync(o.index, ["INBOX/Sent", "Archive/2009/Jan"]);
      assert.equal(uids.get("INBOX/Sent"), 2);
      assert.equal(uids.get("Archive/2009/Jan"), 5);
      assertListing(o.index, [
        ["INBOX", 1, true, C | NE],
        ["INBOX/Sent", 2, false, 0],
        ["Archive", 3, true, C | NE],
        ["Archive/2009", 4, true, C | NE],
        ["Archive/2009/Jan", 5, false, 0],
      ]);
      assert.equal(o.index.lookup("Archive/2009"), 4);
    } finally {
      await closeAll(o);
    }
  });

  it("skips empty components: 'a//b' is a → b, '/lead' is lead", async () => {
    const o = await newIndex("/");
    try {
      const uids = await sync(o.index, ["a//b", "/lead", "//x///y//"], { recursive: true });
      assert.equal(uids.get("a//b"), 2);
      assert.equal(uids.get("/lead"), 3);
      assertListing(o.index, [
        ["a", 1, true, C | NE],
        ["a/b", 2, false, 0],
        ["lead", 3, false, 0],
        ["x", 4, true, C | NE],
        ["x/y", 5, false, NE],
      ]);
      assert.equal(o.index.lookup("a/b"), 2);
      assert.equal(o.index.lookup("a//b"), 2);
      assert.equal(o.index.lookup("/lead"), 3);
    } finally {
      await closeAll(o);
    }
  });

  it("a trailing separator declares a parent only: NONEXISTENT without CHILDREN", async () => {
    const o = await newIndex("/");
    try {
      const uids = await sync(o.index, ["p/", "q/r/"], { recursive: true });
      assert.equal(uids.get("p/"), 1);
      assertListing(o.index, [
        ["p", 1, false, NE],
        ["q", 2, true, C | NE],
        ["q/r", 3, false, NE],
      ]);
    } finally {
      await closeAll(o);
    }
  });

  it("a trailing-separator declaration does not undo a leaf reported in the same sync", async () => {
    const o = await newIndex("/");
    try {
      await sync(o.index, ["p", "p/"], { recursive: true });
      assertListing(o.index, [["p", 1, false, 0]]);
      await sync(o.index, ["q/", "q"], { recursive: true });
      assertListing(o.index, [["q", 2, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });

  it("works with '.' as separator (Maildir++ style names)", async () => {
    const o = await newIndex(".");
    try {
      await sync(o.index, [
        "INBOX",
        "Sent",
        "Archive..2009",
        "Lists.dovecot.",
        "Lists.linux.kernel",
        ".Leading",
        "A.B.C.D.E",
      ], { recursive: true });
      // The dot-separator golden vector, flags included.
      assertListing(o.index, [
        ["INBOX", 1, false, 0],
        ["Sent", 2, false, 0],
        ["Archive", 3, true, C | NE],
        ["Archive.2009", 4, false, 0],
        ["Lists", 5, true, C | NE],
        ["Lists.dovecot", 6, false, NE],
        ["Lists.linux", 7, true, C | NE],
        ["Lists.linux.kernel", 8, false, 0],
        ["Leading", 9, false, 0],
        ["A", 10, true, C | NE],
        ["A.B", 11, true, C | NE],
        ["A.B.C", 12, true, C | NE],
        ["A.B.C.D", 13, true, C | NE],
        ["A.B.C.D.E", 14, false, 0],
      ], ".");
      // With '.', a '/' is an ordinary byte of a name.
      await sync(o.index, ["x/y"], { partial: true });
      assert.equal(o.index.lookup("x/y"), 15);
      assert.equal(o.index.lookup("x"), undefined);
    } finally {
      await closeAll(o);
    }
  });

  it("keeps the separator chosen at creation when reopened", async () => {
    const o = await newIndex(".");
    let r: Opened | undefined;
    try {
      await sync(o.index, ["a.b"]);
      await o.index.close();
      const warnings: string[] = [];
      const again = await MailboxListIndex.open(o.file, { readonly: true, onWarning: (m) => warnings.push(m) });
      r = { index: again, file: o.file, warnings };
      assert.equal(again.separator, ".");
      assert.deepEqual(listing(again), [["a", 1, true, C | NE], ["a.b", 2, false, 0]]);
    } finally {
      await closeAll(r);
    }
  });
});

// ------------------------------------------------------------------ rule 2

describe("rule 2: new records get next_uid++ in the order the sync meets them", () => {
  it("numbers parents before children, in meeting order, not sort order", async () => {
    const o = await newIndex();
    try {
      const uids = await sync(o.index, ["Zeta/b", "Alpha", "Zeta/a", "Mid/x/y", "Alpha"]);
      assert.deepEqual([...uids], [["Zeta/b", 2], ["Alpha", 3], ["Zeta/a", 4], ["Mid/x/y", 7]]);
      assertListing(o.index, [
        ["Zeta", 1, true, C | NE],
        ["Zeta/b", 2, false, 0],
        ["Alpha", 3, false, 0],
        ["Zeta/a", 4, false, 0],
        ["Mid", 5, true, C | NE],
        ["Mid/x", 6, true, C | NE],
        ["Mid/x/y", 7, false, 0],
      ]);
      assert.equal(o.index.header.nextUid, 8);
    } finally {
      await closeAll(o);
    }
  });

  it("continues from next_uid in later syncs; existing names keep their UIDs", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["A", "B"]);
      const uids = await sync(o.index, ["B", "C/d", "A"]);
      assert.deepEqual([...uids], [["B", 2], ["C/d", 4], ["A", 1]]);
      assert.equal(o.index.lookup("C"), 3);
      assert.equal(o.index.header.nextUid, 5);
    } finally {
      await closeAll(o);
    }
  });

  it("a deleted name that comes back gets a new UID; UIDs are never reused", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["Zeta/b", "Alpha", "Zeta/a", "Mid/x/y"], { recursive: true });
      // Delete Alpha (3) and Mid/x/y (7, the highest UID).
      await sync(o.index, ["Zeta/b", "Zeta/a", "Mid/x"], { recursive: true });
      assert.equal(o.index.lookup("Alpha"), undefined);
      assert.equal(o.index.lookup("Mid/x/y"), undefined);
      assert.equal(o.index.header.nextUid, 8);
      const uids = await sync(o.index, ["Zeta/b", "Zeta/a", "Mid/x/y", "Alpha"], { recursive: true });
      assert.equal(uids.get("Mid/x/y"), 8);
      assert.equal(uids.get("Alpha"), 9);
      assertListing(o.index, [
        ["Zeta", 1, true, C | NE],
        ["Zeta/b", 2, false, 0],
        ["Zeta/a", 4, false, 0],
        ["Mid", 5, true, C | NE],
        ["Mid/x", 6, true, C | NE],
        ["Mid/x/y", 8, false, 0],
        ["Alpha", 9, false, 0],
      ]);
      assert.equal(o.index.header.nextUid, 10);
    } finally {
      await closeAll(o);
    }
  });

  it("a new record is inserted at its sorted position, equal hashes ordered by bytes", async () => {
    const o = await newIndex();
    try {
      assert.equal(nameHash("epdnndzu"), nameHash("ecylwtxz"));
      await sync(o.index, ["epdnndzu", "tcfiejin"]);
      await sync(o.index, ["ecylwtxz", "lwhuxoij", "INBOX"], { partial: true });
      assert.deepEqual(listing(o.index).map((r) => r[0]), inDiskOrder([
        ["epdnndzu", 1, false, 0],
        ["tcfiejin", 2, false, 0],
        ["ecylwtxz", 3, false, 0],
        ["lwhuxoij", 4, false, 0],
        ["INBOX", 5, false, 0],
      ], "/").map((r) => r[0]));
      const names = listing(o.index).map((r) => r[0]);
      assert.ok(names.indexOf("ecylwtxz") === names.indexOf("epdnndzu") - 1, names.join(","));
      assert.equal(o.index.lookup("epdnndzu"), 1);
      assert.equal(o.index.lookup("ecylwtxz"), 3);
      assert.equal(o.index.lookup("lwhuxoij"), 4);
      assert.equal(o.index.lookup("tcfiejin"), 2);
    } finally {
      await closeAll(o);
    }
  });

  it("two writer instances on one index take turns without reusing UIDs", async () => {
    const a = await newIndex();
    let b: Opened | undefined;
    try {
      await sync(a.index, ["one"], { recursive: true });
      b = await openIndex(a.file);
      await sync(a.index, ["two"], { partial: true });
      const fromB = await sync(b.index, ["three"], { partial: true });
      assert.equal(fromB.get("three"), 3);
      const fromA = await sync(a.index, ["four"], { partial: true });
      assert.equal(fromA.get("four"), 4);
      // A compression by one instance, then a sync by the other.
      const many: string[] = [];
      for (let i = 0; i < 80; i++) many.push(`m${i}`);
      await sync(a.index, many, { partial: true });
      const ctx = await a.index.syncBegin({ recursive: true });
      for (const n of ["one", "two", "three", "four", "m0"]) ctx.add(n);
      ctx.add("five");
      assert.equal((await ctx.commit()).compressed, true);
      const again = await sync(b.index, ["six"], { partial: true });
      assert.equal(again.get("six"), 86);
      const expected: Row[] = [
        ["one", 1, false, 0],
        ["two", 2, false, 0],
        ["three", 3, false, 0],
        ["four", 4, false, 0],
        ["m0", 5, false, 0],
        ["five", 85, false, 0],
        ["six", 86, false, 0],
      ];
      assertListing(a.index, expected);
      assertListing(b.index, expected);
    } finally {
      await closeAll(a, b);
    }
  });

  it("a name reported twice in one sync gets one record", async () => {
    const o = await newIndex();
    try {
      const ctx = await o.index.syncBegin({ recursive: true });
      assert.equal(ctx.add("a/b"), 2);
      assert.equal(ctx.add("a/b"), 2);
      assert.equal(ctx.add("a"), 1);
      assert.equal(ctx.add("/a//b/"), 2);
      await ctx.commit();
      assertListing(o.index, [["a", 1, true, C], ["a/b", 2, false, 0]]);
      assert.equal(o.index.header.nextUid, 3);
    } finally {
      await closeAll(o);
    }
  });
});

// ------------------------------------------------------------------ rule 3

describe("rule 3: a reported name is a leaf, whatever the order", () => {
  it("child first, then its parent: the parent is a real mailbox", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["P/c", "P"], { recursive: true });
      assertListing(o.index, [["P", 1, true, C], ["P/c", 2, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });

  it("parent first, then its child", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["P", "P/c"], { recursive: true });
      assertListing(o.index, [["P", 1, true, C], ["P/c", 2, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });

  it("several levels reported deepest first", async () => {
    const o = await newIndex();
    try {
      const uids = await sync(o.index, ["a/b/c", "a", "x/y", "a/b"], { recursive: true });
      assert.equal(uids.get("a"), 1);
      assert.equal(uids.get("a/b"), 2);
      assertListing(o.index, [
        ["a", 1, true, C],
        ["a/b", 2, true, C],
        ["a/b/c", 3, false, 0],
        ["x", 4, true, C | NE],
        ["x/y", 5, false, 0],
      ]);
    } finally {
      await closeAll(o);
    }
  });

  it("a leaf reported in a partial sync clears NONEXISTENT of an existing record", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["Q/r"]);
      assert.equal(o.index.flags("Q"), C | NE);
      await sync(o.index, ["Q"], { partial: true });
      assertListing(o.index, [["Q", 1, true, C], ["Q/r", 2, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });
});

// ------------------------------------------------------------------ rule 4

describe("rule 4: parents get CHILDREN, and NONEXISTENT when not reported", () => {
  it("auto-created parents get CHILDREN|NONEXISTENT = 9", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["a/b/c"]);
      assertListing(o.index, [["a", 1, true, 9], ["a/b", 2, true, 9], ["a/b/c", 3, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });

  it("a full sync that reports an existing mailbox only as a parent marks it NONEXISTENT", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["X", "X/y", "Q/R", "Q/R/s"], { recursive: true });
      assertListing(o.index, [
        ["X", 1, true, C],
        ["X/y", 2, false, 0],
        ["Q", 3, true, C | NE],
        ["Q/R", 4, true, C],
        ["Q/R/s", 5, false, 0],
      ]);
      // Full, non-recursive: only the root directory is checked; Q/R lives deeper.
      await sync(o.index, ["X/y", "Q/R/s"]);
      assertListing(o.index, [
        ["X", 1, true, C | NE],
        ["X/y", 2, false, 0],
        ["Q", 3, true, C | NE],
        ["Q/R", 4, true, C],
        ["Q/R/s", 5, false, 0],
      ]);
      // Full and recursive: Q/R's directory is checked too.
      await sync(o.index, ["X/y", "Q/R/s"], { recursive: true });
      assertListing(o.index, [
        ["X", 1, true, C | NE],
        ["X/y", 2, false, 0],
        ["Q", 3, true, C | NE],
        ["Q/R", 4, true, C | NE],
        ["Q/R/s", 5, false, 0],
      ]);
    } finally {
      await closeAll(o);
    }
  });

  it("a partial sync never sets NONEXISTENT on an existing record", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["INBOX", "Travel"], { recursive: true });
      await sync(o.index, ["INBOX/Trash", "Travel/2009/Rome"], { partial: true, recursive: true });
      assertListing(o.index, [
        ["INBOX", 1, true, C],
        ["Travel", 2, true, C],
        ["INBOX/Trash", 3, false, 0],
        ["Travel/2009", 4, true, C | NE],
        ["Travel/2009/Rome", 5, false, 0],
      ]);
      // Non-recursive partial, same.
      await sync(o.index, ["INBOX/Trash/Old"], { partial: true });
      assert.equal(o.index.flags("INBOX"), C);
      assert.equal(o.index.flags("INBOX/Trash"), C);
    } finally {
      await closeAll(o);
    }
  });

  it("a partial sync creating new parents marks them NONEXISTENT", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["INBOX"]);
      await sync(o.index, ["New/sub/box"], { partial: true });
      assertListing(o.index, [
        ["INBOX", 1, false, 0],
        ["New", 2, true, C | NE],
        ["New/sub", 3, true, C | NE],
        ["New/sub/box", 4, false, 0],
      ]);
    } finally {
      await closeAll(o);
    }
  });
});

// ------------------------------------------------------------------ rule 5

describe("rule 5: a partial sync removes nothing", () => {
  it("keeps every unreported record, UIDs and flags unchanged", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["a", "b/c", "d", "d/e/f"], { recursive: true }, (ctx, uids) => {
        ctx.setFlags(uids.get("a")!, NS);
      });
      const before = listing(o.index);
      await sync(o.index, ["g"], { partial: true, recursive: true });
      assertListing(o.index, [...before, ["g", 7, false, 0]]);
      await sync(o.index, ["b/x"], { partial: true, path: "b" });
      assertListing(o.index, [...before, ["g", 7, false, 0], ["b/x", 8, false, 0]]);
      await sync(o.index, [], { partial: true, recursive: true });
      assert.equal(listing(o.index).length, before.length + 2);
    } finally {
      await closeAll(o);
    }
  });
});

// ------------------------------------------------------------------ rule 6

describe("rule 6: a full sync deletes what it did not see", () => {
  it("non-recursive: only the sync path's own directory is checked", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["A", "A/x", "A/y", "B", "B/z", "C", "D/e/f"], { recursive: true });
      await sync(o.index, ["A", "A/x", "B"]);
      // The nonrecursive-delete golden vector: C and D's subtree go, A/y and B/z stay.
      assertListing(o.index, [
        ["A", 1, true, C],
        ["A/x", 2, false, 0],
        ["A/y", 3, false, 0],
        ["B", 4, true, C],
        ["B/z", 5, false, 0],
      ]);
      assert.equal(o.index.lookup("D/e/f"), undefined);
      assert.equal(o.index.lookup("D"), undefined);
    } finally {
      await closeAll(o);
    }
  });

  it("recursive: whole unseen subtrees are deleted at every level", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["A/x/deep", "A/x/deeper/still", "A/y", "B", "B/c"], { recursive: true });
      await sync(o.index, ["A/y"], { recursive: true });
      assertListing(o.index, [["A", 1, true, C | NE], ["A/y", 6, false, 0]]);
      for (const gone of ["A/x", "A/x/deep", "A/x/deeper", "A/x/deeper/still", "B", "B/c"]) {
        assert.equal(o.index.lookup(gone), undefined, gone);
      }
    } finally {
      await closeAll(o);
    }
  });

  it("recursive: the children of a reported leaf that was never descended into are deleted", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["P/child"], { recursive: true });
      assertListing(o.index, [["P", 1, true, C | NE], ["P/child", 2, false, 0]]);
      await sync(o.index, ["P", "P/child"], { recursive: true });
      assertListing(o.index, [["P", 1, true, C], ["P/child", 2, false, 0]]);
      await sync(o.index, ["P"], { recursive: true });
      assertListing(o.index, [["P", 1, false, 0]]);
      assert.equal(o.index.lookup("P/child"), undefined);
      await sync(o.index, ["P", "P/child"], { recursive: true });
      assertListing(o.index, [["P", 1, true, C], ["P/child", 3, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });

  it("the attributes of deleted UIDs are removed; a re-added name starts with flags 0", async () => {
    const o = await newIndex();
    try {
      const first = await sync(o.index, ["T/sub", "T", "U"], { recursive: true }, (ctx, uids) => {
        ctx.setFlags(uids.get("T")!, C | NS);
        ctx.setFlags(uids.get("T/sub")!, NS);
        ctx.setStatus("T", status1);
      });
      const tUid = first.get("T")!, subUid = first.get("T/sub")!;
      assert.equal(o.index.flags("T"), C | NS);
      assert.deepEqual(o.index.status("T"), status1);
      await sync(o.index, ["U"], { recursive: true });
      assert.equal(o.index.flags("T"), undefined);
      assert.equal(o.index.status("T"), undefined);
      // The attribute file keeps no live entry for the deleted UIDs.
      const attr = new Uint8Array(fs.readFileSync(`${o.file}.attr`));
      const h = decodeAttrHeader(attr, attr.length, `${o.file}.attr`);
      assert.equal(h.live, 1);
      const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
      for (const uid of [tUid, subUid]) {
        const pos = findAttrEntry(dv, h.count, uid);
        assert.ok(pos < 0 || isAttrEntryDeleted(dv, pos), `uid ${uid} still has a live attribute entry`);
      }
      const again = await sync(o.index, ["U", "T/sub"], { recursive: true });
      assert.equal(again.get("T/sub"), 5);
      assertListing(o.index, [["U", 3, false, 0], ["T", 4, true, C | NE], ["T/sub", 5, false, 0]]);
      assert.equal(o.index.status("T"), undefined);
    } finally {
      await closeAll(o);
    }
  });

  it("an empty full sync empties the index", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["a/b", "c"], { recursive: true });
      await sync(o.index, [], { recursive: true });
      assertListing(o.index, []);
      assert.equal(o.index.lookup("a"), undefined);
      assert.equal(o.index.header.nextUid, 4);
    } finally {
      await closeAll(o);
    }
  });
});

// ------------------------------------------------------------------ rule 7

describe("rule 7: a path sync concerns only the subtree under the path", () => {
  const setup = ["INBOX", "Archive", "Archive/2008", "Archive/2008/Jan", "Archive/2009", "Archive/2009/Mar", "Other", "Other/x"];

  async function prepared(): Promise<Opened> {
    const o = await newIndex();
    await sync(o.index, setup, { recursive: true }, (ctx, uids) => {
      ctx.setFlags(uids.get("Archive")!, C | NS);
      ctx.setStatus("Archive", status1);
      ctx.setFlags(uids.get("Other")!, C | NS);
    });
    return o;
  }

  const before: Row[] = [
    ["INBOX", 1, false, 0],
    ["Archive", 2, true, C | NS],
    ["Archive/2008", 3, true, C],
    ["Archive/2008/Jan", 4, false, 0],
    ["Archive/2009", 5, true, C],
    ["Archive/2009/Mar", 6, false, 0],
    ["Other", 7, true, C | NS],
    ["Other/x", 8, false, 0],
  ];

  it("recursive path sync: add takes full names; outside records and the path's own flags are unchanged", async () => {
    const o = await prepared();
    try {
      assertListing(o.index, before);
      const ctx = await o.index.syncBegin({ path: "Archive", recursive: true });
      assert.equal(ctx.add("Archive/2009"), 5);
      assert.equal(ctx.add("Archive/2009/Apr"), 9);
      assert.equal(ctx.add("Archive/2010"), 10);
      await ctx.commit();
      // The subtree-path golden vector (expected listing), with Archive's own flags kept.
      assertListing(o.index, [
        ["INBOX", 1, false, 0],
        ["Archive", 2, true, C | NS],
        ["Archive/2009", 5, true, C],
        ["Archive/2009/Apr", 9, false, 0],
        ["Archive/2010", 10, false, 0],
        ["Other", 7, true, C | NS],
        ["Other/x", 8, false, 0],
      ]);
      assert.deepEqual(o.index.status("Archive"), status1);
    } finally {
      await closeAll(o);
    }
  });

  it("a name outside the path throws InvalidNameError and the sync goes on", async () => {
    const o = await prepared();
    try {
      const ctx = await o.index.syncBegin({ path: "Archive", recursive: true });
      ctx.add("Archive/2009/Mar");
      for (const outside of ["Other/y", "INBOX", "Archiv", "ArchiveX", "ArchiveX/2009", "archive/2009", "New"]) {
        assert.throws(() => ctx.add(outside), (e: unknown) => {
          assert.ok(e instanceof InvalidNameError, `${outside}: ${e}`);
          assert.equal(e.mailbox, outside);
          return true;
        });
      }
      assert.equal(ctx.add("/Archive//2011/"), 9);
      ctx.add("Archive/2008/Jan");
      await ctx.commit();
      assertListing(o.index, [
        ["INBOX", 1, false, 0],
        ["Archive", 2, true, C | NS],
        ["Archive/2008", 3, true, C | NE],
        ["Archive/2008/Jan", 4, false, 0],
        ["Archive/2009", 5, true, C | NE],
        ["Archive/2009/Mar", 6, false, 0],
        ["Archive/2011", 9, false, NE],
        ["Other", 7, true, C | NS],
        ["Other/x", 8, false, 0],
      ]);
      assert.equal(o.index.lookup("Other/y"), undefined);
      assert.equal(o.index.lookup("New"), undefined);
      assert.equal(o.index.header.nextUid, 10);
    } finally {
      await closeAll(o);
    }
  });

  it("reporting the path itself is allowed and leaves its record and flags as they were", async () => {
    const o = await prepared();
    try {
      const ctx = await o.index.syncBegin({ path: "Archive", recursive: true });
      assert.equal(ctx.add("Archive"), 2);
      ctx.add("Archive/2008/Jan");
      ctx.add("Archive/2009/Mar");
      await ctx.commit();
      assertListing(o.index, before.map((r): Row => {
        if (r[0] === "Archive/2008" || r[0] === "Archive/2009") return [r[0], r[1], r[2], C | NE];
        return r;
      }));
    } finally {
      await closeAll(o);
    }
  });

  it("non-recursive path sync: only the path's own directory is checked", async () => {
    const o = await prepared();
    try {
      await sync(o.index, ["Archive/2009"], { path: "Archive" });
      assertListing(o.index, [
        ["INBOX", 1, false, 0],
        ["Archive", 2, true, C | NS],
        ["Archive/2009", 5, true, C],
        ["Archive/2009/Mar", 6, false, 0],
        ["Other", 7, true, C | NS],
        ["Other/x", 8, false, 0],
      ]);
    } finally {
      await closeAll(o);
    }
  });

  it("non-recursive path sync: a child of the path reported only as a parent becomes NONEXISTENT", async () => {
    const o = await prepared();
    try {
      await sync(o.index, ["Archive/2009/Mar"], { path: "Archive" });
      assertListing(o.index, [
        ["INBOX", 1, false, 0],
        ["Archive", 2, true, C | NS],
        ["Archive/2009", 5, true, C | NE],
        ["Archive/2009/Mar", 6, false, 0],
        ["Other", 7, true, C | NS],
        ["Other/x", 8, false, 0],
      ]);
    } finally {
      await closeAll(o);
    }
  });

  it("a deeper path: only that subtree changes", async () => {
    const o = await prepared();
    try {
      await sync(o.index, ["Archive/2009/Apr"], { path: "Archive/2009", recursive: true });
      assertListing(o.index, [
        ["INBOX", 1, false, 0],
        ["Archive", 2, true, C | NS],
        ["Archive/2008", 3, true, C],
        ["Archive/2008/Jan", 4, false, 0],
        ["Archive/2009", 5, true, C],
        ["Archive/2009/Apr", 9, false, 0],
        ["Other", 7, true, C | NS],
        ["Other/x", 8, false, 0],
      ]);
    } finally {
      await closeAll(o);
    }
  });

  it("a path that is not in the index yet is created like any parent", async () => {
    const o = await prepared();
    try {
      await sync(o.index, ["New/a"], { path: "New", recursive: true });
      assertListing(o.index, [...before, ["New", 9, true, C | NE], ["New/a", 10, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });
});

// ------------------------------------------------------------------ rule 8

describe("rule 8: a parent left without live children loses CHILDREN", () => {
  it("a reported parent whose only child was deleted", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["P", "P/c"], { recursive: true });
      assert.equal(o.index.flags("P"), C);
      await sync(o.index, ["P"], { recursive: true });
      assertListing(o.index, [["P", 1, false, 0]]);
      assert.deepEqual([...o.index.iterate("P")], []);
    } finally {
      await closeAll(o);
    }
  });

  it("a deeper parent loses CHILDREN, its own parent keeps it", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["A/B/c", "A/B/d", "A/e"], { recursive: true });
      await sync(o.index, ["A/B", "A/e"], { recursive: true });
      assertListing(o.index, [["A", 1, true, C | NE], ["A/B", 2, false, 0], ["A/e", 5, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });

  it("a parent keeps CHILDREN while one child is left", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["P", "P/a", "P/b"], { recursive: true });
      await sync(o.index, ["P", "P/b"], { recursive: true });
      assertListing(o.index, [["P", 1, true, C], ["P/b", 3, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });

  it("after a path sync deletes all children of the path, the path has no children", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["M", "M/a", "M/b/c", "Z"], { recursive: true });
      await sync(o.index, [], { path: "M", recursive: true });
      const rows = listing(o.index);
      assert.deepEqual(rows.map((r) => [r[0], r[1], r[2]]), inDiskOrder([["M", 1, false, 0], ["Z", 5, false, 0]], "/").map((r) => [r[0], r[1], r[2]]));
    } finally {
      await closeAll(o);
    }
  });
});

// ------------------------------------------------------------------ rule 9

describe("rule 9: reporting an existing NONEXISTENT parent keeps its UID", () => {
  it("in a full sync", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["P/c"], { recursive: true });
      assertListing(o.index, [["P", 1, true, C | NE], ["P/c", 2, false, 0]]);
      const uids = await sync(o.index, ["P/c", "P"], { recursive: true });
      assert.equal(uids.get("P"), 1);
      assertListing(o.index, [["P", 1, true, C], ["P/c", 2, false, 0]]);
      assert.equal(o.index.header.nextUid, 3);
    } finally {
      await closeAll(o);
    }
  });

  it("in a partial sync", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["P/q/c"], { recursive: true });
      const uids = await sync(o.index, ["P/q"], { partial: true });
      assert.equal(uids.get("P/q"), 2);
      assertListing(o.index, [["P", 1, true, C | NE], ["P/q", 2, true, C], ["P/q/c", 3, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });

  it("in a non-recursive full sync with '.' as separator", async () => {
    const o = await newIndex(".");
    try {
      await sync(o.index, ["P.c"], { recursive: true });
      await sync(o.index, ["P"]);
      assertListing(o.index, [["P", 1, true, C], ["P.c", 2, false, 0]], ".");
    } finally {
      await closeAll(o);
    }
  });
});

// ------------------------------------------------------------------ rule 10

describe("rule 10: an attribute file of another uid_validity is reset by the next sync", () => {
  const names = ["INBOX", "INBOX/Sent", "Archive/2009", "Work"];

  async function prepared(): Promise<{ o: Opened; rows: Row[] }> {
    const o = await openIndex(path.join(freshDir(), "mailboxes.mlist"), { uidValidity: 1_600_000_000 });
    await sync(o.index, names, { recursive: true }, (ctx, uids) => {
      ctx.setFlags(uids.get("Work")!, NS);
      ctx.setStatus("INBOX", status1);
    });
    const rows = listing(o.index);
    assert.deepEqual(rows, inDiskOrder([
      ["INBOX", 1, true, C],
      ["INBOX/Sent", 2, false, 0],
      ["Archive", 3, true, C | NE],
      ["Archive/2009", 4, false, 0],
      ["Work", 5, false, NS],
    ], "/"));
    await o.index.close();
    return { o, rows };
  }

  async function checkReset(o: Opened, uidsBefore: Row[]): Promise<void> {
    const again = await openIndex(o.file);
    let reader: Opened | undefined;
    try {
      const ctx = await again.index.syncBegin({ recursive: true });
      for (const n of names) ctx.add(n);
      await ctx.commit();
      assert.ok(again.warnings.length >= 1, "no warning about the attribute file");
      assert.ok(again.warnings.some((w) => /attr/i.test(w)), `warnings: ${again.warnings.join(" | ")}`);
      // UIDs kept; attributes rebuilt by the sync's own rules (the NoSelect and STATUS are gone).
      assertListing(again.index, [
        ["INBOX", 1, true, C],
        ["INBOX/Sent", 2, false, 0],
        ["Archive", 3, true, C | NE],
        ["Archive/2009", 4, false, 0],
        ["Work", 5, false, 0],
      ]);
      assert.deepEqual(listing(again.index).map((r) => [r[0], r[1]]), uidsBefore.map((r) => [r[0], r[1]]));
      assert.equal(again.index.status("INBOX"), undefined);
      const list = fs.readFileSync(o.file), attr = fs.readFileSync(`${o.file}.attr`);
      assert.equal(attr.readUInt32LE(12), list.readUInt32LE(12), "attribute file uid_validity");
      // A fresh reader sees the same, without complaint.
      reader = await openIndex(o.file, { readonly: true });
      assert.deepEqual(listing(reader.index), listing(again.index));
      assert.deepEqual(reader.warnings, []);
    } finally {
      await closeAll(again, reader);
    }
  }

  it("attribute file with a different uid_validity", async () => {
    const { o, rows } = await prepared();
    // Same UIDs, wrong flags everywhere, another uid_validity.
    const uids = new Uint32Array([1, 2, 3, 4, 5]);
    const flags = new Uint8Array([NS | NE, NS | NE, NS, NS, NS | NE]);
    fs.writeFileSync(`${o.file}.attr`, encodeAttrImage(1_600_000_001, 1, 6, { uids, flags, count: 5 }, 0x2f));
    // A reader must not combine the two files into wrong flags.
    const reader = await openIndex(o.file, { readonly: true });
    try {
      for (const m of reader.index.iterate()) {
        assert.equal(m.flags & NS, 0, `${m.name} shows flags ${m.flags} of a foreign attribute file`);
      }
    } finally {
      await closeAll(reader);
    }
    await checkReset(o, rows);
  });

  it("corrupt attribute file", async () => {
    const { o, rows } = await prepared();
    const bad = new Uint8Array(fs.readFileSync(`${o.file}.attr`));
    for (let i = 0; i < bad.length; i += 7) bad[i] ^= 0x5a;
    fs.writeFileSync(`${o.file}.attr`, bad);
    await checkReset(o, rows);
  });

  it("missing attribute file", async () => {
    const { o, rows } = await prepared();
    fs.unlinkSync(`${o.file}.attr`);
    await checkReset(o, rows);
  });
});

// ------------------------------------------------------------------ rule 11

describe("rule 11: the whole sync becomes visible or none of it", () => {
  it("an invalid name is rejected, the other names of the sync commit", async () => {
    const o = await newIndex();
    try {
      const ctx = await o.index.syncBegin({ recursive: true });
      ctx.add("ok1");
      assert.throws(() => ctx.add("bad\0name"), InvalidNameError);
      assert.throws(() => ctx.add(""), InvalidNameError);
      ctx.add("ok2/sub");
      await ctx.commit();
      assertListing(o.index, [["ok1", 1, false, 0], ["ok2", 2, true, C | NE], ["ok2/sub", 3, false, 0]]);
    } finally {
      await closeAll(o);
    }
  });

  it("rollback writes nothing: the files' bytes are unchanged", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["a", "b/c", "d"], { recursive: true }, (ctx) => ctx.setStatus("a", status1));
      const files = [o.file, `${o.file}.attr`, `${o.file}.journal`];
      const bytesBefore = files.map(fileBytes);
      const rows = listing(o.index);
      const ctx = await o.index.syncBegin({ recursive: true });
      ctx.add("b/c/new");
      ctx.add("e/f");
      ctx.setFlags(ctx.add("a"), NS);
      ctx.setStatus("d", status1);
      await ctx.rollback();
      assert.deepEqual(files.map(fileBytes), bytesBefore);
      assert.equal(fs.existsSync(`${o.file}.lock`), false, "lock left behind");
      assert.deepEqual(listing(o.index), rows);
      // The index is usable afterwards.
      await sync(o.index, ["a", "b/c", "d", "z"], { recursive: true });
      assert.equal(o.index.lookup("z"), 5);
      assert.equal(o.index.lookup("e"), undefined);
    } finally {
      await closeAll(o);
    }
  });

  it("a second instance sees the old state until the commit, then the new one", async () => {
    const o = await newIndex();
    let r: Opened | undefined;
    try {
      await sync(o.index, ["a", "b/c"], { recursive: true });
      r = await openIndex(o.file, { readonly: true });
      const oldRows = listing(o.index);
      assert.deepEqual(listing(r.index), oldRows);
      const ctx = await o.index.syncBegin({ recursive: true });
      ctx.add("b/c");
      ctx.add("x/y/z");
      assert.deepEqual(listing(r.index), oldRows);
      assert.equal(r.index.lookup("x/y/z"), undefined);
      await ctx.commit();
      const newRows = listing(o.index);
      assert.notDeepEqual(newRows, oldRows);
      assert.deepEqual(listing(r.index), newRows);
      assert.deepEqual(r.index.header, o.index.header);
      assert.equal(r.index.lookup("x/y/z"), 6);
      assert.equal(r.index.lookup("a"), undefined);
    } finally {
      await closeAll(o, r);
    }
  });
});

// ------------------------------------------------------------------ file layout (§2.6) and readers (§5)

/** The size §2.6 says a file grows to when it must cover `need` bytes. */
function specGrownSize(need: number): number {
  const size = Math.floor((need + Math.max(Math.floor(need / 100) * 10, 512)) / 512) * 512;
  return size >= need ? size : Math.ceil(need / 512) * 512;
}

describe("§2.6 growth, compression and directory rewrites", () => {
  it("the list file size is a multiple of 512 and grows in ~10% steps", async () => {
    const o = await newIndex();
    try {
      let prev = fs.statSync(o.file).size;
      let grew = 0;
      for (let batch = 0; batch < 30; batch++) {
        const names: string[] = [];
        for (let i = 0; i < 60; i++) names.push(`Group${batch % 7}/box-${batch}-${i}`);
        await sync(o.index, names, { partial: true });
        const size = fs.statSync(o.file).size;
        const used = o.index.header.usedSpace;
        assert.equal(size % 512, 0, `size ${size} after batch ${batch}`);
        assert.ok(size >= used, `size ${size} < used ${used}`);
        if (size !== prev) {
          assert.equal(size, specGrownSize(used), `grown from ${prev} for used ${used}`);
          assert.ok(size - used <= Math.max(used * 0.1, 512) + 1, `grew too much: ${size} for ${used}`);
          grew++;
        }
        prev = size;
      }
      assert.ok(grew >= 3, `the file grew only ${grew} times`);
    } finally {
      await closeAll(o);
    }
  });

  it("compresses when deleted space reaches 10%: file_seq+1, deleted_space 0, UIDs and listing kept", async () => {
    const o = await newIndex();
    let r: Opened | undefined;
    try {
      const all: string[] = [];
      for (let i = 0; i < 60; i++) all.push(`Folder${String(i).padStart(3, "0")}`);
      await sync(o.index, all, { recursive: true });
      assert.equal(o.index.header.fileSeq, 1);
      r = await openIndex(o.file, { readonly: true });
      const inoBefore = fs.statSync(o.file).ino;
      const kept = all.filter((_, i) => i % 2 === 0);
      const ctx = await o.index.syncBegin({ recursive: true });
      for (const n of kept) ctx.add(n);
      ctx.add("Brand/New");
      const result = await ctx.commit();
      assert.equal(result.compressed, true);
      const h = o.index.header;
      assert.equal(h.fileSeq, 2);
      assert.equal(h.deletedSpace, 0);
      assert.equal(h.nextUid, 63);
      const expected: Row[] = kept.map((n) => [n, all.indexOf(n) + 1, false, 0] as Row);
      expected.push(["Brand", 61, true, C | NE], ["Brand/New", 62, false, 0]);
      assertListing(o.index, expected);
      const size = fs.statSync(o.file).size;
      assert.equal(size % 512, 0);
      assert.ok(size >= h.usedSpace);
      assert.notEqual(fs.statSync(o.file).ino, inoBefore, "compression writes a new file");
      // Every directory and name written once: root + Brand's directory.
      const rootSize = 12 + 16 * 31 + kept.reduce((s, n) => s + n.length + 1, 0) + "Brand".length + 1;
      const align = (n: number) => (n + 3) & ~3;
      assert.equal(h.usedSpace, align(28 + rootSize) + 12 + 16 + "New".length + 1);
      // The reader opened before sees the replaced file.
      assert.deepEqual(listing(r.index), listing(o.index));
      assert.equal(r.index.header.fileSeq, 2);
    } finally {
      await closeAll(o, r);
    }
  });

  it("compression carries flags and STATUS over", async () => {
    const o = await newIndex();
    try {
      const all: string[] = [];
      for (let i = 0; i < 60; i++) all.push(`Folder${String(i).padStart(3, "0")}`);
      await sync(o.index, all, { recursive: true }, (ctx, uids) => {
        ctx.setFlags(uids.get("Folder010")!, NS);
        ctx.setStatus("Folder010", status1);
        ctx.setStatus("Folder012", { ...status1, messages: 99 });
      });
      const ctx = await o.index.syncBegin({ recursive: true });
      for (const n of all.slice(0, 20)) ctx.add(n);
      ctx.add("Brand/New");
      ctx.setStatus("Brand/New", { ...status1, unseen: 0 });
      assert.equal((await ctx.commit()).compressed, true);
      assert.equal(o.index.flags("Folder010"), NS);
      assert.deepEqual(o.index.status("Folder010"), status1);
      assert.deepEqual(o.index.status("Folder012"), { ...status1, messages: 99 });
      assert.deepEqual(o.index.status("Brand/New"), { ...status1, unseen: 0 });
      assert.equal(o.index.flags("Brand"), C | NE);
      assert.equal(o.index.status("Folder011"), undefined);
      const r = await openIndex(o.file, { readonly: true });
      try {
        assert.deepEqual(listing(r.index), listing(o.index));
        assert.deepEqual(r.index.status("Folder010"), status1);
        assert.deepEqual(r.warnings, []);
      } finally {
        await closeAll(r);
      }
    } finally {
      await closeAll(o);
    }
  });

  it("no compression below 10% deleted space, nor below 1024 bytes used", async () => {
    const o = await newIndex();
    try {
      const big: string[] = [];
      for (let i = 0; i < 60; i++) big.push(`Big/mailbox-${i}`);
      await sync(o.index, [...big, "Small/a"], { recursive: true });
      await sync(o.index, ["Small/b"], { partial: true });
      let h = o.index.header;
      assert.equal(h.fileSeq, 1);
      assert.ok(h.deletedSpace > 0 && h.deletedSpace < h.usedSpace / 10, JSON.stringify(h));
      // Small file with lots of garbage: no compression under 1024 bytes used.
      const s = await newIndex();
      try {
        await sync(s.index, ["INBOX", "INBOX/Sent", "Work"], { recursive: true });
        await sync(s.index, ["INBOX", "INBOX/Sent", "Work", "News"], { recursive: true });
        h = s.index.header;
        assert.ok(h.usedSpace < 1024 && h.deletedSpace >= h.usedSpace / 10, JSON.stringify(h));
        assert.equal(h.fileSeq, 1);
      } finally {
        await closeAll(s);
      }
    } finally {
      await closeAll(o);
    }
  });

  it("a rewritten directory keeps the old records' name offsets and stores only new names", async () => {
    const o = await newIndex();
    try {
      await sync(o.index, ["a", "bb", "ccc"], { recursive: true });
      const h1 = o.index.header;
      assert.equal(h1.usedSpace, 28 + 12 + 3 * 16 + 2 + 3 + 4);
      await sync(o.index, ["a", "bb", "ccc", "dddd"], { recursive: true });
      const h2 = o.index.header;
      const newRoot = (h1.usedSpace + 3) & ~3;
      assert.equal(h2.usedSpace, newRoot + 12 + 4 * 16 + "dddd".length + 1);
      assert.equal(h2.deletedSpace, h1.deletedSpace + 12 + (12 + 3 * 16 + 9), "the old copy is garbage");
      const b = fs.readFileSync(o.file);
      assert.equal(decodeOffset(b.readUInt32LE(28)), newRoot, "root's next_offset");
      assert.equal(b.readUInt32LE(newRoot + 8), 4);
      const names = new Map<string, number>();
      for (let i = 0; i < 4; i++) {
        const rec = newRoot + 12 + 16 * i;
        const off = b.readUInt32LE(rec + 8);
        const end = b.indexOf(0, off);
        names.set(b.subarray(off, end).toString("utf8"), off);
      }
      for (const n of ["a", "bb", "ccc"]) {
        const off = names.get(n)!;
        assert.ok(off >= 28 + 12 + 48 && off < h1.usedSpace, `${n} at ${off} is not the old copy's name`);
      }
      assert.equal(names.get("dddd"), newRoot + 12 + 4 * 16);
    } finally {
      await closeAll(o);
    }
  });
});

describe("§5 readers opened before a commit see the new state", () => {
  it("a commit that changes only flags and STATUS", async () => {
    const o = await newIndex();
    let r: Opened | undefined;
    try {
      const first = await sync(o.index, ["a", "b/c"], { recursive: true });
      r = await openIndex(o.file, { readonly: true });
      assert.equal(r.index.flags("a"), 0);
      const listBytes = fileBytes(o.file);
      await sync(o.index, ["a", "b/c"], { recursive: true }, (ctx) => {
        ctx.setFlags(first.get("a")!, NS);
        ctx.setStatus("b/c", status1);
      });
      assert.deepEqual(fileBytes(o.file), listBytes, "only the attribute file changes");
      assert.equal(r.index.flags("a"), NS);
      assert.deepEqual(r.index.status("b/c"), status1);
      assert.deepEqual(listing(r.index), listing(o.index));
    } finally {
      await closeAll(o, r);
    }
  });


  it("after in-place commits and after a compression replaced the file", async () => {
    const o = await newIndex();
    let r: Opened | undefined;
    try {
      const names: string[] = [];
      for (let i = 0; i < 80; i++) names.push(`Box${i}/Sub${i % 3}`);
      await sync(o.index, names.slice(0, 40), { recursive: true });
      r = await openIndex(o.file, { readonly: true });
      assert.deepEqual(listing(r.index), listing(o.index));
      await sync(o.index, names, { recursive: true });
      assert.deepEqual(listing(r.index), listing(o.index));
      assert.equal(r.index.lookup("Box79/Sub1"), o.index.lookup("Box79/Sub1"));
      assert.ok(r.index.lookup("Box79/Sub1")! > 80);
      const ino = fs.statSync(o.file).ino;
      const seq = o.index.header.fileSeq;
      const ctx = await o.index.syncBegin({ recursive: true });
      for (const n of names.slice(0, 10)) ctx.add(n);
      ctx.add("Late/arrival");
      const res = await ctx.commit();
      assert.equal(res.compressed, true);
      assert.notEqual(fs.statSync(o.file).ino, ino);
      assert.deepEqual(listing(r.index), listing(o.index));
      assert.deepEqual(r.index.header, o.index.header);
      assert.equal(r.index.header.fileSeq, seq + 1);
      assert.equal(r.index.lookup("Box50/Sub2"), undefined);
      assert.equal(r.index.lookup("Late/arrival"), o.index.lookup("Late/arrival"));
      // And a further in-place commit after the replacement.
      await sync(o.index, ["Later"], { partial: true });
      assert.deepEqual(listing(r.index), listing(o.index));
    } finally {
      await closeAll(o, r);
    }
  });
});
