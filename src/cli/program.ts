/**
 * The tool's name and version, as its help texts and error lines show them.
 *
 * @module
 */

/**
 * The tool's version (the package's).
 *
 * @example Printing the version
 * ```ts
 * import { VERSION } from "./program.ts";
 * console.log(VERSION); // "0.1.0"
 * ```
 */
export const VERSION = "0.1.0";

/**
 * The program name used in help texts and error lines.
 *
 * @example An error line
 * ```ts
 * import { PROGRAM } from "./program.ts";
 * console.error(`${PROGRAM} list: Missing --index FILE`);
 * ```
 */
export const PROGRAM = "mailbox-list-index";
