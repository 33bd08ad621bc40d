/**
 * The problems a check finds, and the collector that keeps them: errors
 * make an index unusable or its answers wrong, warnings are oddities a
 * reader survives.
 *
 * @module
 */

/**
 * One thing {@linkcode checkIndex} found wrong. Errors make the index
 * unusable or its answers wrong; warnings are oddities a reader survives.
 *
 * @example Printing a problem
 * ```ts
 * import type { CheckProblem } from "./problems.ts";
 * const p: CheckProblem = { severity: "error", file: "/tmp/u.mlist", offset: 40, message: "uid is 0" };
 * console.log(`${p.severity}: "${p.file}" at offset ${p.offset}: ${p.message}`);
 * ```
 */
export interface CheckProblem {
  /** "error" (corruption) or "warning". */
  severity: "error" | "warning";
  /** The file the problem is in. */
  file: string;
  /** Byte offset in that file where the check looked. */
  offset: number;
  /** What is wrong, in words. */
  message: string;
}

/**
 * Problems in the order found, at most `max` of each severity listed, all
 * of them counted.
 *
 * @example Collecting and listing
 * ```ts
 * import { Problems } from "./problems.ts";
 * const p = new Problems(1);
 * p.warn("u.mlist", 2, "the unused header bytes are not 0");
 * p.error("u.mlist", 40, "uid is 0");
 * p.error("u.mlist", 56, "uid is 0");
 * console.log(p.errorCount, p.all().map((x) => x.severity)); // 2 ["error", "warning"]
 * ```
 */
export class Problems {
  /** The errors listed. */
  readonly errors: CheckProblem[] = [];
  /** The warnings listed. */
  readonly warnings: CheckProblem[] = [];
  /** Errors found. */
  errorCount = 0;
  /** Warnings found. */
  warningCount = 0;

  /** @param max At most this many errors and this many warnings are listed. */
  constructor(readonly max: number) {}

  /** Note an error at `offset` of `file`. */
  error(file: string, offset: number, message: string): void {
    if (++this.errorCount <= this.max) this.errors.push({ severity: "error", file, offset, message });
  }

  /** Note a warning at `offset` of `file`. */
  warn(file: string, offset: number, message: string): void {
    if (++this.warningCount <= this.max) this.warnings.push({ severity: "warning", file, offset, message });
  }

  /** The listed problems: errors first, then warnings. */
  all(): CheckProblem[] {
    return [...this.errors, ...this.warnings];
  }
}

/**
 * A 32-bit word in hex as the reports write it.
 *
 * @param n The word.
 * @returns For example "0x0000002a".
 *
 * @example A hash
 * ```ts
 * import { hex } from "./problems.ts";
 * console.log(hex(42)); // "0x0000002a"
 * ```
 */
export function hex(n: number): string {
  return "0x" + (n >>> 0).toString(16).padStart(8, "0");
}
