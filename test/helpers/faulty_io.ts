/**
 * A {@linkcode FileIO} wrapper for fault-injection tests: it counts every
 * call that changes the disk (writes, flushes, truncations, renames,
 * unlinks, directory flushes and opens that may create a file) and can
 * "crash" at the k-th one or make it fail once.
 *
 * A crash stops the world: the k-th call does not happen (or, for a torn
 * write, only a prefix of its buffer reaches the file) and from then on
 * every call through the wrapper throws {@linkcode SimulatedCrash}, as if
 * the process had been killed. {@linkcode FaultyIO.kill} then closes the
 * handles the dead "process" left open, the way the kernel would.
 *
 * @example Count the mutating calls of an operation, then crash at the 3rd
 * ```ts ignore
 * import { FaultyIO } from "./faulty_io.ts";
 * const counter = new FaultyIO();
 * await operation(counter);
 * console.log(counter.count);
 * const crashing = new FaultyIO({ crashAt: 3 });
 * await assert.rejects(operation(crashing), SimulatedCrash);
 * crashing.kill();
 * ```
 *
 * @module
 */
import { type FileIO, type FileStat, nodeFileIO, type OpenMode } from "../../src/store/io.ts";

/** Thrown by every call through a {@linkcode FaultyIO} once it has crashed. */
export class SimulatedCrash extends Error {
  /** @param message What was interrupted. */
  constructor(message: string) {
    super(message);
    this.name = "SimulatedCrash";
  }
}

/** Kinds of calls that change the disk, as counted by {@linkcode FaultyIO}. */
export type MutatingCall = "write" | "flush" | "truncate" | "rename" | "unlink" | "flushDir" | "create";

/** How a torn write at the crash point ends. */
export type Tear = "none" | "one" | "quarter" | "half" | "allButOne";

/** What to do at the k-th mutating call. */
export interface FaultPlan {
  /** 1-based index of the mutating call to crash at (0 = never). */
  crashAt?: number;
  /** For a write at the crash point: how much of the buffer still lands (default "none"). */
  tear?: Tear;
  /** 1-based index of a mutating call that fails once with an I/O error, the world going on (0 = never). */
  failAt?: number;
  /** Error code of the injected failure (default "EIO"). */
  failCode?: string;
  /** Really flush data to disk (default false: a crash here is a process crash, not a power loss). */
  realFlush?: boolean;
  /** Throw if any mutating call is attempted (a read-only user must never write). */
  forbidWrites?: boolean;
}

/** One recorded mutating call. */
export interface CallRecord {
  /** Kind of call. */
  kind: MutatingCall;
  /** File path involved (for handles, the path they were opened with). */
  path: string;
  /** Bytes asked for (writes) or the new size (truncations). */
  length: number;
}

/**
 * Bytes a torn write leaves for a buffer of `length` bytes, or undefined when
 * the tear does not apply (it would equal writing nothing or everything).
 *
 * @param tear The tear.
 * @param length Bytes the write asked for.
 * @returns Number of bytes that land.
 *
 * @example
 * ```ts
 * import { tornLength } from "./faulty_io.ts";
 * console.log(tornLength("half", 36)); // 18
 * ```
 */
export function tornLength(tear: Tear, length: number): number | undefined {
  let n: number;
  switch (tear) {
    case "none":
      return 0;
    case "one":
      n = 1;
      break;
    case "quarter":
      n = Math.floor(length / 4);
      break;
    case "half":
      n = Math.floor(length / 2);
      break;
    case "allButOne":
      n = length - 1;
      break;
  }
  return n > 0 && n < length ? n : undefined;
}

/**
 * The distinct torn variants of a write of `length` bytes (prefix lengths
 * strictly between 0 and `length`), by tear name.
 *
 * @param length Bytes the write asked for.
 * @returns The tears that give distinct prefix lengths.
 *
 * @example
 * ```ts
 * import { tornVariants } from "./faulty_io.ts";
 * console.log(tornVariants(2)); // ["one"]
 * ```
 */
export function tornVariants(length: number): Tear[] {
  const out: Tear[] = [];
  const seen = new Set<number>();
  for (const t of ["one", "quarter", "half", "allButOne"] as const) {
    const n = tornLength(t, length);
    if (n !== undefined && !seen.has(n)) {
      seen.add(n);
      out.push(t);
    }
  }
  return out;
}

/**
 * The fault-injecting {@linkcode FileIO}.
 *
 * @example
 * ```ts ignore
 * const io = new FaultyIO({ crashAt: 5, tear: "half" });
 * const index = await MailboxListIndex.open(path, { io });
 * ```
 */
export class FaultyIO implements FileIO {
  /** Mutating calls seen so far (the one that crashed included). */
  count = 0;
  /** Every mutating call, in order. */
  readonly calls: CallRecord[] = [];
  /** Whether the simulated crash happened. */
  crashed = false;
  /** Whether the injected failure happened. */
  failed = false;
  readonly #inner: FileIO;
  readonly #plan: FaultPlan;
  readonly #open = new Map<number, string>();

  /**
   * @param plan What to inject (nothing by default: only count).
   * @param inner The real file interface.
   */
  constructor(plan: FaultPlan = {}, inner: FileIO = nodeFileIO) {
    this.#plan = plan;
    this.#inner = inner;
  }

  /** Close every handle the crashed "process" left open, as its death would. */
  kill(): void {
    this.crashed = true;
    for (const fd of this.#open.keys()) {
      try {
        this.#inner.close(fd);
      } catch {
        // Already closed.
      }
    }
    this.#open.clear();
  }

  #alive(what: string): void {
    if (this.crashed) throw new SimulatedCrash(`${what} after the simulated crash`);
  }

  /** Count a mutating call; returns "crash", "fail" or "go". */
  #step(kind: MutatingCall, path: string, length: number): "crash" | "fail" | "go" {
    this.#alive(kind);
    if (this.#plan.forbidWrites) throw new Error(`Unexpected ${kind} of "${path}" by a read-only user`);
    this.count++;
    this.calls.push({ kind, path, length });
    if (this.count === this.#plan.crashAt) return "crash";
    if (this.count === this.#plan.failAt) return "fail";
    return "go";
  }

  #crash(what: string): never {
    this.crashed = true;
    throw new SimulatedCrash(`simulated crash at mutating call ${this.count} (${what})`);
  }

  #fail(what: string): never {
    this.failed = true;
    const code = this.#plan.failCode ?? "EIO";
    const err = new Error(`${code}: injected failure at mutating call ${this.count} (${what})`) as Error & {
      code: string;
    };
    err.code = code;
    throw err;
  }

  #pathOf(fd: number): string {
    return this.#open.get(fd) ?? `fd ${fd}`;
  }

  open(path: string, mode: OpenMode): number {
    this.#alive("open");
    if (mode === "create" || mode === "createExclusive") {
      const s = this.#step("create", path, 0);
      if (s === "crash") this.#crash(`create ${path}`);
      if (s === "fail") this.#fail(`create ${path}`);
    }
    const fd = this.#inner.open(path, mode);
    this.#open.set(fd, path);
    return fd;
  }

  close(fd: number): void {
    this.#alive("close");
    this.#open.delete(fd);
    this.#inner.close(fd);
  }

  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    this.#alive("read");
    return this.#inner.read(fd, buf, offset, length, position);
  }

  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    const path = this.#pathOf(fd);
    const s = this.#step("write", path, length);
    if (s === "crash") {
      const n = tornLength(this.#plan.tear ?? "none", length) ?? 0;
      if (n > 0) this.#inner.write(fd, buf, offset, n, position);
      this.#crash(`write of ${length} bytes at ${position} of ${path}, ${n} landed`);
    }
    if (s === "fail") this.#fail(`write of ${path}`);
    return this.#inner.write(fd, buf, offset, length, position);
  }

  flush(fd: number): void {
    const path = this.#pathOf(fd);
    const s = this.#step("flush", path, 0);
    if (s === "crash") this.#crash(`flush of ${path}`);
    if (s === "fail") this.#fail(`flush of ${path}`);
    if (this.#plan.realFlush) this.#inner.flush(fd);
  }

  truncate(fd: number, size: number): void {
    const path = this.#pathOf(fd);
    const s = this.#step("truncate", path, size);
    if (s === "crash") this.#crash(`truncate of ${path} to ${size}`);
    if (s === "fail") this.#fail(`truncate of ${path}`);
    this.#inner.truncate(fd, size);
  }

  fstat(fd: number): FileStat {
    this.#alive("fstat");
    return this.#inner.fstat(fd);
  }

  stat(path: string): FileStat | undefined {
    this.#alive("stat");
    return this.#inner.stat(path);
  }

  rename(from: string, to: string): void {
    const s = this.#step("rename", `${from} -> ${to}`, 0);
    if (s === "crash") this.#crash(`rename of ${from}`);
    if (s === "fail") this.#fail(`rename of ${from}`);
    this.#inner.rename(from, to);
  }

  unlink(path: string): void {
    const s = this.#step("unlink", path, 0);
    if (s === "crash") this.#crash(`unlink of ${path}`);
    if (s === "fail") this.#fail(`unlink of ${path}`);
    this.#inner.unlink(path);
  }

  flushDir(path: string): void {
    const s = this.#step("flushDir", path, 0);
    if (s === "crash") this.#crash(`flush of directory ${path}`);
    if (s === "fail") this.#fail(`flush of directory ${path}`);
    if (this.#plan.realFlush) this.#inner.flushDir(path);
  }
}
