// A version-1 attribute file, as this project wrote it before GUIDs and the
// newer STATUS figures (test/vectors/attr-v1, SPEC §12): it opens and reads
// as it did, passes the check, and the next commit of any kind — a sync
// that changes nothing, a partial sync, syncAll, a compression — writes it
// whole as version 2 with every flag, special-use bit and STATUS figure
// kept and a GUID for every mailbox; a rebuild keeps its special-use.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MailboxFlags, MailboxListIndex, syncAll } from "../../mod.ts";
import { ATTR_ENTRY_SIZE, ATTR_ENTRY_SIZE_V1, decodeAttrHeader } from "../../src/format/attr_codec.ts";
import { checkIndex } from "../../src/check/check.ts";
import { dumpIndex } from "../../src/check/dump.ts";
import { rebuild } from "../../src/rebuild/rebuild.ts";
import { SpecialUse } from "../../src/format/special_use.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { vectorPath } from "../helpers/vectors.ts";
import { assertGuidRule } from "../helpers/attr_guids.ts";

const tmp = makeTempDir("mli-attr-v1-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {} };
let serial = 0;

/** A fresh copy of the version-1 index. */
function copyV1(): string {
  const path = join(tmp.dir, `v1-${serial++}.mlist`);
  copyFileSync(vectorPath("attr-v1", "index.mlist"), path);
  copyFileSync(vectorPath("attr-v1", "index.mlist.attr"), `${path}.attr`);
  return path;
}

function attrHeader(path: string) {
  const b = new Uint8Array(readFileSync(`${path}.attr`));
  return { bytes: b, header: decodeAttrHeader(b, b.length, path) };
}

type Row = [name: string, uid: number, hasChildren: boolean, flags: number];

/** What the fixture holds, as a reader lists it (README of test/vectors). */
const LISTING: Row[] = [
  ["Lists", 5, true, MailboxFlags.Children | MailboxFlags.NonExistent],
  ["Lists/dev", 6, false, 0],
  ["Trash", 7, false, SpecialUse.Trash],
  ["INBOX", 1, true, MailboxFlags.Children],
  ["INBOX/Sent", 2, false, SpecialUse.Sent],
  ["Archive", 3, true, MailboxFlags.Children | MailboxFlags.NonExistent],
  ["Archive/2009", 4, false, 0],
  ["Entwürfe", 9, false, 0],
];
const STATUS = new Map([
  ["INBOX", { messages: 12, unseen: 3, recent: 1, uidValidity: 1600000000, uidNext: 13 }],
  ["Archive/2009", { messages: 0xffffffff, unseen: 0, recent: 0, uidValidity: 0x80000000, uidNext: 1 }],
  ["Trash", { messages: 0, unseen: 0, recent: 0, uidValidity: 7, uidNext: 1 }],
]);
const MAILBOXES = LISTING.filter((r) => (r[3] & MailboxFlags.NonExistent) === 0).map((r) => r[0]);

/** The listing, STATUS of every mailbox and header of an index. */
async function state(path: string) {
  const index = await MailboxListIndex.open(path, { ...quiet, readonly: true });
  try {
    const rows = Array.from(index.iterate(), (m): Row => [m.name, m.uid, m.hasChildren, m.flags]);
    const status = new Map(rows.map((r) => [r[0], index.status(r[0])]));
    const guids = new Map(rows.map((r) => [r[0], index.guid(r[0])]));
    return { rows, status, guids, nextUid: index.header.nextUid };
  } finally {
    await index.close();
  }
}

/** Assert that the index holds what the fixture held, in a version-2 file with a GUID per mailbox. */
async function assertUpgraded(path: string, what: string): Promise<Map<string, string | undefined>> {
  const { header, bytes } = attrHeader(path);
  assert.equal(header.entrySize, ATTR_ENTRY_SIZE, `${what}: a version-2 file`);
  assert.equal(bytes[4], 2, `${what}: version 2 in the header`);
  assertGuidRule(bytes, what);
  const s = await state(path);
  assert.deepEqual(s.rows, LISTING, `${what}: names, UIDs and flags`);
  for (const [name] of LISTING) assert.deepEqual(s.status.get(name), STATUS.get(name), `${what}: STATUS of ${name}`);
  for (const name of MAILBOXES) assert.match(s.guids.get(name) ?? "", /^[0-9a-f]{32}$/, `${what}: GUID of ${name}`);
  assert.equal(s.guids.get("Lists"), undefined, `${what}: a placeholder has no GUID`);
  assert.equal(new Set(MAILBOXES.map((n) => s.guids.get(n))).size, MAILBOXES.length, `${what}: GUIDs differ`);
  const check = checkIndex(path);
  assert.deepEqual(check.problems, [], `${what}: the check`);
  return s.guids;
}

describe("a version-1 attribute file (test/vectors/attr-v1)", () => {
  it("opens and reads as written: names, UIDs, flags, special-use, STATUS; no GUIDs", async () => {
    const path = copyV1();
    assert.equal(attrHeader(path).header.entrySize, ATTR_ENTRY_SIZE_V1);
    const s = await state(path);
    assert.deepEqual(s.rows, LISTING);
    for (const [name] of LISTING) assert.deepEqual(s.status.get(name), STATUS.get(name), `STATUS of ${name}`);
    for (const [name] of LISTING) assert.equal(s.guids.get(name), undefined);
    assert.equal(s.nextUid, 10);
    const index = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    assert.equal(index.lookupGuid("0123456789abcdef0123456789abcdef"), undefined);
    assert.deepEqual([...index.iterate("", { guids: true })].map((m) => m.guid), LISTING.map(() => undefined));
    await index.close();
    const check = checkIndex(path);
    assert.ok(check.ok, JSON.stringify(check.problems));
    assert.deepEqual(check.problems, []);
    const dump = dumpIndex(path);
    assert.equal(dump.attr?.header.entrySize, ATTR_ENTRY_SIZE_V1);
    // The entry of "Old", deleted in place by the second sync, is still there.
    assert.ok(dump.attr?.entries.some((e) => e.uid === 8 && e.deleted && e.flags === (MailboxFlags.NoSelect | 0x40)));
  });

  it("a full sync that reports the same names writes it as version 2, everything kept", async () => {
    const path = copyV1();
    const before = new Uint8Array(readFileSync(path));
    const index = await MailboxListIndex.open(path, quiet);
    const ctx = await index.syncBegin({ recursive: true });
    for (const name of MAILBOXES) ctx.add(name);
    const r = await ctx.commit();
    assert.deepEqual(r, { added: 0, deleted: 0, changed: true, compressed: false });
    await index.close();
    const guids = await assertUpgraded(path, "full sync");
    // The list file's bytes are untouched by the upgrade.
    assert.deepEqual(new Uint8Array(readFileSync(path)), before);
    // The next sync of the same names changes nothing: the GUIDs stay.
    const again = await MailboxListIndex.open(path, quiet);
    const ctx2 = await again.syncBegin({ recursive: true });
    for (const name of MAILBOXES) ctx2.add(name);
    assert.equal((await ctx2.commit()).changed, false);
    await again.close();
    assert.deepEqual(await assertUpgraded(path, "full sync, again"), guids);
  });

  it("a partial sync adding one mailbox upgrades it too", async () => {
    const path = copyV1();
    const index = await MailboxListIndex.open(path, quiet);
    const ctx = await index.syncBegin({ partial: true });
    assert.equal(ctx.add("Lists/new"), 10);
    ctx.setStatus("Lists/new", { messages: 1, unseen: 1, recent: 1, uidValidity: 3, uidNext: 2, size: 2 ** 40, deleted: 0 });
    await ctx.commit();
    assert.equal(index.status("Lists/new")?.size, 2 ** 40);
    assert.match(index.guid("Lists/new") ?? "", /^[0-9a-f]{32}$/);
    for (const name of MAILBOXES) assert.deepEqual(index.status(name), STATUS.get(name), name);
    assert.deepEqual(index.flags("Trash"), SpecialUse.Trash);
    await index.close();
    const { bytes, header } = attrHeader(path);
    assert.equal(header.entrySize, ATTR_ENTRY_SIZE);
    assert.equal(assertGuidRule(bytes, "partial"), MAILBOXES.length + 1);
  });

  it("syncAll from the same names upgrades it", async () => {
    const path = copyV1();
    const index = await MailboxListIndex.open(path, quiet);
    const r = await syncAll(index, MAILBOXES);
    assert.equal(r.changed, true);
    await index.close();
    await assertUpgraded(path, "syncAll");
  });

  it("a rebuild keeps the special-use by name and gives every mailbox a GUID", async () => {
    const path = copyV1();
    await rebuild(path, MAILBOXES, { uidValidity: 1700000000, durable: false, ...quiet });
    const { bytes } = attrHeader(path);
    assert.equal(assertGuidRule(bytes, "rebuild"), MAILBOXES.length);
    const index = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    assert.equal(index.flags("Trash"), SpecialUse.Trash);
    assert.equal(index.flags("INBOX/Sent"), SpecialUse.Sent);
    await index.close();
  });
});
