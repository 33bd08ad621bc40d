// The README's examples, run so that they cannot rot. A fenced block is run
// when an HTML comment right before it says how:
//   <!-- test: cli -->   "$ mailbox-list-index …" lines (optionally after
//                        `echo "…" |`) run in order in the directory that the
//                        first block's `demo --keep` leaves; each command's
//                        stdout and stderr must equal the lines under it (a
//                        lone "…" ends the compared part; timings and the
//                        demo directory's name may differ)
//   <!-- test: deno -->  a script run with Deno: args MAILDIR INDEX
//   <!-- test: bun -->   a Bun.serve server run with Bun: arg INDEX, PORT=0
// The CLI runs on the runtime that runs this file; the deno and bun blocks
// on the npm-installed Deno and Bun. MLI_UPDATE_README=1 writes the actual
// CLI outputs into the README instead of comparing them.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { makeDemoStore } from "../src/cli/demo.ts";
import { rebuild } from "../src/rebuild/rebuild.ts";
import { scanMaildir } from "../src/scan/maildir.ts";
import type { ScannedMailbox } from "../src/scan/types.ts";
import { makeTempDir } from "./helpers/tmp.ts";
import { BIN, ROOT, run, tsCommand } from "./helpers/runtime.ts";

const README = join(ROOT, "README.md");
const MOD = pathToFileURL(join(ROOT, "mod.ts")).href;
const CLI = join(ROOT, "src", "cli", "main.ts");

interface Block {
  kind: string;
  lang: string;
  code: string;
  /** Index of the block's first code line in the README's lines. */
  start: number;
  /** Index of the closing fence. */
  end: number;
}

/** The marked fenced blocks of a markdown text. */
function markedBlocks(text: string): Block[] {
  const lines = text.split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- test: (\w+) -->$/.exec(lines[i].trim());
    if (!m) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === "") j++;
    const fence = /^```(\w*)$/.exec(lines[j] ?? "");
    assert.ok(fence, `README line ${i + 1}: a test marker must be followed by a fenced block`);
    let k = j + 1;
    while (k < lines.length && lines[k] !== "```") k++;
    out.push({ kind: m[1], lang: fence[1], code: lines.slice(j + 1, k).join("\n"), start: j + 1, end: k });
    i = k;
  }
  return out;
}

/** The program with its package import pointed at this checkout's mod.ts. */
function localImports(code: string): string {
  assert.match(code, /from "mailbox-list-index";/);
  return code.replaceAll('from "mailbox-list-index";', `from ${JSON.stringify(MOD)};`);
}

/** Split a shell command line into words (single and double quotes, backslash escapes in double quotes). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length) i++;
        cur += line[i++];
      }
      inWord = true;
    } else if (c === " ") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

const DEMO_DIR = /\/[^\s"]*mailbox-list-index-demo-[A-Za-z0-9]+/g;
const SHOWN_DEMO_DIR = "/tmp/mailbox-list-index-demo-qT3xVa";

function normalize(text: string): string {
  // IMAP response lines end in CRLF; the README shows them one per line. GUIDs are random.
  return text.replaceAll("\r\n", "\n").replace(DEMO_DIR, "<demo dir>").replace(/\b\d+\.\d+ s\b/g, "<t> s")
    .replace(/\bguid [0-9a-f]{32}\b/g, "guid <guid>")
    // A change log's epoch is random (SPEC §13): cursors compare by their batch numbers.
    .replace(/\b[0-9a-f]{8}:(\d+)\b/g, "<epoch>:$1").trimEnd();
}

/** Compare output with the README's expectation; a lone "…" line ends the compared part. */
function sameOutput(actual: string, expected: string): boolean {
  const cut = expected.split("\n").indexOf("…");
  if (cut < 0) return normalize(actual) === normalize(expected);
  const want = expected.split("\n").slice(0, cut).join("\n");
  return normalize(actual).startsWith(normalize(want));
}

interface Step {
  command: string;
  expected: string;
}

function steps(code: string): Step[] {
  const out: Step[] = [];
  for (const line of code.split("\n")) {
    if (line.startsWith("$ ")) out.push({ command: line.slice(2), expected: "" });
    else {
      assert.ok(out.length > 0, `output before any command: ${line}`);
      const s = out[out.length - 1];
      s.expected += (s.expected === "" ? "" : "\n") + line;
    }
  }
  return out;
}

describe("README", () => {
  const text = readFileSync(README, "utf8");
  const blocks = markedBlocks(text);
  const tmp = makeTempDir("mli-readme-");
  after(() => tmp.cleanup());

  it("keeps its first lines: what it is, then the two newcomer commands", () => {
    const lines = text.split("\n");
    assert.equal(lines[0], "# mailbox-list-index");
    const fence = lines.indexOf("```sh");
    assert.ok(fence > 0 && fence < 15);
    assert.match(lines[fence + 1], /^npm ci && npm run demo\b/);
    assert.match(lines[fence + 2], /^npm test\b/);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    assert.equal(pkg.scripts.demo, "node --import tsx src/cli/main.ts demo");
    assert.deepEqual(new Set(blocks.map((b) => b.kind)), new Set(["cli", "deno", "bun"]));
  });

  it("the command-line examples print what the README shows", async () => {
    let cwd: string | undefined;
    const actualBlocks: string[][] = [];
    try {
      for (const block of blocks.filter((b) => b.kind === "cli")) {
        const lines: string[] = [];
        for (const step of steps(block.code)) {
          lines.push("$ " + step.command);
          let words = shellWords(step.command);
          if (words[0] === "cd") continue;
          let input: string | undefined;
          const pipe = words.indexOf("|");
          if (pipe >= 0) {
            assert.equal(words[0], "echo", step.command);
            input = words.slice(1, pipe).join(" ") + "\n";
            words = words.slice(pipe + 1);
          }
          assert.equal(words[0], "mailbox-list-index", step.command);
          const [cmd, args] = tsCommand(CLI, words.slice(1));
          const r = await run(cmd, args, { cwd: cwd ?? tmp.dir, input });
          const output = (r.stdout + r.stderr).trimEnd();
          if (cwd === undefined) {
            const m = /Kept "([^"]+)"/.exec(r.stderr);
            assert.ok(m, `the first command must be demo --keep: ${r.stderr}`);
            cwd = m[1];
            if (process.env.MLI_UPDATE_README !== "1") {
              assert.ok(sameOutput(output, step.expected), `README: "${step.command}" printed\n${output}\ninstead of\n${step.expected}`);
            }
            lines.push(...output.replaceAll(cwd, SHOWN_DEMO_DIR).split("\n"));
            continue;
          }
          if (output !== "") lines.push(...output.split("\n"));
          if (process.env.MLI_UPDATE_README !== "1") {
            assert.ok(
              sameOutput(output, step.expected),
              `README: "${step.command}" printed\n${output}\ninstead of\n${step.expected}`,
            );
          }
        }
        actualBlocks.push(lines);
      }
    } finally {
      if (cwd !== undefined && cwd.includes("mailbox-list-index-demo-")) rmSync(cwd, { recursive: true, force: true });
    }
    if (process.env.MLI_UPDATE_README === "1") {
      const all = text.split("\n");
      const cliBlocks = blocks.filter((b) => b.kind === "cli");
      for (let i = cliBlocks.length - 1; i >= 0; i--) {
        const b = cliBlocks[i];
        // Keep "…"-abridged outputs abridged.
        const abridged = steps(b.code);
        let lines = actualBlocks[i];
        if (abridged.some((s) => s.expected.split("\n").includes("…"))) {
          lines = abridge(lines, abridged);
        }
        all.splice(b.start, b.end - b.start, ...lines);
      }
      writeFileSync(README, all.join("\n"));
    }
  });

  it("the deno script lists a Maildir", async () => {
    const block = blocks.find((b) => b.kind === "deno")!;
    const script = join(tmp.dir, "list-maildir.ts");
    writeFileSync(script, localImports(block.code));
    const store = join(tmp.dir, "deno-store");
    await makeDemoStore(store, { folders: 20 });
    const index = join(tmp.dir, "deno.mlist");
    const [cmd, args] = tsCommand(script, [store, index], "deno");
    const first = await run(cmd, args);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stderr, `${index}: 24 added, 0 deleted\n`);
    const lines = first.stdout.trimEnd().split("\r\n");
    assert.ok(lines.includes('* LIST (\\HasNoChildren) "/" "INBOX"'), first.stdout);
    assert.ok(lines.includes('* LIST (\\HasChildren \\Noselect) "/" "Shared"'), first.stdout);
    assert.equal(lines.filter((l) => l.startsWith("* LIST")).length, 21);
    assert.ok(lines.some((l) => l.startsWith('* STATUS "INBOX" (MESSAGES ')));
    // The second run only syncs changes, and a pattern narrows the LIST.
    const [cmd2, args2] = tsCommand(script, [store, index, "Shared/*"], "deno");
    const second = await run(cmd2, args2);
    assert.equal(second.stderr, `${index}: 0 added, 0 deleted\n`);
    assert.match(second.stdout, /^\* LIST \(\\HasNoChildren\) "\/" "Shared\/Team"\r\n\* STATUS "Shared\/Team" \(MESSAGES /);
  });

  it("the Bun server answers GET /list?pattern=* and sees a rebuild", async () => {
    const block = blocks.find((b) => b.kind === "bun")!;
    const script = join(tmp.dir, "serve.ts");
    writeFileSync(script, localImports(block.code));
    const store = join(tmp.dir, "bun-store");
    await makeDemoStore(store, { folders: 10 });
    const scanned: ScannedMailbox[] = [];
    for await (const m of scanMaildir(store)) scanned.push(m);
    const index = join(tmp.dir, "bun.mlist");
    await rebuild(index, scanned, { separator: "/" });

    const child = spawn(BIN.bun, [script, index], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}${err}`)), 30_000);
        child.stderr!.on("data", (d) => (err += d));
        child.stdout!.on("data", (d) => {
          out += d;
          const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.on("close", (code) => reject(new Error(`the server exited with ${code}: ${out}${err}`)));
      });
      assert.doesNotMatch(url, /:0$/);
      const get = async (pattern: string, status = false) => {
        const res = await fetch(`${url}/list?pattern=${encodeURIComponent(pattern)}${status ? "&status" : ""}`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        return (await res.json()) as { name: string; attributes: string[]; uid: number; status?: { messages: number } }[];
      };
      const all = await get("*");
      assert.equal(all.length, 11);
      const inbox = all.find((e) => e.name === "INBOX")!;
      assert.deepEqual(inbox.attributes, ["\\HasNoChildren"]);
      assert.deepEqual((await get("Shared/%")).map((e) => e.name), ["Shared/Team"]);
      assert.equal(typeof (await get("INBOX", true))[0].status!.messages, "number");
      assert.equal((await fetch(`${url}/elsewhere`)).status, 404);
      // A rebuild replaces the files; the open index answers from the new ones.
      await rebuild(index, [...scanned, { name: "Fresh/Folder", selectable: true }], { separator: "/" });
      const names = (await get("*")).map((e) => e.name);
      assert.ok(names.includes("Fresh/Folder"), names.join(", "));
      assert.equal(names.length, 12);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});

/** Cut the actual lines of each "…"-abridged step to the length shown before. */
function abridge(lines: string[], shown: Step[]): string[] {
  const out: string[] = [];
  let s = -1;
  let kept = 0;
  let limit = Infinity;
  for (const line of lines) {
    if (line.startsWith("$ ")) {
      s++;
      const exp = shown[s]?.expected.split("\n") ?? [];
      const cut = exp.indexOf("…");
      limit = cut < 0 ? Infinity : cut;
      kept = 0;
      out.push(line);
      continue;
    }
    if (kept < limit) out.push(line);
    else if (kept === limit) out.push("…");
    kept++;
  }
  return out;
}
