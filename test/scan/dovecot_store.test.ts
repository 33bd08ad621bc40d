// A store as Dovecot lays it out (test/helpers/dovecot_store.ts): the
// scanners decode its modified-UTF-7 folder names, take UIDNEXT past the
// uidlist headers' N and the GUIDs from their G, in one thread and sharded,
// and its version-2 subscriptions file gives the subscribed names.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { scanMaildir, type ScannedMailbox, scanStore, type ScanWarning } from "../../mod.ts";
import { readDovecotSubscriptions } from "../../src/scan/subscriptions.ts";
import { DOVECOT_FOLDERS, DOVECOT_SUBSCRIBED, writeDovecotStore } from "../helpers/dovecot_store.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const tmp = makeTempDir("mli-dovecot-store-");
after(() => tmp.cleanup());
const root = join(tmp.dir, "Maildir");
mkdirSync(root);
writeDovecotStore(root);

describe("a Dovecot-written Maildir++ store", () => {
  it("scans to the Unicode names, STATUS with UIDNEXT past N, and the GUIDs", async () => {
    const warnings: ScanWarning[] = [];
    const got: ScannedMailbox[] = [];
    for await (const m of scanMaildir(root, { onWarning: (w) => warnings.push(w) })) got.push(m);
    assert.deepEqual(warnings, []);
    const by = new Map(got.map((m) => [m.name, m]));
    assert.deepEqual([...by.keys()].sort(), DOVECOT_FOLDERS.map((f) => f.name).sort());
    for (const f of DOVECOT_FOLDERS) {
      const m = by.get(f.name)!;
      assert.equal(m.selectable, true, f.name);
      assert.equal(m.guid, f.guid, f.name);
      assert.equal(m.status!.messages, f.messages, f.name);
      assert.equal(m.status!.unseen, f.unseen, f.name);
      assert.equal(m.status!.uidValidity, f.uidValidity, f.name);
      assert.equal(m.status!.uidNext, Math.max(f.headerNext, f.lastUid + 1), f.name);
    }
    assert.deepEqual(await scanStore("maildir", root, { workers: 2 }), got);
  });

  it("has the subscriptions of its version-2 file", async () => {
    assert.deepEqual(await readDovecotSubscriptions(root, { separator: "/" }), DOVECOT_SUBSCRIBED);
  });
});
