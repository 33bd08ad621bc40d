import { readFileSync } from "node:fs";
import { rebuild } from "/tmp/wt-reads/mod.ts";
const names = JSON.parse(readFileSync("/tmp/mli-bench-names/realistic-1000000-seed1.json", "utf8"));
await rebuild("/tmp/reads-exp/ours.mlist", names, { separator: "/", workers: 0, uidValidity: 1 });
console.log("built", names.length);
