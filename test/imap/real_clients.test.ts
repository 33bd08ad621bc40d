// Real IMAP clients read the LIST layer's responses: imapflow and node-imap
// (the `imap` package) parse untagged LIST and STATUS responses with their
// own parsers and decoding, in-process (test/helpers/imap_clients.ts), and
// must recover exactly each mailbox's Unicode name, attributes, special-use
// attribute, subscription and STATUS figures. First against hand-written,
// RFC-correct responses (IMAP4rev1 with modified UTF-7 names, and
// UTF8=ACCEPT); then against every kind of answer the LIST layer gives
// (LIST, LIST-EXTENDED, LSUB, STATUS) for a real index holding every tricky
// name, to commands as text and to the commands the clients build themselves.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  answerListCommand,
  answerStatusCommand,
  type ImapSession,
  ImapSyntaxError,
  MailboxFlags,
  MailboxListIndex,
  type MailboxStatus,
  SPECIAL_USE_MASK,
  specialUseAtoms,
} from "../../mod.ts";
import {
  type ClientListing,
  type ClientMailbox,
  type ClientStatus,
  imapflowList,
  imapflowListing,
  imapflowStatus,
  imapflowStatusRequest,
  nodeImapCommand,
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

/**
 * What imapflow reports for an expected mailbox: it adds `\Noselect` to
 * `\NonExistent` itself (commands/list.js), which RFC 9051 §7.3.1 says
 * \NonExistent implies.
 */
function imapflowAdds(m: Seen): Seen {
  return m.flags.includes("\\NonExistent") && !m.flags.includes("\\Noselect")
    ? { ...m, flags: [...m.flags, "\\Noselect"].sort() }
    : m;
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
 * (RFC 3501 §5.1.3), written out by hand for the hand-written responses.
 * The index below holds them too.
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

/**
 * Printable-ASCII names without `&` that need care on the wire: sent the
 * same way in every mode. `NIL` and `nil/x` (under a NONEXISTENT `nil`)
 * are names a client must read as strings, never as a NIL delimiter or an
 * absent value.
 */
const PLAIN_TRICKY_NAMES: string[] = [
  "NIL",
  "nil/x",
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
    // At most one of \Noselect, \Marked, \Unmarked and \NonExistent (RFC 9051
    // §9, mbx-list-sflag); \NonExistent implies \Noselect (RFC 9051 §7.3.1).
    title: "\\NonExistent with \\HasChildren (RFC 5258)",
    wire: listLine(["\\NonExistent", "\\HasChildren"], "/", quoted("Gone")),
    mailboxes: [mailbox("Gone", "/", ["\\NonExistent", "\\HasChildren"])],
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
      expectListing("imapflow", await imapflowListing(c.wire), c.mailboxes.map(imapflowAdds), c.statuses);
      expectListing("node-imap", await nodeImapListing(c.wire), c.mailboxes, c.statuses);
    });
  }

  it("all of them in one stream", async () => {
    const wire = REV1_CASES.map((c) => c.wire).join("");
    const mailboxes = REV1_CASES.flatMap((c) => c.mailboxes);
    const statuses = REV1_CASES.flatMap((c) => c.statuses ?? []);
    expectListing("imapflow", await imapflowListing(wire), mailboxes.map(imapflowAdds), statuses);
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

// ------------------------------------------------------------------ an index, answered by the LIST layer

// An index holding every tricky name above, built through the public API,
// answers each kind of command through the LIST layer's command API
// (answerListCommand / answerStatusCommand, arguments as text, so the
// command parser runs too); both clients read the answers. What each client
// must recover is worked out below from what the test put into the index,
// never from the layer's output, so a formatting bug shows as a difference.
//
// The one tricky case the index cannot hold is a NIL hierarchy delimiter:
// its separator is one byte other than NUL (MailboxListIndex.open refuses
// anything else), so NIL is covered by the hand-written responses above.

type StatusKey = "messages" | "unseen" | "recent" | "uidNext" | "uidValidity";

/** The STATUS items of each kind of request, as figure names. */
const ALL_ITEMS: StatusKey[] = ["messages", "unseen", "recent", "uidNext", "uidValidity"];
const LIST_STATUS_ITEMS: StatusKey[] = ["messages", "unseen", "uidNext", "uidValidity"];

/** The mailboxes stored: every tricky name, INBOX with a child, and a NONEXISTENT parent with non-ASCII names. */
const STORED_NAMES: string[] = [
  "INBOX",
  "INBOX/Pigeon post",
  ...NON_ASCII_AND_AMPERSAND_NAMES.map((n) => n.name),
  ...PLAIN_TRICKY_NAMES,
  "Über/Straße",
];

/** Special-use attributes stored: each RFC 6154 attribute once, two on one mailbox (a literal in UTF-8). */
const STORED_SPECIAL_USE = new Map<string, string[]>([
  ["INBOX/Pigeon post", ["\\Sent"]],
  ["&-", ["\\Trash"]],
  ["日本語", ["\\Junk"]],
  ["Entwürfe", ["\\Drafts"]],
  ["R&D/Café", ["\\Archive"]],
  ["cr\r\nlf", ["\\Flagged", "\\All"]],
]);

/**
 * Subscriptions stored: existing mailboxes (`R&D/Café` and `nil/x`
 * under a NONEXISTENT parent, one with a 255-byte component, `NIL`), and two
 * names that do not exist: one under INBOX, one whose parent does not
 * exist either.
 */
const STORED_SUBSCRIPTIONS: string[] = [
  "INBOX/Pigeon post",
  "Entwürfe",
  "R&D/Café",
  "&-",
  "日本語",
  'say "hi"',
  "cr\r\nlf",
  "tab\tx",
  "%",
  "NIL",
  "nil/x",
  "c".repeat(255) + "/" + "日".repeat(85),
  "INBOX/old",
  "Gone/Entwürfe & co",
];

const MAX_NUMBER = 4294967295;

/**
 * The STATUS figures stored for the i-th mailbox: distinct per mailbox,
 * the largest numbers for INBOX, some UIDNEXT / UIDVALIDITY unknown (0),
 * and none for every fifth mailbox.
 */
function storedStatus(i: number): MailboxStatus | undefined {
  if (i % 5 === 3) return undefined;
  if (i === 0) return { messages: MAX_NUMBER, unseen: MAX_NUMBER, recent: MAX_NUMBER, uidNext: MAX_NUMBER, uidValidity: MAX_NUMBER };
  return {
    messages: 1000 + i,
    unseen: i,
    recent: i % 3,
    uidNext: i % 4 === 0 ? 0 : MAX_NUMBER - i,
    uidValidity: i % 7 === 0 ? 0 : 1700000000 + i,
  };
}

const STORED_STATUS = new Map<string, MailboxStatus>(
  STORED_NAMES.flatMap((name, i): [string, MailboxStatus][] => {
    const status = storedStatus(i);
    return status === undefined ? [] : [[name, status]];
  }),
);

// ---- what the index holds, worked out from the lists above

const EXISTING = new Set(STORED_NAMES);
/** The parents no mailbox was stored for: NONEXISTENT in the index. */
const PLACEHOLDERS = new Set(STORED_NAMES.flatMap(ancestors).filter((n) => !EXISTING.has(n)));
const SUBSCRIBED = new Set(STORED_SUBSCRIPTIONS);

/** The proper ancestors of a name ("a/b/c": "a", "a/b"). */
function ancestors(name: string): string[] {
  const parts = name.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

function childrenAttribute(name: string): string {
  const prefix = name + "/";
  const below = [...EXISTING, ...PLACEHOLDERS].some((n) => n.startsWith(prefix));
  return below ? "\\HasChildren" : "\\HasNoChildren";
}

function specialUseOf(name: string): string[] {
  return STORED_SPECIAL_USE.get(name) ?? [];
}

/** The STATUS figures a client must get for these items: those stored, without an unknown (0) UIDNEXT / UIDVALIDITY. */
function figuresOf(name: string, items: readonly StatusKey[]): ClientStatus | undefined {
  const s = STORED_STATUS.get(name);
  if (s === undefined) return undefined;
  const out: ClientStatus = { name };
  for (const k of items) if (!((k === "uidNext" || k === "uidValidity") && s[k] === 0)) out[k] = s[k];
  return out;
}

/** A mailbox a response must carry: its name, its attribute atoms (a set), its STATUS figures, and CHILDINFO. */
interface Listed {
  name: string;
  attributes: string[];
  status?: ClientStatus;
  childInfo?: boolean;
}

/** Names matching `%` at the top: top-level names of the set, and the top-level ancestors of the others. */
function topLevelOf(names: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const n of names) out.add(n.split("/")[0]);
  return [...out];
}

/** One command the LIST layer answers, and what every mailbox of the answer must be. */
interface ListCase {
  command: "LIST" | "LSUB";
  args: string;
  expected: Listed[];
}

const LIST_CASES: ListCase[] = [
  {
    // A plain LIST: every mailbox, children and special-use attributes (RFC 6154 §2 allows them).
    command: "LIST",
    args: '"" "*"',
    expected: [...EXISTING].map((name) => ({ name, attributes: [childrenAttribute(name), ...specialUseOf(name)] })),
  },
  {
    // `%` lists the NONEXISTENT parents as \Noselect (RFC 3501 §6.3.8).
    command: "LIST",
    args: '"" "%"',
    expected: topLevelOf([...EXISTING, ...PLACEHOLDERS]).map((name) => ({
      name,
      attributes: [childrenAttribute(name), ...(PLACEHOLDERS.has(name) ? ["\\Noselect"] : []), ...specialUseOf(name)],
    })),
  },
  {
    // The empty pattern asks for the hierarchy delimiter: one \Noselect entry with the empty name (RFC 3501 §6.3.8).
    command: "LIST",
    args: '"" ""',
    expected: [{ name: "", attributes: ["\\Noselect"] }],
  },
  {
    // LIST-EXTENDED: a NONEXISTENT parent found by `%` is \NonExistent with its \HasChildren
    // (RFC 5258 §3.5, example 11); no special-use without RETURN (SPECIAL-USE).
    command: "LIST",
    args: '() "" "%" RETURN (CHILDREN)',
    expected: topLevelOf([...EXISTING, ...PLACEHOLDERS]).map((name) => ({
      name,
      attributes: [childrenAttribute(name), ...(PLACEHOLDERS.has(name) ? ["\\NonExistent"] : [])],
    })),
  },
  {
    command: "LIST",
    args: '(SPECIAL-USE) "" "*"',
    expected: [...EXISTING].filter((n) => specialUseOf(n).length > 0).map((name) => ({ name, attributes: specialUseOf(name) })),
  },
  {
    command: "LIST",
    args: '"" "*" RETURN (SUBSCRIBED CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN UIDNEXT UIDVALIDITY))',
    expected: [...EXISTING].map((name) => ({
      name,
      attributes: [childrenAttribute(name), ...(SUBSCRIBED.has(name) ? ["\\Subscribed"] : []), ...specialUseOf(name)],
      status: figuresOf(name, LIST_STATUS_ITEMS),
    })),
  },
  {
    // Every subscribed name, existing or not (RFC 5258 §3.1).
    command: "LIST",
    args: '(SUBSCRIBED) "" "*"',
    expected: [...SUBSCRIBED].map((name) => ({
      name,
      attributes: [...(EXISTING.has(name) ? [] : ["\\NonExistent"]), "\\Subscribed"],
    })),
  },
  {
    // Top-level names subscribed, or with a subscribed descendant: those carry CHILDINFO (RFC 5258 §3.5).
    command: "LIST",
    args: '(SUBSCRIBED RECURSIVEMATCH) "" "%"',
    expected: topLevelOf(SUBSCRIBED).map((name) => ({
      name,
      attributes: [...(EXISTING.has(name) ? [] : ["\\NonExistent"]), ...(SUBSCRIBED.has(name) ? ["\\Subscribed"] : [])],
      childInfo: [...SUBSCRIBED].some((s) => s.startsWith(name + "/")),
    })),
  },
  {
    // Every subscribed name with its special-use attributes, as Dovecot answers LSUB.
    command: "LSUB",
    args: '"" "*"',
    expected: [...SUBSCRIBED].map((name) => ({ name, attributes: specialUseOf(name) })),
  },
  {
    // A parent of subscribed names that is not subscribed itself is \Noselect (RFC 3501 §6.3.9).
    command: "LSUB",
    args: '"" "%"',
    expected: topLevelOf(SUBSCRIBED).map((name) => ({
      name,
      attributes: SUBSCRIBED.has(name) ? specialUseOf(name) : ["\\Noselect"],
    })),
  },
];

// ---- what each client makes of a listed mailbox

/** node-imap's `special_use_attrib`: the last of its list that the attributes hold. */
const NODE_IMAP_SPECIAL_USE = ["\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Important", "\\Junk", "\\Sent", "\\Trash"];

/** What node-imap must report: the attributes as they were sent, nothing added or taken away. */
function nodeImapExpects(l: Listed): ClientMailbox {
  const specialUse = NODE_IMAP_SPECIAL_USE.filter((a) => l.attributes.includes(a)).pop() ?? null;
  return { name: l.name, delimiter: "/", flags: [...l.attributes].sort(), specialUse };
}

/** imapflow's special-use from attributes: the first in RFC 6154 order (special-use.js). */
const IMAPFLOW_SPECIAL_USE = [...SPECIAL_USE];

/** What imapflow keeps of a mailbox, and what it must be. */
interface ImapflowSeen {
  name: string;
  delimiter: string | null;
  flags: string[];
  specialUse: string | null;
  subscribed: boolean;
  extended?: unknown[];
}

function imapflowSeen(m: ClientMailbox): ImapflowSeen {
  const out: ImapflowSeen = { ...seen(m), subscribed: m.subscribed === true };
  if (m.extended !== undefined) out.extended = m.extended;
  return out;
}

/**
 * What imapflow must report for a mailbox listed with these attributes
 * (and the attributes of its LSUB response, when it sent LSUB too). What
 * imapflow does itself (commands/list.js) is applied: it adds `\Noselect`
 * to `\NonExistent`, moves `\Subscribed` into `subscribed`, merges LSUB
 * attributes into the LIST entry and takes every mailbox with an LSUB line
 * as subscribed, always takes INBOX as subscribed, and keeps one
 * special-use from the attributes.
 */
function imapflowExpects(l: Listed, lsub?: Listed): ImapflowSeen {
  const flags = new Set([...l.attributes, ...(lsub?.attributes ?? [])]);
  if (flags.has("\\NonExistent")) flags.add("\\Noselect");
  const subscribed = flags.delete("\\Subscribed") || lsub !== undefined || l.name === "INBOX";
  const out: ImapflowSeen = {
    name: l.name,
    delimiter: "/",
    flags: [...flags].sort(),
    specialUse: IMAPFLOW_SPECIAL_USE.find((a) => l.attributes.includes(a)) ?? null,
    subscribed,
  };
  if (l.childInfo === true) out.extended = [["CHILDINFO", ["SUBSCRIBED"]]];
  return out;
}

const byName = <T extends { name: string }>(a: T, b: T): number => a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** The STATUS figures every listed mailbox with some must come with. */
function expectedStatuses(listed: readonly Listed[]): ClientStatus[] {
  return listed.flatMap((l) => l.status === undefined ? [] : [l.status]).sort(byName);
}

/** The sessions checked: node-imap has no UTF8=ACCEPT mode (see above). */
const SESSIONS: { title: string; session: ImapSession; utf8Accept: boolean; nodeImap: boolean }[] = [
  { title: "IMAP4rev1 (modified UTF-7)", session: {}, utf8Accept: false, nodeImap: true },
  { title: "UTF8=ACCEPT", session: { utf8: true }, utf8Accept: true, nodeImap: false },
];

/**
 * Why imapflow 2.10.2 cannot put a mailbox name on the wire correctly in a
 * STATUS command, or undefined when it can:
 * - it writes every name as an atom or a quoted string, and its compiler
 *   refuses a quoted string holding CR or LF (no literal is tried);
 * - its `encodePath` leaves TAB, CR and LF out of modified UTF-7 (its
 *   pattern skips 0x09, 0x0A and 0x0D), so an IMAP4rev1 session gets a raw
 *   TAB, which is no modified UTF-7 (RFC 3501 §5.1.3);
 * - a name of a backslash and atom characters goes out as a bare atom (its
 *   compiler checks atoms past a leading backslash, as for flags), which is
 *   no astring: `STATUS \ (...)`.
 */
function imapflowStatusFlaw(name: string, utf8Accept: boolean): string | undefined {
  if (/[\r\n]/.test(name)) return "CR or LF in a quoted string";
  if (!utf8Accept && name.includes("\t")) return "a raw TAB in modified UTF-7";
  // ATOM-CHAR: printable ASCII other than SP and atom-specials (RFC 3501 §9).
  if (name.startsWith("\\") && /^[!-~]*$/.test(name) && !/[(){%*"\]]/.test(name.slice(1)) && !name.slice(1).includes("\\")) {
    return "a bare atom starting with a backslash";
  }
  return undefined;
}

describe("real IMAP clients: an index answered by the LIST layer", () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let index: MailboxListIndex;

  before(async () => {
    tmp = makeTempDir("mli-real-clients-");
    index = await MailboxListIndex.open(join(tmp.dir, "mailboxes.mlist"), { separator: "/", durable: false });
    const ctx = await index.syncBegin({ recursive: true });
    for (const name of STORED_NAMES) ctx.add(name);
    for (const [name, status] of STORED_STATUS) ctx.setStatus(name, status);
    for (const [name, atoms] of STORED_SPECIAL_USE) ctx.setSpecialUse(name, atoms);
    for (const name of STORED_SUBSCRIPTIONS) ctx.subscribe(name);
    await ctx.commit();
  });

  after(async () => {
    await index?.close();
    tmp?.cleanup();
  });

  it("the index holds every name, NONEXISTENT parents, special use and subscriptions as stored", () => {
    const names = [...index.iterate()].map((m) => m.name);
    assert.deepEqual([...names].sort(), [...EXISTING, ...PLACEHOLDERS].sort());
    assert.deepEqual([...PLACEHOLDERS].sort(), ["R&D", "nil", "a".repeat(255), "c".repeat(255), "Über"].sort());
    for (const n of PLACEHOLDERS) assert.notEqual(index.flags(n)! & MailboxFlags.NonExistent, 0, `${show(n)} is NONEXISTENT`);
    assert.deepEqual([...index.subscriptionSet()].sort(), [...SUBSCRIBED].sort());
    for (const n of EXISTING) {
      assert.deepEqual(specialUseAtoms(index.flags(n)! & SPECIAL_USE_MASK).sort(), [...specialUseOf(n)].sort(), show(n));
    }
  });

  for (const { title, session, utf8Accept, nodeImap } of SESSIONS) {
    describe(title, () => {
      for (const c of LIST_CASES) {
        it(`${c.command} ${c.args}`, async () => {
          const raw = answerListCommand(index, c.command, c.args, session).join("");
          const want = [...c.expected].sort(byName);
          if (nodeImap) {
            const got = await nodeImapListing(raw);
            assert.deepEqual(got.mailboxes, want.map(nodeImapExpects), "node-imap: the mailboxes");
            expectStatuses("node-imap", got.statuses, expectedStatuses(want));
          }
          // imapflow lists with LIST, then asks LSUB (same pattern) when no mailbox came back \Subscribed.
          let imapflowRaw = raw;
          let listed = want;
          let lsub = new Map<string, Listed>();
          if (c.command === "LSUB") {
            const listCase = LIST_CASES.find((l) => l.command === "LIST" && l.args === c.args)!;
            imapflowRaw = answerListCommand(index, "LIST", c.args, session).join("") + raw;
            listed = [...listCase.expected].sort(byName);
            lsub = new Map(c.expected.map((l) => [l.name, l]));
          }
          const got = await imapflowListing(imapflowRaw, { utf8Accept });
          assert.deepEqual(
            got.mailboxes.map(imapflowSeen),
            listed.map((l) => imapflowExpects(l, lsub.get(l.name))),
            "imapflow: the mailboxes",
          );
          expectStatuses("imapflow", got.statuses, expectedStatuses(listed));
        });
      }

      it("imapflow's own client.list(): its LIST RETURN (STATUS ... SUBSCRIBED) command, answered", async () => {
        const sent: string[] = [];
        const got = await imapflowList((command, args) => {
          sent.push(`${command} ${args}`);
          return answerListCommand(index, command as "LIST" | "LSUB", args, session).join("");
        }, { utf8Accept });
        assert.deepEqual(sent, ['LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY) SPECIAL-USE CHILDREN SUBSCRIBED)']);
        const want: Listed[] = [...EXISTING].map((name) => ({
          name,
          attributes: [childrenAttribute(name), ...(SUBSCRIBED.has(name) ? ["\\Subscribed"] : []), ...specialUseOf(name)],
          status: figuresOf(name, ALL_ITEMS),
        })).sort(byName);
        assert.deepEqual(got.mailboxes.map(imapflowSeen), want.map((l) => imapflowExpects(l)), "imapflow: the mailboxes");
        expectStatuses("imapflow", got.statuses, expectedStatuses(want));
      });

      if (nodeImap) {
        it("node-imap's own getBoxes() and getSubscribedBoxes() commands are the LIST and LSUB answered above", () => {
          assert.deepEqual(nodeImapCommand({ method: "getBoxes" }), { command: "LIST", args: '"" "*"' });
          assert.deepEqual(nodeImapCommand({ method: "getSubscribedBoxes" }), { command: "LSUB", args: '"" "*"' });
        });

        it("STATUS of every selectable mailbox, asked by node-imap's own status()", async () => {
          for (const name of EXISTING) {
            const { command, args } = nodeImapCommand({ method: "status", mailbox: name });
            assert.equal(command, "STATUS");
            const got = await nodeImapListing(answerStatusCommand(index, args, session));
            assert.deepEqual(got.mailboxes, [], `node-imap: no mailbox from STATUS ${show(name)}`);
            expectStatuses("node-imap", got.statuses, [figuresOf(name, ALL_ITEMS) ?? { name }]);
          }
        });
      }

      it("STATUS of every selectable mailbox, asked by imapflow's own status(); the names read back by its listing", async () => {
        let statusLines = "";
        for (const name of EXISTING) {
          const flaw = imapflowStatusFlaw(name, utf8Accept);
          let raw: string | undefined;
          try {
            raw = answerStatusCommand(index, await imapflowStatusRequest(name, { utf8Accept }), session);
          } catch (e) {
            // Only where imapflow cannot write the name properly: it refuses to (CR, LF), or the
            // layer refuses what it wrote as a syntax error (answered BAD), never anything else.
            assert.ok(flaw !== undefined, `imapflow's STATUS ${show(name)} fails: ${e}`);
            assert.ok(
              e instanceof ImapSyntaxError || (e as { code?: string }).code === "InvalidStringValue",
              `imapflow's STATUS ${show(name)} (${flaw}) fails with ${e}`,
            );
          }
          if (raw === undefined) {
            // Its response is still read back below: asked by node-imap (rev1), or with a literal.
            const args = utf8Accept
              ? `${literal(name)} (MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY)`
              : nodeImapCommand({ method: "status", mailbox: name }).args;
            raw = answerStatusCommand(index, args, session);
          } else {
            assert.deepEqual(
              await imapflowStatus(raw, name, { utf8Accept }),
              figuresOf(name, ALL_ITEMS) ?? { name },
              `imapflow: STATUS ${show(name)}`,
            );
          }
          statusLines += raw;
        }
        // imapflow attaches a STATUS response to the listed mailbox whose name it decodes to.
        const listing = answerListCommand(index, "LIST", '"" "*"', session).join("");
        const got = await imapflowListing(listing + statusLines, { utf8Accept });
        expectStatuses("imapflow", got.statuses, [...EXISTING].map((name) => figuresOf(name, ALL_ITEMS) ?? { name }).sort(byName));
      });
    });
  }
});

/**
 * The STATUS figures as a client reports them: imapflow exactly the items
 * it got, node-imap every item, 0 for those it did not get.
 */
function statusSeenBy(client: "imapflow" | "node-imap", want: ClientStatus): ClientStatus {
  if (client === "imapflow") return want;
  return { name: want.name, ...Object.fromEntries(ALL_ITEMS.map((k) => [k, want[k] ?? 0])) };
}

/** Check the STATUS figures a client reports, by name, against those expected. */
function expectStatuses(client: "imapflow" | "node-imap", got: readonly ClientStatus[], want: readonly ClientStatus[]): void {
  assert.deepEqual(got.map((s) => s.name), want.map((s) => s.name), `${client}: the STATUS names`);
  for (let i = 0; i < want.length; i++) {
    assert.deepEqual(got[i], statusSeenBy(client, want[i]), `${client}: the STATUS figures of ${show(want[i].name)}`);
  }
}
