// Which runtime runs the tests, and how to start a TypeScript file or the
// npx-installed Deno and Bun binaries as child processes.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The runtime running this test file. */
export const RUNTIME: "deno" | "bun" | "node" = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** The project root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The Deno and Bun binaries installed by npm. */
export const BIN = {
  deno: join(ROOT, "node_modules", ".bin", "deno"),
  bun: join(ROOT, "node_modules", ".bin", "bun"),
};

/** tsx's loader, by absolute URL, so that Node finds it from any working directory. */
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

/**
 * Command and arguments that run a TypeScript file on `runtime` (default:
 * this one), from any working directory: Deno gets the project's deno.json.
 */
export function tsCommand(file: string, args: string[], runtime = RUNTIME): [string, string[]] {
  const exe = runtime === RUNTIME ? process.execPath : runtime === "node" ? "node" : BIN[runtime];
  if (runtime === "deno") return [exe, ["run", "-A", "--config", join(ROOT, "deno.json"), file, ...args]];
  if (runtime === "bun") return [exe, [file, ...args]];
  return [exe, ["--import", TSX, file, ...args]];
}

/** What a child process did. */
export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command to its end, feeding `input` on stdin; never rejects on a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  options: { input?: string; cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => (stdout += d));
    child.stderr!.on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal ? 128 : 0), stdout, stderr });
    });
    child.stdin!.end(options.input ?? "");
  });
}
