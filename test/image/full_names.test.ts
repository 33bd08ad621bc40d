// The full-name table (src/image/full_names.ts): a name is answered from its
// key alone, so two records with one key must never be in a table — checked
// with keys made to collide, which make the build refuse the image and the
// callers take their general path — and building the table checks the
// image's UIDs (SPEC §9).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CorruptIndexError, MailboxListIndex } from "../../mod.ts";
import { degenerateKeysForTests, FullNameTable, KEYED_BYTES } from "../../src/image/full_names.ts";
import { NAME_MISSING, NAME_NOT_PLAIN } from "../../src/image/full_names.ts";
import { DEFAULT_LIMITS } from "../../src/format/limits.ts";
import { ListView } from "../../src/image/view.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir();
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };
let seq = 0;
const SEP = 0x2f;

async function fresh(names: string[], options: { maxNameLength?: number } = {}): Promise<string> {
  const path = join(tmp.dir, `t${seq++}.mlist`);
  const index = await MailboxListIndex.open(path, { ...quiet, ...options });
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
  let slot = table.findString(name, DEFAULT_LIMITS);
  const b = new TextEncoder().encode(name);
  const bySlot = table.findBytes(b, 0, b.length);
  if (slot === NAME_NOT_PLAIN && /[^\0-\x7f]/.test(name)) slot = bySlot;
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
const long = `${"L".repeat(200)}/${"m".repeat(201)}/${"n".repeat(150)}`;
/** Names of many lengths, odd and even, past 64 and 128 bytes (where the sums are reduced), and not ASCII. */
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
  long,
  "Entwürfe/2009",
  "Entwürfe/2009/Jänner",
];
/** Names not in the image, each as long as one that is (so that they share its key when keys collide). */
const OUTSIDE = [
  "INBOX/ax",
  "ab/INBOX",
  "INBOX/cd/eg",
  "INBOX/cx/ef",
  "Arch/2010",
  "Arcx",
  `bbbb${a20.slice(4)}/${q20}/leaf-0001`,
  `${b20}/${q20}/leaf-0001`,
  `top/y${z60.slice(1)}`,
  `v${w60.slice(1)}`,
  `tox/${z60}`,
  `${long.slice(0, -1)}o`,
  `${long.slice(0, 100)}/${long.slice(101)}`,
  "Entwürfe/2008",
  "Entwurfe/2009/Jänner",
];

describe("full-name table answers only the name's own record", () => {
  it("answers every name of the image and no other, from strings and bytes", async () => {
    const path = await fresh(IMAGE);
    const view = new ListView(readFileSync(path), path);
    const table = FullNameTable.build(view, SEP);
    assert.ok(table !== undefined, "the image is indexed");
    for (const name of IMAGE) {
      const uid = walkUid(view, name);
      assert.ok(uid !== undefined);
      assert.equal(tableUid(table, name), uid, name);
      assert.equal(tableUid(table, `/${name}//`), uid, `${name}, with empty components`);
      assert.equal(tableUid(table, name.replaceAll("/", "//")), uid, `${name}, with doubled separators`);
    }
    for (const name of OUTSIDE) {
      assert.equal(walkUid(view, name), undefined);
      assert.equal(tableUid(table, name), undefined, name);
    }
    assert.equal(table.findString("", DEFAULT_LIMITS), NAME_NOT_PLAIN);
    assert.equal(table.findString("//", DEFAULT_LIMITS), NAME_NOT_PLAIN);
    assert.equal(table.findString("INBOX/a\0", DEFAULT_LIMITS), NAME_NOT_PLAIN);
    assert.equal(table.findString(`INBOX/${"x".repeat(256)}`, DEFAULT_LIMITS), NAME_NOT_PLAIN);
    assert.equal(table.findString("a/".repeat(255) + "a", DEFAULT_LIMITS), NAME_NOT_PLAIN);
    assert.equal(table.findString("a/".repeat(254) + "a", DEFAULT_LIMITS), NAME_MISSING);
  });

  it("does not build a table while two names of the image share a key", async () => {
    // Colliding keys depend on the length only: two names of one length share a key.
    const path = await fresh(IMAGE);
    const view = new ListView(readFileSync(path), path);
    assert.equal(withCollidingKeys(() => FullNameTable.build(view, SEP)), undefined);
    // One name of each length: nothing collides in the image, and the table is built.
    const distinct = await fresh(["a", "bb", "bb/c", "bb/cc/d"]);
    const dview = new ListView(readFileSync(distinct), distinct);
    assert.ok(withCollidingKeys(() => FullNameTable.build(dview, SEP)) !== undefined);
    // Two names of one length, however deep: refused.
    const pair = await fresh(["a", "bb", "bb/c", "bb/cc/d", "x/cc/d"]);
    const pview = new ListView(readFileSync(pair), pair);
    assert.equal(withCollidingKeys(() => FullNameTable.build(pview, SEP)), undefined);
    assert.ok(FullNameTable.build(pview, SEP) !== undefined, "the real keys index it");
  });

  it("gives a new name that shares an existing one's key a new UID in a full sync", async () => {
    const path = await fresh(IMAGE);
    const index = await MailboxListIndex.open(path, quiet);
    const before = new Map([...index.iterate()].map((m) => [m.name, m.uid]));
    // The sync's table would be built while keys collide: it is not, and the sync takes its general path.
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

  it("answers lookups exactly when keys collide: from the general path", async () => {
    const path = await fresh(IMAGE);
    const index = await MailboxListIndex.open(path, { ...quiet, readonly: true, checkIntervalMs: 1e9 });
    const expected = new Map([...index.iterate()].map((m) => [m.name, m.uid]));
    withCollidingKeys(() => {
      for (let i = 0; i < 2100; i++) index.lookup("INBOX"); // past the point where a table would answer
    });
    for (const n of IMAGE) assert.equal(index.lookup(n), expected.get(n), n);
    for (const n of OUTSIDE) assert.equal(index.lookup(n), undefined, n);
    await index.close();
  });

  it("does not index an image with a name longer than the keyed bytes", async () => {
    const big = `${"x".repeat(250)}/`.repeat(17) + "end"; // 4270 bytes
    assert.ok(big.length > KEYED_BYTES);
    const path = await fresh(["INBOX", big], { maxNameLength: 8192 });
    const view = new ListView(readFileSync(path), path);
    assert.ok(walkUid(view, big) !== undefined);
    assert.equal(FullNameTable.build(view, SEP), undefined);
    const small = await fresh(["INBOX", big.slice(0, 4000)]);
    const sview = new ListView(readFileSync(small), small);
    const table = FullNameTable.build(sview, SEP)!;
    assert.equal(tableUid(table, big.slice(0, 4000)), walkUid(sview, big.slice(0, 4000)));
    const limits = { ...DEFAULT_LIMITS, maxNameLength: 8192 };
    assert.equal(table.findString(big, limits), NAME_MISSING, "a longer name is in no table");
    assert.equal(table.findString(`${big.slice(0, 4000)}${"/".repeat(300)}`, limits), table.findString(big.slice(0, 4000), limits));
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
