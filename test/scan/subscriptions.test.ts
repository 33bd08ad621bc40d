// Dovecot's subscriptions file: version 1 (one name per line, levels joined
// by the store's separator) and version 2 (a "V\t2" header and a blank line,
// levels joined by TAB and tab-escaped), levels in modified UTF-7 or UTF-8,
// CRLF, blank and invalid lines, duplicates, a missing or unreadable file.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeScanFs, type ScanWarning } from "../../mod.ts";
import { parseDovecotSubscriptions, readDovecotSubscriptions, tabUnescape } from "../../src/scan/subscriptions.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-subscriptions-");
after(() => tmp.cleanup());
let serial = 0;

function parse(text: string, opts: Partial<Parameters<typeof parseDovecotSubscriptions>[1]> = {}) {
  const warnings: ScanWarning[] = [];
  const names = parseDovecotSubscriptions(text, { separator: "/", ...opts, onWarning: (w) => warnings.push(w) });
  return { names, reasons: warnings.map((w) => w.reason), warnings };
}

describe("tabUnescape", () => {
  it("undoes Dovecot's tab-escaping", () => {
    assert.equal(tabUnescape("plain"), "plain");
    assert.equal(tabUnescape("a\x01tb\x01rc\x01nd\x011e\x010f"), "a\tb\rc\nd\x01e\0f");
    assert.equal(tabUnescape("\x012\x01l\x01"), "2l");
  });
});

describe("parseDovecotSubscriptions", () => {
  it("reads version 1 with the store's separator, decoding modified UTF-7", () => {
    const text = "INBOX\nEntw&APw-rfe\nArchiv.2024 T&AOQ-tigkeiten\n&ZeVnLIqe-\nA&-B\n";
    assert.deepEqual(parse(text).names, ["INBOX", "Entwürfe", "Archiv/2024 Tätigkeiten", "日本語", "A&B"]);
    assert.deepEqual(parse(text).reasons, []);
    // The fs layout's store separator is "/"; the index's may be another.
    assert.deepEqual(parse("Archiv/2024\nA.b\n", { storeSeparator: "/", separator: "." }).names, ["Archiv.2024"]);
    assert.deepEqual(parse("Archiv.2024\n", { separator: "." }).names, ["Archiv.2024"]);
  });

  it("reads version 2: TAB-joined, tab-escaped, modified-UTF-7 levels", () => {
    const text = "V\t2\n\nINBOX\nArchiv\t2024 T&AOQ-tigkeiten\nWith.dot\nTab&AAk-In\tName\nEntw&APw-rfe\n";
    const { names, reasons } = parse(text);
    assert.deepEqual(names, ["INBOX", "Archiv/2024 Tätigkeiten", "With.dot", "Tab\tIn/Name", "Entwürfe"]);
    assert.deepEqual(reasons, []);
    // Control characters are written raw, tab-escaped, only in a store with UTF-8 names.
    const utf8 = parse("V\t2\n\nTab\x01tIn\tName\nLine\x01nBreak\n", { utf8Names: true });
    assert.deepEqual(utf8.names, ["Tab\tIn/Name", "Line\nBreak"]);
    assert.deepEqual(utf8.reasons, []);
    // A level holding the index's separator cannot be a level of a name.
    const slash = parse("V\t2\n\nA/B\tC\nok\n");
    assert.deepEqual(slash.names, ["ok"]);
    assert.deepEqual(slash.reasons, ['Skipping line 3 of "subscriptions": the name "A/B\\tC" has a level that contains the separator "/"']);
    assert.deepEqual(parse("V\t2\n\nA/B\tC\n", { separator: "." }).names, ["A/B.C"]);
  });

  it("reads CRLF line ends in both versions, and a last line without one", () => {
    assert.deepEqual(parse("INBOX\r\nEntw&APw-rfe\r\nA.B").names, ["INBOX", "Entwürfe", "A/B"]);
    assert.deepEqual(parse("V\t2\r\n\r\nINBOX\r\nA\tB\r\n").names, ["INBOX", "A/B"]);
  });

  it("takes names as they are with utf8Names", () => {
    const { names, reasons } = parse("V\t2\n\nEntwürfe\nEntw&APw-rfe\n", { utf8Names: true });
    assert.deepEqual(names, ["Entwürfe", "Entw&APw-rfe"]);
    assert.deepEqual(reasons, []);
  });

  it("keeps a level that is not valid modified UTF-7 literally, with a warning", () => {
    const { names, warnings } = parse("Entwürfe.Alt\nR&D\n", { path: "/srv/u/subscriptions" });
    assert.deepEqual(names, ["Entwürfe/Alt", "R&D"]);
    assert.deepEqual(warnings, [
      {
        path: "/srv/u/subscriptions",
        folder: "Entwürfe/Alt",
        reason: 'Level "Entwürfe" of the name on line 1 of "/srv/u/subscriptions" is not valid modified UTF-7: kept as it is',
      },
      {
        path: "/srv/u/subscriptions",
        folder: "R&D",
        reason: 'Level "R&D" of the name on line 2 of "/srv/u/subscriptions" is not valid modified UTF-7: kept as it is',
      },
    ]);
  });

  it("skips invalid lines with a warning, blank ones quietly, and collapses duplicates", () => {
    const text = "V\t2\n\nA\n\nA\t\tB\nNul\x010x\nbad\uFFFDbytes\nA\ninbox\nINBOX\nTrail\t\n\t\nTrail\n";
    const { names, reasons } = parse(text);
    assert.deepEqual(names, ["A", "INBOX", "Trail"]);
    assert.deepEqual(reasons, [
      'Skipping line 5 of "subscriptions": the name "A\\t\\tB" has an empty level',
      'Skipping line 6 of "subscriptions": the name "Nul\\u00010x" has a level that contains a NUL byte',
      'Skipping line 7 of "subscriptions": the name "bad�bytes" has a level that is not valid UTF-8',
      'Skipping line 12 of "subscriptions": the name "\\t" has an empty level',
    ]);
    assert.deepEqual(parse("A..B\n.C\nD.\n").names, ["D"]);
  });

  it("takes a file without the exact version-2 header as version 1", () => {
    assert.deepEqual(parse("V\t2\nA.B\n").names, ["V\t2", "A/B"]);
  });

  it("refuses a bad separator", () => {
    assert.throws(() => parse("A\n", { separator: "" }), RangeError);
    assert.throws(() => parse("A\n", { storeSeparator: "ab" }), RangeError);
  });
});

describe("readDovecotSubscriptions", () => {
  function root(text?: string | Uint8Array): string {
    const r = join(tmp.dir, `store-${serial++}`);
    mkdirSync(r, { recursive: true });
    if (text !== undefined) writeFileSync(join(r, "subscriptions"), text);
    return r;
  }

  it("reads the file at the store root", async () => {
    const r = root("V\t2\n\nINBOX\nEntw&APw-rfe\tAlt\n");
    assert.deepEqual(await readDovecotSubscriptions(r, { separator: "/" }), ["INBOX", "Entwürfe/Alt"]);
    assert.deepEqual(await readDovecotSubscriptions(r, { separator: "." }), ["INBOX", "Entwürfe.Alt"]);
    assert.deepEqual(await readDovecotSubscriptions(root("A/B\n"), { storeSeparator: "/" }), ["A/B"]);
    assert.deepEqual(await readDovecotSubscriptions(root("A.B\n")), ["A/B"]);
  });

  it("gives undefined without a file, and for a file it cannot read (with a warning)", async () => {
    const warnings: ScanWarning[] = [];
    assert.equal(await readDovecotSubscriptions(root(), { onWarning: (w) => warnings.push(w) }), undefined);
    assert.deepEqual(warnings, []);
    const r = root();
    mkdirSync(join(r, "subscriptions"));
    const dir: ScanWarning[] = [];
    assert.equal(await readDovecotSubscriptions(r, { onWarning: (w) => dir.push(w) }), undefined);
    assert.equal(dir.length, 1);
    assert.equal(dir[0].code, "EISDIR");
    assert.match(dir[0].reason, new RegExp(`^Cannot read "${join(r, "subscriptions")}": .*; no subscriptions are imported$`));
    const failing = {
      ...nodeScanFs,
      open: () => Promise.reject(Object.assign(new Error("EIO: i/o error"), { code: "EIO" })),
    };
    const eio: ScanWarning[] = [];
    assert.equal(await readDovecotSubscriptions(root("A\n"), { fs: failing, onWarning: (w) => eio.push(w) }), undefined);
    assert.equal(eio[0].code, "EIO");
    assert.match(eio[0].reason, /input\/output error \(EIO\)/);
  });

  it("decodes UTF-8 across its read chunks and skips lines that are not valid UTF-8", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) lines.push(`Ordner ${i} &AOQ-\tUnter ${i}`);
    const want = lines.map((_, i) => `Ordner ${i} ä/Unter ${i}`);
    assert.deepEqual(await readDovecotSubscriptions(root("V\t2\n\n" + lines.join("\n") + "\n")), want);
    const raw = new Uint8Array([...new TextEncoder().encode("V\t2\n\nA\nB"), 0xff, 0x0a, ...new TextEncoder().encode("C\n")]);
    const warnings: ScanWarning[] = [];
    assert.deepEqual(await readDovecotSubscriptions(root(raw), { onWarning: (w) => warnings.push(w) }), ["A", "C"]);
    assert.match(warnings[0].reason, /line 4 .* not valid UTF-8/);
  });
});
