// After its own commit (SPEC §4, §6), a writer answers from the state it
// computed in memory, not from a re-read of the files: that state must equal
// what a fresh reader of the files sees, after plain partial commits, after
// a commit that grows the file and after one that compresses it.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MailboxListIndex, nodeFileIO } from "../../mod.ts";
import type { FileIO } from "../../src/store/io.ts";
import { readState, stateOf } from "../helpers/index_state.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir();
after(() => tmp.cleanup());

/** A file interface that counts how often each path is opened for reading. */
function countingIO(): { io: FileIO; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const io: FileIO = {
    ...nodeFileIO,
    open(path, mode) {
      if (mode === "read") reads.set(path, (reads.get(path) ?? 0) + 1);
      return nodeFileIO.open(path, mode);
    },
  };
  return { io, reads };
}

describe("the state a writer keeps after its own commit", () => {
  it("equals a fresh read after partial commits, growth and compression, without reading the list file again", {
    timeout: 60_000,
  }, async () => {
    const path = join(tmp.dir, "after-commit.mlist");
    const { io, reads } = countingIO();
    const index = await MailboxListIndex.open(path, { io, onWarning: () => {}, durable: false });
    // One big directory, so that each partial commit rewrites it and compression comes soon.
    const names = ["Archive/2009", "Archive/2010"];
    for (let i = 0; i < 100; i++) names.push(`INBOX/folder-${i}`);
    for (let i = 0; i < 3000; i++) names.push(`Other/d${i % 50}/f${i}`);
    let ctx = await index.syncBegin({ recursive: true });
    for (const n of names) ctx.add(n);
    ctx.setStatus("INBOX/folder-7", { messages: 5, unseen: 2, recent: 1, uidValidity: 77, uidNext: 6 });
    await ctx.commit();
    let compressions = 0, plain = 0;
    let sizeBefore = nodeFileIO.stat(path)!.size;
    let grew = 0;
    for (let r = 0; r < 30; r++) {
      reads.clear();
      ctx = await index.syncBegin({ partial: true });
      const uid = ctx.add(`INBOX/new-${r}`);
      if (r % 3 === 0) ctx.setStatus(uid, { messages: r, unseen: 0, recent: 0, uidValidity: 9, uidNext: r + 1 });
      if (r % 4 === 0) ctx.addFlags(uid, 0x04);
      const result = await ctx.commit();
      if (result.compressed) compressions++;
      else plain++;
      const size = nodeFileIO.stat(path)!.size;
      if (size > sizeBefore) grew++;
      sizeBefore = size;
      const mine = stateOf(index);
      assert.equal(reads.get(path) ?? 0, 0, `commit ${r}: the writer read the list file again`);
      assert.deepEqual(mine, await readState(path), `commit ${r}: the writer's state differs from the files`);
      assert.equal(index.lookup(`INBOX/new-${r}`), uid);
    }
    assert.ok(compressions >= 2, `only ${compressions} compressions`);
    assert.ok(plain >= 10, `only ${plain} commits without compression`);
    assert.ok(grew >= 1, "the file never grew");
    await index.close();
    // A fresh writer sees the same listing, and can go on.
    const again = await MailboxListIndex.open(path, { onWarning: () => {}, durable: false });
    assert.equal([...again.iterate("INBOX", { depth: 0 })].length, 130);
    ctx = await again.syncBegin({ partial: true });
    ctx.add("INBOX/last");
    await ctx.commit();
    assert.deepEqual(stateOf(again), await readState(path));
    await again.close();
  });
});
