// dovecot-uidlist (SPEC §10): versions 1 and 3, UIDNEXT as the larger of the
// header's N and the highest UID listed plus one, the header's G as the
// mailbox GUID, CRLF, reordered fields, blank and garbage lines, a last line
// cut in its filename (counts) or in its number (does not), big files read
// in chunks, and what the scanners report from it.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeScanFs, type ScanFs, scanFsLayout, scanMaildir, type ScannedMailbox } from "../../mod.ts";
import { parseUidListHeader, readUidList } from "../../src/scan/uidlist.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-uidlist-");
after(() => tmp.cleanup());
let serial = 0;

const GUID = "0123456789abcdef0123456789abcdef";

/** Write `text` to a fresh uidlist file and return its path. */
function file(text: string | Uint8Array): string {
  const p = join(tmp.dir, `uidlist-${serial++}`);
  writeFileSync(p, text);
  return p;
}

/** The default seam, but every read returns at most `max` bytes (reads that end anywhere). */
function dribbling(max: number): ScanFs {
  return {
    ...nodeScanFs,
    async open(path) {
      const f = await nodeScanFs.open(path);
      let k = 0;
      return {
        read: (buf, position) => f.read(buf.subarray(0, Math.min(buf.length, 1 + (k++ % max))), position),
        close: () => f.close(),
      };
    },
  };
}

async function read(text: string | Uint8Array, fs: ScanFs = nodeScanFs) {
  return await readUidList(file(text), fs);
}

describe("readUidList", () => {
  it("reads version 1: header and records", async () => {
    assert.deepEqual(await read("1 1300000000 42\n1 a.host\n2 b.host\n"), { uidValidity: 1300000000, uidNext: 42, lastUid: 2 });
    assert.deepEqual(await read("1 7 3\n1 a\n5 b\n"), { uidValidity: 7, uidNext: 6, lastUid: 5 });
  });

  it("reads version 3 with the GUID, records appended past the header's N", async () => {
    const text = `3 V1700000001 N42 G${GUID}\n40 :a\n41 :b\n43 :c\n44 W1234 G${GUID} :d\n`;
    assert.deepEqual(await read(text), { uidValidity: 1700000001, uidNext: 45, guid: GUID, lastUid: 44 });
  });

  it("reads fields in any order, GUIDs in capitals, and CRLF line ends", async () => {
    const text = `3 G${GUID.toUpperCase()} N42 X7 V9\r\n40 :a\r\n\r\n44 :b\r\n`;
    assert.deepEqual(await read(text), { uidValidity: 9, uidNext: 45, guid: GUID, lastUid: 44 });
  });

  it("has no GUID without a valid G", async () => {
    assert.deepEqual(await read("3 V1 N5\n2 :a\n"), { uidValidity: 1, uidNext: 5, lastUid: 2 });
    assert.deepEqual(await read(`3 V1 N5 G${GUID.slice(1)}\n`), { uidValidity: 1, uidNext: 5, lastUid: 0 });
    assert.deepEqual(await read(`3 V1 N5 G${GUID}x\n`), { uidValidity: 1, uidNext: 5, lastUid: 0 });
  });

  it("counts a last line cut in its filename, not one cut in or right after its number", async () => {
    const head = "3 V1 N42\n41 :a\n44 :b\n";
    assert.deepEqual(await read(head + "46 :fil"), { uidValidity: 1, uidNext: 47, lastUid: 46 });
    assert.deepEqual(await read(head + "46 "), { uidValidity: 1, uidNext: 47, lastUid: 46 });
    assert.deepEqual(await read(head + "460"), { uidValidity: 1, uidNext: 45, lastUid: 44 });
    assert.deepEqual(await read(head + "46\r"), { uidValidity: 1, uidNext: 47, lastUid: 46 });
    assert.deepEqual(await read("3 V1 N42"), { uidValidity: 1, uidNext: 42, lastUid: 0 });
    assert.deepEqual(await read("3 V1 N42\n"), { uidValidity: 1, uidNext: 42, lastUid: 0 });
  });

  it("skips blank and garbage lines without failing", async () => {
    const text = "3 V1 N3\n\n\nfoo bar\n-5 :x\n 7 :x\n:9\n99999999999 :x\n4294967296 :x\n0 :x\n12x :y\n\u00ff\u00fe\n2 :ok\n";
    assert.deepEqual(await read(text), { uidValidity: 1, uidNext: 3, lastUid: 2 });
    const bytes = new Uint8Array([...new TextEncoder().encode("3 V1 N3\n"), 0, 0xff, 0x0a, 0x35, 0x20, 0x0a]);
    assert.deepEqual(await read(bytes), { uidValidity: 1, uidNext: 6, lastUid: 5 });
    assert.deepEqual(await read("3 V1 N3\n4294967295 :max\n"), { uidValidity: 1, uidNext: 4294967295, lastUid: 4294967295 });
  });

  it("gives undefined for an unknown header, and says what it starts with", async () => {
    for (const text of ["2 V1 N2\n1 :a\n", "", "garbage", "1 12\n", "3 V4294967296 N1\n", "x".repeat(70000)]) {
      const seen: string[] = [];
      assert.equal(await readUidList(file(text), nodeScanFs, (s) => seen.push(s)), undefined, JSON.stringify(text.slice(0, 20)));
      assert.deepEqual(seen, [text.split("\n")[0].slice(0, 40)]);
    }
  });

  it("reads a big list in chunks, with records across every chunk boundary", async () => {
    const lines = [`3 V77 N10 G${GUID}`];
    let max = 0;
    for (let uid = 1; uid <= 60000; uid += 1 + (uid % 3)) {
      lines.push(uid % 7 === 0 ? `${uid} W${uid * 13} :${"m".repeat(uid % 50)}.host` : `${uid} :${uid}.host,S=${uid % 997}`);
      max = uid;
    }
    const text = lines.join("\n") + "\n";
    assert.ok(text.length > 5 * 64 * 1024);
    const want = { uidValidity: 77, uidNext: max + 1, guid: GUID, lastUid: max };
    assert.deepEqual(await read(text), want);
    // Reads that end anywhere, even inside the header.
    assert.deepEqual(await read(text, dribbling(4093)), want, "reads of at most 4093 bytes");
    const small = text.slice(0, text.indexOf("\n", 2000) + 1);
    const last = Number(small.slice(small.lastIndexOf("\n", small.length - 2) + 1).split(" ")[0]);
    const smallWant = { uidValidity: 77, uidNext: last + 1, guid: GUID, lastUid: last };
    for (const n of [1, 3, 7]) assert.deepEqual(await read(small, dribbling(n)), smallWant, `reads of at most ${n} bytes`);
  });

  it("lets the file system's error through", async () => {
    await assert.rejects(readUidList(join(tmp.dir, "missing"), nodeScanFs), { code: "ENOENT" });
  });
});

describe("parseUidListHeader", () => {
  it("keeps the GUID of a version-3 header", () => {
    assert.deepEqual(parseUidListHeader(`3 V5 N6 G${GUID}`), { uidValidity: 5, uidNext: 6, guid: GUID });
    assert.deepEqual(parseUidListHeader(`1 5 6 G${GUID}`), { uidValidity: 5, uidNext: 6 });
  });
});

describe("scanners and dovecot-uidlist", () => {
  function maildir(dir: string, uidlist?: string): void {
    for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, "cur", "1.host:2,S"), "x");
    if (uidlist !== undefined) writeFileSync(join(dir, "dovecot-uidlist"), uidlist);
  }

  const root = join(tmp.dir, "store");
  maildir(root, `3 V1700000001 N42 G${GUID}\n41 :a\n43 :b\n44 :1.host\n`);
  maildir(join(root, ".Sent"), "1 99 7\n3 a\n");
  maildir(join(root, ".Plain"));
  maildir(join(root, ".Odd"), "7 whatever\n");

  const want: ScannedMailbox[] = [
    {
      name: "INBOX",
      selectable: true,
      status: { messages: 1, unseen: 0, recent: 0, uidValidity: 1700000001, uidNext: 45, deleted: 0, size: 1 },
      guid: GUID,
    },
    { name: "Odd", selectable: true, status: { messages: 1, unseen: 0, recent: 0, uidValidity: 0, uidNext: 0, deleted: 0, size: 1 } },
    { name: "Plain", selectable: true, status: { messages: 1, unseen: 0, recent: 0, uidValidity: 0, uidNext: 0, deleted: 0, size: 1 } },
    { name: "Sent", selectable: true, status: { messages: 1, unseen: 0, recent: 0, uidValidity: 99, uidNext: 7, deleted: 0, size: 1 } },
  ];

  it("Maildir++ reports UIDNEXT past the header's N and the GUID", async () => {
    const got: ScannedMailbox[] = [];
    const reasons: string[] = [];
    for await (const m of scanMaildir(root, { onWarning: (w) => reasons.push(w.reason) })) got.push(m);
    assert.deepEqual(got, want);
    assert.deepEqual(reasons, [`Ignoring "${join(root, ".Odd", "dovecot-uidlist")}": unknown header "7 whatever"`]);
  });

  it("the directory-per-folder scanner reports the same", async () => {
    const fsRoot = join(tmp.dir, "fs-store");
    maildir(fsRoot, `3 V1700000001 N42 G${GUID}\n41 :a\n43 :b\n44 :1.host\n`);
    maildir(join(fsRoot, "Sent"), "1 99 7\n3 a\n");
    const got: ScannedMailbox[] = [];
    for await (const m of scanFsLayout(fsRoot)) got.push(m);
    assert.deepEqual(got, [want[0], want[3]]);
  });
});
