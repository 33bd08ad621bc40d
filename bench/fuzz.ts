/**
 * The long fuzz run: the properties of test/fuzz.test.ts for many more
 * cases (1,000,000 by default), in batches with consecutive seeds, going on
 * after a failure. Prints cases per second per property and every failure
 * (with its seed and counterexample, enough to replay it).
 *
 * ```
 * deno run -A bench/fuzz.ts [cases=1000000] [seed=1]
 * bun bench/fuzz.ts 200000
 * node --import tsx bench/fuzz.ts
 * ```
 *
 * Share of the cases: list images in memory 82.1%, attribute files 6%,
 * journals 6%, many lookups (full-name table) 1.5%, real files read through
 * MailboxListIndex 0.5% (half of them next to a pending journal record),
 * structurally valid files that lie read in memory 3%, and synced through
 * MailboxListIndex 0.2% (partial and full syncs: never a UID twice), pending
 * records with valid checksums for another file_seq or uid_validity 0.2%
 * (ignored by readers and writers alike).
 * Exits 1 when any case failed.
 *
 * @module
 */
import fc from "fast-check";
import { join } from "node:path";
import process from "node:process";
import {
  type Base,
  buildBases,
  byteMutation,
  checkAttrBytes,
  checkFiles,
  checkJournalBytes,
  checkForeignJournal,
  checkListCase,
  checkLyingImages,
  checkLyingWriter,
  checkManyLookups,
  fixAttrChecksum,
  fixJournalChecksums,
  foreignCase,
  lieCase,
  listCase,
  mutateBytes,
  mutateList,
  tellLies,
  truthOf,
} from "../test/helpers/fuzz_cases.ts";
import { makeTempDir } from "../test/helpers/tmp.ts";

const total = Number(process.argv[2] ?? "1000000");
const firstSeed = Number(process.argv[3] ?? "1");
const BATCH = 5000;
const runtime = (globalThis as { Deno?: unknown }).Deno !== undefined
  ? "deno"
  : process.versions.bun !== undefined
  ? "bun"
  : "node";

interface Prop {
  name: string;
  share: number;
  make: (bases: Base[], dir: string) => fc.IProperty<unknown> | fc.IAsyncProperty<unknown>;
}

const attrOrJournal = fc.tuple(
  fc.integer({ min: 0, max: 3 }),
  fc.array(byteMutation, { minLength: 1, maxLength: 4 }),
  fc.boolean(),
);

const PROPS: Prop[] = [
  {
    name: "list in memory",
    share: 0.821,
    make: (bases) => fc.property(listCase(bases), (c) => checkListCase(bases, c)),
  },
  {
    name: "attribute file",
    share: 0.06,
    make: (bases) =>
      fc.property(attrOrJournal, ([bi, muts, fix]) => {
        const b = mutateBytes(bases[bi].attr, muts);
        if (fix) fixAttrChecksum(b);
        checkAttrBytes(b);
      }),
  },
  {
    name: "journal",
    share: 0.06,
    make: (bases) =>
      fc.property(attrOrJournal, ([bi, muts, fix]) => {
        const b = mutateBytes(bases[bi].journal, muts);
        if (fix) fixJournalChecksums(b);
        checkJournalBytes(b, bases[bi].list, bases[bi].attr);
      }),
  },
  {
    name: "many lookups",
    share: 0.015,
    make: (bases) =>
      fc.property(listCase(bases), (c) => {
        const base = bases[c.base];
        checkManyLookups(mutateList(base, c.mutations), base.names, base.sep);
      }),
  },
  {
    name: "list files",
    share: 0.005,
    make: (bases, dir) =>
      fc.asyncProperty(listCase(bases), fc.boolean(), async (c, withJournal) => {
        const base = bases[c.base];
        await checkFiles(dir, mutateList(base, c.mutations), base.attr, withJournal ? base.journal : undefined, base);
      }),
  },
  {
    name: "lying images",
    share: 0.03,
    make: (bases) => {
      const truths = bases.map(truthOf);
      return fc.property(lieCase(bases), (c) => {
        const { list, attr } = tellLies(bases[c.base], c.lies);
        checkLyingImages(bases[c.base], truths[c.base], list, attr);
      });
    },
  },
  {
    name: "lying files synced",
    share: 0.002,
    make: (bases, dir) => {
      const truths = bases.map(truthOf);
      return fc.asyncProperty(lieCase(bases), fc.boolean(), async (c, full) => {
        const { list, attr } = tellLies(bases[c.base], c.lies);
        await checkLyingWriter(dir, truths[c.base], bases[c.base], list, attr, full);
      });
    },
  },
  {
    name: "foreign journal records",
    share: 0.002,
    make: (bases, dir) => fc.asyncProperty(foreignCase(bases), (c) => checkForeignJournal(dir, bases, c)),
  },
];

const bases = await buildBases();
const tmp = makeTempDir("mli-fuzz-bench-");
console.log(`fuzz on ${runtime}: ${total} cases from seed ${firstSeed}, batches of ${BATCH}`);
const started = Date.now();
let failures = 0, done = 0, seed = firstSeed;
try {
  for (const [k, prop] of PROPS.entries()) {
    // The first property takes the rounding remainder: the shares add up to `total` exactly.
    const rest = PROPS.slice(1).reduce((n, p) => n + Math.round(total * p.share), 0);
    const want = k === 0 ? total - rest : Math.round(total * prop.share);
    const t0 = Date.now();
    let ran = 0, failed = 0;
    while (ran < want) {
      const n = Math.min(BATCH, want - ran);
      const property = prop.make(bases, join(tmp.dir, "case"));
      const params = { seed, numRuns: n, endOnFailure: true };
      const out = "isAsync" in property && property.isAsync()
        ? await fc.check(property as fc.IAsyncProperty<unknown>, params)
        : fc.check(property as fc.IProperty<unknown>, params);
      if (out.failed) {
        failed++;
        failures++;
        const err = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
        console.log(
          `FAILURE ${prop.name}: seed ${seed}, after ${out.numRuns} runs: ${JSON.stringify(out.counterexample)}\n  ${
            err.split("\n").slice(0, 4).join("\n  ")
          }`,
        );
        ran += out.numRuns;
      } else ran += n;
      seed++;
    }
    done += ran;
    const s = (Date.now() - t0) / 1000;
    console.log(`${prop.name}: ${ran} cases in ${s.toFixed(1)} s (${Math.round(ran / s)} cases/s), ${failed} failing batch(es)`);
  }
} finally {
  tmp.cleanup();
}
const s = (Date.now() - started) / 1000;
console.log(`total: ${done} cases in ${s.toFixed(1)} s (${Math.round(done / s)} cases/s), ${failures} failure(s)`);
process.exit(failures === 0 ? 0 : 1);
