/**
 * Test helpers for the GUIDs of attribute images (SPEC §12): the GUID rule
 * checked over a whole image, and the image with its GUIDs zeroed, for
 * comparing images whose GUIDs are random.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  ATTR_ENTRY_FIELD,
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  attrEntryFlagWord,
  attrEntryHasGuid,
  decodeAttrHeader,
  isAttrEntryDeleted,
} from "../../src/format/attr_codec.ts";
import { MailboxFlags } from "../../src/format/constants.ts";
import { GUID_SIZE } from "../../src/format/guid.ts";

/**
 * Assert that every live entry of a version-2 image follows the GUID rule:
 * a mailbox has a GUID, a NONEXISTENT placeholder none.
 *
 * @param attr The attribute image.
 * @param what What the image is, for the message.
 * @returns The number of GUIDs.
 */
export function assertGuidRule(attr: Uint8Array, what: string): number {
  const h = decodeAttrHeader(attr, attr.length, what);
  assert.equal(h.entrySize, ATTR_ENTRY_SIZE, `${what}: a version-2 file`);
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  let n = 0;
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < h.count; i++, pos += ATTR_ENTRY_SIZE) {
    if (isAttrEntryDeleted(dv, pos)) continue;
    const placeholder = (attrEntryFlagWord(dv, pos) & MailboxFlags.NonExistent) !== 0;
    assert.equal(attrEntryHasGuid(attr, pos), !placeholder, `${what}: entry ${i} (${placeholder ? "a placeholder" : "a mailbox"})`);
    if (!placeholder) n++;
  }
  return n;
}

/**
 * A copy of a version-2 image with every GUID zeroed, after checking the GUID rule.
 *
 * @param attr The attribute image.
 * @param what What the image is, for the message.
 * @returns The copy.
 */
export function withoutGuids(attr: Uint8Array, what = "attribute file"): Uint8Array {
  assertGuidRule(attr, what);
  const out = attr.slice();
  const count = decodeAttrHeader(attr, attr.length, what).count;
  for (let i = 0, pos = ATTR_HEADER_SIZE + ATTR_ENTRY_FIELD.guid; i < count; i++, pos += ATTR_ENTRY_SIZE) {
    out.fill(0, pos, pos + GUID_SIZE);
  }
  return out;
}
