/**
 * The coordinator of a rebuild (SPEC §8). The names are encoded once into
 * shared memory; a plan made from a sample splits the hierarchy into units
 * (by top-level mailbox, and deeper where one holds more than its share —
 * INBOX, usually); the workers route every name to its unit, build their
 * units and report their sizes; the coordinator lays out the whole file in
 * depth-first pre-order and numbers the UIDs in the same order; the workers
 * write their units straight into the shared output images; the
 * coordinator writes the split directories and, once the file_seq is
 * known, the headers last. The bytes are the same for any number of
 * workers, and the same as in one thread. Where the workers run is
 * src/rebuild/executors.ts.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE } from "../format/attr_codec.ts";
import { MAX_FILE_SIZE, MAX_UID } from "../format/constants.ts";
import { IndexLimitError, type InvalidNameError } from "../format/errors.ts";
import { INVALID_EMPTY, invalidNameError, type NameLimits, nameProblemOf, type TreeLimits } from "../format/limits.ts";
import { decodeName } from "../format/name_codec.ts";
import type { RebuildExecutor } from "./executors.ts";
import { READ_CHUNK, readNames } from "./input.ts";
import {
  type Layout,
  layoutRebuild,
  mergeSplitFacts,
  type SplitFacts,
  writeCoordinatorParts,
  writeRebuildHeaders,
} from "./layout.ts";
import { allocate, type NameTable, type RebuildInput } from "./names.ts";
import { PLAN_SAMPLE, planSplit, type RouteResult, singleUnitPlan, type SplitPlan, splitPath } from "./plan.ts";
import type { FaultKind, MeasuredUnit, PlacedUnit, UnitJob } from "./protocol.ts";
import { assignUnits } from "./shares.ts";
import { TreeUnit } from "./tree_build.ts";
import type { InvalidName } from "./unit.ts";

/**
 * A failure to inject into one worker, for tests of failure handling.
 *
 * @example Worker 1 exits while it builds
 * ```ts
 * import type { RebuildFault } from "./coordinator.ts";
 * const fault: RebuildFault = { worker: 1, phase: "build", how: "exit" };
 * ```
 */
export interface RebuildFault {
  /** Which worker. */
  worker: number;
  /** During which task. */
  phase: "route" | "build" | "write";
  /** Throw from the task, exit the thread, or crash it with an uncaught error. */
  how: FaultKind;
}

/**
 * What a rebuild builds from, besides its names.
 *
 * @example Parameters with a test hook
 * ```ts
 * import { limitsOf } from "../format/limits.ts";
 * import { paramsOf, type RebuildParams } from "./coordinator.ts";
 * const params: RebuildParams = { ...paramsOf(0x2f, 7, 1, limitsOf({}), "u.mlist"), units: 64 };
 * ```
 */
export interface RebuildParams {
  /** Separator byte. */
  separator: number;
  /** Name limits. */
  limits: TreeLimits;
  /** Largest list file in bytes (at most the format's 1 GiB). */
  maxFileSize: number;
  /** uid_validity of the new index. */
  uidValidity: number;
  /**
   * file_seq of the new list file; undefined leaves both headers unwritten,
   * for {@linkcode writeRebuildHeaders} once the caller knows it (a rebuild
   * learns it under the writer lock, after building).
   */
  fileSeq: number | undefined;
  /** Path of the index, for error messages. */
  file: string;
  /** Units to aim for (default: 8 per worker, or 1 with one worker). */
  units?: number;
  /** Test hook: make one worker fail. */
  fault?: RebuildFault;
  /** Called when a phase starts: routing, the units' build, the layout, writing the images. */
  onPhase?: (phase: "route" | "build" | "layout" | "write") => void;
}

/**
 * The new images of a rebuild, before they are written.
 *
 * @example Sizes of the images
 * ```ts
 * import { limitsOf } from "../format/limits.ts";
 * import { paramsOf, rebuildImagesHere } from "./coordinator.ts";
 * import { readNames } from "./input.ts";
 * const img = rebuildImagesHere(await readNames(["a"], false), paramsOf(0x2f, 7, 1, limitsOf({}), "u.mlist"));
 * console.log(img.list.length, img.attr.length); // 58 80
 * ```
 */
export interface RebuildImages {
  /** List file bytes `[0, used_space)`. */
  list: Uint8Array;
  /** Attribute file bytes. */
  attr: Uint8Array;
  /** Mailboxes in the new index (implied parents included). */
  count: number;
}

function tableNameError(names: NameTable, bad: InvalidName, limits: TreeLimits): InvalidNameError {
  const name = decodeName(names.bytes, names.starts[bad.index], names.starts[bad.index + 1] - 1);
  return invalidNameError(name, nameProblemOf(bad.reason, bad.detail), limits);
}

/** Both headers, when the parameters give the file_seq. */
function writeHeadersIfKnown(list: Uint8Array, attr: Uint8Array, records: number, params: RebuildParams): void {
  if (params.fileSeq === undefined) return;
  writeRebuildHeaders(list, attr, records, {
    uidValidity: params.uidValidity,
    fileSeq: params.fileSeq,
    separator: params.separator,
  });
}

/** The file size and UID limits, checked before anything is written. */
function checkLimits(layout: Layout, params: RebuildParams): void {
  const maxSize = Math.min(params.maxFileSize, MAX_FILE_SIZE);
  if (layout.usedSpace > maxSize) {
    throw new IndexLimitError(
      params.file,
      `the rebuilt list file needs ${layout.usedSpace} bytes, more than the limit of ${maxSize}`,
    );
  }
  if (layout.records > MAX_UID) {
    throw new IndexLimitError(params.file, `${layout.records} mailboxes need more than the ${MAX_UID} UIDs an index has`);
  }
}


/** Units to aim for with `workers` workers. */
function unitsFor(params: RebuildParams, workers: number): number {
  return params.units ?? (workers <= 1 ? 1 : 8 * workers);
}

/**
 * Every name routed to its unit, with what routing found out.
 *
 * @example Routing that came with the names
 * ```ts ignore
 * const { names, routing } = await readRouted(list, pool, params);
 * const images = await rebuildImages(names, params, pool, routing);
 * ```
 */
export interface Routing {
  /** The plan. */
  plan: SplitPlan;
  /** Target per name (shared). */
  unitOf: Uint16Array;
  /** What each routing task found out. */
  routed: RouteResult[];
}

/**
 * Read an array of names into shared memory while the workers route them:
 * the plan is made first from a sample of the strings, and each chunk of
 * names is routed by a worker as soon as it is read, so that routing costs
 * no time of its own when a core is free while the coordinator encodes.
 * Small inputs, one-unit plans, and plans whose split names turn out to
 * share a hash with another name are left to {@linkcode rebuildImages}
 * (routing undefined).
 *
 * @param source The names (strings or scanner records).
 * @param exec Where the workers run.
 * @param params Separator, limits, units, and test hooks.
 * @param onRead Called now and then with the number of names read so far.
 * @returns The names, and their routing when it was done.
 * @throws TypeError for an item that is neither a name nor a scanner record; the error of a failed worker.
 *
 * @example Read and route on two workers in this thread
 * ```ts
 * import { limitsOf } from "../format/limits.ts";
 * import { paramsOf, readRouted, rebuildImages } from "./coordinator.ts";
 * import { LocalRebuildExecutor } from "./executors.ts";
 * const list = Array.from({ length: 70000 }, (_, i) => `INBOX/f${i % 700}/m${i}`);
 * const exec = new LocalRebuildExecutor(2);
 * const params = paramsOf(0x2f, 7, 1, limitsOf({}), "x.mlist");
 * const { names, routing } = await readRouted(list, exec, params);
 * console.log(routing !== undefined, (await rebuildImages(names, params, exec, routing)).count); // true 70701
 * ```
 */
export async function readRouted(
  source: readonly RebuildInput[],
  exec: RebuildExecutor,
  params: RebuildParams,
  onRead?: (count: number) => void,
): Promise<{ names: NameTable; routing: Routing | undefined }> {
  const workers = exec.size, n = source.length;
  let plan: SplitPlan | undefined;
  if (unitsFor(params, workers) > 1 && n > READ_CHUNK) {
    const take = Math.min(n, PLAN_SAMPLE);
    const sample = Array.from({ length: take }, (_, k) => source[Math.floor((k * n) / take)]);
    try {
      plan = planSplit(await readNames(sample, false), params.separator, params.limits, unitsFor(params, workers));
    } catch {
      plan = undefined; // an item that is not a name: reading them all reports the first one
    }
    if (plan !== undefined && plan.unitCount === 1 && plan.splitCount === 1) plan = undefined;
  }
  if (plan === undefined) return { names: await readNames(source, exec.shared, onRead), routing: undefined };
  const unitOf = new Uint16Array(allocate(2 * n, exec.shared));
  const pending: Promise<RouteResult>[] = [];
  const chunkPlan = plan;
  params.onPhase?.("route");
  const names = await readNames(source, exec.shared, onRead, undefined, (soFar, from, to) => {
    const w = pending.length % workers;
    const fault = params.fault?.worker === w && params.fault.phase === "route" && pending.length < workers
      ? params.fault.how
      : undefined;
    const task = exec.run(w, "routeChunk", { names: soFar, separator: params.separator, plan: chunkPlan, from, to, unitOf, fault });
    task.catch(() => {}); // awaited below; not unhandled meanwhile
    pending.push(task);
  });
  const routed = await Promise.all(pending);
  if (routed.some((r) => r.collisions.length > 0)) return { names, routing: undefined };
  return { names, routing: { plan, unitOf, routed } };
}

/** Route every name, re-planning without the splits whose hash turned out to collide. */
async function route(
  names: NameTable,
  params: RebuildParams,
  exec: RebuildExecutor,
  workers: number,
): Promise<{ plan: SplitPlan; unitOf: Uint16Array | undefined; routed: RouteResult[] }> {
  const units = unitsFor(params, workers);
  const noSplit = new Set<string>();
  for (;;) {
    const plan = planSplit(names, params.separator, params.limits, units, noSplit);
    if (plan.unitCount === 1 && plan.splitCount === 1) return { plan, unitOf: undefined, routed: [] };
    if (plan.unitCount + plan.splitCount > 0xffff) throw new RangeError(`Too many rebuild units: ${plan.unitCount}`);
    params.onPhase?.("route");
    const n = names.count;
    const unitOf = new Uint16Array(allocate(2 * Math.max(1, n), exec.shared));
    const routed = await Promise.all(
      Array.from({ length: workers }, (_, w) =>
        exec.run(w, "route", {
          plan,
          from: Math.floor((n * w) / workers),
          to: Math.floor((n * (w + 1)) / workers),
          unitOf,
          fault: params.fault?.worker === w && params.fault.phase === "route" ? params.fault.how : undefined,
        })),
    );
    const collided = new Set<number>();
    for (const r of routed) for (const c of r.collisions) collided.add(c);
    if (collided.size === 0) return { plan, unitOf, routed };
    for (const c of collided) noSplit.add(splitPath(plan, params.separator, c));
  }
}

/**
 * Build the images of a fresh index from a table of names on an executor.
 *
 * @param names The names (in shared memory when `exec` is a thread pool).
 * @param params Separator, limits, header fields, and test hooks.
 * @param exec Where the workers run.
 * @param routing The names' routing, when {@linkcode readRouted} did it while reading them.
 * @returns The images; byte-identical for any executor and any number of workers.
 * @throws InvalidNameError naming the first name (in input order) the index cannot hold; IndexLimitError when the file would pass its size limit or the UIDs run out; the error of a failed worker.
 *
 * @example In this thread
 * ```ts
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { rebuildImages } from "./coordinator.ts";
 * import { LocalRebuildExecutor } from "./executors.ts";
 * import { readNames } from "./input.ts";
 * const names = await readNames(["INBOX", "Archive/2009"], false);
 * const img = await rebuildImages(names, {
 *   separator: 0x2f, limits: DEFAULT_LIMITS, maxFileSize: 1 << 30,
 *   uidValidity: 7, fileSeq: 1, file: "x.mlist",
 * }, new LocalRebuildExecutor(1));
 * console.log(img.count); // 3
 * ```
 */
export async function rebuildImages(
  names: NameTable,
  params: RebuildParams,
  exec: RebuildExecutor,
  routing?: Routing,
): Promise<RebuildImages> {
  const workers = exec.size;
  const faultFor = (w: number, phase: RebuildFault["phase"]): FaultKind | undefined =>
    params.fault?.worker === w && params.fault.phase === phase ? params.fault.how : undefined;
  await Promise.all(
    Array.from({ length: workers }, (_, w) =>
      exec.run(w, "load", { names, separator: params.separator, limits: params.limits })),
  );
  const { plan, unitOf, routed } = routing ?? await route(names, params, exec, workers);

  // Build: units shared among the workers by their number of names.
  params.onPhase?.("build");
  const counts = new Float64Array(plan.unitCount);
  if (routed.length === 0) counts[0] = names.count;
  for (const r of routed) for (let u = 0; u < plan.unitCount; u++) counts[u] += r.counts[u];
  const mine = assignUnits(counts, plan.unitCount, workers);
  const job = (u: number): UnitJob => ({ unit: u, skip: plan.splitDepth[plan.unitSplit[u]], count: counts[u] });
  const built = await Promise.all(
    mine.map((list, w) => exec.run(w, "build", { unitOf, units: list.map(job), fault: faultFor(w, "build") })),
  );
  const measures: MeasuredUnit[] = new Array(plan.unitCount);
  for (const b of built) for (const m of b.units) measures[m.unit] = m;
  let bad: InvalidName | undefined;
  for (const r of routed) {
    if (r.firstEmpty >= 0 && (bad === undefined || r.firstEmpty < bad.index)) {
      bad = { index: r.firstEmpty, reason: INVALID_EMPTY, detail: 0 };
    }
  }
  for (const m of measures) if (m.invalid !== undefined && (bad === undefined || m.invalid.index < bad.index)) bad = m.invalid;
  if (bad !== undefined) throw tableNameError(names, bad, params.limits);

  // Layout, then the workers write their units into the shared images.
  params.onPhase?.("layout");
  const layout: Layout = layoutRebuild(plan, measures);
  checkLimits(layout, params);
  params.onPhase?.("write");
  const list = new Uint8Array(allocate(layout.usedSpace, exec.shared));
  const attr = new Uint8Array(allocate(ATTR_HEADER_SIZE + layout.records * ATTR_ENTRY_SIZE, exec.shared));
  await Promise.all(
    mine.map((list_, w) => {
      const placements: PlacedUnit[] = list_.map((u) => ({ unit: u, ...layout.units[u] }));
      return exec.run(w, "write", { list, attr, placements, fault: faultFor(w, "write") });
    }),
  );
  const facts: SplitFacts = mergeSplitFacts(plan, routed);
  writeCoordinatorParts(list, attr, names, plan, layout, facts);
  writeHeadersIfKnown(list, attr, layout.records, params);
  await Promise.all(Array.from({ length: workers }, (_, w) => exec.run(w, "reset", {})));
  return { list, attr, count: layout.records };
}

/**
 * Build the images of a fresh index in this thread, as one unit, without
 * worker tasks or shared memory.
 *
 * @param names The names.
 * @param params Separator, limits and header fields.
 * @returns The images.
 * @throws InvalidNameError, IndexLimitError as {@linkcode rebuildImages}.
 *
 * @example One unit, no workers
 * ```ts
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { rebuildImagesHere } from "./coordinator.ts";
 * import { readNames } from "./input.ts";
 * const names = await readNames(["a/b/c"], false);
 * const img = rebuildImagesHere(names, {
 *   separator: 0x2f, limits: DEFAULT_LIMITS, maxFileSize: 1 << 30,
 *   uidValidity: 7, fileSeq: 1, file: "x.mlist",
 * });
 * console.log(img.count); // 3
 * ```
 */
export function rebuildImagesHere(names: NameTable, params: RebuildParams): RebuildImages {
  const unit = new TreeUnit(names, params.separator, params.limits);
  params.onPhase?.("build");
  const m = unit.build(null, names.count, 0);
  if (m.invalid !== undefined) throw tableNameError(names, m.invalid, params.limits);
  params.onPhase?.("layout");
  const plan = singleUnitPlan();
  const layout = layoutRebuild(plan, [m]);
  checkLimits(layout, params);
  params.onPhase?.("write");
  const list = new Uint8Array(layout.usedSpace);
  const attr = new Uint8Array(ATTR_HEADER_SIZE + layout.records * ATTR_ENTRY_SIZE);
  unit.write(list, attr, layout.units[0]);
  writeCoordinatorParts(list, attr, names, plan, layout, mergeSplitFacts(plan, []));
  writeHeadersIfKnown(list, attr, layout.records, params);
  return { list, attr, count: layout.records };
}
/**
 * The parameters of a rebuild without test hooks.
 *
 * @param separator Separator byte.
 * @param uidValidity uid_validity of the new index.
 * @param fileSeq file_seq of the new list file (undefined: the headers are left to the caller).
 * @param limits Name and size limits.
 * @param file Path of the index, for errors.
 * @returns The parameters.
 *
 * @example The parameters of a rebuild
 * ```ts
 * import { limitsOf } from "../format/limits.ts";
 * import { paramsOf } from "./coordinator.ts";
 * console.log(paramsOf(0x2f, 7, 1, limitsOf({}), "u.mlist").limits.maxDepth); // 255
 * ```
 */
export function paramsOf(
  separator: number,
  uidValidity: number,
  fileSeq: number | undefined,
  limits: NameLimits,
  file: string,
): RebuildParams {
  return {
    separator,
    limits: { maxComponentLength: limits.maxComponentLength, maxDepth: limits.maxDepth, maxNameLength: limits.maxNameLength },
    maxFileSize: limits.maxFileSize,
    uidValidity,
    fileSeq,
    file,
  };
}
