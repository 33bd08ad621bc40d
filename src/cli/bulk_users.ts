/**
 * The files of `bulk`: the users file it reads (one user a line: name,
 * store, index) and the state file it appends to as each user's job ends,
 * which lets a rerun skip the users already done.
 *
 * Users file: UTF-8, one user a line. Blank lines and lines starting with
 * `#` are skipped. A line's three fields, NAME STORE INDEX, are separated
 * by TABs when the line holds a TAB (then paths may hold spaces), else by
 * runs of spaces. STORE is `maildir:DIR`, `fs:DIR` or `list:FILE` (the
 * sources `--maildir`, `--fs` and `--from-list` of `rebuild` and `sync`),
 * or a bare path read with the run's `--layout`. Relative paths are taken
 * from the users file's directory. Names and indexes must be unique.
 *
 * State file: one JSON object a line, appended as each job ends, each line
 * in one write: a crash loses no finished line, and a torn last line is
 * skipped when the file is read.
 *
 * @module
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { describeFsError } from "../format/fs_error.ts";
import type { BulkUser, BulkUserResult } from "../rebuild/bulk.ts";
import { CliError } from "./errors.ts";

/**
 * The store layouts a users file may name, as `--layout` takes them.
 *
 * @example Checking a layout
 * ```ts
 * import { BULK_LAYOUTS } from "./bulk_users.ts";
 * console.log(BULK_LAYOUTS.includes("fs")); // true
 * ```
 */
export const BULK_LAYOUTS: readonly BulkUser["layout"][] = ["maildir", "fs", "list"];

/**
 * Parse a users file's text.
 *
 * @param text The file's text.
 * @param file Its path (relative paths inside are taken from its directory; errors name it).
 * @param layout The layout of a bare store path.
 * @returns The users, in file order.
 * @throws CliError naming the file and the line of a line without three fields, with an empty field, or with a name or index given before.
 *
 * @example Two users, one with its own layout
 * ```ts
 * import { parseUsersFile } from "./bulk_users.ts";
 * const users = parseUsersFile("# name store index\nalice /m/alice /i/alice.mlist\nbob\tlist:/n/bob.txt\t/i/bob.mlist\n", "/etc/users", "maildir");
 * console.log(users.map((u) => `${u.name} ${u.layout} ${u.store}`)); // ["alice maildir /m/alice", "bob list /n/bob.txt"]
 * ```
 */
export function parseUsersFile(text: string, file: string, layout: BulkUser["layout"]): BulkUser[] {
  const base = dirname(resolve(file));
  const users: BulkUser[] = [];
  const names = new Map<string, number>();
  const indexes = new Map<string, number>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    const bad = (why: string) => new CliError(`Invalid users file "${file}", line ${i + 1}: ${why}`, 2);
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const fields = line.includes("\t") ? line.split("\t") : line.trim().split(/ +/);
    if (fields.length !== 3) {
      throw bad(`expected 3 fields (NAME STORE INDEX, separated by TABs or spaces), found ${fields.length}`);
    }
    if (fields.some((f) => f === "")) throw bad("a field is empty");
    const [name, storeField, indexField] = fields;
    const m = /^(maildir|fs|list):(.*)$/.exec(storeField);
    if (m !== null && m[2] === "") throw bad(`store ${JSON.stringify(storeField)} names no path`);
    const store = resolve(base, m === null ? storeField : m[2]);
    const index = resolve(base, indexField);
    const seenName = names.get(name);
    if (seenName !== undefined) throw bad(`user ${JSON.stringify(name)} was given on line ${seenName} already`);
    const seenIndex = indexes.get(index);
    if (seenIndex !== undefined) throw bad(`index "${index}" was given on line ${seenIndex} already`);
    names.set(name, i + 1);
    indexes.set(index, i + 1);
    users.push({ name, layout: m === null ? layout : m[1] as BulkUser["layout"], store, index });
  }
  return users;
}

/**
 * Read a users file.
 *
 * @param file Its path.
 * @param layout The layout of a bare store path.
 * @returns The users, in file order.
 * @throws CliError when it cannot be read or a line is bad.
 *
 * @example The users of a run
 * ```ts ignore
 * const users = await readUsersFile("/etc/mail/users.txt", "maildir");
 * ```
 */
export async function readUsersFile(file: string, layout: BulkUser["layout"]): Promise<BulkUser[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new CliError(`Cannot read users file "${file}": ${describeFsError(e)}`, 1);
  }
  return parseUsersFile(text, file, layout);
}

/**
 * What a user's job is: its layout, store and index. A state line counts
 * for a user only while the users file gives the same job.
 *
 * @param user The user.
 * @returns The key.
 *
 * @example A key
 * ```ts
 * import { jobKey } from "./bulk_users.ts";
 * console.log(JSON.stringify(jobKey({ name: "a", layout: "fs", store: "/m/a", index: "/i/a" }))); // "fs\t/m/a\t/i/a"
 * ```
 */
export function jobKey(user: BulkUser): string {
  return `${user.layout}\t${user.store}\t${user.index}`;
}

/**
 * One line of the state file: a user's job that ended.
 *
 * @example A user rebuilt
 * ```ts
 * import type { StateEntry } from "./bulk_users.ts";
 * const e: StateEntry = { user: "alice", key: "maildir\t/m/a\t/i/a", status: "rebuilt", mailboxes: 500, ms: 9 };
 * ```
 */
export interface StateEntry {
  /** The user's name. */
  user: string;
  /** Its job ({@linkcode jobKey}). */
  key: string;
  /** How it ended. */
  status: BulkUserResult["status"];
  /** Mailboxes afterwards. */
  mailboxes: number;
  /** Milliseconds it took. */
  ms: number;
  /** Why it failed. */
  error?: string;
}

/**
 * The users a state file records as done: the last line of each user
 * counts, and only when it did not fail and names the same job.
 *
 * @param text The state file's text.
 * @param users The users of this run.
 * @returns The done users' last entries, by name.
 *
 * @example Alice done, Bob failed
 * ```ts
 * import { doneUsers, jobKey } from "./bulk_users.ts";
 * const alice = { name: "alice", layout: "list" as const, store: "/n/a", index: "/i/a" };
 * const bob = { name: "bob", layout: "list" as const, store: "/n/b", index: "/i/b" };
 * const text = JSON.stringify({ user: "alice", key: jobKey(alice), status: "rebuilt", mailboxes: 3, ms: 1 }) + "\n" +
 *   JSON.stringify({ user: "bob", key: jobKey(bob), status: "failed", mailboxes: 0, ms: 1, error: "x" }) + "\n{\"us";
 * console.log([...doneUsers(text, [alice, bob]).keys()]); // ["alice"]
 * ```
 */
export function doneUsers(text: string, users: readonly BulkUser[]): Map<string, StateEntry> {
  const last = new Map<string, StateEntry>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let e: StateEntry;
    try {
      e = JSON.parse(line) as StateEntry;
    } catch {
      continue; // a line torn by a crash
    }
    if (typeof e === "object" && e !== null && typeof e.user === "string") last.set(e.user, e);
  }
  const done = new Map<string, StateEntry>();
  for (const u of users) {
    const e = last.get(u.name);
    if (e !== undefined && e.status !== "failed" && e.key === jobKey(u)) done.set(u.name, e);
  }
  return done;
}

/**
 * The state file of a run, open for appending. Each entry is one line
 * written by one `write` call on a file opened for appending, so that
 * lines never interleave and a crash tears at most the last one.
 *
 * @example Record one user
 * ```ts ignore
 * const state = StateFile.open("/etc/mail/users.txt.state", "");
 * state.append({ user: "alice", key, status: "rebuilt", mailboxes: 500, ms: 9 });
 * state.close();
 * ```
 */
export class StateFile {
  readonly #fd: number;
  readonly #path: string;

  private constructor(fd: number, path: string) {
    this.#fd = fd;
    this.#path = path;
  }

  #fail(e: unknown): never {
    throw new CliError(`Cannot write state file "${this.#path}": ${describeFsError(e)}`, 1);
  }

  /**
   * Open (or create) a state file for appending, ending a torn last line first.
   *
   * @param path The file.
   * @param text What it holds now.
   * @returns The file.
   * @throws CliError when it cannot be opened or written.
   */
  static open(path: string, text: string): StateFile {
    let fd: number;
    try {
      fd = openSync(path, "a");
    } catch (e) {
      throw new CliError(`Cannot write state file "${path}": ${describeFsError(e)}`, 1);
    }
    const file = new StateFile(fd, path);
    if (text !== "" && !text.endsWith("\n")) file.#write("\n");
    return file;
  }

  #write(text: string): void {
    try {
      writeSync(this.#fd, text);
    } catch (e) {
      this.#fail(e);
    }
  }

  /**
   * Append one entry as one line.
   *
   * @param entry The entry.
   * @returns Nothing.
   * @throws CliError when it cannot be written.
   */
  append(entry: StateEntry): void {
    this.#write(JSON.stringify(entry) + "\n");
  }

  /**
   * Flush and close.
   *
   * @returns Nothing.
   */
  close(): void {
    try {
      fsyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
    }
  }
}

/**
 * Read a state file's text; a missing file is empty.
 *
 * @param path The file.
 * @returns Its text.
 * @throws CliError when it exists and cannot be read.
 *
 * @example A first run
 * ```ts ignore
 * const text = await readStateFile("/etc/mail/users.txt.state"); // ""
 * ```
 */
export async function readStateFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return "";
    throw new CliError(`Cannot read state file "${path}": ${describeFsError(e)}`, 1);
  }
}
