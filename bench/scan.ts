/**
 * Scan + rebuild of a generated Maildir++ store: the time to index a store
 * of N folders (default 20,000) with 0, 1 and 2 workers, on the runtime it
 * runs on. Run: `node --import tsx bench/scan.ts [--folders 20000]`,
 * `npx bun bench/scan.ts`, `npx deno run -A bench/scan.ts`.
 *
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { rebuild, scanStore } from "../mod.ts";
import { generateTree } from "./trees.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const folders = arg("--folders", 20000);
const runtime = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
  ? "deno"
  : (process.versions as { bun?: string }).bun
  ? "bun"
  : "node";

const dir = mkdtempSync(join(tmpdir(), "mli-scan-bench-"));
try {
  const root = join(dir, "Maildir");
  const t0 = performance.now();
  const names = generateTree("realistic", folders, 4, ".").filter((n) => n !== "INBOX");
  const make = (path: string, i: number) => {
    for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(path, sub), { recursive: true });
    writeFileSync(join(path, "new", `${i}.a.host`), "");
    writeFileSync(join(path, "cur", `${i}.b.host:2,S`), "");
  };
  make(root, 0);
  names.forEach((n, i) => make(join(root, "." + n.replaceAll("/", ".")), i));
  console.log(`${runtime}: made a Maildir++ store of ${names.length + 1} folders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log("| workers | scan ms | rebuild ms | total ms | mailboxes |");
  console.log("|---|---|---|---|---|");
  for (const workers of [0, 1, 2]) {
    const a = performance.now();
    const boxes = await scanStore("maildir", root, { separator: "/", workers });
    const b = performance.now();
    await rebuild(join(dir, `w${workers}.mlist`), boxes, { workers, separator: "/" });
    const c = performance.now();
    console.log(`| ${workers} | ${(b - a).toFixed(0)} | ${(c - b).toFixed(0)} | ${(c - a).toFixed(0)} | ${boxes.length} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
