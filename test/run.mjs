// Runs the test suite under Deno, Bun and Node (in that order), prints each
// runner's summary, and exits non-zero when any runner fails or runs no test.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const runtimes = only.length ? only : ["deno", "bun", "node"];
const files = readdirSync(join(root, "test"))
  .filter((f) => f.endsWith(".test.ts"))
  .sort()
  .map((f) => `./test/${f}`);
if (files.length === 0) {
  console.error("No test files found in test/");
  process.exit(1);
}
const commands = {
  deno: [bin("deno"), ["test", "-A", "--no-check", ...files]],
  bun: [bin("bun"), ["test", "--timeout", "600000", ...files]],
  node: [process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-timeout=600000", ...files]],
};
const results = [];
for (const rt of runtimes) {
  const [cmd, args] = commands[rt];
  console.log(`\n===== ${rt}: ${[cmd.split("/").pop(), ...args].join(" ")}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, MLI_TEST_RUNTIME: rt } });
  results.push({ rt, status: r.status ?? 1, ms: Date.now() - t0 });
}
console.log("\n===== summary");
for (const r of results) console.log(`${r.rt}: ${r.status === 0 ? "passed" : `FAILED (exit ${r.status})`} in ${(r.ms / 1000).toFixed(1)} s`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
