/**
 * The one rule of a name list (one mailbox name per line), shared by every
 * reader of one — the scanner's streaming `readNameList` and the rebuild's
 * `{ file }` input — so that a list gives the same names, and the same
 * warnings, whichever reads it:
 *
 * - lines end at "\n"; the last line may lack it;
 * - a UTF-8 byte order mark at the start of the first line is dropped;
 * - one "\r" at the end of a line is dropped;
 * - a line left empty is skipped quietly;
 * - a line longer than the limit (default 1 MiB) is skipped with a warning;
 * - a line that is not valid UTF-8 is skipped with a warning;
 * - every other line is a name, as it is.
 *
 * The rule works on bytes and makes no string, so that a reader can put
 * names straight into a table of its own.
 *
 * @module
 */

/**
 * The longest line a name list may hold, in bytes (after the byte order
 * mark and "\r" are dropped), unless a reader is given another limit.
 *
 * @example The default limit
 * ```ts
 * import { DEFAULT_MAX_LINE_BYTES } from "./name_lines.ts";
 * console.log(DEFAULT_MAX_LINE_BYTES); // 1048576
 * ```
 */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * How the messages about a name list name it: "standard input" for "-",
 * else its path in quotes.
 *
 * @param source The path given, or "-".
 * @returns The words for messages.
 *
 * @example A file
 * ```ts
 * import { nameListLabel } from "./name_lines.ts";
 * console.log(nameListLabel("/tmp/names.txt")); // "/tmp/names.txt" (with the quotes)
 * ```
 */
export function nameListLabel(source: string): string {
  return source === "-" ? "standard input" : JSON.stringify(source);
}

/**
 * The message of a name list that cannot be read.
 *
 * @param path The list's path.
 * @param reason Why, in words (see `describeFsError`).
 * @returns The message.
 *
 * @example A missing list
 * ```ts
 * import { cannotReadNameList } from "./name_lines.ts";
 * console.log(cannotReadNameList("n.txt", "no such file or directory")); // Cannot read name list "n.txt": no such file or directory
 * ```
 */
export function cannotReadNameList(path: string, reason: string): string {
  return `Cannot read name list "${path}": ${reason}`;
}

/**
 * Whether bytes `[start, end)` are well-formed UTF-8 (no overlong form, no
 * surrogate, nothing past U+10FFFF), as a fatal `TextDecoder` judges them,
 * without copying them (they may be in shared memory).
 *
 * @param bytes The buffer.
 * @param start First byte.
 * @param end End of the bytes.
 * @returns True when valid.
 *
 * @example A stray continuation byte
 * ```ts
 * import { isUtf8 } from "./name_lines.ts";
 * const b = new Uint8Array([0x61, 0xc3, 0xa4, 0x80]);
 * console.log(isUtf8(b, 0, 3), isUtf8(b, 0, 4)); // true false
 * ```
 */
export function isUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = bytes[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number, lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return false;
    if (i + need >= end) return false;
    const b1 = bytes[i + 1];
    if (b1 < lo || b1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const b = bytes[i + k];
      if (b < 0x80 || b > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/**
 * The rule of a name list applied line by line: it counts the lines,
 * finds the name in each, and reports the lines it skips.
 *
 * @example The names of a small list
 * ```ts
 * import { NameLines } from "./name_lines.ts";
 * const bytes = new TextEncoder().encode("\uFEFFINBOX\r\n\nArchive/2009");
 * const names: string[] = [];
 * new NameLines('"names.txt"').lines(bytes, 0, bytes.length, (s, e) => names.push(new TextDecoder().decode(bytes.subarray(s, e))));
 * console.log(names); // ["INBOX", "Archive/2009"]
 * ```
 */
export class NameLines {
  #line = 0;
  /** Start of the name of the last line {@linkcode NameLines.take} accepted. */
  start = 0;
  /** End of that name. */
  end = 0;

  /**
   * @param label How warnings name the list (see {@linkcode nameListLabel}).
   * @param maxLineBytes Longer lines are skipped with a warning.
   * @param onSkip Receives the message of each line skipped with a warning.
   * @param linesBefore Lines of the list before the first one given here (a
   *   share of a list read in parts: warnings then number lines as in the
   *   whole list, and only the list's first line may start with a byte order mark).
   */
  constructor(
    readonly label: string,
    readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
    readonly onSkip: (message: string) => void = () => {},
    linesBefore = 0,
  ) {
    this.#line = linesBefore;
  }

  /** Lines taken so far (the number of the last one). */
  get line(): number {
    return this.#line;
  }

  /**
   * Take one whole line, bytes `[from, to)` without its "\n".
   *
   * @param bytes The buffer.
   * @param from Its first byte.
   * @param to Its end.
   * @returns True when it holds a name, then at `[start, end)`; false when it is skipped.
   */
  take(bytes: Uint8Array, from: number, to: number): boolean {
    this.#line++;
    let s = from, e = to;
    if (this.#line === 1 && e - s >= 3 && bytes[s] === 0xef && bytes[s + 1] === 0xbb && bytes[s + 2] === 0xbf) s += 3;
    if (e > s && bytes[e - 1] === CR) e--;
    if (e === s) return false;
    if (e - s > this.maxLineBytes) {
      this.#skip(`longer than ${this.maxLineBytes} bytes`);
      return false;
    }
    if (!isUtf8(bytes, s, e)) {
      this.#skip("not valid UTF-8");
      return false;
    }
    this.start = s;
    this.end = e;
    return true;
  }

  /**
   * Count a line that a streaming reader dropped, unread, as too long
   * (more than `maxLineBytes` + 4 bytes), and report it.
   *
   * @returns Nothing.
   */
  skipLong(): void {
    this.#line++;
    this.#skip(`longer than ${this.maxLineBytes} bytes`);
  }

  /**
   * Take the whole lines of `[from, to)`: lines end at "\n", the last one
   * at `to`. A name found may be overwritten by `onName` once it is called
   * (the following lines are not).
   *
   * @param bytes The buffer.
   * @param from First byte.
   * @param to End of the last line.
   * @param onName Called with `[start, end)` of each name, in order.
   * @returns Nothing.
   */
  lines(bytes: Uint8Array, from: number, to: number, onName: (start: number, end: number) => void): void {
    for (;;) {
      let nl = bytes.indexOf(NEWLINE, from);
      if (nl < 0 || nl > to) nl = to;
      if (this.take(bytes, from, nl)) onName(this.start, this.end);
      if (nl >= to) return;
      from = nl + 1;
    }
  }

  #skip(why: string): void {
    this.onSkip(`Skipping line ${this.#line} of ${this.label}: ${why}`);
  }
}

/**
 * A name list read in chunks: splits them into lines by
 * {@linkcode NameLines}, holding the unfinished last line (at most
 * `maxLineBytes` + 4 bytes of it; a longer one is dropped as it comes).
 *
 * @example A line split between two chunks
 * ```ts
 * import { NameLines, NameLineSplitter } from "./name_lines.ts";
 * const names: string[] = [];
 * const onName = (b: Uint8Array, s: number, e: number) => names.push(new TextDecoder().decode(b.subarray(s, e)));
 * const split = new NameLineSplitter(new NameLines("the name list"));
 * const enc = new TextEncoder();
 * split.push(enc.encode("INBOX\nArch"), onName);
 * split.push(enc.encode("ive\n"), onName);
 * split.end(onName);
 * console.log(names); // ["INBOX", "Archive"]
 * ```
 */
export class NameLineSplitter {
  #carry: Uint8Array = new Uint8Array(0);
  #skipping = false;

  /** @param rule The rule, with the list's label, limit and warnings. */
  constructor(readonly rule: NameLines) {}

  /**
   * Take the next chunk.
   *
   * @param bytes The chunk.
   * @param onName Called with the buffer and `[start, end)` of each name completed.
   * @returns Nothing.
   */
  push(bytes: Uint8Array, onName: (bytes: Uint8Array, start: number, end: number) => void): void {
    let start = 0;
    if (this.#carry.length > 0 || this.#skipping) {
      const nl = bytes.indexOf(NEWLINE);
      if (nl < 0) {
        this.#extend(bytes);
        return;
      }
      this.#extend(bytes.subarray(0, nl));
      this.#finishCarry(onName);
      start = nl + 1;
    }
    const last = bytes.lastIndexOf(NEWLINE);
    if (last >= start) {
      this.rule.lines(bytes, start, last, (s, e) => onName(bytes, s, e));
      start = last + 1;
    }
    if (start < bytes.length) this.#extend(bytes.subarray(start));
  }

  /**
   * The end of the list: the last line may lack its "\n".
   *
   * @param onName Called with the buffer and `[start, end)` of the last name.
   * @returns Nothing.
   */
  end(onName: (bytes: Uint8Array, start: number, end: number) => void): void {
    if (this.#carry.length > 0 || this.#skipping) this.#finishCarry(onName);
  }

  #extend(bytes: Uint8Array): void {
    if (this.#skipping || bytes.length === 0) return;
    const n = this.#carry.length + bytes.length;
    // A byte order mark and a "\r" do not count against the limit.
    if (n > this.rule.maxLineBytes + 4) {
      this.#skipping = true;
      this.#carry = new Uint8Array(0);
      return;
    }
    const c = new Uint8Array(n);
    c.set(this.#carry);
    c.set(bytes, this.#carry.length);
    this.#carry = c;
  }

  #finishCarry(onName: (bytes: Uint8Array, start: number, end: number) => void): void {
    if (this.#skipping) {
      this.#skipping = false;
      this.rule.skipLong();
      return;
    }
    const c = this.#carry;
    this.#carry = new Uint8Array(0);
    if (this.rule.take(c, 0, c.length)) onName(c, this.rule.start, this.rule.end);
  }
}
