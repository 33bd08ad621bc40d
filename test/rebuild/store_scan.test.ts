// A store scanned on the rebuild's own workers, each encoding what it finds
// straight into shared memory (scanStoreOn), rebuilds into the same bytes
// as the scan into records followed by a rebuild from them; the command
// line's `rebuild --workers` takes that path, and still refuses a scan that
// could not read every folder.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rebuild, startRebuildWorkers } from "../../src/rebuild/rebuild.ts";
import { scanStoreOn } from "../../src/rebuild/store_scan.ts";
import { joinNameTables, NameTableBuilder, STATUS_FIELDS } from "../../src/rebuild/names.ts";
import { scanStore } from "../../src/scan/parallel.ts";
import { listMaildirTopLevel } from "../../src/scan/maildir.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { withoutGuids } from "../helpers/attr_guids.ts";
import { ROOT, run, tsCommand } from "../helpers/runtime.ts";

function maildir(dir: string, fresh: number, seen: number, unseen: number, uidlist?: string): void {
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(dir, sub), { recursive: true });
  for (let i = 0; i < fresh; i++) writeFileSync(join(dir, "new", `${i}.host`), "x");
  for (let i = 0; i < seen; i++) writeFileSync(join(dir, "cur", `s${i}.host:2,S`), "x");
  for (let i = 0; i < unseen; i++) writeFileSync(join(dir, "cur", `u${i}.host:2,F`), "x");
  if (uidlist !== undefined) writeFileSync(join(dir, "dovecot-uidlist"), uidlist + "\n");
}

/** Both files; the attribute file without its GUIDs, which are random where the store gives none. */
function files(path: string): Uint8Array[] {
  return [new Uint8Array(readFileSync(path)), withoutGuids(new Uint8Array(readFileSync(path + ".attr")))];
}

describe("rebuild from a store scanned on the rebuild's workers", () => {
  const tmp = makeTempDir("mli-store-scan-");
  const root = join(tmp.dir, "Maildir");

  before(() => {
    maildir(root, 2, 1, 1, "3 V1234 N9 G0");
    for (let t = 0; t < 9; t++) {
      maildir(join(root, `.Top${t}`), t % 3, t % 2, 1, t === 4 ? "1 99 6" : undefined);
      for (let c = 0; c < 5; c++) maildir(join(root, `.Top${t}.child${c}`), c % 2, 1, c % 3);
      // NoSelect folders: a directory without cur/ and new/, and implied parents.
      mkdirSync(join(root, `.Top${t}.Shared`), { recursive: true });
      maildir(join(root, `.Deep${t}.a.b.c`), 1, 0, 0);
    }
    mkdirSync(join(root, ".Shared"));
    maildir(join(root, ".Shared.Team"), 0, 2, 0);
    maildir(join(root, ".&ANw-n&AO8-code.Ordner"), 1, 1, 1); // "Ünïcode/Ordner", in modified UTF-7
  });
  after(() => tmp.cleanup());

  it("writes the same bytes as a rebuild from scanned records, with 1 and 2 workers", async () => {
    const opts = { separator: "/", uidValidity: 4242 };
    const old = join(tmp.dir, "old.mlist");
    await rebuild(old, await scanStore("maildir", root, { separator: "/" }), { ...opts, durable: false });
    const oldTwo = join(tmp.dir, "old2.mlist");
    await rebuild(oldTwo, await scanStore("maildir", root, { separator: "/", workers: 2 }), { ...opts, workers: 2, durable: false });
    assert.deepEqual(files(oldTwo), files(old));
    const topLevel = await listMaildirTopLevel(root);
    for (const n of [1, 2]) {
      const workers = await startRebuildWorkers(n);
      try {
        const scan = await scanStoreOn(workers, "maildir", root, "/", topLevel);
        assert.deepEqual(scan.warnings, []);
        assert.ok(scan.names.bytes.buffer instanceof SharedArrayBuffer);
        assert.ok(scan.names.extras !== undefined);
        const path = join(tmp.dir, `new${n}.mlist`);
        const r = await rebuild(path, { table: scan.names }, { ...opts, workers, durable: false });
        assert.ok(r.count > scan.names.count - 1);
        assert.deepEqual(files(path), files(old), `${n} worker(s)`);
        // The same workers serve the next rebuild too.
        const again = join(tmp.dir, `again${n}.mlist`);
        await rebuild(again, { table: (await scanStoreOn(workers, "maildir", root, "/", topLevel)).names }, {
          ...opts,
          workers,
          durable: false,
        });
        assert.deepEqual(files(again), files(old));
      } finally {
        await workers.close();
      }
    }
    // A table given to a rebuild in this thread is read as it is.
    const here = join(tmp.dir, "here.mlist");
    const workers = await startRebuildWorkers(2);
    let names;
    try {
      names = (await scanStoreOn(workers, "maildir", root, "/", topLevel)).names;
    } finally {
      await workers.close();
    }
    await rebuild(here, { table: names }, { ...opts, durable: false });
    assert.deepEqual(files(here), files(old));
  });

  it("joinNameTables keeps every name, its flags and its STATUS, in order", () => {
    const a = new NameTableBuilder(false), b = new NameTableBuilder(true), c = new NameTableBuilder(true);
    a.add("INBOX");
    a.add("Ä/b");
    c.setExtras(c.add("Shared"), true, undefined);
    c.setExtras(c.add("Sent"), false, { messages: 3, unseen: 1, recent: 0, uidValidity: 7, uidNext: 4 });
    const t = joinNameTables([a.finish(), b.finish(), c.finish()], true);
    assert.equal(t.count, 4);
    const text = (i: number) => new TextDecoder().decode(t.bytes.subarray(t.starts[i], t.starts[i + 1] - 1));
    assert.deepEqual([0, 1, 2, 3].map(text), ["INBOX", "Ä/b", "Shared", "Sent"]);
    assert.deepEqual([...t.extras!.subarray(0, 4)], [0, 0, 1, 2]);
    assert.deepEqual([...t.status!.subarray(3 * STATUS_FIELDS, 3 * STATUS_FIELDS + 5)], [3, 1, 0, 7, 4]);
    assert.ok(t.starts.buffer instanceof SharedArrayBuffer);
  });

  it("the command line's rebuild --workers gives the bytes of one thread, and refuses an incomplete scan", async () => {
    const cli = (args: string[]) => {
      const [cmd, a] = tsCommand(join(ROOT, "src", "cli", "main.ts"), args);
      return run(cmd, a, {});
    };
    const one = join(tmp.dir, "cli1.mlist");
    let r = await cli(["rebuild", "--index", one, "--maildir", root, "--uid-validity", "9"]);
    assert.equal(r.status, 0, r.stderr);
    for (const n of ["1", "2"]) {
      const path = join(tmp.dir, `cli-w${n}.mlist`);
      r = await cli(["rebuild", "--index", path, "--maildir", root, "--uid-validity", "9", "--workers", n]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /mailboxes from \d+ folders read in/);
      assert.deepEqual(files(path), files(one), `--workers ${n}`);
    }
    // A folder link that cannot be followed (its target's parent is a file): the scan could not read it.
    const bad = join(tmp.dir, "Bad");
    mkdirSync(bad);
    maildir(join(bad, "Maildir"), 1, 0, 0);
    maildir(join(bad, "Maildir", ".Keep"), 1, 0, 0);
    writeFileSync(join(bad, "Maildir", "plain"), "x");
    symlinkSync(join(bad, "Maildir", "plain", "x"), join(bad, "Maildir", ".Lost"));
    const path = join(tmp.dir, "bad.mlist");
    r = await cli(["rebuild", "--index", path, "--maildir", join(bad, "Maildir"), "--workers", "2"]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /Cannot resolve symbolic link .*\.Lost/);
    assert.match(r.stderr, /the scan could not read 1 folder\(s\) \("Lost"\); nothing was written/);
    assert.equal(existsSync(path), false);
  });
});
