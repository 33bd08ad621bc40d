// Fuzzing the readers (SPEC §5, §9): valid index files mutated — bit flips,
// truncation, counts, sizes, links (encoded offsets anywhere: backwards,
// outside, onto themselves), names (NULs overwritten, offsets anywhere),
// UIDs, hashes, headers, spliced chunks — must read either fine or with a
// CorruptIndexError: never another exception, never more mailboxes than the
// bytes hold, never a hang. The list file is read from memory through
// ListView (the same checks as from a file), then fewer cases through real
// files and MailboxListIndex.open({ readonly: true }). The journal decoder
// and the attribute file get the same treatment, with their checksums
// recomputed after mutation so that the parsers behind them are reached.
// Structurally valid files that lie (next_uid, a UID twice, a shared child
// directory, an attribute entry for an absent UID) must be refused or read
// with their true name/UID pairs, and a sync of them never hands out a UID
// twice; checksummed journal records for another file_seq or uid_validity
// are ignored by readers and writers alike.
// Cases that could hang run in a child process with a watchdog. Seeds are
// fixed; MLI_FUZZ_SCALE multiplies the numbers of cases.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { encodeJournal, FILE_ATTR, FILE_LIST } from "../../src/format/journal.ts";
import { runtimeCommand } from "../helpers/concurrency_run.ts";
import {
  type Base,
  buildBases,
  byteMutation,
  checkAttrBytes,
  checkForeignJournal,
  checkJournalBytes,
  checkFiles,
  checkListCase,
  checkLyingImages,
  checkLyingWriter,
  fixAttrChecksum,
  fixJournalChecksums,
  foreignCase,
  lieCase,
  listCase,
  mutateBytes,
  mutateList,
  tellLies,
  truthOf,
} from "../helpers/fuzz_cases.ts";
import { AttrView } from "../../src/image/attr_file.ts";
import { ListView } from "../../src/image/view.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const SCALE = Number(process.env.MLI_FUZZ_SCALE ?? "1");
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const counts: Record<string, number> = {};

describe("fuzz", () => {
  let bases: Base[] = [];
  const tmp = makeTempDir("mli-fuzz-");

  before(async () => {
    bases = await buildBases();
  });

  after(() => {
    tmp.cleanup();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(`fuzz: ${total} cases: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  });

  it("the bases are valid and hold what they should", () => {
    assert.equal(bases.length, 4);
    for (const b of bases) {
      assert.ok(b.map.dirs.length > 0 || b.label === "empty", b.label);
      assert.ok(b.journal.length > 36, `${b.label}: no pending journal record`);
    }
    const tree = bases.find((b) => b.label === "tree")!;
    assert.ok(tree.map.dirs.length > tree.map.records.length / 16, "the tree has directory chains");
    // Valid files pass the check of the whole tree (the lying cases below start from them).
    for (const b of bases) new ListView(b.list, b.label).pairAttr(new AttrView(b.attr, `${b.label}.attr`)).checkTree();
  });

  it("mutated list images read fine or throw CorruptIndexError (in memory)", { timeout: 300_000 }, () => {
    const n = runs(30000);
    fc.assert(fc.property(listCase(bases), (c) => checkListCase(bases, c)), { seed: 0x5eed01, numRuns: n });
    counts["list in memory"] = n;
  });

  it("mutated attribute files read fine or throw CorruptIndexError", { timeout: 300_000 }, () => {
    const n = runs(5000);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(byteMutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (bi, muts, fix) => {
          const b = mutateBytes(bases[bi].attr, muts);
          if (fix) fixAttrChecksum(b);
          checkAttrBytes(b);
        },
      ),
      { seed: 0x5eed02, numRuns: n },
    );
    counts["attribute file"] = n;
  });

  it("mutated journals decode to a well-formed record or to nothing, never throw", { timeout: 300_000 }, () => {
    const n = runs(5000);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(byteMutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (bi, muts, fix) => {
          const b = mutateBytes(bases[bi].journal, muts);
          if (fix) fixJournalChecksums(b);
          checkJournalBytes(b, bases[bi].list, bases[bi].attr);
        },
      ),
      { seed: 0x5eed03, numRuns: n },
    );
    counts["journal"] = n;
  });

  const readFiles = (list: Uint8Array, attr: Uint8Array, journal: Uint8Array | undefined, base: Base) =>
    checkFiles(join(tmp.dir, "case"), list, attr, journal, base);

  it("mutated list files read fine or throw CorruptIndexError (MailboxListIndex, read-only)", {
    timeout: 300_000,
  }, async () => {
    const n = runs(300);
    await fc.assert(
      fc.asyncProperty(listCase(bases), async (c) => {
        const base = bases[c.base];
        await readFiles(mutateList(base, c.mutations), base.attr, undefined, base);
      }),
      { seed: 0x5eed04, numRuns: n },
    );
    counts["list files"] = n;
  });

  it("mutated list files next to a pending journal record read fine or throw CorruptIndexError", {
    timeout: 300_000,
  }, async () => {
    const n = runs(300);
    await fc.assert(
      fc.asyncProperty(listCase(bases), async (c) => {
        const base = bases[c.base];
        await readFiles(mutateList(base, c.mutations), base.attr, base.journal, base);
      }),
      { seed: 0x5eed05, numRuns: n, endOnFailure: true },
    );
    counts["list files with a pending journal"] = n;
  });

  it("a pending journal record that does not fit the files: prompt answer, no IndexStateError", async () => {
    const base = bases.find((b) => b.label === "tree")!;
    const dv = new DataView(base.list.buffer, base.list.byteOffset);
    const fileSeq = dv.getUint32(4, true), uidValidity = dv.getUint32(12, true);
    for (const [what, patch] of [
      ["list", { file: FILE_LIST, offset: base.list.length + 64, bytes: new Uint8Array([1, 2, 3, 4]) }],
      ["attribute", { file: FILE_ATTR, offset: base.attr.length + 64, bytes: new Uint8Array([1, 2, 3, 4]) }],
    ] as const) {
      const journal = encodeJournal(99, fileSeq, uidValidity, [patch], []);
      const started = Date.now();
      let outcome = "ok";
      try {
        await readFiles(base.list, base.attr, journal, base);
      } catch (e) {
        outcome = `${(e as Error).name}: ${(e as Error).message}`;
      }
      const ms = Date.now() - started;
      assert.ok(
        outcome === "ok" && ms < 1000,
        `a checksummed pending record with a ${what} patch past the end of the file: ${outcome} after ${ms} ms`,
      );
    }
  });

  it("structurally valid files that lie: readers throw CorruptIndexError or answer with the true pairs", {
    timeout: 300_000,
  }, () => {
    const n = runs(3000);
    const truths = bases.map(truthOf);
    fc.assert(
      fc.property(lieCase(bases), (c) => {
        const { list, attr } = tellLies(bases[c.base], c.lies);
        checkLyingImages(bases[c.base], truths[c.base], list, attr);
      }),
      { seed: 0x5eed07, numRuns: n },
    );
    counts["lying images"] = n;
  });

  it("structurally valid files that lie: a partial or full sync never hands out a UID twice", {
    timeout: 300_000,
  }, async () => {
    const n = runs(80);
    const truths = bases.map(truthOf);
    await fc.assert(
      fc.asyncProperty(lieCase(bases), fc.boolean(), async (c, full) => {
        const { list, attr } = tellLies(bases[c.base], c.lies);
        await checkLyingWriter(join(tmp.dir, "lying"), truths[c.base], bases[c.base], list, attr, full);
      }),
      { seed: 0x5eed08, numRuns: n, endOnFailure: true },
    );
    counts["lying files synced"] = n;
  });

  it("a checksummed pending record for another file_seq or uid_validity: readers and writers ignore it alike", {
    timeout: 300_000,
  }, async () => {
    const n = runs(80);
    await fc.assert(
      fc.asyncProperty(foreignCase(bases), (c) => checkForeignJournal(join(tmp.dir, "foreign"), bases, c)),
      { seed: 0x5eed09, numRuns: n, endOnFailure: true },
    );
    counts["foreign journal records"] = n;
  });

  /** Run the child fixture; kill it after `ms`. */
  function child(args: string[], ms: number): Promise<{ code: number; lines: string[]; killed: boolean }> {
    const file = join(fileURLToPath(new URL("..", import.meta.url)), "fixtures", "fuzz_child.ts");
    const [cmd, base] = runtimeCommand(file);
    return new Promise((resolve) => {
      const p = spawn(cmd, [...base, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "", err = "", killed = false;
      p.stdout!.setEncoding("utf8").on("data", (d: string) => out += d);
      p.stderr!.setEncoding("utf8").on("data", (d: string) => err += d);
      const timer = setTimeout(() => {
        killed = true;
        p.kill("SIGKILL");
      }, ms);
      p.on("close", (code) => {
        clearTimeout(timer);
        const lines = out.split("\n").filter((l) => l !== "");
        if (err.trim() !== "") lines.push(`stderr ${err.trim()}`);
        resolve({ code: code ?? 1, lines, killed });
      });
    });
  }

  function verdict(r: { code: number; lines: string[]; killed: boolean }, ms: number): string | undefined {
    if (r.killed) {
      const last = [...r.lines].reverse().find((l) => l.startsWith("case "));
      return `hung: no answer within ${ms} ms; last case started: ${last?.slice(5) ?? "none"}`;
    }
    if (r.code !== 0) return r.lines.filter((l) => !l.startsWith("case ")).join("\n");
    return undefined;
  }

  it("a child link back to the root: many lookups end (full-name table)", { timeout: 120_000 }, async () => {
    const ms = 10_000;
    const r = await child(["cycle"], ms);
    assert.equal(verdict(r, ms), undefined);
  });

  it("mutated list images through many lookups end and throw only CorruptIndexError", { timeout: 300_000 }, async () => {
    const n = runs(200);
    const ms = 15_000 + 50 * n;
    const r = await child(["lookups", String(0x5eed06), String(n)], ms);
    assert.equal(verdict(r, ms), undefined);
    counts["many lookups"] = n;
  });

  it("a mutation is applied where it says", () => {
    const base = bases.find((b) => b.label === "tree")!;
    const dir = base.map.dirs[0];
    const b = mutateList(base, [{ kind: "count", dir: 0, value: 12345 }]);
    assert.equal(new DataView(b.buffer).getUint32(dir + 8, true), 12345);
    assert.equal(mutateList(base, [{ kind: "truncate", at: 0.5 }]).length, Math.floor(base.list.length / 2));
  });
});
