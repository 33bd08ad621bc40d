// Runs the test suite under Deno, Bun and Node (in that order), prints each
// runner's summary, and exits non-zero when any runner fails or runs no test.
// Deno also runs the JSDoc examples of src/ and mod.ts (deno test --doc).
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const runtimes = only.length ? only : ["deno", "bun", "node"];
// test/ mirrors src/: the test files of the whole project and of each layer's folder
// (every runner is given the list, since Node's finds nothing in a directory of .ts files).
const files = readdirSync(join(root, "test"), { recursive: true })
  .map((f) => String(f).split("\\").join("/"))
  .filter((f) => f.endsWith(".test.ts") && !f.startsWith("vectors/") && !f.startsWith("fixtures/"))
  .sort()
  .map((f) => `./test/${f}`);
if (files.length === 0) {
  console.error("No test files found in test/");
  process.exit(1);
}
/** Each runtime's commands (what they run, command, arguments), run in turn; their counts add up. */
const commands = {
  deno: [
    ["test files", bin("deno"), ["test", "-A", "--no-check", ...files]],
    ["doc examples", bin("deno"), ["test", "-A", "--no-check", "--doc", "src", "mod.ts"]],
  ],
  bun: [["test files", bin("bun"), ["test", "--timeout", "600000", ...files]]],
  node: [["test files", process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-timeout=600000", ...files]]],
};
/** Run one runner, echoing its output, and return its exit status and output. */
function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => {
      process.stdout.write(d);
      out += d;
    });
    child.stderr.on("data", (d) => {
      process.stderr.write(d);
      out += d;
    });
    child.on("close", (code, signal) => resolve({ status: code ?? (signal ? 1 : 0), out }));
    child.on("error", (e) => resolve({ status: 1, out: String(e) }));
  });
}

// deno-lint-ignore no-control-regex
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

/** Passed and failed counts from a runner's closing lines. */
function counts(rt, out) {
  const text = strip(out);
  let m;
  if (rt === "deno") {
    m = [...text.matchAll(/(\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/g)].pop();
    if (m) return { passed: Number(m[2] ?? m[1]), failed: Number(m[4] ?? m[3]) };
  } else if (rt === "bun") {
    const p = [...text.matchAll(/^\s*(\d+) pass$/gm)].pop(), f = [...text.matchAll(/^\s*(\d+) fail$/gm)].pop();
    if (p && f) return { passed: Number(p[1]), failed: Number(f[1]) };
  } else {
    const p = [...text.matchAll(/^# pass (\d+)$/gm)].pop(), f = [...text.matchAll(/^# fail (\d+)$/gm)].pop();
    if (p && f) return { passed: Number(p[1]), failed: Number(f[1]) };
  }
  return undefined;
}

const results = [];
for (const rt of runtimes) {
  const t0 = Date.now();
  let ok = true, status = 0, c = { passed: 0, failed: 0 };
  const parts = [];
  for (const [what, cmd, args] of commands[rt]) {
    console.log(`\n===== ${rt}: ${[cmd.split("/").pop(), ...args].join(" ")}`);
    const r = await run(cmd, args, { ...process.env, MLI_TEST_RUNTIME: rt });
    const got = counts(rt, r.out);
    ok &&= r.status === 0 && got !== undefined && got.passed > 0 && got.failed === 0;
    if (r.status !== 0 && status === 0) status = r.status;
    c = c && got ? { passed: c.passed + got.passed, failed: c.failed + got.failed } : undefined;
    parts.push(`${what}: ${got ? `${got.passed} passed, ${got.failed} failed` : "no test summary found"}`);
  }
  results.push({ rt, ok, status, c, ms: Date.now() - t0, parts: parts.length > 1 ? ` (${parts.join("; ")})` : "" });
}
console.log("\n===== summary");
let passed = 0, failed = 0;
for (const r of results) {
  const what = r.c ? `${r.c.passed} passed, ${r.c.failed} failed` : "no test summary found";
  console.log(`${r.rt}: ${r.ok ? "ok" : `FAILED (exit ${r.status})`}: ${what}${r.parts} in ${(r.ms / 1000).toFixed(1)} s`);
  passed += r.c?.passed ?? 0;
  failed += r.c ? r.c.failed : 1;
}
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
