// The layers of src/ (README: "How the code is laid out"): dependency-cruiser
// checks every import against .dependency-cruiser.cjs — arrows point down
// only, no cycles, no node: built-in in format/ or image/, nothing imports
// cli/ — and the rules themselves are shown to catch a reversed arrow, a
// cycle and a built-in on a small tree made for the purpose.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, run } from "./helpers/runtime.ts";
import { makeTempDir } from "./helpers/tmp.ts";

const CRUISER = join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const LAYERS = ["format", "store", "image", "imap", "index", "worker", "rebuild", "scan", "check", "cli"];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Run dependency-cruiser (on Node, whatever runtime runs the test) over `paths` in `cwd`. */
async function cruise(cwd: string, paths: string[]): Promise<Violation[]> {
  const r = await run("node", [CRUISER, ...paths, "--config", CONFIG, "--output-type", "json"], {
    cwd,
    timeoutMs: 120_000,
  });
  assert.ok(r.stdout.trim().startsWith("{"), `dependency-cruiser ran: ${r.stderr}`);
  const result = JSON.parse(r.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  assert.ok(result.summary.totalCruised > 0, "dependency-cruiser read the files");
  return result.summary.violations;
}

describe("the layers of src/", () => {
  it("every file of src/ lives in one layer's folder", () => {
    for (const entry of readdirSync(join(ROOT, "src"))) {
      assert.ok(statSync(join(ROOT, "src", entry)).isDirectory(), `src/${entry} is not in a layer's folder`);
      assert.ok(LAYERS.includes(entry), `src/${entry} is not a layer`);
    }
  });

  it("no file of src/ is over 600 lines", () => {
    const long: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) visit(path);
        else if (entry.endsWith(".ts")) {
          const lines = readFileSync(path, "utf8").split("\n").length - 1;
          if (lines > 600) long.push(`${path.slice(ROOT.length + 1)}: ${lines} lines`);
        }
      }
    };
    visit(join(ROOT, "src"));
    assert.deepEqual(long, []);
  });

  it("every import of src/, workers/ and mod.ts keeps to the layers, with no cycle", async () => {
    const violations = await cruise(ROOT, ["src", "workers", "mod.ts"]);
    assert.deepEqual(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
  });

  describe("the rules catch what they are for", () => {
    let tmp: { dir: string; cleanup: () => void };
    before(() => {
      tmp = makeTempDir("mli-layers-");
      const file = (path: string, text: string) => {
        mkdirSync(join(tmp.dir, path, ".."), { recursive: true });
        writeFileSync(join(tmp.dir, path), text);
      };
      // A format module that imports the index layer (an arrow reversed), a cycle inside
      // image/, a node: built-in in image/, and a rebuild module that imports the CLI.
      file("src/index/index.ts", 'export const index = 1;\n');
      file("src/format/codec.ts", 'import { index } from "../index/index.ts";\nexport const codec = index;\n');
      file("src/image/a.ts", 'import { b } from "./b.ts";\nexport const a = () => b;\n');
      file("src/image/b.ts", 'import { a } from "./a.ts";\nexport const b = () => a;\n');
      file("src/image/fs.ts", 'import { readFileSync } from "node:fs";\nexport const read = readFileSync;\n');
      file("src/cli/main.ts", 'export const main = 1;\n');
      file("src/rebuild/r.ts", 'import { main } from "../cli/main.ts";\nexport const r = main;\n');
    });
    after(() => tmp.cleanup());

    it("reports each of them", async () => {
      const found = (await cruise(tmp.dir, ["src"])).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
      const expect = (rule: string, from: string, to: string) =>
        assert.ok(found.includes(`${rule}: ${from} → ${to}`), `${rule} for ${from} → ${to}, got ${found.join("; ")}`);
      expect("layer-format", "src/format/codec.ts", "src/index/index.ts");
      expect("no-circular", "src/image/a.ts", "src/image/b.ts");
      expect("no-node-in-pure-layers", "src/image/fs.ts", "fs");
      expect("no-cli-from-outside", "src/rebuild/r.ts", "src/cli/main.ts");
      expect("layer-rebuild", "src/rebuild/r.ts", "src/cli/main.ts");
    });
  });
});
