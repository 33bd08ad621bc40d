// The golden vectors of test/vectors: our reader must list every file the
// original wrote, and replaying each scenario's syncs must write the same bytes
// [0, used_space) — except where SPEC §4 fixes a bug of the original
// (see DIFFERS below), where the listing with flags is compared instead.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MailboxListIndex } from "../../mod.ts";
import { loadScenarios, type Scenario, uidValidityOf, usedSpaceOf, vectorPath } from "../helpers/vectors.ts";
import { makeTempDir } from "../helpers/tmp.ts";

/**
 * Steps whose bytes differ from the original's on purpose:
 * parent-lifecycle step 3 deletes `P/child` (rule 6: the original cannot), so
 * P's directory holds a deleted record, and step 4 brings `P/child` back with
 * a new UID (rule 2), rewriting that directory.
 */
const DIFFERS: Record<string, number[]> = { "parent-lifecycle": [3, 4] };

const quiet = { onWarning: () => {} };

function listing(index: MailboxListIndex, withFlags: boolean): string[][] {
  const rows: string[][] = [];
  for (const m of index.iterate()) {
    const row = [m.name, String(m.uid), m.hasChildren ? "1" : "0"];
    if (withFlags) row.push(m.flags.toString(16));
    rows.push(row);
  }
  return rows;
}

function normalize(rows: string[][], withFlags: boolean): string[][] {
  return rows.map((r) => withFlags ? [r[0], r[1], r[2], parseInt(r[3], 16).toString(16)] : r.slice(0, 3));
}

const scenarios: Scenario[] = loadScenarios();

describe("golden vectors: reading the original's files", () => {
  it("finds every scenario", () => {
    assert.ok(scenarios.length >= 11, `only ${scenarios.length} scenarios found`);
  });
  for (const sc of scenarios) {
    for (const step of sc.steps) {
      it(`${sc.name} step ${step.n} lists as the original`, async () => {
        const tmp = makeTempDir();
        try {
          const path = join(tmp.dir, "copy.mlist");
          copyFileSync(vectorPath(sc.name, `step${step.n}.mlist`), path);
          const index = await MailboxListIndex.open(path, { ...quiet, readonly: true, separator: sc.separator });
          assert.deepEqual(listing(index, false), normalize(step.list, false));
          await index.close();
        } finally {
          tmp.cleanup();
        }
      });
    }
  }
});

describe("golden vectors: replaying the syncs", () => {
  for (const sc of scenarios) {
    it(`${sc.name}: every step writes the original's bytes or the SPEC's listing`, async () => {
      const tmp = makeTempDir();
      try {
        const path = join(tmp.dir, "replay.mlist");
        const index = await MailboxListIndex.open(path, {
          ...quiet,
          separator: sc.separator,
          uidValidity: uidValidityOf(sc.steps[0].mlist),
        });
        for (const step of sc.steps) {
          const ctx = await index.syncBegin(step.flags);
          for (const name of step.fullNames ?? step.names) ctx.add(name);
          await ctx.commit();
          const expected = step.expected ?? step.list;
          assert.deepEqual(listing(index, true), normalize(expected, true), `${sc.name} step ${step.n} listing`);
          // A fresh reader of the files sees what the writer's own copy shows.
          const reader = await MailboxListIndex.open(path, { ...quiet, readonly: true });
          assert.deepEqual(listing(reader, true), normalize(expected, true), `${sc.name} step ${step.n} fresh reader`);
          assert.deepEqual(reader.header, index.header);
          await reader.close();
          if (!(DIFFERS[sc.name] ?? []).includes(step.n)) {
            const used = usedSpaceOf(step.mlist);
            const ours = new Uint8Array(readFileSync(path));
            assert.equal(index.header.usedSpace, used, `${sc.name} step ${step.n} used_space`);
            assert.ok(ours.length >= used, "file covers used_space");
            assert.deepEqual(ours.subarray(0, used), step.mlist.subarray(0, used), `${sc.name} step ${step.n} bytes`);
            assert.equal(ours.length % 512, 0, "file size is a multiple of 512");
          }
        }
        await index.close();
      } finally {
        tmp.cleanup();
      }
    });
  }
});
