// Real IMAP clients read the LIST layer's responses: imapflow and node-imap
// (the `imap` package) parse untagged LIST and STATUS responses with their
// own parsers and decoding, in-process (test/helpers/imap_clients.ts), and
// must recover exactly each mailbox's Unicode name, attributes, special-use
// attribute and STATUS figures. First against hand-written, RFC-correct
// responses (IMAP4rev1 with modified UTF-7 names, and UTF8=ACCEPT); then
// against the lines the LIST layer formats for a real index.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  formatListResponse,
  formatStatusResponse,
  type ListEntry,
  listMailboxes,
  MailboxListIndex,
  type MailboxStatus,
} from "../../mod.ts";
import {
  type ClientListing,
  type ClientMailbox,
  type ClientStatus,
  imapflowListing,
  imapflowStatus,
  nodeImapListing,
} from "../helpers/imap_clients.ts";
import { makeTempDir } from "../helpers/tmp.ts";

// ------------------------------------------------------------------ helpers

const CRLF = "\r\n";

/** The special-use attributes of RFC 6154. */
const SPECIAL_USE = new Set(["\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"]);

/** A mailbox as the test expects a client to report it. */
interface Seen {
  name: string;
  delimiter: string | null;
  flags: string[];
  specialUse: string | null;
}

/**
 * What is compared of a client's mailbox. imapflow also guesses a
 * special-use from well-known names (`Entwürfe` is `\Drafts` to it) and
 * gives INBOX `\Inbox`; only the special-use it took from the server's
 * attributes (source "extension") is the server's, so only that one counts.
 */
function seen(m: ClientMailbox): Seen {
  const specialUse = m.specialUseSource === undefined || m.specialUseSource === "extension" ? m.specialUse : null;
  return { name: m.name, delimiter: m.delimiter, flags: m.flags, specialUse };
}

/** The expected mailbox: flags sorted, special-use the one among them. */
function mailbox(name: string, delimiter: string | null, flags: string[]): Seen {
  const specialUse = flags.find((f) => SPECIAL_USE.has(f)) ?? null;
  return { name, delimiter, flags: [...flags].sort(), specialUse };
}

/** A name for a test title: control characters escaped, long names cut. */
function show(s: string): string {
  // deno-lint-ignore no-control-regex
  const escaped = s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return escaped.length > 40 ? `${escaped.slice(0, 40)}… (${s.length} characters)` : escaped;
}

/** A quoted string (RFC 3501 §4.3): backslash and double quote escaped. */
function quoted(s: string): string {
  return `"${s.replace(/["\\]/g, "\\$&")}"`;
}

/** A synchronizing literal: the UTF-8 byte count, CRLF, the bytes. */
function literal(s: string): string {
  return `{${new TextEncoder().encode(s).length}}${CRLF}${s}`;
}

/** One untagged LIST response. */
function listLine(flags: string[], delimiter: string | null, wireName: string): string {
  return `* LIST (${flags.join(" ")}) ${delimiter === null ? "NIL" : quoted(delimiter)} ${wireName}${CRLF}`;
}

/** Check a client's listing: the mailboxes by name, and the STATUS figures the server sent. */
function expectListing(client: string, got: ClientListing, mailboxes: Seen[], statuses: ClientStatus[] = []): void {
  const byName = (a: { name: string }, b: { name: string }) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  assert.deepEqual(got.mailboxes.map(seen), [...mailboxes].sort(byName), `${client}: the mailboxes`);
  const want = [...statuses].sort(byName);
  assert.deepEqual(got.statuses.map((s) => s.name), want.map((s) => s.name), `${client}: the STATUS names`);
  for (let i = 0; i < want.length; i++) {
    // Only the items the server sent (node-imap reports 0 for the others).
    const picked = Object.fromEntries(Object.keys(want[i]).map((k) => [k, got.statuses[i][k as keyof ClientStatus]]));
    assert.deepEqual(picked, want[i], `${client}: the STATUS figures of ${JSON.stringify(want[i].name)}`);
  }
}

// ------------------------------------------------------------------ the names

/**
 * Names outside printable ASCII or with `&`, with their modified UTF-7 form
 * (RFC 3501 §5.1.3), written out by hand. Only the hand-written responses
 * use them: the LIST layer still sends non-ASCII names to IMAP4rev1
 * sessions as 8-bit literals and `&` as itself. Once it sends modified
 * UTF-7, the index-based test below must cover these names too.
 */
const NON_ASCII_AND_AMPERSAND_NAMES: { name: string; mutf7: string }[] = [
  { name: "Entwürfe", mutf7: "Entw&APw-rfe" },
  { name: "A&B", mutf7: "A&-B" },
  { name: "&", mutf7: "&-" },
  { name: "&-", mutf7: "&--" },
  { name: "&&Ü", mutf7: "&-&-&ANw-" },
  { name: "R&D/Café", mutf7: "R&-D/Caf&AOk-" },
  { name: "日本語", mutf7: "&ZeVnLIqe-" },
  { name: "😀 smile", mutf7: "&2D3eAA- smile" },
  { name: "tab\tx", mutf7: "tab&AAk-x" },
  { name: "\x01ctl\x7f", mutf7: "&AAE-ctl&AH8-" },
  { name: "cr\r\nlf", mutf7: "cr&AA0ACg-lf" },
  // A 255-byte component of 3-byte characters, under a 255-byte ASCII one.
  { name: "c".repeat(255) + "/" + "日".repeat(85), mutf7: "c".repeat(255) + "/&" + "ZeVl5WXl".repeat(28) + "ZeU-" },
];

/** Printable-ASCII names without `&` that need care on the wire: sent the same way in every mode. */
const PLAIN_TRICKY_NAMES: string[] = [
  "50% off",
  "a*b",
  "%",
  "*",
  'say "hi"',
  "back\\slash",
  "end\\",
  "\\",
  '"',
  "(paren) [bracket] {brace}",
  "x{3}",
  " lead and trail ",
  "a".repeat(255) + "/" + "b".repeat(255),
];

// ------------------------------------------------------------------ hand-written responses

interface Case {
  title: string;
  /** The untagged responses, CRLF-terminated. */
  wire: string;
  mailboxes: Seen[];
  statuses?: ClientStatus[];
}

/** RFC-correct responses to an IMAP4rev1 session (names in modified UTF-7). */
const REV1_CASES: Case[] = [
  ...NON_ASCII_AND_AMPERSAND_NAMES.map(({ name, mutf7 }): Case => ({
    title: `modified UTF-7 ${show(mutf7)} is ${show(name)}`,
    wire: listLine(["\\HasNoChildren"], "/", quoted(mutf7)),
    mailboxes: [mailbox(name, "/", ["\\HasNoChildren"])],
  })),
  ...PLAIN_TRICKY_NAMES.map((name): Case => ({
    title: `the quoted name ${show(quoted(name))}`,
    wire: listLine(["\\HasNoChildren"], "/", quoted(name)),
    mailboxes: [mailbox(name, "/", ["\\HasNoChildren"])],
  })),
  {
    title: "a literal name in modified UTF-7",
    wire: listLine(["\\HasChildren"], "/", literal("Entw&APw-rfe/Caf&AOk-")),
    mailboxes: [mailbox("Entwürfe/Café", "/", ["\\HasChildren"])],
  },
  {
    title: "a literal name with quotes, a backslash and spaces (no escapes in a literal)",
    wire: listLine(["\\HasNoChildren"], "/", literal('say "hi" \\ ok')),
    mailboxes: [mailbox('say "hi" \\ ok', "/", ["\\HasNoChildren"])],
  },
  {
    title: "a literal name holding CR and LF as themselves",
    wire: listLine(["\\HasNoChildren"], "/", literal("line\r\nbreak")),
    mailboxes: [mailbox("line\r\nbreak", "/", ["\\HasNoChildren"])],
  },
  {
    title: "a NIL delimiter",
    wire: `* LIST (\\Noselect) NIL "x"${CRLF}`,
    mailboxes: [mailbox("x", null, ["\\Noselect"])],
  },
  {
    title: "a NIL delimiter: a slash in the name is no hierarchy",
    wire: listLine(["\\HasNoChildren"], null, quoted("flat/name")),
    mailboxes: [mailbox("flat/name", null, ["\\HasNoChildren"])],
  },
  {
    title: "a non-slash delimiter",
    wire: listLine(["\\HasNoChildren"], ".", quoted("Lists.ietf-imapext")),
    mailboxes: [mailbox("Lists.ietf-imapext", ".", ["\\HasNoChildren"])],
  },
  {
    title: "special-use attributes (RFC 6154)",
    wire: listLine(["\\HasNoChildren", "\\Sent"], "/", quoted("Pigeon post")) +
      listLine(["\\HasChildren", "\\Trash"], "/", quoted("Bin &AOk-t&AOk-")) +
      listLine(["\\HasNoChildren", "\\Junk"], "/", literal("Spam & eggs".replace("&", "&-"))),
    mailboxes: [
      mailbox("Pigeon post", "/", ["\\HasNoChildren", "\\Sent"]),
      mailbox("Bin été", "/", ["\\HasChildren", "\\Trash"]),
      mailbox("Spam & eggs", "/", ["\\HasNoChildren", "\\Junk"]),
    ],
  },
  {
    title: "\\NonExistent with \\Noselect (RFC 5258)",
    wire: listLine(["\\NonExistent", "\\HasChildren", "\\Noselect"], "/", quoted("Gone")),
    mailboxes: [mailbox("Gone", "/", ["\\NonExistent", "\\HasChildren", "\\Noselect"])],
  },
  {
    title: "STATUS of a name with &",
    wire: listLine(["\\HasNoChildren"], "/", quoted("A&-B/C")) +
      `* STATUS "A&-B/C" (MESSAGES 3 UNSEEN 1 UIDNEXT 45 UIDVALIDITY 7)${CRLF}`,
    mailboxes: [mailbox("A&B/C", "/", ["\\HasNoChildren"])],
    statuses: [{ name: "A&B/C", messages: 3, unseen: 1, uidNext: 45, uidValidity: 7 }],
  },
  {
    title: "STATUS of a literal non-ASCII name, every item, the largest numbers",
    wire: listLine(["\\HasNoChildren"], "/", literal("&AMk-t&AOk-")) +
      `* STATUS ${literal("&AMk-t&AOk-")} (MESSAGES 4294967295 UNSEEN 0 RECENT 2 UIDNEXT 4294967295 UIDVALIDITY 4294967295)${CRLF}`,
    mailboxes: [mailbox("Été", "/", ["\\HasNoChildren"])],
    statuses: [{ name: "Été", messages: 4294967295, unseen: 0, recent: 2, uidNext: 4294967295, uidValidity: 4294967295 }],
  },
  {
    title: "STATUS of a quoted name with quotes and a backslash",
    wire: listLine(["\\HasNoChildren"], "/", quoted('q"\\')) +
      `* STATUS ${quoted('q"\\')} (MESSAGES 0 UNSEEN 0 RECENT 0 UIDNEXT 1 UIDVALIDITY 1)${CRLF}`,
    mailboxes: [mailbox('q"\\', "/", ["\\HasNoChildren"])],
    statuses: [{ name: 'q"\\', messages: 0, unseen: 0, recent: 0, uidNext: 1, uidValidity: 1 }],
  },
];

/**
 * The same names to a session with UTF8=ACCEPT enabled (RFC 6855): names are
 * UTF-8 as they are, `&` included; CR and LF still need a literal.
 */
const UTF8_CASES: Case[] = [
  ...NON_ASCII_AND_AMPERSAND_NAMES.map(({ name }): Case => ({
    title: `the UTF-8 name ${show(name)}`,
    wire: listLine(["\\HasNoChildren"], "/", /[\r\n]/.test(name) ? literal(name) : quoted(name)),
    mailboxes: [mailbox(name, "/", ["\\HasNoChildren"])],
  })),
  ...PLAIN_TRICKY_NAMES.map((name): Case => ({
    title: `the quoted name ${show(quoted(name))}`,
    wire: listLine(["\\HasNoChildren"], "/", quoted(name)),
    mailboxes: [mailbox(name, "/", ["\\HasNoChildren"])],
  })),
  {
    title: "modified UTF-7 is not decoded: A&-B stays A&-B",
    wire: listLine(["\\HasNoChildren", "\\Archive"], "/", quoted("A&-B")),
    mailboxes: [mailbox("A&-B", "/", ["\\HasNoChildren", "\\Archive"])],
  },
  {
    title: "a literal UTF-8 name with CR and LF",
    wire: listLine(["\\HasNoChildren"], "/", literal("Ä\r\nö")),
    mailboxes: [mailbox("Ä\r\nö", "/", ["\\HasNoChildren"])],
  },
  {
    title: "a NIL delimiter",
    wire: `* LIST (\\Noselect) NIL "Übersicht"${CRLF}`,
    mailboxes: [mailbox("Übersicht", null, ["\\Noselect"])],
  },
  {
    title: "STATUS of a UTF-8 name with &",
    wire: listLine(["\\HasNoChildren"], "/", quoted("Ä&-B")) +
      `* STATUS "Ä&-B" (MESSAGES 3 UNSEEN 1 UIDNEXT 45 UIDVALIDITY 7)${CRLF}`,
    mailboxes: [mailbox("Ä&-B", "/", ["\\HasNoChildren"])],
    statuses: [{ name: "Ä&-B", messages: 3, unseen: 1, uidNext: 45, uidValidity: 7 }],
  },
];

describe("real IMAP clients: hand-written IMAP4rev1 responses (modified UTF-7 names)", () => {
  for (const c of REV1_CASES) {
    it(c.title, async () => {
      expectListing("imapflow", await imapflowListing(c.wire), c.mailboxes, c.statuses);
      expectListing("node-imap", await nodeImapListing(c.wire), c.mailboxes, c.statuses);
    });
  }

  it("all of them in one stream", async () => {
    const wire = REV1_CASES.map((c) => c.wire).join("");
    const mailboxes = REV1_CASES.flatMap((c) => c.mailboxes);
    const statuses = REV1_CASES.flatMap((c) => c.statuses ?? []);
    expectListing("imapflow", await imapflowListing(wire), mailboxes, statuses);
    expectListing("node-imap", await nodeImapListing(wire), mailboxes, statuses);
  });

  it("imapflow's STATUS command takes the figures of the STATUS response", async () => {
    const wire = `* STATUS "A&-B" (MESSAGES 3 UNSEEN 1 RECENT 0 UIDNEXT 45 UIDVALIDITY 7)${CRLF}`;
    assert.deepEqual(await imapflowStatus(wire, "A&B"), {
      name: "A&B",
      messages: 3,
      unseen: 1,
      recent: 0,
      uidNext: 45,
      uidValidity: 7,
    });
  });
});

// node-imap has no UTF8=ACCEPT mode: its Parser always decodes LIST and
// STATUS names from modified UTF-7 (utf7's imap.decode), so a UTF-8 name
// holding `&...-` comes out changed ("A&-B" becomes "A&B"). UTF-8 sessions
// are therefore checked on imapflow only.
describe("real IMAP clients: hand-written UTF8=ACCEPT responses (imapflow)", () => {
  for (const c of UTF8_CASES) {
    it(c.title, async () => {
      expectListing("imapflow", await imapflowListing(c.wire, { utf8Accept: true }), c.mailboxes, c.statuses);
    });
  }

  it("all of them in one stream", async () => {
    const wire = UTF8_CASES.map((c) => c.wire).join("");
    const got = await imapflowListing(wire, { utf8Accept: true });
    expectListing("imapflow", got, UTF8_CASES.flatMap((c) => c.mailboxes), UTF8_CASES.flatMap((c) => c.statuses ?? []));
  });
});

// ------------------------------------------------------------------ an index, listed by the LIST layer

/**
 * Printable-ASCII names without `&` and names with control characters,
 * CR and LF, which the LIST layer already sends in a form both clients
 * take back (quoted strings and literals). The non-ASCII and `&` names of
 * {@linkcode NON_ASCII_AND_AMPERSAND_NAMES} join them once the LIST layer
 * sends modified UTF-7 to IMAP4rev1 sessions.
 */
const INDEX_NAMES: string[] = [
  "INBOX",
  "INBOX/Pigeon post",
  ...PLAIN_TRICKY_NAMES,
  "tab\tx",
  "\x01ctl\x7f",
  "line\r\nbreak",
];

/** The attribute atoms a formatted LIST line carries. */
function sentAttributes(line: string): string[] {
  assert.ok(line.startsWith("* LIST ("), `a LIST line: ${JSON.stringify(line)}`);
  const inner = line.slice("* LIST (".length, line.indexOf(")"));
  return inner === "" ? [] : inner.split(" ");
}

/** A response line as it goes on the wire: CRLF-terminated. */
function wireLine(line: string): string {
  return line.endsWith(CRLF) ? line : line + CRLF;
}

describe("real IMAP clients: an index listed by the LIST layer (IMAP4rev1)", () => {
  it("both clients recover every name, attribute and STATUS figure", async () => {
    const tmp = makeTempDir("mli-real-clients-");
    try {
      const index = await MailboxListIndex.open(join(tmp.dir, "mailboxes.mlist"), { separator: "/", durable: false });
      try {
        const ctx = await index.syncBegin({ recursive: true });
        const figures = new Map<string, MailboxStatus>();
        INDEX_NAMES.forEach((name, i) => {
          const uid = ctx.add(name);
          // Distinct figures per mailbox, some UIDNEXT / UIDVALIDITY unknown (0).
          const status: MailboxStatus = {
            messages: 1000 + i,
            unseen: i,
            recent: i % 3,
            uidNext: i % 4 === 0 ? 0 : 4294967295 - i,
            uidValidity: i % 5 === 0 ? 0 : 1700000000 + i,
          };
          ctx.setStatus(uid, status);
          figures.set(name, status);
        });
        await ctx.commit();

        const entries: ListEntry[] = listMailboxes(index, "*", { status: true });
        let wire = "";
        const mailboxes: Seen[] = [];
        const statuses: ClientStatus[] = [];
        for (const e of entries) {
          const line = formatListResponse(e, index.separator);
          const sent = sentAttributes(line);
          for (const a of e.attributes) assert.ok(sent.includes(a), `${a} is sent for ${JSON.stringify(e.name)}`);
          wire += wireLine(line);
          mailboxes.push(mailbox(e.name, index.separator, sent));
          const statusLine = formatStatusResponse(e);
          if (statusLine !== undefined) {
            wire += wireLine(statusLine);
            const s = e.status!;
            const want: ClientStatus = { name: e.name, messages: s.messages, unseen: s.unseen, recent: s.recent };
            if (s.uidNext !== 0) want.uidNext = s.uidNext;
            if (s.uidValidity !== 0) want.uidValidity = s.uidValidity;
            statuses.push(want);
          }
        }
        // Every stored name was listed, with the figures stored for it.
        assert.deepEqual(mailboxes.map((m) => m.name).filter((n) => figures.has(n)).sort(), [...INDEX_NAMES].sort());
        for (const s of statuses) assert.equal(s.messages, figures.get(s.name)?.messages, `figures of ${s.name}`);
        assert.equal(statuses.length, INDEX_NAMES.length, "a STATUS line per stored mailbox");

        expectListing("imapflow", await imapflowListing(wire), mailboxes, statuses);
        expectListing("node-imap", await nodeImapListing(wire), mailboxes, statuses);
      } finally {
        await index.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
