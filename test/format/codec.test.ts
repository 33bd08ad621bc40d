// Unit tests of the codecs and policies, each citing the SPEC section it
// checks: offset encoding (§2.4), name hash (§2.5), growth and compression
// (§2.6), the list header (§2.1), the redo journal (§6), the attribute file
// (§3) and the record sort (§2.5).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CorruptIndexError, decodeOffset, encodeOffset, nameHash } from "../../mod.ts";
import { grownSize, needsCompression } from "../../src/format/growth.ts";
import { decodeHeader, encodeHeader, type ListHeader } from "../../src/format/header.ts";
import {
  decodeJournal,
  decodeJournalHeader,
  encodeJournal,
  encodeJournalHeader,
  FILE_ATTR,
  FILE_LIST,
  JOURNAL_APPLIED,
  JOURNAL_PENDING,
  type JournalPatch,
} from "../../src/format/journal.ts";
import {
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  decodeAttrHeader,
  encodeAttrHeader,
  encodeAttrImage,
  findAttrEntry,
  isAttrEntryDeleted,
  readAttrStatus,
  STATUS_WORDS,
  writeAttrEntry,
} from "../../src/format/attr_codec.ts";
import { sortIdsByKey } from "../../src/format/sort.ts";
import { recordFits, withPatchRoom } from "../../src/store/file_read.ts";
import { prng } from "../helpers/random.ts";

function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function expectCorrupt(fn: () => unknown, offset?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CorruptIndexError, `expected CorruptIndexError, got ${e}`);
    if (offset !== undefined) assert.equal(e.offset, offset, e.message);
    assert.ok(e.check.length > 0);
    return true;
  });
}

// ------------------------------------------------------------------ §2.4

describe("§2.4 offset encoding", () => {
  it("golden values: 28 → 80 80 80 87, 512 → 80 80 81 80, 0 → 0x80808080", () => {
    assert.deepEqual(u32le(encodeOffset(28)), [0x80, 0x80, 0x80, 0x87]);
    assert.deepEqual(u32le(encodeOffset(512)), [0x80, 0x80, 0x81, 0x80]);
    assert.equal(encodeOffset(0), 0x80808080);
    assert.equal(decodeOffset(0x87808080), 28);
    assert.equal(decodeOffset(0x80818080), 512);
    assert.equal(decodeOffset(0x80808080), 0);
  });

  it("follows the formula of §2.4 for every bit group", () => {
    const ref = (o: number) => {
      const v = o >>> 2;
      return ((0x80 | (v & 0x7f)) * 2 ** 24) + ((0x80 | ((v >>> 7) & 0x7f)) << 16) +
        ((0x80 | ((v >>> 14) & 0x7f)) << 8) + (0x80 | ((v >>> 21) & 0x7f));
    };
    for (let bit = 0; bit < 28; bit++) {
      const o = 2 ** bit * 4;
      if (o >= 2 ** 30) break;
      assert.equal(encodeOffset(o), ref(o), `offset ${o}`);
    }
    assert.equal(encodeOffset(2 ** 30 - 4), 0xffffffff);
  });

  it("values without all four marker bits decode to 0 (no link)", () => {
    for (const v of [0, 28, 0x07808080, 0x87008080, 0x87800080, 0x87808000, 0x7f7f7f7f, 0x80808000, 0x00808080, 0xffffff7f]) {
      assert.equal(decodeOffset(v), 0, v.toString(16));
    }
    const rnd = prng(1);
    for (let i = 0; i < 5000; i++) {
      const v = Math.floor(rnd() * 2 ** 32) & 0x7f7f7f7f;
      const marks = Math.floor(rnd() * 15); // any proper subset of the 4 marker bits
      let x = v;
      for (let k = 0; k < 4; k++) if (marks & (1 << k)) x |= 0x80 << (8 * k);
      assert.equal(decodeOffset(x >>> 0), 0);
    }
  });

  it("round-trips aligned offsets; any marked value decodes to an aligned offset below 2^30", () => {
    const rnd = prng(2);
    for (const o of [0, 4, 8, 28, 508, 512, 516, 2 ** 20, 2 ** 29, 2 ** 30 - 4]) {
      assert.equal(decodeOffset(encodeOffset(o)), o);
    }
    for (let i = 0; i < 20000; i++) {
      const o = Math.floor(rnd() * 2 ** 28) * 4;
      const e = encodeOffset(o);
      assert.equal((e & 0x80808080) >>> 0, 0x80808080);
      assert.equal(decodeOffset(e), o);
    }
    for (let i = 0; i < 5000; i++) {
      const x = (Math.floor(rnd() * 2 ** 32) | 0x80808080) >>> 0;
      const o = decodeOffset(x);
      assert.ok(o % 4 === 0 && o >= 0 && o < 2 ** 30, `${x.toString(16)} → ${o}`);
      assert.equal(encodeOffset(o), x);
    }
  });

  it("throws RangeError for unaligned or out-of-range offsets", () => {
    for (const o of [1, 2, 3, 30, 513, -4, -1, 2 ** 30, 2 ** 30 + 4, 2 ** 32, 4.5, Number.NaN, Infinity]) {
      assert.throws(() => encodeOffset(o), RangeError, String(o));
    }
  });
});

// ------------------------------------------------------------------ §2.5 name hash

/** Bitwise CRC-32 (no table), initial 0xFFFFFFFF, no final XOR: the §2.5 definition. */
function refHash(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return c >>> 0;
}

describe("§2.5 name hash", () => {
  it("SPEC vectors", () => {
    assert.equal(nameHash("INBOX"), 0x76bace76);
    assert.equal(nameHash("Archive"), 0xe5be9bff);
    assert.equal(nameHash("2009"), 0x20b14ba2);
    assert.equal(nameHash("Sent"), 0xe5097a68);
    assert.equal(nameHash("äpfel"), 0x270dae8f);
    assert.equal(nameHash(new Uint8Array([0xc3, 0xa4, 0x70, 0x66, 0x65, 0x6c])), 0x270dae8f);
    assert.equal(nameHash("&AOQ-pfel"), 0x3a0142e3);
  });

  it("collision pairs of the golden vectors hash alike", () => {
    const pairs: [string, string, number][] = [
      ["epdnndzu", "ecylwtxz", 0x3a412d01],
      ["tcfiejin", "lwhuxoij", 0x159bc589],
      ["kuuqhnin", "kizbmisx", 0x94bf938d],
    ];
    for (const [a, b, h] of pairs) {
      assert.equal(nameHash(a), h, a);
      assert.equal(nameHash(b), h, b);
    }
  });

  it("equals the bitwise definition on random bytes; strings hash as their UTF-8 bytes", () => {
    const rnd = prng(3);
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(Math.floor(rnd() * 40));
      for (let k = 0; k < b.length; k++) b[k] = Math.floor(rnd() * 256);
      assert.equal(nameHash(b), refHash(b));
    }
    for (const s of ["", "a", "Ünïcödé", "日本語", "\u{1f4e7}mail", "a/b"]) {
      assert.equal(nameHash(s), refHash(new TextEncoder().encode(s)), s);
    }
    assert.equal(nameHash(""), 0xffffffff);
  });
});

// ------------------------------------------------------------------ §2.6

describe("§2.6 growth and compression policy", () => {
  it("grownSize golden sizes of the vectors", () => {
    assert.equal(grownSize(108930), 119808);
    assert.equal(grownSize(6825), 7168);
    assert.equal(grownSize(569), 1024);
    assert.equal(grownSize(876), 1024);
    assert.equal(grownSize(1600), 2048);
  });

  it("grownSize is a multiple of 512, covers need, and follows need + max(need/100*10, 512) rounded down", () => {
    const rnd = prng(4);
    const values = [1, 28, 511, 512, 513, 1023, 1024, 5119, 5120, 5121, 51200, 2 ** 29];
    for (let i = 0; i < 20000; i++) values.push(1 + Math.floor(rnd() * 2 ** 29));
    for (const need of values) {
      const g = grownSize(need);
      assert.equal(g % 512, 0, `need ${need} → ${g}`);
      assert.ok(g >= need, `need ${need} → ${g}`);
      const step = Math.max(Math.floor(need / 100) * 10, 512);
      const down = Math.floor((need + step) / 512) * 512;
      assert.equal(g, down >= need ? down : Math.ceil(need / 512) * 512, `need ${need}`);
      assert.ok(g - need <= step, `need ${need} → ${g}: more than one step`);
    }
  });

  it("needsCompression: deleted ≥ used/100*10 and used ≥ 1024", () => {
    assert.equal(needsCompression(2148, 1584), true);
    assert.equal(needsCompression(1023, 1000), false);
    assert.equal(needsCompression(1024, 100), true);
    assert.equal(needsCompression(1024, 99), false);
    assert.equal(needsCompression(10000, 1000), true);
    assert.equal(needsCompression(10000, 999), false);
    assert.equal(needsCompression(10099, 1000), true);
    assert.equal(needsCompression(345, 91), false);
    assert.equal(needsCompression(569, 252), false);
    assert.equal(needsCompression(5000, 0), false);
  });
});

// ------------------------------------------------------------------ §2.1 header

describe("§2.1 list header codec", () => {
  const h: ListHeader = {
    fileSeq: 3,
    headerSize: 28,
    uidValidity: 1795914058,
    nextUid: 11,
    usedSpace: 328,
    deletedSpace: 16,
  };

  it("encodes the byte layout and decodes it back", () => {
    const b = new Uint8Array(512);
    b.fill(0xee, 0, 28);
    encodeHeader(b, h);
    assert.deepEqual([...b.subarray(0, 4)], [1, 0, 0, 0]);
    const dv = new DataView(b.buffer);
    assert.equal(dv.getUint32(4, true), 3);
    assert.equal(dv.getUint32(8, true), 28);
    assert.equal(dv.getUint32(12, true), 1795914058);
    assert.equal(dv.getUint32(16, true), 11);
    assert.equal(dv.getUint32(20, true), 328);
    assert.equal(dv.getUint32(24, true), 16);
    assert.deepEqual(decodeHeader(b, 512, "f"), h);
    // Encoding into a sub-array writes at its offset.
    const big = new Uint8Array(600);
    encodeHeader(big.subarray(40), h);
    assert.deepEqual(decodeHeader(big.subarray(40), 512, "f"), h);
  });

  it("an empty index (size == header_size) is valid", () => {
    const b = new Uint8Array(28);
    encodeHeader(b, { ...h, usedSpace: 28, deletedSpace: 0, nextUid: 1 });
    assert.equal(decodeHeader(b, 28, "f").usedSpace, 28);
  });

  it("rejects damaged headers with CorruptIndexError naming file and offset", () => {
    const good = new Uint8Array(512);
    encodeHeader(good, h);
    const patched = (off: number, v: number, size = 512) => {
      const b = good.slice();
      new DataView(b.buffer).setUint32(off, v, true);
      return () => decodeHeader(b, size, "/x/list");
    };
    expectCorrupt(() => decodeHeader(good.subarray(0, 27), 27, "/x/list"), 0);
    expectCorrupt(() => decodeHeader(good, 20, "/x/list"), 0);
    for (const major of [0, 2, 255]) {
      const b = good.slice();
      b[0] = major;
      expectCorrupt(() => decodeHeader(b, 512, "/x/list"), 0);
    }
    expectCorrupt(patched(8, 0), 8);
    expectCorrupt(patched(8, 27), 8);
    expectCorrupt(patched(8, 30), 8);
    expectCorrupt(patched(8, 516), 8);
    expectCorrupt(patched(8, 0xffffffff), 8);
    expectCorrupt(patched(12, 0), 12);
    expectCorrupt(patched(16, 0), 16);
    expectCorrupt(patched(20, 27), 20);
    expectCorrupt(patched(20, 513), 20);
    try {
      decodeHeader(new Uint8Array(28), 28, "/x/named.mlist");
      assert.fail("zeroed header accepted");
    } catch (e) {
      assert.ok(e instanceof CorruptIndexError);
      assert.equal(e.file, "/x/named.mlist");
      assert.match(e.message, /\/x\/named\.mlist/);
    }
  });
});

// ------------------------------------------------------------------ §6 journal

describe("§6 journal codec", () => {
  const patches: JournalPatch[] = [
    { file: FILE_LIST, offset: 0, bytes: new Uint8Array(28).fill(7) },
    { file: FILE_LIST, offset: 300, bytes: new Uint8Array([1, 2, 3, 4]) },
    { file: FILE_ATTR, offset: 48, bytes: new Uint8Array([9, 8, 7, 6, 5]) },
    { file: FILE_ATTR, offset: 4096, bytes: new Uint8Array(0) },
  ];

  it("round-trips a record", () => {
    const b = encodeJournal(42, 3, 1700000000, patches, [FILE_ATTR]);
    const r = decodeJournal(b);
    assert.ok(r);
    assert.equal(r.seq, 42);
    assert.equal(r.state, JOURNAL_PENDING);
    assert.equal(r.listFileSeq, 3);
    assert.equal(r.uidValidity, 1700000000);
    assert.deepEqual(r.renames, [FILE_ATTR]);
    assert.equal(r.patches.length, patches.length);
    for (let i = 0; i < patches.length; i++) {
      assert.equal(r.patches[i].file, patches[i].file);
      assert.equal(r.patches[i].offset, patches[i].offset);
      assert.deepEqual([...r.patches[i].bytes], [...patches[i].bytes]);
    }
    const only = decodeJournal(encodeJournal(1, 1, 5, [], [FILE_ATTR, FILE_LIST]));
    assert.deepEqual(only?.renames, [FILE_ATTR, FILE_LIST]);
    assert.deepEqual(only?.patches, []);
  });

  it("header round trip and the applied state", () => {
    const hb = encodeJournalHeader({ seq: 7, state: JOURNAL_APPLIED, listFileSeq: 2, uidValidity: 9, bodyLength: 0, bodyCrc: 0 });
    assert.equal(hb.length, 36);
    assert.deepEqual(decodeJournalHeader(hb), { seq: 7, state: JOURNAL_APPLIED, listFileSeq: 2, uidValidity: 9, bodyLength: 0, bodyCrc: 0 });
    assert.equal(decodeJournalHeader(new Uint8Array(36)), undefined);
    assert.equal(decodeJournalHeader(hb.subarray(0, 35)), undefined);
  });

  it("a record fits the files when its attribute changes at most append to that file", () => {
    const rec = (file: number, offset: number, length: number) => ({
      seq: 1,
      state: JOURNAL_PENDING,
      listFileSeq: 1,
      uidValidity: 1,
      bodyLength: 0,
      bodyCrc: 0,
      patches: [{ file, offset, bytes: new Uint8Array(length) }],
      renames: [],
    });
    assert.equal(recordFits(rec(FILE_LIST, 96, 4), 100, 80), true);
    assert.equal(recordFits(rec(FILE_LIST, 100, 4), 100, 80), false, "list patch past the end");
    assert.equal(recordFits(rec(FILE_ATTR, 48, 32), 100, 80), true);
    assert.equal(recordFits(rec(FILE_ATTR, 80, 32), 100, 80), true, "append right at the end");
    assert.equal(recordFits(rec(FILE_ATTR, 84, 32), 100, 80), false, "gap after the end");
    assert.equal(recordFits(rec(FILE_ATTR, 0, 48), 100, 0), false, "missing attribute file");
  });

  it("an image grows to take the entries a record appends", () => {
    const image = new Uint8Array([1, 2, 3, 4]);
    const same = withPatchRoom(image, { patches: [{ file: FILE_ATTR, offset: 0, bytes: new Uint8Array(4) }] }, FILE_ATTR);
    assert.equal(same, image);
    const other = withPatchRoom(image, { patches: [{ file: FILE_LIST, offset: 4, bytes: new Uint8Array(8) }] }, FILE_ATTR);
    assert.equal(other, image, "patches of the other file do not count");
    const grown = withPatchRoom(image, { patches: [{ file: FILE_ATTR, offset: 4, bytes: new Uint8Array(8) }] }, FILE_ATTR);
    assert.equal(grown.length, 12);
    assert.deepEqual([...grown.subarray(0, 4)], [1, 2, 3, 4]);
  });

  it("any single bit flip of a record is detected", () => {
    const b = encodeJournal(5, 1, 77, patches, [FILE_ATTR]);
    for (let i = 0; i < b.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const c = b.slice();
        c[i] ^= 1 << bit;
        assert.equal(decodeJournal(c), undefined, `flip of byte ${i} bit ${bit} accepted`);
      }
    }
  });

  it("any truncation of a record is detected", () => {
    const b = encodeJournal(5, 1, 77, patches, [FILE_LIST]);
    for (let n = 0; n < b.length; n++) {
      assert.equal(decodeJournal(b.slice(0, n)), undefined, `truncated to ${n} bytes accepted`);
    }
    assert.ok(decodeJournal(b));
  });
});

// ------------------------------------------------------------------ §3 attribute file

describe("§3 attribute file codec", () => {
  it("image round trip: header, flags, STATUS, binary search by UID", () => {
    const uids = new Uint32Array([1, 2, 5, 9, 100, 70000]);
    const flags = new Uint8Array([9, 0, 1, 4, 8, 2]);
    const statusSet = new Uint8Array([0, 1, 0, 0, 1, 0]);
    const statusValues = new Uint32Array(6 * STATUS_WORDS);
    statusValues.set([10, 2, 1, 1234, 11], 1 * STATUS_WORDS);
    statusValues.set([0xffffffff, 0, 0, 0x80000000, 1], 4 * STATUS_WORDS);
    const img = encodeAttrImage(1700000000, 3, 70001, { uids, flags, statusSet, statusValues, count: 6 }, 0x2e);
    assert.equal(img.length, ATTR_HEADER_SIZE + 6 * ATTR_ENTRY_SIZE);
    const h = decodeAttrHeader(img, img.length, "a");
    assert.deepEqual(h, {
      uidValidity: 1700000000,
      listFileSeq: 3,
      nextUid: 70001,
      count: 6,
      live: 6,
      separator: 0x2e,
      entrySize: ATTR_ENTRY_SIZE,
    });
    const dv = new DataView(img.buffer);
    for (let i = 0; i < 6; i++) {
      const pos = findAttrEntry(dv, 6, uids[i]);
      assert.equal(pos, ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE);
      assert.equal(dv.getUint32(pos + 4, true) & 0xff, flags[i]);
      assert.equal(isAttrEntryDeleted(dv, pos), false);
    }
    for (const missing of [0, 3, 4, 6, 99, 101, 69999, 70001, 0x7fffffff]) {
      assert.equal(findAttrEntry(dv, 6, missing), -1, String(missing));
    }
    assert.equal(readAttrStatus(dv, findAttrEntry(dv, 6, 1)), undefined);
    assert.deepEqual(readAttrStatus(dv, findAttrEntry(dv, 6, 2)), { messages: 10, unseen: 2, recent: 1, uidValidity: 1234, uidNext: 11 });
    assert.deepEqual(readAttrStatus(dv, findAttrEntry(dv, 6, 100)), {
      messages: 0xffffffff,
      unseen: 0,
      recent: 0,
      uidValidity: 0x80000000,
      uidNext: 1,
    });
  });

  it("writeAttrEntry / deleted bit", () => {
    const b = new Uint8Array(2 * ATTR_ENTRY_SIZE);
    const dv = new DataView(b.buffer);
    writeAttrEntry(dv, 0, 7, 0x1ff, { messages: 1, unseen: 2, recent: 3, uidValidity: 4, uidNext: 5 });
    assert.equal(dv.getUint32(0, true), 7);
    assert.equal(dv.getUint32(4, true) & 0xff, 0xff, "flags keep bits 0-7 only");
    assert.deepEqual(readAttrStatus(dv, 0), { messages: 1, unseen: 2, recent: 3, uidValidity: 4, uidNext: 5 });
    writeAttrEntry(dv, ATTR_ENTRY_SIZE, (8 | 0x80000000) >>> 0, 1, undefined);
    assert.equal(isAttrEntryDeleted(dv, ATTR_ENTRY_SIZE), true);
    assert.equal(readAttrStatus(dv, ATTR_ENTRY_SIZE), undefined);
    assert.equal(isAttrEntryDeleted(dv, 0), false);
  });

  it("binary search over many entries, some deleted", () => {
    const rnd = prng(5);
    const n = 3000;
    const uids = new Uint32Array(n);
    let u = 0;
    for (let i = 0; i < n; i++) uids[i] = u += 1 + Math.floor(rnd() * 5);
    const img = encodeAttrImage(1, 1, u + 1, { uids, flags: new Uint8Array(n), count: n });
    const dv = new DataView(img.buffer);
    for (let i = 0; i < n; i += 3) dv.setUint32(ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE, (uids[i] | 0x80000000) >>> 0, true);
    const set = new Set(uids);
    for (let x = 0; x <= u + 2; x++) {
      const pos = findAttrEntry(dv, n, x);
      if (!set.has(x)) assert.equal(pos, -1, String(x));
      else {
        const i = uids.indexOf(x);
        assert.equal(pos, ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE);
        assert.equal(isAttrEntryDeleted(dv, pos), i % 3 === 0);
      }
    }
  });

  it("rejects bad magic, checksum, version, sizes and counts", () => {
    const img = encodeAttrImage(9, 1, 4, { uids: new Uint32Array([1, 2, 3]), flags: new Uint8Array(3), count: 3 }, 0x2f);
    decodeAttrHeader(img, img.length, "a");
    expectCorrupt(() => decodeAttrHeader(img.subarray(0, 47), 47, "a"), 0);
    const bad = (mutate: (b: Uint8Array, dv: DataView) => void, fix = true) => {
      const b = img.slice();
      const dv = new DataView(b.buffer);
      mutate(b, dv);
      if (fix) {
        // Re-seal the checksum so the field check itself is exercised.
        const h = new Uint8Array(b.subarray(0, 48));
        const crc = refCrcSeal(h);
        dv.setUint32(44, crc, true);
      }
      return () => decodeAttrHeader(b, b.length, "/x/a.attr");
    };
    expectCorrupt(bad((b) => (b[0] = 0x4e), false), 0);
    expectCorrupt(bad((b) => (b[20] ^= 1), false), 44);
    expectCorrupt(bad((_, dv) => dv.setUint32(4, 3, true)), 4);
    expectCorrupt(bad((_, dv) => dv.setUint32(4, 0, true)), 4);
    // Version 1 with version 2's entry size, and the other way round.
    expectCorrupt(bad((_, dv) => dv.setUint32(4, 1, true)), 8);
    expectCorrupt(bad((_, dv) => dv.setUint32(28, 32, true)), 8);
    expectCorrupt(bad((_, dv) => dv.setUint32(8, 64, true)), 8);
    expectCorrupt(bad((_, dv) => dv.setUint32(28, 16, true)), 8);
    expectCorrupt(bad((_, dv) => dv.setUint32(24, 4, true)), 24);
    expectCorrupt(bad((_, dv) => dv.setUint32(24, 0xffffffff, true)), 24);
    expectCorrupt(bad((_, dv) => dv.setUint32(32, 4, true)), 32);
    // Header round trip through encodeAttrHeader.
    const hb = new Uint8Array(48);
    encodeAttrHeader(hb, { uidValidity: 5, listFileSeq: 6, nextUid: 7, count: 0, live: 0, separator: 0x2e });
    assert.deepEqual(decodeAttrHeader(hb, 48, "a"), {
      uidValidity: 5,
      listFileSeq: 6,
      nextUid: 7,
      count: 0,
      live: 0,
      separator: 0x2e,
      entrySize: ATTR_ENTRY_SIZE,
    });
  });
});

/** The attribute header checksum: CRC-32 of bytes [0, 44) as the name hash computes it. */
function refCrcSeal(h: Uint8Array): number {
  return refHash(h.subarray(0, 44));
}

// ------------------------------------------------------------------ §2.5 record order

describe("§2.5 record sort (sortIdsByKey)", () => {
  /** Stable reference: by key, then by the tie-breaker. */
  function reference(ids: number[], keys: Uint32Array, tie: (a: number, b: number) => number): number[] {
    return [...ids].sort((a, b) => (keys[a] !== keys[b] ? (keys[a] < keys[b] ? -1 : 1) : tie(a, b)));
  }

  for (const [n, distinct] of [[0, 1], [1, 1], [2, 1], [10, 3], [48, 5], [49, 5], [200, 1], [1000, 50], [5000, 2 ** 32], [70000, 300], [70000, 2 ** 32]] as const) {
    it(`${n} ids, ${distinct === 2 ** 32 ? "random" : distinct} distinct keys`, () => {
      const rnd = prng(1000 + n + Number(distinct % 1000));
      const keys = new Uint32Array(n);
      const pool = new Uint32Array(Math.min(Number(distinct), 1 << 16));
      for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(rnd() * 2 ** 32);
      pool[0] = 0;
      if (pool.length > 1) pool[1] = 0xffffffff;
      for (let i = 0; i < n; i++) {
        keys[i] = distinct === 2 ** 32 ? Math.floor(rnd() * 2 ** 32) : pool[Math.floor(rnd() * pool.length)];
      }
      const second = new Int32Array(n);
      for (let i = 0; i < n; i++) second[i] = Math.floor(rnd() * 1000);
      // A total order on ids: secondary key, then id (like name bytes, which differ within a directory).
      const tie = (a: number, b: number) => second[a] - second[b] || a - b;
      const order: number[] = [];
      for (let i = 0; i < n; i++) order.push(i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const ids = new Int32Array(n + 3);
      ids.set(order);
      ids[n] = -7;
      ids[n + 1] = 123456;
      ids[n + 2] = 0;
      sortIdsByKey(ids, n, keys, tie);
      assert.deepEqual([...ids.subarray(0, n)], reference(order, keys, tie));
      assert.deepEqual([...ids.subarray(n)], [-7, 123456, 0], "ids past count must be left alone");
    });
  }

  it("with a partial tie-breaker (equal names), the result is sorted and a permutation", () => {
    const rnd = prng(77);
    for (const n of [30, 500, 20000]) {
      const keys = new Uint32Array(n);
      for (let i = 0; i < n; i++) keys[i] = Math.floor(rnd() * 8) * 0x20000001;
      const second = new Int32Array(n);
      for (let i = 0; i < n; i++) second[i] = Math.floor(rnd() * 3);
      const tie = (a: number, b: number) => second[a] - second[b];
      const ids = new Int32Array(n);
      for (let i = 0; i < n; i++) ids[i] = n - 1 - i;
      sortIdsByKey(ids, n, keys, tie);
      for (let i = 1; i < n; i++) {
        const a = ids[i - 1], b = ids[i];
        assert.ok(keys[a] < keys[b] || (keys[a] === keys[b] && tie(a, b) <= 0), `position ${i} out of order`);
      }
      assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    }
  });

  it("repeated calls of different sizes do not interfere (shared scratch space)", () => {
    const rnd = prng(99);
    for (const n of [60000, 100, 70000, 49, 65537]) {
      const keys = new Uint32Array(n);
      for (let i = 0; i < n; i++) keys[i] = Math.floor(rnd() * 2 ** 32);
      const ids = new Int32Array(n);
      for (let i = 0; i < n; i++) ids[i] = i;
      sortIdsByKey(ids, n, keys, (a, b) => a - b);
      const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
      assert.deepEqual([...ids], want);
    }
  });
});
