// The reference IMAP server (examples/imap_server/) for tests: users with
// their Maildir++ stores and a users file in a temporary directory, the
// server started as a child process on a given runtime (by default the one
// running the test) listening on a free port, a raw socket client that
// reads responses up to a tagged one, and the driver of the real clients
// (test/fixtures/imap_client_driver.ts, always on Node).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { hashPassword } from "../../examples/imap_server/users.ts";
import { indexFileName } from "../../examples/imap_server/accounts.ts";
import { ROOT, RUNTIME, tsCommand } from "./runtime.ts";
import { startChild } from "./child.ts";

/** The server's entry. */
export const SERVER_MAIN = join(ROOT, "examples", "imap_server", "main.ts");

/** scrypt parameters cheap enough for tests. */
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** One user of a test server. */
export interface TestUser {
  name: string;
  password: string;
  /** Fills the store root (which exists) before the server starts. */
  fill?: (root: string) => void;
}

/** A running test server. */
export interface TestServer {
  port: number;
  /** Store root of a user. */
  root(user: string): string;
  /** Index path of a user. */
  indexPath(user: string): string;
  /** Lines the server wrote (stdout, then stderr at exit). */
  lines: string[];
  /** Kill the server. */
  stop(): Promise<void>;
}

/**
 * Write the users file and stores under `dir`, then start the server.
 *
 * @param dir A temporary directory.
 * @param users The users.
 * @param args More server arguments.
 * @param runtime The runtime to run it on.
 * @param host The address to listen on.
 * @returns The running server.
 */
export async function startTestServer(
  dir: string,
  users: TestUser[],
  args: string[] = [],
  runtime = RUNTIME,
  host = "127.0.0.1",
): Promise<TestServer> {
  const indexDir = join(dir, "indexes");
  mkdirSync(indexDir, { recursive: true });
  let text = "";
  for (const u of users) {
    const root = join(dir, "mail", u.name);
    mkdirSync(root, { recursive: true });
    u.fill?.(root);
    text += `${u.name}\t${await hashPassword(u.password, TEST_SCRYPT)}\t${root}\n`;
  }
  const usersFile = join(dir, "users");
  writeFileSync(usersFile, text);
  const [cmd, cmdArgs] = tsCommand(
    SERVER_MAIN,
    ["--listen", `${host}:0`, "--users", usersFile, "--index-dir", indexDir, ...args],
    runtime,
  );
  const child = startChild(`imap server on ${runtime}`, cmd, cmdArgs, ROOT);
  let line: string;
  try {
    line = await child.waitFor("listening on ", 60_000);
  } catch (e) {
    child.kill();
    throw e;
  }
  const m = /^listening on (.+):(\d+)$/.exec(line);
  if (!m || m[1] !== host) {
    child.kill();
    throw new Error(`Unexpected first line ${JSON.stringify(line)}`);
  }
  return {
    port: Number(m[2]),
    root: (user) => join(dir, "mail", user),
    indexPath: (user) => join(indexDir, indexFileName(user)),
    lines: child.lines,
    stop: async () => {
      child.kill();
      await child.exited;
    },
  };
}

/** A raw IMAP connection: write bytes, read responses. */
export class RawClient {
  socket: Socket;
  #buf = "";
  #pos = 0;
  #closed = false;
  #waiters: (() => void)[] = [];
  #decoder = new TextDecoder();
  readonly #onData = (d: Uint8Array) => {
    this.#buf += this.#decoder.decode(d, { stream: true });
    this.#wake();
  };
  readonly #onEnd = () => {
    this.#closed = true;
    this.#wake();
  };

  private constructor(socket: Socket) {
    this.socket = socket;
    this.#listen(socket);
  }

  #listen(socket: Socket): void {
    socket.on("data", this.#onData);
    socket.on("close", this.#onEnd);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onEnd);
  }

  /** Switch to TLS on the same connection (after a STARTTLS OK); whatever was not read is dropped. */
  async startTls(): Promise<TLSSocket> {
    const plain = this.socket;
    plain.off("data", this.#onData);
    plain.off("close", this.#onEnd);
    plain.off("end", this.#onEnd);
    plain.off("error", this.#onEnd);
    const tls = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: "localhost" });
    await new Promise<void>((ok, fail) => {
      tls.once("secureConnect", ok);
      tls.once("error", fail);
    });
    this.#buf = "";
    this.#pos = 0;
    this.#decoder = new TextDecoder();
    this.socket = tls;
    this.#listen(tls);
    return tls;
  }

  /** Connect and read the greeting. */
  static async open(port: number, host = "127.0.0.1"): Promise<{ client: RawClient; greeting: string }> {
    const socket = connect(port, host);
    await new Promise<void>((ok, fail) => {
      socket.once("connect", ok);
      socket.once("error", fail);
    });
    const client = new RawClient(socket);
    const greeting = await client.readLine();
    return { client, greeting };
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  async #wait(ms: number, what: string): Promise<void> {
    if (this.#closed) throw new Error(`Connection closed while waiting for ${what}; got ${JSON.stringify(this.pending.slice(-300))}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((ok) => this.#waiters.push(ok)),
      new Promise<void>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`No ${what} within ${ms} ms; got ${JSON.stringify(this.pending.slice(-300))}`)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Write raw text. */
  write(text: string | Uint8Array): void {
    this.socket.write(text);
  }

  /** The next line, without CRLF. */
  async readLine(ms = 20_000): Promise<string> {
    for (;;) {
      const nl = this.#buf.indexOf("\r\n", this.#pos);
      if (nl >= 0) {
        const line = this.#buf.slice(this.#pos, nl);
        this.#pos = nl + 2;
        if (this.#pos > 1 << 20) {
          this.#buf = this.#buf.slice(this.#pos);
          this.#pos = 0;
        }
        return line;
      }
      await this.#wait(ms, "line");
    }
  }

  /** Lines up to and including the first that starts with `tag `. */
  async until(tag: string, ms = 20_000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const line = await this.readLine(ms);
      out.push(line);
      if (line.startsWith(`${tag} `)) return out;
    }
  }

  /** Send a command (CRLF added) and read up to its tagged response. */
  async command(tag: string, text: string, ms?: number): Promise<string[]> {
    this.write(`${tag} ${text}\r\n`);
    return await this.until(tag, ms);
  }

  /** Wait until the server closes the connection; the text it sent meanwhile. */
  async waitClosed(ms = 20_000): Promise<string> {
    while (!this.#closed) await this.#wait(ms, "the end of the connection");
    const rest = this.#buf.slice(this.#pos);
    this.#buf = "";
    this.#pos = 0;
    return rest;
  }

  /** Text received and not read yet. */
  get pending(): string {
    return this.#buf.slice(this.#pos);
  }

  /** Close the connection. */
  close(): void {
    this.socket.destroy();
  }
}

/** A driver of real clients running on Node (test/fixtures/imap_client_driver.ts). */
export class ClientDriver {
  readonly #child: ChildProcess;
  #next = 1;
  readonly #pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  #stderr = "";

  constructor() {
    const [cmd, args] = tsCommand(join(ROOT, "test", "fixtures", "imap_client_driver.ts"), [], "node");
    this.#child = spawn(cmd, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stderr!.setEncoding("utf8");
    this.#child.stderr!.on("data", (d: string) => (this.#stderr += d));
    createInterface({ input: this.#child.stdout! }).on("line", (line) => {
      let msg: { id: number; ok?: unknown; error?: string; code?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error !== undefined) p.fail(Object.assign(new Error(msg.error), { code: msg.code }));
      else p.ok(msg.ok);
    });
    this.#child.on("close", () => {
      for (const p of this.#pending.values()) p.fail(new Error(`The client driver exited: ${this.#stderr}`));
      this.#pending.clear();
    });
  }

  /** Send a request; resolves with its answer, rejects with its error (with `code`). */
  request<T = unknown>(op: string, fields: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((ok, fail) => {
      this.#pending.set(id, { ok: ok as (v: unknown) => void, fail });
      this.#child.stdin!.write(JSON.stringify({ id, op, ...fields }) + "\n");
    });
  }

  /** Stop the driver (its connections are dropped). */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise<void>((ok) => this.#child.once("close", () => ok()));
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
