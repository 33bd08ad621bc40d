// The full STATUS cache (SPEC §12): HIGHESTMODSEQ (RFC 7162, 64-bit),
// SIZE (RFC 8438, 64-bit) and DELETED (RFC 9051) beside the five figures:
// stored by setStatus and read back exactly (numbers up to 2^53 - 1,
// bigints above), optional each, refused (never clipped) outside their
// range, kept across syncs, compression and syncAll, taken from rebuild
// input, and answered by LIST-STATUS and STATUS.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  answerListCommand,
  answerStatusCommand,
  InvalidStatusError,
  MailboxListIndex,
  type MailboxStatus,
  rebuild,
  syncAll,
} from "../../mod.ts";
import { dumpIndex } from "../../src/check/dump.ts";
import { checkIndex } from "../../src/check/check.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-status-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {} };
let serial = 0;

const BASE = { messages: 5, unseen: 2, recent: 1, uidValidity: 77, uidNext: 6 };
const FULL: MailboxStatus = { ...BASE, highestModSeq: 123456789012, size: 2 ** 53 - 1, deleted: 3 };
const BIG: MailboxStatus = { ...BASE, highestModSeq: (1n << 63n) - 1n, size: 2n ** 53n, deleted: 0xffffffff };

async function withStatus(entries: [string, MailboxStatus][]) {
  const path = join(tmp.dir, `s${serial++}.mlist`);
  const index = await MailboxListIndex.open(path, quiet);
  const ctx = await index.syncBegin({ recursive: true });
  for (const [name, status] of entries) {
    ctx.add(name);
    ctx.setStatus(name, status);
  }
  await ctx.commit();
  return { path, index };
}

describe("the full STATUS cache (SPEC §12)", () => {
  it("stores HIGHESTMODSEQ, SIZE and DELETED and reads them back exactly", async () => {
    const { path, index } = await withStatus([["INBOX", FULL], ["Big", BIG], ["Plain", BASE], ["Some", { ...BASE, size: 0 }]]);
    assert.deepEqual(index.status("INBOX"), FULL);
    assert.deepEqual(index.status("Big"), BIG);
    assert.equal(typeof index.status("Big")!.size, "bigint", "2^53 is given back as a bigint");
    assert.equal(typeof index.status("INBOX")!.size, "number", "2^53 - 1 is a number");
    assert.deepEqual(index.status("Plain"), BASE, "figures never given stay absent");
    assert.deepEqual(index.status("Some"), { ...BASE, size: 0 }, "a SIZE of 0 is a figure");
    // Bigints that fit a number come back as numbers.
    const ctx = await index.syncBegin({ partial: true });
    ctx.setStatus("Plain", { ...BASE, highestModSeq: 9n, size: 10n });
    await ctx.commit();
    assert.deepEqual(index.status("Plain"), { ...BASE, highestModSeq: 9, size: 10 });
    await index.close();
    const reopened = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    assert.deepEqual(reopened.status("Big"), BIG);
    await reopened.close();
    const big = dumpIndex(path).attr!.entries.find((e) => e.status?.deleted === 0xffffffff);
    assert.deepEqual(big?.status, BIG);
    assert.deepEqual(checkIndex(path).problems, []);
  });

  it("refuses a figure outside its range with InvalidStatusError naming it; nothing is stored, the sync goes on", async () => {
    const { index } = await withStatus([["INBOX", BASE]]);
    const ctx = await index.syncBegin({ partial: true });
    const bad: [Partial<MailboxStatus> & Record<string, unknown>, string][] = [
      [{ size: -1 }, "size"],
      [{ size: 2 ** 53 }, "size"],
      [{ size: 1.5 }, "size"],
      [{ size: 1n << 63n }, "size"],
      [{ highestModSeq: -1n }, "highestModSeq"],
      [{ highestModSeq: "7" as unknown as number }, "highestModSeq"],
      [{ deleted: 2 ** 32 }, "deleted"],
      [{ deleted: -1 }, "deleted"],
      [{ messages: 2 ** 32 }, "messages"],
      [{ uidNext: NaN }, "uidNext"],
      [{ unseen: -3 }, "unseen"],
    ];
    for (const [change, field] of bad) {
      assert.throws(
        () => ctx.setStatus("INBOX", { ...BASE, ...change } as MailboxStatus),
        (e: unknown) => e instanceof InvalidStatusError && e.field === field && e.mailbox === "INBOX" && e.message.includes(field),
        field,
      );
    }
    assert.throws(() => ctx.setStatus("INBOX", { ...BASE, size: 2 ** 53 }), {
      message: 'Invalid STATUS figure size 9007199254740992 of mailbox "INBOX": is above 2^53 - 1, where a number loses digits: give it as a bigint',
    });
    ctx.setStatus("INBOX", { ...BASE, size: 2n ** 63n - 1n });
    await ctx.commit();
    assert.deepEqual(index.status("INBOX"), { ...BASE, size: 2n ** 63n - 1n });
    await index.close();
  });

  it("is kept across syncs that do not set it, compression and syncAll; a new setStatus replaces it whole", async () => {
    const names = Array.from({ length: 60 }, (_, i) => `F${i}/Sub`);
    const { index } = await withStatus([["INBOX", FULL]]);
    let ctx = await index.syncBegin({ recursive: true });
    for (const n of ["INBOX", ...names]) ctx.add(n);
    await ctx.commit();
    ctx = await index.syncBegin({ recursive: true });
    for (const n of ["INBOX", ...names.slice(0, 20), "Zz"]) ctx.add(n);
    assert.equal((await ctx.commit()).compressed, true);
    assert.deepEqual(index.status("INBOX"), FULL);
    await syncAll(index, ["INBOX", "Other"]);
    assert.deepEqual(index.status("INBOX"), FULL);
    ctx = await index.syncBegin({ partial: true });
    ctx.setStatus("INBOX", { ...BASE, deleted: 1 });
    await ctx.commit();
    assert.deepEqual(index.status("INBOX"), { ...BASE, deleted: 1 });
    await index.close();
  });

  it("a rebuild and syncAll take the figures of scanner records, in this thread and on workers", async () => {
    const records = [
      { name: "INBOX", status: FULL },
      { name: "Big", status: BIG },
      { name: "Plain", status: BASE },
      { name: "Archive/2009", status: { ...BASE, deleted: 7 } },
    ];
    for (const workers of [0, 2]) {
      const path = join(tmp.dir, `r${serial++}.mlist`);
      await rebuild(path, records, { workers, durable: false, ...quiet });
      const index = await MailboxListIndex.open(path, quiet);
      for (const r of records) assert.deepEqual(index.status(r.name), r.status, `${r.name}, ${workers} workers`);
      const changed = records.map((r) => ({ name: r.name, status: { ...r.status, size: 1 } }));
      await syncAll(index, changed, { workers: Math.min(workers, 1) });
      for (const r of changed) assert.deepEqual(index.status(r.name), r.status, `syncAll: ${r.name}, ${workers} workers`);
      await index.close();
    }
    await assert.rejects(rebuild(join(tmp.dir, "bad.mlist"), [{ name: "A", status: { ...BASE, size: -1 } }], quiet), InvalidStatusError);
  });

  it("LIST-STATUS and STATUS answer SIZE, HIGHESTMODSEQ and DELETED from the cache", async () => {
    const { index } = await withStatus([["INBOX", FULL], ["Big", BIG], ["Plain", BASE]]);
    assert.equal(
      answerStatusCommand(index, "INBOX (MESSAGES SIZE HIGHESTMODSEQ DELETED)"),
      `* STATUS "INBOX" (MESSAGES 5 SIZE ${2 ** 53 - 1} HIGHESTMODSEQ 123456789012 DELETED 3)\r\n`,
    );
    assert.equal(
      answerStatusCommand(index, "Big (SIZE HIGHESTMODSEQ DELETED)", { rev2: true }),
      `* STATUS "Big" (SIZE 9007199254740992 HIGHESTMODSEQ 9223372036854775807 DELETED 4294967295)\r\n`,
    );
    // A figure the cache was never given is left out, as the others are when unknown.
    assert.equal(answerStatusCommand(index, "Plain (SIZE UNSEEN DELETED)"), `* STATUS "Plain" (UNSEEN 2)\r\n`);
    const lines = answerListCommand(index, "LIST", '"" "*" RETURN (STATUS (SIZE DELETED HIGHESTMODSEQ))');
    assert.ok(lines.includes(`* STATUS "INBOX" (SIZE ${2 ** 53 - 1} DELETED 3 HIGHESTMODSEQ 123456789012)\r\n`), lines.join(""));
    assert.ok(lines.includes(`* STATUS "Plain" ()\r\n`), lines.join(""));
    const entries = index.list("*", { return: { status: ["SIZE"] } });
    assert.deepEqual(entries.find((e) => e.name === "Big")?.status, BIG);
    await index.close();
  });
});
