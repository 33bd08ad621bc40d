// The reference IMAP server (examples/imap_server/) over a raw socket, run
// as a child process on the runtime running this file: the greeting and
// capabilities, synchronizing literals and LITERAL+, 10,000 pipelined
// commands answered in order, the caps on lines and literals, BAD and NO
// for junk with the connection going on, AUTHENTICATE PLAIN, SELECT and
// IDLE in IMAP4rev1 and IMAP4rev2, STARTTLS with a self-signed certificate
// made with node:crypto (and the cleartext sent after it dropped),
// LOGINDISABLED on a non-loopback address (when the machine has one), the
// per-user connection cap, the idle timeout, and a LIST of 100,000
// mailboxes listed on a worker thread and written in chunks.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { MailboxListIndex, rebuild } from "../../mod.ts";
import { UserStore } from "../../examples/imap_server/store.ts";
import { writeDovecotStore } from "../helpers/dovecot_store.ts";
import { RawClient, startTestServer, type TestServer } from "../helpers/imap_server.ts";
import { RUNTIME } from "../helpers/runtime.ts";
import { selfSignedCertificate } from "../helpers/self_signed.ts";
import { makeTempDir } from "../helpers/tmp.ts";

const ALICE = { name: "alice", password: "alice's secret" };
const LOGIN = `LOGIN alice "alice's secret"`;

/** The tagged line of a response. */
const last = (lines: string[]) => lines[lines.length - 1];

describe(`the reference IMAP server on ${RUNTIME} over a raw socket`, () => {
  let tmp: { dir: string; cleanup: () => void };
  let server: TestServer;
  const clients: RawClient[] = [];

  before(async () => {
    tmp = makeTempDir("mli-imap-protocol-");
    const { cert, key } = selfSignedCertificate();
    writeFileSync(join(tmp.dir, "cert.pem"), cert);
    writeFileSync(join(tmp.dir, "key.pem"), key);
    server = await startTestServer(tmp.dir, [{ ...ALICE, fill: writeDovecotStore }], [
      "--max-line",
      "1024",
      "--max-literal",
      "2048",
      // Every LIST goes through the list worker here (the client tests list on the server's thread).
      "--list-workers",
      "1",
      "--list-worker-threshold",
      "0",
      // An hour: IDLE hears of other processes' commits from the change feed, not from this poll.
      "--poll-ms",
      "3600000",
      "--tls-cert",
      join(tmp.dir, "cert.pem"),
      "--tls-key",
      join(tmp.dir, "key.pem"),
    ]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
    tmp?.cleanup();
  });

  /** A new connection (closed after the tests). */
  async function connect(port = server.port): Promise<{ client: RawClient; greeting: string }> {
    const r = await RawClient.open(port);
    clients.push(r.client);
    return r;
  }

  /** A new connection, logged in as alice. */
  async function loggedIn(): Promise<RawClient> {
    const { client } = await connect();
    assert.match(last(await client.command("l", LOGIN)), /^l OK /);
    return client;
  }

  it("greets with its capabilities, and announces fewer once logged in", async () => {
    const { client, greeting } = await connect();
    for (const cap of ["IMAP4rev1", "IMAP4rev2", "LITERAL+", "ENABLE", "UTF8=ACCEPT", "ID", "NAMESPACE", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "IDLE", "UNSELECT", "STARTTLS", "AUTH=PLAIN"]) {
      assert.ok(greeting.split(/[ \]]/).includes(cap), `${cap} in ${greeting}`);
    }
    assert.ok(!greeting.includes("LOGINDISABLED"), "logging in is allowed on the loopback interface");
    const after = await client.command("a", LOGIN);
    assert.match(last(after), /^a OK \[CAPABILITY IMAP4rev1 IMAP4rev2 /);
    assert.ok(!last(after).includes("STARTTLS") && !last(after).includes("AUTH=PLAIN"));
    const caps = await client.command("b", "CAPABILITY");
    assert.match(caps[0], /^\* CAPABILITY IMAP4rev1 /);
    assert.equal(last(caps), "b OK CAPABILITY completed");
  });

  it("asks for a synchronizing literal with a continuation request, and for LITERAL+ does not", async () => {
    const { client } = await connect();
    client.write("a LOGIN {5}\r\n");
    assert.match(await client.readLine(), /^\+ /);
    client.write(`alice {${Buffer.byteLength(ALICE.password)}}\r\n`);
    assert.match(await client.readLine(), /^\+ /);
    client.write(`${ALICE.password}\r\n`);
    assert.match(await client.readLine(), /^a OK /);

    const second = (await connect()).client;
    second.write(`a LOGIN {5+}\r\nalice {${Buffer.byteLength(ALICE.password)}+}\r\n${ALICE.password}\r\n`);
    const lines = await second.until("a");
    assert.deepEqual(lines.filter((l) => l.startsWith("+")), []);
    assert.match(last(lines), /^a OK /);
    // A literal in a LIST pattern, and a UTF-8 literal name after ENABLE UTF8=ACCEPT.
    const list = await second.command("b", 'LIST "" {1+}\r\n*');
    assert.ok(list.some((l) => l === '* LIST (\\HasNoChildren) "/" "INBOX"'), list.join("\n"));
    await second.command("c", "ENABLE UTF8=ACCEPT");
    const name = "Entwürfe";
    const status = await second.command("d", `STATUS {${Buffer.byteLength(name)}+}\r\n${name} (MESSAGES)`);
    assert.deepEqual(status, [`* STATUS "${name}" (MESSAGES 1)`, "d OK STATUS completed"]);
  });

  it("answers 10,000 pipelined commands in order", async () => {
    const client = await loggedIn();
    const kinds = ["NOOP", "STATUS INBOX (MESSAGES)", 'LIST "" %', "CAPABILITY", "FOO"];
    let text = "";
    for (let i = 0; i < 10_000; i++) text += `t${i} ${kinds[i % kinds.length]}\r\n`;
    client.write(text);
    const lines = await client.until("t9999", 60_000);
    const tagged = lines.filter((l) => l.startsWith("t"));
    assert.equal(tagged.length, 10_000);
    tagged.forEach((l, i) => assert.ok(l.startsWith(`t${i} ${i % kinds.length === 4 ? "BAD" : "OK"} `), `${i}: ${l}`));
    assert.equal(lines.filter((l) => l.startsWith("* STATUS")).length, 2000);
  });

  it("refuses an over-long line and an over-large literal with BAD and goes on; closes on an over-large LITERAL+", async () => {
    const client = await loggedIn();
    assert.deepEqual(await client.command("x1", `NOOP ${"a".repeat(5000)}`), ["x1 BAD Line too long: the limit is 1024 bytes"]);
    client.write("x2 CREATE {5000}\r\n");
    assert.equal(await client.readLine(), "x2 BAD Literal too large: the limit is 2048 bytes");
    assert.deepEqual(await client.command("x3", "NOOP"), ["x3 OK NOOP completed"]);
    client.write(`x4 CREATE {5000+}\r\n${"b".repeat(5000)}\r\nx5 NOOP\r\n`);
    assert.equal(await client.readLine(), "x4 BAD Literal too large: the limit is 2048 bytes");
    assert.match(await client.readLine(), /^\* BYE /);
    await client.waitClosed();
  });

  it("answers junk with BAD or NO, and the connection goes on", async () => {
    const { client } = await connect();
    assert.match(last(await client.command("p1", 'LIST "" *')), /^p1 BAD /, "LIST before logging in");
    assert.match(last(await client.command("p2", "LOGIN")), /^p2 BAD /);
    assert.match(last(await client.command("p3", "LOGIN alice wrong")), /^p3 NO \[AUTHENTICATIONFAILED\] /);
    assert.match(last(await client.command("p4", LOGIN)), /^p4 OK /);
    const cases: [string, string | Uint8Array, RegExp][] = [
      ["j1", "FOO", /^j1 BAD Unknown command/],
      ["j2", "LIST", /^j2 BAD /],
      ["j3", 'LIST "" "unterminated', /^j3 BAD /],
      ["j4", "SELECT Nowhere", /^j4 NO \[NONEXISTENT\] /],
      ["j5", "STATUS Nowhere (MESSAGES)", /^j5 NO \[NONEXISTENT\] /],
      ["j6", 'CREATE "&Jjo"', /^j6 BAD /],
      ["j7", 'CREATE "a.b"', /^j7 NO \[CANNOT\] /],
      ["j8", 'LIST (FOO) "" *', /^j8 BAD /],
      ["j9", "NOOP extra", /^j9 BAD /],
      ["k1", "CLOSE", /^k1 BAD /],
      ["k2", "ENABLE", /^k2 BAD /],
      ["k3", "LOGIN a b", /^k3 BAD /],
      ["k4", "NOOP\0", /^k4 BAD /],
      ["k5", new Uint8Array([...Buffer.from('CREATE "'), 0xff, 0xfe, 0x22]), /^k5 BAD .*UTF-8/],
      ["k6", "FETCH 1 FLAGS", /^k6 BAD /],
      ["k7", "SELECT INBOX (CONDSTORE)", /^k7 BAD /],
      ["k8", 'LIST (RECURSIVEMATCH) "" *', /^k8 BAD /],
      ["k9", 'STATUS INBOX (MESSAGES', /^k9 BAD /],
      ["m1", "RENAME Sent", /^m1 BAD /],
      ["m2", "RENAME Nowhere Gesendet", UserStore.canRename ? /^m2 NO \[NONEXISTENT\] / : /^m2 NO \[CANNOT\] RENAME is not supported by this index yet/],
      ["m3", "APPEND INBOX {3}", /^m3 NO \[CANNOT\] /],
      ["m4", "DELETE INBOX", /^m4 NO \[CANNOT\] /],
      ["m5", "SUBSCRIBE", /^m5 BAD /],
      ["m6", "IDLE now", /^m6 BAD /],
    ];
    for (const [tag, command, expect] of cases) {
      if (command === "APPEND INBOX {3}") {
        client.write(`${tag} ${command}\r\n`);
        assert.match(await client.readLine(), /^\+ /);
        client.write("abc\r\n");
        assert.match(last(await client.until(tag)), expect);
        continue;
      }
      client.write(typeof command === "string" ? `${tag} ${command}\r\n` : new Uint8Array([...Buffer.from(`${tag} `), ...command, 13, 10]));
      assert.match(last(await client.until(tag)), expect, `${tag} ${command}`);
    }
    client.write("(bad NOOP\r\n");
    assert.match(await client.readLine(), /^\* BAD /);
    assert.match(last(await client.command("s1", "SELECT INBOX")), /^s1 OK \[READ-ONLY\] /);
    assert.match(last(await client.command("s2", "UID FETCH 1:* FLAGS")), /^s2 NO \[CANNOT\] /);
    assert.match(last(await client.command("s3", "EXPUNGE")), /^s3 NO \[CANNOT\] /);
    assert.match(last(await client.command("s4", "ENABLE UTF8=ACCEPT")), /^s4 BAD /, "ENABLE only in the authenticated state");
    assert.deepEqual(await client.command("z", "NOOP"), ["z OK NOOP completed"]);
  });

  it("answers ID, NAMESPACE, CHECK and LOGOUT", async () => {
    const client = await loggedIn();
    const id = await client.command("a", 'ID ("name" "test")');
    assert.match(id[0], /^\* ID \(/);
    assert.equal(last(id), "a OK ID completed");
    const ns = await client.command("b", "NAMESPACE");
    assert.match(ns[0], /^\* NAMESPACE \(\(""\s"\/"\)\) NIL NIL$/);
    assert.match(last(ns), /^b OK /);
    assert.match(last(await client.command("c", "CHECK")), /^c BAD /, "CHECK needs a selected mailbox");
    assert.match(last(await client.command("d", "SELECT INBOX")), /^d OK /);
    assert.match(last(await client.command("e", "CHECK")), /^e OK /);
    const bye = await client.command("f", "LOGOUT");
    assert.match(bye[0], /^\* BYE /);
    assert.equal(last(bye), "f OK LOGOUT completed");
  });

  it("takes AUTHENTICATE PLAIN with an initial response and after a continuation request", async () => {
    const plain = (authz: string, user: string, pass: string) => Buffer.from(`${authz}\0${user}\0${pass}`).toString("base64");
    const a = (await connect()).client;
    assert.match(last(await a.command("a1", `AUTHENTICATE PLAIN ${plain("", "alice", "wrong")}`)), /^a1 NO \[AUTHENTICATIONFAILED\] /);
    assert.match(last(await a.command("a2", `AUTHENTICATE PLAIN ${plain("bob", "alice", ALICE.password)}`)), /^a2 NO \[AUTHORIZATIONFAILED\] /);
    assert.match(last(await a.command("a3", "AUTHENTICATE PLAIN !!!")), /^a3 BAD /);
    assert.match(last(await a.command("a4", "AUTHENTICATE CRAM-MD5")), /^a4 NO /);
    assert.match(last(await a.command("a5", `AUTHENTICATE PLAIN ${plain("", "alice", ALICE.password)}`)), /^a5 OK /);

    const b = (await connect()).client;
    b.write("b1 AUTHENTICATE PLAIN\r\n");
    assert.equal(await b.readLine(), "+ ");
    b.write("*\r\n");
    assert.equal(await b.readLine(), "b1 BAD Authentication cancelled");
    b.write("b2 AUTHENTICATE PLAIN\r\n");
    assert.equal(await b.readLine(), "+ ");
    b.write(`${plain("alice", "alice", ALICE.password)}\r\n`);
    assert.match(await b.readLine(), /^b2 OK /);
    assert.match(last(await b.command("b3", "NAMESPACE")), /^b3 OK/);
  });

  it("answers SELECT and EXAMINE read-only from the STATUS cache, in IMAP4rev1 and IMAP4rev2, and IDLE until DONE", async () => {
    const client = await loggedIn();
    assert.deepEqual(await client.command("a", "EXAMINE INBOX"), [
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
      "* OK [PERMANENTFLAGS ()] No permanent flags permitted",
      "* 3 EXISTS",
      "* 1 RECENT",
      "* OK [UIDVALIDITY 1700000001] UIDs valid",
      "* OK [UIDNEXT 45] Predicted next UID",
      "a OK [READ-ONLY] EXAMINE completed",
    ]);
    client.write("b IDLE\r\n");
    assert.equal(await client.readLine(), "+ idling");
    client.write("DONE\r\n");
    assert.equal(await client.readLine(), "b OK IDLE terminated");
    client.write("c IDLE\r\n");
    assert.equal(await client.readLine(), "+ idling");
    client.write("NOT DONE\r\n");
    assert.match(await client.readLine(), /^c BAD /);
    assert.deepEqual(await client.command("d", "UNSELECT"), ["d OK UNSELECT completed"]);
    assert.deepEqual(await client.command("e", "ENABLE IMAP4rev2 CONDSTORE"), ["* ENABLED IMAP4rev2", "e OK ENABLE completed"]);
    assert.deepEqual(await client.command("f", 'SELECT "日本語"'), [
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
      "* OK [PERMANENTFLAGS ()] No permanent flags permitted",
      "* 2 EXISTS",
      "* OK [UIDVALIDITY 1700000003] UIDs valid",
      "* OK [UIDNEXT 8] Predicted next UID",
      '* LIST () "/" "日本語"',
      "f OK [READ-ONLY] SELECT completed",
    ]);
    assert.deepEqual(await client.command("g", "SELECT Sent"), [
      "* OK [CLOSED] Previous mailbox closed",
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
      "* OK [PERMANENTFLAGS ()] No permanent flags permitted",
      "* 2 EXISTS",
      "* OK [UIDVALIDITY 1700000005] UIDs valid",
      "* OK [UIDNEXT 13] Predicted next UID",
      '* LIST () "/" "Sent"',
      "g OK [READ-ONLY] SELECT completed",
    ]);
    assert.deepEqual(await client.command("h", "CLOSE"), ["h OK CLOSE completed"]);
  });

  it("IDLE reports another process's commit from the change feed (the safety-net poll is an hour)", async () => {
    const client = await loggedIn();
    const examined = await client.command("a", "EXAMINE Sent");
    const exists = Number(/^\* (\d+) EXISTS$/.exec(examined.find((l) => l.endsWith(" EXISTS"))!)![1]);
    client.write("b IDLE\r\n");
    assert.equal(await client.readLine(), "+ idling");
    const index = await MailboxListIndex.open(server.indexPath(ALICE.name), { onWarning: () => {} });
    try {
      const now = index.status("Sent")!;
      const ctx = await index.syncBegin({ partial: true });
      ctx.setStatus("Sent", { ...now, messages: exists + 4, uidNext: now.uidNext + 4 });
      await ctx.commit();
    } finally {
      await index.close();
    }
    assert.equal(await client.readLine(), `* ${exists + 4} EXISTS`);
    client.write("DONE\r\n");
    assert.equal(await client.readLine(), "b OK IDLE terminated");
    assert.deepEqual(await client.command("c", "CLOSE"), ["c OK CLOSE completed"]);
  });

  it("upgrades to TLS with STARTTLS and drops what was sent in the clear after it", async () => {
    const { client } = await connect();
    client.write("a STARTTLS\r\nb LOGIN alice x\r\n");
    assert.equal(await client.readLine(), "a OK Begin TLS negotiation now");
    const tls = await client.startTls();
    assert.ok(tls.encrypted);
    const caps = await client.command("c", "CAPABILITY");
    assert.ok(!caps[0].includes("STARTTLS") && caps[0].includes("AUTH=PLAIN"), caps[0]);
    assert.deepEqual(caps.filter((l) => l.startsWith("b ")), [], "the cleartext command was dropped");
    assert.match(last(await client.command("d", "STARTTLS")), /^d BAD /);
    assert.match(last(await client.command("e", LOGIN)), /^e OK /);
    assert.match(last(await client.command("f", 'LIST "" "Sent"')), /^f OK /);
  });

  it("announces LOGINDISABLED and refuses LOGIN on a plaintext non-loopback connection, until STARTTLS", async (t) => {
    const address = Object.values(networkInterfaces()).flat().find((a) => a?.family === "IPv4" && !a.internal)?.address;
    if (address === undefined) {
      t.skip("this machine has no non-loopback IPv4 address");
      return;
    }
    const dir = join(tmp.dir, "remote");
    const { cert, key } = selfSignedCertificate();
    const remote = await startTestServer(dir, [{ ...ALICE }], [], RUNTIME, address).catch(() => undefined);
    if (remote === undefined) {
      t.skip(`cannot listen on ${address}`);
      return;
    }
    try {
      const plainOnly = await RawClient.open(remote.port, address);
      clients.push(plainOnly.client);
      assert.ok(plainOnly.greeting.includes("LOGINDISABLED") && !plainOnly.greeting.includes("AUTH=PLAIN"), plainOnly.greeting);
      assert.match(last(await plainOnly.client.command("a", LOGIN)), /^a NO \[PRIVACYREQUIRED\] /);
      assert.match(last(await plainOnly.client.command("b", "AUTHENTICATE PLAIN")), /^b NO \[PRIVACYREQUIRED\] /);
    } finally {
      await remote.stop();
    }
    writeFileSync(join(dir, "cert.pem"), cert);
    writeFileSync(join(dir, "key.pem"), key);
    const withTls = await startTestServer(join(dir, "tls"), [{ ...ALICE }], [
      "--tls-cert",
      join(dir, "cert.pem"),
      "--tls-key",
      join(dir, "key.pem"),
    ], RUNTIME, address);
    try {
      const { client, greeting } = await RawClient.open(withTls.port, address);
      clients.push(client);
      assert.ok(greeting.includes("LOGINDISABLED") && greeting.includes("STARTTLS"), greeting);
      assert.match(last(await client.command("a", "STARTTLS")), /^a OK /);
      await client.startTls();
      assert.match(last(await client.command("b", LOGIN)), /^b OK /);
    } finally {
      await withTls.stop();
    }
  });
});

describe(`the reference IMAP server on ${RUNTIME}: connection cap and idle timeout`, () => {
  let tmp: { dir: string; cleanup: () => void };
  let server: TestServer;
  const clients: RawClient[] = [];

  before(async () => {
    tmp = makeTempDir("mli-imap-limits-");
    server = await startTestServer(tmp.dir, [{ ...ALICE }, { name: "carol", password: "c" }], [
      "--max-connections-per-user",
      "2",
      "--idle-timeout",
      "2",
    ]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
    tmp?.cleanup();
  });

  async function connect(): Promise<RawClient> {
    const { client } = await RawClient.open(server.port);
    clients.push(client);
    return client;
  }

  it("lets a user have two connections, refuses a third with NO [LIMIT], and takes one again after a logout", async () => {
    const one = await connect();
    const two = await connect();
    const three = await connect();
    assert.match(last(await one.command("a", "LOGIN carol c")), /^a OK /);
    assert.match(last(await two.command("a", "LOGIN carol c")), /^a OK /);
    assert.match(last(await three.command("a", "LOGIN carol c")), /^a NO \[LIMIT\] /);
    assert.match(last(await three.command("b", LOGIN)), /^b OK /, "another user is not limited by carol's connections");
    await one.command("z", "LOGOUT");
    await one.waitClosed();
    const four = await connect();
    // The server counts the logout once it has seen the connection end: try a few times.
    let answer = "";
    for (let i = 0; i < 50 && !answer.includes(" OK "); i++) {
      answer = last(await four.command(`c${i}`, "LOGIN carol c"));
      if (!answer.includes(" OK ")) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(answer, /^c\d+ OK /);
  });

  it("closes a connection that stays silent longer than the idle timeout, with BYE", async () => {
    const client = await connect();
    assert.match(last(await client.command("a", LOGIN)), /^a OK /);
    const rest = await client.waitClosed(30_000);
    assert.match(rest, /^\* BYE /);
  });
});

describe(`the reference IMAP server on ${RUNTIME}: a LIST of 100,000 mailboxes`, () => {
  let tmp: { dir: string; cleanup: () => void };
  let server: TestServer;
  let client: RawClient | undefined;
  const COUNT = 100_000;

  before(async () => {
    tmp = makeTempDir("mli-imap-big-");
    // The index is built directly (no store scan at login): 100,000 mailboxes with STATUS.
    server = await startTestServer(tmp.dir, [{ ...ALICE }], ["--no-login-scan"]);
    const names = [{ name: "INBOX", status: { messages: 1, unseen: 0, recent: 0, uidNext: 2, uidValidity: 7 } }];
    for (let i = 0; i < COUNT; i++) {
      names.push({ name: `Box ${i}`, status: { messages: i % 97, unseen: i % 5, recent: 0, uidNext: i + 1, uidValidity: 7 } });
    }
    await rebuild(server.indexPath(ALICE.name), names);
  });

  after(async () => {
    client?.close();
    await server?.stop();
    tmp?.cleanup();
  });

  it("is written whole, in order, with its STATUS lines, and the connection goes on", async () => {
    client = (await RawClient.open(server.port)).client;
    assert.match(last(await client.command("a", LOGIN)), /^a OK /);
    const lines = await client.command("b", 'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))', 120_000);
    assert.equal(last(lines), "b OK LIST completed");
    const list = lines.filter((l) => l.startsWith("* LIST "));
    const status = lines.filter((l) => l.startsWith("* STATUS "));
    assert.equal(list.length, COUNT + 1);
    assert.equal(status.length, COUNT + 1);
    assert.ok(status.includes('* STATUS "Box 96" (MESSAGES 96 UNSEEN 1)'));
    const plain = await client.command("c", 'LIST "" %', 120_000);
    assert.equal(plain.length, COUNT + 2);
    assert.deepEqual(await client.command("d", "NOOP"), ["d OK NOOP completed"]);
  });
});
