/**
 * The work of one rebuild worker, behind the task protocol of
 * src/rebuild/protocol.ts: split a name-list file's byte range into names,
 * route names, build units, write them. The same
 * code runs in worker threads and, for a rebuild without workers, in the
 * caller's thread.
 *
 * @module
 */
import type { NameTable } from "./names.ts";
import { type RouteResult, routeNames, type SplitPlan } from "./plan.ts";
import { DEFAULT_LIMITS, type TreeLimits } from "../format/limits.ts";
import { BuildScratch } from "./build_memory.ts";
import { TreeUnit } from "./tree_build.ts";
import { countRangeLines, splitRangeLines } from "./file_ranges.ts";
import type { FaultKind, MeasuredUnit, RebuildTasks, TaskWorkerApi } from "./protocol.ts";

/**
 * The state of one rebuild worker: its names and the units it built.
 *
 * @example Building one unit in this thread
 * ```ts
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { readNames } from "./input.ts";
 * import { RebuildWorkerState } from "./tasks.ts";
 * const names = await readNames(["a/b", "c"], false);
 * const w = new RebuildWorkerState((kind) => { throw new Error(kind); });
 * w.run("load", { names, separator: 0x2f, limits: DEFAULT_LIMITS });
 * const built = w.run("build", { unitOf: undefined, units: [{ unit: 0, skip: 0, count: 2 }] });
 * console.log(built.units[0].records); // 3
 * ```
 */
export class RebuildWorkerState implements TaskWorkerApi<RebuildTasks> {
  #names: NameTable | undefined;
  #separator = 0;
  #limits: TreeLimits = DEFAULT_LIMITS;
  #units = new Map<number, TreeUnit>();
  /** Working memory of this rebuild's builds, shared by its units (built one after another). */
  #scratch: BuildScratch | undefined;
  readonly #onFault: (kind: FaultKind) => void;

  /**
   * @param onFault What an injected fault does here (tests only): a worker
   *   thread exits or crashes, the caller's thread throws.
   */
  constructor(onFault: (kind: FaultKind) => void) {
    this.#onFault = onFault;
  }

  #fault(kind: FaultKind | undefined, task: string): void {
    if (kind === undefined) return;
    if (kind === "throw") throw new RangeError(`Injected failure of a rebuild worker during "${task}"`);
    this.#onFault(kind);
  }

  #loaded(): NameTable {
    if (this.#names === undefined) throw new Error("The rebuild worker was not given its names");
    return this.#names;
  }

  /**
   * Run one task.
   *
   * @param task The task's name.
   * @param request Its request.
   * @returns Its response.
   */
  run<K extends keyof RebuildTasks & string>(task: K, request: RebuildTasks[K]["request"]): RebuildTasks[K]["response"] {
    type Res = RebuildTasks[K]["response"];
    switch (task) {
      case "load": {
        const r = request as RebuildTasks["load"]["request"];
        this.#names = r.names;
        this.#separator = r.separator;
        this.#limits = r.limits;
        this.#units.clear();
        this.#scratch = undefined;
        return { loaded: r.names.count } as Res;
      }
      case "route": {
        const r = request as RebuildTasks["route"]["request"];
        return this.#route(this.#loaded(), this.#separator, r, task) as Res;
      }
      case "routeChunk": {
        const r = request as RebuildTasks["routeChunk"]["request"];
        return this.#route(r.names, r.separator, r, task) as Res;
      }
      case "build": {
        const r = request as RebuildTasks["build"]["request"];
        return { units: this.#build(r) } as Res;
      }
      case "write": {
        const r = request as RebuildTasks["write"]["request"];
        let written = 0;
        for (const p of r.placements) {
          if (written === 1) this.#fault(r.fault, task);
          const unit = this.#units.get(p.unit);
          if (unit === undefined) throw new Error(`Rebuild unit ${p.unit} was not built by this worker`);
          unit.write(r.list, r.attr, p);
          this.#units.delete(p.unit);
          written++;
        }
        if (written <= 1) this.#fault(r.fault, task);
        return { written } as Res;
      }
      case "countLines": {
        const r = request as RebuildTasks["countLines"]["request"];
        return countRangeLines(r.bytes, r.size, r.from, r.to) as Res;
      }
      case "splitLines": {
        const r = request as RebuildTasks["splitLines"]["request"];
        return splitRangeLines(r.bytes, r.range, r.linesBefore, r.label, r.starts, r.at) as Res;
      }
      case "reset": {
        this.#names = undefined;
        this.#units.clear();
        this.#scratch = undefined;
        return { reset: true } as Res;
      }
    }
    throw new Error(`Unknown rebuild task ${JSON.stringify(task)}`);
  }

  /** Route names `[from, to)` in two halves (an injected fault strikes between them). */
  #route(
    names: NameTable,
    separator: number,
    r: { plan: SplitPlan; from: number; to: number; unitOf: Uint16Array; fault?: FaultKind },
    task: string,
  ): RouteResult {
    const mid = r.from + ((r.to - r.from) >>> 1);
    const first = routeNames(names, separator, r.plan, r.from, mid, r.unitOf);
    this.#fault(r.fault, task);
    const second = routeNames(names, separator, r.plan, mid, r.to, r.unitOf);
    for (let k = 0; k < first.counts.length; k++) first.counts[k] += second.counts[k];
    for (const c of second.collisions) if (!first.collisions.includes(c)) first.collisions.push(c);
    for (let s = 0; s < first.splitLeaf.length; s++) {
      first.splitLeaf[s] |= second.splitLeaf[s];
      first.splitNoSelect[s] |= second.splitNoSelect[s];
      if (second.splitStatus[s] > first.splitStatus[s]) first.splitStatus[s] = second.splitStatus[s];
    }
    if (first.firstEmpty < 0) first.firstEmpty = second.firstEmpty;
    return first;
  }

  #build(r: RebuildTasks["build"]["request"]): MeasuredUnit[] {
    const names = this.#loaded();
    // The names of each unit, in input order, from one pass over the routing table.
    const lists = new Map<number, Int32Array>();
    if (r.unitOf !== undefined) {
      const slot = new Int32Array(65536).fill(-1);
      const fill: Int32Array[] = [];
      r.units.forEach((u, k) => {
        slot[u.unit] = k;
        fill.push(new Int32Array(u.count));
      });
      const used = new Int32Array(r.units.length);
      const unitOf = r.unitOf;
      for (let i = 0, n = names.count; i < n; i++) {
        const k = slot[unitOf[i]];
        if (k >= 0) fill[k][used[k]++] = i;
      }
      r.units.forEach((u, k) => lists.set(u.unit, fill[k].subarray(0, used[k])));
    }
    const out: MeasuredUnit[] = [];
    for (const job of r.units) {
      if (out.length === 1) this.#fault(r.fault, "build");
      this.#scratch ??= new BuildScratch();
      const unit = new TreeUnit(names, this.#separator, this.#limits, this.#scratch);
      const ids = lists.get(job.unit) ?? null;
      const m = unit.build(ids, ids === null ? names.count : ids.length, job.skip);
      this.#units.set(job.unit, unit);
      out.push({ unit: job.unit, ...m });
    }
    if (out.length <= 1) this.#fault(r.fault, "build");
    return out;
  }
}
