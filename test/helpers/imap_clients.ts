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
 * The commands the clients send can be had too, built by their own code:
 * imapflow's LIST (with its RETURN options), LSUB and STATUS through its
 * command modules and its compiler ({@linkcode imapflowList},
 * {@linkcode imapflowStatusRequest}), node-imap's through its `Connection`
 * methods ({@linkcode nodeImapCommand}); mailbox names in them are encoded
 * by the client's own encoder.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { PassThrough } from "node:stream";
import { ImapStream } from "imapflow/lib/handler/imap-stream.js";
import { compiler as imapflowCompiler, parser as imapflowParser } from "imapflow/lib/handler/imap-handler.js";
import imapflowListCommand from "imapflow/lib/commands/list.js";
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
  /**
   * imapflow only: whether it takes the mailbox as subscribed (from a
   * `\Subscribed` attribute, which it moves out of `flags`, or from LSUB;
   * it also always marks the mailbox it takes for INBOX subscribed).
   */
  subscribed?: boolean;
  /**
   * imapflow only: the extended data items of the LIST response (RFC 5258
   * `mbox-list-extended`, such as `["CHILDINFO", ["SUBSCRIBED"]]`) as its
   * parser read them, strings and lists; absent when the line had none.
   */
  extended?: unknown[];
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

/**
 * A server for imapflow's commands: it gets the command word and the
 * argument text exactly as imapflow put them on the wire (tag and command
 * word left out, synchronizing literals inline as `{N}\r\n` and their
 * bytes), and returns its untagged responses, each ending in CRLF. What it
 * throws fails the command.
 */
export type ImapServer = (command: string, args: string) => string;

/** How the stand-in connection answers a command: from its word and imapflow's attribute tree. */
type Responder = (command: string, attributes: unknown) => string;

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
 * A command as imapflow writes it, by its own compiler, with its argument
 * attributes: the argument text that follows the command word and its space
 * (a literal inline, as `send()` writes it once the server said go ahead).
 */
function imapflowArgumentText(command: string, attributes: unknown): string {
  const compiled = imapflowCompiler({ tag: "A1", command, attributes } as never, { asArray: false });
  const text = compiled.toString("utf8");
  const head = `A1 ${command}`;
  if (!text.startsWith(head)) throw new Error(`imapflow compiled ${JSON.stringify(text)} for ${command}`);
  return text.slice(head.length).replace(/^ /, "");
}

/** A plain value of imapflow's parsed attribute tree: strings (atoms, strings, literals), lists, null for NIL. */
function imapflowPlain(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(imapflowPlain);
  if (node === null || node === undefined) return null;
  const value = (node as { value?: unknown }).value;
  return value === undefined || value === null ? null : String(value);
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
 * - `exec(command, args, { untagged })`: asks `respond` for the untagged
 *   responses, parses them as imapflow does and hands each to the command's
 *   untagged handler for its keyword, as `ImapFlow.handleResponse` does,
 *   then completes the command; `extended` collects the extended data of
 *   each LIST / LSUB response by the name as listed;
 * - `run()`: the per-mailbox STATUS fallback of list.js (used only when no
 *   inline STATUS response came); answers nothing, so no figures are made up.
 */
function imapflowConnection(
  respond: Responder,
  utf8Accept: boolean,
  extended: Map<string, unknown[]> = new Map(),
): unknown {
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
    async exec(command: string, args: unknown, options: { untagged?: Record<string, UntaggedHandler> } = {}) {
      for (const parsed of await imapflowParse(respond(command, args))) {
        if (parsed.tag !== "*" || !parsed.command) continue;
        // ImapFlow.normalizeUntaggedCommand, for the non-numeric responses fed here.
        const keyword = parsed.command.toUpperCase().trim();
        const attributes = parsed.attributes ?? [];
        if ((keyword === "LIST" || keyword === "LSUB") && attributes.length > 3) {
          const listed = String((attributes[2] as { value?: unknown } | null)?.value ?? "");
          extended.set(listed, attributes.slice(3).map(imapflowPlain));
        }
        const handler = options.untagged?.[keyword];
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
export function imapflowListing(raw: string, options: ImapflowOptions = {}): Promise<ClientListing> {
  return imapflowListWith(() => raw, options);
}

/**
 * What imapflow's `client.list({ statusQuery })` returns when a server
 * answers the commands it sends: the LIST with the RETURN options it picks
 * for the capabilities of {@linkcode imapflowListing} (STATUS, SPECIAL-USE,
 * CHILDREN, SUBSCRIBED), and LSUB when no listed mailbox came back
 * `\Subscribed`. Each command is built by imapflow's own command module and
 * compiler, names and patterns encoded by its own `encodePath`, and goes to
 * `server`; the responses are read as in {@linkcode imapflowListing}.
 *
 * @param server Answers each command (e.g. with the LIST layer's `answerListCommand`).
 * @param options The session's mode.
 * @returns The mailboxes and STATUS figures imapflow reports.
 * @throws What `server` throws, and imapflow's parser errors.
 *
 * @example A server that records the commands
 * ```ts ignore
 * const sent: string[] = [];
 * await imapflowList((command, args) => (sent.push(`${command} ${args}`), ""));
 * // sent[0] === 'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY) SPECIAL-USE CHILDREN SUBSCRIBED)'
 * ```
 */
export function imapflowList(server: ImapServer, options: ImapflowOptions = {}): Promise<ClientListing> {
  return imapflowListWith((command, attributes) => server(command, imapflowArgumentText(command, attributes)), options);
}

/** imapflow's list command on a stand-in connection answered by `respond`, in the normalised shape. */
async function imapflowListWith(respond: Responder, options: ImapflowOptions): Promise<ClientListing> {
  const extended = new Map<string, unknown[]>();
  const connection = imapflowConnection(respond, options.utf8Accept === true, extended);
  const query = { messages: true, unseen: true, recent: true, uidNext: true, uidValidity: true };
  const entries = await imapflowListCommand(connection as never, "", "*", { statusQuery: query });
  const mailboxes: ClientMailbox[] = [];
  const statuses: ClientStatus[] = [];
  for (const e of entries) {
    const m: ClientMailbox = {
      name: e.path,
      delimiter: e.delimiter ?? null,
      flags: [...e.flags].sort(),
      specialUse: e.specialUse ?? null,
      subscribed: e.subscribed === true,
    };
    if (e.specialUseSource !== undefined) m.specialUseSource = e.specialUseSource;
    if (e.status !== undefined && e.status !== null && !("error" in e.status)) {
      const s = e.status as unknown as Record<string, unknown>;
      m.status = imapflowStatusOf(String(s.path), s);
      statuses.push(m.status);
    }
    const data = extended.get(String(e.pathAsListed));
    if (data !== undefined) m.extended = data;
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
  // Parsed here first: status.js swallows a failed command, a parser error is the caller's to hear.
  await imapflowParse(raw);
  const connection = imapflowConnection(() => raw, options.utf8Accept === true);
  const query = { messages: true, unseen: true, recent: true, uidNext: true, uidValidity: true };
  const result = await imapflowStatusCommand(connection as never, path, query);
  if (result === false) return undefined;
  return imapflowStatusOf(path, result as unknown as Record<string, unknown>);
}

/**
 * The STATUS command imapflow's `client.status(path, query)` sends, as
 * its own command module (commands/status.js: the path through its
 * `encodePath`, an atom or a quoted string) and compiler write it, asking
 * for MESSAGES, UNSEEN, RECENT, UIDNEXT and UIDVALIDITY.
 *
 * @param path The mailbox the application asks about, in Unicode.
 * @param options The session's mode.
 * @returns The argument text after `STATUS ` (literals inline).
 * @throws imapflow's own error when it cannot write the command (its
 *   compiler refuses a quoted string holding CR or LF).
 *
 * @example
 * ```ts ignore
 * await imapflowStatusRequest("Entwürfe"); // '"Entw&APw-rfe" (MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY)'
 * ```
 */
export async function imapflowStatusRequest(path: string, options: ImapflowOptions = {}): Promise<string> {
  let sent: string | undefined;
  let failure: unknown;
  const connection = imapflowConnection((command, attributes) => {
    try {
      sent = imapflowArgumentText(command, attributes);
    } catch (e) {
      failure = e;
      throw e;
    }
    return "";
  }, options.utf8Accept === true);
  const query = { messages: true, unseen: true, recent: true, uidNext: true, uidValidity: true };
  // status.js logs and swallows a failed command; the failure is kept above.
  await imapflowStatusCommand(connection as never, path, query);
  if (failure !== undefined) throw failure;
  if (sent === undefined) throw new Error(`imapflow sent no STATUS command for ${JSON.stringify(path)}`);
  return sent;
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
  prototype: {
    _resUntagged(this: unknown, info: NodeImapUntagged): void;
    getBoxes(this: unknown, namespace: string, cb: () => void): void;
    getSubscribedBoxes(this: unknown, namespace: string, cb: () => void): void;
    status(this: unknown, boxName: string, cb: () => void): void;
  };
};

/** A node-imap request: the `Connection` method and its mailbox (or namespace) argument. */
export type NodeImapRequest =
  | { method: "getBoxes"; namespace?: string }
  | { method: "getSubscribedBoxes"; namespace?: string }
  | { method: "status"; mailbox: string };

/**
 * The command node-imap sends for a request, as its own `Connection`
 * method builds it (lib/Connection.js: names through the `utf7` package's
 * `imap.encode`, then quoted): `getBoxes` sends `LIST`, `getSubscribedBoxes`
 * `LSUB`, `status` `STATUS` with MESSAGES, RECENT, UNSEEN, UIDVALIDITY and
 * UIDNEXT (the server is taken not to have CONDSTORE). The method runs on a
 * stand-in that records what it queues.
 *
 * @param request The method and its argument.
 * @returns The command word and the argument text after it.
 *
 * @example
 * ```ts ignore
 * nodeImapCommand({ method: "status", mailbox: "Entwürfe" });
 * // { command: "STATUS", args: '"Entw&APw-rfe" (MESSAGES RECENT UNSEEN UIDVALIDITY UIDNEXT)' }
 * ```
 */
export function nodeImapCommand(request: NodeImapRequest): { command: string; args: string } {
  const queued: string[] = [];
  const connection = {
    _box: undefined,
    serverSupports: () => false,
    _enqueue: (command: string) => {
      queued.push(command);
    },
  };
  const done = () => {};
  const proto = NodeImapConnection.prototype;
  if (request.method === "status") proto.status.call(connection, request.mailbox, done);
  else proto[request.method].call(connection, request.namespace ?? "", done);
  if (queued.length !== 1) throw new Error(`node-imap queued ${queued.length} commands for ${request.method}`);
  const space = queued[0].indexOf(" ");
  return { command: queued[0].slice(0, space), args: queued[0].slice(space + 1) };
}

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
