/**
 * Reading a name-list file on rebuild workers: this thread only reads the
 * file's bytes into shared memory; each worker splits a byte range of them
 * into names, in place (src/rebuild/file_ranges.ts), by the one rule of a
 * name list that `readNameFile` follows in one thread, so that no pass over
 * the names runs in this thread alone. The table and the warnings, in the
 * same order, are `readNameFile`'s.
 *
 * @module
 */
import { nameListLabel } from "../format/name_lines.ts";
import type { RebuildExecutor } from "./executors.ts";
import { readNameFileBytes } from "./input.ts";
import { allocate, type NameTable } from "./names.ts";

/**
 * Read a name-list file into a table on the workers of `exec`: the bytes
 * are read here, into shared memory, and every worker splits a share of
 * them into names. The table and the warnings are those of `readNameFile`.
 *
 * @param path The file.
 * @param exec The workers.
 * @param onWarning Receives a message for each skipped line, in line order.
 * @returns The table, in shared memory.
 * @throws Error naming the file when it cannot be read; the error of a failed worker.
 *
 * @example On two workers in this thread
 * ```ts
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { LocalRebuildExecutor } from "./executors.ts";
 * import { readNameFileOn } from "./file_read.ts";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * writeFileSync(dir + "/names.txt", "INBOX\r\n\nArchive/2009\n");
 * console.log((await readNameFileOn(dir + "/names.txt", new LocalRebuildExecutor(2))).count); // 2
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function readNameFileOn(
  path: string,
  exec: RebuildExecutor,
  onWarning?: (message: string) => void,
): Promise<NameTable> {
  const { bytes, size } = readNameFileBytes(path, exec.shared);
  const workers = exec.size;
  const cut = (k: number) => Math.floor((size * k) / workers);
  const ranges = await Promise.all(
    Array.from({ length: workers }, (_, k) => exec.run(k, "countLines", { bytes, size, from: cut(k), to: cut(k + 1) })),
  );
  let total = 0;
  const before = ranges.map((r) => (total += r.lines) - r.lines);
  // Room for every line; a range's names start at its first line's place, and skipped lines leave holes to close.
  const starts = new Uint32Array(allocate(4 * (total + 2), exec.shared));
  const label = nameListLabel(path);
  const split = await Promise.all(
    Array.from({ length: workers }, (_, k) =>
      exec.run(k, "splitLines", {
        bytes,
        range: ranges[k],
        linesBefore: before[k],
        label,
        starts,
        at: before[k],
      })),
  );
  let n = 0, end = 0;
  for (let k = 0; k < workers; k++) {
    const r = split[k];
    for (const m of r.warnings) onWarning?.(m);
    if (r.count === 0) continue;
    const first = starts[before[k]];
    // Names are back to back: a range that lost bytes (CR, blank or skipped lines) leaves a gap before the next one.
    const shift = first - end;
    if (shift !== 0) bytes.copyWithin(end, first, r.end);
    if (n !== before[k] || shift !== 0) {
      for (let j = 0; j < r.count; j++) starts[n + j] = starts[before[k] + j] - shift;
    }
    n += r.count;
    end = r.end - shift;
  }
  starts[n] = end;
  return { bytes, starts, count: n, extras: undefined, status: undefined };
}
