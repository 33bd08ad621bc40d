// The change log codec (SPEC §13): every kind of change round-trips through
// one batch; a batch past its bound is truncated with no entries; every
// damaged header, batch and entry is a CorruptIndexError naming the file
// and offset, never a wrong answer.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  BATCH_HEADER_SIZE,
  CHANGE_HEADER_SIZE,
  ChangeBatchBuilder,
  decodeBatches,
  decodeChangeHeader,
  encodeBatch,
  encodeChangeHeader,
} from "../../src/format/change_log.ts";
import { CorruptIndexError } from "../../src/format/errors.ts";

const STATUS = { messages: 9, unseen: 2, recent: 1, uidValidity: 77, uidNext: 10, highestModSeq: 2n ** 60n, size: 2 ** 40, deleted: 3 };

function sample(): Uint8Array {
  const b = new ChangeBatchBuilder();
  b.add("added", 1, "INBOX", 8);
  b.add("deleted", 2, "Old/ü");
  b.add("renamed", 3, "New/name", 0, 0, "Prev/name");
  b.add("flags", 4, "A", 0x24, 0x8);
  b.add("status", 5, "INBOX", 8, 0, undefined, STATUS);
  b.add("subscribed", 0, "Nowhere");
  b.add("unsubscribed", 6, "B");
  return encodeBatch(b, 42);
}

describe("change log codec", () => {
  it("round-trips every kind of change", () => {
    const bytes = sample();
    const [batch] = decodeBatches(bytes, 0, bytes.length, "log");
    assert.equal(batch.seq, 42);
    assert.deepEqual(batch.changes, [
      { kind: "added", uid: 1, name: "INBOX", flags: 8 },
      { kind: "deleted", uid: 2, name: "Old/ü" },
      { kind: "renamed", uid: 3, name: "New/name", oldName: "Prev/name" },
      { kind: "flags", uid: 4, name: "A", flags: 0x24, oldFlags: 0x8 },
      { kind: "status", uid: 5, name: "INBOX", status: STATUS },
      { kind: "subscribed", uid: 0, name: "Nowhere" },
      { kind: "unsubscribed", uid: 6, name: "B" },
    ]);
    assert.equal(bytes.length % 4, 0);
  });

  it("a batch past its bound keeps no entries and says so", () => {
    const b = new ChangeBatchBuilder(undefined, 100);
    for (let i = 0; i < 10; i++) b.add("added", i + 1, `mailbox-${i}`);
    assert.equal(b.truncated, true);
    assert.equal(b.count, 0);
    const bytes = encodeBatch(b, 1);
    assert.equal(bytes.length, BATCH_HEADER_SIZE);
    const [batch] = decodeBatches(bytes, 0, bytes.length, "log");
    assert.deepEqual(batch, { seq: 1, truncated: true, changes: [] });
    const r = encodeBatch(new ChangeBatchBuilder("rebuild"), 2);
    assert.equal(decodeBatches(r, 0, r.length, "log")[0].replaced, "rebuild");
  });

  it("refuses a damaged batch or entry with CorruptIndexError", () => {
    const good = sample();
    const cases: [string, (b: Uint8Array, dv: DataView) => void, RegExp][] = [
      ["a flipped name byte", (b) => b[b.length - 8] ^= 1, /checksum/],
      ["a size past the end", (_b, dv) => dv.setUint32(0, good.length + 4, true), /does not fit/],
      ["a size not a multiple of 4", (_b, dv) => dv.setUint32(0, good.length - 2, true), /does not fit/],
      ["a size below the header", (_b, dv) => dv.setUint32(0, 8, true), /does not fit/],
    ];
    for (const [what, damage, message] of cases) {
      const b = good.slice();
      damage(b, new DataView(b.buffer));
      assert.throws(() => decodeBatches(b, 0, b.length, "/x.changes", 100), (e: unknown) => {
        assert.ok(e instanceof CorruptIndexError, `${what}: ${e}`);
        assert.equal(e.file, "/x.changes");
        assert.ok(e.offset >= 100, what);
        assert.match(e.message, message, what);
        return true;
      });
    }
    // Entries that lie, with a checksum that matches them.
    const lies: [string, (dv: DataView) => void, RegExp][] = [
      ["an unknown kind", (dv) => dv.setUint8(BATCH_HEADER_SIZE, 99), /kind 99/],
      ["a name longer than the batch", (dv) => dv.setUint32(BATCH_HEADER_SIZE + 16, 1 << 30, true), /names run past/],
      ["more entries than bytes", (dv) => dv.setUint32(12, 1000, true), /runs past the batch/],
    ];
    for (const [what, lie, message] of lies) {
      const b = good.slice();
      const dv = new DataView(b.buffer);
      lie(dv);
      // Re-seal the checksum so that only the lie is wrong.
      dv.setUint32(20, reseal(b), true);
      assert.throws(() => decodeBatches(b, 0, b.length, "log"), (e: unknown) => {
        assert.ok(e instanceof CorruptIndexError, `${what}: ${e}`);
        assert.match(e.message, message, what);
        return true;
      });
    }
  });

  it("checks every field of the header", () => {
    const h = { epoch: 0xc0ffee, firstSeq: 3, lastSeq: 5, end: 400 };
    assert.deepEqual(decodeChangeHeader(encodeChangeHeader(h), "log"), h);
    const bad: [Partial<typeof h>, RegExp][] = [
      [{ epoch: 0 }, /epoch is 0/],
      [{ end: 8 }, /outside/],
      [{ firstSeq: 6 }, /not a range/],
      [{ firstSeq: 0 }, /not a range/],
      [{ firstSeq: 0, lastSeq: 0 }, /does not match/],
      [{ end: CHANGE_HEADER_SIZE }, /does not match/],
    ];
    for (const [change, message] of bad) {
      assert.throws(() => decodeChangeHeader(encodeChangeHeader({ ...h, ...change }), "log"), message, JSON.stringify(change));
    }
    const torn = encodeChangeHeader(h);
    torn[13] ^= 1;
    assert.throws(() => decodeChangeHeader(torn, "log"), /checksum/);
    assert.throws(() => decodeChangeHeader(torn.subarray(0, 20), "log"), /needs 32 bytes/);
    const foreign = encodeChangeHeader(h);
    foreign[0] = 0;
    assert.throws(() => decodeChangeHeader(foreign, "log"), /magic/);
  });
});

/** The checksum a batch's (changed) entries carry: the codec's own, from encoding the same entry bytes. */
function reseal(b: Uint8Array): number {
  const same = { bytes: b.subarray(BATCH_HEADER_SIZE), count: 0, replaced: undefined, truncated: false };
  const out = encodeBatch(same as unknown as ChangeBatchBuilder, 0);
  return new DataView(out.buffer).getUint32(20, true);
}
