// The bulk full sync (syncAll, optionally across worker threads) against the
// single-thread sync of the same names: same names, flags and surviving
// UIDs; new UIDs unique and ≥ the old next_uid; nothing written without change.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MailboxFlags, MailboxListIndex, syncAll } from "../../mod.ts";
import { generateTree } from "../../bench/trees.ts";
import { shuffle } from "../helpers/random.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir();
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };

async function syncEach(index: MailboxListIndex, names: string[]) {
  const ctx = await index.syncBegin({ recursive: true });
  for (const n of names) ctx.add(n);
  return await ctx.commit();
}

function rows(index: MailboxListIndex): Map<string, { uid: number; flags: number; hasChildren: boolean }> {
  const m = new Map<string, { uid: number; flags: number; hasChildren: boolean }>();
  for (const e of index.iterate()) m.set(e.name, { uid: e.uid, flags: e.flags, hasChildren: e.hasChildren });
  return m;
}

function churn(names: string[], seed: number): string[] {
  const parents = new Set<string>();
  for (const n of names) {
    const p = n.split("/");
    for (let k = 1; k < p.length; k++) parents.add(p.slice(0, k).join("/"));
  }
  const leaves = shuffle(names.filter((n) => !parents.has(n)), seed);
  const drop = new Set(leaves.slice(0, Math.ceil(names.length / 100)));
  const add = Array.from({ length: Math.ceil(names.length / 100) }, (_, i) => `INBOX/bulk-${seed}-${i % 50}/m${i}`);
  return shuffle([...names.filter((n) => !drop.has(n)), ...add], seed + 1);
}

for (const workers of [0, 2]) {
  describe(`syncAll with ${workers} workers`, () => {
    it("matches the single-thread sync after 1% added and 1% deleted, on a realistic tree", async () => {
      const names = generateTree("realistic", 20000, 21 + workers);
      const a = await MailboxListIndex.open(join(tmp.dir, `each-${workers}.mlist`), { ...quiet, uidValidity: 9 });
      const b = await MailboxListIndex.open(join(tmp.dir, `bulk-${workers}.mlist`), { ...quiet, uidValidity: 9 });
      await syncEach(a, names);
      await syncEach(b, names);
      // A caller-set flag and a STATUS survive the bulk sync.
      const ctx = await b.syncBegin({ partial: true });
      const kept = names[5];
      ctx.setFlags(b.lookup(kept)!, MailboxFlags.NoSelect);
      ctx.setStatus(kept, { messages: 4, unseen: 2, recent: 1, uidValidity: 77, uidNext: 5 });
      await ctx.commit();
      const before = rows(b);
      const oldNext = b.header.nextUid;
      const next = churn(names, 3 + workers);
      if (!next.includes(kept)) next.push(kept);
      const ra = await syncEach(a, next);
      const rb = await syncAll(b, next, { workers });
      assert.equal(rb.added, ra.added);
      assert.equal(rb.deleted, ra.deleted);
      const ea = rows(a), eb = rows(b);
      assert.deepEqual([...eb.keys()].sort(), [...ea.keys()].sort());
      for (const [name, r] of eb) {
        const o = before.get(name);
        if (o !== undefined) assert.equal(r.uid, o.uid, `${name} keeps its UID`);
        else assert.ok(r.uid >= oldNext, `${name} gets a new UID`);
        assert.equal(r.hasChildren, ea.get(name)!.hasChildren, name);
        if (name !== kept) assert.equal(r.flags, ea.get(name)!.flags, `${name} flags`);
      }
      assert.equal(new Set([...eb.values()].map((r) => r.uid)).size, eb.size, "UIDs are unique");
      assert.equal(eb.get(kept)!.flags & MailboxFlags.NoSelect, MailboxFlags.NoSelect);
      assert.deepEqual(b.status(kept), { messages: 4, unseen: 2, recent: 1, uidValidity: 77, uidNext: 5 });
      // A fresh reader agrees.
      const r = await MailboxListIndex.open(b.path, { ...quiet, readonly: true });
      assert.deepEqual(rows(r), eb);
      await r.close();
      // The same names again: nothing is written.
      const bytes = readFileSync(b.path);
      const mtime = statSync(b.path).mtimeMs;
      const again = await syncAll(b, shuffle([...next], 99), { workers });
      assert.equal(again.changed, false);
      assert.deepEqual(readFileSync(b.path), bytes);
      assert.equal(statSync(b.path).mtimeMs, mtime);
      await a.close();
      await b.close();
    });
  });
}

describe("flag bits a sync does not own", () => {
  // Bits 0x10–0x80 are no rule's: a plain full sync keeps them, and syncAll, documented
  // to match it, must keep them too (with and without a change to the tree).
  const OTHER = 0x10 | 0x20 | 0x40 | 0x80;
  const names = ["INBOX", "INBOX/Sent", "Archive/2009", "Lists/dev"];
  for (const [label, next] of [
    ["the same names", names],
    ["a new name", [...names, "Drafts"]],
    ["a dropped name", names.filter((n) => n !== "Lists/dev")],
  ] as const) {
    for (const workers of [0, 2]) {
      it(`survive a plain sync and syncAll alike, given ${label}, with ${workers} workers`, async () => {
        const a = await MailboxListIndex.open(join(tmp.dir, `other-a-${label}-${workers}.mlist`), { ...quiet, uidValidity: 5 });
        const b = await MailboxListIndex.open(join(tmp.dir, `other-b-${label}-${workers}.mlist`), { ...quiet, uidValidity: 5 });
        for (const index of [a, b]) {
          await syncEach(index, names);
          const ctx = await index.syncBegin({ partial: true });
          ctx.setFlags(index.lookup("INBOX/Sent")!, OTHER);
          ctx.setFlags(index.lookup("INBOX")!, OTHER | MailboxFlags.Children | MailboxFlags.NoSelect);
          ctx.setFlags(index.lookup("Archive")!, OTHER | MailboxFlags.Children | MailboxFlags.NonExistent);
          await ctx.commit();
        }
        const ra = await syncEach(a, [...next]);
        const rb = await syncAll(b, [...next], { workers });
        assert.equal(rb.changed, ra.changed, "both change the index, or neither");
        const ea = rows(a), eb = rows(b);
        assert.deepEqual(eb, ea);
        assert.equal(ea.get("INBOX/Sent")!.flags, OTHER);
        assert.equal(ea.get("INBOX")!.flags, OTHER | MailboxFlags.Children | MailboxFlags.NoSelect);
        assert.equal(ea.get("Archive")!.flags, OTHER | MailboxFlags.Children | MailboxFlags.NonExistent);
        await a.close();
        await b.close();
      });
    }
  }
});
