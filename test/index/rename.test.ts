// Rename (SPEC §11): a mailbox moves with its whole subtree and keeps its
// UID, flags, STATUS, special-use and subscriptions (point 2); refusals
// change nothing, byte for byte (point 1); a \NonExistent placeholder at
// the new name is taken over, with its children merged or a conflict
// refused; INBOX is copied, not moved (point 3); a rename inside a sync
// goes with the sync's adds and deletions and the sync's later calls see
// the new names; readers see the new names and miss the old ones. The
// on-disk cost (point 4) and crash safety (point 5) have tests of their own
// (rename_layout.test.ts, test/store/faults.test.ts).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import {
  IndexStateError,
  InvalidNameError,
  listResponseLines,
  MailboxFlags,
  MailboxListIndex,
  type MailboxStatus,
  RenameError,
  SPECIAL_USE_MASK,
  SpecialUse,
  specialUseAtoms,
} from "../../mod.ts";
import { checkIndex } from "../../src/check/check.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-rename-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };

const freshPath = (): string => tmp.fresh("u.mlist");

type Ctx = Awaited<ReturnType<MailboxListIndex["syncBegin"]>>;

async function open(path: string, options = {}): Promise<MailboxListIndex> {
  return await MailboxListIndex.open(path, { ...quiet, ...options });
}

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

/** A new index holding `names`. */
async function build(names: string[], work?: (ctx: Ctx) => void): Promise<{ path: string; index: MailboxListIndex }> {
  const path = freshPath();
  const index = await open(path);
  await sync(index, names, work);
  return { path, index };
}

interface Seen {
  uid: number;
  flags: number;
  children: boolean;
}

/** Every mailbox of an index, by name. */
function listing(index: MailboxListIndex): Map<string, Seen> {
  const out = new Map<string, Seen>();
  for (const m of index.iterate()) out.set(m.name, { uid: m.uid, flags: m.flags, children: m.hasChildren });
  return out;
}

/** The bytes of every file of the index (undefined for a missing one). */
function filesOf(path: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const suffix of ["", ".attr", ".journal", ".subs"]) {
    const p = path + suffix;
    out[suffix || "list"] = existsSync(p) ? readFileSync(p).toString("hex") : undefined;
  }
  return out;
}

function assertChecked(path: string): void {
  const report = checkIndex(path);
  assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 5)));
}

function status(n: number): MailboxStatus {
  return { messages: 10 + n, unseen: n, recent: 0, uidValidity: 500 + n, uidNext: 20 + n };
}

const TREE = [
  "INBOX",
  "INBOX/Sent",
  "Archive",
  "Archive/2009",
  "Archive/2010/Q1",
  "Archive/2010/Q2",
  "Lists/dev",
  "Lists/users",
  "Work",
];

async function refused(
  p: Promise<unknown>,
  code: RenameError["code"],
  imapCode: string,
  names: [string, string],
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RenameError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.imapCode, imapCode);
    assert.deepEqual([e.from, e.to], names);
    assert.ok(e.message.includes(JSON.stringify(names[0])) && e.message.includes(JSON.stringify(names[1])), e.message);
    return true;
  });
}

describe("rename, point 1: what may be renamed, and refusals that change nothing", () => {
  it("refuses a missing `from`, an existing `to`, `to` inside `from`, with typed errors; the files stay byte-identical", async () => {
    const { path, index } = await build(TREE, (ctx) => ctx.subscribe("Work"));
    try {
      const before = filesOf(path);
      await refused(index.rename("Nope", "Other"), "NONEXISTENT", "NONEXISTENT", ["Nope", "Other"]);
      await refused(index.rename("Archive/2011", "Other"), "NONEXISTENT", "NONEXISTENT", ["Archive/2011", "Other"]);
      await refused(index.rename("Work", "INBOX/Sent"), "ALREADYEXISTS", "ALREADYEXISTS", ["Work", "INBOX/Sent"]);
      await refused(index.rename("Work", "Work"), "ALREADYEXISTS", "ALREADYEXISTS", ["Work", "Work"]);
      await refused(index.rename("Archive", "Archive/2010/Q3"), "INSIDE", "CANNOT", ["Archive", "Archive/2010/Q3"]);
      await refused(index.rename("Archive", "Archive//sub"), "INSIDE", "CANNOT", ["Archive", "Archive//sub"]);
      await assert.rejects(index.rename("Work", "bad\0name"), InvalidNameError);
      await assert.rejects(index.rename("Work", "lone\ud800"), InvalidNameError);
      await assert.rejects(index.rename("", "Other"), InvalidNameError);
      assert.deepEqual(filesOf(path), before);
      assert.equal(existsSync(`${path}.lock`), false);
      assert.equal(index.lookup("Work") !== undefined, true);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("a NONEXISTENT parent may be renamed like a mailbox", async () => {
    const { path, index } = await build(TREE);
    try {
      const lists = index.lookup("Lists")!;
      assert.equal(index.flags("Lists")! & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
      await index.rename("Lists", "Mailing lists");
      const after = listing(index);
      assert.equal(after.get("Mailing lists")?.uid, lists);
      assert.equal(after.get("Mailing lists")!.flags & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
      assert.ok(after.has("Mailing lists/dev") && after.has("Mailing lists/users"));
      assert.equal(index.lookup("Lists"), undefined);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("a refused rename inside a sync changes nothing of it; the sync goes on and commits the rest", async () => {
    const { path, index } = await build(TREE);
    const twin = await build(TREE);
    try {
      const run = async (ix: MailboxListIndex, withRefusals: boolean) => {
        const ctx = await ix.syncBegin({ partial: true });
        ctx.add("New/one");
        if (withRefusals) {
          assert.throws(() => ctx.rename("Archive", "Archive/2009/x"), RenameError);
          assert.throws(() => ctx.rename("Missing", "X/Y"), RenameError);
          assert.throws(() => ctx.rename("Work", "INBOX"), RenameError);
        }
        ctx.rename("Work", "Jobs");
        ctx.add("Jobs/child");
        return await ctx.commit();
      };
      await run(index, true);
      await run(twin.index, false);
      assert.deepEqual(filesOf(path).list, filesOf(twin.path).list);
      assert.deepEqual(listing(index), listing(twin.index));
      assertChecked(path);
    } finally {
      await index.close();
      await twin.index.close();
    }
  });

  it("refuses names under `to` that would pass the depth or length limit", async () => {
    const path = freshPath();
    const index = await open(path, { maxDepth: 4, maxNameLength: 40 });
    try {
      await sync(index, ["A/b/c", "X/y", "Long/aaaaaaaaaaaaaaaaaaaaaaaaa"]);
      const before = filesOf(path);
      await refused(index.rename("A", "X/y/A"), "LIMIT", "LIMIT", ["A", "X/y/A"]);
      // "Long/" + 25 bytes is 30 bytes; under an 18-byte name it would be 44.
      await refused(index.rename("Long", "Longer/by/far/away"), "LIMIT", "LIMIT", ["Long", "Longer/by/far/away"]);
      assert.deepEqual(filesOf(path), before);
      await index.rename("A", "X/A"); // 4 levels: allowed
      assert.ok(index.lookup("X/A/b/c") !== undefined);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });
});

describe("rename, point 1: a NONEXISTENT placeholder at `to` is taken over", () => {
  it("the moved mailbox takes the placeholder's place and its children join the moved ones", async () => {
    const { path, index } = await build([...TREE, "Target/kid1", "Target/kid2/deep"]);
    try {
      const before = listing(index);
      const placeholder = before.get("Target")!;
      assert.equal(placeholder.flags & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
      await index.rename("Archive", "Target");
      const after = listing(index);
      assert.equal(after.get("Target")?.uid, before.get("Archive")!.uid, "the moved mailbox keeps its UID");
      assert.equal(after.get("Target")!.flags & MailboxFlags.NonExistent, 0, "a mailbox now");
      for (const n of ["kid1", "kid2", "kid2/deep", "2009", "2010", "2010/Q1", "2010/Q2"]) {
        const was = before.get(`Target/${n}`) ?? before.get(`Archive/${n}`);
        assert.equal(after.get(`Target/${n}`)?.uid, was?.uid, `Target/${n}`);
      }
      assert.ok(![...after.values()].some((m) => m.uid === placeholder.uid), "the placeholder's UID is gone");
      assert.equal([...after.keys()].some((n) => n.startsWith("Archive")), false);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("a child name on both sides is an error that changes nothing", async () => {
    const { path, index } = await build([...TREE, "Target/2009", "Target/other"]);
    try {
      const before = filesOf(path);
      await assert.rejects(index.rename("Archive", "Target"), (e: unknown) => {
        assert.ok(e instanceof RenameError);
        assert.equal(e.code, "CONFLICT");
        assert.equal(e.imapCode, "ALREADYEXISTS");
        assert.match(e.message, /"2009"/);
        return true;
      });
      assert.deepEqual(filesOf(path), before);
    } finally {
      await index.close();
    }
  });

  it("a placeholder that holds `from` itself is taken over by it (the rest of its children join)", async () => {
    const { path, index } = await build(["Top/Mid/Leaf", "Top/Mid/Leaf/x", "Top/side", "Other"]);
    try {
      const before = listing(index);
      await index.rename("Top/Mid/Leaf", "Top");
      const after = listing(index);
      assert.equal(after.get("Top")?.uid, before.get("Top/Mid/Leaf")!.uid);
      assert.equal(after.get("Top/x")?.uid, before.get("Top/Mid/Leaf/x")!.uid);
      assert.equal(after.get("Top/side")?.uid, before.get("Top/side")!.uid);
      // "Top/Mid" was a placeholder whose only child moved away: it goes (rule 8).
      assert.equal(after.has("Top/Mid"), false);
      assert.deepEqual([...after.keys()].sort(), ["Other", "Top", "Top/side", "Top/x"]);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });
});

describe("rename, point 2: what moves with the mailbox, and the parents", () => {
  it("every moved mailbox keeps its UID, flags, STATUS and special-use; subscriptions follow", async () => {
    const { path, index } = await build(TREE, (ctx) => {
      ctx.setStatus("Archive", status(1));
      ctx.setStatus("Archive/2010/Q2", status(2));
      ctx.addFlags("Archive/2009", MailboxFlags.NoSelect);
      ctx.setSpecialUse("Archive", ["\\Archive"]);
      ctx.setSubscriptions(["Archive", "Archive/2010/Q1", "Archive/gone", "Archived", "INBOX", "Lists"]);
    });
    try {
      const before = listing(index);
      await index.rename("Archive", "Old/Stuff");
      const after = listing(index);
      for (const [name, was] of before) {
        if (!name.startsWith("Archive")) {
          assert.deepEqual(after.get(name), was, name);
          continue;
        }
        const now = `Old/Stuff${name.slice("Archive".length)}`;
        assert.deepEqual(after.get(now), was, `${name} → ${now}`);
        assert.equal(index.lookup(name), undefined, name);
      }
      assert.deepEqual(index.status("Old/Stuff"), status(1));
      assert.deepEqual(index.status("Old/Stuff/2010/Q2"), status(2));
      assert.equal(index.flags("Old/Stuff/2009")! & MailboxFlags.NoSelect, MailboxFlags.NoSelect);
      assert.deepEqual(specialUseAtoms(index.flags("Old/Stuff")! & SPECIAL_USE_MASK), ["\\Archive"]);
      assert.deepEqual(index.subscriptions(), [
        "Archived",
        "INBOX",
        "Lists",
        "Old/Stuff",
        "Old/Stuff/2010/Q1",
        "Old/Stuff/gone",
      ]);
      // Its missing parent is a placeholder with children (rule 4).
      assert.equal(after.get("Old")!.flags & (MailboxFlags.NonExistent | MailboxFlags.Children), 9);
      assertChecked(path);
    } finally {
      await index.close();
    }
    // A reader that opens the files sees the same.
    const reader = await open(path, { readonly: true });
    try {
      assert.deepEqual(reader.status("Old/Stuff/2010/Q2"), status(2));
      assert.ok(reader.isSubscribed("Old/Stuff/2010/Q1"));
    } finally {
      await reader.close();
    }
  });

  it("the old parent loses CHILDREN when left without children; emptied placeholders above it go", async () => {
    const { path, index } = await build(["Work", "Work/only", "a/b/c/leaf", "a/keep", "x/y/z/leaf", "Dest"]);
    try {
      assert.equal(index.flags("Work")! & MailboxFlags.Children, MailboxFlags.Children);
      await index.rename("Work/only", "Dest/only");
      assert.equal(index.flags("Work"), 0, "a mailbox without children");
      assert.equal(index.flags("Dest"), MailboxFlags.Children);
      await index.rename("a/b/c/leaf", "leaf-a");
      // "a/b/c" and "a/b" were placeholders left empty; "a" still has "a/keep".
      assert.equal(index.lookup("a/b/c"), undefined);
      assert.equal(index.lookup("a/b"), undefined);
      assert.equal(index.flags("a"), MailboxFlags.NonExistent | MailboxFlags.Children);
      await index.rename("x/y/z/leaf", "leaf-x");
      assert.deepEqual([...listing(index).keys()].filter((n) => n.startsWith("x")), [], "every placeholder went");
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("names are Unicode; names that need modified UTF-7 on the wire are just Unicode here", async () => {
    const { path, index } = await build(["Drafts", "Drafts/alt", "日本語", "&AOQ-pfel"]);
    try {
      const drafts = index.lookup("Drafts")!, alt = index.lookup("Drafts/alt")!;
      await index.rename("Drafts", "Entwürfe");
      await index.rename("日本語", "子/孫/日本語");
      await index.rename("&AOQ-pfel", "äpfel & birnen");
      assert.equal(index.lookup("Entwürfe"), drafts);
      assert.equal(index.lookup("Entwürfe/alt"), alt);
      assert.ok(index.lookup("子/孫/日本語") !== undefined);
      assert.equal(index.flags("子/孫"), MailboxFlags.NonExistent | MailboxFlags.Children);
      const lines = listResponseLines(index.list("*"), index.separator);
      assert.ok(lines.includes('* LIST (\\HasChildren) "/" "Entw&APw-rfe"\r\n'), lines.join(""));
      assert.ok(lines.includes('* LIST (\\HasNoChildren) "/" "&AOQ-pfel &- birnen"\r\n'), lines.join(""));
      assertChecked(path);
    } finally {
      await index.close();
    }
  });
});

describe("rename, point 3: INBOX", () => {
  it("renaming INBOX (any case) creates `to` as a new mailbox; INBOX and its children stay", async () => {
    const { path, index } = await build(TREE, (ctx) => {
      ctx.setStatus("INBOX", status(3));
      ctx.setSpecialUse("INBOX/Sent", ["\\Sent"]);
      ctx.setSubscriptions(["INBOX", "INBOX/Sent"]);
    });
    try {
      const before = listing(index);
      const next = index.header.nextUid;
      await index.rename("inbox", "Old mail");
      const after = listing(index);
      assert.equal(after.get("Old mail")?.uid, next, "a new UID");
      assert.equal(after.get("Old mail")!.flags, 0);
      assert.equal(index.status("Old mail"), undefined);
      assert.deepEqual(after.get("INBOX"), before.get("INBOX"));
      assert.deepEqual(after.get("INBOX/Sent"), before.get("INBOX/Sent"));
      assert.deepEqual(index.status("INBOX"), status(3));
      assert.deepEqual(index.subscriptions(), ["INBOX", "INBOX/Sent"]);
      // Under INBOX itself, or in place of a placeholder (whose children join the new mailbox).
      await sync(index, ["Spot/kid"], undefined, { partial: true });
      const kid = index.lookup("Spot/kid"), spot = index.lookup("Spot");
      await index.rename("InBoX", "INBOX/Archive");
      await index.rename("INBOX", "Spot");
      assert.ok(index.lookup("INBOX/Archive")! >= next + 1);
      assert.notEqual(index.lookup("Spot"), spot);
      assert.equal(index.flags("Spot"), MailboxFlags.Children);
      assert.equal(index.lookup("Spot/kid"), kid);
      await refused(index.rename("INBOX", "Work"), "ALREADYEXISTS", "ALREADYEXISTS", ["INBOX", "Work"]);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });
});

describe("rename inside a sync", () => {
  it("goes with the sync's adds and deletions; the sync's later calls see the new names", async () => {
    const { path, index } = await build(TREE, (ctx) => ctx.setStatus("Lists/dev", status(4)));
    try {
      const before = listing(index);
      const ctx = await index.syncBegin({ recursive: true });
      ctx.rename("Lists", "Groups");
      ctx.rename("Archive/2010", "Y2010");
      // The full sync reports the names after the renames; "Lists/users" and "Archive/2009" are gone.
      for (const n of ["INBOX", "INBOX/Sent", "Archive", "Groups/dev", "Groups/new", "Y2010/Q1", "Y2010/Q2", "Work"]) {
        const uid = ctx.add(n);
        const old = before.get(n.replace(/^Groups/, "Lists").replace(/^Y2010/, "Archive/2010"));
        if (old !== undefined) assert.equal(uid, old.uid, n);
      }
      assert.equal(ctx.add("Lists"), index.header.nextUid + 1, "a new mailbox at the old name");
      ctx.setStatus("Groups/dev", status(5));
      ctx.setSpecialUse("Y2010/Q1", SpecialUse.Archive);
      const result = await ctx.commit();
      assert.equal(result.deleted, 2);
      const after = listing(index);
      assert.deepEqual(
        [...after.keys()].sort(),
        ["Archive", "Groups", "Groups/dev", "Groups/new", "INBOX", "INBOX/Sent", "Lists", "Work", "Y2010", "Y2010/Q1", "Y2010/Q2"],
      );
      assert.equal(after.get("Groups")!.uid, before.get("Lists")!.uid);
      assert.deepEqual(index.status("Groups/dev"), status(5));
      assert.equal(index.flags("Y2010/Q1")! & SPECIAL_USE_MASK, SpecialUse.Archive);
      assert.equal(index.flags("Archive"), 0, "Archive lost both children");
      assert.equal(index.flags("Lists"), 0, "a new mailbox");
      assertChecked(path);
      // A full sync of the same names afterwards changes nothing.
      const again = await sync(index, [...after.keys()].filter((n) => n !== "Groups" && n !== "Y2010"));
      assert.equal(again.changed, false);
    } finally {
      await index.close();
    }
  });

  it("a rename after names were reported: what was reported moves with the mailbox", async () => {
    const { path, index } = await build(TREE);
    try {
      const before = listing(index);
      const ctx = await index.syncBegin({ recursive: true });
      for (const n of TREE) ctx.add(n);
      ctx.rename("Archive/2010", "Y2010");
      ctx.rename("Lists", "Groups/Lists");
      ctx.add("Groups/Lists/new");
      const result = await ctx.commit();
      assert.equal(result.deleted, 0);
      const after = listing(index);
      assert.equal(after.get("Y2010/Q1")?.uid, before.get("Archive/2010/Q1")!.uid);
      assert.equal(after.get("Groups/Lists/dev")?.uid, before.get("Lists/dev")!.uid);
      assert.equal(after.get("Groups")!.flags, MailboxFlags.NonExistent | MailboxFlags.Children);
      assert.ok(after.has("Groups/Lists/new") && after.has("Archive/2009"));
      assert.equal(after.has("Archive/2010") || after.has("Lists"), false);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("a full sync that checks only its path's directory deletes a moved mailbox only there", async () => {
    const { path, index } = await build(TREE);
    try {
      const ctx = await index.syncBegin({ recursive: false });
      ctx.rename("Work", "Lists/Work"); // under "Lists": a directory this sync does not check
      ctx.rename("INBOX/Sent", "Sent"); // in the root directory, which it checks
      for (const n of ["INBOX", "Archive", "Lists"]) ctx.add(n);
      const result = await ctx.commit();
      assert.equal(result.deleted, 1);
      assert.ok(index.lookup("Lists/Work") !== undefined);
      assert.equal(index.lookup("Sent"), undefined);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("a full sync that does not report the moved mailbox deletes it at its new place", async () => {
    const { path, index } = await build(TREE);
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.rename("Archive/2010", "Elsewhere/2010");
      for (const n of ["INBOX", "INBOX/Sent", "Archive/2009", "Lists/dev", "Lists/users", "Work"]) ctx.add(n);
      const result = await ctx.commit();
      assert.equal(result.deleted, 3); // 2010, Q1, Q2; the new placeholder "Elsewhere" was never written
      assert.deepEqual([...listing(index).keys()].filter((n) => /2010|Elsewhere/.test(n)), []);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("renames in a row: a chain, a swap through a temporary name, and back", async () => {
    const { path, index } = await build(TREE);
    try {
      const before = listing(index);
      const ctx = await index.syncBegin({ partial: true });
      ctx.rename("Archive", "A1");
      ctx.rename("A1", "B/A2");
      ctx.rename("B/A2/2010", "B/x2010");
      ctx.rename("Work", "tmp");
      ctx.rename("Lists", "Work");
      ctx.rename("tmp", "Lists");
      await ctx.commit();
      const after = listing(index);
      assert.equal(after.get("B/A2")?.uid, before.get("Archive")!.uid);
      assert.equal(after.get("B/x2010/Q1")?.uid, before.get("Archive/2010/Q1")!.uid);
      assert.equal(after.get("Work")?.uid, before.get("Lists")!.uid);
      assert.equal(after.get("Work/dev")?.uid, before.get("Lists/dev")!.uid);
      assert.equal(after.get("Lists")?.uid, before.get("Work")!.uid);
      assert.equal(after.has("A1") || after.has("tmp"), false);
      assertChecked(path);
      // And back, one commit each.
      await index.rename("B/x2010", "B/A2/2010");
      await index.rename("B/A2", "Archive");
      const back = listing(index);
      for (const n of ["Archive", "Archive/2009", "Archive/2010", "Archive/2010/Q1", "Archive/2010/Q2"]) {
        assert.equal(back.get(n)?.uid, before.get(n)!.uid, n);
      }
      assert.equal(back.has("B"), false);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("a sync limited to a path renames only inside it", async () => {
    const { path, index } = await build(TREE);
    try {
      const ctx = await index.syncBegin({ path: "Archive", partial: true });
      assert.throws(() => ctx.rename("Work", "Archive/Work"), InvalidNameError);
      assert.throws(() => ctx.rename("Archive", "Archive2"), InvalidNameError);
      ctx.rename("Archive/2009", "Archive/2010/2009");
      await ctx.commit();
      assert.ok(index.lookup("Archive/2010/2009") !== undefined);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("a mailbox kept by a full sync stays at its new place", async () => {
    const { path, index } = await build(TREE);
    try {
      const uid = index.lookup("Archive/2010/Q1");
      const ctx = await index.syncBegin({ recursive: true });
      ctx.rename("Archive", "Kept");
      for (const n of ["INBOX", "Work"]) ctx.add(n);
      ctx.keep("Kept");
      await ctx.commit();
      assert.equal(index.lookup("Kept/2010/Q1"), uid);
      assertChecked(path);
    } finally {
      await index.close();
    }
  });

  it("a rename after the sync ended is refused", async () => {
    const { index } = await build(TREE);
    try {
      const ctx = await index.syncBegin({ partial: true });
      await ctx.commit();
      assert.throws(() => ctx.rename("Work", "Jobs"), IndexStateError);
    } finally {
      await index.close();
    }
  });
});

describe("rename: readers", () => {
  it("another instance's lookups miss the old names and hit the new ones; iteration order is the tree's", async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `Big/f${i}`);
    const { path, index } = await build([...TREE, ...many]);
    const reader = await open(path, { readonly: true });
    try {
      // Enough lookups that the reader answers from its full-name table.
      for (let round = 0; round < 2; round++) for (const n of many) assert.ok(reader.lookup(n) !== undefined);
      const uid = reader.lookup("Big/f7");
      await index.rename("Big", "Huge");
      for (const n of many) assert.equal(reader.lookup(n), undefined, n);
      for (let round = 0; round < 2; round++) {
        for (const n of many) assert.ok(reader.lookup(`Huge/${n.slice(4)}`) !== undefined, n);
      }
      assert.equal(reader.lookup("Huge/f7"), uid);
      // The order of a fresh index of the same names.
      const fresh = await build([...TREE, ...many.map((n) => `Huge/${n.slice(4)}`)]);
      try {
        assert.deepEqual([...reader.iterate()].map((m) => m.name), [...fresh.index.iterate()].map((m) => m.name));
      } finally {
        await fresh.index.close();
      }
      assertChecked(path);
    } finally {
      await reader.close();
      await index.close();
    }
  });

  it("many renames in a row compress the file now and then; UIDs stay, the check passes after each", async () => {
    const { path, index } = await build([...TREE, ...Array.from({ length: 40 }, (_, i) => `Box/f${i}`)]);
    try {
      const uid = index.lookup("Box/f3");
      let compressed = 0;
      for (let i = 0; i < 60; i++) {
        const r = await index.rename(i % 2 === 0 ? "Box" : "Box2", i % 2 === 0 ? "Box2" : "Box");
        if (r.compressed) compressed++;
        assertChecked(path);
      }
      assert.ok(compressed > 0, "no compression happened");
      assert.equal(index.lookup("Box/f3"), uid);
    } finally {
      await index.close();
    }
  });
});
