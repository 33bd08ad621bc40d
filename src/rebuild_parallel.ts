/**
 * The coordinator of a parallel rebuild (SPEC §8). All names are encoded
 * once into shared memory. The hierarchy is split into units: the subtree
 * under each top-level mailbox, or — for a top-level mailbox holding more
 * than its fair share, like INBOX usually does — under each of its
 * children. Workers build the units' trees and report their sizes; the
 * coordinator builds the levels above the units itself, lays everything out
 * in depth-first pre-order (its own directories and the units' regions),
 * numbers the UIDs in the same pre-order, and the workers then write their
 * units, relocated, straight into the shared output images. The bytes are
 * the same as a single-thread rebuild's, whatever the number of workers.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, encodeAttrHeader } from "./attr_codec.ts";
import { HEADER_SIZE, MailboxFlags } from "./constants.ts";
import { IndexLimitError, InvalidNameError } from "./errors.ts";
import { encodeHeader } from "./header.ts";
import { NameEncoder } from "./name_codec.ts";
import { afterComponents, emptyImage } from "./rebuild_unit.ts";
import type { GatheredInput, RebuildImages } from "./rebuild.ts";
import { type NameLimits, SyncEngine } from "./sync.ts";
import { WorkerPool } from "./worker_pool.ts";
import type { BuildUnitsResult, RebuildWorkerApi, SharedNames } from "./worker_protocol.ts";

/** A failure to inject into one worker, for tests of failure handling. */
export interface RebuildFault {
  /** Which worker. */
  worker: number;
  /** Throw from the call, or exit the worker thread. */
  how: "throw" | "exit";
  /** Before which phase. */
  phase: "build" | "write";
}

/** Encode every name once, back to back, into shared memory with its extras. */
function shareNames(input: GatheredInput, sep: number, limits: NameLimits): SharedNames {
  const n = input.names.length;
  const enc = new NameEncoder();
  let bytes = new Uint8Array(Math.max(1024, n * 32));
  const offsets = new Int32Array(new SharedArrayBuffer(Math.max(8, n * 8)));
  const noSelect = new Uint8Array(new SharedArrayBuffer(Math.max(1, n)));
  const statusSet = new Uint8Array(new SharedArrayBuffer(Math.max(1, n)));
  const statusValues = new Uint32Array(new SharedArrayBuffer(Math.max(4, n * 20)));
  const hasExtras = input.status.size > 0 || input.noSelect.size > 0;
  let used = 0;
  for (let i = 0; i < n; i++) {
    const name = input.names[i];
    const len = enc.encode(name);
    if (used + len > bytes.length) {
      const grown = new Uint8Array(Math.max(bytes.length * 2, used + len));
      grown.set(bytes.subarray(0, used));
      bytes = grown;
    }
    bytes.set(enc.bytes.subarray(0, len), used);
    offsets[2 * i] = used;
    offsets[2 * i + 1] = used + len;
    used += len;
    if (hasExtras) {
      if (input.noSelect.has(name)) noSelect[i] = 1;
      const st = input.status.get(name);
      if (st !== undefined) {
        statusSet[i] = 1;
        statusValues[5 * i] = st.messages;
        statusValues[5 * i + 1] = st.unseen;
        statusValues[5 * i + 2] = st.recent;
        statusValues[5 * i + 3] = st.uidValidity;
        statusValues[5 * i + 4] = st.uidNext;
      }
    }
  }
  const shared = new SharedArrayBuffer(Math.max(1, used));
  new Uint8Array(shared).set(bytes.subarray(0, used));
  return {
    kind: "shared-names",
    bytes: shared,
    offsets: offsets.buffer as SharedArrayBuffer,
    noSelect: noSelect.buffer as SharedArrayBuffer,
    statusSet: statusSet.buffer as SharedArrayBuffer,
    statusValues: statusValues.buffer as SharedArrayBuffer,
    separator: sep,
    maxComponentLength: limits.maxComponentLength,
    maxDepth: limits.maxDepth,
    maxFileSize: limits.maxFileSize,
  };
}

/** Give an error that crossed a worker boundary its class back. */
function revive(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const proto = e.name === "InvalidNameError"
    ? InvalidNameError.prototype
    : e.name === "IndexLimitError"
    ? IndexLimitError.prototype
    : undefined;
  if (proto === undefined || Object.getPrototypeOf(e) === proto) return e;
  const err: Error = e;
  const revived = Object.create(proto) as Error;
  Object.assign(revived, { message: err.message, stack: err.stack });
  Object.defineProperty(revived, "name", { value: err.name, enumerable: false, writable: true });
  return revived;
}

/**
 * Build the images of a fresh index across `workers` worker threads.
 *
 * @param input Names and extras.
 * @param sep Separator byte.
 * @param uidValidity uid_validity of the new index.
 * @param fileSeq file_seq of the new list file.
 * @param limits Name limits.
 * @param workers Number of worker threads (≥ 1).
 * @param file Path, for errors.
 * @param fault A failure to inject (tests only).
 * @returns The images, byte-identical to {@linkcode buildImages}'s.
 *
 * @example
 * ```ts ignore
 * const images = await parallelRebuildImages(input, 0x2f, 7, 1, DEFAULT_LIMITS, 2, "/tmp/u.mlist");
 * ```
 */
export async function parallelRebuildImages(
  input: GatheredInput,
  sep: number,
  uidValidity: number,
  fileSeq: number,
  limits: NameLimits,
  workers: number,
  file: string,
  fault?: RebuildFault,
): Promise<RebuildImages> {
  const shared = shareNames(input, sep, limits);
  const n = input.names.length;
  const bytes = new Uint8Array(shared.bytes);
  const offsets = new Int32Array(shared.offsets);
  const noSelect = new Uint8Array(shared.noSelect);
  const statusSet = new Uint8Array(shared.statusSet);
  const statusValues = new Uint32Array(shared.statusValues);

  // The levels above the units, built here. On an empty image a node's id is
  // the UID add() returns before renumbering.
  const top = new SyncEngine(emptyImage(uidValidity, file), undefined, sep, { recursive: true }, limits);
  const addTop = (i: number, s: number, end: number, whole: boolean) => {
    const node = top.addBytes(bytes, s, end);
    if (whole && bytes[end - 1] !== sep) {
      if (noSelect[i] !== 0) top.orFlagsOfLast(MailboxFlags.NoSelect);
      if (statusSet[i] !== 0) {
        top.setStatusOfLast({
          messages: statusValues[5 * i],
          unseen: statusValues[5 * i + 1],
          recent: statusValues[5 * i + 2],
          uidValidity: statusValues[5 * i + 3],
          uidNext: statusValues[5 * i + 4],
        });
      }
    }
    return node;
  };
  /** End of the first `k` components (the separator right after them, or the name's end). */
  const endOf = (s: number, e: number, k: number) => {
    let i = s;
    for (let c = 0; c < k; c++) {
      while (i < e && bytes[i] === sep) i++;
      while (i < e && bytes[i] !== sep) i++;
    }
    return i;
  };

  // Level 1 for every name; count what lies below each top-level mailbox.
  const level1 = new Int32Array(n);
  const deeper1 = new Uint8Array(n);
  let below = new Int32Array(1024);
  for (let i = 0; i < n; i++) {
    const s = offsets[2 * i], e = offsets[2 * i + 1];
    const more = afterComponents(bytes, s, e, sep, 1) >= 0;
    const node = more ? addTop(i, s, endOf(s, e, 1) + 1, false) : addTop(i, s, e, true);
    level1[i] = node;
    if (more) {
      deeper1[i] = 1;
      if (node >= below.length) {
        const g = new Int32Array(Math.max(node + 1, below.length * 2));
        g.set(below);
        below = g;
      }
      below[node]++;
    }
  }
  // Split a top-level mailbox holding more than half a fair share by its children.
  const share = n / workers;
  const unitOf = new Int32Array(n).fill(-1);
  const unitRoot: number[] = [];
  const unitSkip: number[] = [];
  const unitIdOfNode = new Map<number, number>();
  const unitFor = (node: number, skip: number) => {
    let u = unitIdOfNode.get(node);
    if (u === undefined) {
      u = unitRoot.length;
      unitIdOfNode.set(node, u);
      unitRoot.push(node);
      unitSkip.push(skip);
    }
    return u;
  };
  for (let i = 0; i < n; i++) {
    if (deeper1[i] === 0) continue;
    const g = level1[i];
    if (workers > 1 && below[g] > share / 2) {
      const s = offsets[2 * i], e = offsets[2 * i + 1];
      const more = afterComponents(bytes, s, e, sep, 2) >= 0;
      const node = more ? addTop(i, s, endOf(s, e, 2) + 1, false) : addTop(i, s, e, true);
      if (more) unitOf[i] = unitFor(node, 2);
    } else {
      unitOf[i] = unitFor(g, 1);
    }
  }
  // Names of each unit, and units spread over the workers, biggest first.
  const units = unitRoot.length;
  const counts = new Int32Array(units);
  for (let i = 0; i < n; i++) if (unitOf[i] >= 0) counts[unitOf[i]]++;
  const unitNames = Array.from({ length: units }, (_, u) => new Int32Array(counts[u]));
  const fill = new Int32Array(units);
  for (let i = 0; i < n; i++) {
    const u = unitOf[i];
    if (u >= 0) unitNames[u][fill[u]++] = i;
  }
  const order = Array.from({ length: units }, (_, u) => u).sort((a, b) => counts[b] - counts[a] || a - b);
  const load = new Float64Array(workers);
  const mine: number[][] = Array.from({ length: workers }, () => []);
  for (const u of order) {
    let w = 0;
    for (let k = 1; k < workers; k++) if (load[k] < load[w]) w = k;
    mine[w].push(u);
    load[w] += counts[u];
  }

  const pool = await WorkerPool.start<RebuildWorkerApi>({ name: "workers/rebuild_worker" }, workers);
  try {
    const inject = async (w: number, phase: RebuildFault["phase"]) => {
      if (fault !== undefined && fault.worker === w && fault.phase === phase) {
        await pool.run(w, (api) => api.fault(fault.how));
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, w) => pool.run(w, (api) => api.init(shared))));
    // Phase 1: the workers build their units.
    const built: BuildUnitsResult[] = await Promise.all(
      mine.map(async (list, w) => {
        await inject(w, "build");
        return await pool.run(w, (api) =>
          api.build({
            kind: "build-units",
            units: list,
            names: list.map((u) => unitNames[u]),
            skip: list.map((u) => unitSkip[u]),
          }));
      }),
    );
    // Layout and UIDs of everything, in pre-order.
    for (const r of built) {
      for (let k = 0; k < r.units.length; k++) top.setExternal(unitRoot[r.units[k]], r.records[k], r.bytes[k]);
    }
    top.renumberPreorder();
    const plan = top.plan();
    const used = plan.header.usedSpace;
    const total = plan.header.nextUid - 1;
    const listOut = new SharedArrayBuffer(Math.max(used, HEADER_SIZE));
    const attrOut = new SharedArrayBuffer(ATTR_HEADER_SIZE + total * ATTR_ENTRY_SIZE);
    const list = new Uint8Array(listOut);
    const attr = new Uint8Array(attrOut);
    list.set(plan.append, plan.appendOffset);
    encodeHeader(list, { ...plan.header, fileSeq });
    if (plan.attr.kind !== "replace") throw new Error("A rebuild always writes a whole attribute file");
    const topEntries = plan.attr.image;
    const tdv = new DataView(topEntries.buffer, topEntries.byteOffset, topEntries.byteLength);
    for (let p = ATTR_HEADER_SIZE; p < topEntries.length; p += ATTR_ENTRY_SIZE) {
      const uid = tdv.getUint32(p, true);
      attr.set(topEntries.subarray(p, p + ATTR_ENTRY_SIZE), ATTR_HEADER_SIZE + (uid - 1) * ATTR_ENTRY_SIZE);
    }
    encodeAttrHeader(attr, {
      uidValidity,
      listFileSeq: fileSeq,
      nextUid: plan.header.nextUid,
      count: total,
      live: total,
      separator: sep,
    });
    // Phase 2: the workers write their units in place.
    await Promise.all(
      built.map(async (r, w) => {
        await inject(w, "write");
        return await pool.run(w, (api) =>
          api.write({
            kind: "write-units",
            units: r.units,
            offsets: r.units.map((u) => top.dirOffsetOfNode(unitRoot[u])),
            firstUids: r.units.map((u) => top.uidOfNode(unitRoot[u]) + 1),
            list: listOut,
            attr: attrOut,
          }));
      }),
    );
    return { list: list.slice(0, used), attr: attr.slice(), count: total };
  } catch (e) {
    throw revive(e);
  } finally {
    await pool.close();
  }
}
