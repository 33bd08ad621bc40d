// The public API: every function, class and error the README's API section
// names is exported by mod.ts, with the kind the README gives it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as api from "../mod.ts";
import { ROOT } from "./helpers/runtime.ts";

/** The README's "## API" section, up to the next "## ". */
function apiSection(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## API\n");
  assert.ok(start >= 0, 'README has no "## API" section');
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe("public API", () => {
  const section = apiSection();
  // The first cell of each table row names calls: `name(` is a top-level
  // function, `index.name(` / `MailboxListIndex.name(` a method.
  const firstCells = [...section.matchAll(/^\| ([^|]+) \|/gm)].map((m) => m[1]);
  const calls = firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Za-z]\w*)\(/g)].map((m) => m[1]));
  const errors = [...section.matchAll(/`(\w+Error)`/g)].map((m) => m[1]);

  it("finds what it checks in the README", () => {
    for (const name of ["rebuild", "syncAll", "startRebuildWorkers", "scanMaildir", "scanStore"]) {
      assert.ok(calls.includes(name), `${name} not found among ${calls.join(", ")}`);
    }
    assert.ok(errors.includes("CorruptIndexError") && errors.includes("WorkerExitError"), errors.join());
  });

  it("exports every top-level function the README's API table names", () => {
    const exported = api as unknown as Record<string, unknown>;
    for (const name of new Set(calls)) {
      assert.equal(typeof exported[name], "function", `mod.ts does not export ${name}`);
    }
  });

  it("exports every error class the README names, each with its own name", () => {
    const exported = api as unknown as Record<string, new (message: string) => Error>;
    for (const name of new Set(errors)) {
      // A built-in error the README names (RangeError, TypeError) is no export.
      if (name in globalThis) continue;
      const Class = exported[name];
      assert.equal(typeof Class, "function", `mod.ts does not export ${name}`);
      assert.ok(Class.prototype instanceof Error, `${name} is not an Error`);
    }
  });

  it("starts and closes kept rebuild workers through the public API", async () => {
    const workers = await api.startRebuildWorkers(1);
    try {
      assert.equal(workers.size, 1);
    } finally {
      await workers.close();
    }
  });
});
