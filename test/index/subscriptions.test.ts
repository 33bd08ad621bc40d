// Subscriptions kept with the index (SPEC §12, docs/FORMAT.md "The
// subscriptions file"): subscribe, unsubscribe and setSubscriptions in a
// sync, committed through the journal; names checked like mailbox names
// and kept in their canonical spelling; unaffected by deletes, compressions,
// syncAll and rebuilds; read by readers when asked; a damaged or hostile
// file gives a typed error naming it, and a writer sets it aside.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  CorruptIndexError,
  InvalidNameError,
  MailboxListIndex,
  nodeFileIO,
  rebuild,
  syncAll,
  UnsafeFileError,
} from "../../mod.ts";
import { readJournalStamp } from "../../src/store/file_read.ts";
import { checkIndex } from "../../src/check/check.ts";
import { decodeSubscriptions } from "../../src/format/subs_codec.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-subs-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {}, durable: false };
/** Enough mailboxes that a full sync keeping a few of them, and adding one beside them, compresses the index. */
const NAMES = ["INBOX", "INBOX/Sent", ...Array.from({ length: 60 }, (_, i) => `Box/folder-${String(i).padStart(2, "0")}`)];
const FEW = [...NAMES.slice(0, 4), "Box/new-one"];
let seq = 0;

const freshPath = (): string => tmp.fresh("u.mlist");

type Ctx = Awaited<ReturnType<MailboxListIndex["syncBegin"]>>;

/** One sync: `names` added (a recursive full sync unless `partial`), then `work`. */
async function sync(index: MailboxListIndex, names: string[], work?: (ctx: Ctx) => void, partial = false) {
  const ctx = await index.syncBegin(partial ? { partial: true } : { recursive: true });
  for (const n of names) ctx.add(n);
  work?.(ctx);
  return await ctx.commit();
}

async function withIndex<T>(path: string, fn: (index: MailboxListIndex) => Promise<T>, options = {}): Promise<T> {
  const index = await MailboxListIndex.open(path, { ...quiet, ...options });
  try {
    return await fn(index);
  } finally {
    await index.close();
  }
}

async function readerSubs(path: string): Promise<string[]> {
  return await withIndex(path, (r) => Promise.resolve(r.subscriptions()), { readonly: true });
}

describe("subscriptions: the API", () => {
  it("subscribe, unsubscribe and setSubscriptions apply in call order, sorted by UTF-8 bytes", async () => {
    const path = freshPath();
    await withIndex(path, async (index) => {
      assert.deepEqual(index.subscriptions(), [], "a new index has none");
      const r = await sync(index, NAMES, (ctx) => {
        ctx.subscribe("Zeta/not-a-mailbox");
        ctx.subscribe("INBOX");
        ctx.subscribe("äpfel");
        ctx.subscribe("apfel");
        ctx.subscribe("INBOX"); // twice is once
      });
      assert.equal(r.changed, true);
      assert.deepEqual(index.subscriptions(), ["INBOX", "Zeta/not-a-mailbox", "apfel", "äpfel"]);
      assert.equal(index.isSubscribed("INBOX"), true);
      assert.equal(index.isSubscribed("INBOX/Sent"), false);
      assert.equal(index.subscriptionSet().has("Zeta/not-a-mailbox"), true);
      await sync(index, [], (ctx) => {
        ctx.unsubscribe("apfel");
        ctx.setSubscriptions(["Box/folder-01", "INBOX/Sent", "Box/folder-01"]);
        ctx.subscribe("Lists/dev");
        ctx.unsubscribe("Box/folder-01");
      }, true);
      assert.deepEqual(index.subscriptions(), ["INBOX/Sent", "Lists/dev"]);
      assert.deepEqual(await readerSubs(path), ["INBOX/Sent", "Lists/dev"], "a new reader sees the same");
    });
  });

  it("keeps names in their canonical spelling and answers isSubscribed for any spelling", async () => {
    const path = freshPath();
    await withIndex(path, async (index) => {
      await sync(index, [], (ctx) => ctx.subscribe("//Lists//dev/"), true);
      assert.deepEqual(index.subscriptions(), ["Lists/dev"]);
      assert.equal(index.isSubscribed("Lists/dev"), true);
      assert.equal(index.isSubscribed("/Lists///dev"), true);
      await sync(index, [], (ctx) => ctx.unsubscribe("Lists//dev"), true);
      assert.deepEqual(index.subscriptions(), []);
    });
  });

  it("uses the index's separator", async () => {
    const path = freshPath();
    await withIndex(path, async (index) => {
      await sync(index, ["INBOX.Sent"], (ctx) => ctx.subscribe("INBOX..Sent"));
      assert.deepEqual(index.subscriptions(), ["INBOX.Sent"]);
      assert.equal(index.isSubscribed("INBOX.Sent"), true);
    }, { separator: "." });
    assert.equal(decodeSubscriptions(readFileSync(`${path}.subs`), "s").length, 1);
    assert.equal(readFileSync(`${path}.subs`)[12], 0x2e, "the separator is recorded");
  });

  it("unsubscribing a name that is not subscribed is a no-op: nothing is written", async () => {
    const path = freshPath();
    await withIndex(path, async (index) => {
      await sync(index, ["INBOX"]);
      const before = readJournalStamp(nodeFileIO, `${path}.journal`).seq;
      const r = await sync(index, [], (ctx) => ctx.unsubscribe("INBOX"), true);
      assert.equal(r.changed, false);
      assert.equal(readJournalStamp(nodeFileIO, `${path}.journal`).seq, before, "no journal record");
      assert.equal(existsSync(`${path}.subs`), false, "no subscriptions file");
      await sync(index, [], (ctx) => ctx.subscribe("INBOX"), true);
      const r2 = await sync(index, ["INBOX"], (ctx) => ctx.subscribe("INBOX"));
      assert.equal(r2.changed, false, "subscribing a subscribed name changes nothing");
    });
  });

  it("a commit that changes only subscriptions goes through the journal", async () => {
    const path = freshPath();
    await withIndex(path, async (index) => {
      await sync(index, ["INBOX"]);
      const reader = await MailboxListIndex.open(path, { ...quiet, readonly: true });
      try {
        assert.deepEqual(reader.subscriptions(), []);
        const before = readJournalStamp(nodeFileIO, `${path}.journal`).seq;
        const r = await sync(index, [], (ctx) => ctx.subscribe("Nowhere"), true);
        assert.deepEqual(r, { added: 0, deleted: 0, changed: true, compressed: false });
        assert.equal(readJournalStamp(nodeFileIO, `${path}.journal`).seq, before + 1);
        assert.deepEqual(reader.subscriptions(), ["Nowhere"], "an open reader sees the commit");
        assert.equal(reader.lookup("Nowhere"), undefined, "a subscription is not a mailbox");
      } finally {
        await reader.close();
      }
      assert.deepEqual(readdirSync(join(path, "..")).sort(), ["u.mlist", "u.mlist.attr", "u.mlist.changes", "u.mlist.journal", "u.mlist.subs"]);
    });
  });

  it("refuses names the index cannot hold with InvalidNameError, and the sync goes on", async () => {
    const path = freshPath();
    await withIndex(path, async (index) => {
      const ctx = await index.syncBegin({ partial: true });
      for (const bad of ["a\0b", "x\uD800y", "", "/", "n".repeat(300), "deep/".repeat(300) + "x"]) {
        assert.throws(() => ctx.subscribe(bad), InvalidNameError, JSON.stringify(bad).slice(0, 20));
        assert.throws(() => ctx.unsubscribe(bad), InvalidNameError);
      }
      assert.throws(() => ctx.setSubscriptions(["ok", "bad\0"]), InvalidNameError);
      ctx.subscribe("ok");
      await ctx.commit();
      assert.deepEqual(index.subscriptions(), ["ok"], "the refused setSubscriptions changed nothing");
      assert.throws(() => index.isSubscribed("a\0b"), InvalidNameError);
    });
  });

  it("a subscription outlives the deletion of its mailbox and names that never existed", async () => {
    const path = freshPath();
    await withIndex(path, async (index) => {
      await sync(index, NAMES, (ctx) => {
        ctx.subscribe("INBOX/Sent");
        ctx.subscribe("Box/folder-07");
        ctx.subscribe("Never/There");
      });
      await sync(index, ["INBOX"]);
      assert.equal(index.lookup("INBOX/Sent"), undefined);
      assert.deepEqual(index.subscriptions(), ["Box/folder-07", "INBOX/Sent", "Never/There"]);
    });
  });
});

describe("subscriptions: kept across whole-file replacements", () => {
  it("a compression leaves them, also when the compressing commit changes them", async () => {
    const path = freshPath();
    await withIndex(path, async (index) => {
      await sync(index, NAMES, (ctx) => ctx.subscribe("Box/folder-33"));
      const seqBefore = index.header.fileSeq;
      const r = await sync(index, FEW, (ctx) => ctx.subscribe("Box/new-one"));
      assert.equal(r.compressed, true, "the sync compressed the index");
      assert.equal(index.header.fileSeq, seqBefore + 1);
      assert.deepEqual(index.subscriptions(), ["Box/folder-33", "Box/new-one"]);
      assert.deepEqual(await readerSubs(path), ["Box/folder-33", "Box/new-one"]);
    });
  });

  it("syncAll leaves them", async () => {
    const path = freshPath();
    await withIndex(path, async (index) => {
      await sync(index, NAMES, (ctx) => ctx.setSubscriptions(["INBOX", "Gone"]));
      const r = await syncAll(index, [...FEW, "Added/one"]);
      assert.equal(r.changed, true);
      assert.deepEqual(index.subscriptions(), ["Gone", "INBOX"]);
    });
  });

  it("a rebuild keeps them, or replaces them in the same commit when given a set", async () => {
    const path = freshPath();
    await withIndex(path, (index) => sync(index, NAMES, (ctx) => ctx.setSubscriptions(["INBOX", "Old/one"])));
    await rebuild(path, ["INBOX", "Fresh"], { uidValidity: 77, onWarning: () => {} });
    assert.deepEqual(await readerSubs(path), ["INBOX", "Old/one"]);
    const before = readJournalStamp(nodeFileIO, `${path}.journal`).seq;
    await rebuild(path, ["INBOX", "Fresh"], { uidValidity: 78, subscriptions: ["Fresh", "//INBOX/", "Fresh"] });
    assert.equal(readJournalStamp(nodeFileIO, `${path}.journal`).seq, before + 1, "one record for the files and the set");
    assert.deepEqual(await readerSubs(path), ["Fresh", "INBOX"]);
    await assert.rejects(rebuild(path, ["Other"], { uidValidity: 79, subscriptions: ["ok", "bad\0"] }), InvalidNameError);
    await withIndex(path, (r) => {
      assert.equal(r.header.uidValidity, 78, "a refused subscription list leaves the index as it was");
      assert.deepEqual(r.subscriptions(), ["Fresh", "INBOX"]);
      return Promise.resolve();
    }, { readonly: true });
  });

  it("a damaged index recreated by a sync keeps them", async () => {
    const path = freshPath();
    await withIndex(path, (index) => sync(index, NAMES, (ctx) => ctx.subscribe("INBOX")));
    writeFileSync(path, new Uint8Array(600)); // the list file zeroed
    await withIndex(path, async (index) => {
      await sync(index, ["INBOX"], undefined, true);
      assert.deepEqual(index.subscriptions(), ["INBOX"]);
    });
  });
});

describe("subscriptions: damaged and hostile files", () => {
  async function damaged(mutate: (subs: string) => void): Promise<string> {
    const path = freshPath();
    await withIndex(path, (index) => sync(index, NAMES, (ctx) => ctx.setSubscriptions(["INBOX", "Lists/dev", "Sent"])));
    mutate(`${path}.subs`);
    return path;
  }

  async function readerFails(path: string, check: RegExp): Promise<void> {
    await withIndex(path, (r) => {
      assert.equal(r.lookup("INBOX/Sent") !== undefined, true, "the rest of the index answers");
      for (const call of [() => r.subscriptions(), () => r.isSubscribed("INBOX"), () => r.subscriptionSet()]) {
        assert.throws(call, (e: unknown) => {
          assert.ok(e instanceof CorruptIndexError, String(e));
          assert.equal(e.file, `${path}.subs`);
          assert.match(e.message, check);
          return true;
        });
      }
      return Promise.resolve();
    }, { readonly: true });
  }

  it("a truncated file", async () => {
    const path = await damaged((f) => truncateSync(f, 40));
    await readerFails(path, /body length/);
  });

  it("a bad checksum", async () => {
    const path = await damaged((f) => {
      const b = readFileSync(f);
      b[b.length - 2] ^= 0x20;
      writeFileSync(f, b);
    });
    await readerFails(path, /checksum/);
  });

  it("a huge sparse file: refused from its size, or from its header without reading the rest", async () => {
    const huge = await damaged((f) => truncateSync(f, 2 ** 30 + 1));
    await readerFails(huge, /exceeds the 1073741824 bytes/);
    const big = await damaged((f) => {
      writeFileSync(f, new Uint8Array(0));
      truncateSync(f, 2 ** 29);
    });
    await readerFails(big, /magic/);
  });

  it("a symbolic link is refused, by readers and writers, its target untouched", async () => {
    const target = join(tmp.dir, `target-${seq++}`);
    writeFileSync(target, "not an index file");
    const path = await damaged((f) => {
      unlinkSync(f);
      symlinkSync(target, f);
    });
    await withIndex(path, (r) => {
      assert.throws(() => r.subscriptions(), UnsafeFileError);
      return Promise.resolve();
    }, { readonly: true });
    await withIndex(path, async (index) => {
      await assert.rejects(sync(index, ["INBOX"], (ctx) => ctx.subscribe("x"), true), UnsafeFileError);
      await assert.rejects(sync(index, ["INBOX", "New"], undefined, true), UnsafeFileError, "nor any other commit");
    });
    assert.equal(readFileSync(target, "utf8"), "not an index file");
  });

  it("a writer sets a damaged file aside with a warning and starts afresh", async () => {
    const path = await damaged((f) => truncateSync(f, 33));
    const warnings: string[] = [];
    await withIndex(path, async (index) => {
      assert.throws(() => index.subscriptions(), CorruptIndexError);
      await sync(index, ["INBOX"], (ctx) => ctx.subscribe("Kept"), true);
      assert.deepEqual(index.subscriptions(), ["Kept"]);
    }, { onWarning: (m: string) => warnings.push(m) });
    assert.ok(warnings.some((w) => w.includes(".subs") && w.includes("set aside")), JSON.stringify(warnings));
    const aside = readdirSync(join(path, "..")).filter((f) => f.startsWith("u.mlist.subs.corrupt-"));
    assert.equal(aside.length, 1);
    assert.deepEqual(await readerSubs(path), ["Kept"]);
  });

  it("the check reports a damaged file as an error naming it, and counts a good one", async () => {
    const good = await damaged(() => {});
    const ok = checkIndex(good);
    assert.equal(ok.ok, true, JSON.stringify(ok.problems));
    assert.equal(ok.stats.subscriptions, 3);
    const bad = await damaged((f) => truncateSync(f, 35));
    const report = checkIndex(bad);
    assert.equal(report.ok, false);
    assert.equal(report.problems[0].file, `${bad}.subs`);
    assert.match(report.problems[0].message, /body length/);
  });

  it("an index written before the file existed has no subscriptions", async () => {
    const path = freshPath();
    await withIndex(path, (index) => sync(index, NAMES));
    assert.equal(existsSync(`${path}.subs`), false);
    assert.deepEqual(await readerSubs(path), []);
  });
});
