/**
 * Reading mailbox names from a list, one name per line: a file, standard
 * input, or any stream of bytes or text. The list is streamed, never read
 * into one string.
 *
 * @module
 */

import process from "node:process";
import { hasUtf8Form } from "../format/name_codec.ts";
import { nodeScanFs, type ScanFile, type ScanFs } from "./io.ts";
import { describeFsError, type ScanWarning } from "./types.ts";

/**
 * Options of {@linkcode readNameList} and {@linkcode readNameListBatches}.
 *
 * @example Collecting warnings
 * ```ts
 * import type { NameListOptions } from "./name_list.ts";
 * const opts: NameListOptions = { onWarning: (w) => console.warn(w.reason), maxLineBytes: 65536 };
 * ```
 */
export interface NameListOptions {
  /** Called for every line that is skipped (not valid UTF-8, or too long). */
  onWarning?: (w: ScanWarning) => void;
  /** Lines longer than this many bytes are skipped; default 1 MiB. */
  maxLineBytes?: number;
  /** The file system calls that read a list file (default `nodeScanFs`). */
  fs?: ScanFs;
}

const NEWLINE = 0x0a;
const READ_SIZE = 1 << 18;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The bytes of text from a stream of strings. A lone surrogate (which has no
 * UTF-8 form) is written as its 3-byte generalized UTF-8 form, which is not
 * valid UTF-8, so that its line is skipped like a line of bytes that are
 * not UTF-8 — never folded to U+FFFD.
 */
function textBytes(text: string): Uint8Array {
  if (hasUtf8Form(text)) return encoder.encode(text);
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = text.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        n += encoder.encodeInto(text.slice(i, i + 2), out.subarray(n)).written;
        i++;
        continue;
      }
      out[n++] = 0xe0 | (c >>> 12);
      out[n++] = 0x80 | ((c >>> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      n += encoder.encodeInto(text[i], out.subarray(n)).written;
    }
  }
  return out.subarray(0, n);
}

/** Splits a byte stream into names, keeping the unfinished last line. */
class LineSplitter {
  #carry: Uint8Array = new Uint8Array(0);
  #skipping = false;
  #line = 0;
  #atStart = true;
  readonly #label: string;
  readonly #path: string;
  readonly #max: number;
  readonly #warn: (w: ScanWarning) => void;

  constructor(path: string, label: string, max: number, warn: (w: ScanWarning) => void) {
    this.#path = path;
    this.#label = label;
    this.#max = max;
    this.#warn = warn;
  }

  /** Take the next chunk; append the completed names to `out`. */
  push(bytes: Uint8Array, out: string[]): void {
    let start = 0;
    if (this.#carry.length > 0 || this.#skipping) {
      const nl = bytes.indexOf(NEWLINE);
      if (nl < 0) {
        this.#extend(bytes);
        return;
      }
      this.#extend(bytes.subarray(0, nl));
      this.#finishCarry(out);
      start = nl + 1;
    }
    const last = bytes.lastIndexOf(NEWLINE);
    if (last >= start) {
      this.#block(bytes.subarray(start, last), out);
      start = last + 1;
    }
    if (start < bytes.length) this.#extend(bytes.subarray(start));
  }

  /** The end of the input: the last line may lack its newline. */
  end(out: string[]): void {
    if (this.#carry.length > 0 || this.#skipping) this.#finishCarry(out);
  }

  #extend(bytes: Uint8Array): void {
    if (this.#skipping || bytes.length === 0) return;
    const n = this.#carry.length + bytes.length;
    if (n > this.#max) {
      this.#skipping = true;
      this.#carry = new Uint8Array(0);
      return;
    }
    const c = new Uint8Array(n);
    c.set(this.#carry);
    c.set(bytes, this.#carry.length);
    this.#carry = c;
  }

  #finishCarry(out: string[]): void {
    if (this.#skipping) {
      this.#line++;
      this.#atStart = false;
      this.#warnLine(`longer than ${this.#max} bytes`);
      this.#skipping = false;
      return;
    }
    const c = this.#carry;
    this.#carry = new Uint8Array(0);
    this.#lines(c, out);
  }

  /** Complete lines (without the final newline). */
  #block(bytes: Uint8Array, out: string[]): void {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      this.#lines(bytes, out);
      return;
    }
    let from = 0;
    for (;;) {
      const nl = text.indexOf("\n", from);
      this.#add(nl < 0 ? text.slice(from) : text.slice(from, nl), out, true);
      if (nl < 0) break;
      from = nl + 1;
    }
  }

  /** Complete lines one by one, finding the ones that are not UTF-8. */
  #lines(bytes: Uint8Array, out: string[]): void {
    let from = 0;
    for (;;) {
      const nl = bytes.indexOf(NEWLINE, from);
      const line = bytes.subarray(from, nl < 0 ? bytes.length : nl);
      let text: string | undefined;
      try {
        text = decoder.decode(line);
      } catch {
        text = undefined;
      }
      if (text === undefined) {
        this.#line++;
        this.#atStart = false;
        this.#warnLine("not valid UTF-8");
      } else {
        this.#add(text, out, line.length * 3 > this.#max);
      }
      if (nl < 0) break;
      from = nl + 1;
    }
  }

  #add(line: string, out: string[], checkLength: boolean): void {
    this.#line++;
    if (this.#atStart) {
      this.#atStart = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1);
    if (line.length === 0) return;
    if (checkLength && line.length * 3 > this.#max && encoder.encode(line).length > this.#max) {
      this.#warnLine(`longer than ${this.#max} bytes`);
      return;
    }
    out.push(line);
  }

  #warnLine(why: string): void {
    this.#warn({ path: this.#path, reason: `Skipping line ${this.#line} of ${this.#label}: ${why}` });
  }
}

async function* readFile(path: string, fs: ScanFs): AsyncGenerator<Uint8Array> {
  let fh: ScanFile;
  try {
    fh = await fs.open(path);
  } catch (err) {
    throw new Error(`Cannot read name list "${path}": ${describeFsError(err)}`, { cause: err });
  }
  try {
    const buf = new Uint8Array(READ_SIZE);
    for (;;) {
      let n: number;
      try {
        n = await fh.read(buf, null);
      } catch (err) {
        throw new Error(`Cannot read name list "${path}": ${describeFsError(err)}`, { cause: err });
      }
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Read a name list in batches (one batch per chunk read), for callers that
 * handle many names at once. Same rules as {@linkcode readNameList}.
 *
 * @param source A file path, "-" for standard input, or a stream of bytes or text.
 * @param options Warning callback, line length limit and file system calls.
 * @returns Non-empty arrays of names, in list order.
 * @throws Error naming the file when it cannot be read.
 *
 * @example Counting names
 * ```ts
 * import { readNameListBatches } from "./name_list.ts";
 * let n = 0;
 * for await (const batch of readNameListBatches("names.txt")) n += batch.length;
 * console.log(n);
 * ```
 */
export async function* readNameListBatches(
  source: string | AsyncIterable<Uint8Array | string>,
  options: NameListOptions = {},
): AsyncGenerator<string[]> {
  let chunks: AsyncIterable<Uint8Array | string>;
  let path: string;
  let label: string;
  if (typeof source === "string") {
    path = source;
    if (source === "-") {
      label = "standard input";
      chunks = process.stdin as AsyncIterable<Uint8Array | string>;
    } else {
      label = JSON.stringify(source);
      chunks = readFile(source, options.fs ?? nodeScanFs);
    }
  } else {
    path = "";
    label = "the name list";
    chunks = source;
  }
  const max = options.maxLineBytes ?? 1 << 20;
  const splitter = new LineSplitter(path, label, max, options.onWarning ?? (() => {}));
  // A high surrogate that ends a text chunk waits for the low one that may start the next.
  let high = "";
  for await (const chunk of chunks) {
    const out: string[] = [];
    if (typeof chunk === "string") {
      let text = high + chunk;
      high = "";
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        high = text.slice(-1);
        text = text.slice(0, -1);
      }
      splitter.push(textBytes(text), out);
    } else {
      if (high !== "") splitter.push(textBytes(high), out);
      high = "";
      splitter.push(chunk, out);
    }
    if (out.length > 0) yield out;
  }
  const out: string[] = [];
  if (high !== "") splitter.push(textBytes(high), out);
  splitter.end(out);
  if (out.length > 0) yield out;
}

/**
 * Read mailbox names, one per line, from a file, from standard input ("-"),
 * or from a stream of bytes or text. A trailing "\r" is removed, blank lines
 * are skipped, and a UTF-8 byte order mark at the start is dropped. Lines
 * that are not valid UTF-8 or longer than `maxLineBytes` are skipped with a
 * warning. The input is read in chunks, so a list of any size takes little
 * memory.
 *
 * @param source A file path, "-" for standard input, or a stream of bytes or text.
 * @param options Warning callback, line length limit and file system calls.
 * @returns The names, in list order.
 * @throws Error naming the file when it cannot be read.
 *
 * @example Reading names from standard input
 * ```ts
 * import { readNameList } from "./name_list.ts";
 * for await (const name of readNameList("-")) console.log(name);
 * ```
 */
export async function* readNameList(
  source: string | AsyncIterable<Uint8Array | string>,
  options: NameListOptions = {},
): AsyncGenerator<string> {
  for await (const batch of readNameListBatches(source, options)) yield* batch;
}
