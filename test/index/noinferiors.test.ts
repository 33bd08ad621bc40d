// \NoInferiors (RFC 3501 §7.2.2, SPEC §12): a flag callers set (addFlags,
// setFlags), kept by every sync, compression, syncAll and rebuild; LIST
// shows it (with \HasNoChildren to a plain IMAP4rev1 LIST, alone to
// LIST-EXTENDED and IMAP4rev2, which infer it: RFC 5258 §3.4); a sync
// refuses a new mailbox under it with NoInferiorsError, as IMAP CREATE must.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  answerListCommand,
  MailboxFlags,
  mailboxAttributes,
  MailboxListIndex,
  NoInferiorsError,
  rebuild,
  syncAll,
} from "../../mod.ts";
import { checkIndex } from "../../src/check/check.ts";
import { dumpIndex } from "../../src/check/dump.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-noinferiors-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {} };
let serial = 0;
const NI = MailboxFlags.NoInferiors;

async function withLeaf() {
  const path = join(tmp.dir, `n${serial++}.mlist`);
  const index = await MailboxListIndex.open(path, quiet);
  const ctx = await index.syncBegin({ recursive: true });
  for (const n of ["INBOX", "Spool", "Lists/dev"]) ctx.add(n);
  ctx.addFlags("Spool", NI);
  await ctx.commit();
  return { path, index };
}

describe("\\NoInferiors (RFC 3501, SPEC §12)", () => {
  it("is a flag set by addFlags or setFlags and shown by LIST", async () => {
    const { path, index } = await withLeaf();
    assert.equal(index.flags("Spool"), NI);
    assert.equal(answerListCommand(index, "LIST", '"" Spool').join(""), '* LIST (\\HasNoChildren \\NoInferiors) "/" "Spool"\r\n');
    assert.equal(answerListCommand(index, "LIST", '"" Spool RETURN (CHILDREN)').join(""), '* LIST (\\NoInferiors) "/" "Spool"\r\n');
    assert.equal(answerListCommand(index, "LIST", '"" Spool', { rev2: true }).join(""), '* LIST (\\NoInferiors) "/" "Spool"\r\n');
    const ctx = await index.syncBegin({ partial: true });
    ctx.setFlags(index.lookup("Lists/dev")!, NI | MailboxFlags.NoSelect);
    await ctx.commit();
    assert.equal(index.flags("Lists/dev"), NI | MailboxFlags.NoSelect);
    assert.equal(
      answerListCommand(index, "LIST", '"" Lists/dev').join(""),
      '* LIST (\\HasNoChildren \\Noselect \\NoInferiors) "/" "Lists/dev"\r\n',
    );
    await index.close();
    assert.deepEqual(dumpIndex(path).attr!.entries.find((e) => e.flags === NI)?.flagNames, ["\\NoInferiors"]);
    assert.deepEqual(checkIndex(path).problems, []);
  });

  it("never goes with \\HasChildren: where the tree has children, the tree wins", () => {
    assert.deepEqual(mailboxAttributes(NI | MailboxFlags.Children, true), ["\\HasChildren"]);
    assert.deepEqual(mailboxAttributes(NI, true, { nonExistent: true }), ["\\HasChildren"]);
    assert.deepEqual(mailboxAttributes(NI | MailboxFlags.NoChildren, false, { nonExistent: true, specialUse: true }), [
      "\\NoInferiors",
    ]);
    assert.deepEqual(mailboxAttributes(NI | 0x2000, false, { children: false }), ["\\NoInferiors", "\\Sent"]);
  });

  it("a sync refuses a new mailbox under it with NoInferiorsError, adds nothing for it, and goes on", async () => {
    const { index } = await withLeaf();
    const nextUid = index.header.nextUid;
    const ctx = await index.syncBegin({ recursive: true });
    for (const n of ["INBOX", "Spool", "Lists/dev"]) ctx.add(n);
    assert.throws(
      () => ctx.add("Spool/new"),
      (e: unknown) => e instanceof NoInferiorsError && e.mailbox === "Spool/new" && e.parent === "Spool",
    );
    assert.throws(() => ctx.add("Spool//deeper/still"), { name: "NoInferiorsError", message: /"Spool" is \\NoInferiors/ });
    ctx.add("Other");
    // After many names (when the sync has looked for the flag in the whole file) just the same.
    for (let i = 0; i < 50; i++) ctx.add(`Bulk/${i}`);
    assert.throws(() => ctx.add("Spool/late"), NoInferiorsError);
    ctx.add("Spool");
    const r = await ctx.commit();
    assert.deepEqual([r.added, r.deleted], [52, 0]);
    assert.equal(index.lookup("Spool/new"), undefined);
    assert.equal(index.header.nextUid, nextUid + 52);
    assert.equal(index.flags("Spool"), NI);
    await index.close();
  });

  it("a rename to a name under it is refused with NoInferiorsError and changes nothing", async () => {
    const { index } = await withLeaf();
    const before = [...index.iterate()];
    await assert.rejects(index.rename("Lists/dev", "Spool/dev"), (e: unknown) => e instanceof NoInferiorsError && e.parent === "Spool");
    assert.deepEqual([...index.iterate()], before);
    await index.rename("Spool", "Spooled");
    assert.equal(index.flags("Spooled"), NI, "the flag moves with the mailbox");
    await index.close();
  });

  it("a flag set in the same sync counts, by UID or by name; clearing it allows children again", async () => {
    const { index } = await withLeaf();
    let ctx = await index.syncBegin({ partial: true });
    ctx.addFlags("INBOX", NI);
    assert.throws(() => ctx.add("INBOX/Sent"), NoInferiorsError);
    const uid = ctx.add("Fresh");
    ctx.setFlags(uid, NI);
    assert.throws(() => ctx.add("Fresh/kid"), NoInferiorsError);
    await ctx.commit();
    ctx = await index.syncBegin({ partial: true });
    ctx.setFlags(index.lookup("Spool")!, 0);
    ctx.add("Spool/new");
    await ctx.commit();
    assert.equal(index.flags("Spool")! & NI, 0);
    assert.ok(index.lookup("Spool/new") !== undefined);
    await index.close();
  });

  it("is kept across full syncs, compression, syncAll and rebuild", async () => {
    const { path, index } = await withLeaf();
    const names = Array.from({ length: 60 }, (_, i) => `F${i}/Sub`);
    let ctx = await index.syncBegin({ recursive: true });
    for (const n of ["INBOX", "Spool", "Lists/dev", ...names]) ctx.add(n);
    await ctx.commit();
    ctx = await index.syncBegin({ recursive: true });
    for (const n of ["INBOX", "Spool", "Lists/dev", "Zz"]) ctx.add(n);
    assert.equal((await ctx.commit()).compressed, true);
    assert.equal(index.flags("Spool"), NI);
    await syncAll(index, ["INBOX", "Spool", "Lists/dev", "More"]);
    assert.equal(index.flags("Spool"), NI);
    await index.close();
    await rebuild(path, ["INBOX", "Spool", "Lists/dev"], { durable: false, ...quiet });
    const rebuilt = await MailboxListIndex.open(path, quiet);
    assert.equal(rebuilt.flags("Spool"), NI);
    await rebuilt.close();
    // A rebuild whose names give it children does not keep it.
    await rebuild(path, ["INBOX", "Spool", "Spool/sub"], { durable: false, ...quiet });
    const again = await MailboxListIndex.open(path, quiet);
    assert.equal(again.flags("Spool"), MailboxFlags.Children);
    await again.close();
  });
});
