/**
 * A sample Maildir++ store for the `demo` command and for tests: a few
 * hundred folders (an archive by year and month, mailing lists, projects,
 * a `\Noselect` parent, names with spaces), each with a handful of
 * messages, some seen and some new, and a `dovecot-uidlist` in most
 * folders. The content is the same on every run.
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Options of {@linkcode makeDemoStore}.
 *
 * @example A small store
 * ```ts
 * import type { DemoStoreOptions } from "./demo.ts";
 * const opts: DemoStoreOptions = { folders: 20, seed: 7 };
 * ```
 */
export interface DemoStoreOptions {
  /** How many folders besides INBOX (default 300, at most the names available, about 400). */
  folders?: number;
  /** Seed of the message counts (default 1). */
  seed?: number;
}

/**
 * What {@linkcode makeDemoStore} wrote.
 *
 * @example Reading the figures
 * ```ts ignore
 * const made = await makeDemoStore("/tmp/demo/Maildir");
 * console.log(made.folders, made.messages);
 * ```
 */
export interface DemoStore {
  /** The store root (INBOX's Maildir). */
  root: string;
  /** Folders written besides INBOX. */
  folders: number;
  /** Messages written, INBOX included. */
  messages: number;
  /** Folder names with "/" as separator, INBOX first, in the order written. */
  names: string[];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LISTS = [
  "announce",
  "bugs",
  "dev",
  "devel-fr",
  "freebsd-hackers",
  "golang-nuts",
  "ietf-imap",
  "ietf-extra",
  "linux-kernel",
  "lwn",
  "mutt-users",
  "netbsd-users",
  "nginx",
  "openbsd-misc",
  "postfix-users",
  "python-dev",
  "rust-internals",
  "security",
  "sqlite-users",
  "tor-talk",
];
const PROJECTS = ["Apollo", "Borealis", "Cassini", "Dione", "Europa", "Fornax", "Gemini", "Helios"];
const PROJECT_PARTS = ["Contracts", "Meetings", "Specs", "Travel Plans"];
const OTHERS = [
  "Drafts",
  "Junk",
  "Sent",
  "Templates",
  "Trash",
  "Family",
  "Family/Holidays 2023",
  "Family/School",
  "Receipts",
  "Receipts/Online orders",
];

/**
 * The folder names of the sample store, "/"-separated, parents before
 * children, taken in turn from each group so that a small store has some
 * of everything.
 */
function demoNames(): string[] {
  const projects: string[] = [];
  for (const p of PROJECTS) {
    projects.push(`Projects/${p}`);
    for (const part of PROJECT_PARTS) projects.push(`Projects/${p}/${part}`);
  }
  const lists = LISTS.map((l) => `Lists/${l}`);
  const archive: string[] = [];
  for (let year = 2024; year >= 2000; year--) {
    archive.push(`Archive/${year}`);
    for (const m of MONTHS) archive.push(`Archive/${year}/${m}`);
  }
  const groups = [OTHERS, projects, lists, archive];
  const names: string[] = [];
  for (let i = 0; names.length < groups.reduce((n, g) => n + g.length, 0); i++) {
    for (const g of groups) if (i < g.length) names.push(g[i]);
  }
  return names;
}

/**
 * A seeded generator (mulberry32): numbers in [0, 1), the same sequence for
 * the same seed on every runtime. The demo's sample store is drawn from it,
 * and so are the tests' and benchmarks' trees (test/helpers/random.ts).
 *
 * @param seed The seed.
 * @returns The generator.
 *
 * @example The same seed, the same numbers
 * ```ts
 * import { prng } from "./demo.ts";
 * console.log(prng(1)() === prng(1)()); // true
 * ```
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Write one Maildir folder's messages; returns how many. */
async function fillMaildir(dir: string, name: string, rnd: () => number, uidValidity: number): Promise<number> {
  await Promise.all(["cur", "new", "tmp"].map((d) => mkdir(join(dir, d), { recursive: true })));
  const seen = Math.floor(rnd() * 6);
  const unseen = rnd() < 0.4 ? Math.floor(rnd() * 3) : 0;
  const fresh = rnd() < 0.2 ? 1 + Math.floor(rnd() * 2) : 0;
  const writes: Promise<void>[] = [];
  let n = 0;
  const message = (i: number) => `From: demo@example.org\nSubject: ${name} #${i}\n\nMessage ${i} of ${name}.\n`;
  for (let i = 0; i < seen + unseen; i++, n++) {
    const info = i < seen ? ":2,S" : ":2,";
    writes.push(writeFile(join(dir, "cur", `1700000000.M${n}P1.demo${info}`), message(n + 1)));
  }
  for (let i = 0; i < fresh; i++, n++) {
    writes.push(writeFile(join(dir, "new", `1700000100.M${n}P1.demo`), message(n + 1)));
  }
  if (rnd() < 0.9) {
    writes.push(writeFile(join(dir, "dovecot-uidlist"), `3 V${uidValidity} N${n + 1} G0123456789abcdef\n`));
  }
  await Promise.all(writes);
  return n;
}

/**
 * Write the sample Maildir++ store into `root` (created when missing): the
 * root is INBOX, every folder `A/B` is the directory `.A.B` with `cur/`,
 * `new/` and `tmp/`, except `Shared`, which has no Maildir of its own and
 * so is `\Noselect` (its child `Shared/Team` is a normal folder).
 * Intermediate folders that have no directory (`Lists`, `Projects`,
 * `Archive`) are indexed as `\NonExistent` parents.
 *
 * @param root The store root to create.
 * @param options How many folders, and the seed of the message counts.
 * @returns What was written.
 *
 * @example Writing a small store
 * ```ts
 * import { makeDemoStore } from "./demo.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-demo-");
 * const made = await makeDemoStore(dir + "/Maildir", { folders: 20 });
 * console.log(made.folders, made.names.slice(0, 4)); // 20 ["INBOX", "Shared", "Shared/Team", "Drafts"]
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function makeDemoStore(root: string, options: DemoStoreOptions = {}): Promise<DemoStore> {
  const all = demoNames();
  const want = Math.max(0, Math.min(options.folders ?? 300, all.length + 2));
  const rnd = prng(options.seed ?? 1);
  await mkdir(root, { recursive: true });
  let messages = await fillMaildir(root, "INBOX", rnd, 1700000000);
  const names = ["INBOX"];
  // The \Noselect parent and its child come first, so that small stores show them too.
  const picked = ["Shared", "Shared/Team", ...all].slice(0, want);
  let uidValidity = 1700000001;
  for (const name of picked) {
    const dir = join(root, "." + name.split("/").join("."));
    names.push(name);
    if (name === "Shared") {
      await mkdir(dir, { recursive: true });
      continue;
    }
    messages += await fillMaildir(dir, name, rnd, uidValidity++);
  }
  return { root, folders: picked.length, messages, names };
}
