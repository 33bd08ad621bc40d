// Scanning a store across worker threads gives exactly what one scan in this
// thread gives, in the same order, for Maildir++ and directory-per-folder stores.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scanFsLayout, scanMaildir, scanStore } from "../../mod.ts";
import type { ScannedMailbox } from "../../mod.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir();
after(() => tmp.cleanup());

function maildir(dir: string, fresh: number, seen: number, unseen: number): void {
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(dir, sub), { recursive: true });
  for (let i = 0; i < fresh; i++) writeFileSync(join(dir, "new", `${i}.host`), "x");
  for (let i = 0; i < seen; i++) writeFileSync(join(dir, "cur", `s${i}.host:2,S`), "x");
  for (let i = 0; i < unseen; i++) writeFileSync(join(dir, "cur", `u${i}.host:2,F`), "x");
}

async function collect(it: AsyncIterable<ScannedMailbox>): Promise<ScannedMailbox[]> {
  const out: ScannedMailbox[] = [];
  for await (const m of it) out.push(m);
  return out;
}

describe("scanStore", () => {
  it("Maildir++: workers give the single-thread scan, mailbox for mailbox", async () => {
    const root = join(tmp.dir, "maildir");
    maildir(root, 2, 1, 1);
    for (let t = 0; t < 12; t++) {
      maildir(join(root, `.Top${t}`), t % 3, t % 2, 1);
      for (let c = 0; c < 8; c++) maildir(join(root, `.Top${t}.child${c}`), c % 2, 1, c % 3);
    }
    mkdirSync(join(root, ".Shared.noselect"), { recursive: true });
    const single = await collect(scanMaildir(root, { separator: "/" }));
    assert.ok(single.length >= 12 * 9 + 1);
    for (const workers of [0, 1, 2, 3]) {
      assert.deepEqual(await scanStore("maildir", root, { separator: "/", workers }), single, `${workers} workers`);
    }
    const inbox = single.find((m) => m.name === "INBOX")!;
    assert.deepEqual(inbox.status && [inbox.status.messages, inbox.status.unseen, inbox.status.recent], [4, 3, 2]);
  });

  it("directory per folder: workers give the single-thread scan", async () => {
    const root = join(tmp.dir, "fs");
    for (let t = 0; t < 6; t++) {
      mkdirSync(join(root, `area${t}`, "projects", "old"), { recursive: true });
      maildir(join(root, `area${t}`, "inbox"), 1, 1, 0);
    }
    const single = await collect(scanFsLayout(root, { separator: "/" }));
    const progress: number[] = [];
    const sharded = await scanStore("fs", root, { separator: "/", workers: 2, onProgress: (d) => progress.push(d) });
    assert.deepEqual(sharded, single);
    assert.equal(progress.at(-1), 6);
    assert.ok(single.some((m) => m.name === "area0/projects" && !m.selectable));
  });
});
