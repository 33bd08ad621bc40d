/**
 * Sharing a rebuild's units among its workers (SPEC §8): by the number of
 * names routed to each unit, biggest first, each to the worker with the
 * least work so far, so that the workers finish building at about the same
 * time. Which worker builds a unit changes no byte of the result.
 *
 * @module
 */

/**
 * Share units among workers, biggest first, each to the least loaded worker
 * (the lowest-numbered among equals); a unit weighs its names plus one.
 *
 * @param counts Names routed to each unit.
 * @param units Number of units.
 * @param workers Number of workers (≥ 1).
 * @returns Per worker, its units in ascending order; every unit is in exactly one list.
 *
 * @example Three units on two workers
 * ```ts
 * import { assignUnits } from "./shares.ts";
 * console.log(assignUnits([500, 300, 250], 3, 2)); // [ [ 0 ], [ 1, 2 ] ]
 * ```
 */
export function assignUnits(counts: ArrayLike<number>, units: number, workers: number): number[][] {
  const order = Array.from({ length: units }, (_, u) => u).sort((a, b) => counts[b] - counts[a] || a - b);
  const load = new Float64Array(workers);
  const mine: number[][] = Array.from({ length: workers }, () => []);
  for (const u of order) {
    let w = 0;
    for (let k = 1; k < workers; k++) if (load[k] < load[w]) w = k;
    mine[w].push(u);
    load[w] += counts[u] + 1;
  }
  for (const list of mine) list.sort((a, b) => a - b);
  return mine;
}
