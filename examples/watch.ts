// watch.ts — deno run -A examples/watch.ts /path/to/index.mlist [CURSOR]
//
// Prints every commit of any process to the index, one line per change, as
// it happens, until Ctrl-C; then the cursor to resume from. Given a cursor
// (a line's first word), it starts after that commit instead of now. It
// uses only `node:` built-ins and runs as it is on Bun and Node too
// (`bun examples/watch.ts …`, `node --import tsx examples/watch.ts …`).
import process from "node:process";
import { ChangeCursorError, type MailboxChange, MailboxFlags, MailboxListIndex, specialUseAtoms } from "../mod.ts";

const [path, since] = process.argv.slice(2);
if (path === undefined) {
  console.error("usage: deno run -A examples/watch.ts INDEX [CURSOR]");
  process.exit(2);
}

const FLAG_ATTRIBUTES: [number, string][] = [
  [MailboxFlags.Children, "\\HasChildren"],
  [MailboxFlags.NoChildren, "\\HasNoChildren"],
  [MailboxFlags.NoSelect, "\\Noselect"],
  [MailboxFlags.NonExistent, "\\NonExistent"],
  [MailboxFlags.NoInferiors, "\\NoInferiors"],
];

/** The flags of a change in words: `\HasChildren \Sent …`. */
function flagWords(flags: number): string {
  const words = FLAG_ATTRIBUTES.filter(([bit]) => (flags & bit) !== 0).map(([, word]) => word);
  return [...words, ...specialUseAtoms(flags)].join(" ");
}

/** One change as text. */
function describe(c: MailboxChange): string {
  switch (c.kind) {
    case "renamed":
      return `${c.oldName} -> ${c.name}`;
    case "flags":
      return `${c.name} (${flagWords(c.oldFlags)}) -> (${flagWords(c.flags)})`;
    case "status":
      return `${c.name} ${
        Object.entries(c.status).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(" ")
      }`;
    default:
      return c.name;
  }
}

const index = await MailboxListIndex.open(path, { readonly: true });
const stop = new AbortController();
process.on("SIGINT", () => stop.abort());

let cursor = since ?? await index.changeCursor();
console.error(`watching ${path} from ${cursor} (Ctrl-C stops)`);
for (;;) {
  try {
    for await (const batch of index.watch({ since: cursor, signal: stop.signal })) {
      cursor = batch.cursor;
      if (batch.replaced !== undefined) console.log(`${cursor} replaced (${batch.replaced})`);
      if (batch.truncated) console.log(`${cursor} truncated: too many changes to list, read the index again`);
      for (const c of batch.changes) console.log(`${cursor} ${c.kind} ${c.uid} ${describe(c)}`);
    }
    break;
  } catch (e) {
    // EXPIRED: too far behind the kept history; FOREIGN: the log was started again; MALFORMED: not a cursor.
    if (!(e instanceof ChangeCursorError)) throw e;
    console.error(`${e.code}: ${e.message}; watching from now`);
    cursor = await index.changeCursor();
  }
}
console.error(`stopped; resume with: deno run -A examples/watch.ts ${path} ${cursor}`);
await index.close();
