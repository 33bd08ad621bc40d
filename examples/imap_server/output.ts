/**
 * Writing responses with backpressure: every write waits for the socket to
 * drain when its buffer is full, and a large answer (a LIST of 100,000
 * mailboxes is megabytes) goes out in chunks of about 64 KiB cut at line
 * ends, with a turn of the event loop between chunks, so that other
 * connections are served while it is written.
 *
 * @module
 */

/** What the writer writes to: a socket, plain or TLS. */
export interface ByteSink {
  write(data: string | Uint8Array): boolean;
  once(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
  readonly destroyed: boolean;
}

/** Bytes per chunk of a large answer (at least; a chunk ends at a line end). */
const CHUNK = 64 * 1024;

/** A turn of the event loop. */
function nextTurn(): Promise<void> {
  return new Promise((ok) => setImmediate(ok));
}

/**
 * Writes response text to a socket, waiting for 'drain' when the socket
 * says its buffer is full. Writes are ordered: a caller awaits each one.
 *
 * @example Writing a large answer
 * ```ts ignore
 * const out = new ResponseWriter(socket);
 * await out.write("* OK ready\r\n");
 * await out.writeLarge(lines.join(""));
 * ```
 */
export class ResponseWriter {
  #sink: ByteSink;
  /** Characters (or, for bytes, bytes) written so far (for tests and logs). */
  written = 0;

  /**
   * @param sink The socket.
   */
  constructor(sink: ByteSink) {
    this.#sink = sink;
  }

  /**
   * Write to another socket from now on (the TLS socket after STARTTLS).
   *
   * @param sink The new socket.
   * @returns Nothing.
   */
  setSink(sink: ByteSink): void {
    this.#sink = sink;
  }

  /** Whether the socket is gone. */
  get closed(): boolean {
    return this.#sink.destroyed;
  }

  /**
   * Write text, or bytes already encoded in UTF-8 (a chunk of a LIST
   * answer from a list worker); resolves once the socket can take more.
   *
   * @param text Response lines, each ending in CRLF.
   * @returns Nothing; writing to a closed socket does nothing.
   */
  async write(text: string | Uint8Array): Promise<void> {
    const sink = this.#sink;
    if (sink.destroyed || text.length === 0) return;
    this.written += text.length;
    if (sink.write(text)) return;
    await new Promise<void>((ok) => {
      const done = () => {
        sink.off("drain", done);
        sink.off("close", done);
        ok();
      };
      sink.once("drain", done);
      sink.once("close", done);
    });
  }

  /**
   * Write a large text in chunks of about 64 KiB cut after a line end,
   * waiting for 'drain' whenever the socket's buffer is full and yielding
   * to the event loop between chunks.
   *
   * @param text Response lines, each ending in CRLF.
   * @returns Nothing.
   */
  async writeLarge(text: string): Promise<void> {
    let at = 0;
    while (at < text.length && !this.#sink.destroyed) {
      let end = at + CHUNK;
      if (end >= text.length) end = text.length;
      else {
        const nl = text.indexOf("\n", end);
        end = nl < 0 ? text.length : nl + 1;
      }
      await this.write(text.slice(at, end));
      at = end;
      if (at < text.length) await nextTurn();
    }
  }
}
