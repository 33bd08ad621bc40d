/**
 * What the tool writes on standard output: buffered lines, flushed in
 * large chunks, and durations as the reports print them.
 *
 * @module
 */

/**
 * Buffered writes to standard output, flushed in large chunks. A reader
 * that goes away (`… | head`) ends the output quietly.
 *
 * @example Two lines
 * ```ts
 * import { Output } from "./output.ts";
 * let text = "";
 * const out = new Output({ write: (s: string) => (text += s) });
 * out.line("a");
 * out.line("b");
 * out.flush();
 * console.log(text); // "a\nb\n"
 * ```
 */
export class Output {
  #parts: string[] = [];
  #closed = false;
  #size = 0;

  /** @param stream Where the lines go. */
  constructor(readonly stream: { write(text: string): unknown }) {}

  /** Add one line (its newline is added). */
  line(s: string): void {
    this.#parts.push(s, "\n");
    this.#size += s.length + 1;
    if (this.#size >= 1 << 16) this.flush();
  }

  /**
   * Add text as it is, with no newline added: a response line that ends in
   * its own CRLF, for example.
   *
   * @param s The text.
   * @returns Nothing.
   *
   * @example An IMAP response line
   * ```ts
   * import { Output } from "./output.ts";
   * let text = "";
   * const out = new Output({ write: (s: string) => (text += s) });
   * out.text('* LIST () "/" "INBOX"\r\n');
   * out.flush();
   * console.log(JSON.stringify(text)); // "* LIST () \"/\" \"INBOX\"\r\n"
   * ```
   */
  text(s: string): void {
    this.#parts.push(s);
    this.#size += s.length;
    if (this.#size >= 1 << 16) this.flush();
  }

  /** Write the lines so far. */
  flush(): void {
    if (this.#parts.length === 0) return;
    const text = this.#parts.join("");
    this.#parts = [];
    this.#size = 0;
    if (this.#closed) return;
    try {
      this.stream.write(text);
    } catch (e) {
      // The reader went away (`… | head`): drop the rest quietly.
      if ((e as { code?: unknown }).code !== "EPIPE") throw e;
      this.#closed = true;
    }
  }
}

/**
 * A duration as the reports print it: two decimals under ten seconds, one above.
 *
 * @param ms Milliseconds.
 * @returns For example "1.25 s".
 *
 * @example A short and a long duration
 * ```ts
 * import { seconds } from "./output.ts";
 * console.log(seconds(1250), seconds(12500)); // "1.25 s" "12.5 s"
 * ```
 */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}
