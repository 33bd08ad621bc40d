/**
 * Reading IMAP commands off a connection (RFC 3501 §2.2, RFC 9051 §2.2):
 * lines end in CRLF (a bare LF is taken too); a line that ends in `{N}` is
 * followed by a synchronizing literal of N bytes, which the client sends
 * only after the server's continuation request (`+`); a line that ends in
 * `{N+}` (LITERAL+, RFC 7888) is followed by its N bytes at once, with no
 * continuation request. A command is its lines and literals, handed over
 * whole, literals inline (`{N}` CRLF and the bytes), as the library's
 * argument parsers take them.
 *
 * Commands are read one at a time, when the session asks for the next one,
 * so pipelined commands are answered in order and a continuation request
 * never comes out between the responses of an earlier command.
 *
 * Caps: a line longer than `maxLine` bytes is read to its end and thrown
 * away, then refused; a literal over `maxLiteral` bytes, or a command over
 * `maxCommand` bytes in all, is refused before it is read. The session
 * answers a refusal with a tagged BAD. A synchronizing literal that is
 * refused was never sent (the client waits for the `+` it never gets), so
 * the connection goes on; a refused non-synchronizing literal is already on
 * its way, so the connection is closed (RFC 7888 §4).
 *
 * Input is paused while more than one command's worth of bytes waits
 * unread, so a client that pipelines without reading cannot make the
 * server hold an unbounded backlog.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** Size caps of what a client may send. */
export interface WireLimits {
  /** Bytes of one line, without its CRLF. */
  maxLine: number;
  /** Bytes of one literal. */
  maxLiteral: number;
  /** Bytes of one whole command: its lines, CRLFs and literals. */
  maxCommand: number;
}

/** The default caps: 64 KiB lines and literals, 1 MiB commands. */
export const DEFAULT_WIRE_LIMITS: WireLimits = { maxLine: 65536, maxLiteral: 65536, maxCommand: 1048576 };

/** What the next read gives. */
export type Incoming =
  /** A whole command: its text (UTF-8), literals inline, without the final CRLF. */
  | { kind: "command"; text: string }
  /** One line (for AUTHENTICATE's continuation and IDLE's DONE), without its CRLF. */
  | { kind: "line"; text: string }
  /**
   * Something refused: `tag` is the command's tag (`*` when it had none
   * that can be read), `reason` a sentence, `close` whether the connection
   * cannot go on.
   */
  | { kind: "refused"; tag: string; reason: string; close: boolean }
  /** The client closed the connection (or it failed). */
  | { kind: "closed" };

/** What the reader reads from: a socket, plain or TLS. */
export interface ByteSource {
  // deno-lint-ignore no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  // deno-lint-ignore no-explicit-any
  off(event: string, listener: (...args: any[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

const LF = 0x0a;
const CR = 0x0d;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A line as read: its bytes, or the start and end of a line too long to keep. */
type RawLine = { bytes: Uint8Array } | { head: Uint8Array; tail: Uint8Array } | undefined;

/**
 * The tag of a command from its first bytes: up to the first space, when it
 * is a valid tag (1*ASTRING-CHAR except `+`); `*` otherwise.
 *
 * @param head The first bytes of the command line.
 * @returns The tag, or `*`.
 *
 * @example
 * ```ts
 * import { tagOf } from "./wire.ts";
 * console.log(tagOf(new TextEncoder().encode("a1 NOOP")), tagOf(new TextEncoder().encode("(x NOOP"))); // a1 *
 * ```
 */
export function tagOf(head: Uint8Array): string {
  let n = 0;
  while (n < head.length && head[n] !== 0x20) n++;
  if (n === 0 || n === head.length && head.length >= 64) return "*";
  for (let i = 0; i < n; i++) {
    const c = head[i];
    if (c <= 0x20 || c >= 0x7f || c === 0x28 || c === 0x29 || c === 0x7b || c === 0x25 || c === 0x2a || c === 0x22 ||
      c === 0x5c || c === 0x2b) return "*";
  }
  return String.fromCharCode(...head.subarray(0, n));
}

/**
 * The literal a line announces at its end: `{N}` (synchronizing) or `{N+}`.
 *
 * @param line The line's bytes (or its last bytes).
 * @returns The size (Infinity past 4294967295) and kind, or undefined.
 */
function literalAtEnd(line: Uint8Array): { size: number; sync: boolean } | undefined {
  let i = line.length - 1;
  if (i < 2 || line[i] !== 0x7d) return undefined;
  i--;
  const sync = line[i] !== 0x2b;
  if (!sync) i--;
  const last = i;
  while (i >= 0 && line[i] >= 0x30 && line[i] <= 0x39) i--;
  if (i === last || i < 0 || line[i] !== 0x7b) return undefined;
  const digits = last - i;
  let size = 0;
  for (let k = i + 1; k <= last; k++) size = size * 10 + (line[k] - 0x30);
  return { size: digits > 10 || size > 4294967295 ? Infinity : size, sync };
}

/**
 * Reads commands and lines from a connection (see the module
 * documentation). The session calls {@linkcode CommandReader.nextCommand}
 * or {@linkcode CommandReader.nextLine} and waits for its answer.
 *
 * @example Reading a command with a literal from a stream
 * ```ts ignore
 * const reader = new CommandReader(DEFAULT_WIRE_LIMITS, () => socket.write("+ Ready for literal data\r\n"));
 * reader.attach(socket);
 * const next = await reader.nextCommand(); // { kind: "command", text: 'a LOGIN {5}\r\nalice "pw"' }
 * ```
 */
export class CommandReader {
  readonly #limits: WireLimits;
  readonly #continueLiteral: () => void;
  #data: Uint8Array = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  #closed = false;
  #paused = false;
  #wake: (() => void) | undefined;
  #source: ByteSource | undefined;
  readonly #onData = (chunk: Uint8Array) => this.#push(chunk);
  readonly #onClose = () => this.#close();

  /**
   * @param limits The size caps.
   * @param continueLiteral Called when a synchronizing literal is accepted:
   *   the session sends the continuation request.
   */
  constructor(limits: WireLimits, continueLiteral: () => void) {
    this.#limits = limits;
    this.#continueLiteral = continueLiteral;
  }

  /**
   * Read from a source (a socket; after STARTTLS, the TLS socket on it).
   *
   * @param source The source.
   * @returns Nothing.
   */
  attach(source: ByteSource): void {
    this.detach();
    this.#source = source;
    source.on("data", this.#onData);
    source.on("end", this.#onClose);
    source.on("close", this.#onClose);
    source.on("error", this.#onClose);
    if (this.#paused) source.pause();
  }

  /**
   * Stop reading from the current source.
   *
   * @returns Nothing.
   */
  detach(): void {
    const s = this.#source;
    if (s === undefined) return;
    s.off("data", this.#onData);
    s.off("end", this.#onClose);
    s.off("close", this.#onClose);
    s.off("error", this.#onClose);
    this.#source = undefined;
  }

  /**
   * Drop every byte received and not yet read (after STARTTLS, whatever
   * came in the clear after the command is thrown away, RFC 9051 §11.1).
   *
   * @returns How many bytes were dropped.
   */
  discardBuffered(): number {
    const n = this.#end - this.#start;
    this.#start = this.#end = 0;
    return n;
  }

  /**
   * Stop reading: detach from the source and end every wait, as if the
   * client had closed the connection.
   *
   * @returns Nothing.
   */
  stop(): void {
    this.detach();
    this.#close();
  }

  /** Whether the connection has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  #push(chunk: Uint8Array): void {
    if (this.#closed) return;
    const n = chunk.length;
    if (this.#end + n > this.#data.length) {
      const live = this.#end - this.#start;
      if (live + n <= this.#data.length && this.#start > 0) {
        this.#data.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(this.#data.length * 2, live + n));
        grown.set(this.#data.subarray(this.#start, this.#end));
        this.#data = grown;
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#data.set(chunk, this.#end);
    this.#end += n;
    // More than a whole command waits unread: stop reading until the session catches up.
    if (!this.#paused && this.#end - this.#start > this.#limits.maxCommand + this.#limits.maxLine) {
      this.#paused = true;
      this.#source?.pause();
    }
    this.#wakeUp();
  }

  #close(): void {
    this.#closed = true;
    this.#wakeUp();
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Wait for more bytes; false when the connection ended. */
  async #more(): Promise<boolean> {
    if (this.#closed) return false;
    if (this.#paused) {
      this.#paused = false;
      this.#source?.resume();
    }
    const before = this.#end - this.#start;
    while (!this.#closed && this.#end - this.#start === before) {
      await new Promise<void>((ok) => (this.#wake = ok));
    }
    return this.#end - this.#start > before || !this.#closed;
  }

  /** Take `n` bytes (as a copy) and shrink the buffer when it is empty. */
  #take(n: number): Uint8Array {
    const out = this.#data.slice(this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#paused && this.#end - this.#start <= this.#limits.maxCommand) {
      this.#paused = false;
      this.#source?.resume();
    }
    return out;
  }

  /** One line, without its line end; an over-long one is read to its end and only its ends kept. */
  async #line(): Promise<RawLine> {
    const max = this.#limits.maxLine;
    let scanned = 0;
    for (;;) {
      const at = this.#data.subarray(this.#start + scanned, this.#end).indexOf(LF);
      if (at >= 0) {
        const len = scanned + at;
        const raw = this.#take(len + 1);
        const end = len > 0 && raw[len - 1] === CR ? len - 1 : len;
        if (end > max) return { head: raw.slice(0, 64), tail: raw.slice(Math.max(0, end - 16), end) };
        return { bytes: raw.subarray(0, end) };
      }
      scanned = this.#end - this.#start;
      if (scanned > max + 1) return await this.#skipLine();
      if (!await this.#more()) return undefined;
    }
  }

  /** Throw away the rest of a line too long to keep, keeping its first and last bytes. */
  async #skipLine(): Promise<RawLine> {
    const head = this.#data.slice(this.#start, this.#start + 64);
    let tail = new Uint8Array(0);
    for (;;) {
      const at = this.#data.subarray(this.#start, this.#end).indexOf(LF);
      const upto = at >= 0 ? at : this.#end - this.#start;
      const chunk = this.#take(at >= 0 ? at + 1 : upto);
      const body = at >= 0 ? chunk.subarray(0, chunk.length - 1) : chunk;
      const joined = new Uint8Array(tail.length + body.length);
      joined.set(tail);
      joined.set(body, tail.length);
      tail = joined.slice(Math.max(0, joined.length - 17));
      if (at >= 0) {
        if (tail.length > 0 && tail[tail.length - 1] === CR) tail = tail.slice(0, -1);
        return { head, tail };
      }
      if (!await this.#more()) return undefined;
    }
  }

  /** Exactly `n` bytes, or undefined when the connection ends first. */
  async #bytes(n: number): Promise<Uint8Array | undefined> {
    while (this.#end - this.#start < n) {
      if (!await this.#more()) return undefined;
    }
    return this.#take(n);
  }

  /**
   * The next command (empty lines are skipped).
   *
   * @returns The command, a refusal, or the end of the connection.
   */
  async nextCommand(): Promise<Incoming> {
    const { maxLiteral, maxCommand } = this.#limits;
    const parts: Uint8Array[] = [];
    let total = 0;
    let first: Uint8Array | undefined;
    for (;;) {
      const line = await this.#line();
      if (line === undefined) return { kind: "closed" };
      if (!("bytes" in line)) {
        const tag = tagOf(first ?? line.head);
        const lit = literalAtEnd(line.tail);
        return { kind: "refused", tag, reason: `Line too long: the limit is ${this.#limits.maxLine} bytes`, close: lit?.sync === false };
      }
      if (first === undefined) {
        if (line.bytes.length === 0) continue;
        first = line.bytes;
      }
      parts.push(line.bytes);
      total += line.bytes.length;
      const lit = literalAtEnd(line.bytes);
      if (lit === undefined) break;
      if (lit.size > maxLiteral || total + 2 + lit.size > maxCommand) {
        const reason = lit.size > maxLiteral
          ? `Literal too large: the limit is ${maxLiteral} bytes`
          : `Command too long: the limit is ${maxCommand} bytes`;
        return { kind: "refused", tag: tagOf(first), reason, close: !lit.sync };
      }
      if (lit.sync) this.#continueLiteral();
      const data = await this.#bytes(lit.size);
      if (data === undefined) return { kind: "closed" };
      parts.push(CRLF, data);
      total += 2 + lit.size;
    }
    const whole = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    try {
      return { kind: "command", text: utf8.decode(whole) };
    } catch {
      return { kind: "refused", tag: tagOf(first), reason: "The command is not valid UTF-8", close: false };
    }
  }

  /**
   * The next line, as it is (for AUTHENTICATE's continuation and IDLE's
   * DONE): no literal is read.
   *
   * @returns The line, a refusal (too long, not UTF-8), or the end of the connection.
   */
  async nextLine(): Promise<Incoming> {
    const line = await this.#line();
    if (line === undefined) return { kind: "closed" };
    if (!("bytes" in line)) {
      return { kind: "refused", tag: "*", reason: `Line too long: the limit is ${this.#limits.maxLine} bytes`, close: false };
    }
    try {
      return { kind: "line", text: utf8.decode(line.bytes) };
    } catch {
      return { kind: "refused", tag: "*", reason: "The line is not valid UTF-8", close: false };
    }
  }
}

const CRLF = new Uint8Array([CR, LF]);
