/**
 * Two real IMAP clients' response parsers, run in-process on the exact bytes
 * a server sends: imapflow and node-imap (the `imap` package). Each helper
 * takes one or more untagged response lines (CRLF-terminated, literals
 * included) and returns what the client itself makes of them, through its
 * own parser and its own post-processing (modified UTF-7 decoding, flags,
 * special-use, delimiter, STATUS figures), in one normalised shape.
 *
 * No socket is opened: imapflow's bytes go through its `ImapStream` and
 * node-imap's through a `PassThrough` stream read by its `Parser`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { PassThrough } from "node:stream";
import { ImapStream } from "imapflow/lib/handler/imap-stream.js";
import { parser as imapflowParser } from "imapflow/lib/handler/imap-handler.js";
import imapflowList from "imapflow/lib/commands/list.js";
import imapflowStatusCommand from "imapflow/lib/commands/status.js";

/** STATUS figures of one mailbox as a client reports them (absent items are left out). */
export interface ClientStatus {
  /** The mailbox name the client decoded from the STATUS line (for {@linkcode imapflowStatus}: the path it was asked for). */
  name: string;
  /** MESSAGES. */
  messages?: number;
  /** UNSEEN. */
  unseen?: number;
  /** RECENT. */
  recent?: number;
  /** UIDNEXT. */
  uidNext?: number;
  /** UIDVALIDITY (imapflow keeps it as a BigInt; here it is a number). */
  uidValidity?: number;
}

/** One mailbox of a LIST response as a client reports it. */
export interface ClientMailbox {
  /** The full mailbox name, in Unicode, after the client's own decoding. */
  name: string;
  /** The hierarchy delimiter; null for `NIL`. */
  delimiter: string | null;
  /** The mailbox attributes the client keeps, sorted (code-unit order). */
  flags: string[];
  /** The special-use attribute the client assigned the mailbox, or null. */
  specialUse: string | null;
  /** imapflow only: where its special-use came from (`"extension"` = the server's attribute, `"name"` = a guess from the name). */
  specialUseSource?: string;
  /** imapflow only: the LIST-STATUS figures it attached to the mailbox. */
  status?: ClientStatus;
}

/** What a client made of a run of untagged responses. */
export interface ClientListing {
  /** The LIST responses' mailboxes, sorted by name (code-unit order). */
  mailboxes: ClientMailbox[];
  /**
   * The STATUS responses, sorted by name (code-unit order). node-imap
   * reports every STATUS response, with 0 for the items it did not get;
   * imapflow only those it attached to a listed selectable mailbox.
   */
  statuses: ClientStatus[];
}

/** Options of {@linkcode imapflowListing} and {@linkcode imapflowStatus}. */
export interface ImapflowOptions {
  /**
   * The session has `UTF8=ACCEPT` enabled (RFC 6855): imapflow then takes
   * mailbox names as UTF-8 and skips its modified UTF-7 decoding. Default
   * false: an IMAP4rev1 session, names decoded from modified UTF-7.
   */
  utf8Accept?: boolean;
}

const byName = <T extends { name: string }>(a: T, b: T): number => a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

// ------------------------------------------------------------------ imapflow

/** A parsed imapflow response, as far as this file reads it. */
interface ImapflowParsed {
  tag?: string;
  command?: string;
  attributes?: unknown[];
}

/** What imapflow's untagged handlers are: called with one parsed response. */
type UntaggedHandler = (parsed: ImapflowParsed) => Promise<void> | void;

/** A logger that drops everything (the shape imapflow's pino logger has). */
const silentLogger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child() {
    return silentLogger;
  },
};

/**
 * Split raw server bytes into responses and parse each, exactly as
 * imapflow's connection reader does: its `ImapStream` (line and literal
 * framing) feeds its `parser` (imap-handler.js), which gets each line's
 * payload with its literals.
 */
async function imapflowParse(raw: string): Promise<ImapflowParsed[]> {
  const stream = new ImapStream({ logger: silentLogger, cid: "test" } as never);
  const items: { payload: Buffer; literals: Buffer[] }[] = [];
  const done = (async () => {
    for await (const item of stream) {
      items.push(item);
      // The item's next() is imapflow's backpressure token: the stream waits for it.
      item.next();
    }
  })();
  stream.end(Buffer.from(raw, "utf8"));
  await done;
  const out: ImapflowParsed[] = [];
  for (const item of items) {
    out.push(await imapflowParser(item.payload, { literals: item.literals }) as ImapflowParsed);
  }
  return out;
}

/**
 * The smallest stand-in for an `ImapFlow` connection that imapflow's LIST
 * and STATUS commands (commands/list.js, commands/status.js, and the
 * tools.js and special-use.js functions they call) read:
 * - `capabilities`, `enabled`: what the server advertised and what the
 *   session enabled (`decodePath` skips modified UTF-7 with `UTF8=ACCEPT` in
 *   `enabled`; SPECIAL-USE and LIST-STATUS decide how attributes and inline
 *   STATUS responses are used);
 * - `namespace`: the personal namespace (empty prefix, so `normalizePath`
 *   adds nothing);
 * - `state`, `states`: an authenticated session (status.js checks it);
 * - `mailbox`, `skipRev2`, `skipLsub`, `skipListStatusArgs`,
 *   `skipListSubscribedArg`, `skipListAuxArgs`: nothing selected, no retry
 *   latches set;
 * - `id`, `log`: for its log calls;
 * - `exec(command, args, { untagged })`: hands each parsed response to the
 *   command's untagged handler for its keyword, as `ImapFlow.handleResponse`
 *   does, and completes the command;
 * - `run()`: the per-mailbox STATUS fallback of list.js (used only when no
 *   inline STATUS response came); answers nothing, so no figures are made up.
 */
function imapflowConnection(responses: ImapflowParsed[], utf8Accept: boolean): unknown {
  const capabilities = new Map<string, boolean>(
    ["IMAP4rev1", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CHILDREN", ...(utf8Accept ? ["ENABLE", "UTF8=ACCEPT"] : [])]
      .map((c) => [c, true]),
  );
  const states = { NOT_AUTHENTICATED: 1, AUTHENTICATED: 2, SELECTED: 3, LOGOUT: 4 };
  return {
    id: "test",
    log: silentLogger,
    capabilities,
    enabled: new Set(utf8Accept ? ["UTF8=ACCEPT"] : []),
    namespace: { prefix: "", delimiter: "/" },
    states,
    state: states.AUTHENTICATED,
    mailbox: false,
    async exec(_command: string, _args: unknown, options: { untagged?: Record<string, UntaggedHandler> } = {}) {
      for (const parsed of responses) {
        if (parsed.tag !== "*" || !parsed.command) continue;
        // ImapFlow.normalizeUntaggedCommand, for the non-numeric responses fed here.
        const handler = options.untagged?.[parsed.command.toUpperCase().trim()];
        if (handler !== undefined) await handler(parsed);
      }
      return { response: "OK", next() {} };
    },
    run() {
      return Promise.resolve(undefined);
    },
  };
}

/** imapflow's STATUS object (UIDVALIDITY is a BigInt there) in the normalised shape. */
function imapflowStatusOf(name: string, s: Record<string, unknown>): ClientStatus {
  const out: ClientStatus = { name };
  for (const key of ["messages", "unseen", "recent", "uidNext", "uidValidity"] as const) {
    const v = s[key];
    if (typeof v === "number" || typeof v === "bigint") out[key] = Number(v);
  }
  return out;
}

/**
 * What imapflow's `client.list({ statusQuery })` returns for these server
 * responses: they are parsed by imapflow's own stream and parser and handed
 * to its own LIST command (commands/list.js, on a stand-in connection, see
 * `imapflowConnection`), which decodes the names from modified UTF-7 with
 * iconv-lite's `utf-7-imap` (unless `utf8Accept`), builds the flag set,
 * assigns special-use and attaches the inline (LIST-STATUS) STATUS figures.
 *
 * The server is taken to advertise IMAP4rev1, LIST-EXTENDED, LIST-STATUS,
 * SPECIAL-USE and CHILDREN (and UTF8=ACCEPT, enabled, with `utf8Accept`).
 * imapflow keeps a STATUS response only when its decoded name is that of a
 * listed selectable mailbox, so `statuses` holds the figures attached to
 * mailboxes.
 *
 * @param raw Untagged LIST / STATUS responses, each ending in CRLF, literals included.
 * @param options The session's mode.
 * @returns The mailboxes and STATUS figures imapflow reports.
 * @throws imapflow's parser error when it rejects a response (a connected
 * client would log it and skip the line; here the caller hears of it).
 *
 * @example One mailbox in modified UTF-7
 * ```ts ignore
 * const { mailboxes } = await imapflowListing('* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"\r\n');
 * // mailboxes[0].name === "Entwürfe"
 * ```
 */
export async function imapflowListing(raw: string, options: ImapflowOptions = {}): Promise<ClientListing> {
  const responses = await imapflowParse(raw);
  const connection = imapflowConnection(responses, options.utf8Accept === true);
  const query = { messages: true, unseen: true, recent: true, uidNext: true, uidValidity: true };
  const entries = await imapflowList(connection as never, "", "*", { statusQuery: query });
  const mailboxes: ClientMailbox[] = [];
  const statuses: ClientStatus[] = [];
  for (const e of entries) {
    const m: ClientMailbox = {
      name: e.path,
      delimiter: e.delimiter ?? null,
      flags: [...e.flags].sort(),
      specialUse: e.specialUse ?? null,
    };
    if (e.specialUseSource !== undefined) m.specialUseSource = e.specialUseSource;
    if (e.status !== undefined && e.status !== null && !("error" in e.status)) {
      const s = e.status as unknown as Record<string, unknown>;
      m.status = imapflowStatusOf(String(s.path), s);
      statuses.push(m.status);
    }
    mailboxes.push(m);
  }
  return { mailboxes: mailboxes.sort(byName), statuses: statuses.sort(byName) };
}

/**
 * What imapflow's `client.status(path, query)` returns for these server
 * responses, through its own stream, parser and STATUS command
 * (commands/status.js). That command takes the figures of the untagged
 * STATUS response without reading the name in it, so `name` is `path`.
 *
 * @param raw The untagged STATUS response (CRLF-terminated).
 * @param path The mailbox the application asked about.
 * @param options The session's mode.
 * @returns The figures, or undefined when imapflow returned none.
 *
 * @example
 * ```ts ignore
 * const s = await imapflowStatus('* STATUS "A&-B" (MESSAGES 3)\r\n', "A&B");
 * // s.messages === 3
 * ```
 */
export async function imapflowStatus(
  raw: string,
  path: string,
  options: ImapflowOptions = {},
): Promise<ClientStatus | undefined> {
  const responses = await imapflowParse(raw);
  const connection = imapflowConnection(responses, options.utf8Accept === true);
  const query = { messages: true, unseen: true, recent: true, uidNext: true, uidValidity: true };
  const result = await imapflowStatusCommand(connection as never, path, query);
  if (result === false) return undefined;
  return imapflowStatusOf(path, result as unknown as Record<string, unknown>);
}

// ------------------------------------------------------------------ node-imap

/** node-imap's parsed untagged response (`Parser` emits it as "untagged"). */
interface NodeImapUntagged {
  type: string;
  text: unknown;
}

/** A node-imap mailbox in the tree `Connection.getBoxes` builds. */
interface NodeImapBox {
  attribs?: string[];
  delimiter?: string | null;
  special_use_attrib?: string;
  children?: Record<string, NodeImapBox> | null;
}

/** A node-imap STATUS box (what `Connection.status` calls back with). */
interface NodeImapStatusBox {
  name: string;
  uidnext: number;
  uidvalidity: number;
  messages: { total: number; new: number; unseen: number };
}

// node-imap is CommonJS without "exports"; its own files, by path.
const require = createRequire(import.meta.url);

/**
 * Make sure the `utf7` package that node-imap decodes names with works
 * before node-imap's files load. It declares functions inside `if` blocks
 * and calls them from outside (the sloppy-mode hoisting of ECMAScript Annex
 * B.3.3); Bun's module loader leaves those names unbound, so there its
 * `imap.decode` throws "allocateBase64Buffer is not defined". Where that
 * happens, the same file is evaluated once more as plain sloppy-mode code
 * by the engine itself (`new Function`, which applies Annex B) and its
 * exports replace the broken ones in place: node-imap still decodes with
 * the package's own code. Elsewhere nothing is changed.
 */
function repairUtf7(): void {
  const parserPath = require.resolve("imap/lib/Parser.js");
  const utf7Path = require.resolve("utf7", { paths: [dirname(parserPath)] });
  const utf7 = require(utf7Path) as { imap: Record<string, unknown> } & Record<string, unknown>;
  try {
    (utf7.imap.decode as (s: string) => string)("&AOk-");
    return;
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
  }
  const module = { exports: {} as { imap: Record<string, unknown> } & Record<string, unknown> };
  const evaluate = new Function("exports", "require", "module", "__filename", "__dirname", readFileSync(utf7Path, "utf8"));
  evaluate(module.exports, createRequire(utf7Path), module, utf7Path, dirname(utf7Path));
  Object.assign(utf7.imap, module.exports.imap);
  for (const [key, value] of Object.entries(module.exports)) if (key !== "imap") utf7[key] = value;
}
repairUtf7();

const NodeImapParser = (require("imap/lib/Parser.js") as {
  Parser: new (stream: PassThrough) => {
    on(event: "untagged", listener: (info: NodeImapUntagged) => void): void;
  };
}).Parser;
const NodeImapConnection = require("imap/lib/Connection.js") as {
  prototype: { _resUntagged(this: unknown, info: NodeImapUntagged): void };
};

/** Every listed box of node-imap's tree, with its full name (its path joined by the delimiter). */
function flattenBoxes(tree: Record<string, NodeImapBox>, prefix: string[], out: ClientMailbox[]): void {
  for (const key of Object.keys(tree)) {
    const box = tree[key];
    const path = [...prefix, key];
    // Nodes made only to hold children (a parent that was not listed) have no attribs.
    if (box.attribs !== undefined) {
      const delimiter = box.delimiter ?? null;
      out.push({
        name: delimiter === null ? key : path.join(delimiter),
        delimiter,
        flags: [...box.attribs].map(String).sort(),
        specialUse: box.special_use_attrib ?? null,
      });
    }
    if (box.children) flattenBoxes(box.children, path, out);
  }
}

/**
 * What node-imap reports for these server responses: the bytes go through
 * its own `Parser` (lib/Parser.js, which decodes LIST and STATUS names with
 * the `utf7` package's `imap.decode`) on a `PassThrough` stream, and each
 * parsed response through its own `Connection.prototype._resUntagged`
 * (lib/Connection.js), which builds the mailbox tree of `getBoxes()` and
 * the boxes of `status()`. That method reads two fields of the connection:
 * `delimiter` (already set, or the first LIST is taken as the delimiter
 * probe of the login sequence) and `_curReq.cbargs` (the results).
 *
 * node-imap has no UTF8=ACCEPT mode: it always decodes names from
 * modified UTF-7. A name with a delimiter is split into its tree, and the
 * full name is its path joined by the delimiter again.
 *
 * @param raw Untagged LIST / STATUS responses, each ending in CRLF, literals included.
 * @returns The mailboxes and STATUS figures node-imap reports.
 *
 * @example
 * ```ts ignore
 * const { statuses } = await nodeImapListing('* STATUS "A&-B" (MESSAGES 3)\r\n');
 * // statuses[0] is { name: "A&B", messages: 3, ... }
 * ```
 */
export async function nodeImapListing(raw: string): Promise<ClientListing> {
  // One getBoxes() request takes every LIST response; each STATUS response
  // answers a status() request of its own, as it would in a session.
  const listing = { delimiter: "/", _curReq: { cbargs: [] as unknown[] } };
  const statusBoxes: unknown[] = [];
  const stream = new PassThrough();
  const parser = new NodeImapParser(stream);
  const errors: unknown[] = [];
  parser.on("untagged", (info) => {
    const connection = info.type === "status" ? { delimiter: "/", _curReq: { cbargs: statusBoxes } } : listing;
    try {
      NodeImapConnection.prototype._resUntagged.call(connection, info);
    } catch (e) {
      errors.push(e);
    }
  });
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", () => resolve());
    stream.on("error", reject);
  });
  const before = new Set(Object.getOwnPropertyNames(Object.prototype));
  stream.end(Buffer.from(raw, "utf8"));
  await ended;
  // The parser emits while it reads; let its last reads settle.
  await new Promise((resolve) => setImmediate(resolve));
  // node-imap builds its tree in plain objects: a name component `__proto__`
  // under a parent makes it write `children` onto Object.prototype.
  const polluted = Object.getOwnPropertyNames(Object.prototype).filter((k) => !before.has(k));
  for (const k of polluted) delete (Object.prototype as Record<string, unknown>)[k];
  if (polluted.length > 0) {
    throw new Error(`node-imap wrote ${polluted.join(", ")} onto Object.prototype (a name component "__proto__"); it was removed again.`);
  }
  if (errors.length > 0) throw errors[0];
  const mailboxes: ClientMailbox[] = [];
  const statuses: ClientStatus[] = [];
  for (const tree of listing._curReq.cbargs) flattenBoxes(tree as Record<string, NodeImapBox>, [], mailboxes);
  for (const box of statusBoxes) {
    const b = box as NodeImapStatusBox;
    statuses.push({
      name: b.name,
      messages: b.messages.total,
      unseen: b.messages.unseen,
      recent: b.messages.new,
      uidNext: b.uidnext,
      uidValidity: b.uidvalidity,
    });
  }
  return { mailboxes: mailboxes.sort(byName), statuses: statuses.sort(byName) };
}
