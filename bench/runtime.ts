/**
 * The runtime running a benchmark, with its version, for the tables'
 * headings: one copy for every bench script.
 *
 * @module
 */
import process from "node:process";

/**
 * The runtime's name and version, e.g. "Node 20.20.2", "Deno 2.9.6" or "Bun 1.4.5".
 *
 * @example The heading of a table
 * ```ts
 * import { runtimeVersion } from "./runtime.ts";
 * console.log(`## ${runtimeVersion()}`);
 * ```
 */
export function runtimeVersion(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno !== undefined) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun !== undefined) return `Bun ${g.Bun.version}`;
  return `Node ${process.versions.node}`;
}
