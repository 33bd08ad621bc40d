// A child process whose stdout lines are collected as they come, with a
// wait for the first line that starts with a given prefix: the starter of
// the concurrency tests, the writer-lock tests and bench/chaos.ts.
import { spawn } from "node:child_process";

/** A started child process. */
export interface Child {
  /** Name used in messages. */
  who: string;
  /** Its stdout lines so far; once it exits, its stderr as one last "stderr …" line. */
  lines: string[];
  /** Its exit status (128 for a signal, 127 when it could not start). */
  exited: Promise<number>;
  /** The first line starting with `prefix`; rejects after `ms` or when the child exits first. */
  waitFor: (prefix: string, ms: number) => Promise<string>;
  /** Kill it with SIGKILL. */
  kill: () => void;
}

/**
 * Start `cmd args` in `cwd`, collecting its output.
 *
 * @param who Name used in messages.
 * @param cmd Executable.
 * @param args Arguments.
 * @param cwd Working directory.
 * @param onLine Called with each stdout line as it arrives.
 * @returns The child.
 */
export function startChild(
  who: string,
  cmd: string,
  args: string[],
  cwd: string,
  onLine?: (who: string, line: string) => void,
): Child {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], cwd });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  let buf = "", err = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      onLine?.(who, line);
      for (const w of waiters.splice(0)) {
        if (line.startsWith(w.prefix)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => (err += d));
  const exited = new Promise<number>((resolve) => {
    child.on("close", (code, signal) => {
      if (err.trim() !== "") lines.push(`stderr ${err.trim().replace(/\n/g, " | ")}`);
      resolve(code ?? (signal ? 128 : 0));
    });
    child.on("error", (e) => {
      lines.push(`fail cannot start: ${e.message}`);
      resolve(127);
    });
  });
  const waitFor = (prefix: string, ms: number) =>
    new Promise<string>((resolve, reject) => {
      const hit = lines.find((l) => l.startsWith(prefix));
      if (hit) return resolve(hit);
      const timer = setTimeout(() => reject(new Error(`${who}: no "${prefix}" within ${ms} ms: ${lines.join(" | ")}`)), ms);
      waiters.push({
        prefix,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${who} exited (${code}) before "${prefix}": ${lines.join(" | ")}`));
      });
    });
  return { who, lines, exited, waitFor, kill: () => child.kill("SIGKILL") };
}
