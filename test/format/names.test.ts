// Name rules (SPEC §9, rows 1–3) on every way a name enters: a string with a
// lone surrogate has no UTF-8 form and is rejected (never folded into U+FFFD);
// names deeper than 255 levels or longer than 4096 bytes are rejected; a
// rejected add leaves the sync usable and creates nothing.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as fs from "node:fs";
import { join } from "node:path";
import {
  InvalidNameError,
  MailboxFlags,
  MailboxListIndex,
  type OpenOptions,
  readNameList,
  rebuild,
  scanFsLayout,
  scanMaildir,
  startRebuildWorkers,
  syncAll,
} from "../../mod.ts";
import { badComponent } from "../../src/scan/types.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-names-");
after(() => tmp.cleanup());
let files = 0;

/** A fresh directory inside the test's temporary directory. */
function freshDir(): string {
  const d = join(tmp.dir, `t${++files}`);
  fs.mkdirSync(d);
  return d;
}

const quiet = { onWarning: () => {}, durable: false };

async function open(file: string, options: OpenOptions = {}): Promise<MailboxListIndex> {
  return await MailboxListIndex.open(file, { ...quiet, separator: "/", uidValidity: 7, ...options });
}

function names(index: MailboxListIndex): string[] {
  return [...index.iterate()].map((m) => m.name).sort();
}

async function listingOf(file: string): Promise<string[]> {
  const index = await open(file, { readonly: true });
  try {
    return names(index);
  } finally {
    await index.close();
  }
}

/** Whether `e` is an InvalidNameError naming `name`, with a reason matching `reason`. */
function invalidName(e: unknown, name: string, reason: RegExp): true {
  assert.ok(e instanceof InvalidNameError, `expected InvalidNameError for ${JSON.stringify(name)}, got ${e}`);
  assert.equal(e.mailbox, name);
  assert.ok(e.message.includes(JSON.stringify(name)), `message does not name the input: ${e.message}`);
  assert.match(e.message, reason);
  return true;
}

const NO_UTF8 = /has no UTF-8 form/;
const HIGH = "Projects/\uD83D", LOW = "Projects/\uDE00", REPLACEMENT = "Projects/\uFFFD";
/** Lone surrogates anywhere in a name, alone or next to each other in the wrong order. */
const LONE = [HIGH, LOW, "\uD83D", "a\uDE00b/c", "x/\uD83D\uD83D/y", "\uDE00\uD83D", "a/b\uD800"];

/** `n` levels: p0/p1/…. */
function levels(n: number, p: string): string {
  return Array.from({ length: n }, (_, i) => `${p}${i}`).join("/");
}

/** A name of `bytes` UTF-8 bytes: 200-byte components of `unit` (1 or 2 bytes) and a shorter last one. */
function nameOfBytes(bytes: number, unit = "x"): string {
  const u = Buffer.byteLength(unit);
  const comp = unit.repeat(199 / u | 0) + "/";
  const compBytes = Buffer.byteLength(comp);
  const k = Math.floor((bytes - 1) / compBytes);
  let rest = bytes - k * compBytes;
  let last = unit.repeat(Math.floor(rest / u));
  rest -= Buffer.byteLength(last);
  if (rest > 0) last += "z".repeat(rest);
  const name = comp.repeat(k) + last;
  assert.equal(Buffer.byteLength(name), bytes);
  return name;
}

const N4096 = nameOfBytes(4096), N4097 = nameOfBytes(4097);
const U4096 = nameOfBytes(4096, "ä"), U4097 = nameOfBytes(4097, "ä");
const TOO_LONG = /is 4097 bytes long, more than the limit of 4096/;

describe("§9 a string with a lone surrogate has no UTF-8 form", () => {
  it("sync add rejects it, never as U+FFFD; the sync goes on and commits the rest", async () => {
    const index = await open(join(freshDir(), "u.mlist"));
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add(REPLACEMENT);
      for (const n of LONE) assert.throws(() => ctx.add(n), (e) => invalidName(e, n, NO_UTF8));
      ctx.add("Projects/\uD83D\uDE00");
      await ctx.commit();
      assert.deepEqual(names(index), ["Projects", "Projects/\uD83D\uDE00", REPLACEMENT].sort());
      // A full sync that reports all three keeps one mailbox; the fast path over the
      // index's full names (which holds U+FFFD) rejects the surrogates too.
      const again = await index.syncBegin({ recursive: true });
      again.add(REPLACEMENT);
      assert.throws(() => again.add(HIGH), (e) => invalidName(e, HIGH, NO_UTF8));
      assert.throws(() => again.add(LOW), (e) => invalidName(e, LOW, NO_UTF8));
      const result = await again.commit();
      assert.equal(result.added, 0);
      assert.deepEqual(names(index), ["Projects", REPLACEMENT]);
    } finally {
      await index.close();
    }
  });

  it("a sync path with a lone surrogate is rejected without leaking the lock", async () => {
    const file = join(freshDir(), "u.mlist");
    const index = await open(file);
    try {
      await assert.rejects(index.syncBegin({ path: HIGH }), (e) => invalidName(e, HIGH, NO_UTF8));
      assert.equal(fs.existsSync(`${file}.lock`), false);
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add("fine");
      await ctx.commit();
      assert.deepEqual(names(index), ["fine"]);
    } finally {
      await index.close();
    }
  });

  it("lookup, iterate and walk reject it like a name with a NUL byte; list matches nothing; flags by name reach no mailbox", async () => {
    const file = join(freshDir(), "u.mlist");
    const index = await open(file);
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add(REPLACEMENT + "/child");
      ctx.addFlags(HIGH, MailboxFlags.NoSelect);
      ctx.setStatus(LOW, { messages: 9, unseen: 9, recent: 9, uidValidity: 9, uidNext: 9 });
      await ctx.commit();
      assert.equal(index.flags(REPLACEMENT), MailboxFlags.Children | MailboxFlags.NonExistent);
      assert.equal(index.status(REPLACEMENT), undefined);
      for (const reader of [index, await open(file, { readonly: true })]) {
        for (const n of [HIGH, LOW]) {
          assert.throws(() => reader.lookup(n), (e) => invalidName(e, n, NO_UTF8));
          assert.throws(() => [...reader.iterate(n)], (e) => invalidName(e, n, NO_UTF8));
          assert.throws(() => reader.walk(n, undefined, () => {}), (e) => invalidName(e, n, NO_UTF8));
          assert.deepEqual(reader.list(`${n}/*`), []);
          assert.deepEqual(reader.list("*", { reference: `${n}/` }), []);
        }
        assert.equal(reader.lookup(REPLACEMENT + "/child"), 3);
        if (reader !== index) await reader.close();
      }
    } finally {
      await index.close();
    }
  });

  it("syncAll rejects it from an array, an iterable and with workers; an unchanged-looking list is no exception", async () => {
    const index = await open(join(freshDir(), "u.mlist"));
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add(REPLACEMENT);
      await ctx.commit();
      const header = index.header;
      // Every name but the surrogates is already there: the "nothing changed" check must not pass them as U+FFFD.
      for (const bad of [HIGH, LOW]) {
        const list = [REPLACEMENT, bad];
        await assert.rejects(syncAll(index, list), (e) => invalidName(e, bad, NO_UTF8));
        await assert.rejects(syncAll(index, (function* () {
          yield* list;
        })()), (e) => invalidName(e, bad, NO_UTF8));
        await assert.rejects(syncAll(index, [...list, "new"], { workers: 1 }), (e) => invalidName(e, bad, NO_UTF8));
      }
      assert.deepEqual(index.header, header);
      assert.deepEqual(names(index), ["Projects", REPLACEMENT]);
      await syncAll(index, ["Projects", REPLACEMENT, "after"]);
      assert.deepEqual(names(index), ["Projects", REPLACEMENT, "after"].sort());
    } finally {
      await index.close();
    }
  });

  it("rebuild rejects it from an array, an iterable and with workers, before writing; a name file's surrogate bytes are skipped lines", async () => {
    const dir = freshDir();
    const file = join(dir, "u.mlist");
    await rebuild(file, ["old"], { ...quiet, uidValidity: 1 });
    const before = fs.readFileSync(file);
    const workers = await startRebuildWorkers(1);
    try {
      for (const bad of LONE) {
        const list = ["INBOX", REPLACEMENT, bad, "z"];
        const sources = [list, (function* () {
          yield* list;
        })(), [{ name: bad, selectable: false }]];
        for (const source of sources) {
          await assert.rejects(rebuild(file, source, quiet), (e) => invalidName(e, bad, NO_UTF8));
        }
        await assert.rejects(rebuild(file, list, { ...quiet, workers }), (e) => invalidName(e, bad, NO_UTF8));
      }
    } finally {
      await workers.close();
    }
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(await listingOf(file), ["old"]);
    // A name list holding the three names as bytes: the surrogates in their generalized
    // UTF-8 (WTF-8) form and a surrogate pair in CESU-8 are not UTF-8, so those lines are skipped.
    const list = join(dir, "names.txt");
    fs.writeFileSync(list, Buffer.concat([
      Buffer.from("INBOX\nProjects/"),
      Buffer.from([0xed, 0xa0, 0xbd]),
      Buffer.from("\nProjects/"),
      Buffer.from([0xed, 0xb8, 0x80]),
      Buffer.from("\nProjects/\uFFFD\nPair/"),
      Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]),
      Buffer.from("\n"),
    ]));
    const warnings: string[] = [];
    await rebuild(file, { file: list }, { ...quiet, onWarning: (m) => warnings.push(m) });
    assert.deepEqual(await listingOf(file), ["INBOX", "Projects", REPLACEMENT]);
    assert.deepEqual(warnings.map((w) => /line (\d+)/.exec(w)?.[1]), ["2", "3", "5"]);
    const read: string[] = [];
    for await (const n of readNameList(list)) read.push(n);
    assert.deepEqual(read, ["INBOX", REPLACEMENT]);
  });

  it("a name list given as text skips a line with a lone surrogate and joins a pair split between chunks", async () => {
    async function* chunks() {
      yield "INBOX\nProjects/\uD83D";
      yield "\uDE00\nLone/\uD83D\nLow/";
      yield "\uDE00x\nAfter\nEnd/\uD83D";
    }
    const warnings: string[] = [];
    const read: string[] = [];
    for await (const n of readNameList(chunks(), { onWarning: (w) => warnings.push(w.reason) })) read.push(n);
    assert.deepEqual(read, ["INBOX", "Projects/\uD83D\uDE00", "After"]);
    assert.deepEqual(warnings, [
      "Skipping line 3 of the name list: not valid UTF-8",
      "Skipping line 4 of the name list: not valid UTF-8",
      "Skipping line 6 of the name list: not valid UTF-8",
    ]);
  });

  it("scanners skip a folder name that has no UTF-8 form with a warning", async () => {
    // Directory names read from disk never hold a lone surrogate on any runtime (bytes that
    // are not UTF-8 come back as U+FFFD), but a decoded store name can: the check every
    // scanner runs on a component rejects it.
    for (const n of ["\uD83D", "a\uDE00", "\uDE00\uD83D"]) {
      assert.equal(badComponent(n, "/"), "has no UTF-8 form (it contains a lone surrogate)");
    }
    assert.equal(badComponent("\uD83D\uDE00", "/"), undefined);
    // A folder named with the WTF-8 bytes of a lone surrogate is skipped, not listed as U+FFFD.
    const root = freshDir();
    const maildir = (d: string) => {
      for (const sub of ["cur", "new", "tmp"]) fs.mkdirSync(join(d, sub), { recursive: true });
    };
    maildir(root);
    maildir(join(root, ".good"));
    const fsRoot = freshDir();
    fs.mkdirSync(join(fsRoot, "good"));
    // Removed by their bytes: their names do not come back from a listing as they are.
    const bad = [join(root, ".bad"), join(fsRoot, "bad")].map((p) => Buffer.concat([Buffer.from(p), Buffer.from([0xed, 0xa0, 0xbd])]));
    for (const b of bad) fs.mkdirSync(b);
    try {
      for (const [scan, r, expected] of [[scanMaildir, root, ["INBOX", "good"]], [scanFsLayout, fsRoot, ["good"]]] as const) {
        const warnings: string[] = [];
        const found: string[] = [];
        for await (const m of scan(r, { onWarning: (w) => warnings.push(w.reason) })) found.push(m.name);
        assert.deepEqual(found.sort(), expected);
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(warnings[0], /not valid UTF-8/);
      }
    } finally {
      for (const b of bad) fs.rmdirSync(b);
    }
  });
});

describe("§9 depth and full-name length limits", () => {
  it("255 levels pass and 256 are rejected by rebuild and syncAll (default)", async () => {
    const dir = freshDir();
    const file = join(dir, "u.mlist");
    const deep = levels(255, "a"), deeper = levels(256, "b");
    await rebuild(file, [deep], quiet);
    assert.equal((await listingOf(file)).length, 255);
    await assert.rejects(rebuild(file, [deep, deeper], quiet), (e) => invalidName(e, deeper, /more than 255 levels/));
    const index = await open(file);
    try {
      await assert.rejects(syncAll(index, [deep, deeper]), (e) => invalidName(e, deeper, /more than 255 levels/));
      await syncAll(index, [deep, levels(255, "c")]);
      assert.equal(names(index).length, 510);
    } finally {
      await index.close();
    }
  });

  it("a full name of 4096 bytes passes and one of 4097 is rejected: sync, syncAll, rebuild; bytes count, not characters", async () => {
    const dir = freshDir();
    const index = await open(join(dir, "u.mlist"));
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add(N4096);
      ctx.add(U4096);
      for (const n of [N4097, U4097]) assert.throws(() => ctx.add(n), (e) => invalidName(e, n, TOO_LONG));
      await ctx.commit();
      assert.equal(index.lookup(N4096) !== undefined && index.lookup(U4096) !== undefined, true);
      for (const n of [N4097, U4097]) {
        await assert.rejects(syncAll(index, [N4096, n]), (e) => invalidName(e, n, TOO_LONG));
      }
    } finally {
      await index.close();
    }
    const file = join(dir, "r.mlist");
    const workers = await startRebuildWorkers(1);
    try {
      for (const w of [0, workers]) {
        await rebuild(file, [N4096, U4096], { ...quiet, workers: w });
        assert.ok((await listingOf(file)).includes(U4096));
        for (const n of [N4097, U4097]) {
          await assert.rejects(rebuild(file, ["a", n, "b\0"], { ...quiet, workers: w }), (e) => invalidName(e, n, TOO_LONG));
        }
      }
    } finally {
      await workers.close();
    }
  });

  it("an index holding a longer name (made with a larger limit) does not let it through a default full sync", async () => {
    const file = join(freshDir(), "u.mlist");
    const wide = await open(file, { maxNameLength: 8192 });
    try {
      const ctx = await wide.syncBegin({ recursive: true });
      ctx.add(N4097);
      await ctx.commit();
    } finally {
      await wide.close();
    }
    const index = await open(file);
    try {
      await assert.rejects(syncAll(index, [N4097]), (e) => invalidName(e, N4097, TOO_LONG));
      const ctx = await index.syncBegin({ recursive: true });
      assert.throws(() => ctx.add(N4097), (e) => invalidName(e, N4097, TOO_LONG));
      await ctx.rollback();
      assert.ok(index.lookup(N4097) !== undefined, "a lookup still finds what the file holds");
    } finally {
      await index.close();
    }
  });

  it("a configured maxNameLength", async () => {
    const dir = freshDir();
    const index = await open(join(dir, "u.mlist"), { maxNameLength: 10 });
    try {
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add("abcde/fghi");
      assert.throws(() => ctx.add("abcde/fghij"), (e) => invalidName(e, "abcde/fghij", /11 bytes long, more than the limit of 10/));
      assert.throws(() => ctx.add("äääää/f"), (e) => invalidName(e, "äääää/f", /12 bytes long/));
      await ctx.commit();
      assert.deepEqual(names(index), ["abcde", "abcde/fghi"]);
    } finally {
      await index.close();
    }
    const file = join(dir, "r.mlist");
    await assert.rejects(rebuild(file, ["abcdefghijk"], { ...quiet, maxNameLength: 10 }), (e) => invalidName(e, "abcdefghijk", /limit of 10/));
  });
});

describe("§9 a rejected add leaves the sync usable", () => {
  it("a name rejected past valid leading levels creates none of them and takes no UID", async () => {
    const index = await open(join(freshDir(), "u.mlist"));
    try {
      const first = await index.syncBegin({ recursive: true });
      first.add("keep/me");
      await first.commit();
      const nextUid = index.header.nextUid;
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add("keep/me");
      const bad: [string, RegExp][] = [
        [`new/parent/${"x".repeat(256)}`, /component of 256 bytes/],
        [`long/${N4096}`, /4101 bytes long/],
        [`deep/${levels(255, "d")}`, /more than 255 levels/],
        ["brand/new/\uD83D", NO_UTF8],
        ["keep/me/\uDE00", NO_UTF8],
        [`keep/${"x".repeat(300)}/under`, /component of 300 bytes/],
      ];
      for (const [n, reason] of bad) {
        assert.throws(() => ctx.add(n), (e) => invalidName(e, n, reason));
        // The sync goes on: the next name is added as usual.
        ctx.add("after");
      }
      await ctx.commit();
      assert.deepEqual(names(index), ["after", "keep", "keep/me"]);
      for (const n of ["new", "long", "deep", "brand"]) assert.equal(index.lookup(n), undefined, n);
      assert.equal(index.header.nextUid, nextUid + 1);
    } finally {
      await index.close();
    }
  });
});
