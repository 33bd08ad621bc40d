// One writer process looping syncs that add, delete, rewrite the root and
// compress, and four reader processes that keep one read-only instance open
// and loop full and partial iterations, lookups, flags and STATUS (SPEC §5,
// §6). Every answer a reader gets must be one of the states the writer
// committed, and full listings never go back in time; any error in a
// reader, a CorruptIndexError included, fails the test. A second run kills
// the writer (SIGKILL) at random moments while it syncs: a restarted writer
// must find a committed state and the readers must notice nothing else.
// Both runs together last MLI_CONCURRENCY_SECONDS (default 6: 4 + 2); the
// writer flushes (durable: true) during the last part of each.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { runConcurrency } from "../helpers/concurrency_run.ts";

const TOTAL = Number(process.env.MLI_CONCURRENCY_SECONDS ?? "6");
const SECONDS = Math.max(2, Math.round((TOTAL * 2) / 3));

describe("concurrency", () => {
  it(`readers see only committed states while a writer syncs and compresses (${SECONDS} s)`, {
    timeout: SECONDS * 1000 + 300_000,
  }, async () => {
    const r = await runConcurrency({ seconds: SECONDS, durableSeconds: SECONDS / 3, readers: 4, seed: 11 });
    const readers = r.readers.filter((x) => x !== undefined);
    const total = (k: "full" | "subtrees" | "lookups" | "flags" | "statuses") =>
      readers.reduce((n, x) => n + x![k], 0);
    console.log(
      `concurrency: ${SECONDS} s, writer ${JSON.stringify(r.writer)}; readers: ${total("full")} full iterations, ` +
        `${total("subtrees")} subtree iterations, ${total("lookups")} lookups, ${total("flags")} flag and ` +
        `${total("statuses")} STATUS queries, distinct states seen ${readers.map((x) => x!.distinctStates).join("/")}`,
    );
    assert.deepEqual(r.failures, [], r.failures.join("\n"));
    assert.deepEqual(r.warnings, []);
    assert.ok(r.writer !== undefined, "the writer reported nothing");
    assert.equal(readers.length, 4, "a reader reported nothing");
    assert.ok(r.writer.steps >= 10, `only ${r.writer.steps} syncs`);
    assert.ok(r.writer.compressions >= 1, "no sync compressed the index");
    assert.equal(r.writer.compressions, r.writer.shadowCompressions);
    assert.ok(r.writer.durableSteps >= 1, "no durable sync");
    for (const x of readers) {
      assert.ok(x!.full >= 10, `a reader made only ${x!.full} full iterations`);
      assert.ok(x!.distinctStates >= 3, `a reader saw only ${x!.distinctStates} states`);
    }
  });
});

describe("concurrency with a writer killed at random moments", () => {
  const seconds = Math.max(2, TOTAL - SECONDS);
  it(`readers see only committed states, a resumed writer finds one (${seconds} s)`, {
    timeout: seconds * 1000 + 300_000,
  }, async () => {
    const r = await runConcurrency({
      seconds,
      durableSeconds: seconds / 2,
      readers: 4,
      seed: 23,
      killWriter: { minMs: 0, maxMs: 300 },
    });
    const readers = r.readers.filter((x) => x !== undefined);
    console.log(
      `concurrency with kills: ${seconds} s, ${r.kills} writers killed (${r.killsWhileSyncing} while syncing), ` +
        `resumed at steps ${r.resumedAt.join(",")}; last writer ${JSON.stringify(r.writer)}; ` +
        `readers: ${readers.reduce((n, x) => n + x!.full, 0)} full iterations, ` +
        `distinct states seen ${readers.map((x) => x!.distinctStates).join("/")}`,
    );
    assert.deepEqual(r.failures, [], r.failures.join("\n"));
    // The only warnings allowed are about taking a dead writer's lock over.
    assert.deepEqual(r.warnings.filter((w) => !/lock/i.test(w)), []);
    assert.ok(r.writer !== undefined, "the last writer reported nothing");
    assert.equal(readers.length, 4, "a reader reported nothing");
    assert.ok(r.killsWhileSyncing >= 1, "no writer was killed while it was syncing");
    assert.equal(r.resumedAt.length >= r.killsWhileSyncing, true);
  });
});
