/**
 * The two names of a rename (SPEC §11): checked as every name a sync takes
 * (SPEC §9) and against the sync path (rule 7), cut into components, and
 * compared as the tree compares them — byte for byte, except that INBOX
 * is INBOX in any case.
 *
 * @module
 */
import { InvalidNameError } from "../format/errors.ts";
import { invalidNameError, nameProblem, type TreeLimits } from "../format/limits.ts";
import { NameEncoder } from "../format/name_codec.ts";
import type { SyncScope } from "./sync_scope.ts";

/**
 * A name of a rename: its text, its bytes and its components.
 *
 * @example The components of a name
 * ```ts
 * import { parseRenameName } from "./rename_names.ts";
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { SyncScope } from "./sync_scope.ts";
 * const name = parseRenameName("Archive//2024", 0x2f, DEFAULT_LIMITS, new SyncScope("", 0x2f));
 * console.log(name.count, name.length); // 2 12
 * ```
 */
export interface Name {
  /** The name as given. */
  text: string;
  /** Its UTF-8 bytes. */
  bytes: Uint8Array;
  /** Where each component starts in {@linkcode Name.bytes}. */
  starts: Int32Array;
  /** Where each component ends. */
  ends: Int32Array;
  /** How many components it has. */
  count: number;
  /** Bytes of its canonical spelling (components joined by one separator). */
  length: number;
}

const encoder = new NameEncoder();

/**
 * Check a name of a rename and cut it into components.
 *
 * @param text The name as given.
 * @param sep The separator byte.
 * @param limits Name limits.
 * @param scope The sync path: the name must lie strictly under it.
 * @returns The name.
 * @throws InvalidNameError for a name the index cannot hold (NUL, empty, lone surrogate, over a limit) or not under the sync path.
 *
 * @example A name outside the sync path
 * ```ts
 * import { parseRenameName } from "./rename_names.ts";
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { SyncScope } from "./sync_scope.ts";
 * try {
 *   parseRenameName("Work", 0x2f, DEFAULT_LIMITS, new SyncScope("Archive", 0x2f));
 * } catch (e) {
 *   console.log((e as Error).message); // Invalid mailbox name "Work": is not inside the sync path "Archive"
 * }
 * ```
 */
export function parseRenameName(text: string, sep: number, limits: Readonly<TreeLimits>, scope: SyncScope): Name {
  const n = encoder.encode(text);
  const bytes = encoder.bytes.slice(0, n);
  const problem = nameProblem(bytes, 0, n, sep, limits);
  if (problem !== 0) throw invalidNameError(text, problem, limits);
  const starts: number[] = [], ends: number[] = [];
  let length = -1;
  for (let i = 0; i < n;) {
    while (i < n && bytes[i] === sep) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && bytes[j] !== sep) j++;
    starts.push(i);
    ends.push(j);
    length += j - i + 1;
    i = j;
  }
  const name: Name = { text, bytes, starts: Int32Array.from(starts), ends: Int32Array.from(ends), count: starts.length, length };
  if (name.count <= scope.depth || !scope.contains(bytes, name.starts, name.ends, name.count)) {
    throw new InvalidNameError(text, `is not inside the sync path ${JSON.stringify(scope.toString())}`);
  }
  return name;
}

/** "INBOX" in capitals. */
const INBOX = new TextEncoder().encode("INBOX");

/**
 * Whether a name is INBOX, in any case (RFC 3501 §5.1).
 *
 * @param name A parsed name.
 * @returns True for a one-component name that is INBOX in any case.
 *
 * @example INBOX in lower case
 * ```ts
 * import { isInbox, parseRenameName } from "./rename_names.ts";
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { SyncScope } from "./sync_scope.ts";
 * console.log(isInbox(parseRenameName("inbox", 0x2f, DEFAULT_LIMITS, new SyncScope("", 0x2f)))); // true
 * ```
 */
export function isInbox(name: Name): boolean {
  if (name.count !== 1 || name.ends[0] - name.starts[0] !== INBOX.length) return false;
  for (let k = 0, i = name.starts[0]; k < INBOX.length; k++, i++) {
    const c = name.bytes[i];
    if ((c >= 0x61 && c <= 0x7a ? c - 0x20 : c) !== INBOX[k]) return false;
  }
  return true;
}

/**
 * The name INBOX in capitals, the spelling to try when INBOX was given in another case.
 *
 * @returns The name.
 *
 * @example Its one component
 * ```ts
 * import { canonicalInbox } from "./rename_names.ts";
 * console.log(canonicalInbox().count); // 1
 * ```
 */
export function canonicalInbox(): Name {
  return { text: "INBOX", bytes: INBOX, starts: Int32Array.of(0), ends: Int32Array.of(INBOX.length), count: 1, length: 5 };
}

/**
 * Whether the components of `prefix` begin the components of `name` (a
 * name equals itself, and lies under each of its parents).
 *
 * @param name A parsed name.
 * @param prefix Another.
 * @returns True when `name` is `prefix` or lies under it.
 *
 * @example A name under another
 * ```ts
 * import { parseRenameName, startsWithName } from "./rename_names.ts";
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { SyncScope } from "./sync_scope.ts";
 * const scope = new SyncScope("", 0x2f);
 * const a = parseRenameName("Archive", 0x2f, DEFAULT_LIMITS, scope);
 * const b = parseRenameName("Archive/2024", 0x2f, DEFAULT_LIMITS, scope);
 * console.log(startsWithName(b, a), startsWithName(a, b)); // true false
 * ```
 */
export function startsWithName(name: Name, prefix: Name): boolean {
  if (name.count < prefix.count) return false;
  for (let k = 0; k < prefix.count; k++) {
    const as = prefix.starts[k], ae = prefix.ends[k], bs = name.starts[k], be = name.ends[k];
    if (ae - as !== be - bs) return false;
    for (let i = 0; i < ae - as; i++) if (prefix.bytes[as + i] !== name.bytes[bs + i]) return false;
  }
  return true;
}
