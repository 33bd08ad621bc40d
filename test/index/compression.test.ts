// Amortised compression for giant directories (issue: an insert into a
// directory of hundreds of thousands of children must not rewrite the
// whole file every time): a commit that replaced a directory copy of at
// least 256 KiB compresses only once deleted space is four times that copy;
// smaller directories keep the original 10% rule (the golden `compression`
// vector, test/index/vectors.test.ts).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MailboxListIndex, rebuild } from "../../mod.ts";
import { checkIndex } from "../../src/check/check.ts";
import { needsCompression } from "../../src/format/growth.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-compress-");
after(() => tmp.cleanup());
const quiet = { onWarning: () => {} };

describe("compression of giant directories", () => {
  it("the rule: the original one below a 256 KiB copy, amortised above it", () => {
    assert.equal(needsCompression(2148, 1584, 800), true, "a small directory: 10% of used space");
    assert.equal(needsCompression(2148, 100, 800), false);
    const copy = 11 << 20;
    assert.equal(needsCompression(51 << 20, copy, copy), false, "one copy of an 11 MiB directory");
    assert.equal(needsCompression(84 << 20, 4 * copy, copy), true, "four copies");
    assert.equal(needsCompression(900 << 20, 100 << 20, 100 << 20, 1 << 30), true, "the file could not take two more copies");
    assert.equal(needsCompression(500 << 20, 100 << 20, 100 << 20, 1 << 30), false);
  });

  it("inserts into a directory of 60,000 children compress once every few commits, and lose nothing", async () => {
    const path = join(tmp.dir, "giant.mlist");
    const names = Array.from({ length: 60_000 }, (_, i) => `Big/child-${String(i).padStart(6, "0")}`);
    await rebuild(path, ["INBOX", ...names], { ...quiet, durable: false });
    const index = await MailboxListIndex.open(path, { ...quiet, durable: false });
    try {
      const compressed: boolean[] = [];
      for (let i = 0; i < 8; i++) {
        const ctx = await index.syncBegin({ partial: true });
        ctx.add(`Big/new-${i}`);
        compressed.push((await ctx.commit()).compressed);
      }
      // Each insert copies the directory's ~1 MiB of records; the original rule would compress every other one.
      assert.deepEqual(compressed.slice(0, 3), [false, false, false], JSON.stringify(compressed));
      assert.ok(compressed.includes(true), `no compression in ${JSON.stringify(compressed)}`);
      assert.ok(compressed.filter((c) => c).length <= 3, JSON.stringify(compressed));
      for (let i = 0; i < 8; i++) assert.ok(index.lookup(`Big/new-${i}`) !== undefined);
      assert.equal(index.lookup(names[12_345]) !== undefined, true);
    } finally {
      await index.close();
    }
    const report = checkIndex(path);
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    assert.equal(report.stats.live, 60_000 + 1 + 1 + 8);
  });
});
