// The version-2 attribute entry (SPEC §3, §12): 64 bytes with the GUID,
// HIGHESTMODSEQ, SIZE and DELETED beside version 1's fields, each optional
// figure with its bit; version-1 files read through the same functions; the
// STATUS words, the GUID text and the GUID rule.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ATTR_ENTRY_FIELD,
  ATTR_ENTRY_SIZE,
  ATTR_ENTRY_SIZE_V1,
  ATTR_HEADER_SIZE,
  attrEntryFlagWord,
  attrEntryGuid,
  attrEntryHasGuid,
  attrEntryPosition,
  copyAttrEntry,
  decodeAttrHeader,
  encodeAttrHeader,
  encodeAttrImage,
  findAttrEntry,
  readAttrStatus,
  STATUS_DELETED_BIT,
  STATUS_MODSEQ_BIT,
  STATUS_SET_BIT,
  STATUS_SIZE_BIT,
  STATUS_WORDS,
  statusBitsOfColumn,
  writeAttrEntry,
  writeAttrEntryWords,
} from "../../src/format/attr_codec.ts";
import { settledGuid, settleGuids } from "../../src/format/attr_guids.ts";
import { checkStatus, statusFromWords, statusToWords, u64Value } from "../../src/format/status.ts";
import { GUID_SIZE, guidHex, isZeroGuid, parseGuid, randomGuids } from "../../src/format/guid.ts";
import { InvalidGuidError, InvalidStatusError } from "../../src/format/errors.ts";
import { CorruptIndexError } from "../../src/format/errors.ts";
import type { MailboxStatus } from "../../src/format/types.ts";

const BASE = { messages: 1, unseen: 2, recent: 3, uidValidity: 4, uidNext: 5 };

describe("§3/§12 version-2 attribute entries", () => {
  it("lay out every field at its documented offset, 8-byte fields aligned", () => {
    assert.equal(ATTR_ENTRY_SIZE, 64);
    assert.equal(ATTR_ENTRY_SIZE % 8, 0);
    assert.equal(ATTR_HEADER_SIZE % 8, 0);
    assert.deepEqual(ATTR_ENTRY_FIELD, { uid: 0, flags: 4, status: 8, deleted: 28, reserved: 28, highestModSeq: 32, size: 40, guid: 48 });
    const b = new Uint8Array(64), dv = new DataView(b.buffer);
    const guid = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    writeAttrEntry(dv, 0, 9, 0x2005, { ...BASE, deleted: 6, highestModSeq: 0x1_0000_0007, size: 2n ** 60n + 3n }, guid);
    assert.equal(dv.getUint32(0, true), 9);
    assert.equal(dv.getUint32(4, true), (0x2005 | STATUS_SET_BIT | STATUS_MODSEQ_BIT | STATUS_SIZE_BIT | STATUS_DELETED_BIT) >>> 0);
    assert.deepEqual([8, 12, 16, 20, 24, 28].map((o) => dv.getUint32(o, true)), [1, 2, 3, 4, 5, 6]);
    assert.equal(dv.getBigUint64(32, true), 0x1_0000_0007n);
    assert.equal(dv.getBigUint64(40, true), 2n ** 60n + 3n);
    assert.deepEqual([...b.subarray(48)], [...guid]);
    assert.deepEqual(readAttrStatus(dv, 0), { ...BASE, deleted: 6, highestModSeq: 0x1_0000_0007, size: 2n ** 60n + 3n });
    assert.equal(attrEntryGuid(b, 0), guidHex(guid, 0));
  });

  it("keep each optional figure absent unless its bit is set, 0 included", () => {
    const b = new Uint8Array(64 * 4), dv = new DataView(b.buffer);
    const statuses: MailboxStatus[] = [BASE, { ...BASE, size: 0 }, { ...BASE, deleted: 0 }, { ...BASE, highestModSeq: 0n }];
    statuses.forEach((s, i) => writeAttrEntry(dv, 64 * i, i + 1, 0, s));
    statuses.forEach((s, i) => assert.deepEqual(readAttrStatus(dv, 64 * i), { ...s, ...(s.highestModSeq === 0n ? { highestModSeq: 0 } : {}) }));
    assert.equal(attrEntryFlagWord(dv, 0), STATUS_SET_BIT);
    // Bits without the STATUS bit mean nothing: no STATUS at all.
    dv.setUint32(4, STATUS_SIZE_BIT, true);
    assert.equal(readAttrStatus(dv, 0), undefined);
  });

  it("give 64-bit figures as numbers up to 2^53 - 1 and as bigints above", () => {
    assert.equal(u64Value(0xffffffff, 0x1fffff), Number.MAX_SAFE_INTEGER);
    assert.equal(u64Value(0, 0x200000), 2n ** 53n);
    assert.equal(u64Value(0xffffffff, 0xffffffff), 2n ** 64n - 1n);
    const words = new Uint32Array(STATUS_WORDS);
    for (const v of [0, 1, 2 ** 32, Number.MAX_SAFE_INTEGER, 2n ** 53n, 2n ** 63n - 1n]) {
      const bits = statusToWords({ ...BASE, size: v, highestModSeq: v }, words, 0);
      const back = statusFromWords(bits, words, 0);
      assert.equal(BigInt(back.size!), BigInt(v));
      assert.equal(typeof back.size, typeof v === "bigint" && v > BigInt(Number.MAX_SAFE_INTEGER) ? "bigint" : "number");
    }
  });

  it("checkStatus refuses every figure out of range, naming it", () => {
    checkStatus({ ...BASE, size: 2n ** 63n - 1n, highestModSeq: Number.MAX_SAFE_INTEGER, deleted: 0xffffffff }, "x");
    for (
      const [bad, field] of [
        [{ messages: -1 }, "messages"],
        [{ recent: 2 ** 32 }, "recent"],
        [{ uidValidity: 0.5 }, "uidValidity"],
        [{ deleted: 2 ** 32 }, "deleted"],
        [{ size: 2n ** 63n }, "size"],
        [{ size: Number.MAX_SAFE_INTEGER + 1 }, "size"],
        [{ highestModSeq: -1 }, "highestModSeq"],
        [{ highestModSeq: Infinity }, "highestModSeq"],
      ] as const
    ) {
      assert.throws(() => checkStatus({ ...BASE, ...bad } as MailboxStatus, 7), (e: unknown) =>
        e instanceof InvalidStatusError && e.field === field && e.mailbox === 7 && e.message.includes("with UID 7"));
    }
    assert.throws(() => checkStatus(null as unknown as MailboxStatus, "n"), InvalidStatusError);
  });

  it("find entries and read a version-1 image through the same functions", () => {
    const n = 5;
    const v1 = new Uint8Array(ATTR_HEADER_SIZE + n * ATTR_ENTRY_SIZE_V1);
    encodeAttrHeader(v1, { uidValidity: 3, listFileSeq: 1, nextUid: 20, count: n, live: n, separator: 0x2f, entrySize: 32 });
    assert.equal(v1[4], 1);
    const h = decodeAttrHeader(v1, v1.length, "v1");
    assert.equal(h.entrySize, ATTR_ENTRY_SIZE_V1);
    const dv = new DataView(v1.buffer);
    for (let i = 0; i < n; i++) {
      const pos = attrEntryPosition(i, 32);
      dv.setUint32(pos, 2 * i + 1, true);
      dv.setUint32(pos + 4, (STATUS_SET_BIT | 1) >>> 0, true);
      for (let k = 0; k < 5; k++) dv.setUint32(pos + 8 + 4 * k, 10 * i + k, true);
    }
    for (let i = 0; i < n; i++) {
      const pos = findAttrEntry(dv, n, 2 * i + 1, 32);
      assert.equal(pos, attrEntryPosition(i, 32));
      assert.deepEqual(readAttrStatus(dv, pos, 32), { messages: 10 * i, unseen: 10 * i + 1, recent: 10 * i + 2, uidValidity: 10 * i + 3, uidNext: 10 * i + 4 });
      assert.equal(attrEntryGuid(v1, pos, 32), undefined);
      assert.equal(attrEntryHasGuid(v1, pos, 32), false);
    }
    // Into a version-2 slot: the same STATUS, no GUID, no newer figures.
    const v2 = new Uint8Array(64).fill(0xff);
    copyAttrEntry(v1, attrEntryPosition(2, 32), 32, v2, 0);
    assert.deepEqual(readAttrStatus(new DataView(v2.buffer), 0), { messages: 20, unseen: 21, recent: 22, uidValidity: 23, uidNext: 24 });
    assert.equal(attrEntryHasGuid(v2, 0), false);
    // A version-1 header whose count needs more than the file: refused by the 32-byte size.
    const short = v1.subarray(0, v1.length - 1);
    assert.throws(() => decodeAttrHeader(short, short.length, "v1"), CorruptIndexError);
  });

  it("writes entries from words and whole images from columns", () => {
    const b = new Uint8Array(64), dv = new DataView(b.buffer);
    const guid = Uint32Array.of(1, 2, 3, 4);
    writeAttrEntryWords(dv, 0, 7, STATUS_SET_BIT | STATUS_DELETED_BIT | 8, Uint32Array.of(1, 2, 3, 4, 5, 9, 0, 0, 0, 0), 0, guid, 0);
    assert.deepEqual(readAttrStatus(dv, 0), { ...BASE, deleted: 9 });
    assert.equal(attrEntryGuid(b, 0), "01000000020000000300000004000000");
    assert.equal(statusBitsOfColumn(0), 0);
    assert.equal(statusBitsOfColumn(2), 0, "no figure bit without the five figures");
    assert.equal(statusBitsOfColumn(15), (STATUS_SET_BIT | STATUS_MODSEQ_BIT | STATUS_SIZE_BIT | STATUS_DELETED_BIT) >>> 0);
    const values = new Uint32Array(2 * STATUS_WORDS);
    statusToWords({ ...BASE, size: 99 }, values, STATUS_WORDS);
    const guids = randomGuids(2);
    const img = encodeAttrImage(1, 1, 3, { uids: Uint32Array.of(1, 2), flags: Uint8Array.of(0, 0), statusSet: Uint8Array.of(0, 5), statusValues: values, guids, count: 2 });
    const idv = new DataView(img.buffer);
    assert.equal(readAttrStatus(idv, attrEntryPosition(0)), undefined);
    assert.deepEqual(readAttrStatus(idv, attrEntryPosition(1)), { ...BASE, size: 99 });
    assert.equal(attrEntryGuid(img, attrEntryPosition(1)), guidHex(guids, 16));
  });
});

describe("§12 GUIDs", () => {
  it("parse as 32 hex digits or 16 bytes, print as lowercase hex", () => {
    const g = parseGuid("00112233445566778899AABBCCDDEEFF");
    assert.deepEqual([...g], [0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
    assert.equal(guidHex(g, 0), "00112233445566778899aabbccddeeff");
    const bytes = new Uint8Array(16).fill(1);
    const copy = parseGuid(bytes);
    bytes[0] = 9;
    assert.equal(copy[0], 1, "a copy");
    for (const bad of ["", "0".repeat(32), "0011223344556677889AABBCCDDEEFF", "00112233445566778899aabbccddeefg", " ".repeat(32)]) {
      assert.throws(() => parseGuid(bad), (e: unknown) => e instanceof InvalidGuidError && e.guid === bad);
    }
    assert.throws(() => parseGuid(new Uint8Array(17)), { message: /is 17 bytes, not 16/ });
    assert.throws(() => parseGuid(42 as unknown as string), InvalidGuidError);
  });

  it("random ones are 16 bytes each, distinct and never zero", () => {
    const n = 5000;
    const g = randomGuids(n);
    assert.equal(g.length, n * GUID_SIZE);
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      assert.equal(isZeroGuid(g, 16 * i), false);
      seen.add(guidHex(g, 16 * i));
    }
    assert.equal(seen.size, n);
  });

  it("follow one rule: a mailbox has one, a placeholder none", () => {
    assert.equal(settledGuid(8 | 1, new Uint8Array(16).fill(3)), undefined);
    const kept = new Uint8Array(32).fill(4);
    assert.deepEqual([...settledGuid(0, kept, 16)!], [...kept.subarray(16)]);
    assert.equal(settledGuid(0, new Uint8Array(16))!.length, 16);
    // UID 1 a placeholder, 2 a mailbox without one, 3 a placeholder with one, 4 a mailbox with one, 5 deleted.
    const guids = new Uint8Array(80);
    guids.fill(7, 32, 48);
    guids.fill(5, 48, 64);
    const img = encodeAttrImage(1, 1, 6, { uids: Uint32Array.of(1, 2, 3, 4, 5), flags: Uint8Array.of(9, 0, 8, 0, 0), guids, count: 5 });
    new DataView(img.buffer).setUint32(attrEntryPosition(4), (5 | 0x80000000) >>> 0, true);
    assert.equal(settleGuids(img), 1);
    const has = [0, 1, 2, 3, 4].map((i) => attrEntryHasGuid(img, attrEntryPosition(i)));
    assert.deepEqual(has, [false, true, false, true, false]);
    assert.equal(attrEntryGuid(img, attrEntryPosition(3)), "05".repeat(16));
    const before = img.slice();
    assert.equal(settleGuids(img), 0, "a settled image stays as it is");
    assert.deepEqual(img, before);
  });
});
