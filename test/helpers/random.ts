// The one seeded random generator of the tests, the test fixtures and the
// benchmarks' trees: the same seed gives the same sequence on every runtime.

import { prng } from "../../src/cli/demo.ts";

/** A seeded PRNG (mulberry32), the demo's: numbers in [0, 1), the same sequence for the same seed. */
export { prng };

/** Shuffle `a` in place (Fisher–Yates, driven by `prng(seed)`) and return it. */
export function shuffle<T>(a: T[], seed = 2): T[] {
  const rand = prng(seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
