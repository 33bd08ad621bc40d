// A reader in the default mode checks before every answer whether anything
// was published, keeping the journal open between checks: every commit,
// rebuild and replacement of the files must still be seen, with the UIDs
// the publisher gave, and close() must release the journal.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FileIO, MailboxListIndex, nodeFileIO } from "../../mod.ts";
import { rebuild } from "../../src/rebuild/rebuild.ts";
import type { Published } from "../fixtures/publish_child.ts";
import { entriesOf } from "../helpers/index_state.ts";
import { run, tsCommand } from "../helpers/runtime.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir();
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };
const child = fileURLToPath(new URL("../fixtures/publish_child.ts", import.meta.url));

/** Publish from another process; returns the UIDs it gave (add) or the rebuilt index's (rebuild). */
async function publishElsewhere(mode: "add" | "rebuild", path: string, names: string[]): Promise<Published> {
  const [cmd, args] = tsCommand(child, [mode, path, ...names]);
  const r = await run(cmd, args, { timeoutMs: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Published;
}

/** Commit a partial sync adding `names`; returns the UIDs they got. */
async function add(index: MailboxListIndex, names: string[]): Promise<Record<string, number>> {
  const ctx = await index.syncBegin({ partial: true });
  const uids: Record<string, number> = {};
  for (const name of names) uids[name] = ctx.add(name);
  await ctx.commit();
  return uids;
}

/** Every mailbox an instance lists, with its UID. */
function uidsOf(index: MailboxListIndex): Record<string, number> {
  return Object.fromEntries(entriesOf(index).map((e) => [e.name, e.uid]));
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
    const first = uidsOf(writer);
    assert.deepEqual(Object.keys(first).sort(), ["Archive", "Archive/2009", "INBOX"]);
    const reader = await MailboxListIndex.open(path, { readonly: true });
    assert.equal(reader.lookup("Archive/2009"), first["Archive/2009"]);
    assert.equal(reader.lookup("Sent"), undefined);
    const nextUid = reader.header.nextUid;
    // Another process adds two mailboxes: the reader sees the UIDs that process gave them,
    // new ones (from next_uid on, not reused), and every earlier mailbox with its own UID.
    const added = await publishElsewhere("add", path, ["Sent", "Archive/2010"]);
    assert.equal(reader.lookup("Sent"), added.uids["Sent"]);
    assert.equal(reader.lookup("Archive/2010"), added.uids["Archive/2010"]);
    for (const uid of Object.values(added.uids)) assert.ok(uid >= nextUid, `UID ${uid} reused (next_uid was ${nextUid})`);
    assert.notEqual(added.uids["Sent"], added.uids["Archive/2010"]);
    assert.deepEqual(uidsOf(reader), { ...first, ...added.uids });
    assert.equal(reader.header.uidValidity, added.uidValidity);
    // A rebuild elsewhere: the reader sees exactly the rebuilt index's names and UIDs.
    const rebuilt = await publishElsewhere("rebuild", path, ["Drafts", "Trash/old"]);
    assert.deepEqual(Object.keys(rebuilt.uids).sort(), ["Drafts", "Trash", "Trash/old"]);
    assert.equal(reader.lookup("Sent"), undefined);
    assert.equal(reader.lookup("Trash/old"), rebuilt.uids["Trash/old"]);
    assert.deepEqual(uidsOf(reader), rebuilt.uids);
    assert.equal(reader.header.uidValidity, rebuilt.uidValidity);
    await reader.close();
    await writer.close();
  });

  it("sees every commit and rebuild of another instance, the journal open all along", async () => {
    const path = join(tmp.dir, "same.mlist");
    const writer = await MailboxListIndex.open(path, quiet);
    const uids = await add(writer, ["INBOX"]);
    const counted = countingIO();
    const reader = await MailboxListIndex.open(path, { readonly: true, io: counted.io });
    for (let i = 0; i < 50; i++) {
      assert.equal(reader.lookup(`n${i}`), undefined);
      Object.assign(uids, await add(writer, [`n${i}`]));
      assert.equal(reader.lookup(`n${i}`), uids[`n${i}`], `commit ${i}`);
    }
    assert.equal(new Set(Object.values(uids)).size, 51, "a UID given twice");
    // Between publishes, one journal descriptor serves every check.
    const opens = counted.opens();
    for (let i = 0; i < 100; i++) assert.equal(reader.lookup(`n${i % 50}`), uids[`n${i % 50}`]);
    assert.equal(counted.opens(), opens);
    assert.equal(counted.open(), 1);
    assert.deepEqual(uidsOf(reader), uids);
    await rebuild(path, ["Rebuilt"], { durable: false });
    assert.equal(reader.lookup("n3"), undefined);
    const fresh = await MailboxListIndex.open(path, { readonly: true });
    assert.deepEqual(uidsOf(reader), uidsOf(fresh));
    await fresh.close();
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
    const uids = await add(writer, ["INBOX"]);
    const reader = await MailboxListIndex.open(path, { readonly: true });
    assert.equal(reader.lookup("INBOX"), uids["INBOX"]);
    // Renamed away: the open descriptor still reads the old journal, whose header does not change.
    renameSync(`${path}.journal`, `${path}.journal.old`);
    await tick();
    Object.assign(uids, await add(writer, ["A"]));
    assert.equal(reader.lookup("A"), uids["A"]);
    // Removed.
    unlinkSync(`${path}.journal`);
    await tick();
    Object.assign(uids, await add(writer, ["B"]));
    assert.equal(reader.lookup("B"), uids["B"]);
    // Replaced by a copy (a new inode) written by the next commit.
    copyFileSync(`${path}.journal`, `${path}.journal.copy`);
    renameSync(`${path}.journal.copy`, `${path}.journal`);
    Object.assign(uids, await add(writer, ["C"]));
    assert.equal(reader.lookup("C"), uids["C"]);
    // No journal at all, then the list file replaced under the same journal state.
    unlinkSync(`${path}.journal`);
    assert.equal(reader.lookup("C"), uids["C"]);
    copyFileSync(path, `${path}.copy`);
    renameSync(`${path}.copy`, path);
    assert.equal(reader.lookup("C"), uids["C"]);
    await tick();
    Object.assign(uids, await add(writer, ["D"]));
    assert.equal(reader.lookup("D"), uids["D"]);
    assert.equal(new Set(Object.values(uids)).size, 5, "a UID given twice");
    assert.deepEqual(uidsOf(reader), uids);
    await reader.close();
    await writer.close();
  });
});
