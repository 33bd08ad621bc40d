/**
 * The reference IMAP server (examples/imap_server/) under load (issue 14):
 * many raw-socket connections listing and asking STATUS while one writer
 * per user commits a partial sync every second.
 *
 *     node --import tsx bench/imap_load.ts --runtime node|deno|bun
 *         [--seconds 60] [--connections 200] [--users 20] [--folders 10000]
 *         [--big-folders 100000] [--writer-ms 1000 (0: no writers)] [--json FILE]
 *         [--server-flag F]… [--server-arg A]… [--server-env K=V]… [--server-log FILE]
 *
 * `--server-flag` passes a flag to the server's runtime (e.g.
 * `--server-flag=--cpu-prof --server-flag=--cpu-prof-dir=DIR` on Node),
 * `--server-arg` an option to the server (e.g. `--server-arg=--list-workers=1`),
 * `--server-env` an environment variable; `--server-log` copies the
 * server's output (stall reports, `--trace-gc` lines) to a file.
 *
 * The server runs on `--runtime` as a child process. This script (the
 * load generator) and the writers' process run on whatever runs this file;
 * the figures in bench/RESULTS.md come from Node (`node --import tsx`), so
 * that only the server changes between runs. It also runs as
 * `deno run -A bench/imap_load.ts …` or `bun bench/imap_load.ts …`.
 *
 * Setup, in a temporary directory: `--users` users (`user0` … ), each with
 * an empty Maildir++ root and an index of `--folders` mailboxes with STATUS
 * built directly with `rebuild` (`user0` gets `--big-folders`). The server
 * gets `--no-login-scan`, so a login trusts the index and never walks the
 * (empty) store. Mailboxes are `INBOX` and `Dir<k>/Box<i>` (100 top-level
 * parents), so `LIST "" "%"` answers about 100 lines and `LIST "" "*"` every
 * mailbox.
 *
 * Load: `--connections` connections, dealt round robin over the users
 * (user0 gets its share), each logged in and looping, one command at a time,
 * `LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))`, `STATUS INBOX (MESSAGES
 * UNSEEN UIDNEXT)` and `LIST "" "%"` for `--seconds`. Meanwhile a second
 * process (this file with `--writers`) runs one writer per user, each
 * committing every `--writer-ms` a partial sync that sets the STATUS of
 * INBOX and of one other mailbox.
 *
 * Reported: p50/p99 latency per command kind (the big user's `LIST "*"`
 * separately), commands per second, failed commands (any tagged answer but
 * OK, and commands cut off by a closed connection), the server's longest
 * event-loop stall (the server's `IMAP_SERVER_STALL_REPORT_MS` sampler, see
 * examples/imap_server/main.ts) and its peak RSS (`VmHWM` of
 * /proc/PID/status, Linux only), with the issue's targets.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { cpus, setPriority, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { MailboxListIndex, type MailboxStatus, rebuild } from "../mod.ts";
import { indexFileName } from "../examples/imap_server/accounts.ts";
import { hashPassword } from "../examples/imap_server/users.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SELF = fileURLToPath(import.meta.url);
const THIS_RUNTIME: Runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
type Runtime = "node" | "deno" | "bun";

/** Cheap scrypt parameters: logging in is not what is measured. */
const SCRYPT = { N: 1024, r: 8, p: 1 };
const PARENTS = 100;
const LIST_ALL = 'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))';
const STATUS = "STATUS INBOX (MESSAGES UNSEEN UIDNEXT)";
const LIST_TOP = 'LIST "" "%"';

/** Command and arguments that run a TypeScript file on a runtime. */
function tsCommand(file: string, args: string[], runtime: Runtime, flags: string[] = []): [string, string[]] {
  if (runtime === "deno") {
    const exe = THIS_RUNTIME === "deno" ? process.execPath : join(ROOT, "node_modules", ".bin", "deno");
    return [exe, ["run", "-A", ...flags, "--config", join(ROOT, "deno.json"), file, ...args]];
  }
  if (runtime === "bun") return [THIS_RUNTIME === "bun" ? process.execPath : join(ROOT, "node_modules", ".bin", "bun"), [...flags, file, ...args]];
  const tsx = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
  return [THIS_RUNTIME === "node" ? process.execPath : "node", [...flags, "--import", tsx, file, ...args]];
}

/** The mailbox names of one index, with STATUS figures. */
function mailboxes(count: number): { name: string; status: MailboxStatus }[] {
  const out = [{ name: "INBOX", status: { messages: 10, unseen: 2, recent: 0, uidNext: 11, uidValidity: 7 } }];
  for (let i = 0; i < count - 1; i++) {
    out.push({
      name: `Dir${i % PARENTS}/Box${i}`,
      status: { messages: i % 97, unseen: i % 5, recent: 0, uidNext: (i % 97) + 1, uidValidity: 7 },
    });
  }
  return out;
}

/** The writers' process: one loop per index, a partial sync setting two STATUS entries every `everyMs`. */
async function runWriters(indexPaths: string[], everyMs: number, seconds: number): Promise<void> {
  const stopAt = performance.now() + seconds * 1000;
  let commits = 0;
  let failures = 0;
  const times: number[] = [];
  await Promise.all(indexPaths.map(async (path, w) => {
    const index = await MailboxListIndex.open(path);
    const other = `Dir${w % PARENTS}/Box${w}`;
    let n = 0;
    // Spread the writers over the interval.
    await new Promise((ok) => setTimeout(ok, (everyMs * w) / indexPaths.length));
    while (performance.now() < stopAt) {
      const next = performance.now() + everyMs;
      n++;
      const t0 = performance.now();
      try {
        const ctx = await index.syncBegin({ partial: true });
        ctx.setStatus("INBOX", { messages: 10 + n, unseen: n % 7, recent: 0, uidNext: 11 + n, uidValidity: 7 });
        ctx.setStatus(other, { messages: n, unseen: n % 3, recent: 0, uidNext: n + 1, uidValidity: 7 });
        await ctx.commit();
        commits++;
        times.push(performance.now() - t0);
      } catch (e) {
        failures++;
        console.error(`writer ${w}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const wait = next - performance.now();
      if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
    }
    await index.close();
  }));
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ commits, failures, p50: pct(times, 0.5), p99: pct(times, 0.99) }));
}

/** Lower the calling thread's scheduling priority to `nice` (Linux: per thread), when above 0. */
function lowerPriority(nice: number): void {
  if (!(nice > 0)) return;
  try {
    setPriority(0, Math.min(19, nice));
  } catch (e) {
    console.error(`# --client-nice: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The q-quantile of sorted numbers. */
function pct(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** One raw IMAP connection running commands one at a time. */
class Conn {
  readonly #socket: Socket;
  #tail = "";
  #tag = "";
  #resolve: ((status: string) => void) | undefined;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding("latin1");
    socket.setNoDelay(true);
    socket.on("data", (d: string) => this.#onData(d));
    const end = () => {
      this.#closed = true;
      this.#resolve?.("CLOSED");
      this.#resolve = undefined;
    };
    socket.on("close", end);
    socket.on("error", end);
  }

  static async open(port: number): Promise<Conn> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((ok, fail) => {
      socket.once("connect", ok);
      socket.once("error", fail);
    });
    const c = new Conn(socket);
    await c.#wait("*"); // the greeting
    return c;
  }

  #onData(d: string): void {
    if (this.#resolve === undefined) return;
    // Only the end matters: keep the last line or so, and look for the tagged line.
    const text = this.#tail + d;
    const marker = this.#tag === "*" ? "* " : `\r\n${this.#tag} `;
    const at = this.#tag === "*" ? (text.startsWith("* ") ? 0 : -1) : ("\r\n" + text).lastIndexOf(marker);
    if (at >= 0 && text.endsWith("\r\n")) {
      const line = this.#tag === "*" ? text : ("\r\n" + text).slice(at + 2);
      const status = line.split(" ")[1] ?? "";
      const r = this.#resolve;
      this.#resolve = undefined;
      this.#tail = "";
      r(status);
      return;
    }
    this.#tail = text.length > 512 ? text.slice(-512) : text;
  }

  #wait(tag: string): Promise<string> {
    if (this.#closed) return Promise.resolve("CLOSED");
    this.#tag = tag;
    this.#tail = "";
    return new Promise((ok) => (this.#resolve = ok));
  }

  /** Send a command; resolves with the tagged status word (OK, NO, BAD) or CLOSED. */
  command(tag: string, text: string): Promise<string> {
    const p = this.#wait(tag);
    if (!this.#closed) this.#socket.write(`${tag} ${text}\r\n`);
    return p;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** Peak and current RSS of a process in KiB (Linux). */
function memory(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
    return { hwm: kib("VmHWM"), rss: kib("VmRSS") };
  } catch {
    return undefined;
  }
}

/** Lines of a child's stdout as they come. */
function linesOf(child: ChildProcess, onLine: (line: string) => void): void {
  createInterface({ input: child.stdout! }).on("line", onLine);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      runtime: { type: "string", default: "node" },
      seconds: { type: "string", default: "60" },
      connections: { type: "string", default: "200" },
      users: { type: "string", default: "20" },
      folders: { type: "string", default: "10000" },
      "big-folders": { type: "string", default: "100000" },
      "writer-ms": { type: "string", default: "1000" },
      json: { type: "string" },
      writers: { type: "boolean" },
      "keep-dir": { type: "boolean" },
      "server-flag": { type: "string", multiple: true },
      "server-arg": { type: "string", multiple: true },
      "server-env": { type: "string", multiple: true },
      "server-log": { type: "string" },
      "client-nice": { type: "string", default: "0" },
    },
    allowPositionals: true,
    strict: true,
  });
  const seconds = Number(values.seconds);
  const writerMs = Number(values["writer-ms"]);
  if (values.writers) {
    const { positionals } = parseArgs({ args: process.argv.slice(2), options: { seconds: { type: "string" }, "writer-ms": { type: "string" }, writers: { type: "boolean" }, "client-nice": { type: "string" } }, allowPositionals: true });
    lowerPriority(Number(values["client-nice"]));
    await runWriters(positionals, writerMs, seconds);
    return;
  }
  const runtime = values.runtime as Runtime;
  if (!["node", "deno", "bun"].includes(runtime)) throw new Error(`--runtime node|deno|bun, not ${values.runtime}`);
  const nConn = Number(values.connections);
  const nUsers = Number(values.users);
  const folders = Number(values.folders);
  const bigFolders = Number(values["big-folders"]);

  const dir = mkdtempSync(join(tmpdir(), "mli-imap-load-"));
  const indexDir = join(dir, "indexes");
  mkdirSync(indexDir);
  const users = Array.from({ length: nUsers }, (_, i) => ({ name: `user${i}`, password: `secret ${i}` }));
  const t0 = performance.now();
  let usersText = "";
  const indexPaths: string[] = [];
  for (const [i, u] of users.entries()) {
    const root = join(dir, "mail", u.name);
    for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(root, sub), { recursive: true });
    usersText += `${u.name}\t${await hashPassword(u.password, SCRYPT)}\t${root}\n`;
    const path = join(indexDir, indexFileName(u.name));
    indexPaths.push(path);
    await rebuild(path, mailboxes(i === 0 ? bigFolders : folders), { durable: false });
  }
  writeFileSync(join(dir, "users"), usersText);
  const setupSeconds = (performance.now() - t0) / 1000;
  console.log(`# setup: ${nUsers} users, user0 ${bigFolders} mailboxes, the others ${folders} each, in ${setupSeconds.toFixed(1)} s (${dir})`);

  // The server.
  const perUser = Math.ceil(nConn / nUsers);
  const [cmd, args] = tsCommand(join(ROOT, "examples", "imap_server", "main.ts"), [
    "--listen",
    "127.0.0.1:0",
    "--users",
    join(dir, "users"),
    "--index-dir",
    indexDir,
    "--no-login-scan",
    "--max-connections-per-user",
    String(Math.max(20, perUser)),
    ...(values["server-arg"] ?? []),
  ], runtime, values["server-flag"] ?? []);
  const serverEnv: Record<string, string> = {};
  for (const kv of values["server-env"] ?? []) {
    const eq = kv.indexOf("=");
    serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const server = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", IMAP_SERVER_STALL_REPORT_MS: "1000", ...serverEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let serverErr = "";
  server.stderr!.setEncoding("utf8");
  server.stderr!.on("data", (d: string) => (serverErr = (serverErr + d).slice(-4000)));
  const serverLog = values["server-log"];
  if (serverLog !== undefined) {
    writeFileSync(serverLog, "");
    server.stderr!.on("data", (d: string) => appendFileSync(serverLog, d));
  }
  let maxStall = 0;
  let stallDuringLoad = 0;
  let loadRunning = false;
  const stallWindows: string[] = [];
  let over50: { count: number; run: number; wait: number; total: number } | undefined;
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`The server did not start: ${serverErr}`)), 60_000);
    server.once("exit", (code) => fail(new Error(`The server exited (${code}): ${serverErr}`)));
    linesOf(server, (line) => {
      const m = /^listening on .+:(\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
      if (serverLog !== undefined) appendFileSync(serverLog, line + "\n");
      const s = /^loop-stall window-max-ms=([\d.]+) max-ms=([\d.]+)(?: run-ms=(\S+) wait-ms=(\S+) over50=(\d+) over50-run-ms=(\S+) over50-wait-ms=(\S+) over50-ms=(\S+))?/.exec(line);
      if (s) {
        maxStall = Math.max(maxStall, Number(s[2]));
        if (loadRunning) stallDuringLoad = Math.max(stallDuringLoad, Number(s[1]));
        const w = Math.round(Number(s[1]));
        // With the schedstat split: the stall's own CPU time / run-queue wait.
        stallWindows.push(s[3] === undefined || s[3] === "NaN" ? String(w) : `${w}(${Math.round(Number(s[3]))}/${Math.round(Number(s[4]))})`);
        if (s[5] !== undefined) over50 = { count: Number(s[5]), run: Number(s[6]), wait: Number(s[7]), total: Number(s[8]) };
      }
    });
  });
  const pid = server.pid!;
  // From here on (the server runs), this thread, and the writers' process, may run at a lower priority.
  const clientNice = Number(values["client-nice"]);
  lowerPriority(clientNice);
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    const m = memory(pid);
    if (m) peakRss = Math.max(peakRss, m.hwm, m.rss);
  }, 250);

  // Log everyone in.
  const conns: { conn: Conn; user: number }[] = [];
  for (let c = 0; c < nConn; c++) {
    const user = c % nUsers;
    const conn = await Conn.open(port);
    const status = await conn.command("L", `LOGIN ${users[user].name} "${users[user].password}"`);
    if (status !== "OK") throw new Error(`LOGIN of ${users[user].name} answered ${status}: ${serverErr}`);
    conns.push({ conn, user });
  }
  console.log(`# ${nConn} connections logged in on ${runtime}; load for ${seconds} s, writers every ${writerMs} ms`);

  // The writers, in their own process.
  const [wcmd, wargs] = tsCommand(SELF, ["--writers", "--seconds", String(seconds), "--writer-ms", String(writerMs), "--client-nice", String(clientNice), ...indexPaths], THIS_RUNTIME);
  let writerReport = "none (--writer-ms 0)";
  let writersDone = Promise.resolve();
  if (writerMs > 0) {
    const writers = spawn(wcmd, wargs, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    linesOf(writers, (l) => (writerReport = l));
    writersDone = new Promise<void>((ok) => writers.on("exit", () => ok()));
  }

  const kinds = ["list*", "list* big", "status", "list%"] as const;
  const lat: Record<(typeof kinds)[number], number[]> = { "list*": [], "list* big": [], status: [], "list%": [] };
  const failed: Record<string, number> = {};
  let done = 0;
  loadRunning = true;
  const start = performance.now();
  const stopAt = start + seconds * 1000;
  await Promise.all(conns.map(async ({ conn, user }, c) => {
    let n = 0;
    const loop = [LIST_ALL, STATUS, LIST_TOP];
    while (performance.now() < stopAt && !conn.closed) {
      const text = loop[n % 3];
      const kind = n % 3 === 0 ? (user === 0 ? "list* big" : "list*") : n % 3 === 1 ? "status" : "list%";
      const t = performance.now();
      const status = await conn.command(`c${c}n${n}`, text);
      const ms = performance.now() - t;
      n++;
      if (status === "OK") {
        lat[kind].push(ms);
        done++;
      } else {
        failed[`${kind} ${status}`] = (failed[`${kind} ${status}`] ?? 0) + 1;
      }
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  loadRunning = false;
  await writersDone;
  for (const { conn } of conns) {
    void conn.command("Z", "LOGOUT");
  }
  await new Promise((ok) => setTimeout(ok, 1500)); // one more stall report
  const mem = memory(pid);
  if (mem) peakRss = Math.max(peakRss, mem.hwm);
  clearInterval(rssTimer);
  const exited = new Promise<void>((ok) => server.on("exit", () => ok()));
  server.kill("SIGTERM");
  await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5000))]);
  if (server.exitCode === null) server.kill("SIGKILL");
  for (const { conn } of conns) conn.close();
  if (!values["keep-dir"]) rmSync(dir, { recursive: true, force: true });

  // The report.
  const versions = runtimeVersion(runtime);
  const nFailed = Object.values(failed).reduce((a, b) => a + b, 0);
  console.log(`\n## ${versions}: ${nConn} connections, ${nUsers} users, ${elapsed.toFixed(1)} s, ${cpus().length} CPUs${clientNice > 0 ? `, load generator and writers at nice ${clientNice}` : ""}\n`);
  console.log("| command | mailboxes | count | p50 ms | p99 ms | max ms |");
  console.log("|---|--:|--:|--:|--:|--:|");
  const rows: Record<string, unknown> = {};
  for (const kind of kinds) {
    const xs = lat[kind].sort((a, b) => a - b);
    const label = kind === "status" ? STATUS : kind === "list%" ? LIST_TOP : LIST_ALL;
    const boxes = kind === "list* big" ? bigFolders : kind === "list*" ? folders : kind === "list%" ? PARENTS + 1 : 1;
    rows[kind] = { count: xs.length, p50: pct(xs, 0.5), p99: pct(xs, 0.99), max: xs[xs.length - 1] };
    console.log(`| \`${label}\` | ${boxes.toLocaleString("en-US")} | ${xs.length} | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.99).toFixed(1)} | ${(xs[xs.length - 1] ?? NaN).toFixed(1)} |`);
  }
  const cps = done / elapsed;
  const p99 = pct(lat["list*"], 0.99);
  console.log(`\ncommands/s: ${cps.toFixed(0)} (OK answers)`);
  console.log(`failed commands: ${nFailed}${nFailed ? " " + JSON.stringify(failed) : ""}`);
  console.log(`writers: ${writerReport}`);
  console.log(`server event-loop stall: longest ${maxStall.toFixed(1)} ms (during the load ${stallDuringLoad.toFixed(1)} ms); per second, longest (main thread CPU / run-queue wait ms): ${stallWindows.join(" ")}`);
  if (over50) {
    const blocked = over50.total - over50.run - over50.wait;
    console.log(`stalls over 50 ms: ${over50.count}, ${over50.total.toFixed(0)} ms in all: main thread on a core ${over50.run.toFixed(0)} ms, waiting for a core ${over50.wait.toFixed(0)} ms, blocked ${blocked.toFixed(0)} ms`);
  }
  console.log(`server peak RSS: ${(peakRss / 1024).toFixed(0)} MiB`);
  console.log("\n| target | measured | met |");
  console.log("|---|--:|:-:|");
  console.log(`| p99 of a ${folders.toLocaleString("en-US")}-folder LIST "*" with STATUS < 100 ms | ${p99.toFixed(1)} ms | ${p99 < 100 ? "✓" : "✗"} |`);
  console.log(`| no event-loop stall over 50 ms | ${maxStall.toFixed(1)} ms | ${maxStall <= 50 ? "✓" : "✗"} |`);
  console.log(`| no failed command | ${nFailed} | ${nFailed === 0 ? "✓" : "✗"} |`);
  if (values.json) {
    writeFileSync(values.json, JSON.stringify({ runtime: versions, connections: nConn, users: nUsers, seconds: elapsed, rows, cps, failed, maxStall, stallDuringLoad, stallWindows, over50, peakRssKiB: peakRss, writers: writerReport }, null, 2));
  }
}

/** The runtime's name and version, as the server runs it. */
function runtimeVersion(runtime: Runtime): string {
  const [cmd] = tsCommand("x", [], runtime);
  try {
    const out = spawnSyncText(cmd, ["--version"]);
    const m = /(\d+\.\d+\.\d+)/.exec(out);
    return `${runtime[0].toUpperCase()}${runtime.slice(1)} ${m?.[1] ?? "?"}`;
  } catch {
    return runtime;
  }
}

function spawnSyncText(cmd: string, args: string[]): string {
  return String(spawnSync(cmd, args, { encoding: "utf8" }).stdout ?? "");
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
