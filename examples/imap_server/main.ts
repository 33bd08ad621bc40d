/**
 * The reference IMAP server's command line. It runs unchanged on Bun,
 * Deno and Node:
 *
 *     bun examples/imap_server/main.ts --users users --index-dir indexes
 *     deno run -A examples/imap_server/main.ts --users users --index-dir indexes
 *     node --import tsx examples/imap_server/main.ts --users users --index-dir indexes
 *
 * Options: `--listen HOST:PORT` (default 127.0.0.1:1143; port 0 picks a
 * free one), `--users FILE`, `--index-dir DIR`, `--tls-cert FILE` and
 * `--tls-key FILE` (STARTTLS), `--idle-timeout SECONDS` (1800),
 * `--max-connections-per-user N` (20), `--max-line BYTES` (65536),
 * `--max-literal BYTES` (65536), `--list-workers N` (2),
 * `--list-worker-threshold N` (2000), `--list-worker-nice N` (10: the list
 * workers' threads run below the event loop's priority; 0: at the same), `--poll-ms N` (1000: the change feed's safety-net poll; IDLE wakes on file events first),
 * `--no-login-scan` (trust the index as it is: another process keeps it in
 * line with the stores). The list workers are started before the server
 * listens. When it listens it prints exactly one line,
 * `listening on HOST:PORT`.
 *
 * With the environment variable `IMAP_SERVER_STALL_REPORT_MS=N` set, a
 * timer checks every 5 ms how late it fires (an event-loop stall) and every
 * N ms prints `loop-stall window-max-ms=W max-ms=M` (the longest stall in
 * the last window and since the start) on standard output, and once more
 * when it stops on SIGTERM or SIGINT; bench/imap_load.ts reads these lines.
 * On Linux the line goes on with how the window's longest stall splits
 * into the main thread's own CPU time and its wait for a core
 * (`run-ms=R wait-ms=Q`, from `/proc/self/task/PID/schedstat`) and with the
 * count and split of all stalls over 50 ms so far
 * (`over50=N over50-run-ms=R over50-wait-ms=Q over50-ms=T`).
 *
 * `main.ts hash-password` reads a password on standard input (one line)
 * and prints its hash for the users file.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { startServer } from "./server.ts";
import { hashPassword } from "./users.ts";
import { DEFAULT_POLL_MS } from "./changes.ts";

const USAGE = `Usage:
  main.ts --users FILE --index-dir DIR [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]
          [--idle-timeout SECONDS] [--max-connections-per-user N] [--max-line BYTES] [--max-literal BYTES]
          [--list-workers N] [--list-worker-threshold N] [--list-worker-nice N] [--poll-ms N] [--no-login-scan]
  main.ts hash-password < password`;

/** A whole number option, or the default. */
function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]{1,10}$/.test(value)) throw new Error(`Invalid --${name} ${JSON.stringify(value)}: expected a whole number`);
  return Number(value);
}

/** HOST:PORT (an IPv6 host in brackets). */
function listenAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):([0-9]{1,5})$/.exec(value);
  if (m === null || Number(m[3]) > 65535) throw new Error(`Invalid --listen ${JSON.stringify(value)}: expected HOST:PORT`);
  return { host: m[1] ?? m[2], port: Number(m[3]) };
}

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  return text;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "hash-password") {
    const password = (await readStdin()).replace(/\r?\n$/, "");
    if (password === "") throw new Error("No password on standard input");
    console.log(await hashPassword(password));
    return;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: "string", default: "127.0.0.1:1143" },
      users: { type: "string" },
      "index-dir": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "idle-timeout": { type: "string" },
      "max-connections-per-user": { type: "string" },
      "max-line": { type: "string" },
      "max-literal": { type: "string" },
      "list-workers": { type: "string" },
      "list-worker-threshold": { type: "string" },
      "list-worker-nice": { type: "string" },
      "poll-ms": { type: "string" },
      "no-login-scan": { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.users === undefined || values["index-dir"] === undefined) throw new Error(`--users and --index-dir are required\n${USAGE}`);
  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined)) {
    throw new Error("--tls-cert and --tls-key go together");
  }
  const { host, port } = listenAddress(values.listen!);
  const maxLine = count(values["max-line"], "max-line", 65536);
  const maxLiteral = count(values["max-literal"], "max-literal", 65536);
  const server = await startServer({
    host,
    port,
    usersFile: values.users,
    indexDir: values["index-dir"],
    tlsCert: values["tls-cert"],
    tlsKey: values["tls-key"],
    idleTimeoutMs: count(values["idle-timeout"], "idle-timeout", 1800) * 1000,
    maxConnectionsPerUser: count(values["max-connections-per-user"], "max-connections-per-user", 20),
    limits: { maxLine, maxLiteral, maxCommand: Math.max(1048576, maxLine + maxLiteral) },
    listWorkers: count(values["list-workers"], "list-workers", 2),
    listWorkerThreshold: count(values["list-worker-threshold"], "list-worker-threshold", 2000),
    listWorkerNice: Math.min(19, count(values["list-worker-nice"], "list-worker-nice", 10)),
    startListWorkers: true,
    pollMs: Math.max(10, count(values["poll-ms"], "poll-ms", DEFAULT_POLL_MS)),
    loginScan: values["no-login-scan"] !== true,
  });
  console.log(`listening on ${host.includes(":") ? `[${host}]` : host}:${server.port}`);
  const stalls = stallReporter(process.env.IMAP_SERVER_STALL_REPORT_MS);
  const stop = () => {
    stalls?.();
    void server.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/** The main thread's CPU time and run-queue wait so far, in ms (Linux `schedstat`), or undefined. */
function schedstat(path: string | undefined): [number, number] | undefined {
  if (path === undefined) return undefined;
  try {
    const [run, wait] = readFileSync(path, "latin1").split(" ");
    return [Number(run) / 1e6, Number(wait) / 1e6];
  } catch {
    return undefined;
  }
}

/**
 * With a report interval (milliseconds), sample how late a 5 ms timer fires
 * and print the longest stall per interval; returns the final report.
 *
 * On Linux each stall is split with the main thread's `schedstat`: `run-ms`
 * is the CPU time the thread spent during the window's longest stall (its
 * own work: JavaScript, garbage collection, system calls) and `wait-ms` the
 * time it was runnable but waiting for a core (other threads and processes
 * had the CPUs); the rest of the stall it was blocked (waiting on a lock, a
 * page fault, a helper thread). `over50=N` counts the stalls over 50 ms
 * since the start, `over50-ms` sums their length (with the 5 ms tick), and
 * `over50-run-ms` / `over50-wait-ms` their first two parts.
 */
function stallReporter(every: string | undefined): (() => void) | undefined {
  if (every === undefined || !/^[0-9]{1,7}$/.test(every) || Number(every) === 0) return undefined;
  const TICK = 5;
  const statPath = process.platform === "linux" ? `/proc/self/task/${process.pid}/schedstat` : undefined;
  let sched = schedstat(statPath);
  const path = sched === undefined ? undefined : statPath;
  let last = performance.now();
  let windowMax = 0;
  let windowRun = NaN;
  let windowWait = NaN;
  let max = 0;
  let over50 = 0;
  let over50Run = 0;
  let over50Wait = 0;
  let over50Ms = 0;
  const sampler = setInterval(() => {
    const now = performance.now();
    const stall = Math.max(0, now - last - TICK);
    last = now;
    const next = schedstat(path);
    const run = next && sched ? next[0] - sched[0] : NaN;
    const wait = next && sched ? next[1] - sched[1] : NaN;
    sched = next;
    if (stall > windowMax) {
      windowMax = stall;
      windowRun = run;
      windowWait = wait;
    }
    if (stall > max) max = stall;
    if (stall > 50) {
      over50++;
      over50Run += run;
      over50Wait += wait;
      over50Ms += stall + TICK;
    }
  }, TICK);
  const report = () => {
    const split = path === undefined ? "" : ` run-ms=${windowRun.toFixed(1)} wait-ms=${windowWait.toFixed(1)} over50=${over50} over50-run-ms=${over50Run.toFixed(0)} over50-wait-ms=${over50Wait.toFixed(0)} over50-ms=${over50Ms.toFixed(0)}`;
    console.log(`loop-stall window-max-ms=${windowMax.toFixed(1)} max-ms=${max.toFixed(1)}${split}`);
    windowMax = 0;
    windowRun = windowWait = NaN;
  };
  const reporter = setInterval(report, Number(every));
  return () => {
    clearInterval(sampler);
    clearInterval(reporter);
    report();
  };
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
