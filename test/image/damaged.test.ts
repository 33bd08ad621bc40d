// Damaged list files (SPEC §5, §9): a valid index of a few hundred names is
// damaged in many ways (truncation, zeroed regions, random bytes, hostile
// links and counts, header fields) and hand-made hostile files are added
// (directories shared exponentially often, cycles, a very deep chain).
//
// Read-only: every open, lookup and iteration must either succeed or throw
// CorruptIndexError (with file, offset and check, and a message naming the
// file) — never another exception, never hang, never allocate without bound.
// Writable: a full sync rebuilds the index from the reported names, with a
// warning; a partial sync sets the damaged file aside as `*.corrupt-<time>`
// and recreates the index.
//
// The checks run in a child process of the same runtime (Deno, Bun or Node),
// test/fixtures/damaged_child.ts, one case after another, under a watchdog
// and a heap limit: a case that hangs or exhausts memory fails its test
// instead of stopping the suite.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { encodeOffset, MailboxListIndex, nameHash } from "../../mod.ts";
import { prng } from "../helpers/random.ts";
import type { ChildCase, ChildMessage, DamagedManifest, OpResult, ReadResult, WriteResult } from "../fixtures/damaged_child.ts";

// ------------------------------------------------------------------ setup

const REPO = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHILD = fileURLToPath(new URL("../fixtures/damaged_child.ts", import.meta.url));
/** A case whose child process prints nothing for this long is taken as hung. */
const WATCHDOG_MS = 10_000;
/** Guard on the time one case may take (not a timing test). */
const CASE_MS = 5_000;
const FILE_NAME = "x.mlist";

/** The names of the valid index: a few hundred, several levels, a few non-ASCII. */
function validNames(): string[] {
  const names: string[] = ["INBOX", "INBOX/Sent", "INBOX/Drafts", "INBOX/a/b/c/d/e", "Trash", "Ünïcödé/日本語", "&AOQ-pfel"];
  for (let y = 2001; y <= 2012; y++) {
    for (const m of ["Jan", "Apr", "Jul", "Oct"]) names.push(`Archive/${y}/${m}`);
  }
  for (let i = 0; i < 60; i++) names.push(`Lists/list-${i}`);
  for (let p = 0; p < 15; p++) {
    names.push(`Work/Project-${p}`);
    for (let s = 0; s < 5; s++) names.push(`Work/Project-${p}/part-${s}`);
  }
  const who = ["Anna", "Bert", "Cleo", "Dirk", "Emma", "Finn", "Gert", "Hana"];
  for (let i = 0; i < 40; i++) names.push(`Family/${who[i % 8]}-${i}`);
  return names;
}

/** Names reported by the writable full syncs. */
const REPORTED = ["INBOX", "INBOX/Sent", "Rebuilt/one", "Rebuilt/two/three", "Zeta"];
const REPORTED_ALL = ["INBOX", "INBOX/Sent", "Rebuilt", "Rebuilt/one", "Rebuilt/two", "Rebuilt/two/three", "Zeta"];

// ------------------------------------------------------------------ a reference parser of list files

interface PDir {
  off: number;
  count: number;
  size: number;
  /** Offset of the next copy, 0 for the newest. */
  next: number;
  /** Record offset owning this directory (0 = root). */
  owner: number;
}

interface PRec {
  off: number;
  nameOff: number;
  uid: number;
  deleted: boolean;
  /** First copy of the child directory, 0 when none. */
  child: number;
  /** Directory copy (newest) holding the record. */
  dir: number;
}

function decodeLink(v: number): number {
  if ((v & 0x80808080) >>> 0 !== 0x80808080) return 0;
  return (((v >>> 24) & 0x7f) | ((v >>> 16) & 0x7f) << 7 | ((v >>> 8) & 0x7f) << 14 | (v & 0x7f) << 21) * 4;
}

/** Walk a valid image: every directory copy and every record of the newest copies. */
function parseImage(b: Uint8Array): { dirs: PDir[]; recs: PRec[]; used: number } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const used = dv.getUint32(20, true);
  const dirs: PDir[] = [];
  const recs: PRec[] = [];
  const todo: [number, number][] = [[dv.getUint32(8, true), 0]];
  while (todo.length > 0) {
    const [first, owner] = todo.pop()!;
    let off = first;
    for (;;) {
      const next = decodeLink(dv.getUint32(off, true));
      dirs.push({ off, count: dv.getUint32(off + 8, true), size: dv.getUint32(off + 4, true), next, owner });
      if (next === 0) break;
      off = next;
    }
    const count = dv.getUint32(off + 8, true);
    for (let i = 0; i < count; i++) {
      const r = off + 12 + 16 * i;
      const word = dv.getUint32(r + 4, true);
      const child = decodeLink(dv.getUint32(r + 12, true));
      const rec = { off: r, nameOff: dv.getUint32(r + 8, true), uid: word & 0x7fffffff, deleted: word >= 0x80000000, child, dir: off };
      recs.push(rec);
      if (!rec.deleted && child !== 0) todo.push([child, r]);
    }
  }
  return { dirs, recs, used };
}

// ------------------------------------------------------------------ hand-made hostile images

interface CraftDir {
  records: { name: string; uid: number; dir?: number; rawDir?: number }[];
}

const enc = new TextEncoder();

/** Lay out directories one after another from offset 28, records sorted by (hash, bytes). */
function craft(dirs: CraftDir[]): Uint8Array {
  const offs: number[] = [];
  let pos = 28;
  for (const d of dirs) {
    pos = (pos + 3) & ~3;
    offs.push(pos);
    pos += 12 + 16 * d.records.length + d.records.reduce((s, r) => s + enc.encode(r.name).length + 1, 0);
  }
  const used = pos;
  const size = Math.ceil(used / 512) * 512;
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  let maxUid = 0;
  dirs.forEach((d, k) => {
    const off = offs[k];
    const recs = [...d.records].sort((x, y) => {
      const hx = nameHash(x.name), hy = nameHash(y.name);
      return hx !== hy ? (hx < hy ? -1 : 1) : x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
    });
    dv.setUint32(off, 0, true);
    dv.setUint32(off + 8, recs.length, true);
    let np = off + 12 + 16 * recs.length;
    recs.forEach((r, i) => {
      const ro = off + 12 + 16 * i;
      dv.setUint32(ro, nameHash(r.name), true);
      dv.setUint32(ro + 4, r.uid, true);
      dv.setUint32(ro + 8, np, true);
      const link = r.rawDir ?? (r.dir === undefined ? encodeOffset(0) : encodeOffset(offs[r.dir]));
      dv.setUint32(ro + 12, link, true);
      const nb = enc.encode(r.name);
      b.set(nb, np);
      np += nb.length + 1;
      maxUid = Math.max(maxUid, r.uid);
    });
    dv.setUint32(off + 4, np - off, true);
  });
  b[0] = 1;
  dv.setUint32(4, 1, true);
  dv.setUint32(8, 28, true);
  dv.setUint32(12, 7, true);
  dv.setUint32(16, maxUid + 1, true);
  dv.setUint32(20, used, true);
  dv.setUint32(24, 0, true);
  return b;
}

// ------------------------------------------------------------------ cases

interface Case {
  id: number;
  group: string;
  label: string;
  bytes: Uint8Array;
  /** Copy the valid attribute file next to it. */
  withAttr: boolean;
  /** Lookup names (undefined: the valid index's names). */
  lookups?: string[];
  /** What a read-only open must do: "open" = fail at open; "read" = some read must fail; undefined = either way. */
  mustDetect?: "open" | "read";
  /** Also run a writable full sync on a copy. */
  writeFull: boolean;
  /** Also run a writable partial sync on a copy. */
  writePartial: boolean;
}

type ChildOutcome = { kind: "done"; result: ReadResult | WriteResult } | { kind: "hang" | "crash"; detail: string };

/** test/fixtures/damaged_child.ts on this runtime, its heap limited, checking the cases of `manifest`. */
function childCommand(manifest: string): [string, string[]] {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) {
    return [process.execPath, ["run", "-A", "--no-check", "--v8-flags=--max-old-space-size=768", CHILD, manifest]];
  }
  if (g.Bun !== undefined) return [process.execPath, [CHILD, manifest]];
  return [process.execPath, ["--max-old-space-size=768", "--import", "tsx", CHILD, manifest]];
}

/** Run the cases in child processes; a hung or crashed case is recorded and the rest go on in a new child. */
async function runCases(work: string, cases: ChildCase[], lookups: string[]): Promise<Map<string, ChildOutcome>> {
  const outcomes = new Map<string, ChildOutcome>();
  const key = (c: { id: number; mode: string }) => `${c.mode}:${c.id}`;
  let rest = cases;
  let round = 0;
  while (rest.length > 0) {
    const manifest = path.join(work, `manifest-${round++}.json`);
    fs.writeFileSync(manifest, JSON.stringify({ cases: rest, lookups } satisfies DamagedManifest));
    const [cmd, args] = childCommand(manifest);
    const got = await new Promise<{ lines: string[]; stderr: string; hung: boolean; code: number | null }>((resolve) => {
      const child = spawn(cmd, args, {
        cwd: REPO,
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const lines: string[] = [];
      let buf = "", stderr = "", hung = false;
      let timer = setTimeout(onHang, WATCHDOG_MS);
      function onHang() {
        hung = true;
        child.kill("SIGKILL");
      }
      child.stdout!.on("data", (d: Uint8Array) => {
        buf += new TextDecoder().decode(d);
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          clearTimeout(timer);
          timer = setTimeout(onHang, WATCHDOG_MS);
        }
      });
      child.stderr!.on("data", (d: Uint8Array) => {
        stderr = (stderr + new TextDecoder().decode(d)).slice(-4000);
      });
      child.on("close", (code: number | null) => {
        clearTimeout(timer);
        if (buf.length > 0) lines.push(buf);
        resolve({ lines, stderr, hung, code });
      });
    });
    let started: ChildCase | undefined;
    let lastOp = "";
    let done = false;
    const finished = new Set<string>();
    for (const line of got.lines) {
      let msg: ChildMessage;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      if (msg.start !== undefined) {
        started = rest.find((c) => c.id === msg.start && c.mode === msg.mode);
        lastOp = "";
      }
      if (msg.op !== undefined) lastOp = msg.op;
      if (msg.result !== undefined && started !== undefined) {
        outcomes.set(key(started), { kind: "done", result: msg.result });
        finished.add(key(started));
        started = undefined;
      }
      if (msg.done) done = true;
    }
    if (done) break;
    const idx = started === undefined ? rest.findIndex((c) => !finished.has(key(c))) : rest.indexOf(started);
    if (idx < 0) break;
    const culprit = rest[idx];
    outcomes.set(key(culprit), {
      kind: got.hung ? "hang" : "crash",
      detail: got.hung
        ? `no progress for ${WATCHDOG_MS} ms in "${lastOp}" (killed)`
        : `child exited with code ${got.code} in "${lastOp}" before finishing: ${got.stderr.slice(-1500)}`,
    });
    if (started === undefined && !got.hung && idx === 0 && finished.size === 0 && got.lines.length === 0) {
      // The child did not even start: report it on every case rather than loop.
      for (const c of rest) outcomes.set(key(c), { kind: "crash", detail: `child failed to start: ${got.stderr.slice(-1500)}` });
      break;
    }
    rest = rest.slice(idx + 1);
  }
  return outcomes;
}

// ------------------------------------------------------------------ building the cases

let work = "";
let cases: Case[] = [];
let outcomes = new Map<string, ChildOutcome>();
let pending: Promise<void> = Promise.resolve();
/** Timeout of each test: they wait for the child processes that check every case. */
const WAIT = { timeout: 900_000 };

function caseFile(c: Case, mode: string): string {
  return path.join(work, `${mode}-${c.id}`, FILE_NAME);
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "mli-damaged-"));
  // 1. A valid index with directory rewrites (next_offset chains) and records deleted in place.
  const validDir = path.join(work, "valid");
  fs.mkdirSync(validDir);
  const validFile = path.join(validDir, FILE_NAME);
  const names = validNames();
  const index = await MailboxListIndex.open(validFile, { separator: "/", uidValidity: 1_700_000_000, onWarning: () => {} });
  const run = async (list: string[], options: { recursive?: boolean; partial?: boolean }) => {
    const ctx = await index.syncBegin(options);
    for (const n of list) ctx.add(n);
    await ctx.commit();
  };
  await run(names, { recursive: true });
  await run(["INBOX/Junk", "Zz"], { partial: true });
  const kept = [...names, "INBOX/Junk", "Zz"].filter((n) => !n.startsWith("Work/Project-3/") && n !== "Work/Project-3");
  await run(kept, { recursive: true });
  const header = index.header;
  const live = [...index.iterate()].map((m) => m.name);
  await index.close();
  assert.equal(header.fileSeq, 1, "the valid index must not have been compressed");
  assert.ok(header.deletedSpace > 0);
  const valid = new Uint8Array(fs.readFileSync(validFile));
  const validAttr = new Uint8Array(fs.readFileSync(`${validFile}.attr`));
  fs.writeFileSync(path.join(work, "valid.attr"), validAttr);
  const { dirs, recs, used } = parseImage(valid);
  assert.ok(dirs.some((d) => d.next !== 0), "the valid index has no next_offset chain");
  assert.ok(recs.some((r) => r.deleted), "the valid index has no deleted record");
  assert.equal(recs.filter((r) => !r.deleted).length, live.length);
  const size = valid.length;

  let id = 0;
  const add = (group: string, label: string, bytes: Uint8Array, extra: Partial<Case> = {}) => {
    cases.push({ id: id++, group, label, bytes, withAttr: true, writeFull: false, writePartial: false, ...extra });
  };
  const copy = () => valid.slice();
  const put32 = (b: Uint8Array, off: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(off, v >>> 0, true);
  const with32 = (off: number, v: number) => {
    const b = copy();
    put32(b, off, v);
    return b;
  };

  const rootFirst = dirs.find((d) => d.owner === 0 && d.off === 28)!;
  const rootCopies = dirs.filter((d) => d.owner === 0);
  const rootNewest = rootCopies.find((d) => d.next === 0)!;
  assert.ok(rootCopies.length >= 2, "the root was rewritten");
  const chained = dirs.find((d) => d.owner !== 0 && d.next !== 0)!;
  assert.ok(chained, "a subdirectory was rewritten");
  const chainedNewest = (() => {
    let d = chained;
    while (d.next !== 0) d = dirs.find((x) => x.off === d.next)!;
    return d;
  })();
  const liveRecs = recs.filter((r) => !r.deleted);
  const withChild = liveRecs.filter((r) => r.child !== 0);
  const leafRecs = liveRecs.filter((r) => r.child === 0);
  const rootRec = liveRecs.find((r) => r.dir === rootNewest.off)!;
  const deepRec = leafRecs[leafRecs.length - 1];
  const subDir = dirs.find((d) => d.owner !== 0 && d.next === 0 && d.count > 10)!;
  const lastRecInFile = liveRecs.reduce((a, r) => (r.nameOff > a.nameOff ? r : a));

  // Truncated.
  const lengths = new Set<number>();
  for (let n = 0; n <= 40; n++) lengths.add(n);
  for (let n = 41; n < size; n += 61) lengths.add(n);
  for (const n of [used - 1, used, used + 1, size - 1]) lengths.add(n);
  for (const n of [...lengths].sort((a, b) => a - b)) {
    if (n >= size) continue;
    add("truncated", `truncated to ${n} bytes`, valid.slice(0, n), {
      mustDetect: n < used ? "open" : undefined,
      writeFull: n % 7 === 0 || n < 30,
    });
  }

  // Zeroed regions.
  {
    const rnd = prng(11);
    for (let k = 0; k < 70; k++) {
      const b = copy();
      const len = 4 + Math.floor(rnd() * (k < 10 ? 32 : 600));
      const start = k < 10 ? k * 4 : Math.floor(rnd() * (used - 4));
      b.fill(0, start, Math.min(start + len, b.length));
      add("zeroed", `zeroed [${start}, ${start + len})`, b, { writeFull: k % 7 === 0 });
    }
    const all = new Uint8Array(size);
    add("zeroed", "whole file zeroed", all, { mustDetect: "open", writeFull: true, writePartial: true });
    const body = copy();
    body.fill(0, 28);
    add("zeroed", "everything after the header zeroed", body, { mustDetect: "read", writeFull: true });
  }

  // Random bytes (seeded).
  {
    const rnd = prng(12345);
    const byte = () => Math.floor(rnd() * 256);
    for (let k = 0; k < 160; k++) {
      const b = copy();
      const flips = 1 + Math.floor(rnd() * 24);
      for (let i = 0; i < flips; i++) b[Math.floor(rnd() * used)] = byte();
      add("random", `${flips} random bytes (#${k})`, b, { writeFull: k % 10 === 0 });
    }
    for (let k = 0; k < 50; k++) {
      const b = copy();
      const len = 1 + Math.floor(rnd() * 300);
      const start = 28 + Math.floor(rnd() * (used - 28));
      for (let i = start; i < Math.min(start + len, b.length); i++) b[i] = byte();
      add("random", `random region [${start}, ${start + len}) (#${k})`, b, { writeFull: k % 10 === 0 });
    }
    for (let k = 0; k < 25; k++) {
      const n = 28 + Math.floor(rnd() * 8192);
      const b = new Uint8Array(Math.ceil(n / 4) * 4);
      for (let i = 0; i < b.length; i++) b[i] = byte();
      const dv = new DataView(b.buffer);
      b[0] = 1;
      dv.setUint32(8, 28, true);
      dv.setUint32(12, 1 + Math.floor(rnd() * 1e9), true);
      dv.setUint32(16, 1 + Math.floor(rnd() * 1e6), true);
      dv.setUint32(20, b.length, true);
      dv.setUint32(24, 0, true);
      // Sprinkle plausible links so that the walk goes deep.
      for (let i = 28; i + 4 <= b.length; i += 4) {
        if (rnd() < 0.15) dv.setUint32(i, encodeOffset(28 + Math.floor(rnd() * (b.length - 28) / 4) * 4), true);
      }
      add("random", `random body of ${b.length} bytes behind a valid header (#${k})`, b, { withAttr: false, writeFull: k % 5 === 0 });
    }
  }

  // next_offset pointing backwards.
  add("next_offset backwards", "newest root copy links back to the first copy", with32(rootNewest.off, encodeOffset(28)), {
    mustDetect: "read",
    writeFull: true,
    writePartial: true,
  });
  add("next_offset backwards", "first root copy links to itself", with32(28, encodeOffset(28)), { mustDetect: "read", writeFull: true });
  add("next_offset backwards", "rewritten subdirectory links back to its first copy", with32(chainedNewest.off, encodeOffset(chained.off)), {
    mustDetect: "read",
    writeFull: true,
  });
  add("next_offset backwards", "next_offset into the header", with32(rootNewest.off, encodeOffset(4)), { mustDetect: "read", writeFull: true });

  // Links outside the file.
  add("link outside the file", "root next_offset far past the end", with32(rootNewest.off, encodeOffset(1 << 29)), {
    mustDetect: "read",
    writeFull: true,
    writePartial: true,
  });
  add("link outside the file", "dir_offset at the file size", with32(withChild[0].off + 12, encodeOffset(size)), { mustDetect: "read", writeFull: true });
  add("link outside the file", "dir_offset at used_space (inside the file, past the used bytes)", with32(withChild[1].off + 12, encodeOffset((used + 3) & ~3)), {
    mustDetect: "read",
    writeFull: true,
  });
  add("link outside the file", "dir_offset at the last word of the file", with32(withChild[2].off + 12, encodeOffset(size - 4)), { mustDetect: "read" });
  add("link outside the file", "largest encodable dir_offset", with32(withChild[3].off + 12, 0xffffffff), { mustDetect: "read", writeFull: true });

  // Non-aligned structures.
  add("non-aligned", "header_size 30 (root at a non-aligned offset)", with32(8, 30), { mustDetect: "open", writeFull: true, writePartial: true });
  add("non-aligned", "header_size 29", with32(8, 29), { mustDetect: "open" });
  add("non-aligned", "dir_offset into the middle of a record", with32(withChild[4].off + 12, encodeOffset(subDir.off + 12 + 4)), { mustDetect: undefined, writeFull: true });
  add("non-aligned", "dir_offset into a name area", with32(withChild[5].off + 12, encodeOffset((lastRecInFile.nameOff + 3) & ~3)), { writeFull: true });
  add("non-aligned", "dir_offset pointing at the header", with32(withChild[6].off + 12, encodeOffset(0)), {});
  {
    const b = copy();
    put32(b, rootRec.off + 8, rootRec.nameOff + 1);
    add("non-aligned", "name_offset shifted by one byte", b, {});
  }

  // Counts too large.
  add("count too large", "root count 0xffffffff", with32(rootNewest.off + 8, 0xffffffff), { mustDetect: "read", writeFull: true, writePartial: true });
  add("count too large", "root count one past the used space", with32(rootNewest.off + 8, Math.floor((used - rootNewest.off - 12) / 16) + 1), {
    mustDetect: "read",
    writeFull: true,
  });
  add("count too large", "subdirectory count 0x10000000", with32(subDir.off + 8, 0x10000000), { mustDetect: "read", writeFull: true });
  add("count too large", "subdirectory count + 1", with32(subDir.off + 8, subDir.count + 1), { writeFull: true });

  // dir_size too small.
  for (const [label, v] of [["0", 0], ["11", 11], ["12 + 16·count − 1", 12 + 16 * rootNewest.count - 1]] as const) {
    add("dir_size too small", `root dir_size ${label}`, with32(rootNewest.off + 4, v), {
      mustDetect: "read",
      writeFull: true,
      writePartial: label === "0",
    });
  }
  add("dir_size too small", "subdirectory dir_size 12", with32(subDir.off + 4, 12), { mustDetect: "read", writeFull: true });
  add("dir_size too small", "dir_size 0xffffffff", with32(subDir.off + 4, 0xffffffff), { mustDetect: "read", writeFull: true });

  // Names running off the end.
  {
    const b = copy();
    put32(b, deepRec.off + 8, used - 1);
    b[used - 1] = 0x78;
    add("name off the end", "name_offset at the last used byte, no NUL", b, { mustDetect: "read", writeFull: true });
    add("name off the end", "name_offset at used_space", with32(deepRec.off + 8, used), { mustDetect: "read", writeFull: true });
    add("name off the end", "name_offset 0xfffffff0", with32(rootRec.off + 8, 0xfffffff0), { mustDetect: "read", writeFull: true });
    add("name off the end", "name_offset 0 (inside the header)", with32(rootRec.off + 8, 0), { mustDetect: "read" });
    const c = copy();
    c.fill(0x78, lastRecInFile.nameOff);
    put32(c, 20, c.length);
    add("name off the end", "last names and padding without NUL, used_space = file size", c, { mustDetect: "read", writeFull: true });
    const d = copy();
    d[rootRec.nameOff] = 0;
    add("name off the end", "empty name", d, {});
  }

  // UID 0.
  add("uid 0", "a root record with uid 0", with32(rootRec.off + 4, 0), { mustDetect: "read", writeFull: true });
  add("uid 0", "a deep record with uid 0", with32(deepRec.off + 4, 0), { mustDetect: "read", writeFull: true });
  add("uid 0", "deleted record with uid 0 (skipped)", with32(deepRec.off + 4, 0x80000000), {});

  // Header fields.
  add("uid_validity 0", "uid_validity 0", with32(12, 0), { mustDetect: "open", writeFull: true, writePartial: true });
  add("next_uid 0", "next_uid 0", with32(16, 0), { mustDetect: "open", writeFull: true, writePartial: true });
  for (const v of [2, 0, 255]) {
    const b = copy();
    b[0] = v;
    add("major version 2", `major version ${v}`, b, { mustDetect: "open", writeFull: v === 2, writePartial: v === 2 });
  }
  for (const v of [0, 4, 27, size + 4, 0xffffffff, (used + 4) & ~3]) {
    add("header_size out of range", `header_size ${v}`, with32(8, v), { mustDetect: "open", writeFull: v === 0 || v === 0xffffffff, writePartial: v === 27 });
  }
  add("header_size out of range", "used_space past the file size", with32(20, size + 512), { mustDetect: "open", writeFull: true });
  add("header_size out of range", "used_space 0", with32(20, 0), { mustDetect: "open" });

  // Records sharing directories, cycles, depth (hand-made and in the valid file).
  {
    const levels = 60;
    const ds: CraftDir[] = [];
    for (let i = 0; i < levels; i++) {
      const child = i + 1 < levels ? i + 1 : undefined;
      ds.push({ records: [{ name: "a", uid: 2 * i + 1, dir: child }, { name: "b", uid: 2 * i + 2, dir: child }] });
    }
    const look = ["a", "a/b", "b/a/b/a/b/a", "a/".repeat(59) + "a", "b/".repeat(60) + "b", "c"];
    add("shared directory blowup", `${levels} levels of two records sharing one child directory (2^${levels} paths)`, craft(ds), {
      withAttr: false,
      lookups: look,
      mustDetect: "read",
      writeFull: true,
    });
    const wide: CraftDir[] = [];
    for (let l = 0; l < 4; l++) {
      const recs = [];
      for (let i = 0; i < 200; i++) recs.push({ name: `n${i}`, uid: l * 200 + i + 1, dir: l + 1 < 4 ? l + 1 : undefined });
      wide.push({ records: recs });
    }
    add("shared directory blowup", "4 levels of 200 records sharing one child directory (200^4 paths)", craft(wide), {
      withAttr: false,
      lookups: ["n1", "n1/n2", "n5/n6/n7/n8", "n199/n0/n0/n0/n0"],
      mustDetect: "read",
      writeFull: true,
    });
    const b = copy();
    for (const r of withChild.filter((r) => r.dir === rootNewest.off)) put32(b, r.off + 12, encodeOffset(subDir.off));
    add("shared directory blowup", "every root record links to the same subdirectory", b, { writeFull: true });
  }
  {
    add("cycle", "a record linking to its own directory", craft([{ records: [{ name: "a", uid: 1, dir: 0 }] }]), {
      withAttr: false,
      lookups: ["a", "a/a/a/a", "a/".repeat(200) + "a", "b"],
      mustDetect: "read",
      writeFull: true,
    });
    add("cycle", "two directories linking to each other", craft([
      { records: [{ name: "a", uid: 1, dir: 1 }, { name: "z", uid: 3 }] },
      { records: [{ name: "b", uid: 2, dir: 0 }] },
    ]), { withAttr: false, lookups: ["a", "a/b/a/b", "z", "a/b/z"], mustDetect: "read", writeFull: true });
    const b = copy();
    put32(b, deepRec.off + 12, encodeOffset(28));
    add("cycle", "a deep record linking back to the root", b, { mustDetect: "read", writeFull: true });
    const c = copy();
    for (const r of withChild) put32(c, r.off + 12, encodeOffset(r.dir));
    add("cycle", "every record with children linking to its own directory", c, { mustDetect: "read", writeFull: true });
  }
  {
    const depth = 20000;
    const ds: CraftDir[] = [];
    for (let i = 0; i < depth; i++) ds.push({ records: [{ name: "d", uid: i + 1, dir: i + 1 < depth ? i + 1 : undefined }] });
    add("deep chain", `one chain ${depth} levels deep`, craft(ds), {
      withAttr: false,
      lookups: ["d", "d/d/d", "d/".repeat(999) + "d", "d/".repeat(depth - 1) + "d", "e", "d/e"],
      writeFull: true,
    });
  }

  // 2. Write the cases and run them.
  const childCases: ChildCase[] = [];
  for (const c of cases) {
    for (const mode of ["read", "full", "partial"] as const) {
      if (mode === "full" && !c.writeFull) continue;
      if (mode === "partial" && !c.writePartial) continue;
      const file = caseFile(c, mode);
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, c.bytes);
      if (c.withAttr) fs.writeFileSync(`${file}.attr`, validAttr);
      childCases.push({
        id: c.id,
        mode,
        file,
        lookups: c.lookups,
        report: mode === "full" ? REPORTED : mode === "partial" ? ["New/box"] : undefined,
      });
    }
  }
  const lookups = [...live, "Nope", "INBOX/nope", "Archive/1999", "Work/Project-3/part-1", "Lists/list-60", "", "/"];
  // The checks run while the tests wait for them (each test has its own generous timeout).
  pending = runCases(work, childCases, lookups).then((o) => {
    outcomes = o;
  });
  pending.catch(() => {});
});

after(() => {
  if (work !== "") fs.rmSync(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------ checks

function describeOp(r: OpResult): string {
  return `${r.op}: ${r.kind}${r.name ? ` ${r.name}` : ""}${r.message ? `: ${r.message}` : ""}${r.stack ? `\n${r.stack}` : ""}`;
}

/** Problems with one read-only case, as messages (empty = fine). */
function readProblems(c: Case): string[] {
  const o = outcomes.get(`read:${c.id}`);
  if (o === undefined) return [`${c.label}: no result`];
  if (o.kind !== "done") return [`${c.label}: ${o.kind}: ${o.detail}`];
  const r = o.result as ReadResult;
  const file = caseFile(c, "read");
  const problems: string[] = [];
  for (const op of r.ops) {
    if (op.kind === "other" || op.kind === "unbounded") problems.push(`${c.label}: ${describeOp(op)}`);
    if (op.kind === "corrupt") {
      if (op.file !== file) problems.push(`${c.label}: ${op.op}: CorruptIndexError.file is ${op.file}`);
      if (typeof op.offset !== "number" || !Number.isFinite(op.offset)) problems.push(`${c.label}: ${op.op}: offset ${op.offset}`);
      if (typeof op.check !== "string" || op.check.length === 0) problems.push(`${c.label}: ${op.op}: empty check`);
      if (!op.message?.includes(file)) problems.push(`${c.label}: ${op.op}: message does not name the file: ${op.message}`);
    }
  }
  if (r.ms > CASE_MS) problems.push(`${c.label}: took ${r.ms} ms`);
  const openFailed = r.ops[0]?.op === "open" && r.ops[0].kind === "corrupt";
  const anyCorrupt = r.ops.some((op) => op.kind === "corrupt");
  if (c.mustDetect === "open" && !openFailed) problems.push(`${c.label}: opened without CorruptIndexError`);
  if (c.mustDetect === "read" && !anyCorrupt) problems.push(`${c.label}: read fully without CorruptIndexError`);
  return problems;
}

function detected(c: Case): boolean {
  const o = outcomes.get(`read:${c.id}`);
  return o?.kind === "done" && (o.result as ReadResult).ops.some((op) => op.kind === "corrupt");
}

/** Problems with one writable case. */
function writeProblems(c: Case, mode: "full" | "partial"): string[] {
  const o = outcomes.get(`${mode}:${c.id}`);
  if (o === undefined) return [`${c.label}: no ${mode} result`];
  if (o.kind !== "done") return [`${c.label}: ${mode} sync: ${o.kind}: ${o.detail}`];
  const r = o.result as WriteResult;
  const problems: string[] = [];
  if (r.error) return [`${c.label}: ${mode} sync failed: ${describeOp(r.error)}`];
  const expected = mode === "full" ? REPORTED_ALL : ["New", "New/box"];
  const got = [...r.names!].sort();
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    problems.push(`${c.label}: ${mode} sync left ${JSON.stringify(got.slice(0, 12))}${got.length > 12 ? ` (+${got.length - 12})` : ""}, expected ${JSON.stringify(expected)}`);
  }
  if (r.rereadError) problems.push(`${c.label}: ${mode} sync left an unreadable index: ${describeOp(r.rereadError)}`);
  else if (JSON.stringify([...r.reread!].sort()) !== JSON.stringify(expected)) {
    problems.push(`${c.label}: ${mode} sync: a fresh reader lists ${JSON.stringify([...r.reread!].sort().slice(0, 12))}`);
  }
  if (mode === "partial") {
    const aside = (r.dirFiles ?? []).filter((f) => /^x\.mlist\.corrupt-\d+$/.test(f));
    if (aside.length !== 1) problems.push(`${c.label}: partial sync: files ${JSON.stringify(r.dirFiles)}, expected one x.mlist.corrupt-<time>`);
  }
  if (r.ms > CASE_MS) problems.push(`${c.label}: ${mode} sync took ${r.ms} ms`);
  return problems;
}

const GROUPS = [
  "truncated",
  "zeroed",
  "random",
  "next_offset backwards",
  "link outside the file",
  "non-aligned",
  "count too large",
  "dir_size too small",
  "name off the end",
  "uid 0",
  "uid_validity 0",
  "next_uid 0",
  "major version 2",
  "header_size out of range",
  "shared directory blowup",
  "cycle",
  "deep chain",
];

describe("§5 damaged list files opened read-only: success or CorruptIndexError, bounded", () => {
  it("built every group of cases from a valid index", () => {
    for (const g of GROUPS) assert.ok(cases.some((c) => c.group === g), `no case in group ${g}`);
    assert.ok(cases.length > 400, `${cases.length} cases`);
  });
  for (const group of GROUPS) {
    it(group, WAIT, async () => {
      await pending;
      const mine = cases.filter((c) => c.group === group);
      assert.ok(mine.length > 0);
      const problems = mine.flatMap(readProblems);
      assert.deepEqual(problems, [], `${problems.length} problem(s) in ${mine.length} case(s):\n${problems.slice(0, 15).join("\n")}`);
    });
  }
});

describe("§5 damaged list files opened writable", () => {
  for (const group of GROUPS) {
    it(`${group}: a full sync rebuilds the index from the reported names`, WAIT, async () => {
      await pending;
      const mine = cases.filter((c) => c.group === group && c.writeFull);
      assert.ok(mine.length > 0, "no writable case in this group");
      const problems = mine.flatMap((c) => writeProblems(c, "full"));
      assert.deepEqual(problems, [], `${problems.length} problem(s) in ${mine.length} case(s):\n${problems.slice(0, 15).join("\n")}`);
    });
  }
  it("a full or partial sync of an index found damaged by a reader warns", WAIT, async () => {
    await pending;
    const problems: string[] = [];
    let checked = 0;
    for (const c of cases) {
      if (!detected(c)) continue;
      for (const mode of ["full", "partial"] as const) {
        const o = outcomes.get(`${mode}:${c.id}`);
        if (o?.kind !== "done") continue;
        const r = o.result as WriteResult;
        if (r.error) continue; // reported by the rebuild tests
        checked++;
        if (r.warnings.length === 0) problems.push(`${c.group} / ${c.label}: ${mode} sync gave no warning`);
      }
    }
    assert.ok(checked > 20, `only ${checked} syncs checked`);
    assert.deepEqual(problems, [], `${problems.length} problem(s) in ${checked} sync(s):\n${problems.slice(0, 15).join("\n")}`);
  });
  it("a partial sync sets the damaged file aside as *.corrupt-<time> and recreates the index", WAIT, async () => {
    await pending;
    const mine = cases.filter((c) => c.writePartial);
    assert.ok(mine.length >= 8);
    const problems = mine.flatMap((c) => writeProblems(c, "partial"));
    assert.deepEqual(problems, [], `${problems.length} problem(s) in ${mine.length} case(s):\n${problems.slice(0, 15).join("\n")}`);
  });
});
