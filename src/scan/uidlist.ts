/**
 * Dovecot's `dovecot-uidlist` (SPEC §10), versions 1 and 3: UIDVALIDITY
 * from the header, UIDNEXT as the larger of the header's `N` and the
 * highest UID listed plus one (Dovecot appends records without rewriting
 * the header), and the header's `G`, the mailbox GUID (SPEC §12).
 *
 * The header is the first line: `1 <uidvalidity> <nextuid>` (version 1), or
 * `3` followed by fields in any order, each a letter and its value:
 * `V<uidvalidity>`, `N<nextuid>`, `G<guid, 32 hex digits>` (others are
 * ignored). Each further line is a record: the UID (decimal digits), then
 * optional extension fields, then ` :<filename>` (version 3) or
 * ` <filename>` (version 1). The file is read in fixed-size chunks and the
 * records are scanned as bytes, so a big list costs no memory per line.
 *
 * @module
 */
import type { ScanFs } from "./io.ts";

/**
 * What the header of a `dovecot-uidlist` says.
 *
 * @example A version-3 header
 * ```ts
 * import type { UidListHeader } from "./uidlist.ts";
 * const h: UidListHeader = { uidValidity: 1700000001, uidNext: 42, guid: "0123456789abcdef0123456789abcdef" };
 * ```
 */
export interface UidListHeader {
  /** UIDVALIDITY (0 when a version-3 header has no `V`). */
  uidValidity: number;
  /** The header's next UID (0 when a version-3 header has no `N`). */
  uidNext: number;
  /** The mailbox GUID from `G`, 32 lowercase hex digits; absent without a valid `G` (all zeros is none). */
  guid?: string;
}

/**
 * What a whole `dovecot-uidlist` says.
 *
 * @example Reading the figures
 * ```ts
 * import type { UidList } from "./uidlist.ts";
 * const u: UidList = { uidValidity: 1700000001, uidNext: 45, lastUid: 44 };
 * ```
 */
export interface UidList extends UidListHeader {
  /** The highest UID among the records (0 when there is none). */
  lastUid: number;
}

/**
 * Parse the first line of a `dovecot-uidlist` file.
 *
 * @param line The first line, without its newline (a trailing "\r" is ignored).
 * @returns The header, or undefined when the line is not a known header (another version, a missing or bad number).
 *
 * @example Both header versions
 * ```ts
 * import { parseUidListHeader } from "./uidlist.ts";
 * console.log(parseUidListHeader("3 V1300000000 N42 G0123456789ABCDEF0123456789abcdef"));
 * // { uidValidity: 1300000000, uidNext: 42, guid: "0123456789abcdef0123456789abcdef" }
 * console.log(parseUidListHeader("1 1300000000 42")); // { uidValidity: 1300000000, uidNext: 42 }
 * ```
 */
export function parseUidListHeader(line: string): UidListHeader | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields[0] === "1") {
    if (fields.length < 3) return undefined;
    const v = parseU32(fields[1]);
    const n = parseU32(fields[2]);
    return v === undefined || n === undefined ? undefined : { uidValidity: v, uidNext: n };
  }
  if (fields[0] === "3") {
    const header: UidListHeader = { uidValidity: 0, uidNext: 0 };
    for (let i = 1; i < fields.length; i++) {
      const f = fields[i];
      if (f[0] === "G") {
        // All zeros is no GUID (SPEC §12).
        if (/^[0-9a-fA-F]{32}$/.test(f.slice(1)) && !/^0+$/.test(f.slice(1))) header.guid = f.slice(1).toLowerCase();
        continue;
      }
      if (f[0] !== "V" && f[0] !== "N") continue;
      const value = parseU32(f.slice(1));
      if (value === undefined) return undefined;
      if (f[0] === "V") header.uidValidity = value;
      else header.uidNext = value;
    }
    return header;
  }
  return undefined;
}

function parseU32(s: string): number | undefined {
  if (!/^[0-9]{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 0xffffffff ? n : undefined;
}

/** Bytes read at a time. */
const CHUNK = 64 * 1024;
/** Longest header line read; a longer first line is not a header. */
const MAX_HEADER = 4096;

const NL = 0x0a, CR = 0x0d, SP = 0x20, TAB = 0x09, D0 = 0x30, D9 = 0x39;

/**
 * The highest UID among the records of a uidlist's body, fed in chunks.
 * A record counts when its line starts with a UID (1 to 10 digits, 1 to
 * 2^32−1) followed by a space or tab, or by the line's end when the line
 * has one. So a last line without its newline still counts when its UID is
 * complete (a space follows it: the line was cut in its filename), and does
 * not count when the file ends inside or right after its digits (the line
 * may have been cut inside the number). Lines that start otherwise (blank,
 * garbage) are skipped.
 */
class RecordScanner {
  lastUid = 0;
  /** -1: skipping to the end of the line; 0: at a line's start; else the count of digits read. */
  #digits = 0;
  #value = 0;

  feed(buf: Uint8Array, from: number, to: number): void {
    let digits = this.#digits, value = this.#value, last = this.lastUid;
    for (let i = from; i < to; i++) {
      const c = buf[i];
      if (digits < 0) {
        if (c === NL) digits = 0;
        continue;
      }
      if (c >= D0 && c <= D9) {
        if (digits === 10) digits = -1; // too long for a UID
        else {
          value = value * 10 + (c - D0);
          digits++;
        }
        continue;
      }
      // The UID ends here: it counts when a separator or the line's end follows.
      if (digits > 0 && (c === SP || c === TAB || c === NL || c === CR) && value > 0 && value <= 0xffffffff && value > last) {
        last = value;
      }
      value = 0;
      digits = c === NL ? 0 : -1;
    }
    this.#digits = digits;
    this.#value = value;
    this.lastUid = last;
  }
}

/**
 * Read a `dovecot-uidlist` file: its header and the highest UID among its
 * records, in chunks of 64 KiB (memory does not grow with the file).
 * UIDNEXT is the larger of the header's `N` and that UID plus one.
 *
 * @param path The file.
 * @param fs The file system calls (the scanners' seam).
 * @param onUnknownHeader Called with the start of the first line (40 characters at most) when it is not a known header.
 * @returns The figures, or undefined when the first line is not a known header.
 * @throws The file system's error when the file cannot be opened or read.
 *
 * @example Records appended past the header's N
 * ```ts
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { nodeScanFs } from "./io.ts";
 * import { readUidList } from "./uidlist.ts";
 * const dir = mkdtempSync(join(tmpdir(), "uidlist-"));
 * try {
 *   const file = join(dir, "dovecot-uidlist");
 *   writeFileSync(file, "3 V1700000001 N42 G0123456789abcdef0123456789abcdef\n41 :a\n43 :b\n44 W1234 :c\n");
 *   console.log(await readUidList(file, nodeScanFs));
 *   // { uidValidity: 1700000001, uidNext: 45, guid: "0123456789abcdef0123456789abcdef", lastUid: 44 }
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export async function readUidList(
  path: string,
  fs: ScanFs,
  onUnknownHeader?: (start: string) => void,
): Promise<UidList | undefined> {
  const fh = await fs.open(path);
  try {
    const buf = new Uint8Array(CHUNK);
    // The header: the first line, at most MAX_HEADER bytes.
    let filled = 0;
    let nl = -1;
    while (nl < 0 && filled < MAX_HEADER) {
      const n = await fh.read(buf.subarray(filled), null);
      if (n === 0) break;
      const start = filled;
      filled += n;
      nl = buf.subarray(start, filled).indexOf(NL);
      if (nl >= 0) nl += start;
    }
    const headerEnd = nl >= 0 ? nl : Math.min(filled, MAX_HEADER);
    const line = new TextDecoder().decode(buf.subarray(0, headerEnd));
    const header = nl < 0 && filled > MAX_HEADER ? undefined : parseUidListHeader(line);
    if (header === undefined) {
      onUnknownHeader?.(line.slice(0, 40));
      return undefined;
    }
    const records = new RecordScanner();
    if (nl >= 0) {
      records.feed(buf, nl + 1, filled);
      for (;;) {
        const n = await fh.read(buf, null);
        if (n === 0) break;
        records.feed(buf, 0, n);
      }
    }
    const last = records.lastUid;
    const uidNext = Math.max(header.uidNext, last === 0 ? 0 : Math.min(last + 1, 0xffffffff));
    return { ...header, uidNext, lastUid: last };
  } finally {
    await fh.close();
  }
}
