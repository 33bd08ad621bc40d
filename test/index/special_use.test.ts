// Special-use attributes per mailbox (SPEC §12, RFC 6154): bits 8–14 of the
// attribute entry's flags word, reported in the flags readers give; set
// only by setSpecialUse (or scanner records of a rebuild or syncAll), never
// by the sync's own flag rules, setFlags or addFlags; kept across full and
// partial syncs, compressions, syncAll and rebuilds; refused for
// placeholders; replayed into a recreated index; no problem for the check.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import {
  MailboxFlags,
  MailboxListIndex,
  NoSuchMailboxError,
  rebuild,
  SPECIAL_USE_MASK,
  SpecialUse,
  specialUseAtoms,
  syncAll,
} from "../../mod.ts";
import { checkIndex } from "../../src/check/check.ts";
import { dumpIndex } from "../../src/check/dump.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-special-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };
const NAMES = ["INBOX", "INBOX/Sent", "Trash", ...Array.from({ length: 60 }, (_, i) => `Box/folder-${String(i).padStart(2, "0")}`)];
/** A full sync of these after NAMES compresses the index. */
const FEW = [...NAMES.slice(0, 5), "Box/new-one"];

const freshPath = (): string => tmp.fresh("u.mlist");

type Ctx = Awaited<ReturnType<MailboxListIndex["syncBegin"]>>;

async function sync(
  index: MailboxListIndex,
  names: string[],
  work?: (ctx: Ctx) => void,
  options: Parameters<MailboxListIndex["syncBegin"]>[0] = { recursive: true },
) {
  const ctx = await index.syncBegin(options);
  for (const n of names) ctx.add(n);
  work?.(ctx);
  return await ctx.commit();
}

async function open(path: string, options = {}): Promise<MailboxListIndex> {
  return await MailboxListIndex.open(path, { ...quiet, ...options });
}

/** The special-use atoms of every mailbox that has any, by name, as a reader lists them. */
function specials(index: MailboxListIndex): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of index.iterate()) if ((m.flags & SPECIAL_USE_MASK) !== 0) out[m.name] = specialUseAtoms(m.flags);
  return out;
}

async function readerSpecials(path: string): Promise<Record<string, string[]>> {
  const r = await open(path, { readonly: true });
  try {
    return specials(r);
  } finally {
    await r.close();
  }
}

describe("special-use: setting and reading", () => {
  it("bits or atoms set the special-use of a mailbox; every reader reports them in flags", async () => {
    const path = freshPath();
    const index = await open(path);
    try {
      await sync(index, NAMES, (ctx) => {
        ctx.setSpecialUse("INBOX/Sent", ["\\Sent"]);
        ctx.setSpecialUse(ctx.add("Trash"), SpecialUse.Trash | SpecialUse.Junk);
        ctx.setSpecialUse("Box/folder-01", ["archive", "\\FLAGGED"]);
      });
      const expected = {
        "INBOX/Sent": ["\\Sent"],
        Trash: ["\\Junk", "\\Trash"],
        "Box/folder-01": ["\\Archive", "\\Flagged"],
      };
      assert.deepEqual(specials(index), expected);
      assert.deepEqual(await readerSpecials(path), expected);
      assert.equal(index.flags("INBOX/Sent")! & SPECIAL_USE_MASK, SpecialUse.Sent);
      assert.equal(index.flags("INBOX")! & SPECIAL_USE_MASK, 0);
      // walk() (the LIST layer's visitor) reports them too, and the low bits stay the MailboxFlags.
      const walked = new Map<string, number>();
      index.walk("", undefined, (name, _uid, _kids, flags) => walked.set(name, flags));
      assert.equal(walked.get("Trash"), SpecialUse.Trash | SpecialUse.Junk);
      assert.equal(walked.get("INBOX")! & 0xff, MailboxFlags.Children);
      // Replace, then clear.
      await sync(index, NAMES, (ctx) => {
        ctx.setSpecialUse("Trash", ["\\Trash"]);
        ctx.setSpecialUse("Box/folder-01", []);
        ctx.setSpecialUse("INBOX/Sent", 0);
      });
      assert.deepEqual(specials(index), { Trash: ["\\Trash"] });
    } finally {
      await index.close();
    }
  });

  it("refuses unknown atoms and bits with RangeError; the sync goes on", async () => {
    const path = freshPath();
    const index = await open(path);
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add("Sent");
      assert.throws(() => ctx.setSpecialUse("Sent", ["\\Outbox"]), RangeError);
      assert.throws(() => ctx.setSpecialUse("Sent", MailboxFlags.NoSelect), RangeError);
      assert.throws(() => ctx.setSpecialUse("Sent", 0x8000), RangeError);
      assert.throws(() => ctx.setSpecialUse("Sent", 1.5), RangeError);
      ctx.setSpecialUse("Sent", ["Sent"]);
      await ctx.commit();
      assert.equal(index.flags("Sent"), SpecialUse.Sent);
    } finally {
      await index.close();
    }
  });

  it("belongs to mailboxes: a missing name or a placeholder is refused with NoSuchMailboxError", async () => {
    const path = freshPath();
    const index = await open(path);
    try {
      await sync(index, ["Archive/2009", "INBOX"]);
      assert.equal(index.flags("Archive")! & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
      const ctx = await index.syncBegin({ partial: true });
      assert.throws(() => ctx.setSpecialUse("Archive", ["\\Archive"]), (e: unknown) => {
        assert.ok(e instanceof NoSuchMailboxError);
        assert.equal(e.mailbox, "Archive");
        assert.match(e.message, /placeholder/);
        return true;
      });
      assert.throws(() => ctx.setSpecialUse("Nowhere", ["\\Archive"]), NoSuchMailboxError);
      assert.throws(() => ctx.setSpecialUse(999, ["\\Archive"]), NoSuchMailboxError);
      // A parent this sync creates is a placeholder too ...
      ctx.add("Lists/dev");
      assert.throws(() => ctx.setSpecialUse("Lists", ["\\Archive"]), NoSuchMailboxError);
      // ... until the sync reports it as a mailbox; and reporting the existing placeholder makes it one.
      ctx.add("Lists");
      ctx.setSpecialUse("Lists", ["\\Archive"]);
      ctx.add("Archive");
      ctx.setSpecialUse("Archive", ["\\Archive"]);
      ctx.setSpecialUse(ctx.add("New/box"), ["\\Drafts"]);
      await ctx.commit();
      assert.deepEqual(specials(index), { Lists: ["\\Archive"], Archive: ["\\Archive"], "New/box": ["\\Drafts"] });
    } finally {
      await index.close();
    }
  });

  it("setFlags and addFlags neither set nor clear special-use bits", async () => {
    const path = freshPath();
    const index = await open(path);
    try {
      await sync(index, NAMES, (ctx) => ctx.setSpecialUse("Trash", ["\\Trash"]));
      await sync(index, NAMES, (ctx) => {
        ctx.setFlags(ctx.add("Trash"), MailboxFlags.NoSelect);
        ctx.setFlags(ctx.add("INBOX"), MailboxFlags.Children | SpecialUse.Sent);
        ctx.addFlags("INBOX/Sent", MailboxFlags.NoSelect | SpecialUse.Drafts);
      });
      assert.equal(index.flags("Trash"), MailboxFlags.NoSelect | SpecialUse.Trash);
      assert.equal(index.flags("INBOX"), MailboxFlags.Children);
      assert.equal(index.flags("INBOX/Sent"), MailboxFlags.NoSelect);
    } finally {
      await index.close();
    }
  });
});

describe("special-use: kept", () => {
  it("across full, partial and path syncs, reopening, and a mailbox becoming a placeholder", async () => {
    const path = freshPath();
    let index = await open(path);
    try {
      await sync(index, NAMES, (ctx) => {
        ctx.setSpecialUse("INBOX", ["\\All"]);
        ctx.setSpecialUse("INBOX/Sent", ["\\Sent"]);
        ctx.setSpecialUse("Box/folder-05", ["\\Junk"]);
      });
      await sync(index, [...NAMES, "More/one"]);
      await sync(index, ["Partial/one"], undefined, { partial: true });
      await sync(index, ["Box/folder-05", "Box/folder-06"], undefined, { path: "Box" });
      await index.close();
      index = await open(path);
      assert.deepEqual(specials(index), { INBOX: ["\\All"], "INBOX/Sent": ["\\Sent"], "Box/folder-05": ["\\Junk"] });
      // INBOX is only a parent now: it keeps its bits; a deleted mailbox takes them along.
      await sync(index, ["INBOX/Sent", "Trash"]);
      assert.equal(index.flags("INBOX")! & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
      assert.deepEqual(specials(index), { INBOX: ["\\All"], "INBOX/Sent": ["\\Sent"] });
      await sync(index, ["INBOX/Sent", "Trash", "Box/folder-05"]);
      assert.equal(index.flags("Box/folder-05"), 0, "a mailbox created again starts without them");
    } finally {
      await index.close();
    }
  });

  it("across a compression", async () => {
    const path = freshPath();
    const index = await open(path);
    try {
      await sync(index, NAMES, (ctx) => {
        ctx.setSpecialUse("Trash", ["\\Trash"]);
        ctx.setSpecialUse("Box/folder-01", ["\\Drafts"]);
      });
      const r = await sync(index, FEW, (ctx) => ctx.setSpecialUse("Box/new-one", ["\\Flagged"]));
      assert.equal(r.compressed, true, "the sync compressed the index");
      const expected = { Trash: ["\\Trash"], "Box/folder-01": ["\\Drafts"], "Box/new-one": ["\\Flagged"] };
      assert.deepEqual(specials(index), expected);
      assert.deepEqual(await readerSpecials(path), expected);
    } finally {
      await index.close();
    }
  });

  it("across syncAll, whose scanner records' specialUse replaces what a mailbox had", async () => {
    const path = freshPath();
    const index = await open(path);
    try {
      await sync(index, NAMES, (ctx) => {
        ctx.setSpecialUse("Trash", ["\\Trash"]);
        ctx.setSpecialUse("INBOX/Sent", ["\\Sent"]);
        ctx.setSpecialUse("Box/folder-00", ["\\Junk"]);
      });
      const r = await syncAll(index, [
        ...NAMES.filter((n) => n !== "Box/folder-00" && n !== "Trash"),
        { name: "Trash", specialUse: ["\\Junk"] },
        { name: "Box/folder-03", specialUse: SpecialUse.Archive },
        { name: "Added", specialUse: ["Drafts"] },
      ]);
      assert.equal(r.changed, true);
      assert.deepEqual(specials(index), {
        Trash: ["\\Junk"],
        "INBOX/Sent": ["\\Sent"],
        "Box/folder-03": ["\\Archive"],
        Added: ["\\Drafts"],
      });
      // The same list again changes nothing; a record that only sets the same bits neither.
      const again = await syncAll(index, [...NAMES.filter((n) => n !== "Box/folder-00"), "Added"]);
      assert.equal(again.changed, false);
      assert.equal(index.flags("Added"), SpecialUse.Drafts);
      const same = await syncAll(index, [...NAMES.filter((n) => n !== "Box/folder-00"), { name: "Added", specialUse: ["Drafts"] }]);
      assert.equal(same.changed, false);
    } finally {
      await index.close();
    }
  });

  it("across a rebuild, by name, unless a scanner record gives the name its own", async () => {
    const path = freshPath();
    const index = await open(path);
    try {
      await sync(index, NAMES, (ctx) => {
        ctx.setSpecialUse("Trash", ["\\Trash"]);
        ctx.setSpecialUse("INBOX/Sent", ["\\Sent"]);
        ctx.setSpecialUse("Box/folder-09", ["\\Junk"]);
        ctx.setSpecialUse("Box/folder-10", ["\\Archive"]);
      });
    } finally {
      await index.close();
    }
    await rebuild(path, [
      "INBOX/Sent",
      "Trash",
      "Box/folder-10",
      { name: "Box/folder-10", specialUse: [] },
      { name: "Drafts", specialUse: ["\\Drafts"] },
      { name: "INBOX/Sent", specialUse: SpecialUse.Sent | SpecialUse.Flagged },
    ], { uidValidity: 5, onWarning: () => {} });
    assert.deepEqual(await readerSpecials(path), {
      Trash: ["\\Trash"],
      "INBOX/Sent": ["\\Flagged", "\\Sent"],
      Drafts: ["\\Drafts"],
    });
    // With workers, the same.
    await rebuild(path, ["INBOX/Sent", "Trash", "Drafts", ...NAMES.slice(3)], { uidValidity: 6, workers: 2 });
    assert.deepEqual(await readerSpecials(path), {
      Trash: ["\\Trash"],
      "INBOX/Sent": ["\\Flagged", "\\Sent"],
      Drafts: ["\\Drafts"],
    });
  });

  it("a rebuild over a damaged index warns and carries nothing", async () => {
    const path = freshPath();
    writeFileSync(path, new Uint8Array(100));
    const warnings: string[] = [];
    await rebuild(path, ["INBOX", { name: "Sent", specialUse: ["\\Sent"] }], { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(await readerSpecials(path), { Sent: ["\\Sent"] });
    assert.ok(warnings.some((w) => w.includes("special-use")), JSON.stringify(warnings));
  });
});

describe("special-use: the rest of the library", () => {
  it("the check and the dump accept and name them", async () => {
    const path = freshPath();
    const index = await open(path);
    try {
      await sync(index, NAMES, (ctx) => {
        ctx.setSpecialUse("Trash", ["\\Trash"]);
        ctx.setSpecialUse("INBOX/Sent", ["\\Sent", "\\Drafts"]);
        ctx.subscribe("INBOX");
      });
    } finally {
      await index.close();
    }
    const report = checkIndex(path);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.warningCount, 0, JSON.stringify(report.problems));
    assert.equal(report.stats.specialUse, 2);
    assert.equal(report.stats.subscriptions, 1);
    const dump = dumpIndex(path);
    const names = dump.attr!.entries.map((e) => e.flagNames).filter((f) => f.some((n) => n === "\\Sent" || n === "\\Trash"));
    assert.deepEqual(names.sort(), [["\\Drafts", "\\Sent"], ["\\Trash"]].sort());
    assert.deepEqual(dump.subscriptions, ["INBOX"]);
  });

  it("a sync that finds the index damaged replays its setSpecialUse calls into the recreated one", async () => {
    const path = freshPath();
    let index = await open(path);
    await sync(index, ["INBOX", "Archive/2009"]);
    await index.close();
    // Damage the name "2009": found only when a partial sync walks into Archive.
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from("2009\0"));
    assert.ok(at > 0);
    bytes[at] = 0;
    writeFileSync(path, bytes);
    const warnings: string[] = [];
    index = await open(path, { onWarning: (m: string) => warnings.push(m) });
    try {
      const ctx = await index.syncBegin({ partial: true });
      ctx.add("INBOX");
      ctx.setSpecialUse("INBOX", ["\\Sent"]);
      ctx.add("Archive/2009");
      await ctx.commit();
      assert.ok(warnings.some((w) => w.includes("corrupt")), JSON.stringify(warnings));
      assert.deepEqual(specials(index), { INBOX: ["\\Sent"] });
      assert.ok(index.lookup("Archive/2009") !== undefined);
    } finally {
      await index.close();
    }
  });
});
