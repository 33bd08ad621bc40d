/**
 * The words of the `list` command's `--select` and `--return` options:
 * comma-separated LIST-EXTENDED options, in any case, such as
 * `subscribed,recursivematch` and `children,special-use,status=messages+unseen`.
 *
 * @module
 */
import type { ListReturnOptions, ListSelectOptions } from "../imap/list_options.ts";
import { STATUS_ITEMS, type StatusItem } from "../imap/status_items.ts";
import { UsageError } from "./errors.ts";

/** The words of `--select`. */
const SELECT_WORDS = ["subscribed", "remote", "recursivematch", "special-use"];

/** The words of `--return`. */
const RETURN_WORDS = ["subscribed", "children", "special-use", "status=ITEM+ITEM…"];

/** The comma-separated words of an option's value, lower case. */
function words(value: string): string[] {
  return value.split(",").map((w) => w.trim().toLowerCase());
}

/**
 * The value of `--select` as LIST-EXTENDED selection options.
 *
 * @param value The option's value, such as `subscribed,recursivematch`.
 * @returns The selection options.
 * @throws UsageError for an unknown word, or `recursivematch` without `subscribed`.
 *
 * @example LIST (SUBSCRIBED RECURSIVEMATCH)
 * ```ts
 * import { selectOption } from "./list_options.ts";
 * console.log(selectOption("subscribed,RecursiveMatch")); // { subscribed: true, recursiveMatch: true }
 * ```
 */
export function selectOption(value: string): ListSelectOptions {
  const select: ListSelectOptions = {};
  for (const word of words(value)) {
    if (word === "subscribed") select.subscribed = true;
    else if (word === "remote") select.remote = true;
    else if (word === "recursivematch") select.recursiveMatch = true;
    else if (word === "special-use") select.specialUse = true;
    else {
      throw new UsageError(`Invalid --select ${JSON.stringify(word)}: expected a list of ${SELECT_WORDS.join(", ")}`);
    }
  }
  if (select.recursiveMatch === true && select.subscribed !== true) {
    throw new UsageError(`Invalid --select ${JSON.stringify(value)}: recursivematch needs subscribed`);
  }
  return select;
}

/**
 * The value of `--return` as LIST-EXTENDED return options; `status=` takes
 * STATUS items joined by `+`.
 *
 * @param value The option's value, such as `children,status=messages+unseen`.
 * @returns The return options.
 * @throws UsageError for an unknown word or STATUS item.
 *
 * @example RETURN (CHILDREN STATUS (MESSAGES UNSEEN))
 * ```ts
 * import { returnOption } from "./list_options.ts";
 * console.log(returnOption("children,status=messages+unseen")); // { children: true, status: ["MESSAGES", "UNSEEN"] }
 * ```
 */
export function returnOption(value: string): ListReturnOptions {
  const ret: ListReturnOptions = {};
  for (const word of words(value)) {
    if (word === "subscribed") ret.subscribed = true;
    else if (word === "children") ret.children = true;
    else if (word === "special-use") ret.specialUse = true;
    else if (word.startsWith("status=")) {
      const items: StatusItem[] = [...(ret.status ?? [])];
      for (const name of word.slice(7).split("+")) {
        const item = name.trim().toUpperCase();
        if (!(STATUS_ITEMS as readonly string[]).includes(item)) {
          throw new UsageError(
            `Invalid --return STATUS item ${JSON.stringify(name)}: expected ${STATUS_ITEMS.map((i) => i.toLowerCase()).join(", ")}`,
          );
        }
        if (!items.includes(item as StatusItem)) items.push(item as StatusItem);
      }
      ret.status = items;
    } else {
      throw new UsageError(`Invalid --return ${JSON.stringify(word)}: expected a list of ${RETURN_WORDS.join(", ")}`);
    }
  }
  return ret;
}
