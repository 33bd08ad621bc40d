/**
 * Reading mailbox names from a list, one name per line: a file, standard
 * input, or any stream of bytes or text. The list is streamed, never read
 * into one string. Its lines follow the one rule of a name list
 * (`format/name_lines.ts`), which the rebuild's `{ file }` input follows too.
 *
 * @module
 */

import process from "node:process";
import { hasUtf8Form } from "../format/name_codec.ts";
import { cannotReadNameList, DEFAULT_MAX_LINE_BYTES, nameListLabel, NameLines, NameLineSplitter } from "../format/name_lines.ts";
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

const READ_SIZE = 1 << 18;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

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

async function* readFile(path: string, fs: ScanFs): AsyncGenerator<Uint8Array> {
  let fh: ScanFile;
  try {
    fh = await fs.open(path);
  } catch (err) {
    throw new Error(cannotReadNameList(path, describeFsError(err)), { cause: err });
  }
  try {
    const buf = new Uint8Array(READ_SIZE);
    for (;;) {
      let n: number;
      try {
        n = await fh.read(buf, null);
      } catch (err) {
        throw new Error(cannotReadNameList(path, describeFsError(err)), { cause: err });
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
 * async function* list() {
 *   yield "INBOX\nArchive/2009\n";
 * }
 * let n = 0;
 * for await (const batch of readNameListBatches(list())) n += batch.length;
 * console.log(n); // 2
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
    label = nameListLabel(source);
    chunks = source === "-" ? process.stdin as AsyncIterable<Uint8Array | string> : readFile(source, options.fs ?? nodeScanFs);
  } else {
    path = "";
    label = "the name list";
    chunks = source;
  }
  const warn = options.onWarning;
  const rule = new NameLines(label, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, (reason) => warn?.({ path, reason }));
  const splitter = new NameLineSplitter(rule);
  let out: string[] = [];
  const onName = (bytes: Uint8Array, s: number, e: number) => out.push(decoder.decode(bytes.subarray(s, e)));
  // A high surrogate that ends a text chunk waits for the low one that may start the next.
  let high = "";
  for await (const chunk of chunks) {
    if (typeof chunk === "string") {
      let text = high + chunk;
      high = "";
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        high = text.slice(-1);
        text = text.slice(0, -1);
      }
      splitter.push(textBytes(text), onName);
    } else {
      if (high !== "") splitter.push(textBytes(high), onName);
      high = "";
      splitter.push(chunk, onName);
    }
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  if (high !== "") splitter.push(textBytes(high), onName);
  splitter.end(onName);
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
