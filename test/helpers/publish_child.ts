// A second process that publishes a change to an index, for the freshness
// tests: `add PATH NAME...` commits a partial sync adding the names;
// `rebuild PATH NAME...` rebuilds the index from exactly the names.
import process from "node:process";
import { MailboxListIndex } from "../../mod.ts";
import { rebuild } from "../../src/rebuild/rebuild.ts";

const [mode, path, ...names] = process.argv.slice(2);
if (mode === "add") {
  const index = await MailboxListIndex.open(path, { durable: false });
  const ctx = await index.syncBegin({ partial: true });
  for (const name of names) ctx.add(name);
  await ctx.commit();
  await index.close();
} else if (mode === "rebuild") {
  await rebuild(path, names, { durable: false });
} else {
  throw new Error(`Unknown mode ${JSON.stringify(mode)}`);
}
