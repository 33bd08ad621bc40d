/**
 * Deterministic mailbox trees for benchmarks and tests: flat, wide
 * two-level, and a realistic skewed shape (random depth 1–6, names 3–24
 * bytes, most folders under INBOX).
 *
 * @module
 */

import { prng, shuffle } from "../test/helpers/random.ts";

/** The tests' seeded PRNG (mulberry32) and in-place shuffle, the one copy of each. */
export { prng, shuffle };

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ ";

function word(rand: () => number, min: number, max: number): string {
  const len = min + Math.floor(rand() * (max - min + 1));
  let s = "";
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

/** Tree shapes the benchmarks use. */
export type TreeShape = "flat" | "wide" | "realistic" | "skewed";

/**
 * Generate `n` distinct mailbox names of a shape (parents included as names).
 *
 * @param shape flat: all in the root; wide: √n folders of √n each; realistic: skewed, depth 1–6; skewed: 70% of the names directly under INBOX, the rest under 20 top-level folders, depth up to 6.
 * @param n Number of names.
 * @param seed PRNG seed.
 * @param separator Hierarchy separator.
 * @returns The names, in generation order.
 *
 * @example
 * ```ts
 * import { generateTree } from "./trees.ts";
 * console.log(generateTree("wide", 4, 1).length); // 4
 * ```
 */
export function generateTree(shape: TreeShape, n: number, seed = 1, separator = "/"): string[] {
  const rand = prng(seed);
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (name: string) => {
    if (seen.has(name)) return false;
    seen.add(name);
    out.push(name);
    return true;
  };
  if (shape === "flat") {
    for (let i = 0; out.length < n; i++) push(`${word(rand, 3, 16)}${i}`);
    return out;
  }
  if (shape === "wide") {
    const side = Math.max(1, Math.ceil(Math.sqrt(n)));
    for (let d = 0; out.length < n; d++) {
      const dir = `dir${d}-${word(rand, 3, 10)}`;
      push(dir);
      for (let f = 0; f < side - 1 && out.length < n; f++) push(`${dir}${separator}${word(rand, 3, 16)}${f}`);
    }
    return out;
  }
  if (shape === "skewed") return skewedTree(n, rand, push, out, separator);
  // Realistic: parents chosen among existing folders, 60–90% of everything under INBOX.
  const inboxShare = 0.6 + rand() * 0.3;
  const nodes: { name: string; depth: number }[] = [];
  const tops: { name: string; depth: number }[] = [];
  push("INBOX");
  const inbox = { name: "INBOX", depth: 1 };
  nodes.push(inbox);
  const inboxNodes = [inbox];
  const otherNodes: { name: string; depth: number }[] = [];
  while (out.length < n) {
    const underInbox = rand() < inboxShare;
    const pool = underInbox ? inboxNodes : otherNodes;
    let parent: { name: string; depth: number } | undefined;
    if (!underInbox && (pool.length === 0 || rand() < 0.02)) parent = undefined;
    else {
      // Prefer shallow parents so the depth spreads over 1–6.
      for (let tries = 0; tries < 4; tries++) {
        const cand = pool[Math.floor(rand() * pool.length)];
        if (cand.depth < 6 && (parent === undefined || cand.depth < parent.depth)) parent = cand;
      }
      if (parent === undefined) parent = underInbox ? inbox : undefined;
    }
    const leaf = word(rand, 3, 24);
    const name = parent === undefined ? leaf : `${parent.name}${separator}${leaf}`;
    if (!push(name)) continue;
    const node = { name, depth: parent === undefined ? 1 : parent.depth + 1 };
    if (parent === undefined) tops.push(node);
    (underInbox ? inboxNodes : otherNodes).push(node);
  }
  return out;
}

/**
 * The skewed set of the original C sync's baseline: INBOX with 70% of the
 * names as direct children; the rest spread under 20 top-level folders and
 * their descendants, up to 6 levels (each a random folder of fewer than 6
 * levels, picked uniformly); every new component 3–24 random characters.
 */
function skewedTree(
  n: number,
  rand: () => number,
  push: (name: string) => boolean,
  out: string[],
  separator: string,
): string[] {
  const underInbox = Math.round(n * 0.7);
  push("INBOX");
  const others: { name: string; depth: number }[] = [];
  while (others.length < Math.min(20, n - 1 - underInbox)) {
    const name = word(rand, 3, 24);
    if (name !== "INBOX" && push(name)) others.push({ name, depth: 1 });
  }
  let inbox = 0;
  while (out.length < n) {
    const rest = n - out.length - (underInbox - inbox);
    if (inbox < underInbox && (rest <= 0 || rand() < 0.7)) {
      if (push(`INBOX${separator}${word(rand, 3, 24)}`)) inbox++;
      continue;
    }
    let parent = others[Math.floor(rand() * others.length)];
    while (parent.depth >= 6) parent = others[Math.floor(rand() * others.length)];
    const name = `${parent.name}${separator}${word(rand, 3, 24)}`;
    if (push(name)) others.push({ name, depth: parent.depth + 1 });
  }
  return out;
}
