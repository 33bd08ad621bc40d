// The index's files are never reached through a symbolic link (SPEC §6): a
// list, attribute, journal or `.new` file that is one is refused with
// UnsafeFileError (or, for a stray `.new` link, removed), whatever the
// operation, and the file it points to — next to the index or elsewhere —
// keeps its bytes and its modification time. A symbolic link to a directory
// above the index is fine.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { MailboxListIndex, nodeFileIO, rebuild, UnsafeFileError } from "../../mod.ts";
import { type FileIO, type OpenMode, openNoFollow } from "../../src/store/io.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-symlink-");
const elsewhere = makeTempDir("mli-symlink-elsewhere-");
after(() => {
  tmp.cleanup();
  elsewhere.cleanup();
});

const quiet = { onWarning: () => {}, durable: false };
/** Enough mailboxes that a full sync keeping a few of them, and adding one beside them, compresses the index. */
const NAMES = ["INBOX", ...Array.from({ length: 60 }, (_, i) => `Box/folder-${String(i).padStart(2, "0")}`)];
const FEW = [...NAMES.slice(0, 4), "Box/new-one"];
let seq = 0;

function freshDir(): string {
  const dir = join(tmp.dir, `c${seq++}`);
  mkdirSync(dir);
  return dir;
}

async function sync(index: MailboxListIndex, names: string[], partial = false) {
  const ctx = await index.syncBegin(partial ? { partial: true } : { recursive: true });
  for (const n of names) ctx.add(n);
  return await ctx.commit();
}

/** An index with NAMES at `dir/u.mlist`. */
async function makeIndex(dir: string): Promise<string> {
  const path = join(dir, "u.mlist");
  const index = await MailboxListIndex.open(path, quiet);
  await sync(index, NAMES);
  await index.close();
  return path;
}

/** Bytes and modification time of a file. */
function fingerprint(path: string): { bytes: string; mtimeMs: number } {
  return { bytes: Buffer.from(readFileSync(path)).toString("base64"), mtimeMs: statSync(path).mtimeMs };
}

/** Where the link points: a file next to the index, or one in another directory. */
type Place = "same directory" | "another directory";

function victimPath(dir: string, place: Place): string {
  if (place === "same directory") return join(dir, "victim");
  const other = join(elsewhere.dir, `v${seq++}`);
  mkdirSync(other);
  return join(other, "victim");
}

/** Move the file at `path` to `victim` and leave a symbolic link to it in its place. */
function linkAway(path: string, victim: string): void {
  renameSync(path, victim);
  symlinkSync(victim, path);
}

/** An operation on the index at `path`; `held` was opened before the link was made. */
type Operation = (path: string, held: MailboxListIndex) => Promise<unknown>;

const OPERATIONS: Record<string, Operation> = {
  "open and a partial sync": async (path) => {
    const index = await MailboxListIndex.open(path, quiet);
    try {
      await sync(index, ["New/one"], true);
    } finally {
      await index.close();
    }
  },
  "a read-only open and a listing": async (path) => {
    const index = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    try {
      return [...index.iterate()].length;
    } finally {
      await index.close();
    }
  },
  "a partial sync of an open index": (_, held) => sync(held, ["New/two"], true),
  "a watch resuming from the start": async (_, held) => {
    const [epoch] = (await held.changeCursor().catch(() => "00000001:0")).split(":");
    const feed = held.watch({ since: `${epoch}:0` });
    try {
      return await feed.next();
    } finally {
      await feed.return(undefined);
    }
  },
  "a full sync that compresses": (_, held) => sync(held, FEW),
  "a rebuild": (path) => rebuild(path, FEW, quiet),
};

function isRefusal(file: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof UnsafeFileError, `expected UnsafeFileError, got ${e}`);
    assert.equal(e.file, file);
    assert.match(e.message, /symbolic link/);
    return true;
  };
}

describe("an index file that is a symbolic link is refused, its target untouched", () => {
  for (const suffix of ["", ".attr", ".journal", ".changes"]) {
    const role = suffix === "" ? "list file" : `${suffix.slice(1)} file`;
    for (const place of ["same directory", "another directory"] as const) {
      describe(`the ${role}, linked to a file in the ${place}`, () => {
        for (const [what, operation] of Object.entries(OPERATIONS)) {
          // Only a watch reads the change log, and a watch reads no file of the index but it and the journal.
          const watching = what === "a watch resuming from the start";
          if (watching && suffix !== ".changes") continue;
          if (suffix === ".changes" && what === "a read-only open and a listing") continue;
          it(what, async () => {
            const dir = freshDir();
            const path = await makeIndex(dir);
            const held = await MailboxListIndex.open(path, quiet);
            const file = path + suffix;
            const victim = victimPath(dir, place);
            linkAway(file, victim);
            const before = fingerprint(victim);
            // The refusal comes before anything is written: the other files stay as they were too.
            const others = [path, `${path}.attr`, `${path}.journal`, `${path}.changes`].filter((p) => p !== file);
            const othersBefore = others.map(fingerprint);
            try {
              await assert.rejects(operation(path, held), isRefusal(file));
            } finally {
              await held.close();
            }
            assert.deepEqual(fingerprint(victim), before, `${victim} was changed`);
            assert.deepEqual(others.map(fingerprint), othersBefore, "another file of the index was written");
            assert.ok(lstatSync(file).isSymbolicLink(), `${file} is no longer the link`);
            assert.equal(existsSync(`${path}.lock`), false, "the lock was left behind");
          });
        }
      });
    }
  }
});

/** A file system whose renames fail: a rebuild stops after its journal record, with both `.new` files written. */
const noRenames: FileIO = {
  ...nodeFileIO,
  rename() {
    throw new Error("Simulated crash before the rename");
  },
};

describe("a .new file that is a symbolic link", () => {
  for (const suffix of ["", ".attr", ".changes"]) {
    const role = suffix === "" ? "list.new" : `${suffix.slice(1)}.new`;
    for (const place of ["same directory", "another directory"] as const) {
      describe(`${role}, linked to a file in the ${place}`, () => {
        for (const what of ["a full sync that compresses", "a rebuild"]) {
          it(`a stray one is removed by ${what}`, async () => {
            const dir = freshDir();
            const path = await makeIndex(dir);
            const held = await MailboxListIndex.open(path, quiet);
            const file = `${path}${suffix}.new`;
            const victim = victimPath(dir, place);
            writeFileSync(victim, "not an index file\n");
            symlinkSync(victim, file);
            const before = fingerprint(victim);
            try {
              const result = await OPERATIONS[what](path, held);
              if (what !== "a rebuild") assert.equal((result as { compressed: boolean }).compressed, true);
            } finally {
              await held.close();
            }
            assert.deepEqual(fingerprint(victim), before, `${victim} was changed`);
            assert.equal(existsSync(file), false, `${file} is still there`);
            assert.ok(lstatSync(path + suffix).isFile());
          });
        }

        it("one that an interrupted replacement left is refused by the replay", async () => {
          const dir = freshDir();
          const path = await makeIndex(dir);
          // A replacement renames a change log only when it starts one.
          if (suffix === ".changes") rmSync(`${path}.changes`);
          await assert.rejects(rebuild(path, FEW, { ...quiet, io: noRenames }), /Simulated crash/);
          const file = `${path}${suffix}.new`;
          assert.ok(lstatSync(file).isFile(), "the interrupted rebuild left no .new file");
          const victim = victimPath(dir, place);
          linkAway(file, victim);
          const before = fingerprint(victim);
          const files = () => [path, `${path}.attr`].map((p) => Buffer.from(readFileSync(p)).toString("base64"));
          const was = files();
          for (const operation of [OPERATIONS["open and a partial sync"], OPERATIONS["a rebuild"]]) {
            await assert.rejects(operation(path, undefined as unknown as MailboxListIndex), isRefusal(file));
          }
          assert.deepEqual(fingerprint(victim), before, `${victim} was changed`);
          assert.deepEqual(files(), was, "the replay renamed one file and not the other");
          assert.ok(lstatSync(file).isSymbolicLink());
        });
      });
    }
  }
});

describe("a symbolic link to a directory above the index", () => {
  it("is followed: every operation works and writes into the real directory", async () => {
    const dir = freshDir();
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "link"));
    const path = await makeIndex(join(dir, "link"));
    const held = await MailboxListIndex.open(path, quiet);
    try {
      for (const [what, operation] of Object.entries(OPERATIONS)) {
        await assert.doesNotReject(operation(path, held), what);
      }
    } finally {
      await held.close();
    }
    const index = await MailboxListIndex.open(path, { ...quiet, readonly: true });
    assert.deepEqual([...index.iterate()].map((m) => m.name).sort(), ["Box", ...FEW].sort());
    await index.close();
    assert.deepEqual(readdirSync(join(dir, "real")).sort(), ["u.mlist", "u.mlist.attr", "u.mlist.changes", "u.mlist.journal"]);
  });
});

describe("nodeFileIO.open and stat on a path that is not a regular file", () => {
  const MODES: OpenMode[] = ["read", "readwrite", "create", "createExclusive"];
  /** Things that may sit where an index file should be, and the word the refusal uses. */
  const KINDS: Record<string, [(path: string, dir: string) => void, RegExp]> = {
    "a symbolic link to a file": [(p, dir) => {
      writeFileSync(join(dir, "target"), "precious");
      symlinkSync(join(dir, "target"), p);
    }, /symbolic link/],
    "a dangling symbolic link": [(p, dir) => symlinkSync(join(dir, "missing"), p), /symbolic link/],
    "a directory": [(p) => mkdirSync(p), /directory/],
    "a FIFO": [(p) => execFileSync("mkfifo", [p]), /FIFO/],
  };
  const OPENS: Record<string, (path: string, mode: OpenMode) => number> = {
    "with O_NOFOLLOW": (path, mode) => nodeFileIO.open(path, mode),
    "with the lstat and fstat fallback": (path, mode) => openNoFollow(path, mode, false),
  };
  for (const [how, open] of Object.entries(OPENS)) {
    for (const [kind, [make, word]] of Object.entries(KINDS)) {
      it(`${how}: ${kind} is refused in every mode, the target untouched`, () => {
        for (const mode of MODES) {
          const dir = freshDir();
          const p = join(dir, "u.mlist.journal");
          make(p, dir);
          assert.throws(() => nodeFileIO.close(open(p, mode)), (e: unknown) => {
            assert.ok(e instanceof UnsafeFileError, `${mode}: expected UnsafeFileError, got ${e}`);
            assert.equal(e.file, p);
            assert.match(e.message, word);
            return true;
          });
          assert.throws(() => nodeFileIO.stat(p), UnsafeFileError);
          if (existsSync(join(dir, "target"))) assert.equal(readFileSync(join(dir, "target"), "utf8"), "precious");
          assert.equal(existsSync(join(dir, "missing")), false, `${mode} created the link's target`);
        }
      });
    }
    it(`${how}: a regular file opens in every mode`, () => {
      const dir = freshDir();
      const p = join(dir, "f");
      writeFileSync(p, "abc");
      for (const mode of MODES) {
        if (mode === "createExclusive") continue;
        const fd = open(p, mode);
        assert.equal(nodeFileIO.fstat(fd).size, 3);
        nodeFileIO.close(fd);
      }
      const fd = open(join(dir, "g"), "createExclusive");
      nodeFileIO.close(fd);
      assert.equal(nodeFileIO.stat(join(dir, "g"))?.size, 0);
      assert.equal(nodeFileIO.stat(join(dir, "h")), undefined);
    });
  }
});
