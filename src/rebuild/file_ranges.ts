/**
 * A byte range of a name-list file, as a rebuild worker splits it into
 * names (the coordinator's side is src/rebuild/file_read.ts): a range holds
 * the lines that start in it. Two rounds: its lines are found and counted,
 * then, once every range has been counted, split into names in place by
 * the one rule of a name list (`format/name_lines.ts`).
 *
 * @module
 */
import { NameLines } from "../format/name_lines.ts";
import type { RangeLines, SplitLines } from "./protocol.ts";

const NEWLINE = 0x0a;

/**
 * Where the lines that start in bytes `[from, to)` of a file of `size`
 * bytes begin, and where the last of them ends (its newline, or `size`).
 *
 * @param bytes The file's bytes.
 * @param size Its size.
 * @param from Range start.
 * @param to Range end.
 * @returns The first line's start and the end of the range's last line (`start === end` and no line when none starts in it).
 *
 * @example The second range of "ab\ncd\n" split at 1 holds "cd"
 * ```ts
 * import { lineRange } from "./file_ranges.ts";
 * const b = new TextEncoder().encode("ab\ncd\n");
 * console.log(lineRange(b, 6, 1, 6)); // { start: 3, end: 6 }
 * ```
 */
export function lineRange(bytes: Uint8Array, size: number, from: number, to: number): { start: number; end: number } {
  let start = from;
  if (from > 0 && bytes[from - 1] !== NEWLINE) {
    const nl = bytes.indexOf(NEWLINE, from);
    start = nl < 0 || nl >= size ? size : nl + 1;
  }
  if (start >= to || start >= size) return { start: size, end: size };
  let end = to - 1;
  if (bytes[end] !== NEWLINE) {
    const nl = bytes.indexOf(NEWLINE, end);
    end = nl < 0 || nl >= size ? size : nl;
  }
  return { start, end };
}

/**
 * Find and count the lines of a range (the first round).
 *
 * @param bytes The file's bytes.
 * @param size Its size.
 * @param from Range start.
 * @param to Range end.
 * @returns Where its lines are, and how many.
 *
 * @example Three lines, the last without its newline
 * ```ts
 * import { countRangeLines } from "./file_ranges.ts";
 * const b = new TextEncoder().encode("a\n\nb");
 * console.log(countRangeLines(b, 4, 0, 4)); // { start: 0, end: 4, lines: 3 }
 * ```
 */
export function countRangeLines(bytes: Uint8Array, size: number, from: number, to: number): RangeLines {
  const { start, end } = lineRange(bytes, size, from, to);
  if (start >= size) return { start, end, lines: 0 };
  let lines = 1;
  for (let nl = bytes.indexOf(NEWLINE, start); nl >= 0 && nl < end; nl = bytes.indexOf(NEWLINE, nl + 1)) lines++;
  return { start, end, lines };
}

/**
 * Split the lines of a range into names, in place (the second round):
 * each kept line moves down to follow the one before, NUL-terminated, and
 * its start goes to `starts[at + k]`.
 *
 * @param bytes The file's bytes (one spare byte past the file's size).
 * @param range Where the range's lines are ({@linkcode countRangeLines}, before any range was split).
 * @param linesBefore Lines that start before the range (for the line numbers of warnings, and the byte order mark).
 * @param label The file, as warnings name it (`nameListLabel`).
 * @param starts Where the names' starts go.
 * @param at Index of the range's first name in `starts`.
 * @returns The names kept, where they end, and the warnings.
 *
 * @example A blank line and CRLF
 * ```ts
 * import { splitRangeLines } from "./file_ranges.ts";
 * const b = new Uint8Array(9);
 * b.set(new TextEncoder().encode("a\r\n\nbc\n"));
 * const starts = new Uint32Array(3);
 * const r = splitRangeLines(b, { start: 0, end: 6, lines: 3 }, 0, "x", starts, 0);
 * console.log(r.count, r.end, Array.from(starts.subarray(0, 2))); // 2 5 [ 0, 2 ]
 * ```
 */
export function splitRangeLines(
  bytes: Uint8Array,
  range: RangeLines,
  linesBefore: number,
  label: string,
  starts: Uint32Array,
  at: number,
): SplitLines {
  const warnings: string[] = [];
  const { start, end } = range;
  if (range.lines === 0) return { count: 0, end: start, warnings };
  const rule = new NameLines(label, undefined, (m) => warnings.push(m), linesBefore);
  let n = at, w = start;
  rule.lines(bytes, start, end, (s, e) => {
    if (w !== s) bytes.copyWithin(w, s, e);
    starts[n++] = w;
    w += e - s;
    bytes[w++] = 0;
  });
  return { count: n - at, end: w, warnings };
}
