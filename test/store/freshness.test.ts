// A reader in the default mode checks before every answer whether anything
// was published, keeping the journal open between checks: every commit,
// rebuild and replacement of the files must still be seen, and close() must
// release the journal.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FileIO, MailboxListIndex, nodeFileIO } from "../../mod.ts";
import { rebuild } from "../../src/rebuild/rebuild.ts";
import { run, tsCommand } from "../helpers/runtime.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir();
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };
const child = fileURLToPath(new URL("../helpers/publish_child.ts", import.meta.url));

async function publishElsewhere(mode: "add" | "rebuild", path: string, names: string[]): Promise<void> {
  const [cmd, args] = tsCommand(child, [mode, path, ...names]);
  const r = await run(cmd, args, { timeoutMs: 60_000 });
  assert.equal(r.status, 0, r.stderr);
}

async function add(index: MailboxListIndex, names: string[]): Promise<void> {
  const ctx = await index.syncBegin({ partial: true });
  for (const name of names) ctx.add(name);
  await ctx.commit();
}

/** A FileIO that counts opens and closes of the journal. */
function countingIO(): { io: FileIO; opens: () => number; open: () => number } {
  let opens = 0, closes = 0;
  const journalFds = new Set<number>();
  const io: FileIO = {
    ...nodeFileIO,
    open(path, mode) {
      const fd = nodeFileIO.open(path, mode);
      if (path.endsWith(".journal")) {
        opens++;
        journalFds.add(fd);
      }
      return fd;
    },
    close(fd) {
      if (journalFds.delete(fd)) closes++;
      nodeFileIO.close(fd);
    },
  };
  return { io, opens: () => opens, open: () => opens - closes };
}

describe("a default-mode reader", () => {
  it("sees what another process commits and rebuilds", async () => {
    const path = join(tmp.dir, "other.mlist");
    const writer = await MailboxListIndex.open(path, quiet);
    await add(writer, ["INBOX", "Archive/2009"]);
    const reader = await MailboxListIndex.open(path, { readonly: true });
    assert.ok(reader.lookup("Archive/2009") !== undefined);
    assert.equal(reader.lookup("Sent"), undefined);
    await publishElsewhere("add", path, ["Sent", "Archive/2010"]);
    assert.ok(reader.lookup("Sent") !== undefined);
    assert.ok(reader.lookup("Archive/2010") !== undefined);
    await publishElsewhere("rebuild", path, ["Drafts", "Trash/old"]);
    assert.equal(reader.lookup("Sent"), undefined);
    assert.ok(reader.lookup("Trash/old") !== undefined);
    assert.deepEqual([...reader.iterate()].map((m) => m.name).sort(), ["Drafts", "Trash", "Trash/old"]);
    await reader.close();
    await writer.close();
  });

  it("sees every commit and rebuild of another instance, the journal open all along", async () => {
    const path = join(tmp.dir, "same.mlist");
    const writer = await MailboxListIndex.open(path, quiet);
    await add(writer, ["INBOX"]);
    const counted = countingIO();
    const reader = await MailboxListIndex.open(path, { readonly: true, io: counted.io });
    for (let i = 0; i < 50; i++) {
      assert.equal(reader.lookup(`n${i}`), undefined);
      await add(writer, [`n${i}`]);
      assert.ok(reader.lookup(`n${i}`) !== undefined, `commit ${i}`);
    }
    // Between publishes, one journal descriptor serves every check.
    const opens = counted.opens();
    for (let i = 0; i < 100; i++) assert.ok(reader.lookup(`n${i % 50}`) !== undefined);
    assert.equal(counted.opens(), opens);
    assert.equal(counted.open(), 1);
    await rebuild(path, ["Rebuilt"], { durable: false });
    assert.equal(reader.lookup("n3"), undefined);
    assert.ok(reader.lookup("Rebuilt") !== undefined);
    await reader.close();
    assert.equal(counted.open(), 0, "close() closes the journal");
    assert.throws(() => reader.lookup("Rebuilt"), /closed/);
    await writer.close();
  });

  it("notices a journal renamed away, removed or replaced", async () => {
    // A journal written afresh takes its first sequence number from the clock in
    // milliseconds: let the clock move, or two of them could carry the same number.
    const tick = () => new Promise((resolve) => setTimeout(resolve, 3));
    const path = join(tmp.dir, "journal.mlist");
    const writer = await MailboxListIndex.open(path, quiet);
    await add(writer, ["INBOX"]);
    const reader = await MailboxListIndex.open(path, { readonly: true });
    assert.ok(reader.lookup("INBOX") !== undefined);
    // Renamed away: the open descriptor still reads the old journal, whose header does not change.
    renameSync(`${path}.journal`, `${path}.journal.old`);
    await tick();
    await add(writer, ["A"]);
    assert.ok(reader.lookup("A") !== undefined);
    // Removed.
    unlinkSync(`${path}.journal`);
    await tick();
    await add(writer, ["B"]);
    assert.ok(reader.lookup("B") !== undefined);
    // Replaced by a copy (a new inode) written by the next commit.
    copyFileSync(`${path}.journal`, `${path}.journal.copy`);
    renameSync(`${path}.journal.copy`, `${path}.journal`);
    await add(writer, ["C"]);
    assert.ok(reader.lookup("C") !== undefined);
    // No journal at all, then the list file replaced under the same journal state.
    unlinkSync(`${path}.journal`);
    assert.ok(reader.lookup("C") !== undefined);
    copyFileSync(path, `${path}.copy`);
    renameSync(`${path}.copy`, path);
    assert.ok(reader.lookup("C") !== undefined);
    await tick();
    await add(writer, ["D"]);
    assert.ok(reader.lookup("D") !== undefined);
    await reader.close();
    await writer.close();
  });
});
