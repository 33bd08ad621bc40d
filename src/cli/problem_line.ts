/**
 * One problem of a check or a dump as the tool prints it.
 *
 * @module
 */
import type { CheckProblem } from "../check/problems.ts";

/**
 * The line of one problem.
 *
 * @param p The problem.
 * @returns For example `error: "u.mlist" at offset 40: uid is 0`.
 *
 * @example An error
 * ```ts
 * import { problemLine } from "./problem_line.ts";
 * console.log(problemLine({ severity: "error", file: "u.mlist", offset: 40, message: "uid is 0" }));
 * ```
 */
export function problemLine(p: CheckProblem): string {
  return `${p.severity}: "${p.file}" at offset ${p.offset}: ${p.message}`;
}
