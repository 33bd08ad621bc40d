// MailboxListIndex on bigger trees: the full-name table behind repeated
// lookups and full syncs must answer exactly like the per-level walk.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { ImageNames } from "../../src/image/names.ts";
import { generateTree } from "../../bench/trees.ts";
import { shuffle } from "../helpers/random.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir();
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };

async function syncAll(index: MailboxListIndex, names: string[], opts = { recursive: true }) {
  const ctx = await index.syncBegin(opts);
  const uids = names.map((n) => ctx.add(n));
  const result = await ctx.commit();
  return { uids, result };
}

function listing(index: MailboxListIndex): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of index.iterate()) m.set(e.name, e.uid);
  return m;
}

describe("lookups through the full-name table", () => {
  it("answer exactly like a fresh reader, for hits, misses and odd spellings", async () => {
    const names = generateTree("realistic", 20000, 7);
    const path = join(tmp.dir, "lookups.mlist");
    const index = await MailboxListIndex.open(path, quiet);
    const { uids } = await syncAll(index, names);
    const byName = listing(index);
    assert.equal(byName.size, names.length);
    // More lookups than the table threshold, on one image.
    for (let i = 0; i < names.length; i++) assert.equal(index.lookup(names[i]), uids[i], names[i]);
    for (const n of names.slice(0, 3000)) {
      assert.equal(index.lookup(n + "x"), undefined);
      assert.equal(index.lookup("/" + n.split("/").join("//") + "/"), byName.get(n), `canonical form of ${n}`);
    }
    assert.equal(index.lookup(""), undefined);
    assert.equal(index.lookup("///"), undefined);
    await index.close();
  });
});

describe("lookups hashed a word at a time", () => {
  it("find non-ASCII names and every name length, and miss near misses", async () => {
    const wellFormed = (s: string) => !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""));
    // Lengths 1..70 bytes (tails of 0..3 bytes, last components around the 32 bytes kept in a slot),
    // multi-byte UTF-8, and separators in every position of a word.
    const names: string[] = [];
    const leaves = ["ü", "Entwürfe", "日本語のフォルダ", "😀", "a", "ab", "abc", "abcd"];
    for (let len = 1; len <= 70; len++) {
      const leaf = "x".repeat(len);
      names.push(leaf, `p/${leaf}`, `pq/${leaf}`, `pqr/${leaf}`, `Übersicht/${leaf}`, `${leaf}/z`);
    }
    for (const l of leaves) names.push(l, `Archiv/${l}`, `${l}/${l}`, `Ä/ö/${l}/ü`);
    for (let i = 0; i < 3000; i++) names.push(`bulk/${i}/${"y".repeat(1 + (i % 40))}`);
    const path = join(tmp.dir, "words.mlist");
    const index = await MailboxListIndex.open(path, quiet);
    await syncAll(index, names);
    const byName = listing(index);
    const unique = [...new Set(names)];
    // Before the table exists (per-level walk) and after (table), the same answers.
    const before = unique.map((n) => index.lookup(n));
    for (let i = 0; i < 3; i++) for (const n of unique) index.lookup(n);
    for (let i = 0; i < unique.length; i++) {
      const n = unique[i];
      assert.equal(index.lookup(n), byName.get(n), n);
      assert.equal(index.lookup(n), before[i], n);
      // A different last byte, one byte more or less, a different parent: not found.
      const last = n.charCodeAt(n.length - 1);
      const other = n.slice(0, -1) + String.fromCharCode(last === 0x7a ? 0x79 : 0x7a);
      // (A near miss cut inside a surrogate pair has no UTF-8 form: that is an InvalidNameError, tested elsewhere.)
      if (!byName.has(other) && wellFormed(other)) assert.equal(index.lookup(other), undefined, other);
      if (!byName.has(n + "x")) assert.equal(index.lookup(n + "x"), undefined, n + "x");
      const shorter = n.slice(0, -1);
      if (shorter !== "" && !shorter.endsWith("/") && !byName.has(shorter) && wellFormed(shorter)) {
        assert.equal(index.lookup(shorter), undefined, shorter);
      }
      const moved = "q" + n;
      if (!byName.has(moved)) assert.equal(index.lookup(moved), undefined, moved);
      // Empty components are dropped.
      assert.equal(index.lookup(`/${n.split("/").join("//")}/`), byName.get(n), n);
    }
    await index.close();
  });
});

describe("names decoded by iterate", () => {
  it("ASCII names are cut from decoded chunks, across chunk boundaries too", () => {
    const bytes = new Uint8Array(3 * 65536);
    const enc = new TextEncoder();
    const put = (at: number, s: string) => {
      bytes.set(enc.encode(s), at);
      return at + enc.encode(s).length;
    };
    for (const at of [0, 100, 65530, 65533, 65535, 65536, 131070]) {
      const end = put(at, "Archive-2009");
      // A fresh decoder each time: decoded chunks are kept, images never change.
      const names = new ImageNames(bytes, bytes.length);
      assert.equal(names.ascii(at - 1 < 0 ? at : at - 1, end).slice(at === 0 ? 0 : 1), "Archive-2009", `at ${at}`);
      assert.equal(names.ascii(at, end), "Archive-2009", `at ${at}`);
      bytes.fill(0, at, end);
    }
    const end = put(65534, "Entwürfe");
    assert.equal(new ImageNames(bytes, bytes.length).utf8(65534, end), "Entwürfe");
  });

  it("iterate gives back every synced name, ASCII or not, in a file of many chunks", async () => {
    const names: string[] = [];
    for (let i = 0; i < 12000; i++) {
      const leaf = i % 3 === 0 ? `Entwürfe-${i}` : i % 3 === 1 ? `日本-${i}` : `plain-folder-${i}`;
      names.push(i % 5 === 0 ? leaf : `top-${i % 50}/${leaf}`);
    }
    const path = join(tmp.dir, "decode.mlist");
    const index = await MailboxListIndex.open(path, quiet);
    const { uids } = await syncAll(index, names);
    assert.ok(index.header.usedSpace > 4 * 65536);
    const seen = listing(index);
    for (let i = 0; i < names.length; i++) assert.equal(seen.get(names[i]), uids[i], names[i]);
    const parents = new Set(names.filter((n) => n.includes("/")).map((n) => n.split("/")[0]));
    assert.equal(seen.size, names.length + parents.size);
    await index.close();
  });
});

describe("full syncs of a big index", () => {
  it("a full sync with the same names changes nothing and keeps every UID", async () => {
    const names = generateTree("realistic", 30000, 11);
    const path = join(tmp.dir, "nochange.mlist");
    const index = await MailboxListIndex.open(path, quiet);
    const first = await syncAll(index, names);
    const before = { ...index.header };
    const again = await syncAll(index, shuffle([...names], 5));
    assert.equal(again.result.changed, false);
    assert.deepEqual(index.header, before);
    const byName = listing(index);
    names.forEach((n, i) => assert.equal(byName.get(n), first.uids[i]));
    await index.close();
  });

  it("1% added and 1% deleted gives the same listing as a fresh index of the result", async () => {
    const names = generateTree("realistic", 30000, 13);
    const path = join(tmp.dir, "churn.mlist");
    const index = await MailboxListIndex.open(path, quiet);
    const first = await syncAll(index, names);
    const uidOf = new Map(names.map((n, i) => [n, first.uids[i]]));
    // Delete 1% of the leaves (names that no other name lies under), add 1% new names.
    const isParent = new Set<string>();
    for (const n of names) {
      const parts = n.split("/");
      for (let k = 1; k < parts.length; k++) isParent.add(parts.slice(0, k).join("/"));
    }
    const leaves = names.filter((n) => !isParent.has(n));
    const dropped = new Set(shuffle([...leaves], 3).slice(0, names.length / 100));
    const added = Array.from({ length: names.length / 100 }, (_, i) => `INBOX/new-${i}/x${i % 7}`);
    const next = [...names.filter((n) => !dropped.has(n)), ...added];
    const second = await syncAll(index, shuffle([...next], 9));
    assert.equal(second.result.deleted, dropped.size);
    const got = listing(index);
    // Survivors keep their UIDs; new ones are unique and ≥ the old next_uid.
    for (const n of names) if (!dropped.has(n)) assert.equal(got.get(n), uidOf.get(n), n);
    for (const n of dropped) assert.equal(got.has(n), false, n);
    const fresh = await MailboxListIndex.open(join(tmp.dir, "churn-fresh.mlist"), quiet);
    await syncAll(fresh, next);
    assert.deepEqual([...got.keys()].sort(), [...listing(fresh).keys()].sort());
    const newUids = added.map((n) => got.get(n)!);
    assert.equal(new Set(newUids).size, newUids.length);
    for (const u of newUids) assert.ok(u >= first.uids.length + 1);
    // Flags agree with the fresh index's.
    const flagsOf = (ix: MailboxListIndex) => new Map([...ix.iterate()].map((e) => [e.name, [e.flags, e.hasChildren]]));
    assert.deepEqual(flagsOf(index), flagsOf(fresh));
    await fresh.close();
    await index.close();
  });
});

describe("addFlags", () => {
  it("adds \\Noselect on top of the sync's own flags, for new and existing mailboxes", async () => {
    const index = await MailboxListIndex.open(join(tmp.dir, "addflags.mlist"), quiet);
    let ctx = await index.syncBegin({ recursive: true });
    ctx.add("Shared/a");
    ctx.add("Plain");
    ctx.addFlags("Shared", 4);
    await ctx.commit();
    const flags = new Map([...index.iterate()].map((e) => [e.name, e.flags]));
    assert.equal(flags.get("Shared"), 1 | 4 | 8); // CHILDREN | NOSELECT | NONEXISTENT (implied parent)
    ctx = await index.syncBegin({ recursive: true });
    ctx.add("Shared");
    ctx.add("Shared/a");
    const uid = ctx.add("Plain");
    ctx.addFlags(uid, 4);
    await ctx.commit();
    const after = new Map([...index.iterate()].map((e) => [e.name, e.flags]));
    assert.equal(after.get("Plain"), 4);
    assert.equal(after.get("Shared"), 1 | 4); // a leaf now; NOSELECT kept from before
    await index.close();
  });
});
