// Reading the golden vectors in test/vectors (made by the original C
// implementation; see test/vectors/README.md). Every test finds them through
// this module, by a path computed from this file's own URL, so that no test
// depends on the working directory or on anything outside the repository.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The golden vectors directory, test/vectors, wherever the repository is. */
export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors");

/**
 * A path inside the golden vectors directory.
 * @example vectorPath("basic-tree", "step1.mlist")
 */
export function vectorPath(...parts: string[]): string {
  return join(VECTORS_DIR, ...parts);
}

export interface VectorStep {
  n: number;
  names: string[];
  flags: { recursive: boolean; partial: boolean; path: string };
  fullNames: string[] | undefined;
  mlist: Uint8Array;
  list: string[][];
  expected: string[][] | undefined;
}

export interface Scenario {
  name: string;
  separator: string;
  steps: VectorStep[];
}

function lines(path: string): string[] {
  const text = readFileSync(path, "utf8");
  return text.split("\n").filter((l) => l.length > 0);
}

function tsv(path: string): string[][] {
  return lines(path).map((l) => l.split("\t"));
}

function parseFlags(text: string): VectorStep["flags"] {
  const words = text.trim().split(/\s+/).filter((w) => w !== "");
  const f = { recursive: false, partial: false, path: "" };
  for (let i = 0; i < words.length; i++) {
    if (words[i] === "--recursive") f.recursive = true;
    else if (words[i] === "--partial") f.partial = true;
    else if (words[i] === "--path") f.path = words[++i];
    else throw new Error(`Unknown vector flag ${JSON.stringify(words[i])}`);
  }
  return f;
}

const SEPARATORS: Record<string, string> = { "dot-separator": "." };

/** Every step scenario (all but the rebuild vector). */
export function loadScenarios(): Scenario[] {
  const out: Scenario[] = [];
  for (const name of readdirSync(VECTORS_DIR).sort()) {
    const dir = join(VECTORS_DIR, name);
    if (!existsSync(join(dir, "step1.flags"))) continue;
    const steps: VectorStep[] = [];
    for (let n = 1; existsSync(join(dir, `step${n}.flags`)); n++) {
      const p = (suffix: string) => join(dir, `step${n}.${suffix}`);
      steps.push({
        n,
        names: lines(p("names.txt")),
        flags: parseFlags(readFileSync(p("flags"), "utf8")),
        fullNames: existsSync(p("fullnames.txt")) ? lines(p("fullnames.txt")) : undefined,
        mlist: new Uint8Array(readFileSync(p("mlist"))),
        list: tsv(p("list.tsv")),
        expected: existsSync(p("expected.list.tsv")) ? tsv(p("expected.list.tsv")) : undefined,
      });
    }
    out.push({ name, separator: SEPARATORS[name] ?? "/", steps });
  }
  return out;
}

/** uid_validity from a vector file's header. */
export function uidValidityOf(mlist: Uint8Array): number {
  return new DataView(mlist.buffer, mlist.byteOffset).getUint32(12, true);
}

/** used_space from a vector file's header. */
export function usedSpaceOf(mlist: Uint8Array): number {
  return new DataView(mlist.buffer, mlist.byteOffset).getUint32(20, true);
}
