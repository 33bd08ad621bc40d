// Runs the benchmarks on Deno, Bun and Node, one runtime after another,
// echoing each one's tables: bench/ops.ts (the operations against SQLite),
// then the suites of the other scripts (rebuild and sync against the
// original C code, bulk rebuilds, giant directories, many open indexes).
// Prints the targets of bench/ops.ts side by side and each part's time.
//
//   node bench/run.mjs [deno|bun|node ...] [--sizes 10000,100000,1000000] [--quick] [--only key,...]
//                      [--suites ops,baseline,bulk,giant,open]
//   node bench/run.mjs --profile [--sizes 1000000] [--only nochange,lookup-hit-cached] [--top 15]
//
// --profile runs bench/ops.ts on Node under --cpu-prof (every thread, the
// library's workers included), cuts the samples into the measured
// operations by their clock windows and prints the functions with the most
// self time in each.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const argv = process.argv.slice(2);
const runtimes = argv.filter((a) => ["deno", "bun", "node"].includes(a));
const passThrough = [];
let profile = false;
let top = 15;
let quick = false;
/**
 * The suites besides bench/ops.ts: each a script run on every runtime, with
 * its arguments for a full run and for --quick (a smaller, faster run).
 */
const SUITES = {
  baseline: { script: "bench/baseline.ts", full: [], quick: ["--sets", "flat100k", "--reps", "1"] },
  bulk: { script: "bench/bulk.ts", full: [], quick: ["--users", "200", "--reps", "1"] },
  giant: { script: "bench/giant_dir.ts", full: [], quick: ["--children", "100000", "--others", "20000", "--inserts", "8"] },
  open: { script: "bench/many_open.ts", full: [], quick: ["--users", "200"] },
};
let suites = ["ops", ...Object.keys(SUITES)];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (["deno", "bun", "node"].includes(a)) continue;
  if (a === "--profile") profile = true;
  else if (a === "--top") top = Number(argv[++i]);
  else if (a === "--sizes" || a === "--only" || a === "--seed") passThrough.push(a, argv[++i]);
  else if (a.startsWith("--sizes=") || a.startsWith("--only=") || a.startsWith("--seed=")) passThrough.push(a);
  else if (a === "--quick" || a === "--no-sqlite") {
    passThrough.push(a);
    if (a === "--quick") quick = true;
  } else if (a === "--suites" || a.startsWith("--suites=")) {
    suites = (a === "--suites" ? argv[++i] : a.slice("--suites=".length)).split(",").filter((x) => x !== "");
    const unknown = suites.filter((x) => x !== "ops" && !(x in SUITES));
    if (unknown.length > 0) {
      console.error(`Unknown suite ${JSON.stringify(unknown[0])}: expected ops, ${Object.keys(SUITES).join(", ")}`);
      process.exit(2);
    }
  } else {
    console.error(`Unknown argument ${a}`);
    process.exit(2);
  }
}

/** Run one command, echoing its output; resolve with the exit status. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on("error", (e) => {
      console.error(String(e));
      resolve(1);
    });
  });
}

const work = mkdtempSync(join(tmpdir(), "mli-bench-run-"));

if (profile) {
  process.exit(await runProfile());
}

/** How each runtime runs a TypeScript script. */
const runners = {
  deno: (script) => [bin("deno"), ["run", "-A", "--v8-flags=--expose-gc", script]],
  bun: (script) => [bin("bun"), [script]],
  node: (script) => [process.execPath, ["--expose-gc", "--import", "tsx", script]],
};
const started = Date.now();
const summary = [];
const parts = [];
for (const rt of runtimes.length ? runtimes : ["deno", "bun", "node"]) {
  for (const suite of suites) {
    const json = join(work, `${rt}.json`);
    const isOps = suite === "ops";
    const [cmd, args] = runners[rt](isOps ? "bench/ops.ts" : SUITES[suite].script);
    const extra = isOps ? [...passThrough, "--json", json] : quick ? SUITES[suite].quick : SUITES[suite].full;
    const t0 = Date.now();
    const shown = cmd === process.execPath ? "node" : relative(root, cmd);
    console.log(`\n# ${rt}${isOps ? "" : ` (${suite})`}: ${[shown, ...args, ...extra.filter((x) => x !== json)].join(" ")}\n`);
    const status = await run(cmd, [...args, ...extra]);
    const seconds = (Date.now() - t0) / 1000;
    parts.push({ rt, suite, status, seconds });
    if (isOps) summary.push({ rt, status, seconds, data: existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined });
  }
}
rmSync(work, { recursive: true, force: true });

const total = (Date.now() - started) / 1000;
const withData = summary.filter((s) => s.data !== undefined);
if (withData.length > 0) {
  const largest = Math.max(...withData.map((s) => Math.max(...s.data.sizes)));
  console.log(`\n# Targets at ${largest.toLocaleString("en-US")} folders, all runtimes\n`);
  console.log(`| target | ${withData.map((s) => s.data.versions).join(" | ")} |`);
  console.log(`|---|${withData.map(() => "--:").join("|")}|`);
  const names = [...new Set(withData.flatMap((s) => s.data.targets.map((t) => t.name)))];
  for (const name of names) {
    const cells = withData.map((s) => {
      const t = s.data.targets.find((x) => x.name === name);
      if (t === undefined) return "–";
      return t.met === undefined ? t.detail : `${t.detail} ${t.met ? "✓" : "✗"}`;
    });
    console.log(`| ${name} | ${cells.join(" | ")} |`);
  }
}
console.log("\n| runtime | suite | exit | seconds |\n|---|---|--:|--:|");
for (const p of parts) console.log(`| ${p.rt} | ${p.suite} | ${p.status} | ${p.seconds.toFixed(1)} |`);
const opsSeconds = summary.reduce((a, s) => a + s.seconds, 0);
console.log(`\nTotal: ${total.toFixed(1)} s (ops: ${opsSeconds.toFixed(1)} s${opsSeconds > 600 ? ", over its 10-minute budget" : ""})`);
process.exit(parts.every((p) => p.status === 0) ? 0 : 1);

/** Run bench/ops.ts on Node under --cpu-prof, summarise self time per measured operation. */
async function runProfile() {
  const profDir = join(work, "profiles");
  const windowsFile = join(work, "windows.json");
  // Run from source through tsx, like the library's own Node workers (which the
  // profile covers too: --cpu-prof writes one file per thread).
  const args = [
    "--expose-gc",
    "--cpu-prof",
    `--cpu-prof-dir=${profDir}`,
    "--cpu-prof-interval=250",
    "--import",
    "tsx",
    "bench/ops.ts",
    ...passThrough,
    "--profile",
    windowsFile,
  ];
  console.log(`# node ${args.map((a) => (a.startsWith(work) ? relative(work, a) : a)).join(" ")}\n`);
  const status = await run(process.execPath, args);
  if (!existsSync(windowsFile)) return status || 1;
  const windows = JSON.parse(readFileSync(windowsFile, "utf8"));
  const where = (cf) => {
    const path = cf.url.startsWith("file:") ? fileURLToPath(cf.url) : cf.url.startsWith("/") ? cf.url : undefined;
    return path === undefined ? cf.url : relative(root, path);
  };
  // Self time per (operation, function), main thread and workers (file names carry the thread id).
  const byLabel = new Map();
  for (const f of readdirSync(profDir).filter((x) => x.endsWith(".cpuprofile"))) {
    const worker = !/\.0\.\d+\.cpuprofile$/.test(f);
    const prof = JSON.parse(readFileSync(join(profDir, f), "utf8"));
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    let t = prof.startTime;
    for (let i = 0; i < prof.samples.length; i++) {
      const dt = prof.timeDeltas[i] ?? 0;
      t += dt;
      const w = windows.find((x) => x.start <= t && t <= x.end);
      if (w === undefined) continue;
      const cf = byId.get(prof.samples[i]).callFrame;
      if (cf.functionName === "(idle)") continue;
      const loc = where(cf);
      const key = `${worker ? "[worker] " : ""}${cf.functionName || "(anonymous)"}${loc ? ` ${loc}` : ""}`;
      let m = byLabel.get(w.label);
      if (m === undefined) byLabel.set(w.label, m = { total: 0, main: 0, self: new Map() });
      m.total += dt;
      if (!worker) m.main += dt;
      m.self.set(key, (m.self.get(key) ?? 0) + dt);
    }
  }
  for (const label of [...byLabel.keys()].sort()) {
    const m = byLabel.get(label);
    const wall = windows.filter((x) => x.label === label).reduce((a, x) => a + x.end - x.start, 0);
    console.log(
      `\n## profile ${label}: ${(wall / 1000).toFixed(0)} ms wall, ${(m.main / 1000).toFixed(0)} ms sampled on the main thread` +
        (m.total > m.main ? `, ${((m.total - m.main) / 1000).toFixed(0)} ms in workers` : "") + "\n",
    );
    console.log("| self ms | % | function |\n|--:|--:|---|");
    for (const [key, us] of [...m.self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`| ${(us / 1000).toFixed(1)} | ${((100 * us) / m.total).toFixed(1)} | \`${key}\` |`);
    }
  }
  rmSync(work, { recursive: true, force: true });
  return status;
}
