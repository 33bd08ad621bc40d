// Mailbox GUIDs (SPEC §12): a random one for every mailbox when it first
// appears and none for a \NonExistent placeholder; set by the caller
// (setGuid) or a store (the uidlist header's G); kept across syncs, reopen,
// compression, syncAll and rebuild; new after delete and create again;
// looked up by GUID; given by iterate and list when asked; shown by dump.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  InvalidGuidError,
  MailboxFlags,
  MailboxListIndex,
  NoSuchMailboxError,
  rebuild,
  scanMaildir,
  type ScannedMailbox,
  syncAll,
} from "../../mod.ts";
import { checkIndex } from "../../src/check/check.ts";
import { dumpIndex } from "../../src/check/dump.ts";
import { syncIndex } from "../../src/cli/sync_index.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { assertGuidRule } from "../helpers/attr_guids.ts";
import { readFileSync } from "node:fs";

const tmp = makeTempDir("mli-guid-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {} };
let serial = 0;
const HEX = /^[0-9a-f]{32}$/;
const G1 = "0123456789abcdef0123456789abcdef";
const G2 = "fedcba9876543210fedcba9876543210";

async function fresh(names: string[] = ["INBOX", "INBOX/Sent", "Archive/2009", "Lists/dev"]) {
  const path = join(tmp.dir, `g${serial++}.mlist`);
  const index = await MailboxListIndex.open(path, quiet);
  const ctx = await index.syncBegin({ recursive: true });
  for (const n of names) ctx.add(n);
  await ctx.commit();
  return { path, index };
}

/** Every name's GUID. */
function guids(index: MailboxListIndex): Map<string, string | undefined> {
  return new Map([...index.iterate()].map((m) => [m.name, index.guid(m.name)]));
}

async function fullSync(index: MailboxListIndex, names: string[]) {
  const ctx = await index.syncBegin({ recursive: true });
  for (const n of names) ctx.add(n);
  return await ctx.commit();
}

describe("mailbox GUIDs (SPEC §12)", () => {
  it("every mailbox gets a random GUID when it first appears; a placeholder has none", async () => {
    const { path, index } = await fresh();
    const g = guids(index);
    for (const name of ["INBOX", "INBOX/Sent", "Archive/2009", "Lists/dev"]) assert.match(g.get(name) ?? "", HEX, name);
    assert.equal(g.get("Archive"), undefined);
    assert.equal(g.get("Lists"), undefined);
    assert.equal(new Set(g.values()).size, 5, "four distinct GUIDs and undefined");
    assert.equal(index.guid("Nope"), undefined);
    assertGuidRule(new Uint8Array(readFileSync(path + ".attr")), "attr");
    await index.close();
  });

  it("lookupGuid finds the mailbox in either case or as bytes; unknown GUIDs give undefined", async () => {
    const { index } = await fresh();
    for (const m of index.iterate()) {
      const g = index.guid(m.name);
      if (g === undefined) continue;
      const info = index.lookupGuid(g.toUpperCase());
      assert.deepEqual(info, { ...m, guid: g }, m.name);
      assert.deepEqual(index.lookupGuid(Uint8Array.from(g.match(/../g)!.map((h) => parseInt(h, 16)))), info);
    }
    assert.equal(index.lookupGuid(G1), undefined);
    await index.close();
  });

  it("lookupGuid refuses a value that is no GUID with InvalidGuidError naming it", async () => {
    const { index } = await fresh();
    for (const bad of ["", "0123", G1 + "0", "g".repeat(32), "0".repeat(32), new Uint8Array(15), new Uint8Array(16)]) {
      assert.throws(() => index.lookupGuid(bad), (e: unknown) => e instanceof InvalidGuidError && e.message.includes("GUID"));
    }
    assert.throws(() => index.lookupGuid("xyz"), { name: "InvalidGuidError", message: 'Invalid mailbox GUID "xyz": is not 32 hexadecimal digits' });
    await index.close();
  });

  it("iterate and list give the GUID only when asked", async () => {
    const { index } = await fresh();
    const plain = [...index.iterate()];
    assert.ok(plain.every((m) => !("guid" in m)));
    const withGuid = [...index.iterate("", { guids: true })];
    assert.deepEqual(withGuid.map((m) => m.guid), plain.map((m) => index.guid(m.name)));
    assert.deepEqual([...index.iterate("INBOX", { guids: true, depth: 0 })].map((m) => [m.name, m.guid]), [
      ["INBOX/Sent", index.guid("INBOX/Sent")],
    ]);
    const listed = index.list("*", { guids: true });
    assert.deepEqual(listed.map((e) => e.guid), listed.map((e) => index.guid(e.name)));
    assert.ok(index.list("*").every((e) => !("guid" in e)));
    await index.close();
  });

  it("setGuid takes 32 hex digits or 16 bytes; bad values and placeholders are refused, the sync goes on", async () => {
    const { index } = await fresh();
    const ctx = await index.syncBegin({ partial: true });
    ctx.setGuid("INBOX", G1.toUpperCase());
    ctx.setGuid(ctx.add("New"), Uint8Array.from(G2.match(/../g)!.map((h) => parseInt(h, 16))));
    assert.throws(() => ctx.setGuid("INBOX/Sent", "12345"), (e: unknown) => e instanceof InvalidGuidError && e.guid === "12345");
    assert.throws(() => ctx.setGuid("INBOX/Sent", "0".repeat(32)), InvalidGuidError);
    assert.throws(() => ctx.setGuid("INBOX/Sent", new Uint8Array(8)), InvalidGuidError);
    assert.throws(() => ctx.setGuid("Archive", G2), NoSuchMailboxError);
    assert.throws(() => ctx.setGuid("Missing", G2), NoSuchMailboxError);
    assert.throws(() => ctx.setGuid(999, G2), NoSuchMailboxError);
    const sent = index.guid("INBOX/Sent");
    await ctx.commit();
    assert.equal(index.guid("INBOX"), G1);
    assert.equal(index.guid("New"), G2);
    assert.equal(index.guid("INBOX/Sent"), sent);
    assert.equal(index.lookupGuid(G1)?.name, "INBOX");
    await index.close();
  });

  it("is kept across syncs, reopening, compression, syncAll and rebuild", async () => {
    const names = Array.from({ length: 60 }, (_, i) => `Folder${i}/Sub`);
    const { path, index } = await fresh(["INBOX", ...names]);
    const before = guids(index);
    // A full sync that drops half of them and adds one, which rewrites the root: a compression follows.
    const kept = ["INBOX", ...names.slice(0, 30)];
    const r = await fullSync(index, [...kept, "Zz"]);
    assert.equal(r.compressed, true, "the sync was followed by a compression");
    for (const [name, g] of guids(index)) if (name !== "Zz") assert.equal(g, before.get(name), name);
    await fullSync(index, kept);
    await index.close();
    const reopened = await MailboxListIndex.open(path, quiet);
    for (const [name, g] of guids(reopened)) assert.equal(g, before.get(name), `reopened: ${name}`);
    // syncAll that adds one: the others keep theirs.
    await syncAll(reopened, [...kept, "Added"]);
    for (const [name, g] of guids(reopened)) {
      if (name === "Added") assert.match(g ?? "", HEX);
      else assert.equal(g, before.get(name), `syncAll: ${name}`);
    }
    const added = reopened.guid("Added");
    await reopened.close();
    // A rebuild (a new uid_validity and new UIDs) carries them by name.
    await rebuild(path, [...kept, "Added", "Brand/New"], { uidValidity: 42, durable: false, ...quiet });
    const rebuilt = await MailboxListIndex.open(path, quiet);
    assert.equal(rebuilt.header.uidValidity, 42);
    for (const [name, g] of guids(rebuilt)) {
      if (name === "Added") assert.equal(g, added);
      else if (name === "Brand") assert.equal(g, undefined);
      else if (name === "Brand/New") assert.match(g ?? "", HEX);
      else assert.equal(g, before.get(name), `rebuild: ${name}`);
    }
    assertGuidRule(new Uint8Array(readFileSync(path + ".attr")), "rebuilt");
    await rebuilt.close();
    assert.deepEqual(checkIndex(path).problems, []);
  });

  it("is new after a mailbox is deleted and created again, with a new UID or as a placeholder turned back", async () => {
    const { index } = await fresh(["INBOX", "A", "A/B", "C"]);
    const [a, c] = [index.guid("A")!, index.guid("C")!];
    const uidA = index.lookup("A");
    await fullSync(index, ["INBOX", "A/B"]);
    assert.equal(index.guid("C"), undefined);
    // "A" is now only a parent: a placeholder, without GUID, same UID.
    assert.equal(index.lookup("A"), uidA);
    assert.equal(index.flags("A")! & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
    assert.equal(index.guid("A"), undefined);
    assert.equal(index.lookupGuid(a), undefined);
    await fullSync(index, ["INBOX", "A", "A/B", "C"]);
    assert.equal(index.lookup("A"), uidA, "a placeholder that becomes a mailbox keeps its UID");
    assert.match(index.guid("A") ?? "", HEX);
    assert.notEqual(index.guid("A"), a);
    assert.notEqual(index.guid("C"), c);
    await index.close();
  });

  it("follows a rename with its subtree; renaming INBOX makes a new mailbox with a new one", async () => {
    const { path, index } = await fresh(["INBOX", "Projects/2023/Q1", "Projects/2023/Q2"]);
    const before = guids(index);
    await index.rename("Projects/2023", "Archive/2023");
    assert.equal(index.guid("Archive/2023"), undefined, "a placeholder moved is still one");
    for (const [from, to] of [["Projects/2023/Q1", "Archive/2023/Q1"], ["Projects/2023/Q2", "Archive/2023/Q2"]]) {
      assert.match(before.get(from) ?? "", HEX);
      assert.equal(index.guid(to), before.get(from), to);
      assert.equal(index.lookupGuid(before.get(from)!)?.name, to);
    }
    await index.rename("INBOX", "Old mail");
    assert.equal(index.guid("INBOX"), before.get("INBOX"));
    assert.match(index.guid("Old mail") ?? "", HEX);
    assert.notEqual(index.guid("Old mail"), before.get("INBOX"));
    await index.close();
    assertGuidRule(new Uint8Array(readFileSync(path + ".attr")), "renamed");
    assert.deepEqual(checkIndex(path).problems, []);
  });

  it("a placeholder that becomes a mailbox gets one", async () => {
    const { index } = await fresh(["Lists/dev"]);
    assert.equal(index.guid("Lists"), undefined);
    const ctx = await index.syncBegin({ partial: true });
    ctx.add("Lists");
    await ctx.commit();
    assert.match(index.guid("Lists") ?? "", HEX);
    await index.close();
  });

  it("two mailboxes given one GUID: lookupGuid answers the lower UID, the check warns", async () => {
    const { path, index } = await fresh(["INBOX", "Copy"]);
    const ctx = await index.syncBegin({ partial: true });
    ctx.setGuid("Copy", G1);
    ctx.setGuid("INBOX", G1);
    await ctx.commit();
    assert.equal(index.lookupGuid(G1)?.name, "INBOX");
    await index.close();
    const r = checkIndex(path);
    assert.ok(r.ok);
    assert.ok(r.problems.some((p) => p.severity === "warning" && p.message.includes(`the GUID ${G1}`)), JSON.stringify(r.problems));
  });

  it("dump shows each mailbox's GUID", async () => {
    const { path, index } = await fresh();
    const byUid = new Map([...index.iterate()].map((m) => [m.uid, index.guid(m.name)]));
    await index.close();
    const entries = dumpIndex(path).attr!.entries;
    assert.equal(entries.length, byUid.size);
    for (const e of entries) assert.equal(e.guid, byUid.get(e.uid), `uid ${e.uid}`);
  });

  it("a store's uidlist G is taken by a sync from the store, syncAll and rebuild", async () => {
    const root = join(tmp.dir, `store${serial++}`);
    const maildir = (dir: string, uidlist?: string) => {
      for (const d of ["cur", "new", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
      if (uidlist !== undefined) writeFileSync(join(dir, "dovecot-uidlist"), uidlist + "\n");
    };
    maildir(root, `3 V5 N1 G${G1.toUpperCase()}`);
    maildir(join(root, ".Sent"), `3 V6 N1 G${G2}`);
    maildir(join(root, ".Plain"));
    const scanned: ScannedMailbox[] = [];
    for await (const m of scanMaildir(root)) scanned.push(m);
    assert.deepEqual(scanned.map((m) => m.guid), [G1, undefined, G2]);
    const synced = join(tmp.dir, `synced${serial++}.mlist`);
    await syncIndex(synced, scanned, { recursive: true, ...quiet });
    const rebuilt = join(tmp.dir, `rebuilt${serial++}.mlist`);
    await rebuild(rebuilt, scanned, { durable: false, workers: 2, ...quiet });
    const bulk = join(tmp.dir, `bulk${serial++}.mlist`);
    const bulkIndex = await MailboxListIndex.open(bulk, quiet);
    await syncAll(bulkIndex, scanned, { workers: 1 });
    await bulkIndex.close();
    for (const path of [synced, rebuilt, bulk]) {
      const index = await MailboxListIndex.open(path, { ...quiet, readonly: true });
      assert.equal(index.guid("INBOX"), G1, path);
      assert.equal(index.guid("Sent"), G2, path);
      assert.match(index.guid("Plain") ?? "", HEX, path);
      assert.equal(index.lookupGuid(G2)?.name, "Sent", path);
      await index.close();
    }
  });

  it("a rebuild input with a bad GUID is refused by type, and the old index stays", async () => {
    const { path, index } = await fresh(["INBOX"]);
    const g = index.guid("INBOX");
    await index.close();
    await assert.rejects(rebuild(path, [{ name: "INBOX", guid: "not-a-guid" }], { durable: false, ...quiet }), InvalidGuidError);
    const again = await MailboxListIndex.open(path, quiet);
    assert.equal(again.guid("INBOX"), g);
    await again.close();
  });
});
