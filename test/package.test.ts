// The npm package as users install it: `npm pack` (which builds dist/ first),
// then the tarball installed into a temporary project without the network,
// its `mailbox-list-index` command run (a demo, and a rebuild with two
// workers from the compiled worker files), an import of the package on
// Node, and a TypeScript consumer type-checked against the shipped .d.ts.
// Node only: the package targets Node 20's module resolution and npm.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { makeTempDir } from "./helpers/tmp.ts";
import { ROOT, run, RUNTIME } from "./helpers/runtime.ts";

const skip = RUNTIME === "node" ? false : `the npm package is tested under Node only (this is ${RUNTIME})`;

describe("npm package", () => {
  const tmp = makeTempDir("mli-pack-");
  after(() => tmp.cleanup());

  it("packs, installs offline, and runs its command and an import on Node", { skip, timeout: 120_000 }, async () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const pack = await run(npm, ["pack", "--json", "--pack-destination", tmp.dir], { timeoutMs: 90_000 });
    assert.equal(pack.status, 0, pack.stderr);
    const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[")))[0] as { filename: string; files: { path: string }[] };
    const files = info.files.map((f) => f.path);
    for (const f of ["package.json", "README.md", "dist/mod.js", "dist/mod.d.ts", "dist/src/cli/main.js", "dist/src/index/index.d.ts"]) {
      assert.ok(files.includes(f), `${f} is not in the package`);
    }
    assert.ok(!files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "TypeScript sources are in the package");
    assert.ok(!files.some((f) => f.startsWith("test/") || f.startsWith("dist/test/")), "tests are in the package");
    const tarball = join(tmp.dir, info.filename);

    const project = join(tmp.dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
    let install = await run(npm, ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: project, timeoutMs: 90_000 });
    if (install.status !== 0) {
      // comlink not in the npm cache: allow the registry.
      install = await run(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: project, timeoutMs: 90_000 });
    }
    assert.equal(install.status, 0, install.stderr);
    const installed = join(project, "node_modules", "mailbox-list-index");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}), ["comlink"]);
    assert.match(readFileSync(join(installed, "dist", "src", "cli", "main.js"), "utf8"), /^#!\/usr\/bin\/env node\n/);

    // The command, through the bin link npm made.
    const bin = join(project, "node_modules", ".bin", "mailbox-list-index");
    assert.ok(existsSync(bin));
    const demo = await run(bin, ["demo", "--folders", "40", "--keep"], { cwd: project });
    assert.equal(demo.status, 0, demo.stderr);
    assert.ok(demo.stdout.includes('* LIST (\\HasNoChildren) "/" "INBOX"\r\n'), demo.stdout);
    const kept = /Kept "([^"]+)"/.exec(demo.stderr)![1];
    try {
      const index = join(project, "two.mlist");
      const rebuilt = await run(bin, ["rebuild", "--index", index, "--maildir", join(kept, "Maildir"), "--workers", "2"], { cwd: project });
      assert.equal(rebuilt.status, 0, rebuilt.stderr);
      assert.match(rebuilt.stdout, /^Rebuilt ".*two\.mlist": 44 mailboxes from 41 folders/);
      const check = await run(bin, ["check", "--index", index], { cwd: project });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      const list = await run(bin, ["list", "--index", index, "Shared/*", "--json"], { cwd: project });
      assert.deepEqual(JSON.parse(list.stdout).map((e: { name: string }) => e.name), ["Shared/Team"]);
      const usage = await run(bin, ["list"], { cwd: project });
      assert.equal(usage.status, 2);
    } finally {
      rmSync(kept, { recursive: true, force: true });
    }

    // An import through the exports map.
    const script = `
      import * as m from "mailbox-list-index";
      import { mkdtempSync, rmSync } from "node:fs";
      import { tmpdir } from "node:os";
      const dir = mkdtempSync(tmpdir() + "/mli-pkg-");
      const index = await m.MailboxListIndex.open(dir + "/u.mlist");
      const sync = await index.syncBegin({ recursive: true });
      for (const name of ["INBOX", "Archive/2009"]) sync.add(name);
      await sync.commit();
      process.stdout.write(m.listMailboxes(index, "*").map((e) => m.formatListResponse(e, index.separator)).join(""));
      await index.close();
      rmSync(dir, { recursive: true });
    `;
    const imported = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: project });
    assert.equal(imported.status, 0, imported.stderr);
    assert.equal(
      imported.stdout.split("\r\n").sort().join("\n").trim(),
      '* LIST (\\HasNoChildren) "/" "Archive/2009"\n* LIST (\\HasNoChildren) "/" "INBOX"',
    );
    const deep = await run(process.execPath, ["--input-type=module", "-e", 'import("mailbox-list-index/dist/src/index/index.js").then(() => process.exit(3), (e) => { console.log(e.code); })'], {
      cwd: project,
    });
    assert.equal(deep.stdout.trim(), "ERR_PACKAGE_PATH_NOT_EXPORTED");

    // A TypeScript consumer, checked against the shipped declarations.
    writeFileSync(
      join(project, "consumer.ts"),
      `import { MailboxListIndex, type ListEntry, MailboxFlags } from "mailbox-list-index";
const index: MailboxListIndex = await MailboxListIndex.open("x.mlist", { readonly: true });
const entries: ListEntry[] = index.list("*", { status: true });
const flags: number = MailboxFlags.NoSelect | (entries[0]?.flags ?? 0);
// @ts-expect-error list() takes a pattern string
index.list(42);
export { flags };
`,
    );
    const tsc = join(ROOT, "node_modules", ".bin", "tsc");
    const typed = await run(tsc, [
      "--noEmit",
      "--strict",
      "--target",
      "es2022",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--skipLibCheck",
      "--typeRoots",
      join(ROOT, "node_modules", "@types"),
      "--types",
      "node",
      "consumer.ts",
    ], { cwd: project });
    assert.equal(typed.status, 0, typed.stdout + typed.stderr);
  });
});
