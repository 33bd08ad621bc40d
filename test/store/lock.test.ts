// The writer lock: exclusion, stale take-over and release, within one
// process and across real child processes of the runtime running the test.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { acquireLock, acquireLockSync, readLockHolder } from "../../src/store/lock.ts";
import { IndexStateError, LockLostError, LockTimeoutError, UnsafeFileError } from "../../src/format/errors.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = join(root, "test", "fixtures", "lock_child.ts");
const runtime = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
  ? "deno"
  : process.versions.bun
  ? "bun"
  : "node";

let base = "";
let seq = 0;
before(() => {
  base = fs.mkdtempSync(join(tmpdir(), "mli-lock-"));
});
after(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

/** A fresh index path in its own directory. */
function freshIndex(): string {
  const dir = join(base, `case-${++seq}`);
  fs.mkdirSync(dir);
  return join(dir, "index.mlist");
}

/** A process's start time as /proc tells it (the 22nd field of its stat line), when it does. */
function startOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function collector(): { warnings: string[]; onWarning: (message: string) => void } {
  const warnings: string[] = [];
  return { warnings, onWarning: (message) => warnings.push(message) };
}

/** Write a lock file by hand, as another holder would have left it. */
function plantLock(
  lockPath: string,
  record: { pid: number; startedAt: number; host: string; token?: string; procStart?: string },
  mtimeMs = Date.now(),
): void {
  fs.writeFileSync(lockPath, JSON.stringify({ token: "planted", ...record }) + "\n");
  fs.utimesSync(lockPath, mtimeMs / 1000, mtimeMs / 1000);
}

function expectTimeout(fn: () => unknown, lockPath: string, holderPid: number | undefined): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LockTimeoutError, `expected LockTimeoutError, got ${e}`);
    assert.equal(e.lockPath, lockPath);
    assert.equal(e.holderPid, holderPid);
    assert.match(e.message, new RegExp(`held by pid ${holderPid ?? "unknown"}`));
    return true;
  });
}

describe("writer lock in one process", () => {
  it("creates the lock file with a holder record and removes it on release", () => {
    const index = freshIndex();
    const { warnings, onWarning } = collector();
    const before = Date.now();
    const lock = acquireLockSync(index, { onWarning });
    assert.equal(lock.path, `${index}.lock`);
    const holder = readLockHolder(lock.path);
    assert.ok(holder);
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.ok(holder.startedAt >= before && holder.startedAt <= Date.now());
    lock.release();
    assert.equal(fs.existsSync(lock.path), false);
    lock.release();
    assert.deepEqual(warnings, []);
    assert.deepEqual(fs.readdirSync(join(index, "..")), []);
  });

  it("times out waiting for a live holder, sync and async, naming the holder pid", async () => {
    const index = freshIndex();
    const lock = await acquireLock(index);
    try {
      let t0 = Date.now();
      expectTimeout(() => acquireLockSync(index, { timeoutMs: 120 }), lock.path, process.pid);
      assert.ok(Date.now() - t0 >= 110, "the sync variant waited");
      t0 = Date.now();
      await assert.rejects(acquireLock(index, { timeoutMs: 120 }), (e: unknown) => {
        assert.ok(e instanceof LockTimeoutError);
        assert.equal(e.holderPid, process.pid);
        return true;
      });
      assert.ok(Date.now() - t0 >= 110, "the async variant waited");
      t0 = Date.now();
      expectTimeout(() => acquireLockSync(index, { timeoutMs: 0 }), lock.path, process.pid);
      assert.ok(Date.now() - t0 < 100, "timeoutMs 0 tries once");
    } finally {
      lock.release();
    }
    acquireLockSync(index, { timeoutMs: 0 }).release();
  });

  it("the async variant acquires once the holder releases", async () => {
    const index = freshIndex();
    const first = acquireLockSync(index);
    const t0 = Date.now();
    setTimeout(() => first.release(), 150);
    const second = await acquireLock(index, { timeoutMs: 5000 });
    assert.ok(Date.now() - t0 >= 140);
    assert.equal(readLockHolder(second.path)?.pid, process.pid);
    second.release();
    assert.equal(fs.existsSync(second.path), false);
  });

  it("release is idempotent and leaves someone else's lock alone", () => {
    const index = freshIndex();
    const { warnings, onWarning } = collector();
    const lock = acquireLockSync(index, { onWarning });
    // Someone took it over: the file is now another holder's.
    fs.unlinkSync(lock.path);
    plantLock(lock.path, { pid: process.ppid, startedAt: Date.now(), host: hostname() });
    lock.release();
    lock.release();
    assert.equal(readLockHolder(lock.path)?.pid, process.ppid);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /taken over before release \(now held by pid \d+\)/);
    // Gone altogether: release still does not throw.
    const other = freshIndex();
    const lock2 = acquireLockSync(other, { onWarning });
    fs.unlinkSync(lock2.path);
    lock2.release();
    assert.match(warnings[1], /now missing/);
  });

  it("refresh moves the mtime forward and fails once the lock is lost", () => {
    const index = freshIndex();
    const { onWarning } = collector();
    const lock = acquireLockSync(index, { onWarning });
    fs.utimesSync(lock.path, 1000, 1000);
    lock.refresh();
    assert.ok(Math.abs(fs.statSync(lock.path).mtimeMs - Date.now()) < 5000);
    fs.unlinkSync(lock.path);
    plantLock(lock.path, { pid: process.ppid, startedAt: Date.now(), host: hostname() });
    assert.throws(
      () => lock.refresh(),
      (e: unknown) => e instanceof IndexStateError && /taken over by pid/.test(e.message),
    );
    lock.release();
    assert.throws(() => lock.refresh(), IndexStateError);
  });

  it("never takes over a live holder on this host, however long it shows no sign of life", async () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    const old = Date.now() - 600_000;
    const { warnings, onWarning } = collector();
    // With and without the holder's recorded process start time.
    plantLock(lockPath, { pid: process.ppid, startedAt: old, host: hostname() }, old);
    await assert.rejects(
      acquireLock(index, { staleMs: 10, timeoutMs: 200, onWarning }),
      (e: unknown) => e instanceof LockTimeoutError && e.holderPid === process.ppid,
    );
    fs.unlinkSync(lockPath);
    plantLock(lockPath, { pid: process.ppid, startedAt: old, host: hostname(), procStart: startOf(process.ppid) }, old);
    expectTimeout(() => acquireLockSync(index, { staleMs: 10, timeoutMs: 200, onWarning }), lockPath, process.ppid);
    assert.deepEqual(warnings, []);
    assert.equal(readLockHolder(lockPath)?.startedAt, old);
  });

  it("takes over a lock whose pid now runs another process (pid reused), with a warning", async () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    const start = startOf(process.ppid);
    if (start === undefined) return; // This system does not tell process start times.
    plantLock(lockPath, { pid: process.ppid, startedAt: Date.now(), host: hostname(), procStart: `${Number(start) + 1}` });
    const { warnings, onWarning } = collector();
    const lock = await acquireLock(index, { timeoutMs: 2000, onWarning });
    assert.equal(readLockHolder(lockPath)?.pid, process.pid);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`Taking over stale lock ".*" of pid ${process.ppid} on host`));
    assert.match(warnings[0], /pid was reused/);
    lock.release();
    // Nothing but the index directory's own files is left behind.
    assert.deepEqual(fs.readdirSync(join(index, "..")), []);
  });

  it("records the holder's process start time", () => {
    const index = freshIndex();
    const lock = acquireLockSync(index);
    try {
      assert.equal(readLockHolder(lock.path)?.procStart, startOf(process.pid));
    } finally {
      lock.release();
    }
  });

  it("does not take over a lock from another host whose recent mtime shows it was refreshed", () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    plantLock(lockPath, { pid: 4_000_000, startedAt: Date.now() - 600_000, host: "elsewhere.invalid" });
    expectTimeout(() => acquireLockSync(index, { staleMs: 1000, timeoutMs: 100 }), lockPath, 4_000_000);
  });

  it("refreshes a held lock from a timer, so that waiters elsewhere never see it stale", async () => {
    const index = freshIndex();
    const lock = await acquireLock(index, { staleMs: 120 });
    try {
      const old = Date.now() / 1000 - 3600;
      fs.utimesSync(lock.path, old, old);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const age = Date.now() - fs.statSync(lock.path).mtimeMs;
      assert.ok(age < 200, `the lock was refreshed ${Math.round(age)} ms ago`);
    } finally {
      lock.release();
    }
    assert.equal(fs.existsSync(lock.path), false);
  });

  it("verify() passes while the lock is ours and throws LockLostError once it is not", () => {
    const index = freshIndex();
    const lock = acquireLockSync(index);
    lock.verify();
    fs.unlinkSync(lock.path);
    assert.throws(() => lock.verify(), (e: unknown) => e instanceof LockLostError && /was removed/.test(e.message));
    plantLock(lock.path, { pid: process.ppid, startedAt: Date.now(), host: hostname() });
    assert.throws(
      () => lock.verify(),
      (e: unknown) => e instanceof LockLostError && e.lockPath === lock.path && /taken over by pid/.test(e.message),
    );
    fs.unlinkSync(lock.path);
    lock.release();
    assert.throws(() => lock.verify(), LockLostError);
  });

  it("refuses a lock file that is a symlink, and leaves its target untouched", async () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    const outside = join(base, `outside-${seq}`);
    const old = Date.now() - 600_000;
    fs.writeFileSync(outside, JSON.stringify({ pid: 4_000_000, startedAt: old, host: "elsewhere.invalid" }) + "\n");
    fs.utimesSync(outside, old / 1000, old / 1000);
    const before = fs.readFileSync(outside);
    const mtime = fs.statSync(outside).mtimeMs;
    fs.symlinkSync(outside, lockPath);
    await assert.rejects(
      acquireLock(index, { staleMs: 10, timeoutMs: 200 }),
      (e: unknown) => e instanceof UnsafeFileError && e.file === lockPath,
    );
    assert.throws(() => acquireLockSync(index, { staleMs: 10, timeoutMs: 200 }), UnsafeFileError);
    assert.equal(readLockHolder(lockPath), undefined);
    assert.deepEqual(fs.readFileSync(outside), before);
    assert.equal(fs.statSync(outside).mtimeMs, mtime);
    assert.equal(fs.lstatSync(lockPath).isSymbolicLink(), true);
  });

  it("judges a lock from another host by age only", () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    const { warnings, onWarning } = collector();
    const host = "elsewhere.invalid";
    plantLock(lockPath, { pid: 4_000_000, startedAt: Date.now(), host });
    expectTimeout(() => acquireLockSync(index, { timeoutMs: 100, onWarning }), lockPath, 4_000_000);
    const old = Date.now() - 10_000;
    plantLock(lockPath, { pid: 4_000_000, startedAt: old, host }, old);
    acquireLockSync(index, { staleMs: 5000, timeoutMs: 1000, onWarning }).release();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /of pid 4000000 on host "elsewhere\.invalid"/);
  });

  it("takes over a lock with this process's pid that this process does not hold", () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    const { warnings, onWarning } = collector();
    plantLock(lockPath, { pid: process.pid, startedAt: Date.now(), host: hostname(), token: "earlier" });
    acquireLockSync(index, { timeoutMs: 1000, onWarning }).release();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /earlier process with the same pid/);
  });

  it("treats unreadable contents as stale only after a grace period", () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    const { warnings, onWarning } = collector();
    fs.writeFileSync(lockPath, "");
    expectTimeout(() => acquireLockSync(index, { timeoutMs: 100, onWarning }), lockPath, undefined);
    assert.equal(readLockHolder(lockPath), undefined);
    fs.writeFileSync(lockPath, '{"pid":');
    fs.utimesSync(lockPath, Date.now() / 1000 - 10, Date.now() / 1000 - 10);
    acquireLockSync(index, { timeoutMs: 1000, onWarning }).release();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /an unknown holder: its contents are not a lock record/);
  });

  it("leaves a stale lock alone while another waiter is taking it over", () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    const old = Date.now() - 600_000;
    plantLock(lockPath, { pid: process.ppid, startedAt: old, host: "elsewhere.invalid" }, old);
    // A live waiter is in the middle of a take-over.
    plantLock(`${lockPath}.break`, { pid: process.ppid, startedAt: Date.now(), host: hostname() });
    expectTimeout(() => acquireLockSync(index, { staleMs: 1000, timeoutMs: 100 }), lockPath, process.ppid);
    assert.equal(readLockHolder(lockPath)?.startedAt, old);
    // That waiter crashed: its take-over lock ages out and the take-over goes on.
    const stale = Date.now() - 60_000;
    fs.utimesSync(`${lockPath}.break`, stale / 1000, stale / 1000);
    const { warnings, onWarning } = collector();
    acquireLockSync(index, { staleMs: 1000, timeoutMs: 1000, onWarning }).release();
    assert.equal(warnings.length, 1);
    assert.deepEqual(fs.readdirSync(join(index, "..")), []);
  });

  it("fails at once when the directory is missing, and rejects bad options", async () => {
    const missing = join(base, "no-such-dir", "index.mlist");
    const t0 = Date.now();
    assert.throws(() => acquireLockSync(missing), (e: unknown) => (e as { code?: string }).code === "ENOENT");
    await assert.rejects(acquireLock(missing), (e: unknown) => (e as { code?: string }).code === "ENOENT");
    assert.ok(Date.now() - t0 < 1000);
    const index = freshIndex();
    assert.throws(() => acquireLockSync(index, { timeoutMs: -1 }), RangeError);
    assert.throws(() => acquireLockSync(index, { staleMs: Number.NaN }), RangeError);
    assert.equal(readLockHolder(`${index}.lock`), undefined);
  });
});

/** A child process of this runtime running test/fixtures/lock_child.ts. */
class Child {
  readonly proc: ChildProcess;
  readonly warnings: string[] = [];
  pid = 0;
  #lines: string[] = [];
  #waiting: ((line: string) => void) | undefined;
  #exited: Promise<number | null>;
  #stderr = "";

  constructor() {
    const [cmd, args] = runtime === "deno"
      ? [process.execPath, ["run", "-A", fixture]]
      : runtime === "bun"
      ? [process.execPath, ["run", fixture]]
      : [process.execPath, ["--import", "tsx", fixture]];
    this.proc = spawn(cmd, args, { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    this.#exited = new Promise((resolve) => this.proc.on("exit", (code) => resolve(code)));
    let buffered = "";
    this.proc.stdout!.setEncoding("utf8");
    this.proc.stdout!.on("data", (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith("warning ")) this.warnings.push(line.slice(8));
        else if (this.#waiting) {
          const w = this.#waiting;
          this.#waiting = undefined;
          w(line);
        } else this.#lines.push(line);
      }
    });
    this.proc.stderr!.setEncoding("utf8");
    this.proc.stderr!.on("data", (chunk: string) => {
      this.#stderr += chunk;
    });
  }

  static async start(): Promise<Child> {
    const child = new Child();
    const line = await child.next();
    assert.match(line, /^ready \d+$/);
    child.pid = Number(line.split(" ")[1]);
    assert.equal(child.pid, child.proc.pid, "the child runs in the spawned process itself");
    return child;
  }

  /** The next answer line. */
  next(timeoutMs = 20_000): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error(`Child ${this.pid} gave no answer in ${timeoutMs} ms; stderr: ${this.#stderr}`));
      }, timeoutMs);
      this.#waiting = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
    });
  }

  send(line: string): void {
    this.proc.stdin!.write(line + "\n");
  }

  async ask(line: string): Promise<string> {
    this.send(line);
    return await this.next();
  }

  async kill(): Promise<void> {
    // Signal the process directly: some runtimes close the pipes first in
    // ChildProcess.kill, and the child would then release the lock itself.
    if (this.proc.exitCode === null && this.proc.signalCode === null) process.kill(this.pid, "SIGKILL");
    await this.#exited;
  }

  async close(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.stdin!.end();
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
      await this.#exited;
      clearTimeout(timer);
    }
  }
}

describe(`writer lock across ${runtime} processes`, () => {
  const children: Child[] = [];
  let victim: Child;

  before(async () => {
    const started = await Promise.all([0, 1, 2, 3].map(() => Child.start()));
    children.push(...started.slice(0, 3));
    victim = started[3];
  });
  after(async () => {
    await Promise.all([...children, victim].filter(Boolean).map((c) => c.close()));
  });

  it("excludes other processes until released, in both directions", async () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    const [child] = children;
    assert.equal(await child.ask(`acquire ${index} {}`), `won ${child.pid}`);
    assert.equal(readLockHolder(lockPath)?.pid, child.pid);
    expectTimeout(() => acquireLockSync(index, { timeoutMs: 150 }), lockPath, child.pid);
    await assert.rejects(
      acquireLock(index, { timeoutMs: 150 }),
      (e: unknown) => e instanceof LockTimeoutError && e.holderPid === child.pid,
    );
    // Wait in the background, then let the child go.
    const waiting = acquireLock(index, { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await child.ask("release"), "released");
    const lock = await waiting;
    assert.equal(readLockHolder(lockPath)?.pid, process.pid);
    // Now the child waits for us, with the blocking variant.
    assert.equal(await child.ask(`acquireSync ${index} {"timeoutMs":150}`), `timeout ${process.pid}`);
    lock.release();
    assert.equal(await child.ask(`acquireSync ${index} {"timeoutMs":2000}`), `won ${child.pid}`);
    assert.equal(await child.ask("release"), "released");
    assert.equal(fs.existsSync(lockPath), false);
    assert.deepEqual(child.warnings, []);
  });

  it("takes over the lock of a holder killed with SIGKILL, with a warning", async () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    assert.equal(await victim.ask(`acquire ${index} {}`), `won ${victim.pid}`);
    await victim.kill();
    assert.equal(victim.proc.signalCode, "SIGKILL");
    assert.equal(readLockHolder(lockPath)?.pid, victim.pid, "the lock file outlives its holder");
    const { warnings, onWarning } = collector();
    const lock = acquireLockSync(index, { timeoutMs: 2000, onWarning });
    assert.equal(readLockHolder(lockPath)?.pid, process.pid);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`of pid ${victim.pid} on host .*: process ${victim.pid} is not running`));
    lock.release();

    // The same dead pid, raced for by three processes: exactly one wins.
    const old = Date.now();
    plantLock(lockPath, { pid: victim.pid, startedAt: old, host: hostname() }, old);
    await race(index, 1);
  });

  it("lets exactly one of several processes win a lock from another host older than staleMs", async () => {
    const index = freshIndex();
    const lockPath = `${index}.lock`;
    const old = Date.now() - 600_000;
    plantLock(lockPath, { pid: process.pid, startedAt: old, host: "elsewhere.invalid" }, old);
    await race(index, 2);
  });

  it("keeps a shared counter exact under contention with abandoned locks", async () => {
    const index = freshIndex();
    const counter = join(index, "..", "counter");
    fs.writeFileSync(counter, "0");
    const rounds = 61;
    const abandonEvery = 2;
    for (const c of children) c.warnings.length = 0;
    const at = Date.now() + 100;
    for (const c of children) c.send(`at ${at} count ${index} ${counter} ${rounds} ${abandonEvery}`);
    const answers = await Promise.all(children.map((c) => c.next()));
    const abandoned = Math.floor(rounds / abandonEvery);
    for (const a of answers) assert.equal(a, `counted ${rounds} abandoned ${abandoned}`);
    assert.equal(Number(fs.readFileSync(counter, "utf8")), rounds * children.length);
    const warnings = children.flatMap((c) => c.warnings);
    const takeovers = warnings.filter((w) => w.startsWith("Taking over stale lock"));
    // Every abandoned lock is taken over exactly once (each child's last round releases).
    assert.equal(takeovers.length, abandoned * children.length, warnings.join("; "));
    assert.deepEqual(warnings.filter((w) => !w.startsWith("Taking over stale lock")), []);
    const leftovers = fs.readdirSync(join(index, "..")).filter((f) => f !== "counter");
    assert.deepEqual(leftovers, []);
  });

  /** All children wait for a stale lock at once; exactly one wins, once. */
  async function race(index: string, round: number): Promise<void> {
    for (const c of children) c.warnings.length = 0;
    const opts = JSON.stringify({ timeoutMs: 800, staleMs: 30_000, retryMs: 5 });
    const at = Date.now() + 100;
    for (const c of children) c.send(`at ${at} ${round % 2 ? "acquireSync" : "acquire"} ${index} ${opts}`);
    const answers = await Promise.all(children.map((c) => c.next()));
    const winners = children.filter((_, i) => answers[i].startsWith("won "));
    assert.equal(winners.length, 1, `exactly one winner: ${answers.join(", ")}`);
    const winner = winners[0];
    for (let i = 0; i < children.length; i++) {
      if (children[i] !== winner) assert.equal(answers[i], `timeout ${winner.pid}`);
    }
    assert.equal(readLockHolder(`${index}.lock`)?.pid, winner.pid);
    const warnings = children.flatMap((c) => c.warnings);
    assert.equal(warnings.length, 1, `one take-over warning: ${warnings.join("; ")}`);
    assert.match(warnings[0], /^Taking over stale lock/);
    assert.equal(await winner.ask("release"), "released");
    assert.equal(fs.existsSync(`${index}.lock`), false);
  }
});
