/**
 * The logged-in users of a server: checking a password against the users
 * file, and for each user with a connection open, one {@linkcode UserStore}
 * (one index under the index directory) shared by that user's connections
 * and by nobody else's, with a cap on how many connections a user has open.
 *
 * A user's store is opened, and reconciled with the disk, when the user
 * logs in with no other connection open; it is closed when the user's last
 * connection ends.
 *
 * @module
 */
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { type ReconcileResult, UserStore } from "./store.ts";
import { readUsers, verifyPassword } from "./users.ts";

/** How the accounts are set up. */
export interface AccountsOptions {
  /** The users file. */
  usersFile: string;
  /** The directory of the users' indexes. */
  indexDir: string;
  /** Connections a user may have open at once. */
  maxConnectionsPerUser: number;
  /** Scan the store and sync the index when a user's store is opened (default true). */
  loginScan?: boolean;
  /** Where warnings go. */
  log?: (message: string) => void;
}

/** A logged-in connection's hold on its user's store; release it when the connection ends. */
export interface AccountLease {
  /** The user's name. */
  readonly user: string;
  /** The user's store and index. */
  readonly store: UserStore;
  /**
   * Let go (once; later calls do nothing); the store closes with its last lease.
   *
   * @returns Nothing.
   */
  release(): Promise<void>;
}

/** Too many connections of one user: LOGIN is answered `NO [LIMIT]`. */
export class ConnectionLimitError extends Error {
  /**
   * @param user The user.
   * @param limit The cap.
   */
  constructor(user: string, limit: number) {
    super(`User ${JSON.stringify(user)} already has ${limit} connections open, the most allowed`);
    this.name = "ConnectionLimitError";
  }
}

/**
 * The file name of a user's index under the index directory: `u-NAME.mlist`
 * when the name is only letters, digits and `._@-` (not starting with a
 * dot), else `x-HEX.mlist` with the name's UTF-8 bytes in hex, so that no
 * two users share a file and no name leaves the directory.
 *
 * @param user The user's name.
 * @returns The file name.
 *
 * @example
 * ```ts
 * import { indexFileName } from "./accounts.ts";
 * console.log(indexFileName("alice@example.org"), indexFileName("../x")); // u-alice@example.org.mlist x-2e2e2f78.mlist
 * ```
 */
export function indexFileName(user: string): string {
  if (/^[A-Za-z0-9_@-][A-Za-z0-9._@-]*$/.test(user)) return `u-${user}.mlist`;
  return `x-${Buffer.from(user, "utf8").toString("hex")}.mlist`;
}

/** One user's open store and its connections. */
interface Open {
  store: Promise<UserStore>;
  count: number;
}

/**
 * The server's users (see the module documentation).
 *
 * @example Log a user in
 * ```ts ignore
 * const accounts = new Accounts({ usersFile: "users", indexDir: "indexes", maxConnectionsPerUser: 20 });
 * const entry = await accounts.check("alice", "secret");
 * if (entry) {
 *   const lease = await accounts.acquire(entry.name, entry.root);
 *   // ... lease.store.index ...
 *   await lease.release();
 * }
 * ```
 */
export class Accounts {
  readonly #options: AccountsOptions;
  readonly #open = new Map<string, Open>();

  /**
   * @param options Users file, index directory, connection cap.
   */
  constructor(options: AccountsOptions) {
    this.#options = options;
  }

  /**
   * Check a user's password (the users file is read again each time).
   *
   * @param user The name given.
   * @param password The password given.
   * @returns The user's name and Maildir root, or undefined when the name or password is wrong.
   */
  async check(user: string, password: string): Promise<{ name: string; root: string } | undefined> {
    const entry = (await readUsers(this.#options.usersFile)).get(user);
    const ok = await verifyPassword(password, entry?.hash);
    return ok && entry !== undefined ? { name: entry.name, root: entry.root } : undefined;
  }

  /**
   * Take a connection's hold on a user's store, opening (and reconciling)
   * it when the user has no other connection.
   *
   * @param user The user.
   * @param root The user's Maildir++ root.
   * @returns The lease.
   * @throws {ConnectionLimitError} When the user has the most connections allowed.
   */
  async acquire(user: string, root: string): Promise<AccountLease> {
    let open = this.#open.get(user);
    if (open !== undefined && open.count >= this.#options.maxConnectionsPerUser) {
      throw new ConnectionLimitError(user, this.#options.maxConnectionsPerUser);
    }
    if (open === undefined) {
      open = { store: this.#openStore(user, root), count: 0 };
      this.#open.set(user, open);
    }
    open.count++;
    const held = open;
    let store: UserStore;
    try {
      store = await held.store;
    } catch (e) {
      await this.#release(user, held);
      throw e;
    }
    let released = false;
    return {
      user,
      store,
      release: () => {
        if (released) return Promise.resolve();
        released = true;
        return this.#release(user, held);
      },
    };
  }

  /** Open a user's store and reconcile it with the disk. */
  async #openStore(user: string, root: string): Promise<UserStore> {
    const log = this.#options.log ?? (() => {});
    const store = await UserStore.open(root, join(this.#options.indexDir, indexFileName(user)), log);
    if (this.#options.loginScan !== false) {
      let r: ReconcileResult;
      try {
        r = await store.reconcile(log);
      } catch (e) {
        await store.close();
        throw e;
      }
      if (r.added + r.deleted > 0 || r.subscriptions) {
        log(`User ${JSON.stringify(user)}: the index was brought in line with the store (${r.added} added, ${r.deleted} deleted${r.subscriptions ? ", subscriptions replaced" : ""})`);
      }
    }
    return store;
  }

  async #release(user: string, open: Open): Promise<void> {
    open.count--;
    if (open.count > 0 || this.#open.get(user) !== open) return;
    this.#open.delete(user);
    try {
      await (await open.store).close();
    } catch {
      // It never opened: nothing to close.
    }
  }

  /**
   * How many connections a user has open.
   *
   * @param user The user.
   * @returns The count.
   */
  connections(user: string): number {
    return this.#open.get(user)?.count ?? 0;
  }
}
