/**
 * The users file and its password hashes.
 *
 * One line per user: `name<TAB>password-hash<TAB>maildir-root`. Blank lines
 * and lines starting with `#` are skipped. The hash is scrypt (RFC 7914,
 * `node:crypto`) written as
 *
 *     scrypt$N$r$p$SALT$HASH
 *
 * with N, r and p in decimal and SALT and HASH in standard base64 (the hash
 * is as long as its decoded bytes say: 32 bytes when made here). Passwords
 * are hashed as the UTF-8 bytes of their Unicode NFC form. A password is
 * checked by deriving the hash again and comparing in constant time; a user
 * who does not exist costs the same derivation, so the answer time does not
 * tell whether a name exists.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";

/** scrypt parameters of a hash. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/** The parameters new hashes get: N = 2^14, r = 8, p = 1 (16 MiB, tens of milliseconds). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1 };

/** Bytes of salt and of derived key in new hashes. */
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** The largest memory a hash from the users file may ask for (128 * N * r bytes), to refuse absurd parameters. */
const MAX_MEMORY = 256 * 1024 * 1024;

/** A user of the users file. */
export interface UserEntry {
  /** The login name. */
  name: string;
  /** The encoded scrypt hash. */
  hash: string;
  /** The Maildir++ root of the user's mail (absolute). */
  root: string;
}

/** Run scrypt without blocking the event loop. */
function derive(password: string, salt: Uint8Array, keyLength: number, params: ScryptParams): Promise<Uint8Array> {
  const maxmem = 128 * params.N * params.r * 2 + 1024 * 1024;
  return new Promise((ok, fail) => {
    scrypt(password.normalize("NFC"), salt, keyLength, { N: params.N, r: params.r, p: params.p, maxmem }, (e, key) => {
      if (e) fail(e);
      else ok(new Uint8Array(key));
    });
  });
}

/**
 * Hash a password for the users file.
 *
 * @param password The password.
 * @param params The scrypt parameters (default {@linkcode DEFAULT_SCRYPT}).
 * @returns The encoded hash, `scrypt$N$r$p$SALT$HASH`.
 *
 * @example Hash, then check
 * ```ts
 * import { hashPassword, verifyPassword } from "./users.ts";
 * const hash = await hashPassword("secret");
 * console.log(hash.startsWith("scrypt$16384$8$1$"), await verifyPassword("secret", hash)); // true true
 * ```
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  checkParams(params, "the requested parameters");
  const salt = new Uint8Array(randomBytes(SALT_BYTES));
  const key = await derive(password, salt, KEY_BYTES, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${b64(salt)}$${b64(key)}`;
}

/** A hash read back: its parameters, salt and derived key. */
interface DecodedHash {
  params: ScryptParams;
  salt: Uint8Array;
  key: Uint8Array;
}

/** Throw when scrypt parameters are not a power-of-two N and small positive r and p within the memory cap. */
function checkParams(params: ScryptParams, what: string): void {
  const { N, r, p } = params;
  const ok = Number.isInteger(N) && N >= 2 && (N & (N - 1)) === 0 && Number.isInteger(r) && r >= 1 && r <= 64 &&
    Number.isInteger(p) && p >= 1 && p <= 16 && 128 * N * r <= MAX_MEMORY;
  if (!ok) throw new RangeError(`Invalid scrypt parameters in ${what}: N=${N} r=${r} p=${p}`);
}

/**
 * Read an encoded hash.
 *
 * @param encoded `scrypt$N$r$p$SALT$HASH`.
 * @returns Its parts.
 * @throws {RangeError} For anything else, or parameters out of range.
 */
function decodeHash(encoded: string): DecodedHash {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt" || !parts.slice(1, 4).every((s) => /^[0-9]{1,10}$/.test(s))) {
    throw new RangeError(`Invalid password hash ${JSON.stringify(shorten(encoded))}: expected "scrypt$N$r$p$SALT$HASH"`);
  }
  const params = { N: Number(parts[1]), r: Number(parts[2]), p: Number(parts[3]) };
  checkParams(params, "a password hash");
  const salt = fromB64(parts[4]);
  const key = fromB64(parts[5]);
  if (salt === undefined || key === undefined || salt.length < 8 || key.length < 16 || key.length > 64) {
    throw new RangeError(`Invalid password hash ${JSON.stringify(shorten(encoded))}: bad salt or hash`);
  }
  return { params, salt, key };
}

/** A dummy hash, derived against when the user does not exist (same cost as a real check). */
let dummy: DecodedHash | undefined;

/**
 * Check a password against an encoded hash, in constant time once derived.
 *
 * @param password The password given.
 * @param encoded The hash from the users file, or undefined for a user who
 *   does not exist (the same work is done, and the answer is false).
 * @returns Whether the password matches.
 * @throws {RangeError} For a hash that is not `scrypt$N$r$p$SALT$HASH`.
 */
export async function verifyPassword(password: string, encoded: string | undefined): Promise<boolean> {
  if (encoded === undefined) {
    dummy ??= decodeHash(await hashPassword("-"));
    await derive(password, dummy.salt, dummy.key.length, dummy.params);
    return false;
  }
  const h = decodeHash(encoded);
  const key = await derive(password, h.salt, h.key.length, h.params);
  return timingSafeEqual(key, h.key);
}

/**
 * Parse the users file.
 *
 * @param text The file's text.
 * @param file Its path: relative Maildir roots are taken from its folder, and errors name it.
 * @returns The users by name.
 * @throws {SyntaxError} For a line without three TAB-separated fields, an
 *   empty name, a name given twice, or a hash that is not scrypt.
 *
 * @example One user
 * ```ts
 * import { parseUsers } from "./users.ts";
 * const users = parseUsers("alice\tscrypt$16384$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==\t/srv/mail/alice\n", "/etc/imap/users");
 * console.log(users.get("alice")?.root); // /srv/mail/alice
 * ```
 */
export function parseUsers(text: string, file: string): Map<string, UserEntry> {
  const users = new Map<string, UserEntry>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line.trim() === "" || line.startsWith("#")) continue;
    const where = `line ${i + 1} of users file "${file}"`;
    const fields = line.split("\t");
    if (fields.length !== 3 || fields[0] === "" || fields[2] === "") {
      throw new SyntaxError(`Invalid ${where}: expected "name<TAB>password-hash<TAB>maildir-root"`);
    }
    const [name, hash, root] = fields;
    if (users.has(name)) throw new SyntaxError(`Invalid ${where}: user ${JSON.stringify(name)} is listed twice`);
    try {
      decodeHash(hash);
    } catch (e) {
      throw new SyntaxError(`Invalid ${where}: ${(e as Error).message}`);
    }
    users.set(name, { name, hash, root: isAbsolute(root) ? root : resolve(file, "..", root) });
  }
  return users;
}

/**
 * Read and parse the users file (read again at every login, so that users
 * can be added without a restart).
 *
 * @param file Its path.
 * @returns The users by name.
 * @throws {SyntaxError} As {@linkcode parseUsers}; the file system's error when it cannot be read.
 */
export async function readUsers(file: string): Promise<Map<string, UserEntry>> {
  return parseUsers(await readFile(file, "utf8"), file);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

function fromB64(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return new Uint8Array(Buffer.from(s, "base64"));
}

function shorten(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}
