// The parts of the reference IMAP server (examples/imap_server/), in this
// process: password hashes and the users file; the command reader's
// framing (literals, LITERAL+, caps, pipelining, bytes arriving one at a
// time); the response writer's chunks and backpressure; the store's CREATE,
// DELETE (RFC 3501 §6.3.4 rules) and SUBSCRIBE on a Dovecot-style Maildir++
// store and the index, which always agree with a fresh scan; reconciliation
// after a crash between a disk change and its index commit; the change
// watch behind IDLE; and the small formatting helpers.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  answerListCommand,
  MailboxFlags,
  MailboxListIndex,
  type MailboxStatus,
  readDovecotSubscriptions,
  rebuild,
  scanMaildir,
} from "../../mod.ts";
import { ListRunner, oneLevelList, type ListSink } from "../../examples/imap_server/list_runner.ts";
import { utf8Chunks, WINDOW } from "../../examples/imap_server/list_answer.ts";
import { hashPassword, parseUsers, verifyPassword } from "../../examples/imap_server/users.ts";
import { CommandReader, type Incoming, tagOf } from "../../examples/imap_server/wire.ts";
import { ResponseWriter } from "../../examples/imap_server/output.ts";
import { folderDirName, StoreError, subscriptionsFileText, UserStore } from "../../examples/imap_server/store.ts";
import { statusChanged, watchMailbox } from "../../examples/imap_server/changes.ts";
import { splitCommand } from "../../examples/imap_server/session.ts";
import { updateLines } from "../../examples/imap_server/commands/updates.ts";
import { indexFileName } from "../../examples/imap_server/accounts.ts";
import { writeDovecotStore } from "../helpers/dovecot_store.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { ROOT } from "../helpers/runtime.ts";

const FAST = { N: 1024, r: 8, p: 1 };
const enc = (s: string) => new TextEncoder().encode(s);

describe("users: scrypt hashes and the users file", () => {
  it("a hash checks its own password only", async () => {
    const hash = await hashPassword("pässword", FAST);
    assert.match(hash, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    assert.equal(await verifyPassword("pässword", hash), true);
    assert.equal(await verifyPassword("password", hash), false);
    assert.equal(await verifyPassword("pässword", undefined), false, "an unknown user never logs in");
    assert.notEqual(await hashPassword("pässword", FAST), hash, "a fresh salt each time");
  });

  it("the users file is read line by line, and bad lines are errors naming the line", async () => {
    const hash = await hashPassword("x", FAST);
    const users = parseUsers(`# users\n\nalice\t${hash}\t/srv/alice\nbob\t${hash}\tmail/bob\n`, "/etc/imap/users");
    assert.deepEqual([...users.keys()], ["alice", "bob"]);
    assert.equal(users.get("bob")!.root, join("/etc/imap", "mail/bob"));
    assert.throws(() => parseUsers("alice\tx\n", "f"), /line 1 of users file "f"/);
    assert.throws(() => parseUsers(`a\t${hash}\t/r\na\t${hash}\t/r\n`, "f"), /line 2 .*listed twice/);
    assert.throws(() => parseUsers("a\tmd5$x\t/r\n", "f"), /Invalid line 1 .*scrypt/);
    assert.throws(() => parseUsers("a\tscrypt$3$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==\t/r\n", "f"), /Invalid scrypt parameters/);
  });

  it("index file names never collide or leave the directory", () => {
    assert.equal(indexFileName("alice"), "u-alice.mlist");
    assert.equal(indexFileName("../etc"), "x-2e2e2f657463.mlist");
    assert.equal(indexFileName(".hidden"), "x-2e68696464656e.mlist");
    assert.notEqual(indexFileName("x-61"), indexFileName("a"));
  });
});

/** A fake socket that feeds the reader. */
class FakeSource extends EventEmitter {
  paused = false;
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
}

/** Feed `text` to a reader, `step` bytes at a time, and collect `n` results. */
async function readAll(
  bytes: Uint8Array,
  n: number,
  step = bytes.length,
  limits = { maxLine: 100, maxLiteral: 50, maxCommand: 200 },
): Promise<{ got: Incoming[]; continuations: number }> {
  const src = new FakeSource();
  let continuations = 0;
  const reader = new CommandReader(limits, () => continuations++);
  reader.attach(src);
  const got: Incoming[] = [];
  const reading = (async () => {
    for (let i = 0; i < n; i++) got.push(await reader.nextCommand());
  })();
  for (let i = 0; i < bytes.length; i += step) {
    src.emit("data", bytes.subarray(i, i + step));
    await new Promise((r) => setImmediate(r));
  }
  src.emit("end");
  await reading;
  return { got, continuations };
}

describe("the command reader", () => {
  const input = 'a NOOP\r\nb LOGIN {5}\r\nalice {3+}\r\npw!\r\n\r\nc LIST "" {1}\r\n*\nd CREATE "Entwürfe"\r\n';
  const expected: Incoming[] = [
    { kind: "command", text: "a NOOP" },
    { kind: "command", text: "b LOGIN {5}\r\nalice {3+}\r\npw!" },
    { kind: "command", text: 'c LIST "" {1}\r\n*' },
    { kind: "command", text: 'd CREATE "Entwürfe"' },
    { kind: "closed" },
  ];
  for (const step of [1, 3, 1000]) {
    it(`frames lines and literals, pipelined, the bytes arriving ${step} at a time`, async () => {
      const { got, continuations } = await readAll(enc(input), 5, step);
      assert.deepEqual(got, expected);
      assert.equal(continuations, 2, "one continuation request per synchronizing literal");
    });
  }

  it("refuses what is over the caps, and says when the connection cannot go on", async () => {
    const long = "x".repeat(150);
    const text = `a1 NOOP ${long}\r\na2 CREATE {60}\r\na3 NOOP\r\na4 LOGIN {10}\r\n0123456789 {180}\r\nb1 CREATE {60+}\r\n`;
    const { got, continuations } = await readAll(enc(text), 5);
    assert.deepEqual(got, [
      { kind: "refused", tag: "a1", reason: "Line too long: the limit is 100 bytes", close: false },
      { kind: "refused", tag: "a2", reason: "Literal too large: the limit is 50 bytes", close: false },
      { kind: "command", text: "a3 NOOP" },
      { kind: "refused", tag: "a4", reason: "Literal too large: the limit is 50 bytes", close: false },
      { kind: "refused", tag: "b1", reason: "Literal too large: the limit is 50 bytes", close: true },
    ]);
    assert.equal(continuations, 1);
  });

  it("refuses a command that is not UTF-8, and an over-long line ending in a LITERAL+ closes", async () => {
    const bad = new Uint8Array([...enc('a CREATE "'), 0xc3, 0x28, 0x22, 13, 10]);
    const over = enc(`b NOOP ${"y".repeat(300)} {4+}\r\n`);
    const { got } = await readAll(new Uint8Array([...bad, ...over]), 2, 7);
    assert.deepEqual(got, [
      { kind: "refused", tag: "a", reason: "The command is not valid UTF-8", close: false },
      { kind: "refused", tag: "b", reason: "Line too long: the limit is 100 bytes", close: true },
    ]);
  });

  it("pauses its source while a backlog waits, and resumes when it is read", async () => {
    const src = new FakeSource();
    const reader = new CommandReader({ maxLine: 100, maxLiteral: 50, maxCommand: 200 }, () => {});
    reader.attach(src);
    src.emit("data", enc("t NOOP\r\n".repeat(100)));
    assert.equal(src.paused, true);
    for (let i = 0; i < 100; i++) assert.deepEqual(await reader.nextCommand(), { kind: "command", text: "t NOOP" });
    assert.equal(src.paused, false);
  });

  it("tags and commands are split as RFC 9051 allows", () => {
    assert.equal(tagOf(enc("A001 LOGIN")), "A001");
    assert.equal(tagOf(enc("+x NOOP")), "*");
    assert.deepEqual(splitCommand('a1 list "" *'), { tag: "a1", name: "LIST", args: '"" *' });
    assert.deepEqual(splitCommand("a2 NOOP"), { tag: "a2", name: "NOOP", args: "" });
    assert.deepEqual(splitCommand("a3"), { tag: "a3" });
    assert.deepEqual(splitCommand("a4 {5}"), { tag: "a4" });
    assert.deepEqual(splitCommand("(x NOOP"), { tag: "*" });
  });
});

describe("the response writer", () => {
  it("writes a large answer in chunks cut at line ends, waiting for 'drain' when the socket is full", async () => {
    const chunks: string[] = [];
    const sink = Object.assign(new EventEmitter(), {
      destroyed: false,
      write(data: string) {
        chunks.push(data);
        return chunks.length % 2 === 1; // every other write fills the buffer
      },
    });
    const out = new ResponseWriter(sink);
    const lines = Array.from({ length: 20_000 }, (_, i) => `* LIST () "/" "Box ${i}"\r\n`).join("");
    let done = false;
    const writing = out.writeLarge(lines).then(() => (done = true));
    // It stops at the first full buffer until the socket drains.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    assert.equal(chunks.length, 2);
    while (!done) {
      sink.emit("drain");
      await new Promise((r) => setImmediate(r));
    }
    await writing;
    assert.equal(chunks.join(""), lines);
    assert.ok(chunks.length > 5);
    for (const c of chunks) {
      assert.ok(c.endsWith("\r\n"), "a chunk ends at a line end");
      assert.ok(c.length < 64 * 1024 + 100);
    }
  });
});

describe("the list runner", () => {
  /** A sink that records what is written, each write taking a turn of the event loop. */
  function recordingSink(): ListSink & { texts: string[]; chunks: Uint8Array[]; bytes_: () => Uint8Array } {
    const texts: string[] = [];
    const chunks: Uint8Array[] = [];
    return {
      texts,
      chunks,
      text: async (lines) => {
        texts.push(lines);
        await new Promise((r) => setImmediate(r));
      },
      bytes: async (chunk) => {
        chunks.push(chunk);
        await new Promise((r) => setImmediate(r));
      },
      bytes_: () => {
        const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
        let at = 0;
        for (const c of chunks) {
          all.set(c, at);
          at += c.length;
        }
        return all;
      },
    };
  }

  it("tells the LIST commands that reach one level only", () => {
    const one = (args: string, command: "LIST" | "LSUB" = "LIST") => oneLevelList(command, args, {}, "/");
    assert.equal(one('"" "%"'), true);
    assert.equal(one('"" INBOX'), true);
    assert.equal(one('"Dir1/" "%"'), true);
    assert.equal(one('"" ("%" "Dir2/%") RETURN (STATUS (MESSAGES) CHILDREN)'), true);
    assert.equal(one('"" ""'), true);
    assert.equal(one('"" "*"'), false);
    assert.equal(one('"" "Dir1/*"'), false);
    assert.equal(one('"" "%/%"'), false);
    assert.equal(one('"" "Dir%/Box1"'), false);
    assert.equal(one('"%/" "%"'), false);
    assert.equal(one('(SUBSCRIBED) "" "%"'), false);
    assert.equal(one('"" "%"', "LSUB"), false);
  });

  it("answers a one-level LIST over an index above the threshold on the server's thread, and streams the rest from a worker, byte for byte the library's", async () => {
    const tmp = makeTempDir("mli-imap-lists-");
    const lists = new ListRunner({ workers: 1, threshold: 100 });
    try {
      const path = join(tmp.dir, "u.mlist");
      const boxes: { name: string; status: MailboxStatus }[] = [{ name: "INBOX", status: { messages: 3, unseen: 1, recent: 0, uidNext: 4, uidValidity: 7 } }];
      // Enough lines for more chunks than the window (64 KiB each), some names not ASCII.
      for (let i = 0; i < 30_000; i++) {
        boxes.push({ name: `Dir${i % 50}/${i % 7 === 0 ? "Entwürfe" : "Box"}${i}`, status: { messages: i % 13, unseen: i % 3, recent: 0, uidNext: 1 + (i % 13), uidValidity: 7 } });
      }
      await rebuild(path, boxes, { durable: false });
      const index = await MailboxListIndex.open(path, { readonly: true });
      try {
        assert.ok(index.header.nextUid - 1 > 100);
        for (const session of [{}, { utf8: true }]) {
          // One level: on this thread, as one text.
          for (const args of ['"" "%"', '"Dir7/" "%" RETURN (STATUS (MESSAGES))']) {
            const sink = recordingSink();
            const before = { ...lists.counts };
            assert.equal(await lists.answer(index, "LIST", args, session, sink), undefined);
            assert.deepEqual(lists.counts, { worker: before.worker, here: before.here + 1 });
            assert.deepEqual(sink.chunks, []);
            assert.equal(sink.texts.join(""), answerListCommand(index, "LIST", args, session).join(""));
          }
          // Every level: on the worker, in UTF-8 chunks cut at line ends.
          const args = '"" "*" RETURN (STATUS (MESSAGES UNSEEN))';
          const sink = recordingSink();
          const before = { ...lists.counts };
          assert.equal(await lists.answer(index, "LIST", args, session, sink), undefined);
          assert.deepEqual(lists.counts, { worker: before.worker + 1, here: before.here });
          assert.deepEqual(sink.texts, []);
          const expected = new TextEncoder().encode(answerListCommand(index, "LIST", args, session).join(""));
          assert.ok(sink.chunks.length > WINDOW, `${sink.chunks.length} chunks`);
          assert.deepEqual(sink.bytes_(), expected);
          for (const c of sink.chunks) assert.equal(c[c.length - 1], 0x0a, "a chunk ends at a line end");
        }
        // Arguments the grammar refuses are refused at once, on this thread; an answer with no lines comes from the worker.
        const refused = await lists.answer(index, "LIST", '(RECURSIVEMATCH) "" "*"', {}, recordingSink());
        assert.equal(refused?.status, "BAD");
        const empty = recordingSink();
        assert.equal(await lists.answer(index, "LIST", '"" "Nothing/*"', {}, empty), undefined);
        assert.equal(empty.bytes_().length, 0);
        assert.deepEqual(lists.counts, { worker: 3, here: 5 });
      } finally {
        await index.close();
      }
    } finally {
      await lists.close();
      tmp.cleanup();
    }
  });

  it("cuts response lines into UTF-8 chunks whose concatenation is the whole answer", () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `* LIST () "/" "Entwürfe ${i}"\r\n`);
    const chunks = [...utf8Chunks(lines, 4096)];
    assert.ok(chunks.length > 10);
    assert.equal(Buffer.concat(chunks).toString("utf8"), lines.join(""));
    assert.deepEqual([...utf8Chunks([])], []);
  });
});

/** The names a fresh scan of the store gives, and those the index holds as mailboxes: they must agree. */
async function assertAgree(store: UserStore): Promise<string[]> {
  const scanned: string[] = [];
  for await (const m of scanMaildir(store.root)) scanned.push(m.name);
  const indexed = [...store.index.iterate()].filter((m) => (m.flags & MailboxFlags.NonExistent) === 0).map((m) => m.name);
  assert.deepEqual(indexed.sort(), scanned.sort());
  // No placeholder without children is left in the index.
  for (const m of store.index.iterate()) {
    if ((m.flags & MailboxFlags.NonExistent) !== 0) assert.ok(m.hasChildren, `${m.name} is a placeholder with children`);
  }
  return scanned.sort();
}

/** A store with the Dovecot fixture and a few more folders, opened and reconciled. */
async function openStore(dir: string): Promise<UserStore> {
  const root = join(dir, "mail");
  mkdirSync(root, { recursive: true });
  writeDovecotStore(root);
  const store = await UserStore.open(root, join(dir, "u.mlist"), () => {});
  await store.reconcile();
  return store;
}

const code = (c: string) => (e: unknown) => e instanceof StoreError && e.code === c;

describe("the store: Maildir++ on disk and the index, in step", () => {
  it("CREATE makes a modified-UTF-7 folder with cur/ new/ tmp/, maildirfolder and a uidlist, and the index entry", async () => {
    const tmp = makeTempDir("mli-imap-store-");
    const store = await openStore(tmp.dir);
    try {
      await store.create("Größe/Unterordner & Co/");
      const dir = join(store.root, ".Gr&APYA3w-e.Unterordner &- Co");
      assert.equal(folderDirName("Größe/Unterordner & Co"), ".Gr&APYA3w-e.Unterordner &- Co");
      for (const part of ["cur", "new", "tmp", "maildirfolder"]) assert.ok(existsSync(join(dir, part)), part);
      assert.match(readFileSync(join(dir, "dovecot-uidlist"), "utf8"), /^3 V\d+ N1 G[0-9a-f]{32}\n$/);
      const status = store.index.status("Größe/Unterordner & Co")!;
      assert.deepEqual([status.messages, status.uidNext], [0, 1]);
      assert.ok((store.index.flags("Größe")! & MailboxFlags.NonExistent) !== 0, "the parent is a placeholder");
      await assertAgree(store);
      await assert.rejects(store.create("Größe/Unterordner & Co"), code("ALREADYEXISTS"));
      await assert.rejects(store.create("inbox"), code("ALREADYEXISTS"));
      await assert.rejects(store.create("a.b"), code("CANNOT"));
      await assert.rejects(store.create("a//b"), code("CANNOT"));
      // A folder on disk the index missed: the index learns it, the client hears it exists.
      mkdirSync(join(store.root, ".Missed", "cur"), { recursive: true });
      mkdirSync(join(store.root, ".Missed", "new"));
      await assert.rejects(store.create("Missed"), code("ALREADYEXISTS"));
      assert.notEqual(store.index.lookup("Missed"), undefined);
      await assertAgree(store);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });

  it("DELETE follows RFC 3501: children stay, a deleted parent turns \\Noselect, INBOX and \\Noselect parents cannot go", async () => {
    const tmp = makeTempDir("mli-imap-store-");
    const store = await openStore(tmp.dir);
    try {
      await store.create("P");
      await store.create("P/Q");
      await store.create("P/Q/R");
      await store.delete("P/Q");
      assert.equal(existsSync(join(store.root, ".P.Q")), false);
      assert.ok(existsSync(join(store.root, ".P.Q.R")));
      assert.ok((store.index.flags("P/Q")! & MailboxFlags.NonExistent) !== 0);
      const list = answerListCommand(store.index, "LIST", '"" "P/%"').join("");
      assert.equal(list, '* LIST (\\HasChildren \\Noselect) "/" "P/Q"\r\n');
      await assertAgree(store);
      await assert.rejects(store.delete("P/Q"), code("NONEXISTENT"), "a placeholder is no mailbox");
      await assert.rejects(store.delete("INBOX"), code("CANNOT"));
      await assert.rejects(store.delete("Nowhere"), code("NONEXISTENT"));
      // The last child of a placeholder goes, and the placeholder with it.
      await store.delete("P/Q/R");
      assert.equal(store.index.lookup("P/Q"), undefined);
      assert.notEqual(store.index.lookup("P"), undefined);
      await assertAgree(store);
      // A \Noselect folder (no cur/ new/) with children cannot be deleted; without children it can.
      mkdirSync(join(store.root, ".N"));
      await store.create("N/Kid");
      await store.reconcile();
      assert.ok((store.index.flags("N")! & MailboxFlags.NoSelect) !== 0);
      await assert.rejects(store.delete("N"), code("HASCHILDREN"));
      await store.delete("N/Kid");
      await store.delete("N");
      const names = await assertAgree(store);
      assert.ok(!names.includes("N") && names.includes("P") && names.includes("Sent"));
      // Special-use and STATUS of the mailboxes a delete keeps stay as they were.
      const ctx = await store.index.syncBegin({ partial: true });
      ctx.setSpecialUse("Sent", ["\\Sent"]);
      await ctx.commit();
      const before = store.index.status("Sent");
      await store.delete("P");
      assert.equal(store.index.flags("Sent")! & 0x2000, 0x2000);
      assert.deepEqual(store.index.status("Sent"), before);
      await assertAgree(store);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });

  it("RENAME moves the folders of a subtree and the index's mailboxes together (once the index can rename)", async (t) => {
    if (!UserStore.canRename) {
      t.skip("the index cannot rename yet: RENAME is refused");
      return;
    }
    const tmp = makeTempDir("mli-imap-store-");
    const store = await openStore(tmp.dir);
    try {
      await store.create("A");
      await store.create("A/B/C");
      await store.setSubscribed("A/B/C", true);
      const uids = ["A", "A/B/C"].map((n) => store.index.lookup(n));
      await store.rename("A", "Z/Neu");
      assert.deepEqual(["Z/Neu", "Z/Neu/B/C"].map((n) => store.index.lookup(n)), uids);
      assert.ok(existsSync(join(store.root, ".Z.Neu", "cur")) && existsSync(join(store.root, ".Z.Neu.B.C", "cur")));
      assert.ok(!existsSync(join(store.root, ".A")) && !existsSync(join(store.root, ".A.B.C")));
      assert.ok((await readDovecotSubscriptions(store.root))!.includes("Z/Neu/B/C"));
      assert.ok(store.index.isSubscribed("Z/Neu/B/C"));
      await assertAgree(store);
      await assert.rejects(store.rename("INBOX", "Old"), code("CANNOT"));
      await assert.rejects(store.rename("Nowhere", "X"), code("NONEXISTENT"));
      await assert.rejects(store.rename("Z/Neu", "Sent"), code("ALREADYEXISTS"));
      await assert.rejects(store.rename("Z/Neu", "Z/Neu/B/X"), code("CANNOT"));
      await assert.rejects(store.rename("Z/Neu", "x.y"), code("CANNOT"));
      // A folder on disk the index does not know blocks the rename; nothing moves.
      mkdirSync(join(store.root, ".Q.B.C"), { recursive: true });
      await assert.rejects(store.rename("Z/Neu", "Q"), code("ALREADYEXISTS"));
      assert.ok(existsSync(join(store.root, ".Z.Neu")) && store.index.lookup("Z/Neu") === uids[0]);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });

  it("SUBSCRIBE writes Dovecot's subscriptions file (version 2) and the index", async () => {
    const tmp = makeTempDir("mli-imap-store-");
    const store = await openStore(tmp.dir);
    try {
      await store.setSubscribed("Neu/Größe", true);
      await store.setSubscribed("inbox", false);
      await store.setSubscribed("Gone", false);
      const text = readFileSync(join(store.root, "subscriptions"), "utf8");
      assert.ok(text.startsWith("V\t2\n\n") && text.includes("Neu\tGr&APYA3w-e\n"), JSON.stringify(text));
      const fromFile = await readDovecotSubscriptions(store.root);
      assert.deepEqual(fromFile!.sort(), store.index.subscriptions().sort());
      assert.deepEqual(store.index.subscriptions().sort(), ["Archiv/2024 Tätigkeiten", "Entwürfe", "Neu/Größe", "日本語"].sort());
      assert.equal(subscriptionsFileText(["a\tb/c"]), "V\t2\n\na&AAk-b\tc\n");
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });

  it("after a crash between a disk change and its index commit, the next reconciliation makes the index follow the disk", async () => {
    const tmp = makeTempDir("mli-imap-store-");
    let store = await openStore(tmp.dir);
    const root = store.root;
    await store.create("Kept");
    await store.close();
    try {
      // A CREATE whose folder landed but whose commit did not; a DELETE whose folder was moved
      // away but whose commit did not (and whose files were not removed yet); a staging
      // directory of a CREATE that never landed; a SUBSCRIBE whose file was written.
      for (const d of ["cur", "new", "tmp"]) mkdirSync(join(root, ".Neu &AMQ-", d), { recursive: true });
      mkdirSync(join(root, "imap-deleted-0001"));
      rmSync(join(root, ".Sent"), { recursive: true });
      mkdirSync(join(root, "imap-deleted-0001", ".Sent"));
      mkdirSync(join(root, "imap-staging-0002", "cur"), { recursive: true });
      writeFileSync(join(root, "subscriptions"), subscriptionsFileText(["INBOX", "Neu Ä"]));
      store = await UserStore.open(root, join(tmp.dir, "u.mlist"), () => {});
      assert.equal(store.index.lookup("Neu Ä"), undefined);
      assert.notEqual(store.index.lookup("Sent"), undefined);
      const r = await store.reconcile();
      assert.deepEqual([r.added, r.deleted, r.subscriptions], [1, 1, true]);
      const names = await assertAgree(store);
      assert.ok(names.includes("Neu Ä") && names.includes("Kept") && !names.includes("Sent"));
      assert.deepEqual(store.index.subscriptions().sort(), ["INBOX", "Neu Ä"]);
      assert.equal(existsSync(join(root, "imap-deleted-0001")), false);
      assert.equal(existsSync(join(root, "imap-staging-0002")), false);
      // The messages on disk are untouched.
      assert.equal(store.index.status("INBOX")!.messages, 3);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });
});

describe("changes for IDLE", () => {
  it("a watch hears of a STATUS another index handle commits, once per change", async () => {
    const tmp = makeTempDir("mli-imap-watch-");
    const path = join(tmp.dir, "u.mlist");
    const writer = await MailboxListIndex.open(path);
    const s: MailboxStatus = { messages: 3, unseen: 1, recent: 0, uidNext: 4, uidValidity: 7 };
    let ctx = await writer.syncBegin({ recursive: true });
    ctx.add("INBOX");
    ctx.setStatus("INBOX", s);
    await ctx.commit();
    const reader = await MailboxListIndex.open(path, { readonly: true });
    const seen: (MailboxStatus | undefined)[] = [];
    const watch = watchMailbox(reader, "INBOX", reader.status("INBOX"), (now) => seen.push(now), 10);
    try {
      ctx = await writer.syncBegin({ partial: true });
      ctx.setStatus("INBOX", { ...s, messages: 5, uidNext: 6 });
      await ctx.commit();
      for (let i = 0; i < 500 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(seen.map((x) => x?.messages), [5]);
      assert.equal(statusChanged(s, { ...s }), false);
      assert.equal(statusChanged(s, undefined), true);
    } finally {
      watch.stop();
      await reader.close();
      await writer.close();
      tmp.cleanup();
    }
  });

  it("a changed count is told as EXISTS when it grows and as EXPUNGE when it shrinks", () => {
    const s: MailboxStatus = { messages: 3, unseen: 0, recent: 0, uidNext: 4, uidValidity: 7 };
    assert.equal(updateLines(s, { ...s, messages: 5, recent: 2 }, false), "* 5 EXISTS\r\n* 2 RECENT\r\n");
    assert.equal(updateLines(s, { ...s, messages: 5, recent: 2 }, true), "* 5 EXISTS\r\n");
    assert.equal(updateLines(s, { ...s, messages: 1 }, true), "* 3 EXPUNGE\r\n* 2 EXPUNGE\r\n");
    assert.equal(updateLines(s, { ...s }, false), "");
  });
});

describe("the server's imports", () => {
  it("are node: built-ins, the library through mod.ts, and the server's own files", () => {
    const dir = join(ROOT, "examples", "imap_server");
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".ts"));
    assert.ok(files.length > 10);
    let seen = 0, library = 0;
    for (const file of files) {
      const text = readFileSync(join(dir, file), "utf8");
      const depth = file.split(/[\\/]/).length - 1;
      const mod = "../".repeat(depth + 2) + "mod.ts";
      for (const m of text.matchAll(/^(?:import|export)[^;]*? from "([^"]+)";/gms)) {
        const spec = m[1];
        const ok = spec.startsWith("node:") || spec === mod || (spec.startsWith(".") && !spec.includes("../../"));
        assert.ok(ok, `${file} imports ${JSON.stringify(spec)}`);
        seen++;
        if (spec === mod) library++;
      }
    }
    assert.ok(seen > 50 && library >= 10, `${seen} imports read, ${library} of mod.ts`);
  });
});
