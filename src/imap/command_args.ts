/**
 * The arguments of LIST (RFC 3501 §6.3.8, RFC 5258 §6, RFC 5819, RFC 6154),
 * LSUB (RFC 3501 §6.3.9) and STATUS (RFC 3501 §6.3.10, RFC 9051 §6.3.11) as
 * a client sends them, parsed into the LIST layer's options, with names
 * decoded as the session sends them (modified UTF-7 in IMAP4rev1, UTF-8
 * with `UTF8=ACCEPT` or IMAP4rev2). The argument text holds literals
 * inline (see {@linkcode ArgReader}).
 *
 * @module
 */
import { ArgReader, type ArgString } from "./arg_reader.ts";
import type { ListCommandOptions, ListReturnOptions, ListSelectOptions } from "./list_options.ts";
import { STATUS_ITEMS, type StatusItem } from "./status_items.ts";
import { Utf7Error } from "./utf7.ts";
import { decodeMailboxName, type ImapSession } from "./wire_name.ts";

const LPAREN = 0x28;
const RPAREN = 0x29;
const SP = 0x20;

/**
 * A LIST or LSUB command's arguments, ready for {@linkcode listCommand}.
 *
 * @example What LIST (SUBSCRIBED) "" ("INBOX" "Sent/%") gives
 * ```ts
 * import { parseListArguments, type ParsedListCommand } from "./command_args.ts";
 * const parsed: ParsedListCommand = parseListArguments("LIST", '(SUBSCRIBED) "" ("INBOX" "Sent/%")');
 * console.log(parsed.patterns, parsed.options.select); // ["INBOX", "Sent/%"] { subscribed: true }
 * ```
 */
export interface ParsedListCommand {
  /** One pattern (the plain form), or the parenthesised list (LIST-EXTENDED), in Unicode. */
  patterns: string | string[];
  /** Reference, selection and return options, the session, `lsub`. */
  options: ListCommandOptions;
}

/**
 * A STATUS command's arguments.
 *
 * @example STATUS blurdybloop (UIDNEXT MESSAGES)
 * ```ts
 * import { parseStatusArguments, type ParsedStatusCommand } from "./command_args.ts";
 * const parsed: ParsedStatusCommand = parseStatusArguments("blurdybloop (UIDNEXT MESSAGES)");
 * console.log(parsed.mailbox, parsed.items); // blurdybloop ["UIDNEXT", "MESSAGES"]
 * ```
 */
export interface ParsedStatusCommand {
  /** The mailbox in Unicode (`INBOX` in any case is `INBOX`). */
  mailbox: string;
  /** The items asked for, in the order asked, each once, in upper case. */
  items: StatusItem[];
}

/** A name the client sent, decoded as its session sends names. */
function decoded(r: ArgReader, s: ArgString, what: string, session: ImapSession): string {
  try {
    return decodeMailboxName(s.value, session);
  } catch (e) {
    if (!(e instanceof Utf7Error)) throw e;
    throw r.fail(`the ${what} ${JSON.stringify(s.value)} is not valid modified UTF-7 (${e.message})`, s.at, e);
  }
}

/** `mailbox = "INBOX" / astring`: INBOX in any case is INBOX. */
function mailboxName(name: string): string {
  return name.length === 5 && name.toUpperCase() === "INBOX" ? "INBOX" : name;
}

/** A parenthesised list of atoms, each handed to `take` with its offset. */
function atomList(r: ArgReader, what: string, take: (word: string, at: number) => void, allowEmpty: boolean): void {
  r.expect("(");
  if (r.peek() === RPAREN && allowEmpty) {
    r.pos++;
    return;
  }
  for (;;) {
    const atom = r.atom(what);
    take(atom.value.toUpperCase(), atom.at);
    if (r.peek() !== SP) break;
    r.pos++;
  }
  r.expect(")");
}

/** `"(" status-att *(SP status-att) ")"`: the items, each once, in order. */
function statusItemList(r: ArgReader): StatusItem[] {
  const items: StatusItem[] = [];
  atomList(r, "a STATUS item", (word, at) => {
    if (!(STATUS_ITEMS as readonly string[]).includes(word)) {
      throw r.fail(`unknown STATUS item ${JSON.stringify(r.text.slice(at, at + word.length))}`, at);
    }
    if (!items.includes(word as StatusItem)) items.push(word as StatusItem);
  }, false);
  return items;
}

/** LIST-EXTENDED selection options (RFC 5258 §6 `list-select-opts`, RFC 6154). */
function selectOptions(r: ArgReader): ListSelectOptions {
  const select: ListSelectOptions = {};
  let recursiveAt = -1;
  atomList(r, "a selection option", (word, at) => {
    if (word === "SUBSCRIBED") select.subscribed = true;
    else if (word === "REMOTE") select.remote = true;
    else if (word === "SPECIAL-USE") select.specialUse = true;
    else if (word === "RECURSIVEMATCH") {
      select.recursiveMatch = true;
      recursiveAt = at;
    } else throw r.fail(`unknown selection option ${JSON.stringify(r.text.slice(at, at + word.length))}`, at);
  }, true);
  if (select.recursiveMatch === true && select.subscribed !== true) {
    throw r.fail("RECURSIVEMATCH without SUBSCRIBED", recursiveAt);
  }
  return select;
}

/** `"RETURN" SP "(" [return-option *(SP return-option)] ")"` (RFC 5258, RFC 5819, RFC 6154). */
function returnOptions(r: ArgReader): ListReturnOptions {
  const word = r.atom('"RETURN"');
  if (word.value.toUpperCase() !== "RETURN") throw r.fail(`expected "RETURN", found ${JSON.stringify(word.value)}`, word.at);
  r.space();
  const ret: ListReturnOptions = {};
  let status: StatusItem[] | undefined;
  r.expect("(");
  if (r.peek() === RPAREN) {
    r.pos++;
    return ret;
  }
  for (;;) {
    const option = r.atom("a return option");
    const name = option.value.toUpperCase();
    if (name === "SUBSCRIBED") ret.subscribed = true;
    else if (name === "CHILDREN") ret.children = true;
    else if (name === "SPECIAL-USE") ret.specialUse = true;
    else if (name === "STATUS") {
      r.space();
      // Given twice, the option counts once (RFC 5258 §3): the items of both, each once.
      status ??= [];
      for (const item of statusItemList(r)) if (!status.includes(item)) status.push(item);
    } else throw r.fail(`unknown return option ${JSON.stringify(option.value)}`, option.at);
    if (r.peek() !== SP) break;
    r.pos++;
  }
  r.expect(")");
  if (status !== undefined) ret.status = status;
  return ret;
}

/**
 * Parse the arguments of LIST or LSUB, as a client sends them after the tag,
 * the command word and one space:
 *
 * - LIST: `[(selection options) SP] reference SP (pattern / "(" pattern
 *   *(SP pattern) ")") [SP RETURN SP "(" return options ")"]`;
 * - LSUB: `reference SP pattern`.
 *
 * The reference is an astring (an atom, a quoted string or a literal); a
 * pattern is a list-mailbox (an atom in which `%`, `*` and `]` are allowed,
 * or a string). Selection options: SUBSCRIBED, REMOTE, RECURSIVEMATCH
 * (only with SUBSCRIBED), SPECIAL-USE. Return options: SUBSCRIBED,
 * CHILDREN, SPECIAL-USE, `STATUS (items)`. Options and items are
 * case-insensitive; an option given twice counts once. The result is a
 * LIST-EXTENDED command ({@linkcode isExtendedList}) exactly when one of
 * the three extended forms was used. Names are decoded as the session
 * sends them, so a name round-trips through LIST and STATUS.
 *
 * @param command `LIST` or `LSUB`.
 * @param args The argument text, literals inline (`{N}\r\n` and N bytes of
 *   UTF-8); one CRLF at the end is allowed.
 * @param session The session the command came from.
 * @returns The patterns and the options for {@linkcode listCommand}.
 * @throws {ImapSyntaxError} For anything the grammar does not allow, an
 *   unknown option or item, RECURSIVEMATCH without SUBSCRIBED, or (in an
 *   IMAP4rev1 session) a name that is not valid modified UTF-7 (the
 *   `Utf7Error` is the cause); the message names the offset.
 *
 * @example Extended and plain forms
 * ```ts
 * import { parseListArguments } from "./command_args.ts";
 * const ext = parseListArguments("LIST", '"" % RETURN (CHILDREN STATUS (MESSAGES UNSEEN))');
 * console.log(ext.patterns, ext.options.return); // % { children: true, status: ["MESSAGES", "UNSEEN"] }
 * const plain = parseListArguments("LIST", '"" "Entw&APw-rfe/*"');
 * console.log(plain.patterns); // Entwürfe/*
 * const utf8 = parseListArguments("LIST", '"" {11}\r\nEntwürfe/*', { utf8: true });
 * console.log(utf8.patterns); // Entwürfe/*
 * ```
 */
export function parseListArguments(
  command: "LIST" | "LSUB",
  args: string,
  session: ImapSession = {},
): ParsedListCommand {
  const r = new ArgReader(command, args);
  const lsub = command === "LSUB";
  const options: ListCommandOptions = { session };
  if (!lsub && r.peek() === LPAREN) {
    options.select = selectOptions(r);
    r.space();
  }
  options.reference = mailboxName(decoded(r, r.astring(), "reference", session));
  r.space();
  let patterns: string | string[];
  if (!lsub && r.peek() === LPAREN) {
    r.pos++;
    patterns = [];
    for (;;) {
      patterns.push(decoded(r, r.listMailbox(), "pattern", session));
      if (r.peek() !== SP) break;
      r.pos++;
    }
    r.expect(")");
  } else {
    patterns = decoded(r, r.listMailbox(), "pattern", session);
  }
  if (!lsub && !r.atEnd()) {
    r.space();
    options.return = returnOptions(r);
  }
  r.end();
  if (lsub) options.lsub = true;
  return { patterns, options };
}

/**
 * Parse the arguments of STATUS as a client sends them after the tag, the
 * command word and one space: `mailbox SP "(" status-att *(SP status-att)
 * ")"`. Items: MESSAGES, UNSEEN, RECENT, UIDNEXT, UIDVALIDITY, SIZE,
 * HIGHESTMODSEQ, DELETED, in any case. RECENT is accepted from an
 * IMAP4rev2 session too, and left out of the answer.
 *
 * @param args The argument text, literals inline; one CRLF at the end is allowed.
 * @param session The session the command came from.
 * @returns The mailbox (decoded as the session sends names) and the items.
 * @throws {ImapSyntaxError} For anything the grammar does not allow, an
 *   unknown item, or (IMAP4rev1) a name that is not valid modified UTF-7.
 *
 * @example A modified UTF-7 name
 * ```ts
 * import { parseStatusArguments } from "./command_args.ts";
 * console.log(parseStatusArguments('"&ZeVnLIqe-" (messages unseen)')); // { mailbox: "日本語", items: ["MESSAGES", "UNSEEN"] }
 * ```
 */
export function parseStatusArguments(args: string, session: ImapSession = {}): ParsedStatusCommand {
  const r = new ArgReader("STATUS", args);
  const mailbox = mailboxName(decoded(r, r.astring(), "mailbox name", session));
  r.space();
  const items = statusItemList(r);
  r.end();
  return { mailbox, items };
}
