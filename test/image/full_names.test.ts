// The full-name table (src/image/full_names.ts): a name is answered only by the
// record whose bytes it has, whatever the keys are — checked with keys made
// to collide — and building the table checks the image's UIDs (SPEC §9).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CorruptIndexError, MailboxListIndex } from "../../mod.ts";
import { degenerateKeysForTests, FullNameTable, WINDOW_BYTES } from "../../src/image/full_names.ts";
import { DEFAULT_LIMITS } from "../../src/format/limits.ts";
import { ListView } from "../../src/image/view.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir();
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };
let seq = 0;
const SEP = 0x2f;

async function fresh(names: string[]): Promise<string> {
  const path = join(tmp.dir, `t${seq++}.mlist`);
  const index = await MailboxListIndex.open(path, quiet);
  const ctx = await index.syncBegin({ recursive: true });
  for (const n of names) ctx.add(n);
  await ctx.commit();
  await index.close();
  return path;
}

/** UID of a name by the walk per level (no table), or undefined. */
function walkUid(view: ListView, name: string): number | undefined {
  const b = new TextEncoder().encode(name);
  const rec = view.findRecordByLevels(b, b.length, SEP);
  return rec === 0 ? undefined : view.uidOf(rec);
}

/** UID of a name through a table, from the string and from its bytes (which must agree). */
function tableUid(table: FullNameTable, name: string): number | undefined {
  const slot = table.findString(name, DEFAULT_LIMITS);
  const b = new TextEncoder().encode(name);
  const bySlot = table.findBytes(b, 0, b.length);
  assert.equal(bySlot, slot, `findBytes and findString disagree on ${name}`);
  return slot >= 0 ? table.uidAt(slot) : undefined;
}

function withCollidingKeys<T>(f: () => T): T {
  degenerateKeysForTests(true);
  try {
    return f();
  } finally {
    degenerateKeysForTests(false);
  }
}

const a20 = "a".repeat(20), b20 = "b".repeat(20), q20 = "q".repeat(20), z60 = "z".repeat(60), w60 = "w".repeat(60);
/** Names of every kind of comparison: whole in the window, with an anchor, with a component the window cannot reach past. */
const IMAGE = [
  "INBOX",
  "INBOX/ab",
  "INBOX/cd/ef",
  "Arch/2009",
  `${a20}/${q20}/leaf-0001`,
  `${b20}/${q20}/leaf-0002`,
  `bbbb${a20.slice(4)}/${q20}/leaf-0009`,
  `top/${z60}`,
  w60,
];
/** Names not in the image, each as long as one that is (so that they share its key when keys collide). */
const OUTSIDE = [
  "INBOX/ax",
  "ab/INBOX",
  "INBOX/cd/eg",
  "INBOX/cx/ef",
  "Arch/2010",
  "Arcx",
  // Same last bytes as an image name under another parent that the image has: only the anchor tells them apart.
  `bbbb${a20.slice(4)}/${q20}/leaf-0001`,
  `${b20}/${q20}/leaf-0001`,
  // A long component that differs before the window: compared in the image.
  `top/y${z60.slice(1)}`,
  `v${w60.slice(1)}`,
  `tox/${z60}`,
];

describe("full-name table answers only the name's own record", () => {
  it("keeps lookups exact when every name of one length shares a key", async () => {
    const path = await fresh(IMAGE);
    assert.ok(`${a20}/${q20}/leaf-0001`.length > WINDOW_BYTES, "a name past the window");
    for (const colliding of [true, false]) {
      const view = new ListView(readFileSync(path), path);
      const table = colliding ? withCollidingKeys(() => FullNameTable.build(view, SEP)) : FullNameTable.build(view, SEP);
      assert.ok(table !== undefined, "the image is indexed");
      for (const name of IMAGE) {
        const uid = walkUid(view, name);
        assert.ok(uid !== undefined);
        assert.equal(tableUid(table, name), uid, name);
        assert.equal(tableUid(table, `/${name}//`), uid, `${name}, with empty components`);
      }
      for (const name of OUTSIDE) {
        assert.equal(walkUid(view, name), undefined);
        assert.equal(tableUid(table, name), undefined, name);
      }
    }
  });

  it("gives a new name that shares an existing one's key a new UID in a full sync", async () => {
    const path = await fresh(IMAGE);
    const index = await MailboxListIndex.open(path, quiet);
    const before = new Map([...index.iterate()].map((m) => [m.name, m.uid]));
    // The sync's table is built while keys collide.
    degenerateKeysForTests(true);
    let got;
    try {
      got = await index.syncBegin({ recursive: true });
    } finally {
      degenerateKeysForTests(false);
    }
    const uids = new Map<string, number>();
    for (const n of [...IMAGE, ...OUTSIDE]) uids.set(n, got.add(n));
    const result = await got.commit();
    // Every outside name is new (with its parents that were new too).
    const after = new Map([...index.iterate()].map((m) => [m.name, m.uid]));
    for (const n of OUTSIDE) {
      assert.ok(!before.has(n), n);
      assert.equal(after.get(n), uids.get(n), n);
      assert.ok(uids.get(n)! >= Math.max(...before.values()) + 1, `${n} has a new UID`);
    }
    for (const n of IMAGE) assert.equal(uids.get(n), before.get(n), n);
    assert.equal(new Set(after.values()).size, after.size, "no UID twice");
    assert.equal(result.added, after.size - before.size);
    assert.equal(result.deleted, 0);
    await index.close();
  });

  it("answers lookups exactly once the table serves them", async () => {
    const path = await fresh(IMAGE);
    const index = await MailboxListIndex.open(path, { ...quiet, readonly: true, checkIntervalMs: 1e9 });
    const expected = new Map([...index.iterate()].map((m) => [m.name, m.uid]));
    withCollidingKeys(() => {
      for (let i = 0; i < 2100; i++) index.lookup("INBOX"); // past the point where the table answers
    });
    for (const n of IMAGE) assert.equal(index.lookup(n), expected.get(n), n);
    for (const n of OUTSIDE) assert.equal(index.lookup(n), undefined, n);
    await index.close();
  });
});

describe("full-name table and damaged names", () => {
  it("does not index an image with the separator inside a component", async () => {
    const path = await fresh(["axb", "a", "a/c"]);
    const bytes = new Uint8Array(readFileSync(path));
    // Turn the top-level name "axb" into "a/b": it must not answer for the name "a/b", which the image does not have.
    const at = Buffer.from(bytes).indexOf("axb\0");
    bytes[at + 1] = SEP;
    const view = new ListView(bytes, path);
    assert.equal(walkUid(view, "a/b"), undefined);
    assert.equal(FullNameTable.build(view, SEP), undefined);
  });
});

describe("full-name table build checks the UIDs", () => {
  /** The image of `a`, `b`, `c`, `a/x` with one change, and its UIDs by name. */
  async function damaged(change: (bytes: Uint8Array, dv: DataView, view: ListView, uids: Map<string, number>) => void) {
    const path = await fresh(["a", "b", "c", "a/x"]);
    const bytes = new Uint8Array(readFileSync(path));
    const view = new ListView(bytes, path);
    const uids = new Map(["a", "b", "c", "a/x"].map((n) => [n, walkUid(view, n)!]));
    change(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), view, uids);
    writeFileSync(path, bytes);
    return { path, uids };
  }

  /** Offset of the top-level record whose UID is `uid`. */
  function recordOf(view: ListView, dv: DataView, uid: number): number {
    const root = view.rootDir();
    for (let i = 0, r = root + 12; i < view.dirCount(root); i++, r += 16) if ((dv.getUint32(r + 4, true) & 0x7fffffff) === uid) return r;
    throw new Error(`no record with UID ${uid}`);
  }

  for (
    const [label, change, message] of [
      [
        "two records with one UID",
        (_b: Uint8Array, dv: DataView, view: ListView, uids: Map<string, number>) =>
          dv.setUint32(recordOf(view, dv, uids.get("c")!) + 4, uids.get("b")!, true),
        /more than one record/,
      ],
      [
        "a UID not below next_uid",
        (_b: Uint8Array, dv: DataView, _v: ListView, uids: Map<string, number>) =>
          dv.setUint32(16, Math.max(...uids.values()), true),
        /not below next_uid/,
      ],
    ] as const
  ) {
    it(`does not index an image with ${label}; lookups walk the levels`, async () => {
      const { path, uids } = await damaged(change);
      const view = new ListView(readFileSync(path), path);
      assert.throws(() => FullNameTable.build(view, SEP), (e: unknown) => e instanceof CorruptIndexError && message.test(e.message));
      for (let i = 0; i < 2100; i++) view.fullNames(SEP);
      assert.equal(view.fullNames(SEP), undefined, "no table");
      const b = new TextEncoder().encode("a/x");
      assert.equal(view.uidOf(view.findRecord(b, b.length, SEP)), uids.get("a/x"));
    });
  }
});
