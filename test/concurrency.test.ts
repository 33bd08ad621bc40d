// One writer process looping syncs that add, delete, rewrite the root and
// compress, and four reader processes that keep one read-only instance open
// and loop full and partial iterations, lookups, flags and STATUS (SPEC §5,
// §6). Every answer a reader gets must be one of the states the writer
// committed, and full listings never go back in time; any error in a
// reader, a CorruptIndexError included, fails the test. The run lasts
// MLI_CONCURRENCY_SECONDS (default 6); the writer flushes (durable: true)
// during its last third.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { runConcurrency } from "./helpers/concurrency_run.ts";

const SECONDS = Number(process.env.MLI_CONCURRENCY_SECONDS ?? "6");

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
