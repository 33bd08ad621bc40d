/**
 * Shared pieces of the fuzz test (test/fuzz.test.ts) and the long fuzz run
 * (bench/fuzz.ts): valid index images to start from, a map of where their
 * fields are, fast-check arbitraries of mutations (bit flips, truncation,
 * counts, sizes, links, names, headers, UIDs, spliced chunks) and the
 * checks that reading the mutated bytes either works or throws
 * {@linkcode CorruptIndexError} — never another exception, never more
 * results than the bytes can hold, never a long pause.
 *
 * @example
 * ```ts ignore
 * const bases = await buildBases();
 * fc.assert(fc.property(listCase(bases), (c) => checkListCase(bases, c)), { seed: 1, numRuns: 1000 });
 * ```
 *
 * @module
 */
import fc from "fast-check";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { ATTR_HEADER_SIZE } from "../../src/format/attr_codec.ts";
import { AttrView } from "../../src/image/attr_file.ts";
import { CorruptIndexError } from "../../src/format/errors.ts";
import { applyPatches, decodeJournal, encodeJournal, FILE_ATTR, FILE_LIST, JOURNAL_HEADER_SIZE } from "../../src/format/journal.ts";
import { nodeFileIO } from "../../src/store/io.ts";
import { recoverJournal } from "../../src/store/writer.ts";
import { hashBytes } from "../../src/format/name_hash.ts";
import { decodeOffset, encodeOffset } from "../../src/format/offset.ts";
import { ListView } from "../../src/image/view.ts";
import { FaultyIO } from "./faulty_io.ts";
import { copyUid, namesAndUids, reviveAttrEntry, setNextUid, shareDir } from "./lies.ts";
import { makeTempDir } from "./tmp.ts";

/** A valid index to mutate, with the names it holds. */
export interface Base {
  /** What it is. */
  label: string;
  /** Separator character. */
  sep: string;
  /** The list file, `[0, file size)`. */
  list: Uint8Array;
  /** The attribute file. */
  attr: Uint8Array;
  /** A complete pending journal record (a commit interrupted after its record was flushed). */
  journal: Uint8Array;
  /** Names to look up: every mailbox, some parents and some absent names. */
  names: string[];
  /** Paths to iterate with a depth. */
  paths: string[];
  /** Where the list file's fields are. */
  map: FieldMap;
}

/** Offsets of the fields of a list image. */
export interface FieldMap {
  /** Every directory copy (chains included). */
  dirs: number[];
  /** Every record. */
  records: number[];
  /** Every name's first byte. */
  names: number[];
  /** used_space. */
  used: number;
}

/** Walk a valid list image and note where every directory, record and name is. */
export function mapFields(bytes: Uint8Array): FieldMap {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = dv.getUint32(8, true), used = dv.getUint32(20, true);
  const dirs: number[] = [], records: number[] = [], names = new Set<number>();
  const todo: number[] = used > headerSize ? [headerSize] : [];
  const seen = new Set<number>();
  while (todo.length > 0) {
    let dir = todo.pop()!;
    while (dir !== 0 && !seen.has(dir)) {
      seen.add(dir);
      dirs.push(dir);
      const count = dv.getUint32(dir + 8, true);
      for (let i = 0; i < count; i++) {
        const r = dir + 12 + 16 * i;
        records.push(r);
        names.add(dv.getUint32(r + 8, true));
        const child = decodeOffset(dv.getUint32(r + 12, true));
        if (child !== 0) todo.push(child);
      }
      dir = decodeOffset(dv.getUint32(dir, true));
    }
  }
  return { dirs, records, names: [...names], used };
}

/** Copy an index's files to `to`; returns `to`. */
function copyIndex(from: string, to: string): string {
  for (const suffix of ["", ".attr", ".journal"]) {
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  }
  return to;
}

type Ctx = Awaited<ReturnType<MailboxListIndex["syncBegin"]>>;

async function syncInto(path: string, sep: string, names: string[], tweak?: (ctx: Ctx) => void, io?: FaultyIO) {
  const index = await MailboxListIndex.open(path, { separator: sep, uidValidity: 777, durable: false, io });
  try {
    const ctx = await index.syncBegin({ recursive: true });
    for (const n of names) ctx.add(n);
    tweak?.(ctx);
    await ctx.commit();
  } finally {
    await index.close();
  }
}

/**
 * Build the valid indexes the mutations start from: a tree with rewritten
 * directories, deleted records and STATUS; a dot-separated deep one; a
 * single root directory; and an empty index.
 *
 * @returns The bases.
 */
export async function buildBases(): Promise<Base[]> {
  const tmp = makeTempDir("mli-fuzz-bases-");
  try {
    const out: Base[] = [];
    const make = async (label: string, sep: string, steps: string[][], absent: string[], paths: string[]) => {
      const path = join(tmp.dir, `${label}.mlist`);
      for (let i = 0; i < steps.length; i++) {
        await syncInto(path, sep, steps[i], (ctx) => {
          if (steps[i].length > 0) ctx.setStatus(steps[i][0], { messages: i, unseen: 1, recent: 0, uidValidity: 3, uidNext: 4 });
        });
      }
      // A commit interrupted right after its journal record was flushed leaves a complete pending record.
      const extra = [...steps[steps.length - 1], `${label}-extra${sep}child`];
      const probe = new FaultyIO();
      await syncInto(copyIndex(path, join(tmp.dir, `${label}-probe.mlist`)), sep, extra, undefined, probe);
      const journalFlush = probe.calls.findIndex((c) => c.kind === "flush" && c.path.endsWith(".journal"));
      const crashing = new FaultyIO({ crashAt: journalFlush + 2 });
      const copy2 = copyIndex(path, join(tmp.dir, `${label}-crash.mlist`));
      await syncInto(copy2, sep, extra, undefined, crashing).catch(() => {});
      crashing.kill();
      const list = new Uint8Array(readFileSync(copy2));
      const all = new Set<string>();
      for (const step of steps) {
        for (const n of step) {
          const parts = n.split(sep).filter((p) => p !== "");
          for (let k = 1; k <= parts.length; k++) all.add(parts.slice(0, k).join(sep));
        }
      }
      out.push({
        label,
        sep,
        list,
        attr: new Uint8Array(readFileSync(copy2 + ".attr")),
        journal: new Uint8Array(readFileSync(copy2 + ".journal")),
        names: [...all, ...absent],
        paths,
        map: mapFields(list),
      });
    };
    const tree = [
      "INBOX",
      "INBOX/Sent",
      "INBOX/Drafts",
      "Archive/2009",
      "Archive/2010/Q1",
      "Archive/2010/Q2",
      "Lists/dev",
      "Lists/users",
      "Work/ProjA/specs",
      "Work/ProjB",
      "äpfel",
      "&AOQ-pfel",
      "Spam",
    ];
    await make(
      "tree",
      "/",
      [
        tree,
        [...tree, "Archive/2011", "Lists/announce", "Zeta", "Work/ProjA/notes"],
        [...tree.filter((n) => n !== "Spam" && n !== "Lists/users"), "Archive/2011", "Zeta", "Work/ProjC/x"],
      ],
      ["Nope", "INBOX/Nope", "Archive/2010/Q3", "Work/ProjA/specs/deeper", "/", "//INBOX//Sent"],
      ["", "INBOX", "Archive", "Archive/2010", "Work", "Nope"],
    );
    const deep = Array.from({ length: 12 }, (_, i) => Array.from({ length: i + 1 }, (_, k) => `l${k}`).join("."));
    await make(
      "deep-dot",
      ".",
      [[...deep, "a.b", "a.c", "b"], [...deep, "a.b", "b.x", "c"]],
      ["l0.l1.zz", "a.b.c", ".."],
      ["", "l0", "l0.l1.l2", "a"],
    );
    await make("root-only", "/", [["x", "y", "z", "w"]], ["q", "x/y"], ["", "x"]);
    await make("empty", "/", [[]], ["INBOX", "a/b"], ["", "INBOX"]);
    return out;
  } finally {
    tmp.cleanup();
  }
}

// ------------------------------------------------------------------ mutations

/** One mutation of a list image; positions are fractions mapped onto the image's own fields. */
export type ListMutation =
  | { kind: "bitflip"; at: number; bit: number }
  | { kind: "byte"; at: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "extend"; by: number; fill: number }
  | { kind: "count"; dir: number; value: number }
  | { kind: "dirSize"; dir: number; value: number }
  | { kind: "nextLink"; dir: number; value: number; raw: boolean }
  | { kind: "childLink"; rec: number; value: number; raw: boolean }
  | { kind: "childToDir"; rec: number; dir: number }
  | { kind: "nextToDir"; dir: number; to: number }
  | { kind: "nameOffset"; rec: number; value: number }
  | { kind: "nameNul"; name: number; value: number }
  | { kind: "uid"; rec: number; value: number }
  | { kind: "hash"; rec: number; value: number }
  | { kind: "header"; field: number; value: number }
  | { kind: "splice"; from: number; to: number; length: number };

const frac = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** u32 values biased towards the interesting ones. */
const u32 = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 12, 16, 27, 28, 29, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0x80808080, 0x7f7f7f7f),
  fc.integer({ min: 0, max: 4096 }),
  fc.integer({ min: 0, max: 0xffffffff }),
);

/** A link target: an offset anywhere (backwards, forwards, outside, self) to be encoded. */
const linkTarget = fc.oneof(
  fc.integer({ min: 0, max: 1024 }).map((n) => n * 4),
  fc.integer({ min: 0, max: (1 << 28) - 1 }).map((n) => n * 4),
);

/** Arbitrary list mutations. */
export const listMutation: fc.Arbitrary<ListMutation> = fc.oneof(
  fc.record({ kind: fc.constant("bitflip" as const), at: frac, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("byte" as const), at: frac, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: frac }),
  fc.record({ kind: fc.constant("extend" as const), by: fc.integer({ min: 1, max: 2048 }), fill: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("count" as const), dir: frac, value: u32 }),
  fc.record({ kind: fc.constant("dirSize" as const), dir: frac, value: u32 }),
  fc.record({ kind: fc.constant("nextLink" as const), dir: frac, value: fc.oneof(linkTarget, u32), raw: fc.boolean() }),
  fc.record({ kind: fc.constant("childLink" as const), rec: frac, value: fc.oneof(linkTarget, u32), raw: fc.boolean() }),
  fc.record({ kind: fc.constant("childToDir" as const), rec: frac, dir: frac }),
  fc.record({ kind: fc.constant("nextToDir" as const), dir: frac, to: frac }),
  fc.record({ kind: fc.constant("nameOffset" as const), rec: frac, value: u32 }),
  fc.record({ kind: fc.constant("nameNul" as const), name: frac, value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("uid" as const), rec: frac, value: u32 }),
  fc.record({ kind: fc.constant("hash" as const), rec: frac, value: u32 }),
  fc.record({ kind: fc.constant("header" as const), field: fc.integer({ min: 0, max: 6 }), value: u32 }),
  fc.record({ kind: fc.constant("splice" as const), from: frac, to: frac, length: fc.integer({ min: 1, max: 64 }) }),
);

/** A list fuzz case: which base, which mutations. */
export interface ListCase {
  /** Index into the bases. */
  base: number;
  /** Mutations, applied in order. */
  mutations: ListMutation[];
}

/** Arbitrary list fuzz cases. */
export function listCase(bases: Base[]): fc.Arbitrary<ListCase> {
  return fc.record({
    base: fc.integer({ min: 0, max: bases.length - 1 }),
    mutations: fc.array(listMutation, { minLength: 1, maxLength: 4 }),
  });
}

function plus(at: number | undefined, n: number): number | undefined {
  return at === undefined ? undefined : at + n;
}

function pick(list: number[], f: number): number | undefined {
  return list.length === 0 ? undefined : list[Math.floor(f * list.length)];
}

/**
 * Apply mutations to a copy of a list image.
 *
 * @param base The valid image and its field map.
 * @param mutations What to change.
 * @returns The mutated bytes (a fresh buffer, exactly as long as the "file").
 */
export function mutateList(base: Base, mutations: ListMutation[]): Uint8Array {
  let b = base.list.slice();
  const map = base.map;
  const set32 = (at: number | undefined, v: number) => {
    if (at === undefined || !Number.isInteger(at) || at < 0 || at + 4 > b.length) return;
    new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, true);
  };
  const link = (v: number, raw: boolean) => raw || v % 4 !== 0 || v >= 1 << 30 ? v : encodeOffset(v);
  for (const m of mutations) {
    switch (m.kind) {
      case "bitflip":
        if (b.length > 0) b[Math.floor(m.at * b.length)] ^= 1 << m.bit;
        break;
      case "byte":
        if (b.length > 0) b[Math.floor(m.at * b.length)] = m.value;
        break;
      case "truncate":
        b = b.slice(0, Math.floor(m.at * b.length));
        break;
      case "extend": {
        const e = new Uint8Array(b.length + m.by);
        e.set(b);
        e.fill(m.fill, b.length);
        b = e;
        break;
      }
      case "count":
        set32(plus(pick(map.dirs, m.dir), 8), m.value);
        break;
      case "dirSize":
        set32(plus(pick(map.dirs, m.dir), 4), m.value);
        break;
      case "nextLink":
        set32(pick(map.dirs, m.dir), link(m.value, m.raw));
        break;
      case "childLink":
        set32(plus(pick(map.records, m.rec), 12), link(m.value, m.raw));
        break;
      case "childToDir": {
        // A child link to an existing directory: an ancestor (a cycle), a sibling's (shared), itself.
        const d = pick(map.dirs, m.dir);
        if (d !== undefined) set32(plus(pick(map.records, m.rec), 12), encodeOffset(d));
        break;
      }
      case "nextToDir": {
        const d = pick(map.dirs, m.to);
        if (d !== undefined) set32(pick(map.dirs, m.dir), encodeOffset(d));
        break;
      }
      case "nameOffset":
        set32(plus(pick(map.records, m.rec), 8), m.value);
        break;
      case "nameNul": {
        // Overwrite the NUL that ends a name.
        const start = pick(map.names, m.name);
        if (start === undefined) break;
        let p = start;
        while (p < b.length && b[p] !== 0) p++;
        if (p < b.length) b[p] = m.value;
        break;
      }
      case "uid":
        set32(plus(pick(map.records, m.rec), 4), m.value);
        break;
      case "hash":
        set32(pick(map.records, m.rec), m.value);
        break;
      case "header":
        if (m.field === 0) {
          if (b.length > 0) b[0] = m.value & 0xff;
        } else set32(4 * m.field, m.value);
        break;
      case "splice": {
        if (b.length === 0) break;
        const from = Math.floor(m.from * b.length), to = Math.floor(m.to * b.length);
        const chunk = b.slice(from, Math.min(b.length, from + m.length));
        b.set(chunk.subarray(0, Math.max(0, Math.min(chunk.length, b.length - to))), to);
        break;
      }
    }
  }
  return b;
}

// ------------------------------------------------------------------ checks

/** Thrown when a read behaves in a way no input may make it behave. */
export class FuzzViolation extends Error {
  /** @param message What went wrong. */
  constructor(message: string) {
    super(message);
    this.name = "FuzzViolation";
  }
}

/** A read that failed: CorruptIndexError is fine, anything else is a violation. */
function allowed(e: unknown, what: string): void {
  if (e instanceof CorruptIndexError) return;
  if (e instanceof FuzzViolation) throw e;
  throw new FuzzViolation(`${what} threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
}

const encoder = new TextEncoder();

/** Bounds every check enforces. */
export const LIMITS = {
  /** Wall-clock time one case may take, in ms. */
  caseMs: 2000,
};

function boundedIterate(
  it: Iterable<{ name: string; uid: number; hasChildren: boolean; flags: number }>,
  bytes: number,
  what: string,
): number {
  // Each mailbox needs a 16-byte record; a damaged file may make iteration visit
  // records a few times (plus a constant) before it notices.
  const maxRecords = 4 * Math.floor(bytes / 16) + 2048;
  let n = 0, chars = 0;
  for (const m of it) {
    if (++n > maxRecords) throw new FuzzViolation(`${what} yielded more than ${maxRecords} mailboxes from ${bytes} bytes`);
    if (typeof m.name !== "string" || !Number.isInteger(m.uid) || m.uid <= 0 || m.uid > 0x7fffffff) {
      throw new FuzzViolation(`${what} yielded a malformed mailbox ${JSON.stringify(m)}`);
    }
    chars += m.name.length;
  }
  return chars;
}

/**
 * Read a (mutated) list image every way a reader can: header, lookups,
 * full iteration, iteration with depths and of subtrees.
 *
 * @param bytes The image.
 * @param names Names to look up.
 * @param paths Paths to iterate.
 * @param sep Separator.
 * @returns Nothing; throws {@linkcode FuzzViolation}.
 */
export function checkListBytes(bytes: Uint8Array, names: string[], paths: string[], sep: string): void {
  const started = Date.now();
  let view: ListView;
  try {
    view = new ListView(bytes, "fuzz");
  } catch (e) {
    allowed(e, "new ListView");
    return;
  }
  const sepByte = sep.charCodeAt(0);
  const flags = { flagsOf: () => 0 };
  for (const name of names) {
    const enc = encoder.encode(name);
    try {
      const rec = view.findRecord(enc, enc.length, sepByte);
      if (rec !== 0) {
        const uid = view.uidOf(rec);
        if (!(uid > 0 && uid <= 0x7fffffff)) throw new FuzzViolation(`lookup(${name}) gave UID ${uid}`);
      }
    } catch (e) {
      allowed(e, `lookup(${JSON.stringify(name)})`);
    }
  }
  for (const depth of [Infinity, 0, 1]) {
    try {
      boundedIterate(view.iterate("", depth, flags, sep), bytes.length, `iterate("", ${depth})`);
    } catch (e) {
      allowed(e, `iterate("", ${depth})`);
    }
  }
  for (const path of paths) {
    const enc = encoder.encode(path);
    for (const depth of [Infinity, 0]) {
      try {
        boundedIterate(
          view.iterate(path, depth, flags, sep, { bytes: enc, length: enc.length, sep: sepByte }),
          bytes.length,
          `iterate(${JSON.stringify(path)}, ${depth})`,
        );
      } catch (e) {
        allowed(e, `iterate(${JSON.stringify(path)}, ${depth})`);
      }
    }
  }
  const ms = Date.now() - started;
  if (ms > LIMITS.caseMs) throw new FuzzViolation(`reading ${bytes.length} bytes took ${ms} ms`);
}

/**
 * Read an image with more lookups than the threshold that builds the
 * full-name table, so that the table is built from the (mutated) bytes.
 *
 * @param bytes The image.
 * @param names Names to look up.
 * @param sep Separator.
 * @returns Nothing; throws {@linkcode FuzzViolation}.
 */
export function checkManyLookups(bytes: Uint8Array, names: string[], sep: string): void {
  const started = Date.now();
  let view: ListView;
  try {
    view = new ListView(bytes, "fuzz");
  } catch (e) {
    allowed(e, "new ListView");
    return;
  }
  const encs = names.map((n) => encoder.encode(n));
  const sepByte = sep.charCodeAt(0);
  for (let i = 0; i < 2100; i++) {
    const enc = encs[i % encs.length];
    try {
      const rec = view.findRecord(enc, enc.length, sepByte);
      if (rec !== 0) view.uidOf(rec);
    } catch (e) {
      allowed(e, `lookup number ${i}`);
    }
  }
  const ms = Date.now() - started;
  if (ms > LIMITS.caseMs) throw new FuzzViolation(`2100 lookups in ${bytes.length} bytes took ${ms} ms`);
}

/** A list case, checked. */
export function checkListCase(bases: Base[], c: ListCase): void {
  const base = bases[c.base];
  checkListBytes(mutateList(base, c.mutations), base.names, base.paths, base.sep);
}

/**
 * Write a case's files into `dir`, open them read-only and read them every
 * way the API offers: lookups, flags, STATUS, iterations, LIST.
 *
 * @param dir A directory for the files (reused between cases).
 * @param list The list file.
 * @param attr The attribute file.
 * @param journal The journal, or undefined for none.
 * @param base The base the case comes from (names and paths to read).
 * @returns Nothing; throws {@linkcode FuzzViolation}.
 */
export async function checkFiles(
  dir: string,
  list: Uint8Array,
  attr: Uint8Array,
  journal: Uint8Array | undefined,
  base: Base,
): Promise<void> {
  const path = join(dir, "m.mlist");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, list);
  writeFileSync(`${path}.attr`, attr);
  if (journal) writeFileSync(`${path}.journal`, journal);
  else rmSync(`${path}.journal`, { force: true });
  const started = Date.now();
  let index: MailboxListIndex;
  const step = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof CorruptIndexError) return;
      throw new FuzzViolation(`${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
  };
  try {
    index = await MailboxListIndex.open(path, { readonly: true, onWarning: () => {} });
  } catch (e) {
    if (e instanceof CorruptIndexError) return;
    throw new FuzzViolation(`open threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  const limit = 4 * Math.floor(list.length / 16) + 2048;
  step("iterate()", () => {
    let k = 0;
    for (const _ of index.iterate()) if (++k > limit) throw new FuzzViolation("iterate() yields too much");
  });
  for (const p of base.paths) {
    step(`iterate(${p}, depth 0)`, () => {
      let k = 0;
      for (const _ of index.iterate(p, { depth: 0 })) if (++k > limit) throw new FuzzViolation("too much");
    });
  }
  for (const name of base.names.slice(0, 12)) {
    step(`lookup(${name})`, () => void index.lookup(name));
    step(`status(${name})`, () => void index.status(name));
    step(`flags(${name})`, () => void index.flags(name));
  }
  step('list("*")', () => void index.list("*"));
  step('list("%")', () => void index.list("%"));
  await index.close();
  const ms = Date.now() - started;
  if (ms > 2000) throw new FuzzViolation(`reading the files took ${ms} ms`);
}

// ------------------------------------------------------------------ attribute file and journal

/** A mutation of an attribute file or journal image. */
export interface ByteMutation {
  /** What to do. */
  kind: "bitflip" | "byte" | "word" | "truncate" | "extend";
  /** Where, as a fraction of the image (biased towards the header by `head`). */
  at: number;
  /** Whether `at` falls in the first 64 bytes (headers, counts). */
  head: boolean;
  /** Value for byte/word/extend. */
  value: number;
}

/** Arbitrary byte mutations. */
export const byteMutation: fc.Arbitrary<ByteMutation> = fc.record({
  kind: fc.constantFrom("bitflip" as const, "byte" as const, "word" as const, "truncate" as const, "extend" as const),
  at: frac,
  head: fc.boolean(),
  value: u32,
});

/**
 * Apply byte mutations to a copy of an image.
 *
 * @param image The valid image.
 * @param mutations What to change.
 * @returns The mutated bytes.
 */
export function mutateBytes(image: Uint8Array, mutations: ByteMutation[]): Uint8Array {
  let b = image.slice();
  for (const m of mutations) {
    const span = m.head ? Math.min(64, b.length) : b.length;
    const at = Math.floor(m.at * span);
    switch (m.kind) {
      case "bitflip":
        if (at < b.length) b[at] ^= 1 << (m.value & 7);
        break;
      case "byte":
        if (at < b.length) b[at] = m.value & 0xff;
        break;
      case "word": {
        const p = at & ~3;
        if (p + 4 <= b.length) new DataView(b.buffer).setUint32(p, m.value >>> 0, true);
        break;
      }
      case "truncate":
        b = b.slice(0, at);
        break;
      case "extend": {
        const e = new Uint8Array(b.length + 1 + (m.value % 512));
        e.set(b);
        e.fill(m.value & 0xff, b.length);
        b = e;
        break;
      }
    }
  }
  return b;
}

/** Recompute the attribute header's checksum so that mutations reach past it. */
export function fixAttrChecksum(b: Uint8Array): void {
  if (b.length >= ATTR_HEADER_SIZE) new DataView(b.buffer).setUint32(44, hashBytes(b, 0, 44), true);
}

/** Recompute a journal's body and header checksums so that mutations reach the body parser. */
export function fixJournalChecksums(b: Uint8Array): void {
  if (b.length < JOURNAL_HEADER_SIZE) return;
  const dv = new DataView(b.buffer);
  const bodyLength = dv.getUint32(24, true);
  if (JOURNAL_HEADER_SIZE + bodyLength <= b.length) {
    dv.setUint32(28, hashBytes(b, JOURNAL_HEADER_SIZE, JOURNAL_HEADER_SIZE + bodyLength), true);
  }
  dv.setUint32(32, hashBytes(b, 0, 32), true);
}

/**
 * Read an attribute image: the header, then flags and STATUS of every UID
 * up to past next_uid, enough to build the dense flags table too.
 *
 * @param bytes The image.
 * @returns Nothing; throws {@linkcode FuzzViolation}.
 */
export function checkAttrBytes(bytes: Uint8Array): void {
  const started = Date.now();
  let view: AttrView;
  try {
    view = new AttrView(bytes, "fuzz.attr");
  } catch (e) {
    allowed(e, "new AttrView");
    return;
  }
  const top = Math.min(view.header.nextUid + 8, 4096);
  try {
    for (const uid of [0, 1, 2, 0x7fffffff, 0x80000001, view.header.nextUid]) {
      const f = view.flagsOf(uid);
      if (!Number.isInteger(f) || f < 0 || f > 0x7fff) throw new FuzzViolation(`flagsOf(${uid}) = ${f}`);
      view.statusOf(uid);
    }
    for (let round = 0; round < 2; round++) {
      for (let uid = 1; uid < Math.max(top, 300); uid++) {
        const f = view.flagsOf(uid);
        if (!Number.isInteger(f) || f < 0 || f > 0x7fff) throw new FuzzViolation(`flagsOf(${uid}) = ${f}`);
        const s = view.statusOf(uid);
        if (s !== undefined && Object.values(s).some((v) => !Number.isInteger(v) || v < 0)) {
          throw new FuzzViolation(`statusOf(${uid}) = ${JSON.stringify(s)}`);
        }
      }
    }
  } catch (e) {
    if (e instanceof FuzzViolation) throw e;
    throw new FuzzViolation(`reading a checked attribute file threw ${(e as Error).stack ?? e}`);
  }
  const ms = Date.now() - started;
  if (ms > LIMITS.caseMs) throw new FuzzViolation(`reading ${bytes.length} attribute bytes took ${ms} ms`);
}

/**
 * Decode a journal image and apply what it holds to copies of the files:
 * decoding never throws, and a decoded record is well-formed.
 *
 * @param bytes The journal image.
 * @param list A list image to apply it to.
 * @param attr An attribute image to apply it to.
 * @returns Nothing; throws {@linkcode FuzzViolation}.
 */
export function checkJournalBytes(bytes: Uint8Array, list: Uint8Array, attr: Uint8Array): void {
  let rec;
  try {
    rec = decodeJournal(bytes);
  } catch (e) {
    throw new FuzzViolation(`decodeJournal threw ${(e as Error).stack ?? e}`);
  }
  if (rec === undefined) return;
  for (const p of rec.patches) {
    if (p.file !== FILE_LIST && p.file !== FILE_ATTR) throw new FuzzViolation(`patch of file ${p.file}`);
    if (!(p.offset >= 0 && p.offset + p.bytes.length <= 1 << 30)) {
      throw new FuzzViolation(`patch at ${p.offset} of ${p.bytes.length} bytes`);
    }
    if (p.bytes.byteOffset + p.bytes.length > bytes.byteOffset + bytes.length) {
      throw new FuzzViolation("patch bytes outside the journal");
    }
  }
  for (const f of rec.renames) if (f !== FILE_LIST && f !== FILE_ATTR) throw new FuzzViolation(`rename of file ${f}`);
  try {
    applyPatches(list.slice(), rec, FILE_LIST);
    applyPatches(attr.slice(), rec, FILE_ATTR);
  } catch (e) {
    throw new FuzzViolation(`applyPatches threw ${(e as Error).stack ?? e}`);
  }
}

// ------------------------------------------------------------------ files that lie (SPEC §9)

/**
 * One lie told by a structurally valid file; positions are fractions mapped
 * onto the base's own records (any record, deleted ones included).
 */
export type Lie =
  | { kind: "nextUid"; at: number }
  | { kind: "dupUid"; from: number; to: number }
  | { kind: "shareDir"; from: number; to: number }
  | { kind: "attrEntry"; at: number };

/** Arbitrary lies. */
export const lie: fc.Arbitrary<Lie> = fc.oneof(
  fc.record({ kind: fc.constant("nextUid" as const), at: frac }),
  fc.record({ kind: fc.constant("dupUid" as const), from: frac, to: frac }),
  fc.record({ kind: fc.constant("shareDir" as const), from: frac, to: frac }),
  fc.record({ kind: fc.constant("attrEntry" as const), at: frac }),
);

/** A lying case: which base, which lies. */
export interface LieCase {
  /** Index into the bases. */
  base: number;
  /** Lies, told in order. */
  lies: Lie[];
}

/** Arbitrary lying cases. */
export function lieCase(bases: Base[]): fc.Arbitrary<LieCase> {
  return fc.record({
    base: fc.integer({ min: 0, max: bases.length - 1 }),
    lies: fc.array(lie, { minLength: 1, maxLength: 3 }),
  });
}

/**
 * Tell lies in copies of a base's list and attribute files. Every offset,
 * count and size stays valid: next_uid set anywhere in `[1, max UID + 1]`,
 * a record given another's UID or child directory, a live attribute entry
 * for a UID below next_uid + 8 that it does not have yet.
 *
 * @param base The valid index.
 * @param lies What to tell.
 * @returns The lying images.
 */
export function tellLies(base: Base, lies: Lie[]): { list: Uint8Array; attr: Uint8Array } {
  const list = base.list.slice();
  let attr: Uint8Array = base.attr.slice();
  const dv = new DataView(list.buffer);
  const recs = base.map.records;
  let maxUid = 0;
  for (const r of recs) maxUid = Math.max(maxUid, dv.getUint32(r + 4, true) & 0x7fffffff);
  for (const l of lies) {
    switch (l.kind) {
      case "nextUid":
        setNextUid(list, 1 + Math.floor(l.at * (maxUid + 1)));
        break;
      case "dupUid": {
        const from = pick(recs, l.from), to = pick(recs, l.to);
        if (from !== undefined && to !== undefined) copyUid(list, from, to);
        break;
      }
      case "shareDir": {
        const from = pick(recs, l.from), to = pick(recs, l.to);
        if (from !== undefined && to !== undefined) shareDir(list, from, to);
        break;
      }
      case "attrEntry": {
        const nextUid = dv.getUint32(16, true);
        const uid = 1 + Math.floor(l.at * (nextUid + 8));
        if (new AttrView(attr, "lie").positionOf(uid) < 0) attr = reviveAttrEntry(attr, uid);
        break;
      }
    }
  }
  return { list, attr };
}

/** The [name, UID] pairs a valid base holds, by name. */
export function truthOf(base: Base): Map<string, number> {
  return new Map(namesAndUids(base.list, base.sep));
}

/** Check a listing against the truth: every UID once, below next_uid, every name with its true UID. */
function consistent(
  pairs: Iterable<{ name: string; uid: number }>,
  nextUid: number,
  truth: Map<string, number> | undefined,
  what: string,
): void {
  const seen = new Map<number, string>();
  for (const { name, uid } of pairs) {
    const other = seen.get(uid);
    if (other !== undefined) throw new FuzzViolation(`${what}: UID ${uid} of ${JSON.stringify(name)} is also the UID of ${JSON.stringify(other)}`);
    seen.set(uid, name);
    if (!(uid > 0 && uid < nextUid)) throw new FuzzViolation(`${what}: UID ${uid} of ${JSON.stringify(name)} is not below next_uid ${nextUid}`);
    if (truth !== undefined && truth.get(name) !== uid) {
      throw new FuzzViolation(`${what}: ${JSON.stringify(name)} with UID ${uid}, the file holds ${truth.get(name) ?? "no such mailbox"}`);
    }
  }
}

/**
 * Read lying images the way readers do (the list paired with its attribute
 * file): iteration and walks either throw {@linkcode CorruptIndexError} or
 * answer with the true name/UID pairs, every UID once and below next_uid.
 *
 * @param base The base the lies were told in.
 * @param truth {@linkcode truthOf} the base.
 * @param list The lying list image.
 * @param attr The lying attribute image.
 * @returns Nothing; throws {@linkcode FuzzViolation}.
 */
export function checkLyingImages(base: Base, truth: Map<string, number>, list: Uint8Array, attr: Uint8Array): void {
  let view: ListView;
  try {
    view = new ListView(list, "fuzz").pairAttr(new AttrView(attr, "fuzz.attr"));
  } catch (e) {
    allowed(e, "new ListView");
    return;
  }
  const flags = { flagsOf: () => 0 };
  for (const path of base.paths) {
    const enc = encoder.encode(path);
    try {
      const it = view.iterate(path, Infinity, flags, base.sep, { bytes: enc, length: enc.length, sep: base.sep.charCodeAt(0) });
      consistent(it, view.header.nextUid, truth, `iterate(${JSON.stringify(path)})`);
    } catch (e) {
      allowed(e, `iterate(${JSON.stringify(path)})`);
    }
  }
}

/**
 * Write lying files, sync them (partial, or full with every true name plus
 * one), and read the result back with a fresh reader: whatever the writer
 * did (refuse and recover, or go on when the lie was no lie), no UID is
 * used twice, every UID is below next_uid, and the new name is there.
 *
 * @param dir A directory for the files (reused between cases).
 * @param truth {@linkcode truthOf} the base.
 * @param base The base the lies were told in.
 * @param list The lying list file.
 * @param attr The lying attribute file.
 * @param full Full sync (true) or partial (false).
 * @returns Nothing; throws {@linkcode FuzzViolation}.
 */
export async function checkLyingWriter(
  dir: string,
  truth: Map<string, number>,
  base: Base,
  list: Uint8Array,
  attr: Uint8Array,
  full: boolean,
): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "m.mlist");
  writeFileSync(path, list);
  writeFileSync(`${path}.attr`, attr);
  const added = `fuzz-new${base.sep}box`;
  const index = await MailboxListIndex.open(path, { separator: base.sep, durable: false, onWarning: () => {} });
  try {
    const ctx = await index.syncBegin(full ? { recursive: true } : { partial: true });
    if (full) for (const name of truth.keys()) ctx.add(name);
    ctx.add(added);
    await ctx.commit();
  } catch (e) {
    throw new FuzzViolation(`a ${full ? "full" : "partial"} sync threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  } finally {
    await index.close();
  }
  const reader = await MailboxListIndex.open(path, { readonly: true, onWarning: () => {} });
  try {
    const all = [...reader.iterate()];
    consistent(all, reader.header.nextUid, undefined, `after a ${full ? "full" : "partial"} sync`);
    if (!all.some((m) => m.name === added)) throw new FuzzViolation(`the sync lost ${JSON.stringify(added)}`);
  } catch (e) {
    if (e instanceof FuzzViolation) throw e;
    throw new FuzzViolation(`reading after a sync threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  } finally {
    await reader.close();
  }
}

/** A pending journal record with valid checksums for another file_seq or uid_validity. */
export interface ForeignCase {
  /** Index into the bases. */
  base: number;
  /** Added to the list file's file_seq (0 = the same). */
  fileSeqDelta: number;
  /** Added to the list file's uid_validity (0 = the same). */
  uidValidityDelta: number;
  /** Patches: file, offset and bytes as fractions of the file's size. */
  patches: { attr: boolean; at: number; bytes: Uint8Array }[];
}

/** Arbitrary foreign records (never for the list file itself). */
export function foreignCase(bases: Base[]): fc.Arbitrary<ForeignCase> {
  return fc.record({
    base: fc.integer({ min: 0, max: bases.length - 1 }),
    fileSeqDelta: fc.integer({ min: -3, max: 3 }),
    uidValidityDelta: fc.integer({ min: 1, max: 0xffffffff }),
    sameUidValidity: fc.boolean(),
    patches: fc.array(
      fc.record({ attr: fc.boolean(), at: frac, bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
      { minLength: 1, maxLength: 4 },
    ),
  }).map((c) => ({
    base: c.base,
    // At least one of the two differs.
    fileSeqDelta: c.sameUidValidity && c.fileSeqDelta === 0 ? 1 : c.fileSeqDelta,
    uidValidityDelta: c.sameUidValidity ? 0 : c.uidValidityDelta,
    patches: c.patches,
  }));
}

/**
 * Plant a foreign record next to a base's files and check that readers and
 * writers ignore it alike: a reader lists exactly what the files hold and
 * warns; {@linkcode recoverJournal} replays nothing, warns once, and marks
 * the record applied.
 *
 * @param dir A directory for the files (reused between cases).
 * @param bases The bases.
 * @param c The case.
 * @returns Nothing; throws {@linkcode FuzzViolation}.
 */
export async function checkForeignJournal(dir: string, bases: Base[], c: ForeignCase): Promise<void> {
  const base = bases[c.base];
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "m.mlist");
  writeFileSync(path, base.list);
  writeFileSync(`${path}.attr`, base.attr);
  const dv = new DataView(base.list.buffer, base.list.byteOffset, base.list.byteLength);
  const fileSeq = (dv.getUint32(4, true) + c.fileSeqDelta) >>> 0;
  const uidValidity = (dv.getUint32(12, true) + c.uidValidityDelta) >>> 0;
  const patches = c.patches.map((p) => {
    const size = p.attr ? base.attr.length : base.list.length;
    const offset = Math.min(Math.floor(p.at * size), Math.max(0, size - p.bytes.length));
    return { file: p.attr ? FILE_ATTR : FILE_LIST, offset, bytes: p.bytes.subarray(0, Math.min(p.bytes.length, size)) };
  });
  writeFileSync(`${path}.journal`, encodeJournal(77, fileSeq, uidValidity, patches, []));
  const listing = (index: MailboxListIndex) => [...index.iterate()].map((m) => `${m.name} ${m.uid} ${m.flags}`).join("\n");
  const warnings: string[] = [];
  let read: string;
  const reader = await MailboxListIndex.open(path, { readonly: true, onWarning: (m) => warnings.push(m) });
  try {
    read = listing(reader);
  } finally {
    await reader.close();
  }
  if (!warnings.some((w) => w.includes(".journal"))) throw new FuzzViolation(`a reader did not warn: ${JSON.stringify(warnings)}`);
  const paths = { list: path, attr: `${path}.attr`, subs: `${path}.subs`, journal: `${path}.journal`, changes: `${path}.changes`, lock: `${path}.lock` };
  const writerWarnings: string[] = [];
  const replayed = recoverJournal(nodeFileIO, paths, { durable: false, onWarning: (m) => writerWarnings.push(m) });
  if (replayed || writerWarnings.length !== 1) {
    throw new FuzzViolation(`recoverJournal replayed ${replayed}, warned ${JSON.stringify(writerWarnings)}`);
  }
  if (!equalBytes(readFileSync(path), base.list) || !equalBytes(readFileSync(`${path}.attr`), base.attr)) {
    throw new FuzzViolation("recoverJournal changed the files");
  }
  const after = await MailboxListIndex.open(path, { readonly: true, onWarning: () => {} });
  try {
    if (listing(after) !== read) throw new FuzzViolation("readers answered differently before and after the writer");
  } finally {
    await after.close();
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
