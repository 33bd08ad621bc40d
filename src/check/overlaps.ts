/**
 * The byte ranges of the structures a check finds in a list file, to catch
 * two that overlap.
 *
 * @module
 */
import type { Problems } from "./problems.ts";

/**
 * Byte ranges `[start, end)` of structures, each with what it is.
 *
 * @example Two directories that overlap
 * ```ts
 * import { Extents } from "./overlaps.ts";
 * import { Problems } from "./problems.ts";
 * const extents = new Extents();
 * extents.add(0, 28, "the header");
 * extents.add(28, 56, "the root directory (copy at 28)");
 * extents.add(40, 52, "the directory of \"a\" (copy at 40)");
 * const problems = new Problems(10);
 * extents.reportOverlaps(problems, "u.mlist");
 * console.log(problems.errors[0].message); // the directory of "a" (copy at 40) overlaps the root directory (copy at 28)
 * ```
 */
export class Extents {
  readonly #start: number[] = [];
  readonly #end: number[] = [];
  readonly #what: string[] = [];

  /** Note the structure `what` at bytes `[start, end)`. */
  add(start: number, end: number, what: string): void {
    this.#start.push(start);
    this.#end.push(end);
    this.#what.push(what);
  }

  /** Report as an error of `file` every structure that starts inside an earlier one. */
  reportOverlaps(problems: Problems, file: string): void {
    const start = this.#start, end = this.#end;
    const order = start.map((_, i) => i).sort((a, b) => start[a] - start[b] || end[a] - end[b]);
    let maxEnd = 0;
    let maxWhat = "";
    for (const i of order) {
      if (start[i] < maxEnd) problems.error(file, start[i], `${this.#what[i]} overlaps ${maxWhat}`);
      if (end[i] > maxEnd) {
        maxEnd = end[i];
        maxWhat = this.#what[i];
      }
    }
  }
}
