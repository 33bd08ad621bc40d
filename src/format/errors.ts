/**
 * Typed errors. Each names the input it refers to.
 *
 * @module
 */

/**
 * The index file (or its attribute file or journal) failed a structural check.
 *
 * @example Catching corruption
 * ```ts
 * import { CorruptIndexError } from "./errors.ts";
 * const err = new CorruptIndexError("/tmp/x.mlist", 28, "count 9999 exceeds file size");
 * console.log(err.message);
 * ```
 */
export class CorruptIndexError extends Error {
  /** Path of the damaged file. */
  readonly file: string;
  /** Byte offset where the failed check looked. */
  readonly offset: number;
  /** Which check failed, in words. */
  readonly check: string;
  /**
   * @param file Path of the damaged file.
   * @param offset Byte offset of the failed check.
   * @param check What was wrong there.
   */
  constructor(file: string, offset: number, check: string) {
    super(`Corrupt index "${file}" at offset ${offset}: ${check}`);
    this.name = "CorruptIndexError";
    this.file = file;
    this.offset = offset;
    this.check = check;
  }
}

/**
 * A mailbox name the index cannot hold (SPEC §9): empty, with a NUL byte,
 * a component too long, too many levels, too long as a whole, or a string
 * with no UTF-8 form (a lone surrogate).
 *
 * @example A name with a NUL byte
 * ```ts
 * import { InvalidNameError } from "./errors.ts";
 * const err = new InvalidNameError("a\0b", "contains a NUL byte");
 * console.log(err instanceof InvalidNameError, err.mailbox.length); // true 3
 * ```
 */
export class InvalidNameError extends Error {
  /** The rejected name. */
  readonly mailbox: string;
  /**
   * @param mailbox The rejected name.
   * @param reason Why it was rejected.
   */
  constructor(mailbox: string, reason: string) {
    super(`Invalid mailbox name ${JSON.stringify(mailbox)}: ${reason}`);
    this.name = "InvalidNameError";
    this.mailbox = mailbox;
  }
}

/**
 * A sync would pass a hard limit of the format: the 1 GiB addressable size
 * or the last UID. The previous index stays valid.
 *
 * @example A file that would grow past 1 GiB
 * ```ts
 * import { IndexLimitError } from "./errors.ts";
 * const err = new IndexLimitError("/tmp/x.mlist", "file would grow past 1073741824 bytes");
 * console.log(err.file); // "/tmp/x.mlist"
 * ```
 */
export class IndexLimitError extends Error {
  /** Path of the index. */
  readonly file: string;
  /**
   * @param file Path of the index.
   * @param reason Which limit and by how much.
   */
  constructor(file: string, reason: string) {
    super(`Cannot sync index "${file}": ${reason}`);
    this.name = "IndexLimitError";
    this.file = file;
  }
}

/**
 * Another process held the writer lock for longer than the timeout.
 *
 * @example A lock another process held too long
 * ```ts
 * import { LockTimeoutError } from "./errors.ts";
 * const err = new LockTimeoutError("/tmp/x.mlist.lock", 1234, 5000);
 * console.log(err.holderPid, err.lockPath); // 1234 "/tmp/x.mlist.lock"
 * ```
 */
export class LockTimeoutError extends Error {
  /** Path of the lock file. */
  readonly lockPath: string;
  /** Process id of the holder, when it could be read. */
  readonly holderPid: number | undefined;
  /**
   * @param lockPath Path of the lock file.
   * @param holderPid Pid of the holder, if known.
   * @param timeoutMs How long the caller waited.
   */
  constructor(lockPath: string, holderPid: number | undefined, timeoutMs: number) {
    super(
      `Cannot lock "${lockPath}": held by pid ${holderPid ?? "unknown"} for longer than ${timeoutMs} ms`,
    );
    this.name = "LockTimeoutError";
    this.lockPath = lockPath;
    this.holderPid = holderPid;
  }
}

/**
 * An operation on a closed index, a finished sync, or a read-only index.
 *
 * @example Adding to a committed sync
 * ```ts
 * import { IndexStateError } from "./errors.ts";
 * const err = new IndexStateError("Cannot add to sync of \"/tmp/x\": it was already committed");
 * console.log(err.name); // "IndexStateError"
 * ```
 */
export class IndexStateError extends Error {
  /** @param message What was attempted and why it cannot be done. */
  constructor(message: string) {
    super(message);
    this.name = "IndexStateError";
  }
}

/**
 * A sync's writer lock is no longer its own, or the index's files are no
 * longer the ones the sync started from (SPEC §6). Nothing was written.
 *
 * @example A lock another process took over
 * ```ts
 * import { LockLostError } from "./errors.ts";
 * const err = new LockLostError("/tmp/x.mlist.lock", "it is now held by pid 42");
 * console.log(err.name); // "LockLostError"
 * ```
 */
export class LockLostError extends Error {
  /** Path of the lock file. */
  readonly lockPath: string;
  /**
   * @param lockPath Path of the lock file.
   * @param reason What changed since the sync began.
   */
  constructor(lockPath: string, reason: string) {
    super(`Cannot commit under lock "${lockPath}": ${reason}; nothing was written`);
    this.name = "LockLostError";
    this.lockPath = lockPath;
  }
}

/**
 * One of the index's own files (list, attribute, journal, lock or a
 * temporary `.new` file) is a symbolic link or not a regular file
 * (SPEC §6). It is neither followed nor written.
 *
 * @example A journal that is a symbolic link
 * ```ts
 * import { UnsafeFileError } from "./errors.ts";
 * const err = new UnsafeFileError("/tmp/x.mlist.journal", "it is a symbolic link");
 * console.log(err.message);
 * ```
 */
export class UnsafeFileError extends Error {
  /** Path of the refused file. */
  readonly file: string;
  /**
   * @param file Path of the refused file.
   * @param reason Why it was refused.
   */
  constructor(file: string, reason: string) {
    super(`Refusing index file "${file}": ${reason}`);
    this.name = "UnsafeFileError";
    this.file = file;
  }
}

/**
 * A mail store whose root cannot be listed. A scan fails with this rather
 * than report an empty store, so that a full sync never deletes everything
 * because the root could not be read (SPEC §9).
 *
 * @example The error of an unreadable root
 * ```ts
 * import { StoreReadError } from "./errors.ts";
 * const err = new StoreReadError("/srv/mail/u", "permission denied", "EACCES");
 * console.log(err.message, err.code); // Cannot read store root "/srv/mail/u": permission denied EACCES
 * ```
 */
export class StoreReadError extends Error {
  /** The store root, as it was given. */
  readonly root: string;
  /** The file system error's code ("EACCES", "ENOENT", ...), when there is one. */
  readonly code: string | undefined;
  /**
   * @param root The store root, as it was given.
   * @param reason What failed, in a few words.
   * @param code The file system error's code.
   * @param options The underlying error as `cause`.
   */
  constructor(root: string, reason: string, code?: string, options?: { cause?: unknown }) {
    super(`Cannot read store root "${root}": ${reason}`, options);
    this.name = "StoreReadError";
    this.root = root;
    this.code = code;
  }
}

/**
 * A call names a mailbox the index does not hold as a mailbox: it is not
 * in the index (nor added by the sync making the call), or it is only a
 * `\NonExistent` placeholder, a parent that the names imply. Attributes
 * that belong to real mailboxes, such as special-use (RFC 6154), are
 * refused for it; the sync making the call goes on.
 *
 * @example Special-use on a placeholder
 * ```ts
 * import { NoSuchMailboxError } from "./errors.ts";
 * const err = new NoSuchMailboxError("Archive", "is a \\NonExistent placeholder, not a mailbox");
 * console.log(err.message); // Mailbox "Archive" is a \NonExistent placeholder, not a mailbox
 * ```
 */
export class NoSuchMailboxError extends Error {
  /** The mailbox as the call gave it: a full name or a UID. */
  readonly mailbox: string | number;
  /**
   * @param mailbox The mailbox as the call gave it: a full name or a UID.
   * @param reason Why it is not a mailbox, as the rest of the sentence ("is not in the index").
   */
  constructor(mailbox: string | number, reason: string) {
    super(`Mailbox ${typeof mailbox === "string" ? JSON.stringify(mailbox) : `with UID ${mailbox}`} ${reason}`);
    this.name = "NoSuchMailboxError";
    this.mailbox = mailbox;
  }
}

/**
 * A mailbox GUID (SPEC §12) given to the API that is not one: not 32
 * hexadecimal digits or 16 bytes, or all zeros (which means "no GUID").
 *
 * @example A GUID one digit short
 * ```ts
 * import { InvalidGuidError } from "./errors.ts";
 * const err = new InvalidGuidError("0123", "is not 32 hexadecimal digits");
 * console.log(err.message); // Invalid mailbox GUID "0123": is not 32 hexadecimal digits
 * ```
 */
export class InvalidGuidError extends Error {
  /** The value as given (a byte array is shown as its hex digits). */
  readonly guid: string;
  /**
   * @param guid The value as given, as text.
   * @param reason Why it is not a GUID.
   */
  constructor(guid: string, reason: string) {
    super(`Invalid mailbox GUID ${JSON.stringify(guid)}: ${reason}`);
    this.name = "InvalidGuidError";
    this.guid = guid;
  }
}

/**
 * A STATUS figure given to `setStatus` that the attribute file cannot hold
 * as it is: not a whole number, negative, or above its field's range (2^32
 * − 1 for the 32-bit figures, 2^63 − 1 for `highestModSeq` and `size`, as
 * RFC 7162 and RFC 8438 bound them). Nothing is clipped.
 *
 * @example A negative SIZE
 * ```ts
 * import { InvalidStatusError } from "./errors.ts";
 * const err = new InvalidStatusError("INBOX", "size", -1, "is negative");
 * console.log(err.message); // Invalid STATUS figure size -1 of mailbox "INBOX": is negative
 * ```
 */
export class InvalidStatusError extends Error {
  /** The mailbox as the call gave it. */
  readonly mailbox: string | number;
  /** The field of `MailboxStatus`. */
  readonly field: string;
  /** The value as given. */
  readonly value: unknown;
  /**
   * @param mailbox The mailbox as the call gave it: a full name or a UID.
   * @param field The field of `MailboxStatus`.
   * @param value The value as given.
   * @param reason Why it cannot be stored.
   */
  constructor(mailbox: string | number, field: string, value: unknown, reason: string) {
    const shown = typeof value === "bigint" ? `${value}n` : JSON.stringify(value) ?? String(value);
    const of = typeof mailbox === "string" ? JSON.stringify(mailbox) : `with UID ${mailbox}`;
    super(`Invalid STATUS figure ${field} ${shown} of mailbox ${of}: ${reason}`);
    this.name = "InvalidStatusError";
    this.mailbox = mailbox;
    this.field = field;
    this.value = value;
  }
}

/**
 * A mailbox would get a child under a mailbox that cannot have any: one
 * with `\NoInferiors` (RFC 3501 §7.2.2). IMAP CREATE answers it with NO;
 * the sync making the call goes on and adds nothing for the name.
 *
 * @example A folder under a \NoInferiors mailbox
 * ```ts
 * import { NoInferiorsError } from "./errors.ts";
 * const err = new NoInferiorsError("Spool/new", "Spool");
 * console.log(err.message); // Cannot add mailbox "Spool/new": "Spool" is \NoInferiors and cannot have children
 * ```
 */
export class NoInferiorsError extends Error {
  /** The name that was refused. */
  readonly mailbox: string;
  /** Full name of the `\NoInferiors` mailbox it would lie under. */
  readonly parent: string;
  /**
   * @param mailbox The name that was refused.
   * @param parent Full name of the `\NoInferiors` mailbox it would lie under.
   */
  constructor(mailbox: string, parent: string) {
    super(`Cannot add mailbox ${JSON.stringify(mailbox)}: ${JSON.stringify(parent)} is \\NoInferiors and cannot have children`);
    this.name = "NoInferiorsError";
    this.mailbox = mailbox;
    this.parent = parent;
  }
}

/**
 * Why a rename (SPEC §11) was refused: `from` does not exist
 * (`NONEXISTENT`), `to` exists as a mailbox (`ALREADYEXISTS`), `to` lies
 * inside `from`'s subtree (`INSIDE`), `from` and the placeholder at `to`
 * both have a child of one name (`CONFLICT`), or a name under `to` would
 * pass a name limit (`LIMIT`).
 *
 * @example The codes
 * ```ts
 * import type { RenameErrorCode } from "./errors.ts";
 * const codes: RenameErrorCode[] = ["NONEXISTENT", "ALREADYEXISTS", "INSIDE", "CONFLICT", "LIMIT"];
 * console.log(codes.length); // 5
 * ```
 */
export type RenameErrorCode = "NONEXISTENT" | "ALREADYEXISTS" | "INSIDE" | "CONFLICT" | "LIMIT";

/** The IMAP response code (RFC 5530) of each reason. */
const RENAME_IMAP_CODES: Readonly<Record<RenameErrorCode, string>> = Object.freeze({
  NONEXISTENT: "NONEXISTENT",
  ALREADYEXISTS: "ALREADYEXISTS",
  INSIDE: "CANNOT",
  CONFLICT: "ALREADYEXISTS",
  LIMIT: "LIMIT",
});

/**
 * A rename (SPEC §11) that the index refuses; nothing changed. Names both
 * mailboxes and says why, with a code and the IMAP response code (RFC
 * 5530) a server answers RENAME with.
 *
 * @example A rename into its own subtree
 * ```ts
 * import { RenameError } from "./errors.ts";
 * const err = new RenameError("INSIDE", "Archive", "Archive/2024/old", "the new name lies inside the mailbox's own subtree");
 * console.log(err.message); // Cannot rename "Archive" to "Archive/2024/old": the new name lies inside the mailbox's own subtree
 * console.log(err.code, err.imapCode); // INSIDE CANNOT
 * ```
 */
export class RenameError extends Error {
  /** Why the rename was refused. */
  readonly code: RenameErrorCode;
  /** The IMAP response code (RFC 5530) for a tagged NO: NONEXISTENT, ALREADYEXISTS, CANNOT or LIMIT. */
  readonly imapCode: string;
  /** The mailbox to rename, as given. */
  readonly from: string;
  /** The new name, as given. */
  readonly to: string;
  /**
   * @param code Why the rename was refused.
   * @param from The mailbox to rename, as given.
   * @param to The new name, as given.
   * @param reason The rest of the sentence, naming what is wrong.
   */
  constructor(code: RenameErrorCode, from: string, to: string, reason: string) {
    super(`Cannot rename ${JSON.stringify(from)} to ${JSON.stringify(to)}: ${reason}`);
    this.name = "RenameError";
    this.code = code;
    this.imapCode = RENAME_IMAP_CODES[code];
    this.from = from;
    this.to = to;
  }
}

/** Why a change feed cursor cannot be resumed from: see {@linkcode ChangeCursorError}. */
export type ChangeCursorErrorCode = "MALFORMED" | "FOREIGN" | "EXPIRED";

/**
 * A change feed cursor (SPEC §13) that cannot be resumed from: not a
 * cursor (`MALFORMED`), of another change log or ahead of it (`FOREIGN`:
 * the log was started again), or older than the history the log keeps
 * (`EXPIRED`: the watcher is too far behind). Either way, read the index
 * afresh and watch from now.
 *
 * @example A watcher too far behind
 * ```ts
 * import { ChangeCursorError } from "./errors.ts";
 * const err = new ChangeCursorError("EXPIRED", "00c0ffee:3", "/tmp/u.mlist.changes", "it keeps batches 40 to 90");
 * console.log(err.message); // Cannot resume from cursor "00c0ffee:3" of change log "/tmp/u.mlist.changes": it keeps batches 40 to 90
 * ```
 */
export class ChangeCursorError extends Error {
  /** Why. */
  readonly code: ChangeCursorErrorCode;
  /** The cursor, as given. */
  readonly cursor: string;
  /** Path of the change log. */
  readonly file: string;
  /**
   * @param code Why.
   * @param cursor The cursor, as given.
   * @param file Path of the change log.
   * @param reason The rest of the sentence.
   */
  constructor(code: ChangeCursorErrorCode, cursor: string, file: string, reason: string) {
    super(`Cannot resume from cursor ${JSON.stringify(cursor)} of change log "${file}": ${reason}`);
    this.name = "ChangeCursorError";
    this.code = code;
    this.cursor = cursor;
    this.file = file;
  }
}
