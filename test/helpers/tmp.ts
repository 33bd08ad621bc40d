// Temporary directories for tests, removed afterwards.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Make a fresh temporary directory; call `cleanup` to remove it. `fresh(file)`
 * gives the path of `file` in a new directory of its own inside it (one per
 * call, `label-N`), for tests that each need an index alone in a directory.
 */
export function makeTempDir(prefix = "mli-test-"): {
  dir: string;
  cleanup: () => void;
  fresh: (file: string, label?: string) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let serial = 0;
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    fresh: (file, label = "case") => {
      const sub = join(dir, `${label}-${serial++}`);
      mkdirSync(sub);
      return join(sub, file);
    },
  };
}
