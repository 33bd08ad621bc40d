/**
 * The SQLite alternative of the benchmark behind one small interface:
 * `bun:sqlite` on Bun, `better-sqlite3` (an optional dependency) on Node and
 * `node:sqlite` on Deno. {@linkcode SqliteMailboxes} implements the
 * benchmark's operations the way a TypeScript developer would with SQLite:
 * one `mailboxes(name TEXT PRIMARY KEY, uid INTEGER, parent INTEGER, flags
 * INTEGER)` table in WAL mode, an index on `parent`, prepared statements and
 * one transaction per bulk write.
 *
 * @example
 * ```ts ignore
 * import { openSqlite, SqliteMailboxes } from "./sqlite.ts";
 * const db = await openSqlite("/tmp/m.db");
 * if (db !== undefined) {
 *   const box = new SqliteMailboxes(db, "/");
 *   box.rebuild(["INBOX", "INBOX/Sent"]);
 *   console.log(box.lookup("INBOX/Sent")); // 2
 *   box.close();
 * }
 * ```
 *
 * @module
 */
import process from "node:process";
import { createRequire } from "node:module";

/** One prepared statement; positional `?` parameters. */
export interface SqlStatement {
  /** Execute, discarding any rows. */
  run(...params: unknown[]): void;
  /** The first row as an object, or undefined. */
  get(...params: unknown[]): Record<string, unknown> | undefined;
  /** All rows as arrays of column values. */
  values(...params: unknown[]): unknown[][];
}

/** One open SQLite database. */
export interface SqlDatabase {
  /** Which driver: "bun:sqlite", "better-sqlite3" or "node:sqlite". */
  readonly driver: string;
  /** The SQLite library version. */
  readonly version: string;
  /** Run SQL without parameters or results. */
  exec(sql: string): void;
  /** Prepare a statement. */
  prepare(sql: string): SqlStatement;
  /** Close the database. */
  close(): void;
}

type Row = Record<string, unknown>;

interface BunStatement {
  run(...p: unknown[]): unknown;
  get(...p: unknown[]): Row | null;
  values(...p: unknown[]): unknown[][];
}
interface BunDatabase {
  exec(sql: string): void;
  prepare(sql: string): BunStatement;
  close(): void;
}
interface BetterStatement {
  run(...p: unknown[]): unknown;
  get(...p: unknown[]): Row | undefined;
  all(...p: unknown[]): unknown[];
  raw(on: boolean): BetterStatement;
}
interface BetterDatabase {
  exec(sql: string): void;
  prepare(sql: string): BetterStatement;
  close(): void;
}
interface NodeStatement {
  run(...p: unknown[]): unknown;
  get(...p: unknown[]): Row | undefined;
  all(...p: unknown[]): unknown[];
  setReturnArrays(on: boolean): void;
}
interface NodeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeStatement;
  close(): void;
}

/**
 * The runtime this process runs on.
 *
 * @returns "deno", "bun" or "node".
 *
 * @example
 * ```ts
 * import { runtimeName } from "./sqlite.ts";
 * console.log(runtimeName()); // "deno" under Deno
 * ```
 */
export function runtimeName(): "deno" | "bun" | "node" {
  if ((globalThis as { Deno?: unknown }).Deno !== undefined) return "deno";
  if (process.versions.bun !== undefined) return "bun";
  return "node";
}

// Specifiers in variables: each one exists on one runtime only, and none has
// type declarations here.
const BUN_SQLITE = "bun:sqlite";
const NODE_SQLITE = "node:sqlite";
const BETTER_SQLITE3 = "better-sqlite3";

/**
 * Open (creating) a SQLite database with the runtime's driver.
 *
 * @param path Database file.
 * @returns The database, or `{ unavailable }` with the reason when this runtime has no usable driver.
 *
 * @example
 * ```ts ignore
 * import { openSqlite } from "./sqlite.ts";
 * const db = await openSqlite("/tmp/m.db");
 * if (!("unavailable" in db)) console.log(db.driver, db.version);
 * ```
 */
export async function openSqlite(path: string): Promise<SqlDatabase | { unavailable: string }> {
  const rt = runtimeName();
  try {
    if (rt === "bun") {
      const { Database } = await import(BUN_SQLITE) as { Database: new (p: string) => BunDatabase };
      const db = new Database(path);
      const version = String(db.prepare("SELECT sqlite_version() AS v").get()?.v);
      return {
        driver: "bun:sqlite",
        version,
        exec: (sql) => db.exec(sql),
        prepare(sql) {
          const s = db.prepare(sql);
          return {
            run: (...p) => void s.run(...p),
            get: (...p) => s.get(...p) ?? undefined,
            values: (...p) => s.values(...p),
          };
        },
        close: () => db.close(),
      };
    }
    if (rt === "deno") {
      const { DatabaseSync } = await import(NODE_SQLITE) as { DatabaseSync: new (p: string) => NodeDatabase };
      const db = new DatabaseSync(path);
      const version = String(db.prepare("SELECT sqlite_version() AS v").get()?.v);
      return {
        driver: "node:sqlite",
        version,
        exec: (sql) => db.exec(sql),
        prepare(sql) {
          const s = db.prepare(sql);
          let arrays: NodeStatement | undefined;
          return {
            run: (...p) => void s.run(...p),
            get: (...p) => s.get(...p),
            values(...p) {
              if (arrays === undefined) {
                arrays = db.prepare(sql);
                arrays.setReturnArrays(true);
              }
              return arrays.all(...p) as unknown[][];
            },
          };
        },
        close: () => db.close(),
      };
    }
    const require = createRequire(import.meta.url);
    const Database = require(BETTER_SQLITE3) as new (p: string) => BetterDatabase;
    const db = new Database(path);
    const version = String(db.prepare("SELECT sqlite_version() AS v").get()?.v);
    return {
      driver: "better-sqlite3",
      version,
      exec: (sql) => db.exec(sql),
      prepare(sql) {
        const s = db.prepare(sql);
        let raw: BetterStatement | undefined;
        return {
          run: (...p) => void s.run(...p),
          get: (...p) => s.get(...p),
          values(...p) {
            raw ??= db.prepare(sql).raw(true);
            return raw.all(...p) as unknown[][];
          },
        };
      },
      close: () => db.close(),
    };
  } catch (e) {
    return { unavailable: `${rt}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` };
  }
}

/** Options of {@linkcode SqliteMailboxes}. */
export interface SqliteMailboxesOptions {
  /** Flush each commit (`synchronous=FULL`, as the index's `durable: true`); else `synchronous=OFF`. */
  durable?: boolean;
  /** Page cache in MiB (default 256: the whole table and its indexes stay in memory up to about 2M rows). */
  cacheMb?: number;
}

/**
 * The mailbox hierarchy in one SQLite table, with the same operations the
 * benchmark runs on the index.
 */
export class SqliteMailboxes {
  /** The database. */
  readonly db: SqlDatabase;
  #sep: string;
  #nextUid = 0;
  #begin: SqlStatement;
  #commit: SqlStatement;
  #rollback: SqlStatement;
  #insert!: SqlStatement;
  #delete!: SqlStatement;
  #byName!: SqlStatement;
  #all!: SqlStatement;
  #allOrdered!: SqlStatement;
  #children!: SqlStatement;
  #namesUids!: SqlStatement;

  /**
   * Set up the schema (when missing) on an open database.
   *
   * @param db The database.
   * @param separator Hierarchy separator.
   * @param options Durability.
   */
  constructor(db: SqlDatabase, separator: string, options: SqliteMailboxesOptions = {}) {
    this.db = db;
    this.#sep = separator;
    db.exec("PRAGMA journal_mode=WAL");
    db.exec(`PRAGMA cache_size=-${Math.round((options.cacheMb ?? 256) * 1024)}`);
    db.exec("PRAGMA temp_store=MEMORY");
    this.setDurable(options.durable ?? true);
    db.exec(
      "CREATE TABLE IF NOT EXISTS mailboxes (name TEXT PRIMARY KEY, uid INTEGER, parent INTEGER, flags INTEGER)",
    );
    this.#begin = db.prepare("BEGIN");
    this.#commit = db.prepare("COMMIT");
    this.#rollback = db.prepare("ROLLBACK");
    this.#prepareTable();
  }

  #prepareTable(): void {
    const db = this.db;
    this.#insert = db.prepare("INSERT INTO mailboxes (name, uid, parent, flags) VALUES (?, ?, ?, 0)");
    this.#delete = db.prepare("DELETE FROM mailboxes WHERE name = ?");
    this.#byName = db.prepare("SELECT uid FROM mailboxes WHERE name = ?");
    this.#all = db.prepare("SELECT name, uid, flags FROM mailboxes");
    this.#allOrdered = db.prepare("SELECT name, uid, flags FROM mailboxes ORDER BY name");
    this.#children = db.prepare("SELECT name, uid, flags FROM mailboxes WHERE parent = ?");
    this.#namesUids = db.prepare("SELECT name, uid FROM mailboxes");
    this.#nextUid = 0;
  }

  /** The next free UID (looked up once, on the first write). */
  #takeUid(): number {
    if (this.#nextUid === 0) {
      const max = this.db.prepare("SELECT max(uid) AS m FROM mailboxes").get();
      this.#nextUid = Number(max?.m ?? 0) + 1;
    }
    return this.#nextUid++;
  }

  /**
   * Flush each commit or not.
   *
   * @param durable `synchronous=FULL` when true, else `OFF`.
   * @returns Nothing.
   */
  setDurable(durable: boolean): void {
    this.db.exec(`PRAGMA synchronous=${durable ? "FULL" : "OFF"}`);
  }

  #transaction<T>(fn: () => T): T {
    this.#begin.run();
    try {
      const r = fn();
      this.#commit.run();
      return r;
    } catch (e) {
      this.#rollback.run();
      throw e;
    }
  }

  #parentOf(name: string): string | undefined {
    const i = name.lastIndexOf(this.#sep);
    return i < 0 ? undefined : name.slice(0, i);
  }

  /**
   * Replace the whole table with `names` (parents must be among them): UIDs
   * in input order, one transaction, the parent index built after the load.
   *
   * @param names Every mailbox name.
   * @returns Nothing.
   */
  rebuild(names: readonly string[]): void {
    const db = this.db;
    db.exec("DROP INDEX IF EXISTS mailboxes_parent");
    db.exec("DROP TABLE IF EXISTS mailboxes");
    db.exec("CREATE TABLE mailboxes (name TEXT PRIMARY KEY, uid INTEGER, parent INTEGER, flags INTEGER)");
    this.#prepareTable();
    const uids = new Map<string, number>();
    for (let i = 0; i < names.length; i++) uids.set(names[i], i + 1);
    const insert = this.#insert;
    this.#transaction(() => {
      for (let i = 0; i < names.length; i++) {
        const p = this.#parentOf(names[i]);
        insert.run(names[i], i + 1, p === undefined ? 0 : uids.get(p) ?? 0);
      }
    });
    db.exec("CREATE INDEX mailboxes_parent ON mailboxes (parent)");
    this.#nextUid = names.length + 1;
  }

  /**
   * A full sync: the table ends up holding exactly `names`. Compares against
   * the stored names in memory and applies inserts and deletes in one
   * transaction; writes nothing when nothing changed.
   *
   * @param names Every mailbox that exists now (parents included).
   * @returns Rows added and deleted.
   */
  fullSync(names: readonly string[]): { added: number; deleted: number } {
    const stored = new Map<string, number>();
    for (const row of this.#namesUids.values()) stored.set(row[0] as string, row[1] as number);
    const wanted = new Set(names);
    const adds: string[] = [];
    for (const n of names) if (!stored.has(n)) adds.push(n);
    const dels: string[] = [];
    for (const n of stored.keys()) if (!wanted.has(n)) dels.push(n);
    if (adds.length === 0 && dels.length === 0) return { added: 0, deleted: 0 };
    // Parents before children, so each new row finds its parent's UID.
    adds.sort((a, b) => a.length - b.length);
    this.#transaction(() => {
      for (const n of dels) this.#delete.run(n);
      for (const n of adds) {
        const uid = this.#takeUid();
        const p = this.#parentOf(n);
        this.#insert.run(n, uid, p === undefined ? 0 : stored.get(p) ?? 0);
        stored.set(n, uid);
      }
    });
    return { added: adds.length, deleted: dels.length };
  }

  /**
   * A partial sync adding one mailbox (its parents must exist).
   *
   * @param name The new mailbox.
   * @returns Its UID.
   */
  addOne(name: string): number {
    return this.#transaction(() => {
      const p = this.#parentOf(name);
      const parent = p === undefined ? 0 : Number(this.#byName.get(p)?.uid ?? 0);
      const uid = this.#takeUid();
      this.#insert.run(name, uid, parent);
      return uid;
    });
  }

  /**
   * The UID of a mailbox.
   *
   * @param name Full name.
   * @returns Its UID, or undefined.
   */
  lookup(name: string): number | undefined {
    const row = this.#byName.get(name);
    return row === undefined ? undefined : row.uid as number;
  }

  /**
   * Run reads in one read transaction (SQLite then checks for other
   * writers once, not per statement).
   *
   * @param fn The reads.
   * @returns What `fn` returns.
   */
  read<T>(fn: () => T): T {
    return this.#transaction(fn);
  }

  /**
   * Every mailbox, in table order.
   *
   * @returns name, uid, flags of each.
   */
  iterateAll(): unknown[][] {
    return this.#all.values();
  }

  /**
   * `LIST "" *`: every mailbox ordered by name.
   *
   * @returns name, uid, flags of each.
   */
  listAll(): unknown[][] {
    return this.#allOrdered.values();
  }

  /**
   * `LIST "" parent/%`: the children of one mailbox by its UID.
   *
   * @param parent Full name of the parent.
   * @returns name, uid, flags of each child.
   */
  listChildren(parent: string): unknown[][] {
    const uid = this.lookup(parent);
    return uid === undefined ? [] : this.#children.values(uid);
  }

  /**
   * Number of rows.
   *
   * @returns The count.
   */
  count(): number {
    return Number(this.db.prepare("SELECT count(*) AS c FROM mailboxes").get()?.c ?? 0);
  }

  /**
   * Checkpoint the WAL into the database file, so later timings do not pay for it.
   *
   * @returns Nothing.
   */
  checkpoint(): void {
    this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  /**
   * Close the database.
   *
   * @returns Nothing.
   */
  close(): void {
    this.db.close();
  }
}
