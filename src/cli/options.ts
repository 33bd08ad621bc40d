/**
 * Reading the options of a command: required and optional values, whole
 * numbers in a range, the separator, no stray arguments, and the words of
 * a `parseArgs` error.
 *
 * @module
 */
import type { CommandContext } from "./command.ts";
import { UsageError } from "./errors.ts";

/**
 * The value of a required option.
 *
 * @param ctx The command's context.
 * @param name The option, without "--".
 * @returns Its value.
 * @throws UsageError when it is missing or empty.
 *
 * @example The index of a command
 * ```ts ignore
 * const index = requireString(ctx, "index");
 * ```
 */
export function requireString(ctx: CommandContext, name: string): string {
  const v = ctx.values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`Missing --${name} ${name === "index" ? "FILE" : "VALUE"}`);
  return v;
}

/**
 * The value of an optional option.
 *
 * @param ctx The command's context.
 * @param name The option, without "--".
 * @returns Its value, or undefined when not given.
 * @throws UsageError when it is given empty.
 *
 * @example A LIST reference
 * ```ts ignore
 * const reference = optionalString(ctx, "reference") ?? "";
 * ```
 */
export function optionalString(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") throw new UsageError(`Option --${name} needs a value`);
  return v;
}

/**
 * The value of an optional option that is a whole number in a range.
 *
 * @param ctx The command's context.
 * @param name The option, without "--".
 * @param min Least value.
 * @param max Greatest value.
 * @returns The number, or undefined when not given.
 * @throws UsageError when it is not a whole number from `min` to `max`.
 *
 * @example Worker threads
 * ```ts ignore
 * const workers = intOption(ctx, "workers", 0, 256) ?? 0;
 * ```
 */
export function intOption(ctx: CommandContext, name: string, min: number, max: number): number | undefined {
  const v = optionalString(ctx, name);
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`Invalid --${name} ${JSON.stringify(v)}: expected a whole number from ${min} to ${max}`);
  }
  return Number(v);
}

/**
 * The values of an option that may be given more than once, in order.
 *
 * @param ctx The command's context.
 * @param name The option, without "--".
 * @returns Its values (none when not given).
 * @throws UsageError when one is given empty.
 *
 * @example Every --special-use
 * ```ts ignore
 * for (const v of stringList(ctx, "special-use")) console.log(v);
 * ```
 */
export function stringList(ctx: CommandContext, name: string): string[] {
  const v = ctx.values[name];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  for (const item of list) {
    if (typeof item !== "string" || item === "") throw new UsageError(`Option --${name} needs a value`);
  }
  return list as string[];
}

/**
 * The value of `--separator`: one byte other than NUL.
 *
 * @param ctx The command's context.
 * @returns The separator, or undefined when not given.
 * @throws UsageError for anything but one byte other than NUL.
 *
 * @example A rebuild's separator
 * ```ts ignore
 * const separator = separatorOption(ctx) ?? "/";
 * ```
 */
export function separatorOption(ctx: CommandContext): string | undefined {
  const s = optionalString(ctx, "separator");
  if (s === undefined) return undefined;
  if (new TextEncoder().encode(s).length !== 1 || s === "\0") {
    throw new UsageError(`Invalid --separator ${JSON.stringify(s)}: it must be one byte other than NUL`);
  }
  return s;
}

/**
 * Refuse arguments beyond the first `max`.
 *
 * @param ctx The command's context.
 * @param max How many arguments the command takes.
 * @returns Nothing.
 * @throws UsageError naming the first argument too many.
 *
 * @example A command that takes one pattern
 * ```ts ignore
 * noPositionals(ctx, 1);
 * ```
 */
export function noPositionals(ctx: CommandContext, max = 0): void {
  if (ctx.positionals.length > max) {
    throw new UsageError(`Unexpected argument ${JSON.stringify(ctx.positionals[max])}`);
  }
}

/**
 * The words of an error `parseArgs` threw, in the tool's sentence case.
 *
 * @param e The thrown value.
 * @returns One line.
 *
 * @example An unknown option
 * ```ts
 * import { parseArgs } from "node:util";
 * import { describeParseError } from "./options.ts";
 * try {
 *   parseArgs({ args: ["--colour"], options: {}, strict: true });
 * } catch (e) {
 *   console.log(describeParseError(e)); // Unknown option "--colour"
 * }
 * ```
 */
export function describeParseError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  let m = /Unknown option '([^']+)'/.exec(msg);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && m) return `Unknown option ${JSON.stringify(m[1])}`;
  m = /Option '([^' ]+)[^']*' argument missing/.exec(msg);
  if (m) return `Option ${JSON.stringify(m[1])} needs a value`;
  m = /Option '([^' ]+)[^']*' does not take an argument/.exec(msg);
  if (m) return `Option ${JSON.stringify(m[1])} takes no value`;
  m = /Option '([^' ]+)[^']*' argument is ambiguous/.exec(msg);
  if (m) return `Option ${JSON.stringify(m[1])} needs a value (write ${m[1]}=VALUE for one that starts with "-")`;
  return msg.split("\n")[0].split(". ")[0];
}
