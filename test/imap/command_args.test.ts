// The arguments of LIST, LSUB and STATUS as a client sends them
// (parseListArguments, parseStatusArguments): atoms, quoted strings with
// escapes, literals inline, pattern lists, selection and return options,
// names decoded per session; the syntax errors; and the answers from
// command text to response lines (answerListCommand, answerStatusCommand),
// including RFC examples sent as text and names that round-trip through
// LIST and STATUS in modified UTF-7.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MailboxFlags, SpecialUse, Utf7Error } from "../../mod.ts";
import { answerListCommand, answerStatusCommand } from "../../src/imap/answer.ts";
import { parseListArguments, parseStatusArguments } from "../../src/imap/command_args.ts";
import { ImapSyntaxError, MailboxUnavailableError } from "../../src/imap/errors.ts";
import { isExtendedList } from "../../src/imap/list_command.ts";
import { MemoryListSource, sortedAttributes } from "../helpers/list_source.ts";

/** The error a parse throws, checked to be an ImapSyntaxError at `offset`. */
function syntaxError(run: () => unknown, offset: number, words: RegExp): ImapSyntaxError {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ImapSyntaxError, `expected an ImapSyntaxError, got ${String(caught)}`);
  assert.equal(caught.offset, offset, caught.message);
  assert.match(caught.message, words);
  assert.match(caught.message, new RegExp(`at offset ${offset}$`));
  return caught;
}

/** Lines without their CRLF, each checked to end in one. */
function bare(lines: string[]): string[] {
  return lines.map((l) => {
    assert.ok(l.endsWith("\r\n"), JSON.stringify(l));
    return l.slice(0, -2);
  });
}

describe("parseListArguments: the plain forms", () => {
  it("reads atoms, quoted strings and wildcards", () => {
    const cases: [string, string, string][] = [
      ['"" *', "", "*"],
      ['"" "%"', "", "%"],
      ['"" ""', "", ""],
      ["~/Mail/ %", "~/Mail/", "%"],
      ["#news. comp.mail.*", "#news.", "comp.mail.*"],
      ['"" Archive/]weird]*', "", "Archive/]weird]*"],
      ['a]b "x y"', "a]b", "x y"],
      ['"a\\"b\\\\c" "%\\\\"', 'a"b\\c', "%\\"],
      ["inbox INBOX.%", "INBOX", "INBOX.%"],
      ['"" *\r\n', "", "*"],
    ];
    for (const [args, reference, pattern] of cases) {
      const { patterns, options } = parseListArguments("LIST", args);
      assert.equal(options.reference, reference, args);
      assert.equal(patterns, pattern, args);
      assert.ok(!isExtendedList(patterns, options), `${args} is a plain LIST`);
    }
  });

  it("reads literals inline, by their UTF-8 byte count, synchronizing or not", () => {
    assert.equal(parseListArguments("LIST", '"" {3}\r\na b').patterns, "a b");
    assert.equal(parseListArguments("LIST", '{0}\r\n {1+}\r\n*').patterns, "*");
    assert.equal(parseListArguments("LIST", "{2}\r\n\"\\ %").options.reference, '"\\', "no escapes in a literal");
    const utf8 = parseListArguments("LIST", '"" {13}\r\nEntwürfe/日', { utf8: true });
    assert.equal(utf8.patterns, "Entwürfe/日");
    assert.equal(parseListArguments("LIST", '"" {4}\r\n😀', { rev2: true }).patterns, "😀");
    assert.equal(parseListArguments("LSUB", '"" {4}\r\na\r\nb\r\n', { utf8: true }).patterns, "a\r\nb", "CRLF inside a literal");
  });

  it("decodes names from modified UTF-7 in IMAP4rev1, takes them as they are in UTF-8 sessions", () => {
    const rev1 = parseListArguments("LIST", '"R&-D/" "Entw&APw-rfe/&ZeVnLIqe-*"');
    assert.equal(rev1.options.reference, "R&D/");
    assert.equal(rev1.patterns, "Entwürfe/日本語*");
    for (const session of [{ utf8: true }, { rev2: true }]) {
      const same = parseListArguments("LIST", '"R&-D/" "Entw&APw-rfe/%"', session);
      assert.equal(same.options.reference, "R&-D/");
      assert.equal(same.patterns, "Entw&APw-rfe/%");
      assert.deepEqual(same.options.session, session);
    }
  });

  it("LSUB takes the same reference and pattern", () => {
    const { patterns, options } = parseListArguments("LSUB", '"#news." "comp.%"');
    assert.deepEqual([patterns, options.reference, options.lsub], ["comp.%", "#news.", true]);
  });
});

describe("parseListArguments: LIST-EXTENDED", () => {
  it("reads selection options, a pattern list and return options, in any case", () => {
    const { patterns, options } = parseListArguments(
      "LIST",
      '(subscribed Remote RECURSIVEMATCH special-use) "" ("INBOX" Sent/% {4}\r\nDr*s) RETURN (children SUBSCRIBED Special-Use STATUS (messages UIDNEXT))',
    );
    assert.deepEqual(patterns, ["INBOX", "Sent/%", "Dr*s"]);
    assert.deepEqual(options.select, { subscribed: true, remote: true, recursiveMatch: true, specialUse: true });
    assert.deepEqual(options.return, { children: true, subscribed: true, specialUse: true, status: ["MESSAGES", "UIDNEXT"] });
  });

  it("any of the three forms makes it extended, even empty", () => {
    for (const args of ['() "" %', '"" (%)', '"" % RETURN ()']) {
      const { patterns, options } = parseListArguments("LIST", args);
      assert.ok(isExtendedList(patterns, options), args);
    }
    assert.deepEqual(parseListArguments("LIST", '() "" %').options.select, {});
    assert.deepEqual(parseListArguments("LIST", '"" % RETURN ()').options.return, {});
  });

  it("an option given twice counts once; STATUS twice gives the items of both once", () => {
    const { options } = parseListArguments(
      "LIST",
      '(SUBSCRIBED SUBSCRIBED) "" % RETURN (STATUS (UNSEEN MESSAGES) CHILDREN STATUS (MESSAGES SIZE))',
    );
    assert.deepEqual(options.select, { subscribed: true });
    assert.deepEqual(options.return, { status: ["UNSEEN", "MESSAGES", "SIZE"], children: true });
  });
});

describe("parseStatusArguments", () => {
  it("reads the mailbox and the items, each once, in order", () => {
    assert.deepEqual(parseStatusArguments("blurdybloop (UIDNEXT MESSAGES)"), {
      mailbox: "blurdybloop",
      items: ["UIDNEXT", "MESSAGES"],
    });
    assert.deepEqual(parseStatusArguments('inbox (recent size highestmodseq deleted recent unseen uidvalidity)\r\n'), {
      mailbox: "INBOX",
      items: ["RECENT", "SIZE", "HIGHESTMODSEQ", "DELETED", "UNSEEN", "UIDVALIDITY"],
    });
    assert.equal(parseStatusArguments('"A&-B" (MESSAGES)').mailbox, "A&B");
    assert.equal(parseStatusArguments('"A&-B" (MESSAGES)', { utf8: true }).mailbox, "A&-B");
    assert.equal(parseStatusArguments("{5}\r\nINBOX (MESSAGES)").mailbox, "INBOX");
  });
});

describe("syntax errors name the offending text and its offset", () => {
  it("in LIST", () => {
    syntaxError(() => parseListArguments("LIST", ""), 0, /expected a mailbox name, found the end/);
    syntaxError(() => parseListArguments("LIST", '""'), 2, /expected a space, found the end/);
    syntaxError(() => parseListArguments("LIST", '""  *'), 3, /expected a mailbox pattern, found " "/);
    syntaxError(() => parseListArguments("LIST", '"" * x'), 5, /expected "RETURN", found "x"/);
    syntaxError(() => parseListArguments("LIST", '"" *)'), 4, /expected a space, found "\)"/);
    syntaxError(() => parseListArguments("LSUB", '"" *)'), 4, /unexpected "\)" after the last argument/);
    syntaxError(() => parseListArguments("LIST", '"unterminated *'), 0, /unterminated quoted string/);
    syntaxError(() => parseListArguments("LIST", '"a\\b" *'), 2, /a backslash that escapes neither/);
    syntaxError(() => parseListArguments("LIST", '"a\rb" *'), 2, /CR inside a quoted string/);
    syntaxError(() => parseListArguments("LIST", '"" {5}\r\nabc'), 3, /a literal of 5 bytes runs past the end/);
    syntaxError(() => parseListArguments("LIST", '"" {1}\r\nü'), 3, /a literal of 1 bytes ends inside a character/);
    syntaxError(() => parseListArguments("LIST", '"" {3}abc'), 6, /expected CRLF after a literal/);
    syntaxError(() => parseListArguments("LIST", '"" {}\r\n'), 4, /expected the size of a literal/);
    syntaxError(() => parseListArguments("LIST", '"" {99999999999}\r\n'), 4, /a literal size over 4294967295/);
    syntaxError(() => parseListArguments("LIST", '"" {3}\r\na\0b'), 9, /NUL inside a literal/);
    // 8-bit text is no atom: only a quoted string or a literal carries it.
    syntaxError(() => parseListArguments("LIST", '"" Entwürfe', { utf8: true }), 7, /expected a space, found "ü"/);
    syntaxError(() => parseListArguments("LIST", '(FOO) "" *'), 1, /unknown selection option "FOO"/);
    syntaxError(() => parseListArguments("LIST", '(REMOTE RECURSIVEMATCH) "" *'), 8, /RECURSIVEMATCH without SUBSCRIBED/);
    syntaxError(() => parseListArguments("LIST", '(SUBSCRIBED "" *'), 12, /expected a selection option, found "\\""/);
    syntaxError(() => parseListArguments("LIST", '(SUBSCRIBED"" *'), 11, /expected "\)", found "\\""/);
    syntaxError(() => parseListArguments("LIST", '"" () '), 4, /expected a mailbox pattern, found "\)"/);
    syntaxError(() => parseListArguments("LIST", '"" * RETURN (FOO)'), 13, /unknown return option "FOO"/);
    syntaxError(() => parseListArguments("LIST", '"" * RETURN (STATUS ())'), 21, /expected a STATUS item, found "\)"/);
    syntaxError(() => parseListArguments("LIST", '"" * RETURN (STATUS (MESSAGES BOGUS))'), 30, /unknown STATUS item "BOGUS"/);
    syntaxError(() => parseListArguments("LIST", '"" * RETURN CHILDREN'), 12, /expected "\(", found "C"/);
    syntaxError(() => parseListArguments("LSUB", '(SUBSCRIBED) "" *'), 0, /expected a mailbox name, found "\("/);
    syntaxError(() => parseListArguments("LSUB", '"" * RETURN (CHILDREN)'), 4, /after the last argument/);
  });

  it("a name that is not valid modified UTF-7 in IMAP4rev1, with the Utf7Error as its cause", () => {
    const e = syntaxError(() => parseListArguments("LIST", '"" "A&Jjo"'), 3, /the pattern "A&Jjo" is not valid modified UTF-7/);
    assert.ok(e.cause instanceof Utf7Error);
    syntaxError(() => parseListArguments("LIST", '"ä" *'), 0, /the reference "ä" is not valid modified UTF-7/);
    syntaxError(() => parseStatusArguments('"&AGE-" (MESSAGES)'), 0, /the mailbox name "&AGE-" is not valid modified UTF-7/);
    // The same text is fine where names are UTF-8.
    assert.equal(parseListArguments("LIST", '"" "A&Jjo"', { utf8: true }).patterns, "A&Jjo");
  });

  it("in STATUS", () => {
    syntaxError(() => parseStatusArguments("INBOX"), 5, /expected a space/);
    syntaxError(() => parseStatusArguments("INBOX ()"), 7, /expected a STATUS item/);
    syntaxError(() => parseStatusArguments("INBOX (MESSAGES"), 15, /expected "\)"/);
    syntaxError(() => parseStatusArguments("INBOX (MESSAGES X-FOO)"), 16, /unknown STATUS item "X-FOO"/);
    syntaxError(() => parseStatusArguments("INBOX (MESSAGES) extra"), 16, /after the last argument/);
  });
});

describe("answerListCommand: from command text to response lines", () => {
  const fruit = () =>
    new MemoryListSource(
      "/",
      ["inbox", "Fruit", "Fruit/Apple", "Fruit/Banana", "Tofu", "Vegetable", "Vegetable/Broccoli", "Vegetable/Corn"],
      {
        subscribed: ["inbox", "Fruit/Banana", "Fruit/Peach", "Vegetable", "Vegetable/Broccoli"],
        status: { Tofu: { messages: 2, unseen: 1, recent: 0, uidNext: 3, uidValidity: 9 } },
      },
    );
  const sorted = (lines: string[]) => bare(lines).map(sortedAttributes).sort();

  it("RFC 5258 example 2: A02 LIST (SUBSCRIBED) \"\" \"*\"", () => {
    assert.deepEqual(sorted(answerListCommand(fruit(), "LIST", '(SUBSCRIBED) "" "*"')), [
      '* LIST (\\NonExistent \\Subscribed) "/" "Fruit/Peach"',
      '* LIST (\\Subscribed) "/" "Fruit/Banana"',
      '* LIST (\\Subscribed) "/" "INBOX"',
      '* LIST (\\Subscribed) "/" "Vegetable"',
      '* LIST (\\Subscribed) "/" "Vegetable/Broccoli"',
    ]);
  });

  it("RFC 5258 example 8 C04 and example 10 a3, RFC 5819 A01, RFC 3501 LSUB", () => {
    const foo = new MemoryListSource("/", ["inbox", "Foo", "Foo/Bar", "Foo/Baz", "Moo"], { subscribed: ["Foo/Baz"] });
    assert.deepEqual(bare(answerListCommand(foo, "LIST", '(SUBSCRIBED RECURSIVEMATCH) "" "%"')), [
      '* LIST () "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))',
    ]);
    const ten = new MemoryListSource("/", ["foo"], { subscribed: ["foo/bar"] });
    assert.deepEqual(bare(answerListCommand(ten, "LIST", '(SUBSCRIBED RECURSIVEMATCH) "" foo RETURN (CHILDREN)')), [
      '* LIST (\\HasNoChildren) "/" "foo" ("CHILDINFO" ("SUBSCRIBED"))',
    ]);
    assert.deepEqual(bare(answerListCommand(fruit(), "LIST", '"" % RETURN (STATUS (MESSAGES UNSEEN))')), [
      '* LIST () "/" "INBOX"',
      '* LIST () "/" "Fruit"',
      '* LIST () "/" "Tofu"',
      '* STATUS "Tofu" (MESSAGES 2 UNSEEN 1)',
      '* LIST () "/" "Vegetable"',
    ]);
    const news = new MemoryListSource(".", ["#news.comp.mail.mime", "#news.comp.mail.misc"], {
      subscribed: ["#news.comp.mail.mime", "#news.comp.mail.misc"],
    });
    assert.deepEqual(bare(answerListCommand(news, "LSUB", '"#news." "comp.mail.*"')), [
      '* LSUB () "." "#news.comp.mail.mime"',
      '* LSUB () "." "#news.comp.mail.misc"',
    ]);
    assert.deepEqual(bare(answerListCommand(news, "LSUB", '"#news." "comp.%"')), ['* LSUB (\\Noselect) "." "#news.comp.mail"']);
  });

  it("a plain LIST with the delimiter request, and IMAP4rev2's \\NonExistent", () => {
    const s = new MemoryListSource("/", ["Archive/2009"]);
    assert.deepEqual(bare(answerListCommand(s, "LIST", '"" ""')), ['* LIST (\\Noselect) "/" ""']);
    assert.deepEqual(bare(answerListCommand(s, "LIST", '"" %')), ['* LIST (\\HasChildren \\Noselect) "/" "Archive"']);
    assert.deepEqual(bare(answerListCommand(s, "LIST", '"" %', { rev2: true })), [
      '* LIST (\\NonExistent \\HasChildren) "/" "Archive"',
    ]);
  });

  it("lets every name round-trip through LIST, LIST's pattern and STATUS, in every kind of session", () => {
    const names = ["Entwürfe", "A&B", "&", "&-", "R&D/Café", "日本語", "😀 smile", "tab\tx", "cr\r\nlf", 'q"uote\\', "~user"];
    const source = new MemoryListSource("/", names, {
      status: Object.fromEntries(names.map((n, i) => [n, { messages: i, unseen: 0, recent: 0, uidNext: 0, uidValidity: 0 }])),
    });
    for (const session of [{}, { utf8: true }, { rev2: true }]) {
      for (const line of answerListCommand(source, "LIST", '"" *', session)) {
        // The name as sent, passed back as the pattern and as STATUS's mailbox.
        const wire = line.slice(line.indexOf('"/" ') + 4, -2);
        const again = answerListCommand(source, "LIST", `"" ${wire}`, session);
        assert.deepEqual(again, [line], `${JSON.stringify(wire)} in ${JSON.stringify(session)}`);
        const status = answerStatusCommand(source, `${wire} (MESSAGES)`, session);
        assert.match(status, /^\* STATUS .* \(MESSAGES \d+\)\r\n$/s);
        assert.equal(status.slice(9, status.lastIndexOf(" (")), wire, "STATUS sends the name as LIST does");
        if (Object.keys(session).length === 0) {
          assert.ok(/^[\x20-\x7e]*\r\n$/.test(line), `${JSON.stringify(line)} is printable US-ASCII`);
        }
      }
    }
  });
});

describe("answerStatusCommand", () => {
  const source = () =>
    new MemoryListSource("/", ["inbox", "Parent/Child", "Closed", "Empty"], {
      flags: { Closed: MailboxFlags.NoSelect, Empty: SpecialUse.Trash },
      status: { inbox: { messages: 9, unseen: 2, recent: 1, uidNext: 10, uidValidity: 5 } },
    });

  it("answers exactly the items asked for, in order, INBOX in any case, no RECENT to IMAP4rev2", () => {
    assert.equal(answerStatusCommand(source(), "Inbox (UNSEEN UIDNEXT MESSAGES)"), '* STATUS "INBOX" (UNSEEN 2 UIDNEXT 10 MESSAGES 9)\r\n');
    assert.equal(answerStatusCommand(source(), "INBOX (RECENT MESSAGES)", { rev2: true }), '* STATUS "INBOX" (MESSAGES 9)\r\n');
    assert.equal(answerStatusCommand(source(), "INBOX (SIZE HIGHESTMODSEQ DELETED)"), '* STATUS "INBOX" ()\r\n');
    assert.equal(answerStatusCommand(source(), "Empty (MESSAGES)"), '* STATUS "Empty" ()\r\n', "no cached figures");
  });

  it("refuses a mailbox that does not exist or cannot be selected", () => {
    for (const [args, code] of [["Gone (MESSAGES)", "NONEXISTENT"], ["Parent (MESSAGES)", "NONEXISTENT"], ["Closed (MESSAGES)", "CANNOT"]]) {
      assert.throws(
        () => answerStatusCommand(source(), args),
        (e: unknown) => e instanceof MailboxUnavailableError && e.responseCode === code && e.mailbox === args.split(" ")[0],
        args,
      );
    }
  });
});
