// The core of a bulk run, in this thread: runBulk's slots (jobs at a time,
// one user's failure reported while the others go on, a fatal error ending
// the run) and one user's job (runBulkJob) on real stores in a temp
// directory: a rebuild when the index is missing, a full sync when it
// exists, the store's subscriptions, and a scan that could not read a
// folder.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { type BulkOutcome, type BulkUser, type BulkUserResult, runBulk } from "../../src/rebuild/bulk.ts";
import { runBulkJob, type StoreReader } from "../../src/rebuild/bulk_job.ts";
import { readStoreContents } from "../../src/scan/store_contents.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const read: StoreReader = (user, separator, options, warn) =>
  readStoreContents(user.layout, user.store, separator, { utf8Names: options.utf8Names, onWarning: warn });

function user(name: string, layout: BulkUser["layout"] = "list"): BulkUser {
  return { name, layout, store: `/s/${name}`, index: `/i/${name}.mlist` };
}

const ok = (mailboxes: number): BulkOutcome => ({ action: "rebuilt", mailboxes, changed: true, warnings: [], ms: 1 });

function maildir(dir: string): void {
  for (const d of ["cur", "new"]) mkdirSync(join(dir, d), { recursive: true });
}

async function contents(index: string): Promise<{ names: string[]; subscriptions: string[] }> {
  const ix = await MailboxListIndex.open(index, { readonly: true });
  try {
    return { names: [...ix.iterate()].map((m) => m.name).sort(), subscriptions: ix.subscriptions().sort() };
  } finally {
    await ix.close();
  }
}

describe("runBulk", () => {
  it("runs at most `jobs` users at a time, every user once, results in the users' order", async () => {
    const users = Array.from({ length: 7 }, (_, i) => user(`u${i}`));
    let running = 0, most = 0;
    const slots = new Set<number>();
    const ended: string[] = [];
    const results = await runBulk(users, {
      jobs: 3,
      run: async (u, slot) => {
        slots.add(slot);
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 1 + (Number(u.name.slice(1)) % 3)));
        running--;
        return ok(Number(u.name.slice(1)));
      },
      onDone: (r) => void ended.push(r.user),
    });
    assert.equal(most, 3);
    assert.deepEqual([...slots].sort(), [0, 1, 2]);
    assert.deepEqual(results.map((r) => r.mailboxes), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(ended.sort(), users.map((u) => u.name).sort());
  });

  it("reports a failing user with its error, and the others go on", async () => {
    const done: BulkUserResult[] = [];
    const results = await runBulk([user("a"), user("b"), user("c")], {
      jobs: 2,
      run: (u) => u.name === "a" ? Promise.reject(new RangeError("No store for a")) : Promise.resolve(ok(2)),
      onDone: (r) => void done.push(r),
    });
    assert.deepEqual(results.map((r) => [r.user, r.status, r.error]), [
      ["a", "failed", "No store for a"],
      ["b", "rebuilt", undefined],
      ["c", "rebuilt", undefined],
    ]);
    assert.equal(done.length, 3);
  });

  it("ends the run on a fatal error, after the jobs running, leaving the rest undone", async () => {
    const started: string[] = [];
    await assert.rejects(
      runBulk([user("a"), user("b"), user("c"), user("d")], {
        jobs: 1,
        run: (u) => (started.push(u.name), u.name === "b" ? Promise.reject(new Error("worker died")) : Promise.resolve(ok(1))),
        fatal: (e) => (e as Error).message === "worker died",
      }),
      /worker died/,
    );
    assert.deepEqual(started, ["a", "b"]);
  });

  it("refuses a bad number of jobs", async () => {
    await assert.rejects(runBulk([], { jobs: 0, run: () => Promise.resolve(ok(0)) }), RangeError);
  });
});

describe("runBulkJob", () => {
  it("rebuilds a missing index, then syncs it: new and gone folders, the store's subscriptions", async () => {
    const tmp = makeTempDir("mli-bulk-job-");
    try {
      const store = join(tmp.dir, "m");
      maildir(store);
      maildir(join(store, ".Sent"));
      maildir(join(store, ".Old"));
      writeFileSync(join(store, "subscriptions"), "INBOX\nSent\n");
      const u: BulkUser = { name: "alice", layout: "maildir", store, index: join(tmp.dir, "a.mlist") };
      const first = await runBulkJob(u, { separator: "/", uidValidity: 9 }, read);
      assert.deepEqual([first.action, first.mailboxes, first.changed], ["rebuilt", 3, true]);
      assert.deepEqual(await contents(u.index), { names: ["INBOX", "Old", "Sent"], subscriptions: ["INBOX", "Sent"] });
      const same = await runBulkJob(u, { separator: "/" }, read);
      assert.deepEqual([same.action, same.mailboxes, same.changed], ["synced", 3, false]);
      // The store changes: a folder gone, one new, a new subscription.
      rmSync(join(store, ".Old"), { recursive: true });
      maildir(join(store, ".Lists.dev"));
      writeFileSync(join(store, "subscriptions"), "INBOX\nSent\nLists.dev\n");
      const synced = await runBulkJob(u, { separator: "/" }, read);
      assert.deepEqual([synced.action, synced.mailboxes, synced.changed], ["synced", 4, true]);
      assert.deepEqual(await contents(u.index), {
        names: ["INBOX", "Lists", "Lists/dev", "Sent"],
        subscriptions: ["INBOX", "Lists/dev", "Sent"],
      });
    } finally {
      tmp.cleanup();
    }
  });

  it("keeps a folder it could not read when syncing; refuses to make a new index without it", async () => {
    const tmp = makeTempDir("mli-bulk-job-");
    try {
      // The seam: a store whose "Secret" could not be listed this time.
      let unread = false;
      const store: StoreReader = () =>
        Promise.resolve(unread ? { names: ["INBOX"], incomplete: ["Secret"] } : { names: ["INBOX", "Secret/Plans"], incomplete: [] });
      const u: BulkUser = { name: "bob", layout: "fs", store: "/s/bob", index: join(tmp.dir, "b.mlist") };
      await runBulkJob(u, { separator: "/" }, store);
      assert.deepEqual((await contents(u.index)).names, ["INBOX", "Secret", "Secret/Plans"]);
      unread = true;
      const synced = await runBulkJob(u, { separator: "/" }, store);
      assert.equal(synced.action, "synced");
      assert.deepEqual((await contents(u.index)).names, ["INBOX", "Secret", "Secret/Plans"]);
      const fresh = { ...u, index: join(tmp.dir, "new.mlist") };
      await assert.rejects(runBulkJob(fresh, { separator: "/" }, store), /could not read 1 folder\(s\) \("Secret"\); nothing was written/);
      assert.equal(existsSync(fresh.index), false);
    } finally {
      tmp.cleanup();
    }
  });

  it("fails for a store that cannot be read", async () => {
    const tmp = makeTempDir("mli-bulk-job-");
    try {
      const u: BulkUser = { name: "c", layout: "maildir", store: join(tmp.dir, "none"), index: join(tmp.dir, "c.mlist") };
      await assert.rejects(runBulkJob(u, { separator: "/" }, read), /Cannot read store root/);
    } finally {
      tmp.cleanup();
    }
  });
});
