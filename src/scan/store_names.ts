/**
 * Names as stores keep them on disk (SPEC §10): Dovecot writes each level
 * of a folder's name in IMAP modified UTF-7 (`.Entw&APw-rfe` for
 * "Entwürfe") unless it is configured for UTF-8. The scanners decode every
 * on-disk name component here; a component that is not valid modified
 * UTF-7 is kept as its literal text, with a warning, so that it still
 * lists. With `utf8Names` the components are taken as they are.
 *
 * @module
 */
import { tryDecodeModifiedUtf7 } from "../imap/utf7.ts";
import type { ScanWarning } from "./types.ts";

/**
 * The Unicode text of one on-disk name component: decoded from modified
 * UTF-7, or the component itself when `utf8Names` is set or when it is not
 * valid modified UTF-7.
 *
 * @param raw The component as the directory listing gives it.
 * @param utf8Names Take the component as it is.
 * @returns The text, and whether it was kept literally because it is not valid modified UTF-7.
 *
 * @example Three components
 * ```ts
 * import { decodeComponent } from "./store_names.ts";
 * console.log(decodeComponent("Entw&APw-rfe", false)); // { text: "Entwürfe", literal: false }
 * console.log(decodeComponent("Entwürfe", false)); // { text: "Entwürfe", literal: true }
 * console.log(decodeComponent("A&-B", true)); // { text: "A&-B", literal: false }
 * ```
 */
export function decodeComponent(raw: string, utf8Names: boolean): { text: string; literal: boolean } {
  if (utf8Names) return { text: raw, literal: false };
  const text = tryDecodeModifiedUtf7(raw);
  return text === undefined ? { text: raw, literal: true } : { text, literal: false };
}

/**
 * The warning about a folder directory whose name is not valid modified
 * UTF-7 and is kept as its literal text.
 *
 * @param dirName The directory's name (`.Entwürfe`, or one level of a directory-per-folder store).
 * @param path The folder's path, as warnings show it.
 * @param folder The mailbox name it gives.
 * @returns The warning.
 *
 * @example A Maildir++ folder with a raw UTF-8 name
 * ```ts
 * import { literalNameWarning } from "./store_names.ts";
 * console.log(literalNameWarning(".Entwürfe", "/srv/u/.Entwürfe", "Entwürfe").reason);
 * // Folder name ".Entwürfe" at "/srv/u/.Entwürfe" is not valid modified UTF-7: kept as "Entwürfe"
 * ```
 */
export function literalNameWarning(dirName: string, path: string, folder: string): ScanWarning {
  return {
    path,
    folder,
    reason: `Folder name ${JSON.stringify(dirName)} at "${path}" is not valid modified UTF-7: kept as ${
      JSON.stringify(folder)
    }`,
  };
}
