import { readFileSync } from "node:fs";
import { MailboxListIndex, nodeFileIO, type FileIO } from "../../mod.ts";
const names: string[] = JSON.parse(readFileSync("/tmp/mli-bench-names/realistic-1000000-seed1.json", "utf8"));
const probe = names.find((x) => x.split("/").length >= 4)!;
let reads = 0, bytes = 0, calls = 0;
const io: FileIO = { ...nodeFileIO, read(fd, b, o, l, p) { reads++; const n = nodeFileIO.read(fd, b, o, l, p); bytes += n; return n; } };
const t: number[] = [];
for (let r = 0; r < 30; r++) {
  reads = 0; bytes = 0;
  const t0 = performance.now();
  const ix = await MailboxListIndex.open("/tmp/reads-exp/ours.mlist", { readonly: true, io, onWarning() {} });
  if (ix.lookup(probe) === undefined) throw new Error("miss");
  await ix.close();
  t.push(performance.now() - t0);
}
console.log(probe, "reads", reads, "bytes", bytes);
console.log(t.map((x) => x.toFixed(3)).join(" "));
t.sort((a, b) => a - b);
console.log("median", t[15].toFixed(3), "ms");
