// The command line's store sources read folder names as Dovecot writes them:
// modified UTF-7 decoded by default, taken as they are with --utf8-names
// (on rebuild in this thread, rebuild --workers and sync alike).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { runCli } from "../../src/cli/app.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-cli-source-");
after(() => tmp.cleanup());

function maildir(dir: string): void {
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(dir, sub), { recursive: true });
}

async function cli(args: string[]): Promise<{ status: number; err: string }> {
  let err = "";
  const status = await runCli(args, { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s, true) } });
  return { status, err };
}

async function names(path: string): Promise<string[]> {
  await using index = await MailboxListIndex.open(path, { readonly: true });
  return [...index.iterate()].map((m) => m.name).sort();
}

describe("--utf8-names", () => {
  const root = join(tmp.dir, "Maildir");
  maildir(root);
  maildir(join(root, ".Entw&APw-rfe"));
  maildir(join(root, ".Entw&APw-rfe.&ZeVnLIqe-"));
  const decoded = ["Entwürfe", "Entwürfe/日本語", "INBOX"];
  const raw = ["Entw&APw-rfe", "Entw&APw-rfe/&ZeVnLIqe-", "INBOX"];

  for (const command of [["rebuild"], ["rebuild", "--workers", "2"], ["sync"]]) {
    it(`${command.join(" ")} decodes modified UTF-7 by default, and not with --utf8-names`, async () => {
      const tag = command.join("-");
      const a = join(tmp.dir, `${tag}-default.mlist`);
      let r = await cli([...command, "--index", a, "--maildir", root]);
      assert.equal(r.status, 0, r.err);
      assert.deepEqual(await names(a), decoded);
      const b = join(tmp.dir, `${tag}-utf8.mlist`);
      r = await cli([...command, "--index", b, "--maildir", root, "--utf8-names"]);
      assert.equal(r.status, 0, r.err);
      assert.deepEqual(await names(b), raw);
    });
  }

  it("is a usage error with --from-list, and is in the help", async () => {
    const r = await cli(["rebuild", "--index", join(tmp.dir, "x.mlist"), "--from-list", "-", "--utf8-names"]);
    assert.equal(r.status, 2);
    assert.match(r.err, /--utf8-names applies to --maildir and --fs/);
    let help = "";
    await runCli(["rebuild", "--help"], { stdout: { write: (s: string) => (help += s, true) }, stderr: { write: () => true } });
    assert.match(help, /--utf8-names/);
  });
});
