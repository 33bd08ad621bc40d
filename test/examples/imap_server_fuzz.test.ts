// The reference IMAP server (examples/imap_server/) under bad input, run as
// a child process on the runtime running this file: fast-check draws
// command lines (valid commands with random arguments, then mutated byte by
// byte) and sends them over raw sockets to one server — huge literals of
// both kinds, unbalanced parentheses, NUL, invalid modified UTF-7, raw
// 8-bit bytes, over-long lines, and 10,000 pipelined commands in one write.
// Every connection must get tagged OK/NO/BAD answers (or a BYE and a close)
// within a bound; afterwards the server is still up (a fresh connection
// logs in and lists), the per-user connection cap lets new logins in (the
// fuzz connections were counted down), the user's index passes the full
// check, and its mailboxes are the ones a fresh scan of the store finds.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { MailboxFlags, MailboxListIndex, scanMaildir } from "../../mod.ts";
import { checkIndex } from "../../src/check/check.ts";
import { writeDovecotStore } from "../helpers/dovecot_store.ts";
import { RawClient, startTestServer, type TestServer } from "../helpers/imap_server.ts";
import { RUNTIME } from "../helpers/runtime.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const ALICE = { name: "alice", password: "alice's secret" };
const LOGIN = `LOGIN alice "alice's secret"`;
const MAX_LINE = 1024;
const MAX_LITERAL = 2048;
const CAP = 3;
/** Time a connection has to be answered in full (or closed). */
const BOUND_MS = 10_000;
const SEED = 0x1a4b_2026;
const RUNS = 400;

/** The tagged line of a response. */
const last = (lines: string[]) => lines[lines.length - 1];

const enc = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

// ---- Arguments ----------------------------------------------------------

/** Mailbox names: real ones, junk, invalid modified UTF-7, NUL and raw 8-bit. */
const nameText = fc.oneof(
  fc.constantFrom("INBOX", "inbox", "Sent", "Drafts", "Trash", "日本語", "Entwürfe", "&ZeVnLIqe-", "Archive/2009", "", "*", "%", "a/", "/a", "a//b"),
  fc.constantFrom("&Jjo", "&-&", "&Jjo-", "&AGE-", "&", "&&", "&AOQ", "&2D3cAA-", "&U,BTFw-", "a&b", "&ZeVnLIqe"),
  fc.stringMatching(/^fz[A-Za-z0-9 ./&_-]{0,12}$/),
  fc.string({ maxLength: 12 }),
);

/** One argument as wire bytes: an atom, a quoted string, or a literal of either kind (fitting or far over the cap). */
function wireArg(text: string, form: number): Uint8Array {
  const bytes = enc(text);
  switch (form) {
    case 0:
      return bytes;
    case 1:
      return enc(`"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`);
    case 2:
      return concat([enc(`{${bytes.length}}\r\n`), bytes]);
    case 3:
      return concat([enc(`{${bytes.length}+}\r\n`), bytes]);
    case 4:
      return enc(`{${MAX_LITERAL * 1000 + bytes.length}}`);
    case 5:
      return enc(`{${MAX_LITERAL + 1 + bytes.length}+}`);
    default:
      return enc(`{99999999999999999999${form % 2 === 0 ? "" : "+"}}`);
  }
}

const arg = fc.tuple(nameText, fc.nat({ max: 20 })).map(([t, f]) => wireArg(t, f < 12 ? f % 4 : f < 15 ? 4 : f < 18 ? 5 : f));
/** A raw 8-bit or NUL-carrying argument. */
const rawArg = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => concat([enc('"'), b, enc('"')]));
const anyArg = fc.oneof({ weight: 4, arbitrary: arg }, { weight: 1, arbitrary: rawArg });

const statusItems = fc.subarray(["MESSAGES", "UNSEEN", "RECENT", "UIDNEXT", "UIDVALIDITY", "SIZE", "HIGHESTMODSEQ", "FOO", "(", ")"]).map((a) => a.join(" "));
const listOptions = fc.subarray(["SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE", "FOO"]).map((a) => a.join(" "));
const returnOptions = fc.oneof(
  fc.constant(""),
  statusItems.map((s) => ` RETURN (STATUS (${s}))`),
  fc.subarray(["CHILDREN", "SUBSCRIBED", "SPECIAL-USE", "MYRIGHTS"]).map((a) => ` RETURN (${a.join(" ")})`),
);
const base64 = fc.oneof(
  fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))
    .map(([z, u, p]) => Buffer.from(`${z}\0${u}\0${p}`).toString("base64")),
  fc.constantFrom(Buffer.from(`\0alice\0${ALICE.password}`).toString("base64"), "=", "!!!", "*", "AAAA", ""),
);

const join = (...parts: (string | Uint8Array)[]) => concat(parts.map((p) => (typeof p === "string" ? enc(p) : p)));

/** Names that can be created: the fuzz changes the store and the index with them. */
const churnName = fc.tuple(fc.constantFrom("fza", "fzb", "fz&AOQ-", "fzä", "Sent"), fc.option(fc.constantFrom("c", "d/e", "日本"))).map(([a, b]) => (b === null ? a : `${a}/${b}`));
const churn = fc.oneof(
  fc.tuple(fc.constantFrom("CREATE", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE", "SELECT"), churnName, fc.nat({ max: 3 })).map(([c, n, f]) => join(c, " ", wireArg(n, f === 0 ? 1 : f))),
  fc.tuple(churnName, churnName).map(([a, b]) => join("RENAME ", wireArg(a, 1), " ", wireArg(b, 1))),
);

/** A command (without tag and CRLF) built on a real one with random arguments. */
const command: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: churn },
  fc.tuple(listOptions, anyArg, anyArg, returnOptions).map(([o, r, p, ret]) => join("LIST ", o === "" ? "" : `(${o}) `, r, " ", p, ret)),
  fc.tuple(anyArg, fc.array(anyArg, { maxLength: 3 })).map(([r, ps]) => join("LIST \"\" (", ...ps.flatMap((p, i) => (i ? [" ", p] : [p])), ")", " ", r)),
  fc.tuple(anyArg, anyArg).map(([r, p]) => join("LSUB ", r, " ", p)),
  fc.tuple(anyArg, statusItems).map(([n, s]) => join("STATUS ", n, ` (${s})`)),
  fc.tuple(fc.constantFrom("SELECT", "EXAMINE"), anyArg, fc.constantFrom("", " (CONDSTORE)", " (")).map(([c, n, o]) => join(c, " ", n, o)),
  fc.tuple(fc.constantFrom("CREATE", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE"), anyArg).map(([c, n]) => join(c, " ", n)),
  fc.tuple(anyArg, anyArg).map(([a, b]) => join("RENAME ", a, " ", b)),
  fc.tuple(anyArg, anyArg).map(([u, p]) => join("LOGIN ", u, " ", p)),
  fc.tuple(fc.constantFrom("PLAIN", "plain", "CRAM-MD5", "XOAUTH2", ""), fc.option(base64)).map(([m, r]) => join("AUTHENTICATE ", m, r === null ? "" : ` ${r}`)),
  fc.subarray(["UTF8=ACCEPT", "IMAP4rev2", "CONDSTORE", "QRESYNC", "FOO", "("]).map((a) => join("ENABLE", ...a.map((x) => ` ${x}`))),
  fc.tuple(fc.constantFrom("", " now"), fc.constantFrom("DONE", "done", "NOT DONE", "", "DONE DONE")).map(([x, d]) => join(`IDLE${x}\r\n${d}`)),
  fc.constantFrom("NOOP", "CAPABILITY", "NAMESPACE", "CLOSE", "UNSELECT", "CHECK", "ID NIL", 'ID ("name" "fuzz")', "ID (", "STARTTLS", "FETCH 1 FLAGS", "UID FETCH 1:* (FLAGS)", "EXPUNGE", "APPEND INBOX {3+}\r\nabc", "LOGOUT").map(enc),
  fc.tuple(fc.constantFrom("(", ")", "(((", ")))", "(()", "())"), fc.constantFrom("LIST ", "STATUS INBOX ", "ENABLE ", "ID ", "LIST \"\" ")).map(([p, c]) => join(c, p)),
);

/** Bytes a mutation inserts or writes over others. */
const junkByte = fc.oneof(
  fc.constantFrom(...enc('()"{}\\ *%&-+\0~[]<>0123456789').values(), 0x80, 0xc3, 0xe6, 0xff, 0xfe, 0x0d, 0x0a),
  fc.integer({ min: 0, max: 255 }),
);

type Mutation = { kind: "insert" | "replace" | "delete"; at: number; byte: number; count: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("insert", "replace", "delete"),
  at: fc.nat(),
  byte: junkByte,
  count: fc.integer({ min: 1, max: 4 }),
}) as fc.Arbitrary<Mutation>;

function mutate(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = [...bytes];
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.kind === "insert") b.splice(at, 0, ...new Array<number>(m.count).fill(m.byte));
    else if (m.kind === "replace") b.splice(at, m.count, ...new Array<number>(Math.min(m.count, b.length - at)).fill(m.byte));
    else b = b.slice(0, at).concat(b.slice(at + m.count));
  }
  return new Uint8Array(b);
}

/** One line of the fuzz: a command, maybe mutated; or a very long one; or bare junk. */
const fuzzCommand: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(command, fc.array(mutation, { maxLength: 3 })).map(([c, ms]) => mutate(c, ms)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("NOOP ", "LIST \"\" ", "CREATE ", "LOGIN "), fc.integer({ min: MAX_LINE - 8, max: MAX_LINE * 6 })).map(([c, n]) => enc(c + "x".repeat(n))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
);

/** What a connection does: whether it logs in (and selects) first, then its commands. */
const session = fc.record({
  login: fc.constantFrom("none", "login", "select"),
  commands: fc.array(fuzzCommand, { minLength: 1, maxLength: 12 }),
  oneWrite: fc.boolean(),
});

// ---- Sending and judging -------------------------------------------------

/** A response line the server may send: untagged, a continuation request, or a tagged OK/NO/BAD. */
const LEGAL = /^(\* |\+ |\+$|[^ ]+ (OK|NO|BAD)( |$))/;

/** Flushes whatever is pending: a literal's bytes (up to the cap), an IDLE or an AUTHENTICATE continuation. */
const DRAIN = "\r\n".repeat(MAX_LITERAL / 2 + 8);

/**
 * Send `chunks` on `client`, then the drain and `ZEND NOOP`; read until
 * ZEND is answered or the connection closes (after a BYE), within the bound.
 */
async function exchange(client: RawClient, chunks: Uint8Array[], oneWrite: boolean): Promise<{ lines: string[]; closed: boolean }> {
  const tail = enc(`${DRAIN}ZEND NOOP\r\n`);
  if (oneWrite) client.write(concat([...chunks, tail]));
  else {
    for (const c of chunks) client.write(c);
    client.write(tail);
  }
  const lines: string[] = [];
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    let line: string;
    try {
      line = await client.readLine(Math.max(1, deadline - Date.now()));
    } catch (e) {
      if (client.closed) {
        assert.ok(lines.some((l) => l.startsWith("* BYE")), `closed without BYE after ${JSON.stringify(lines.slice(-5))}`);
        return { lines, closed: true };
      }
      throw e;
    }
    lines.push(line);
    if (line.startsWith("ZEND ")) {
      // An over-long drain is not what the test is about: the sentinel may be BAD after an open IDLE/AUTHENTICATE.
      assert.match(line, /^ZEND (OK|NO|BAD) /);
      return { lines, closed: false };
    }
  }
}

/** Lines that break the protocol (anything not LEGAL). */
const illegal = (lines: string[]) => lines.filter((l) => !LEGAL.test(l));

describe(`the reference IMAP server on ${RUNTIME} under fuzzed input`, () => {
  let tmp: { dir: string; cleanup: () => void };
  let server: TestServer;
  const clients: RawClient[] = [];

  before(async () => {
    tmp = makeTempDir("mli-imap-fuzz-");
    server = await startTestServer(tmp.dir, [{ ...ALICE, fill: writeDovecotStore }], [
      "--max-line",
      String(MAX_LINE),
      "--max-literal",
      String(MAX_LITERAL),
      "--max-connections-per-user",
      String(CAP),
      "--poll-ms",
      "50",
    ]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
    tmp?.cleanup();
  });

  async function open(): Promise<{ client: RawClient; greeting: string }> {
    const r = await RawClient.open(server.port);
    clients.push(r.client);
    return r;
  }

  /**
   * Log in as alice; the server counts a closed connection down once it has
   * seen it end, so a NO [LIMIT] is tried again for a while.
   */
  async function login(client: RawClient, tag: string): Promise<string> {
    let answer = "";
    for (let k = 0; k < 50; k++) {
      answer = last(await client.command(`${tag}x${k}`, LOGIN));
      if (!answer.includes(" NO [LIMIT] ")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return answer;
  }

  /** Close a client and wait until its socket is gone. */
  async function closeClient(client: RawClient): Promise<void> {
    client.close();
    await client.waitClosed(BOUND_MS).catch(() => {});
  }

  it(`answers ${RUNS} fuzzed sessions with OK/NO/BAD or a BYE, each within ${BOUND_MS / 1000} s`, async () => {
    console.log(`imap fuzz seed ${SEED}, ${RUNS} runs`);
    const seen = { OK: 0, NO: 0, BAD: 0, BYE: 0, continuations: 0 };
    await fc.assert(
      fc.asyncProperty(session, async ({ login, commands, oneWrite }) => {
        const { client, greeting } = await open();
        try {
          assert.match(greeting, /^\* OK /);
          const chunks: Uint8Array[] = [];
          if (login !== "none") chunks.push(enc(`l0 ${LOGIN}\r\n`));
          if (login === "select") chunks.push(enc("l1 SELECT INBOX\r\n"));
          commands.forEach((c, i) => chunks.push(concat([enc(`f${i} `), c, enc("\r\n")])));
          const { lines } = await exchange(client, chunks, oneWrite);
          for (const l of lines) {
            const m = /^(?:[^ ]+ (OK|NO|BAD) |\* (BYE))/.exec(l);
            if (m) seen[(m[1] ?? m[2]) as "OK" | "NO" | "BAD" | "BYE"]++;
            else if (l.startsWith("+")) seen.continuations++;
          }
          assert.deepEqual(illegal(lines), [], "every line is untagged, a continuation or a tagged OK/NO/BAD");
          assert.ok(!lines.some((l) => l.includes("SERVERBUG")), `no command failed inside the server: ${lines.find((l) => l.includes("SERVERBUG"))}`);
        } finally {
          await closeClient(client);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log(`imap fuzz answers: ${JSON.stringify(seen)}`);
  });

  it("answers 10,000 pipelined fuzzed commands sent in one write", async () => {
    const sample = fc.sample(fc.tuple(command, fc.array(mutation, { maxLength: 2 })).map(([c, ms]) => mutate(c, ms)), { seed: SEED, numRuns: 200 })
      // No literal of the synchronizing kind here: each would swallow the commands after it.
      .filter((b) => !/\{\d*\}/.test(Buffer.from(b).toString("latin1")) && !Buffer.from(b).includes(10) && !Buffer.from(b).includes(13));
    const { client } = await open();
    try {
      assert.match(await login(client, "l"), /^lx\d+ OK /);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < 10_000; i++) {
        const c = sample[i % sample.length];
        // Keep the session logged in and the connection open, so all 10,000 get an answer.
        const text = Buffer.from(c).toString("latin1").toUpperCase();
        const safe = /^(LOGOUT|IDLE|AUTHENTICATE|STARTTLS|APPEND)/.test(text) || /\{\d+\+?\}|\{9+/.test(text) ? enc("NOOP") : c;
        parts.push(concat([enc(`p${i} `), safe, enc("\r\n")]));
      }
      const { lines, closed } = await exchange(client, parts, true);
      assert.equal(closed, false, `the connection stays open: ${JSON.stringify(lines.slice(-3))}`);
      assert.deepEqual(illegal(lines), []);
      const tagged = lines.filter((l) => /^p\d+ /.test(l));
      assert.equal(tagged.length, 10_000);
      tagged.forEach((l, i) => assert.ok(l.startsWith(`p${i} `), `answered in order: ${i}: ${l}`));
    } finally {
      await closeClient(client);
    }
  });

  it("answers a NUL, 8-bit bytes and invalid modified UTF-7 in every command's arguments, and goes on", async () => {
    const { client } = await open();
    try {
      assert.match(await login(client, "a"), /^ax\d+ OK /);
      const odd = ["&Jjo", "&-&", "a\0b", "\0", "&AGE"];
      const bytes: Uint8Array[] = [];
      const enables = new Set<string>();
      let n = 0;
      for (const name of odd) {
        for (const c of ["LIST \"\" ", "LSUB \"\" ", "STATUS ", "SELECT ", "CREATE ", "DELETE ", "RENAME INBOX ", "SUBSCRIBE ", "UNSUBSCRIBE ", "ENABLE "]) {
          for (const form of [0, 1, 3]) {
            if (c === "ENABLE ") enables.add(`r${n}`);
            bytes.push(join(`r${n++} `, c, wireArg(name, form), c.startsWith("STATUS") ? " (MESSAGES)" : "", "\r\n"));
          }
        }
      }
      bytes.push(join(`r${n++} CREATE "fz`, new Uint8Array([0xff, 0x80]), '"\r\n'));
      const { lines, closed } = await exchange(client, bytes, true);
      assert.equal(closed, false);
      assert.deepEqual(illegal(lines), []);
      const tagged = lines.filter((l) => /^r\d+ /.test(l));
      assert.equal(tagged.length, n);
      for (const l of tagged) {
        // ENABLE ignores extensions it does not know (RFC 5161 §3.1).
        if (!enables.has(l.split(" ")[0])) assert.match(l, /^r\d+ (NO|BAD) /, "none of these names is taken");
      }
    } finally {
      await closeClient(client);
    }
  });

  it("is still up: a fresh connection is greeted, logs in and lists", async () => {
    const { client, greeting } = await open();
    try {
      assert.match(greeting, /^\* OK /);
      assert.match(await login(client, "a"), /^ax\d+ OK /);
      const list = await client.command("b", 'LIST "" "*"');
      assert.equal(last(list), "b OK LIST completed");
      assert.ok(list.includes('* LIST (\\HasNoChildren) "/" "INBOX"') || list.some((l) => /^\* LIST \([^)]*\) "\/" "INBOX"$/.test(l)), list.join("\n"));
    } finally {
      await closeClient(client);
    }
  });

  it(`counted every fuzz connection down: ${CAP} new connections log in under the cap of ${CAP}`, async () => {
    const fresh: RawClient[] = [];
    try {
      for (let i = 0; i < CAP; i++) fresh.push((await open()).client);
      for (const [i, c] of fresh.entries()) {
        assert.match(await login(c, `c${i}`), /^c\d+x\d+ OK /, `login ${i + 1} of ${CAP}`);
      }
      const over = (await open()).client;
      fresh.push(over);
      assert.match(last(await over.command("d", LOGIN)), /^d NO \[LIMIT\] /, "the cap still holds");
    } finally {
      for (const c of fresh) await closeClient(c);
    }
  });

  it("left the index whole, and its mailboxes are the store's", async () => {
    const path = server.indexPath(ALICE.name);
    const report = checkIndex(path);
    assert.ok(report.ok, report.problems.map((p) => p.message).join("\n"));
    const scanned = new Map<string, boolean>();
    for await (const m of scanMaildir(server.root(ALICE.name), { separator: "/" })) scanned.set(m.name, m.selectable);
    const index = await MailboxListIndex.open(path, { readonly: true });
    const indexed = new Map<string, boolean>();
    try {
      for (const m of index.iterate()) {
        if ((m.flags & MailboxFlags.NonExistent) === 0) indexed.set(m.name, (m.flags & MailboxFlags.NoSelect) === 0);
      }
    } finally {
      await index.close();
    }
    const sorted = (m: Map<string, boolean>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    console.log(`imap fuzz: ${indexed.size} mailboxes in the index and the store, ${[...indexed.keys()].filter((n) => n.startsWith("fz")).length} made by the fuzz`);
    assert.deepEqual(sorted(indexed), sorted(scanned));
    assert.ok(indexed.has("INBOX"));
  });
});
