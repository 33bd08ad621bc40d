/**
 * Codec of the subscriptions file (SPEC §12): the set of subscribed full
 * names — which may name mailboxes that do not exist — written whole, each
 * name's UTF-8 bytes followed by a NUL, sorted by those bytes.
 *
 * ```
 * header (32 bytes)
 *  0 magic "MLIS"
 *  4 version 1
 *  8 header_size 32
 * 12 separator byte of the names (0 = unknown)
 * 16 count of names
 * 20 body length (bytes of the names and their NULs; the file is 32 + this)
 * 24 CRC-32 of the body
 * 28 CRC-32 of bytes [0, 28)
 * 32 body: name NUL name NUL ... (ascending by bytes, no duplicates)
 * ```
 *
 * @example Two names, written and read back
 * ```ts
 * import { decodeSubscriptions, encodeSubscriptions } from "./subs_codec.ts";
 * const file = encodeSubscriptions(["Sent", "INBOX", "Sent"], 0x2f);
 * console.log(decodeSubscriptions(file, "u.mlist.subs")); // ["INBOX", "Sent"]
 * ```
 *
 * @module
 */
import { CorruptIndexError, InvalidNameError } from "./errors.ts";
import { compareBytes, hashBytes } from "./name_hash.ts";
import { requireUtf8Form } from "./name_codec.ts";

/** Size of the subscriptions file header. */
export const SUBS_HEADER_SIZE = 32;
/** Version written into the header. */
export const SUBS_VERSION = 1;
const MAGIC = [0x4d, 0x4c, 0x49, 0x53]; // "MLIS"

/**
 * Decoded header of a subscriptions file.
 *
 * @example The header of an empty set
 * ```ts
 * import { decodeSubsHeader, encodeSubscriptions, type SubsHeader } from "./subs_codec.ts";
 * const h: SubsHeader = decodeSubsHeader(encodeSubscriptions([], 0x2e), 32, "s");
 * console.log(h.count, h.separator); // 0 46
 * ```
 */
export interface SubsHeader {
  /** Separator byte of the names (0 = unknown). */
  separator: number;
  /** Number of names. */
  count: number;
  /** Bytes of the names and their NULs after the header. */
  bodyLength: number;
  /** CRC-32 of the body. */
  bodyCrc: number;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** The names' UTF-8 forms, sorted by bytes, without duplicates. */
function sortedForms(names: Iterable<string>): Uint8Array[] {
  const forms: Uint8Array[] = [];
  for (const name of names) {
    requireUtf8Form(name);
    if (name === "" || name.includes("\0")) {
      throw new InvalidNameError(name, name === "" ? "is empty" : "contains a NUL byte");
    }
    forms.push(encoder.encode(name));
  }
  forms.sort((a, b) => compareBytes(a, 0, a.length, b, 0, b.length));
  let n = 0;
  for (let i = 0; i < forms.length; i++) {
    const f = forms[i];
    if (n > 0 && compareBytes(forms[n - 1], 0, forms[n - 1].length, f, 0, f.length) === 0) continue;
    forms[n++] = f;
  }
  forms.length = n;
  return forms;
}

/**
 * Sort names by their UTF-8 bytes (the order of the subscriptions file),
 * dropping duplicates.
 *
 * @param names Names with a UTF-8 form.
 * @returns A new sorted array.
 * @throws InvalidNameError for an empty name, a NUL byte or a lone surrogate.
 *
 * @example Byte order puts "Z" before "a" and "a" before "ä"
 * ```ts
 * import { sortNamesByBytes } from "./subs_codec.ts";
 * console.log(sortNamesByBytes(["ä", "a", "Z", "a"])); // ["Z", "a", "ä"]
 * ```
 */
export function sortNamesByBytes(names: Iterable<string>): string[] {
  return sortedForms(names).map((f) => strictDecoder.decode(f));
}

/**
 * Encode a whole subscriptions file.
 *
 * @param names The subscribed names, in any order (duplicates are dropped).
 * @param separator The index's separator byte.
 * @returns The file's bytes.
 * @throws InvalidNameError for an empty name, a NUL byte or a lone surrogate.
 *
 * @example The size of a file of one name
 * ```ts
 * import { encodeSubscriptions } from "./subs_codec.ts";
 * console.log(encodeSubscriptions(["INBOX"], 0x2f).length); // 38
 * ```
 */
export function encodeSubscriptions(names: Iterable<string>, separator: number): Uint8Array {
  const forms = sortedForms(names);
  let bodyLength = 0;
  for (const f of forms) bodyLength += f.length + 1;
  const out = new Uint8Array(SUBS_HEADER_SIZE + bodyLength);
  let pos = SUBS_HEADER_SIZE;
  for (const f of forms) {
    out.set(f, pos);
    pos += f.length + 1;
  }
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(4, SUBS_VERSION, true);
  dv.setUint32(8, SUBS_HEADER_SIZE, true);
  dv.setUint32(12, separator & 0xff, true);
  dv.setUint32(16, forms.length, true);
  dv.setUint32(20, bodyLength, true);
  dv.setUint32(24, hashBytes(out, SUBS_HEADER_SIZE, out.length), true);
  dv.setUint32(28, hashBytes(out, 0, 28), true);
  return out;
}

/**
 * Read and check the header of a subscriptions file against the file's
 * size, before its body is read.
 *
 * @param bytes At least the first 32 bytes of the file.
 * @param fileSize Size of the file.
 * @param file Path, for errors.
 * @returns The header.
 * @throws CorruptIndexError on a short file, a bad magic, checksum, version or header size, or a body length that is not the rest of the file.
 *
 * @example A file of zeros is refused
 * ```ts
 * import { decodeSubsHeader } from "./subs_codec.ts";
 * try { decodeSubsHeader(new Uint8Array(32), 32, "u.mlist.subs"); } catch (e) { console.log((e as Error).name); } // CorruptIndexError
 * ```
 */
export function decodeSubsHeader(bytes: Uint8Array, fileSize: number, file: string): SubsHeader {
  if (fileSize < SUBS_HEADER_SIZE || bytes.length < SUBS_HEADER_SIZE) {
    throw new CorruptIndexError(file, 0, `file size ${fileSize} is smaller than the subscriptions header`);
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i]) throw new CorruptIndexError(file, 0, "bad subscriptions file magic");
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, SUBS_HEADER_SIZE);
  if (dv.getUint32(28, true) !== hashBytes(bytes, 0, 28)) {
    throw new CorruptIndexError(file, 28, "subscriptions header checksum mismatch");
  }
  const version = dv.getUint32(4, true);
  if (version !== SUBS_VERSION) {
    throw new CorruptIndexError(file, 4, `subscriptions file version ${version} is not ${SUBS_VERSION}`);
  }
  if (dv.getUint32(8, true) !== SUBS_HEADER_SIZE) {
    throw new CorruptIndexError(file, 8, `subscriptions header size ${dv.getUint32(8, true)} is not ${SUBS_HEADER_SIZE}`);
  }
  const h: SubsHeader = {
    separator: dv.getUint32(12, true) & 0xff,
    count: dv.getUint32(16, true),
    bodyLength: dv.getUint32(20, true),
    bodyCrc: dv.getUint32(24, true),
  };
  if (h.bodyLength !== fileSize - SUBS_HEADER_SIZE) {
    throw new CorruptIndexError(
      file,
      20,
      `body length ${h.bodyLength} does not match file size ${fileSize} (header ${SUBS_HEADER_SIZE} bytes)`,
    );
  }
  if (h.count > h.bodyLength / 2) {
    throw new CorruptIndexError(file, 16, `name count ${h.count} exceeds what ${h.bodyLength} body bytes hold`);
  }
  return h;
}

/**
 * Decode a whole subscriptions file, checking every byte: the header
 * ({@linkcode decodeSubsHeader}), the body's checksum, the count of names,
 * each name non-empty, valid UTF-8 and NUL-terminated, and the names in
 * strictly ascending byte order.
 *
 * @param bytes The file's bytes.
 * @param file Path, for errors.
 * @returns The names, sorted by their UTF-8 bytes.
 * @throws CorruptIndexError naming the file, the offset and the failed check.
 *
 * @example A torn file is refused
 * ```ts
 * import { decodeSubscriptions, encodeSubscriptions } from "./subs_codec.ts";
 * const file = encodeSubscriptions(["INBOX", "Sent"], 0x2f);
 * try { decodeSubscriptions(file.subarray(0, 40), "s"); } catch (e) { console.log((e as Error).name); } // CorruptIndexError
 * ```
 */
export function decodeSubscriptions(bytes: Uint8Array, file: string): string[] {
  const h = decodeSubsHeader(bytes, bytes.length, file);
  const end = bytes.length;
  if (hashBytes(bytes, SUBS_HEADER_SIZE, end) !== h.bodyCrc) {
    throw new CorruptIndexError(file, 24, "subscriptions body checksum mismatch");
  }
  const names: string[] = [];
  let prevStart = -1, prevEnd = -1;
  for (let pos = SUBS_HEADER_SIZE; pos < end;) {
    const nul = bytes.indexOf(0, pos);
    if (nul < 0) throw new CorruptIndexError(file, pos, "subscribed name without its NUL");
    if (nul === pos) throw new CorruptIndexError(file, pos, "empty subscribed name");
    if (prevStart >= 0 && compareBytes(bytes, prevStart, prevEnd, bytes, pos, nul) >= 0) {
      throw new CorruptIndexError(file, pos, "subscribed names are not in ascending byte order");
    }
    if (names.length === h.count) {
      throw new CorruptIndexError(file, pos, `more subscribed names than the header's count ${h.count}`);
    }
    let name: string;
    try {
      name = strictDecoder.decode(bytes.subarray(pos, nul));
    } catch {
      throw new CorruptIndexError(file, pos, "subscribed name is not valid UTF-8");
    }
    names.push(name);
    prevStart = pos;
    prevEnd = nul;
    pos = nul + 1;
  }
  if (names.length !== h.count) {
    throw new CorruptIndexError(file, 16, `the header counts ${h.count} names, the file has ${names.length}`);
  }
  return names;
}
