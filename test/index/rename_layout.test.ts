// Rename on disk (SPEC §11 point 4): the moved record keeps its dir_offset,
// so no directory of the subtree is copied or changed; only the old
// parent's directory (the record marked deleted, or the directory written
// again) and the new parent's directory (written again with the new record)
// change, and used_space grows by no more than those directories plus the
// new name — whatever the size of the subtree. The bound is computed from
// the record codec's sizes. Then a seeded run of random renames against a
// model of the names (points 1–3), with the check after every one.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MailboxFlags, MailboxListIndex, RenameError } from "../../mod.ts";
import { checkIndex } from "../../src/check/check.ts";
import { DIR_HEADER_SIZE, dirSize, RECORD_SIZE, recordDirOffset, recordUidWord } from "../../src/format/record.ts";
import { ListView } from "../../src/image/view.ts";
import { prng } from "../helpers/random.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-rename-layout-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };
const SEP = 0x2f;
const utf8 = (s: string) => new TextEncoder().encode(s);

const freshPath = (): string => tmp.fresh("u.mlist");

async function build(path: string, names: string[]): Promise<void> {
  const index = await MailboxListIndex.open(path, quiet);
  const ctx = await index.syncBegin({ recursive: true });
  for (const n of names) ctx.add(n);
  await ctx.commit();
  await index.close();
}

async function renameAt(path: string, from: string, to: string): Promise<void> {
  const index = await MailboxListIndex.open(path, quiet);
  try {
    await index.rename(from, to);
  } finally {
    await index.close();
  }
}

/** A copy of the index at `path` in a directory of its own. */
function copyOf(path: string): string {
  const copy = freshPath();
  cpSync(join(path, ".."), join(copy, ".."), { recursive: true });
  return copy;
}

function viewOf(path: string): ListView {
  return new ListView(new Uint8Array(readFileSync(path)), path);
}

function recordOf(view: ListView, name: string): number {
  const b = utf8(name);
  const rec = view.findRecordByLevels(b, b.length, SEP);
  assert.notEqual(rec, 0, `no record ${name}`);
  return rec;
}

/** Every directory under a record (newest copies), with its bytes: header, records and the names after them. */
function subtreeDirs(view: ListView, rec: number): Map<number, string> {
  const out = new Map<number, string>();
  const stack = [view.childDir(rec)];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    if (dir === 0) continue;
    out.set(dir, Buffer.from(view.bytes.subarray(dir, dir + dirSize(view.dv, dir))).toString("hex"));
    const count = view.dirCount(dir);
    for (let i = 0; i < count; i++) stack.push(view.childDir(dir + DIR_HEADER_SIZE + i * RECORD_SIZE));
  }
  return out;
}

/** Byte size of a directory of `count` records that stores `names` new names, as the codec lays it out. */
function dirBytes(count: number, names: string[] = []): number {
  return DIR_HEADER_SIZE + RECORD_SIZE * count + names.reduce((n, s) => n + utf8(s).length + 1, 0);
}

/** Offsets below `end` where two images differ. */
function changedBelow(a: Uint8Array, b: Uint8Array, end: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < end; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

const SUBTREE = ["Big", ...Array.from({ length: 30 }, (_, i) => `Big/d${i}`)];
for (let i = 0; i < 30; i++) for (let j = 0; j < 8; j++) SUBTREE.push(`Big/d${i}/e${j}`);
const OTHERS = ["INBOX", "Work", "Work/a", "Work/b", "Dest", "Dest/x", "Dest/y"];

describe("rename, point 4: what a rename writes", () => {
  it("moves a 271-mailbox subtree by writing only the new parent's directory: no directory of the subtree changes", async () => {
    const path = freshPath();
    await build(path, [...OTHERS, ...SUBTREE]);
    const before = viewOf(path);
    const attrBefore = readFileSync(`${path}.attr`);
    const bigRec = recordOf(before, "Big");
    const destDir = before.childDir(recordOf(before, "Dest"));
    const dirsBefore = subtreeDirs(before, bigRec);
    assert.equal(dirsBefore.size, 31);
    await renameAt(path, "Big", "Dest/Bigger");
    const now = viewOf(path);
    const moved = recordOf(now, "Dest/Bigger");
    // The moved record keeps its UID and its link to the subtree's first directory.
    assert.equal(recordUidWord(now.dv, moved), recordUidWord(before.dv, bigRec));
    assert.equal(recordDirOffset(now.dv, moved), recordDirOffset(before.dv, bigRec));
    // Every directory of the subtree is where it was, byte for byte.
    assert.deepEqual(subtreeDirs(now, moved), dirsBefore);
    // Below the old used_space, only three words changed: the header's counters, the old
    // record's uid word (its deleted bit) and the link from Dest's old directory to its new copy.
    const allowed = (i: number) =>
      i < 28 || (i >= bigRec + 4 && i < bigRec + 8) || (i >= destDir && i < destDir + 4);
    const changed = changedBelow(before.bytes, now.bytes, before.header.usedSpace);
    assert.deepEqual(changed.filter((i) => !allowed(i)), []);
    assert.ok(changed.some((i) => i >= bigRec + 4 && i < bigRec + 8), "the old record is marked deleted");
    // used_space grew by the new parent's directory (3 records, the one new name) and alignment, at most.
    const bound = 3 + dirBytes(3, ["Bigger"]);
    const grown = now.header.usedSpace - before.header.usedSpace;
    assert.ok(grown <= bound, `used_space grew by ${grown}, more than ${bound}`);
    // Garbage: Dest's old copy, not the subtree.
    const garbage = now.header.deletedSpace - before.header.deletedSpace;
    assert.ok(garbage >= dirSize(before.dv, destDir) && garbage <= DIR_HEADER_SIZE + dirSize(before.dv, destDir), `${garbage}`);
    // The attribute file is not written at all: nothing about any mailbox changed.
    assert.deepEqual(readFileSync(`${path}.attr`), attrBefore);
    assert.equal(checkIndex(path).ok, true);
  });

  it("costs the same for a subtree as for a leaf; within one directory, that one directory", async () => {
    const path = freshPath();
    await build(path, [...OTHERS, ...SUBTREE]);
    const used = viewOf(path).header.usedSpace;
    const grown: Record<string, number> = {};
    for (const [from, to] of [["Big", "Dest/Q1234"], ["Work/a", "Dest/Q5678"], ["Big", "Bog"], ["INBOX", "INBOX2"]]) {
      const copy = copyOf(path);
      await renameAt(copy, from, to);
      grown[`${from} → ${to}`] = viewOf(copy).header.usedSpace - used;
      assert.equal(checkIndex(copy).ok, true);
    }
    assert.equal(grown["Big → Dest/Q1234"], grown["Work/a → Dest/Q5678"]);
    // Renamed in place: the root directory alone is written again (5 records, one new name).
    const root = viewOf(path).dirCount(viewOf(path).rootDir());
    assert.ok(grown["Big → Bog"] <= 3 + dirBytes(root, ["Bog"]), `${grown["Big → Bog"]}`);
    assert.ok(grown["Big → Bog"] < dirBytes(SUBTREE.length));
  });

  it("bounds the growth by both parent directories when the old one is written again too", async () => {
    const path = freshPath();
    await build(path, [...OTHERS, ...SUBTREE]);
    const before = viewOf(path);
    const dirsBefore = subtreeDirs(before, recordOf(before, "Big"));
    const index = await MailboxListIndex.open(path, quiet);
    const ctx = await index.syncBegin({ partial: true });
    ctx.rename("Big", "Work/Big");
    ctx.add("New"); // a new record of the root: the old parent's directory is written again as well
    await ctx.commit();
    await index.close();
    const now = viewOf(path);
    assert.deepEqual(subtreeDirs(now, recordOf(now, "Work/Big")), dirsBefore);
    const root = now.dirCount(now.rootDir()), work = now.dirCount(now.childDir(recordOf(now, "Work")));
    const bound = 6 + dirBytes(root, ["New"]) + dirBytes(work, ["Big"]);
    const grown = now.header.usedSpace - before.header.usedSpace;
    assert.ok(grown <= bound, `used_space grew by ${grown}, more than ${bound}`);
    assert.equal(checkIndex(path).ok, true);
  });
});

// ------------------------------------------------------------ model

interface Node {
  uid: number | undefined;
  leaf: boolean;
}

type Model = Map<string, Node>;

const parentOf = (n: string) => n.includes("/") ? n.slice(0, n.lastIndexOf("/")) : "";
const childrenOf = (m: Model, n: string) => [...m.keys()].filter((k) => parentOf(k) === n);

/** SPEC §11 on the model; returns the code of a refusal, or undefined when done. */
function modelRename(m: Model, from: string, to: string): RenameError["code"] | undefined {
  const inbox = from.toUpperCase() === "INBOX";
  const source = inbox ? [...m.keys()].find((k) => k.toUpperCase() === "INBOX" && m.has(k)) : from;
  if (source === undefined || !m.has(source)) return "NONEXISTENT";
  if (!inbox && (to === from || to.startsWith(`${from}/`))) return to === from ? "ALREADYEXISTS" : "INSIDE";
  const target = m.get(to);
  if (target?.leaf) return "ALREADYEXISTS";
  if (target !== undefined && !inbox) {
    const mine = new Set(childrenOf(m, from).map((k) => k.slice(from.length + 1)));
    for (const k of childrenOf(m, to)) if (k !== from && mine.has(k.slice(to.length + 1))) return "CONFLICT";
  }
  if (inbox) m.set(to, { uid: undefined, leaf: true });
  else {
    const moved = [...m.entries()].filter(([k]) => k === from || k.startsWith(`${from}/`));
    for (const [k] of moved) m.delete(k);
    for (const [k, v] of moved) m.set(to + k.slice(from.length), v);
  }
  for (let p = parentOf(to); p !== "" && !m.has(p); p = parentOf(p)) m.set(p, { uid: undefined, leaf: false });
  if (!inbox) {
    // Rule 8: placeholders left empty go, upwards.
    for (let p = parentOf(from); p !== "" && m.get(p)?.leaf === false && childrenOf(m, p).length === 0; p = parentOf(p)) {
      m.delete(p);
    }
  }
  return undefined;
}

function compare(index: MailboxListIndex, m: Model, where: string): void {
  const seen = new Map<string, { uid: number; flags: number; children: boolean }>();
  for (const e of index.iterate()) seen.set(e.name, { uid: e.uid, flags: e.flags, children: e.hasChildren });
  assert.deepEqual([...seen.keys()].sort(), [...m.keys()].sort(), where);
  for (const [name, node] of m) {
    const e = seen.get(name)!;
    if (node.uid === undefined) node.uid = e.uid;
    assert.equal(e.uid, node.uid, `${where}: UID of ${name}`);
    assert.equal((e.flags & MailboxFlags.NonExistent) === 0, node.leaf, `${where}: ${name} a mailbox`);
    const kids = childrenOf(m, name).length > 0;
    assert.equal(e.children, kids, `${where}: ${name} has children`);
    assert.equal((e.flags & MailboxFlags.Children) !== 0, kids, `${where}: CHILDREN of ${name}`);
  }
}

describe("rename, points 1–3: random renames against a model", () => {
  it("200 seeded renames (moves, takeovers, conflicts, refusals, INBOX) agree with the model; the check passes after each", async () => {
    const rand = prng(11);
    const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)];
    const words = ["a", "b", "c", "INBOX", "x"];
    const names: string[] = ["INBOX"];
    for (let i = 0; i < 60; i++) {
      const depth = 1 + Math.floor(rand() * 4);
      names.push(Array.from({ length: depth }, () => pick(words)).join("/"));
    }
    const path = freshPath();
    await build(path, names);
    const m: Model = new Map();
    for (const n of names) {
      for (let p = n; p !== ""; p = parentOf(p)) if (!m.has(p)) m.set(p, { uid: undefined, leaf: false });
      m.get(n)!.leaf = true;
    }
    const index = await MailboxListIndex.open(path, quiet);
    try {
      compare(index, m, "start");
      const outcomes = new Map<string, number>();
      for (let step = 0; step < 200; step++) {
        const existing = [...m.keys()];
        const r = rand();
        const from = r < 0.05 ? "inbox" : r < 0.1 ? "no/such" : pick(existing);
        const base = rand() < 0.5 ? pick(existing) : "";
        let to = rand() < 0.15 ? pick(existing) : (base === "" ? "" : `${base}/`) + pick(words) + (rand() < 0.5 ? "" : "2");
        if (to.split("/").length > 8) to = pick(words);
        const expected = modelRename(m, from, to);
        const where = `step ${step}: rename ${JSON.stringify(from)} → ${JSON.stringify(to)}`;
        try {
          await index.rename(from, to);
          assert.equal(expected, undefined, `${where}: done, the model says ${expected}`);
        } catch (e) {
          if (!(e instanceof RenameError)) throw e;
          assert.equal(e.code, expected, `${where}: ${e.message}`);
        }
        outcomes.set(expected ?? "done", (outcomes.get(expected ?? "done") ?? 0) + 1);
        compare(index, m, where);
        const report = checkIndex(path);
        assert.equal(report.ok, true, `${where}: ${JSON.stringify(report.problems.slice(0, 3))}`);
      }
      for (const code of ["done", "NONEXISTENT", "ALREADYEXISTS", "INSIDE", "CONFLICT"]) {
        assert.ok((outcomes.get(code) ?? 0) > 0, `no ${code} among ${JSON.stringify([...outcomes])}`);
      }
    } finally {
      await index.close();
    }
    // A fresh reader agrees.
    const reader = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    try {
      compare(reader, m, "reader");
    } finally {
      await reader.close();
    }
  });
});

describe("rename inside full syncs: random renames, then the names after them, against a model", () => {
  it("60 seeded full syncs, each with renames, some names gone and some new, agree with the model", async () => {
    const rand = prng(5);
    const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)];
    const words = ["a", "b", "c", "d", "INBOX"];
    const randomName = () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(words)).join("/");
    const names = ["INBOX", ...Array.from({ length: 40 }, randomName)];
    const path = freshPath();
    await build(path, names);
    const m: Model = new Map();
    const settle = (reported: Set<string>) => {
      // A full sync's names are the mailboxes; their parents are placeholders; everything else goes.
      const next: Model = new Map();
      for (const n of reported) {
        for (let p = n; p !== ""; p = parentOf(p)) {
          if (!next.has(p)) next.set(p, { uid: m.get(p)?.uid, leaf: false });
        }
      }
      for (const n of reported) next.get(n)!.leaf = true;
      m.clear();
      for (const [k, v] of next) m.set(k, v);
    };
    settle(new Set(names));
    const index = await MailboxListIndex.open(path, quiet);
    try {
      compare(index, m, "start");
      for (let step = 0; step < 60; step++) {
        const ctx = await index.syncBegin({ recursive: true });
        const where = `sync ${step}`;
        // What INBOX's renames created: mailboxes as if the sync reported them (wherever later renames took them).
        const copies = new Set<string>();
        for (let r = 1 + Math.floor(rand() * 3); r > 0; r--) {
          const from = rand() < 0.1 ? "INBOX" : pick([...m.keys()]);
          const to = rand() < 0.2 ? pick([...m.keys()]) : randomName();
          const expected = modelRename(m, from, to);
          if (expected === undefined && from === "INBOX") copies.add(to);
          else if (expected === undefined) {
            for (const c of [...copies]) {
              if (c !== from && !c.startsWith(`${from}/`)) continue;
              copies.delete(c);
              copies.add(to + c.slice(from.length));
            }
          }
          try {
            ctx.rename(from, to);
            assert.equal(expected, undefined, `${where}: rename ${from} → ${to} done, the model says ${expected}`);
          } catch (e) {
            if (!(e instanceof RenameError)) throw e;
            assert.equal(e.code, expected, `${where}: ${e.message}`);
          }
        }
        const reported = new Set([...m.entries()].filter(([, v]) => v.leaf && rand() > 0.08).map(([k]) => k));
        for (let k = Math.floor(rand() * 3); k > 0; k--) reported.add(randomName());
        for (const c of copies) reported.add(c);
        for (const n of reported) ctx.add(n);
        await ctx.commit();
        settle(reported);
        compare(index, m, where);
        const report = checkIndex(path);
        assert.equal(report.ok, true, `${where}: ${JSON.stringify(report.problems.slice(0, 3))}`);
      }
    } finally {
      await index.close();
    }
  });
});
