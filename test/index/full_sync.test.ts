// Full syncs (SPEC §4, recursive, whole index) that find every name in the
// index already: they must end without writing a byte, and anything that
// differs — a name gone, a new one, a parent reported as a leaf or no longer
// as one, a flag set by the caller, a bad name, a damaged file — must still
// be found and applied exactly.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidNameError, MailboxFlags, MailboxListIndex, syncAll } from "../../mod.ts";
import { generateTree } from "../../bench/trees.ts";
import { shuffle } from "../helpers/random.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { ListView } from "../../src/image/view.ts";

const tmp = makeTempDir();
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };
let seq = 0;

async function fresh(names: string[], options: { separator?: string } = {}) {
  const path = join(tmp.dir, `f${seq++}.mlist`);
  const index = await MailboxListIndex.open(path, { ...quiet, ...options });
  await sync(index, names);
  return { index, path };
}

async function sync(index: MailboxListIndex, names: string[]) {
  const ctx = await index.syncBegin({ recursive: true });
  const uids = names.map((n) => ctx.add(n));
  const result = await ctx.commit();
  return { uids, result };
}

/** Bytes, inode and modification time of the index's files. */
function stamp(path: string): string {
  return [path, `${path}.attr`].map((p) => {
    const s = statSync(p);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${Buffer.from(readFileSync(p)).toString("base64")}`;
  }).join("|");
}

function listing(index: MailboxListIndex): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const e of index.iterate()) m.set(e.name, [e.uid, e.flags]);
  return m;
}

describe("full sync that changes nothing", () => {
  it("writes nothing and returns the same UIDs, for the same names in another order", async () => {
    const names = generateTree("realistic", 5000, 3);
    const { index, path } = await fresh(names);
    const before = stamp(path);
    const byName = listing(index);
    const order = shuffle([...names], 9);
    const { uids, result } = await sync(index, order);
    assert.deepEqual(result, { added: 0, deleted: 0, changed: false, compressed: false });
    assert.equal(stamp(path), before);
    order.forEach((n, i) => assert.equal(uids[i], byName.get(n)![0], n));
    // A second index object (a fresh table) agrees.
    const other = await MailboxListIndex.open(path, quiet);
    assert.equal((await sync(other, names)).result.changed, false);
    assert.equal(stamp(path), before);
    await other.close();
    await index.close();
  });

  it("accepts odd spellings of the same names: doubled, leading and trailing separators", async () => {
    const { index, path } = await fresh(["a", "a/b", "a/b/c", "x"]);
    const before = stamp(path);
    const r = await sync(index, ["/a", "a//b", "//a/b//c", "x", "a/b/c"]);
    assert.equal(r.result.changed, false);
    assert.equal(stamp(path), before);
    await index.close();
  });

  it("handles names that are not ASCII, alone or among ASCII ones", async () => {
    const names = ["INBOX", "Entwürfe", "Entwürfe/Ölfässer", "日本語/メール", "emoji/📬", "plain/ascii"];
    const { index, path } = await fresh(names);
    const before = stamp(path);
    const byName = listing(index);
    const { uids, result } = await sync(index, [...names].reverse());
    assert.equal(result.changed, false);
    assert.equal(stamp(path), before);
    [...names].reverse().forEach((n, i) => assert.equal(uids[i], byName.get(n)![0], n));
    // A new name that is not ASCII is still added.
    const more = await sync(index, [...names, "Entwürfe/Äpfel"]);
    assert.equal(more.result.added, 1);
    assert.ok(index.lookup("Entwürfe/Äpfel") !== undefined);
    await index.close();
  });

  it("works with another separator", async () => {
    const names = ["INBOX", "INBOX.Sent", "Archive.2009.Q1", "Archive.2010"];
    const { index, path } = await fresh(names, { separator: "." });
    const before = stamp(path);
    assert.equal((await sync(index, shuffle([...names], 2))).result.changed, false);
    assert.equal(stamp(path), before);
    const r = await sync(index, names.filter((n) => n !== "Archive.2010"));
    assert.equal(r.result.deleted, 1);
    assert.equal(index.lookup("Archive.2010"), undefined);
    await index.close();
  });
});

describe("full sync that finds every name but one difference", () => {
  it("deletes the one name it no longer reports", async () => {
    const names = generateTree("realistic", 3000, 4);
    const { index } = await fresh(names);
    const leaf = names.find((n) => !names.some((m) => m.startsWith(n + "/")))!;
    const r = await sync(index, names.filter((n) => n !== leaf));
    assert.equal(r.result.changed, true);
    assert.equal(r.result.deleted, 1);
    assert.equal(r.result.added, 0);
    assert.equal(index.lookup(leaf), undefined);
    assert.equal(listing(index).size, names.length - 1);
    await index.close();
  });

  it("deletes a name it no longer reports whose flags would not change", async () => {
    // "b" carries NONEXISTENT (set by the caller) and has no children: unreported, its flags stay the same.
    const { index } = await fresh(["a", "b"]);
    const ctx = await index.syncBegin({ recursive: true });
    ctx.add("a");
    ctx.setFlags(ctx.add("b"), MailboxFlags.NonExistent);
    await ctx.commit();
    assert.equal(index.flags("b"), MailboxFlags.NonExistent);
    const r = await sync(index, ["a"]);
    assert.equal(r.result.deleted, 1);
    assert.equal(index.lookup("b"), undefined);
    await index.close();
  });

  it("adds the one new name and keeps every other UID", async () => {
    const names = generateTree("realistic", 3000, 5);
    const { index } = await fresh(names);
    const byName = listing(index);
    const r = await sync(index, [...names, `${names[0]}/brand-new`]);
    assert.equal(r.result.added, 1);
    assert.equal(r.result.deleted, 0);
    const now = listing(index);
    for (const [n, [uid]] of byName) assert.equal(now.get(n)![0], uid, n);
    assert.ok(now.has(`${names[0]}/brand-new`));
    await index.close();
  });

  it("sets NONEXISTENT on a parent no longer reported as a leaf, and clears it again", async () => {
    const { index, path } = await fresh(["a", "a/b"]);
    const r = await sync(index, ["a/b"]);
    assert.equal(r.result.changed, true);
    assert.equal(r.result.deleted, 0);
    assert.equal(index.flags("a")! & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
    const before = stamp(path);
    assert.equal((await sync(index, ["a/b"])).result.changed, false);
    assert.equal(stamp(path), before);
    // Reported as a parent only ("a/"): still not a leaf.
    assert.equal((await sync(index, ["a/", "a/b"])).result.changed, false);
    assert.equal((await sync(index, ["a", "a/b"])).result.changed, true);
    assert.equal(index.flags("a")! & MailboxFlags.NonExistent, 0);
    await index.close();
  });

  it("turns a reported leaf into a parent only when it ends with the separator", async () => {
    const { index } = await fresh(["a", "a/b"]);
    const r = await sync(index, ["a/", "a/b"]);
    assert.equal(r.result.changed, true);
    assert.equal(index.flags("a")! & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
    await index.close();
  });

  it("applies flags and STATUS set during an otherwise unchanged sync", async () => {
    const names = ["INBOX", "Shared", "Shared/team"];
    const { index } = await fresh(names);
    const ctx = await index.syncBegin({ recursive: true });
    const uids = names.map((n) => ctx.add(n));
    ctx.addFlags(uids[1], MailboxFlags.NoSelect);
    ctx.setStatus("INBOX", { messages: 3, unseen: 1, recent: 0, uidValidity: 9, uidNext: 4 });
    const r = await ctx.commit();
    assert.equal(r.changed, true);
    assert.equal(index.flags("Shared")! & MailboxFlags.NoSelect, MailboxFlags.NoSelect);
    assert.equal(index.status("INBOX")?.messages, 3);
    await index.close();
  });
});

describe("full sync with bad names among unchanged ones", () => {
  it("throws InvalidNameError for each bad name and goes on, still writing nothing", async () => {
    const names = ["INBOX", "a", "a/b"];
    const path = join(tmp.dir, `bad${seq++}.mlist`);
    const index = await MailboxListIndex.open(path, { ...quiet, maxComponentLength: 8, maxDepth: 3 });
    await sync(index, names);
    const before = stamp(path);
    const ctx = await index.syncBegin({ recursive: true });
    for (const n of names) ctx.add(n);
    for (const bad of ["a\0b", "", "///", "a/123456789", "a/b/c/d", "nul\0/ü"]) {
      assert.throws(() => ctx.add(bad), InvalidNameError, JSON.stringify(bad));
    }
    const r = await ctx.commit();
    assert.equal(r.changed, false);
    assert.equal(stamp(path), before);
    await index.close();
  });

  it("rejects names over the limits even when the index already holds them", async () => {
    const path = join(tmp.dir, `limits${seq++}.mlist`);
    const index = await MailboxListIndex.open(path, quiet);
    await sync(index, ["long-component-name/x/y/z"]);
    await index.close();
    const strict = await MailboxListIndex.open(path, { ...quiet, maxComponentLength: 8, maxDepth: 3 });
    const ctx = await strict.syncBegin({ recursive: true });
    assert.throws(() => ctx.add("long-component-name/x/y/z"), InvalidNameError);
    await ctx.rollback();
    await strict.close();
  });
});

describe("full sync over a damaged index", () => {
  it("finds the damage even when the names are unchanged, and rebuilds from them", async () => {
    const names = generateTree("realistic", 2000, 6);
    const { index, path } = await fresh(names);
    await index.close();
    // Zero the UID of a record in a directory below the root.
    const bytes = new Uint8Array(readFileSync(path));
    const view = new ListView(bytes, path);
    const root = view.rootDir();
    let target = 0;
    for (let i = 0, r = root + 12; i < view.dirCount(root) && target === 0; i++, r += 16) {
      const child = view.childDir(r);
      if (child !== 0) target = child + 12 + 4;
    }
    assert.ok(target > 0, "a record below the root");
    const dv = new DataView(bytes.buffer);
    dv.setUint32(target, 0, true);
    writeFileSync(path, bytes);
    const warnings: string[] = [];
    const reopened = await MailboxListIndex.open(path, { durable: false, onWarning: (w) => warnings.push(w) });
    const r = await sync(reopened, names);
    assert.ok(warnings.some((w) => /corrupt/i.test(w)), warnings.join("\n"));
    assert.equal(r.result.changed, true);
    assert.deepEqual([...listing(reopened).keys()].sort(), [...names].sort());
    await reopened.close();
    const check = await MailboxListIndex.open(path, { readonly: true });
    assert.equal([...check.iterate()].length, names.length);
    await check.close();
  });

  it("does not index an image whose directories are shared: lookups agree with the walk per level", async () => {
    const names = ["a", "b", "b/z", ...Array.from({ length: 10 }, (_, i) => `a/x${i + 1}`)];
    const { index, path } = await fresh(names);
    await index.close();
    // Point b's child link at a's directory: more records are reached than the image can hold.
    const bytes = new Uint8Array(readFileSync(path));
    const view = new ListView(bytes, path);
    const root = view.rootDir();
    const dv = new DataView(bytes.buffer);
    dv.setUint32(root + 12 + 16 + 12, dv.getUint32(root + 12 + 12, true), true);
    writeFileSync(path, bytes);
    const slow = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    const many = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    for (let i = 0; i < 2100; i++) many.lookup("a"); // past the point where a table would answer
    for (let i = 1; i <= 10; i++) {
      assert.equal(many.lookup(`b/x${i}`), slow.lookup(`b/x${i}`), `b/x${i}`);
    }
    await slow.close();
    await many.close();
    // A full sync of the names as they now read must not call the image unchanged.
    const writer = await MailboxListIndex.open(path, quiet);
    const all = [...names, ...Array.from({ length: 10 }, (_, i) => `b/x${i + 1}`)].filter((n) => n !== "b/z");
    const r = await sync(writer, all);
    assert.equal(r.result.changed, true);
    const uids = [...writer.iterate()].map((m) => m.uid);
    assert.equal(new Set(uids).size, uids.length, `duplicate UIDs: ${uids.join(" ")}`);
    await writer.close();
  });
});

describe("syncAll that changes nothing", () => {
  it("writes nothing for the same names in another order, from an array or a name-list file", async () => {
    const names = generateTree("realistic", 4000, 12);
    const { index, path } = await fresh(names);
    // Cached STATUS and a caller's NOSELECT stay as they are.
    const ctx = await index.syncBegin({ recursive: true });
    for (const n of names) ctx.add(n);
    ctx.setStatus(names[0], { messages: 5, unseen: 2, recent: 1, uidValidity: 7, uidNext: 6 });
    ctx.addFlags(names[1], MailboxFlags.NoSelect);
    await ctx.commit();
    const before = stamp(path);
    const byName = listing(index);
    for (const workers of [0, 2]) {
      const r = await syncAll(index, shuffle([...names], workers + 1), { workers });
      assert.deepEqual(r, { added: 0, deleted: 0, changed: false, compressed: false });
      assert.equal(stamp(path), before);
    }
    const list = join(tmp.dir, `names${seq++}.txt`);
    writeFileSync(list, shuffle([...names], 8).join("\n") + "\n");
    assert.equal((await syncAll(index, { file: list })).changed, false);
    assert.equal(stamp(path), before);
    assert.deepEqual(listing(index), byName);
    assert.equal(index.status(names[0])?.messages, 5);
    await index.close();
  });

  it("finds a dropped name, a new one and changed flags, like a sync does", async () => {
    const names = ["a", "a/b", "c", "ü/x"];
    for (const [label, next, expect] of [
      ["dropped", ["a", "a/b", "ü/x"], { added: 0, deleted: 1 }],
      ["dropped, not ASCII", ["a", "a/b", "c"], { added: 0, deleted: 2 }],
      ["new", [...names, "d"], { added: 1, deleted: 0 }],
      ["new, not ASCII", [...names, "ü/y"], { added: 1, deleted: 0 }],
      ["parent no longer a leaf", ["a/b", "c", "ü/x"], { added: 0, deleted: 0 }],
      ["parent no longer a leaf, not ASCII", ["a", "a/b", "c", "ü/x", "ü"], { added: 0, deleted: 0 }],
      ["parent only", ["a/", "a/b", "c", "ü/x"], { added: 0, deleted: 0 }],
    ] as const) {
      const { index, path } = await fresh(names);
      const before = stamp(path);
      const r = await syncAll(index, [...next]);
      assert.equal(r.changed, true, label);
      assert.equal(r.added, expect.added, label);
      assert.equal(r.deleted, expect.deleted, label);
      assert.notEqual(stamp(path), before, label);
      // The same names through a sync now change nothing.
      assert.equal((await sync(index, [...next])).result.changed, false, label);
      await index.close();
    }
  });

  it("clears NONEXISTENT that a caller set on a reported leaf", async () => {
    const { index } = await fresh(["a", "b"]);
    const ctx = await index.syncBegin({ recursive: true });
    ctx.add("a");
    ctx.setFlags(ctx.add("b"), MailboxFlags.NonExistent);
    await ctx.commit();
    const r = await syncAll(index, ["a", "b"]);
    assert.equal(r.changed, true);
    assert.equal(index.flags("b"), 0);
    await index.close();
  });

  it("deletes an unreported name whose flags would not change", async () => {
    const { index } = await fresh(["a", "b"]);
    const ctx = await index.syncBegin({ recursive: true });
    ctx.add("a");
    ctx.setFlags(ctx.add("b"), MailboxFlags.NonExistent);
    await ctx.commit();
    const r = await syncAll(index, ["a"]);
    assert.equal(r.deleted, 1);
    assert.equal(index.lookup("b"), undefined);
    await index.close();
  });

  it("still rejects a bad name among unchanged ones", async () => {
    const { index, path } = await fresh(["a", "a/b"]);
    const before = stamp(path);
    await assert.rejects(syncAll(index, ["a", "a/b", "x\0y"]), InvalidNameError);
    assert.equal(stamp(path), before);
    await index.close();
  });
});

describe("full-name table shared by lookups and syncs", () => {
  it("serves lookups at once on an image a sync already indexed, and only after many lookups otherwise", async () => {
    const { index, path } = await fresh(["INBOX", "INBOX/Sent", "Archive/2009"]);
    await index.close();
    const { FullNameTable } = await import("../../src/image/full_names.ts");
    const plain = new ListView(readFileSync(path), path);
    assert.equal(plain.fullNames(0x2f), undefined, "no table for the first lookups");
    const indexed = new ListView(readFileSync(path), path);
    const table = FullNameTable.of(indexed, 0x2f);
    assert.ok(table !== undefined);
    assert.equal(indexed.fullNames(0x2f), table, "the table built for the image");
    assert.equal(indexed.fullNames(0x2e), undefined, "not for another separator");
    assert.equal(FullNameTable.built(plain, 0x2f), undefined);
  });
});
