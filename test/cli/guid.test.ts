// The command-line tool and the mailbox state of SPEC §12: `sync` and
// `rebuild` (in one thread and on workers) from a Maildir++ store take each
// folder's GUID from its dovecot-uidlist header and its SIZE and DELETED
// from its message files; `dump` shows the GUIDs and the figures, also as
// JSON; `list --status --json` prints a 64-bit figure above 2^53 as digits.
// Run as a child process on the runtime that runs this file.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { makeTempDir } from "../helpers/tmp.ts";
import { ROOT, run, type RunResult, tsCommand } from "../helpers/runtime.ts";

const CLI = join(ROOT, "src", "cli", "main.ts");
const G1 = "0123456789abcdef0123456789abcdef";
const G2 = "fedcba9876543210fedcba9876543210";

function cli(args: string[]): Promise<RunResult> {
  const [cmd, a] = tsCommand(CLI, args);
  return run(cmd, a);
}

function maildir(dir: string, files: string[], uidlist?: string): void {
  for (const d of ["cur", "new", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
  for (const f of files) writeFileSync(join(dir, "cur", f), "x");
  if (uidlist !== undefined) writeFileSync(join(dir, "dovecot-uidlist"), uidlist + "\n");
}

describe("cli: GUIDs and STATUS figures from a store", () => {
  const tmp = makeTempDir("mli-cli-guid-");
  after(() => tmp.cleanup());
  const store = join(tmp.dir, "Maildir");
  maildir(store, ["1.host,S=1000:2,S", "2.host,S=24:2,T"], `3 V7 N3 G${G1.toUpperCase()}`);
  maildir(join(store, ".Sent"), ["3.host,S=5:2,ST"], `3 V8 N2 G${G2}`);
  maildir(join(store, ".Plain"), ["4.host:2,"]);

  for (const [label, args] of [
    ["sync", ["sync", "--maildir", store, "--recursive"]],
    ["rebuild", ["rebuild", "--maildir", store]],
    ["rebuild --workers 2", ["rebuild", "--maildir", store, "--workers", "2"]],
  ] as const) {
    it(`${label} takes the uidlist's G and the figures of the message files; dump shows them`, async () => {
      const path = join(tmp.dir, `${label.replaceAll(" ", "_")}.mlist`);
      const r = await cli([...args, "--index", path]);
      assert.equal(r.status, 0, r.stderr);
      const index = await MailboxListIndex.open(path, { readonly: true, onWarning: () => {} });
      assert.equal(index.guid("INBOX"), G1);
      assert.equal(index.guid("Sent"), G2);
      assert.match(index.guid("Plain") ?? "", /^[0-9a-f]{32}$/);
      assert.deepEqual([index.status("INBOX")?.size, index.status("INBOX")?.deleted], [1024, 1]);
      assert.deepEqual([index.status("Sent")?.size, index.status("Sent")?.deleted], [5, 1]);
      assert.deepEqual([index.status("Plain")?.size, index.status("Plain")?.deleted], [1, 0]);
      const plain = index.guid("Plain");
      await index.close();
      const dump = await cli(["dump", "--index", path]);
      assert.equal(dump.status, 0, dump.stderr);
      assert.match(dump.stdout, new RegExp(` guid ${G1} status messages 2 unseen 1 recent 0 uidvalidity 7 uidnext 3 size 1024 deleted 1\\n`));
      assert.ok(dump.stdout.includes(` guid ${plain} `), dump.stdout);
      const json = JSON.parse((await cli(["dump", "--index", path, "--json"])).stdout);
      const entries = json.attr.entries as { guid?: string }[];
      assert.deepEqual(entries.map((e) => e.guid).filter((g) => g !== undefined).sort(), [G1, plain, G2].sort());
      assert.equal(json.attr.header.entrySize, 64);
    });
  }

  it("list --status --json prints a figure above 2^53 as its digits", async () => {
    const path = join(tmp.dir, "big.mlist");
    const index = await MailboxListIndex.open(path, { onWarning: () => {} });
    const ctx = await index.syncBegin({ recursive: true });
    ctx.add("INBOX");
    ctx.setStatus("INBOX", { messages: 1, unseen: 0, recent: 0, uidValidity: 1, uidNext: 2, highestModSeq: 2n ** 60n });
    await ctx.commit();
    await index.close();
    const r = await cli(["list", "--index", path, "--status", "--json", "--return", "status=highestmodseq"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].status.highestModSeq, String(2n ** 60n));
    const lines = await cli(["list", "--index", path, "--return", "status=highestmodseq"]);
    assert.match(lines.stdout, /\* STATUS "INBOX" \(HIGHESTMODSEQ 1152921504606846976\)\r\n/);
  });
});
