// A store that cannot be read completely (SPEC §9): a directory that fails to
// list (EACCES, EIO, EMFILE, injected through the scanners' file-system seam,
// since chmod denies nothing to root) is a warning naming the folder and the
// code, and the folder is "unread"; a full sync fed by that scan — through
// SyncContext.keep, syncAll's keep option or the CLI — keeps the unread
// subtree with its UIDs, flags and STATUS, and deletes what is really gone
// elsewhere; a later clean scan deletes what is really gone under it too. A
// root that cannot be listed is an error, never an empty store.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MailboxFlags,
  MailboxListIndex,
  type MailboxStatus,
  nodeScanFs,
  type ScanFs,
  scanFsLayout,
  scanMaildir,
  type ScannedMailbox,
  scanStore,
  type ScanWarning,
  StoreReadError,
  syncAll,
} from "../../mod.ts";
import { runCli } from "../../src/cli/app.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-scan-faults-");
after(() => tmp.cleanup());
let serial = 0;

type Layout = "maildir" | "fs";
const CODES = ["EACCES", "EIO", "EMFILE"];

/** The default seam, with every call on one of `paths` failing with `code`. */
function failingFs(paths: readonly string[], code: string): ScanFs {
  const fail = (syscall: string, path: string) =>
    paths.includes(path)
      ? Promise.reject(Object.assign(new Error(`${code}: injected failure, ${syscall} '${path}'`), { code, syscall, path }))
      : undefined;
  return {
    readdir: (p) => fail("scandir", p) ?? nodeScanFs.readdir(p),
    realpath: (p) => fail("realpath", p) ?? nodeScanFs.realpath(p),
    stat: (p) => fail("stat", p) ?? nodeScanFs.stat(p),
    open: (p) => fail("open", p) ?? nodeScanFs.open(p),
  };
}

/** A Maildir with `n` messages in cur/ (one unseen) and a uid list. */
function maildir(dir: string, n = 0, uidValidity = 0): void {
  for (const d of ["cur", "new", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(dir, "cur", `${i}.M${i}.host:2,${i === 0 ? "" : "S"}`), "x\n");
  if (uidValidity !== 0) writeFileSync(join(dir, "dovecot-uidlist"), `3 V${uidValidity} N${n + 1} G0\n`);
}

/** Where folder `name` ("A/B") lives in a store of the layout. */
function folderDir(layout: Layout, root: string, name: string): string {
  return layout === "maildir" ? join(root, "." + name.split("/").join(".")) : join(root, ...name.split("/"));
}

/**
 * A store: INBOX; "Keep" (3 messages) with "Keep/Sub" (\Noselect in the fs
 * layout's sense: a plain directory holding "Keep/Sub/Deep"); "Other" and
 * "Gone". The failure is injected on "Keep".
 */
function makeStore(layout: Layout): string {
  const root = join(tmp.dir, `${layout}-${serial++}`);
  maildir(root, 1, 77);
  maildir(folderDir(layout, root, "Keep"), 3, 1001);
  if (layout === "maildir") mkdirSync(folderDir(layout, root, "Keep/Sub"));
  maildir(folderDir(layout, root, "Keep/Sub/Deep"), 2, 1002);
  maildir(folderDir(layout, root, "Other"), 1, 1003);
  maildir(folderDir(layout, root, "Gone"), 1, 1004);
  return root;
}

/** The store changes while "Keep" cannot be read: "Gone" and "Keep/Sub/Deep" go, "New" comes. */
function changeStore(layout: Layout, root: string): void {
  rmSync(folderDir(layout, root, "Gone"), { recursive: true });
  rmSync(folderDir(layout, root, "Keep/Sub/Deep"), { recursive: true });
  maildir(folderDir(layout, root, "New"), 1, 1005);
}

async function scan(layout: Layout, root: string, fs?: ScanFs): Promise<{ boxes: ScannedMailbox[]; warnings: ScanWarning[] }> {
  const warnings: ScanWarning[] = [];
  const boxes: ScannedMailbox[] = [];
  const opts = { onWarning: (w: ScanWarning) => warnings.push(w), fs };
  for await (const m of layout === "maildir" ? scanMaildir(root, opts) : scanFsLayout(root, opts)) boxes.push(m);
  return { boxes, warnings };
}

function unread(warnings: readonly ScanWarning[]): string[] {
  return warnings.filter((w) => w.unread).map((w) => w.folder!);
}

interface Row {
  uid: number;
  flags: number;
  status: MailboxStatus | undefined;
}

function rows(index: MailboxListIndex): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const e of index.iterate()) out.set(e.name, { uid: e.uid, flags: e.flags, status: index.status(e.name) });
  return out;
}

/** One way of running a full sync from a scan. */
type Syncer = (index: MailboxListIndex, layout: Layout, root: string, fs?: ScanFs) => Promise<void>;

const api: Syncer = async (index, layout, root, fs) => {
  const { boxes, warnings } = await scan(layout, root, fs);
  const ctx = await index.syncBegin({ recursive: true });
  for (const m of boxes) {
    const uid = ctx.add(m.name);
    if (!m.selectable) ctx.addFlags(uid, MailboxFlags.NoSelect);
    if (m.status !== undefined) ctx.setStatus(uid, m.status);
  }
  for (const name of unread(warnings)) ctx.keep(name);
  await ctx.commit();
};

const bulk: Syncer = async (index, layout, root, fs) => {
  const { boxes, warnings } = await scan(layout, root, fs);
  await syncAll(index, boxes, { keep: unread(warnings) });
};

/** The CLI's `sync --recursive` in this process; its stderr lines are kept in `cliErrors`. */
let cliErrors: string[] = [];
const cli: Syncer = async (index, layout, root, fs) => {
  let err = "";
  const status = await runCli(
    ["sync", "--index", index.path, layout === "maildir" ? "--maildir" : "--fs", root, "--recursive"],
    { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s, true) }, scanFs: fs },
  );
  cliErrors = err.split("\n").filter((l) => l !== "");
  assert.equal(status, 0, err);
  index.refresh();
};

const SYNCERS: [string, Syncer][] = [["syncBegin + keep", api], ["syncAll keep", bulk], ["CLI sync", cli]];

describe("scans that cannot see everything", () => {
  for (const layout of ["maildir", "fs"] as const) {
    for (const code of CODES) {
      it(`${layout}: ${code} on a folder is a warning naming the folder and the code, and the folder is unread`, async () => {
        const root = makeStore(layout);
        const keepDir = folderDir(layout, root, "Keep");
        const fs = failingFs([keepDir], code);
        const { boxes, warnings } = await scan(layout, root, fs);
        const w = warnings.filter((x) => x.unread);
        assert.equal(w.length, 1, JSON.stringify(warnings));
        assert.equal(w[0].folder, "Keep");
        assert.equal(w[0].code, code);
        assert.equal(w[0].path, keepDir);
        assert.match(w[0].reason, new RegExp(`^Cannot read directory "${keepDir}" of folder "Keep": .* \\(${code}\\); `));
        const names = boxes.map((b) => b.name);
        assert.ok(!names.includes("Keep"), names.join());
        assert.ok(names.includes("Other") && names.includes("INBOX"), names.join());
        // The fs layout cannot see under "Keep"; Maildir++ lists "Keep.Sub.Deep" from the root.
        assert.equal(names.includes("Keep/Sub/Deep"), layout === "maildir");
        // The same through scanStore.
        const viaStore: ScanWarning[] = [];
        const all = await scanStore(layout, root, { fs, onWarning: (x) => viaStore.push(x) });
        assert.deepEqual(all, boxes);
        assert.deepEqual(unread(viaStore), ["Keep"]);
      });

      for (const [how, sync] of SYNCERS) {
        it(`${layout}: ${code}: a full sync by ${how} keeps the unread subtree and deletes what is really gone`, async () => {
          const root = makeStore(layout);
          const index = await MailboxListIndex.open(join(tmp.dir, `i-${serial++}.mlist`), { durable: false });
          try {
            await sync(index, layout, root);
            const before = rows(index);
            assert.deepEqual(
              [...before.keys()].sort(),
              ["Gone", "INBOX", "Keep", "Keep/Sub", "Keep/Sub/Deep", "Other"],
            );
            assert.equal(before.get("Keep")!.status?.messages, 3);
            assert.equal(before.get("Keep/Sub/Deep")!.status?.uidValidity, 1002);

            changeStore(layout, root);
            await sync(index, layout, root, failingFs([folderDir(layout, root, "Keep")], code));
            if (sync === cli) {
              assert.ok(cliErrors.some((l) => l.includes('folder "Keep"') && l.includes(code)), cliErrors.join("\n"));
              assert.ok(cliErrors.some((l) => /1 folder\(s\) could not be read \("Keep"\)/.test(l)), cliErrors.join("\n"));
            }
            const during = rows(index);
            // The unread subtree as it was, "Keep/Sub/Deep" too (its removal cannot be seen).
            for (const name of ["Keep", "Keep/Sub", "Keep/Sub/Deep"]) {
              assert.deepEqual(during.get(name), before.get(name), name);
            }
            assert.deepEqual(during.get("Other"), before.get("Other"));
            assert.equal(during.get("INBOX")!.uid, before.get("INBOX")!.uid);
            assert.ok(!during.has("Gone"), "Gone is deleted");
            assert.ok(during.has("New"), "New is added");

            // The failure is over: what is really gone under "Keep" goes too.
            await sync(index, layout, root);
            const after = rows(index);
            assert.deepEqual([...after.keys()].sort(), ["INBOX", "Keep", "Keep/Sub", "New", "Other"]);
            assert.equal(after.get("Keep")!.uid, before.get("Keep")!.uid);
            assert.deepEqual(after.get("Keep")!.status, before.get("Keep")!.status);
          } finally {
            await index.close();
          }
        });
      }
    }

    it(`${layout}: a root that cannot be listed is an error, and a sync deletes nothing`, async () => {
      const root = makeStore(layout);
      const fs = failingFs([root], "EIO");
      await assert.rejects(scan(layout, root, fs), (e: unknown) => {
        assert.ok(e instanceof StoreReadError);
        assert.equal(e.code, "EIO");
        assert.equal(e.message, `Cannot read store root "${root}": input/output error`);
        return true;
      });
      for (const workers of [0, 1]) {
        await assert.rejects(scanStore(layout, root, { fs, workers }), StoreReadError);
      }
      const index = await MailboxListIndex.open(join(tmp.dir, `i-${serial++}.mlist`), { durable: false });
      try {
        await cli(index, layout, root);
        const before = rows(index);
        assert.equal(before.size, 6);
        await assert.rejects(cli(index, layout, root, fs));
        assert.ok(cliErrors.some((l) => l.includes(`Cannot read store root "${root}"`)), cliErrors.join("\n"));
        assert.deepEqual(rows(index), before);
      } finally {
        await index.close();
      }
    });

    it(`${layout}: a folder whose cur/ or dovecot-uidlist cannot be read is reported, and keeps its STATUS`, async () => {
      const root = makeStore(layout);
      const other = folderDir(layout, root, "Other");
      const index = await MailboxListIndex.open(join(tmp.dir, `i-${serial++}.mlist`), { durable: false });
      try {
        await cli(index, layout, root);
        const before = rows(index);
        assert.equal(before.get("Other")!.status?.uidValidity, 1003);
        // One more message that a sync which could count it would show.
        writeFileSync(join(other, "cur", "9.M9.host:2,S"), "x\n");
        for (const part of [join(other, "cur"), join(other, "dovecot-uidlist")]) {
          const fs = failingFs([part], "EIO");
          const { boxes, warnings } = await scan(layout, root, fs);
          assert.deepEqual(boxes.find((b) => b.name === "Other"), { name: "Other", selectable: true });
          const w = warnings.find((x) => x.path === part)!;
          assert.equal(w.folder, "Other");
          assert.equal(w.code, "EIO");
          assert.equal(w.unread, undefined);
          assert.match(w.reason, /of folder "Other": input\/output error \(EIO\); its STATUS is not reported$/);
          await cli(index, layout, root, fs);
          assert.deepEqual(rows(index), before, part);
        }
        await cli(index, layout, root);
        assert.equal(rows(index).get("Other")!.status?.messages, 2);
      } finally {
        await index.close();
      }
    });
  }

  it("rebuild from a scan with an unread folder fails naming it and writes nothing", async () => {
    const root = makeStore("maildir");
    const path = join(tmp.dir, `i-${serial++}.mlist`);
    let err = "";
    const status = await runCli(["rebuild", "--index", path, "--maildir", root], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (err += s, true) },
      scanFs: failingFs([folderDir("maildir", root, "Keep")], "EACCES"),
    });
    assert.equal(status, 1, err);
    assert.match(err, /Cannot rebuild ".*": the scan could not read 1 folder\(s\) \("Keep"\); nothing was written/);
    assert.equal(existsSync(path), false);
  });
});

describe("SyncContext.keep", () => {
  async function indexWith(names: string[]): Promise<MailboxListIndex> {
    const index = await MailboxListIndex.open(join(tmp.dir, `k-${serial++}.mlist`), { durable: false });
    const ctx = await index.syncBegin({ recursive: true });
    for (const n of names) ctx.add(n);
    await ctx.commit();
    return index;
  }

  it("keeps a NONEXISTENT parent and its subtree (rules 6 and 8 delete nothing kept)", async () => {
    const index = await indexWith(["INBOX", "P/Q/R", "S"]);
    try {
      const before = rows(index);
      assert.equal(before.get("P")!.flags & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add("INBOX");
      ctx.keep("P");
      ctx.keep("Not/There");
      const r = await ctx.commit();
      assert.equal(r.deleted, 1);
      const now = rows(index);
      assert.deepEqual([...now.keys()].sort(), ["INBOX", "P", "P/Q", "P/Q/R"]);
      for (const n of ["P", "P/Q", "P/Q/R"]) assert.deepEqual(now.get(n), before.get(n), n);
    } finally {
      await index.close();
    }
  });

  it("keeps a leaf that is not reported, and its parents as parents", async () => {
    const index = await indexWith(["INBOX", "A/B", "A"]);
    try {
      const before = rows(index);
      const ctx = await index.syncBegin({ recursive: true });
      ctx.add("INBOX");
      ctx.keep("A/B");
      await ctx.commit();
      const now = rows(index);
      assert.deepEqual(now.get("A/B"), before.get("A/B"));
      // "A" was not reported: it stays as a parent, now NONEXISTENT (rule 4).
      assert.equal(now.get("A")!.uid, before.get("A")!.uid);
      assert.equal(now.get("A")!.flags & MailboxFlags.NonExistent, MailboxFlags.NonExistent);
    } finally {
      await index.close();
    }
  });

  it("changes nothing outside the sync path", async () => {
    const index = await indexWith(["A/x", "B/y/z", "B/y"]);
    try {
      const before = rows(index);
      const ctx = await index.syncBegin({ path: "A", recursive: true });
      ctx.keep("B/y/z");
      const r = await ctx.commit();
      assert.equal(r.deleted, 1); // A/x
      const now = rows(index);
      assert.deepEqual([...now.keys()].sort(), ["A", "B", "B/y", "B/y/z"]);
      for (const n of ["B", "B/y", "B/y/z"]) assert.deepEqual(now.get(n), before.get(n), n);
    } finally {
      await index.close();
    }
  });
});
