// Readers never wait for a writer on the event loop (SPEC §6): an open
// whose attribute file does not match reads the files once, an open that
// meets a busy writer retries on a timer, and a synchronous answer keeps
// the last consistent state instead of sleeping.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { type FileIO, nodeFileIO } from "../../src/store/io.ts";
import { decodeJournalHeader, encodeJournalHeader, JOURNAL_HEADER_SIZE } from "../../src/format/journal.ts";
import { makeTempDir } from "../helpers/tmp.ts";

let tmp: { dir: string; cleanup: () => void };
let seq = 0;
before(() => {
  tmp = makeTempDir("mli-wait-");
});
after(() => tmp.cleanup());

/** An index with a few mailboxes, in its own directory. */
async function seeded(): Promise<string> {
  const dir = join(tmp.dir, `case-${++seq}`);
  fs.mkdirSync(dir);
  const path = join(dir, "u.mlist");
  const index = await MailboxListIndex.open(path);
  const ctx = await index.syncBegin({ recursive: true });
  for (const name of ["INBOX", "Archive/2024"]) ctx.add(name);
  await ctx.commit();
  await index.close();
  return path;
}

/** The real file system, counting how often each path is opened. */
function counting(): { io: FileIO; opens: Map<string, number> } {
  const opens = new Map<string, number>();
  const io: FileIO = {
    ...nodeFileIO,
    open(path, mode) {
      opens.set(path, (opens.get(path) ?? 0) + 1);
      return nodeFileIO.open(path, mode);
    },
  };
  return { io, opens };
}

/**
 * The real file system, with a writer that commits again whenever a reader
 * opens the journal, while `busy()` says so: the journal's sequence moves on
 * between every two reads of it (its header is rewritten for real).
 */
function busyWriter(journal: string, busy: () => boolean): FileIO {
  return {
    ...nodeFileIO,
    open(path, mode) {
      if (path === journal && busy()) {
        const bytes = fs.readFileSync(journal);
        const h = decodeJournalHeader(bytes.subarray(0, JOURNAL_HEADER_SIZE))!;
        fs.writeFileSync(journal, Buffer.concat([encodeJournalHeader({ ...h, seq: h.seq + 1 }), bytes.subarray(JOURNAL_HEADER_SIZE)]));
      }
      return nodeFileIO.open(path, mode);
    },
  };
}

describe("opening an index whose attribute file cannot be used", () => {
  for (const damage of ["missing", "from another uid_validity"]) {
    it(`reads the files once when the attribute file is ${damage}, and says why`, async () => {
      const path = await seeded();
      if (damage === "missing") fs.unlinkSync(`${path}.attr`);
      else {
        const other = join(tmp.dir, `other-${seq}.mlist`);
        const o = await MailboxListIndex.open(other, { uidValidity: 12345 });
        await o.close();
        fs.copyFileSync(`${other}.attr`, `${path}.attr`);
      }
      const { io, opens } = counting();
      const warnings: string[] = [];
      const index = await MailboxListIndex.open(path, { readonly: true, io, onWarning: (m) => warnings.push(m) });
      assert.equal(opens.get(path), 1, `list file opened ${opens.get(path)} times`);
      assert.equal(index.lookup("Archive/2024"), 3);
      assert.equal(index.flags("INBOX"), 0);
      await index.close();
    });
  }
});

describe("a reader meeting a busy writer", () => {
  it("open() retries on a timer, so the event loop keeps running meanwhile", async () => {
    const path = await seeded();
    let reads = 0;
    const io = busyWriter(`${path}.journal`, () => ++reads <= 40);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const index = await MailboxListIndex.open(path, { readonly: true, io });
      assert.ok(reads > 40, `the writer was met ${reads} times`);
      assert.ok(ticks > 0, "timers ran while open() retried");
      assert.equal(index.lookup("INBOX"), 1);
      await index.close();
    } finally {
      clearInterval(timer);
    }
  });

  it("a synchronous answer keeps the last consistent state instead of waiting", async () => {
    const path = await seeded();
    let busy = false;
    const index = await MailboxListIndex.open(path, { io: busyWriter(`${path}.journal`, () => busy) });
    assert.equal(index.lookup("Archive/2024"), 3);
    // Another process commits for real, then the journal keeps moving under every read.
    const other = await MailboxListIndex.open(path);
    const ctx = await other.syncBegin({ partial: true });
    ctx.add("Later");
    await ctx.commit();
    await other.close();
    busy = true;
    assert.equal(index.lookup("Archive/2024"), 3);
    assert.equal(index.lookup("Later"), undefined);
    // Once the writer is done, the next answer sees its commit.
    busy = false;
    assert.equal(index.lookup("Later"), 4);
    await index.close();
  });

  it("open() gives up with IndexStateError when the files never settle", async () => {
    const path = await seeded();
    const index = MailboxListIndex.open(path, { readonly: true, io: busyWriter(`${path}.journal`, () => true) });
    // The default wait is 5 s; a writer that never stops is reported, not waited for forever.
    await assert.rejects(index, (e: unknown) => (e as Error).name === "IndexStateError");
  });
});
