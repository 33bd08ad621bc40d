/**
 * One client connection: the IMAP state machine (RFC 9051 §3: not
 * authenticated → authenticated ⇄ selected → logout), reading one command
 * at a time (`wire.ts`), running it (`commands/`), and answering it with a
 * tagged OK, NO or BAD. Any command the server does not know, or that is
 * not allowed in the current state, is answered BAD; a command that fails
 * is answered NO; the connection goes on either way. A refused line or
 * literal is answered BAD, and when the client's bytes can no longer be
 * followed the connection is closed with BYE.
 *
 * The idle timer runs while the server waits for the client (between
 * commands, inside IDLE and AUTHENTICATE): when it fires, the client gets
 * `* BYE` and the connection is closed.
 *
 * @module
 */
import type { Socket } from "node:net";
import { type SecureContext, TLSSocket } from "node:tls";
import {
  type ImapSession,
  InvalidNameError,
  LockTimeoutError,
  type MailboxStatus,
} from "../../mod.ts";
import type { AccountLease, Accounts } from "./accounts.ts";
import { COMMANDS } from "./commands/table.ts";
import { refusalOf } from "./list_answer.ts";
import type { ListRunner } from "./list_runner.ts";
import { ResponseWriter } from "./output.ts";
import { StoreError } from "./store.ts";
import { CommandReader, type Incoming, type WireLimits } from "./wire.ts";

/** The states of a connection (RFC 9051 §3). */
export type SessionState = "not-authenticated" | "authenticated" | "selected" | "logout";

/** What every connection of a server shares. */
export interface ServerConfig {
  /** The users and their stores. */
  accounts: Accounts;
  /** Where LIST and LSUB are computed. */
  lists: ListRunner;
  /** The certificate for STARTTLS, when configured. */
  tls?: SecureContext;
  /** Size caps of what clients send. */
  limits: WireLimits;
  /** Milliseconds a client may stay silent. */
  idleTimeoutMs: number;
  /** The change feed's safety-net poll while a client idles, in ms. */
  pollMs: number;
  /** Where the server's own messages go. */
  log: (message: string) => void;
}

/** The mailbox of the selected state, and what the client has been told of it. */
export interface SelectedMailbox {
  /** Its name (Unicode). */
  name: string;
  /** The STATUS figures the client has seen (EXISTS is `messages`). */
  status: MailboxStatus | undefined;
}

/** A command as read: its tag, its name in upper case, and the text after the name and one space. */
export interface Command {
  tag: string;
  name: string;
  /** The arguments, literals inline; "" when there are none. */
  args: string;
}

/** How a command runs, and in which states it is allowed. */
export interface CommandHandler {
  /** The states it is allowed in. */
  states: readonly SessionState[];
  /**
   * Run it: write its untagged responses and its tagged answer.
   *
   * @param session The connection.
   * @param command The command.
   * @returns Nothing, once answered.
   */
  run(session: Session, command: Command): Promise<void>;
}

/** Capabilities every session has. */
const BASE_CAPABILITIES = [
  "IMAP4rev1",
  "IMAP4rev2",
  "LITERAL+",
  "ENABLE",
  "UTF8=ACCEPT",
  "ID",
  "NAMESPACE",
  "CHILDREN",
  "LIST-EXTENDED",
  "LIST-STATUS",
  "SPECIAL-USE",
  "IDLE",
  "UNSELECT",
];

/** Whether an address is the loopback interface's. */
function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.startsWith("::ffff:") ? address.slice(7) : address;
  return a === "::1" || /^127\./.test(a);
}

/** Response text without the characters that would end or break a line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\0]/g, " ");
}

/** A tag: 1*ASTRING-CHAR except "+" (RFC 9051 §9). */
const TAG = /^[\x21-\x7e]+$/;
const NOT_IN_TAG = /[(){%*"\\+]/;

/**
 * Split a command's text into tag, name and arguments.
 *
 * @param text The command as read.
 * @returns The command, or the tag to answer BAD with (`*` when there is none).
 *
 * @example
 * ```ts
 * import { splitCommand } from "./session.ts";
 * console.log(splitCommand('a1 list "" *'), splitCommand("a2"), splitCommand("(x NOOP"));
 * // { tag: "a1", name: "LIST", args: '"" *' } { tag: "a2" } { tag: "*" }
 * ```
 */
export function splitCommand(text: string): Command | { tag: string } {
  const sp = text.indexOf(" ");
  const first = sp < 0 ? text : text.slice(0, sp);
  if (first.length > 64 || !TAG.test(first) || NOT_IN_TAG.test(first)) return { tag: "*" };
  if (sp < 0) return { tag: first };
  const rest = text.slice(sp + 1);
  const m = /^([A-Za-z][A-Za-z0-9-]*)(?: |$)/.exec(rest);
  if (m === null) return { tag: first };
  const args = rest.length > m[1].length ? rest.slice(m[1].length + 1) : "";
  return { tag: first, name: m[1].toUpperCase(), args };
}

/**
 * One connection (see the module documentation).
 *
 * @example Serve a socket
 * ```ts ignore
 * net.createServer((socket) => new Session(socket, config).serve());
 * ```
 */
export class Session {
  /** The connection's state. */
  state: SessionState = "not-authenticated";
  /** What the LIST layer needs of the session: UTF8=ACCEPT, IMAP4rev2. */
  readonly imap: ImapSession = {};
  /** The logged-in user's hold on their store. */
  lease: AccountLease | undefined;
  /** The selected mailbox. */
  selected: SelectedMailbox | undefined;
  /** The server's shared parts. */
  readonly config: ServerConfig;
  /** Where responses go. */
  readonly out: ResponseWriter;
  /** Where commands come from. */
  readonly reader: CommandReader;
  #socket: Socket;
  #secure = false;
  readonly #loopback: boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param socket The client's socket.
   * @param config What the server's connections share.
   */
  constructor(socket: Socket, config: ServerConfig) {
    this.#socket = socket;
    this.config = config;
    this.#loopback = isLoopback(socket.remoteAddress);
    this.out = new ResponseWriter(socket);
    this.reader = new CommandReader(config.limits, () => void this.out.write("+ Ready for literal data\r\n"));
    this.reader.attach(socket);
    socket.on("error", () => {});
  }

  /** Whether the connection is protected by TLS. */
  get secure(): boolean {
    return this.#secure;
  }

  /** Whether LOGIN and AUTHENTICATE are allowed: over TLS, or from the loopback interface. */
  get loginAllowed(): boolean {
    return this.#secure || this.#loopback;
  }

  /**
   * The capabilities to announce in the current state.
   *
   * @returns The capability atoms.
   */
  capabilities(): string[] {
    const caps = [...BASE_CAPABILITIES];
    if (this.state === "not-authenticated") {
      if (this.config.tls !== undefined && !this.#secure) caps.push("STARTTLS");
      if (this.loginAllowed) caps.push("AUTH=PLAIN", "SASL-IR");
      else caps.push("LOGINDISABLED");
    }
    return caps;
  }

  /**
   * Write an untagged response.
   *
   * @param text The response after `* `.
   * @returns Nothing.
   */
  untagged(text: string): Promise<void> {
    return this.out.write(`* ${text}\r\n`);
  }

  /**
   * Write a tagged response.
   *
   * @param tag The command's tag.
   * @param status OK, NO or BAD.
   * @param text Human-readable text.
   * @param code A response code, without brackets.
   * @returns Nothing.
   */
  tagged(tag: string, status: "OK" | "NO" | "BAD", text: string, code?: string): Promise<void> {
    return this.out.write(`${tag} ${status} ${code === undefined ? "" : `[${code}] `}${oneLine(text)}\r\n`);
  }

  /** Arm the idle timer (the server is waiting for the client). */
  #arm(): void {
    this.#disarm();
    this.#timer = setTimeout(() => {
      void this.untagged("BYE Autologout; idle for too long").then(() => this.close());
    }, this.config.idleTimeoutMs);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * The next line from the client (AUTHENTICATE's response, IDLE's DONE),
   * with the idle timer running while waiting.
   *
   * @returns The line, a refusal, or the end of the connection.
   */
  async readLine(): Promise<Incoming> {
    this.#arm();
    try {
      return await this.reader.nextLine();
    } finally {
      this.#disarm();
    }
  }

  /**
   * Serve the connection: the greeting, then one command after the other
   * until LOGOUT, the end of the connection, or a fatal refusal.
   *
   * @returns Nothing, once the connection is closed.
   */
  async serve(): Promise<void> {
    try {
      await this.untagged(`OK [CAPABILITY ${this.capabilities().join(" ")}] mailbox-list-index IMAP server ready`);
      while (this.state !== "logout" && !this.out.closed) {
        this.#arm();
        const next = await this.reader.nextCommand();
        this.#disarm();
        if (next.kind === "closed") break;
        if (next.kind === "refused") {
          await this.tagged(next.tag, "BAD", next.reason);
          if (next.close) {
            await this.untagged("BYE The client's input can no longer be followed");
            break;
          }
          continue;
        }
        if (next.kind !== "command") continue;
        await this.#run(next.text);
      }
    } catch (e) {
      this.config.log(`Connection failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    } finally {
      await this.close();
    }
  }

  /** Run one command and answer it. */
  async #run(text: string): Promise<void> {
    const cmd = splitCommand(text);
    if (!("name" in cmd)) {
      await this.tagged(cmd.tag, "BAD", cmd.tag === "*" ? "Missing or invalid tag" : "Missing or invalid command name");
      return;
    }
    const handler = COMMANDS.get(cmd.name);
    if (handler === undefined) {
      await this.tagged(cmd.tag, "BAD", `Unknown command ${JSON.stringify(cmd.name.slice(0, 40))}`);
      return;
    }
    if (!handler.states.includes(this.state)) {
      await this.tagged(cmd.tag, "BAD", `${cmd.name} is not allowed in the ${this.state} state`);
      return;
    }
    try {
      await handler.run(this, cmd);
    } catch (e) {
      await this.#fail(cmd, e);
    }
  }

  /** Answer a command that threw: BAD or NO for what the client did, NO [SERVERBUG] for the rest. */
  #fail(cmd: Command, e: unknown): Promise<void> {
    const refusal = refusalOf(e);
    if (refusal !== undefined) return this.tagged(cmd.tag, refusal.status, refusal.message, refusal.code);
    if (e instanceof StoreError) return this.tagged(cmd.tag, "NO", e.message, e.code);
    if (e instanceof InvalidNameError) return this.tagged(cmd.tag, "NO", e.message, "CANNOT");
    if (e instanceof LockTimeoutError) return this.tagged(cmd.tag, "NO", "The mailbox list is busy; try again", "INUSE");
    this.config.log(`${cmd.name} of user ${JSON.stringify(this.lease?.user ?? "")} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return this.tagged(cmd.tag, "NO", `${cmd.name} failed on the server`, "SERVERBUG");
  }

  /**
   * Log a user in: take a hold on the user's store (the first connection
   * opens and reconciles it); the session is then authenticated.
   *
   * @param user The user.
   * @param root The user's Maildir++ root.
   * @returns Nothing.
   * @throws ConnectionLimitError when the user has too many connections.
   */
  async logIn(user: string, root: string): Promise<void> {
    this.lease = await this.config.accounts.acquire(user, root);
    this.state = "authenticated";
  }

  /**
   * Switch the connection to TLS, after the tagged OK of STARTTLS: whatever
   * the client sent in the clear after the command is dropped, and from now
   * on bytes come and go through the TLS socket.
   *
   * @returns Nothing.
   */
  startTls(): void {
    const tls = new TLSSocket(this.#socket, { isServer: true, secureContext: this.config.tls! });
    tls.on("error", () => void this.close());
    this.reader.detach();
    this.reader.discardBuffered();
    this.reader.attach(tls);
    this.out.setSink(tls);
    this.#socket = tls;
    this.#secure = true;
  }

  /**
   * Close the connection (once) and release the user's store.
   *
   * @returns Nothing.
   */
  async close(): Promise<void> {
    this.#disarm();
    this.state = "logout";
    this.selected = undefined;
    this.reader.stop();
    if (!this.#socket.destroyed) this.#socket.end();
    const socket = this.#socket;
    setTimeout(() => socket.destroy(), 1000).unref?.();
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
  }
}
