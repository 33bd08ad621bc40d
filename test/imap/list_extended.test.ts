// LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154)
// and LSUB (RFC 3501 §6.3.9) through listCommand and listResponseLines:
// every example of RFC 5258 §5, RFC 6154 §5 and RFC 5819 §3 and RFC 3501's
// LSUB example over in-memory sources built as the examples describe
// (lines compared modulo the order of lines and of attributes where the
// RFC does not fix it), then the one-special-flag rule, STATUS items,
// several patterns and the session forms over a real index.
//
// What the examples show that this server cannot: \Marked, \NoInferiors
// and \Remote (the index keeps no such state, and there are no remote
// mailboxes), a lower-case "inbox" (INBOX is always reported as INBOX), and
// \HasChildren / \HasNoChildren in a plain LIST (sent by this server on
// every plain LIST, as RFC 5258 §4 allows). The expected lines below are
// the RFC's lines with exactly those differences.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MailboxFlags, MailboxListIndex, type MailboxStatus, SpecialUse } from "../../mod.ts";
import { listCommand, listResponseLines } from "../../src/imap/list_command.ts";
import type { ListCommandOptions } from "../../src/imap/list_options.ts";
import type { ListSource } from "../../src/imap/list.ts";
import { MemoryListSource, sortedAttributes } from "../helpers/list_source.ts";
import { makeTempDir } from "../helpers/tmp.ts";

/** The response lines of a command, each checked to end in CRLF and returned without it. */
function answer(source: ListSource, patterns: string | string[], options: ListCommandOptions = {}): string[] {
  const lines = listResponseLines(listCommand(source, patterns, options), source.separator, options);
  return lines.map((line) => {
    assert.ok(line.endsWith("\r\n"), `${JSON.stringify(line)} ends in CRLF`);
    assert.ok(!line.slice(0, -2).includes("\r\n") || /\{\d+\}\r\n/.test(line), "CRLF only in a literal");
    return line.slice(0, -2);
  });
}

/** Same lines, modulo the order of lines and of the attributes in each. */
function sameLines(got: string[], expected: string[], what: string): void {
  const norm = (lines: string[]) => lines.map(sortedAttributes).sort();
  assert.deepEqual(norm(got), norm(expected), what);
}

// ------------------------------------------------------------ RFC 5258 §5

describe("RFC 5258 §5 examples", () => {
  // Example 1's hierarchy; example 2's subscriptions ("Fruit/Peach" does not exist).
  const fruit = () =>
    new MemoryListSource(
      "/",
      ["inbox", "Fruit", "Fruit/Apple", "Fruit/Banana", "Tofu", "Vegetable", "Vegetable/Broccoli", "Vegetable/Corn"],
      { subscribed: ["inbox", "Fruit/Banana", "Fruit/Peach", "Vegetable", "Vegetable/Broccoli"] },
    );

  it('1: LIST "" "*" (a plain LIST, with children attributes)', () => {
    sameLines(answer(fruit(), "*"), [
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\HasChildren) "/" "Fruit"',
      '* LIST (\\HasNoChildren) "/" "Fruit/Apple"',
      '* LIST (\\HasNoChildren) "/" "Fruit/Banana"',
      '* LIST (\\HasNoChildren) "/" "Tofu"',
      '* LIST (\\HasChildren) "/" "Vegetable"',
      '* LIST (\\HasNoChildren) "/" "Vegetable/Broccoli"',
      '* LIST (\\HasNoChildren) "/" "Vegetable/Corn"',
    ], "A01");
  });

  it('2 and 5: LIST (SUBSCRIBED) "" "*" and LIST (REMOTE SUBSCRIBED) "" "*"', () => {
    const expected = [
      '* LIST (\\Subscribed) "/" "INBOX"',
      '* LIST (\\Subscribed) "/" "Fruit/Banana"',
      '* LIST (\\Subscribed \\NonExistent) "/" "Fruit/Peach"',
      '* LIST (\\Subscribed) "/" "Vegetable"',
      '* LIST (\\Subscribed) "/" "Vegetable/Broccoli"',
    ];
    sameLines(answer(fruit(), "*", { select: { subscribed: true } }), expected, "A02");
    sameLines(answer(fruit(), "*", { select: { remote: true, subscribed: true } }), expected, "A05");
  });

  it('3 and 4: LIST () "" "%" RETURN (CHILDREN) and LIST (REMOTE) "" "%" RETURN (CHILDREN)', () => {
    const expected = [
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\HasChildren) "/" "Fruit"',
      '* LIST (\\HasNoChildren) "/" "Tofu"',
      '* LIST (\\HasChildren) "/" "Vegetable"',
    ];
    sameLines(answer(fruit(), "%", { select: {}, return: { children: true } }), expected, "A03");
    sameLines(answer(fruit(), "%", { select: { remote: true }, return: { children: true } }), expected, "A04");
  });

  it('6: LIST (REMOTE) "" "*" RETURN (SUBSCRIBED) leaves out the subscribed name that does not exist', () => {
    sameLines(answer(fruit(), "*", { select: { remote: true }, return: { subscribed: true } }), [
      '* LIST (\\Subscribed) "/" "INBOX"',
      '* LIST () "/" "Fruit"',
      '* LIST () "/" "Fruit/Apple"',
      '* LIST (\\Subscribed) "/" "Fruit/Banana"',
      '* LIST () "/" "Tofu"',
      '* LIST (\\Subscribed) "/" "Vegetable"',
      '* LIST (\\Subscribed) "/" "Vegetable/Broccoli"',
      '* LIST () "/" "Vegetable/Corn"',
    ], "A06");
  });

  it('7: LIST "" ("INBOX" "Drafts" "Sent/%"), in the order of the patterns', () => {
    const source = new MemoryListSource("/", [
      "Sent/March2004",
      "Drafts",
      "Sent/December2003",
      "INBOX",
      "Sent/August2004",
    ]);
    assert.deepEqual(answer(source, ["INBOX", "Drafts", "Sent/%"]), [
      '* LIST () "/" "INBOX"',
      '* LIST () "/" "Drafts"',
      '* LIST () "/" "Sent/March2004"',
      '* LIST () "/" "Sent/December2003"',
      '* LIST () "/" "Sent/August2004"',
    ], "BBB");
  });

  describe("8: \\HasChildren and CHILDINFO", () => {
    const names = ["inbox", "Foo", "Foo/Bar", "Foo/Baz", "Moo"];

    it('LIST "" "*" and LIST "" "%" RETURN (CHILDREN)', () => {
      const source = new MemoryListSource("/", names);
      sameLines(answer(source, "*"), [
        '* LIST (\\HasNoChildren) "/" "INBOX"',
        '* LIST (\\HasChildren) "/" "Foo"',
        '* LIST (\\HasNoChildren) "/" "Foo/Bar"',
        '* LIST (\\HasNoChildren) "/" "Foo/Baz"',
        '* LIST (\\HasNoChildren) "/" "Moo"',
      ], "C01");
      sameLines(answer(source, "%", { return: { children: true } }), [
        '* LIST (\\HasNoChildren) "/" "INBOX"',
        '* LIST (\\HasChildren) "/" "Foo"',
        '* LIST (\\HasNoChildren) "/" "Moo"',
      ], "CA3");
    });

    it("A: only Foo/Baz subscribed", () => {
      const source = new MemoryListSource("/", names, { subscribed: ["Foo/Baz"] });
      sameLines(answer(source, "*", { select: { subscribed: true } }), ['* LIST (\\Subscribed) "/" "Foo/Baz"'], "C02");
      assert.deepEqual(answer(source, "%", { select: { subscribed: true } }), [], 'LIST (SUBSCRIBED) "" "%"');
      assert.deepEqual(answer(source, "%", { select: { subscribed: true, recursiveMatch: true } }), [
        '* LIST () "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))',
      ], "C04");
    });

    it("A1: Foo subscribed too", () => {
      const source = new MemoryListSource("/", names, { subscribed: ["Foo/Baz", "Foo"] });
      assert.deepEqual(answer(source, "%", { select: { subscribed: true, recursiveMatch: true } }), [
        '* LIST (\\Subscribed) "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))',
      ], "C04");
      // "or even this", with RETURN (CHILDREN)
      sameLines(
        answer(source, "%", { select: { subscribed: true, recursiveMatch: true }, return: { children: true } }),
        ['* LIST (\\Subscribed \\HasChildren) "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))'],
        "C04 RETURN (CHILDREN)",
      );
    });

    it("A2: Foo not in the hierarchy and not subscribed", () => {
      const source = new MemoryListSource("/", ["inbox", "Foo/Bar", "Foo/Baz", "Moo"], { subscribed: ["Foo/Baz"] });
      assert.deepEqual(answer(source, "%", { select: { subscribed: true, recursiveMatch: true } }), [
        '* LIST (\\NonExistent) "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))',
      ], "C04");
    });

    it("B: nothing subscribed", () => {
      const source = new MemoryListSource("/", names);
      assert.deepEqual(answer(source, "%", { select: { subscribed: true, recursiveMatch: true } }), []);
    });

    it("C: only Foo and Moo subscribed", () => {
      const source = new MemoryListSource("/", names, { subscribed: ["Foo", "Moo"] });
      sameLines(
        answer(source, "%", { select: { subscribed: true, recursiveMatch: true }, return: { children: true } }),
        ['* LIST (\\HasChildren \\Subscribed) "/" "Foo"', '* LIST (\\HasNoChildren \\Subscribed) "/" "Moo"'],
        "C04",
      );
    });
  });

  describe("9: CHILDINFO whether or not the children match", () => {
    const source = () =>
      new MemoryListSource("/", [
        "inbox",
        "foo2",
        "foo2/bar1",
        "foo2/bar2",
        "baz2",
        "baz2/bar2",
        "baz2/bar22",
        "baz2/bar222",
        "eps2",
        "eps2/mamba",
        "qux2/bar2",
      ], {
        subscribed: [
          "foo2/bar1",
          "foo2/bar2",
          "baz2/bar2",
          "baz2/bar22",
          "baz2/bar222",
          "eps2",
          "eps2/mamba",
          "qux2/bar2",
        ],
      });

    it('D02: LIST (SUBSCRIBED) "" "*"', () => {
      sameLines(answer(source(), "*", { select: { subscribed: true } }), [
        '* LIST (\\Subscribed) "/" "foo2/bar1"',
        '* LIST (\\Subscribed) "/" "foo2/bar2"',
        '* LIST (\\Subscribed) "/" "baz2/bar2"',
        '* LIST (\\Subscribed) "/" "baz2/bar22"',
        '* LIST (\\Subscribed) "/" "baz2/bar222"',
        '* LIST (\\Subscribed) "/" "eps2"',
        '* LIST (\\Subscribed) "/" "eps2/mamba"',
        '* LIST (\\Subscribed) "/" "qux2/bar2"',
      ], "D02");
    });

    it('D03: LIST (RECURSIVEMATCH SUBSCRIBED) "" "*2", with the two lines the RFC allows', () => {
      sameLines(answer(source(), "*2", { select: { recursiveMatch: true, subscribed: true } }), [
        '* LIST () "/" "foo2" ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\Subscribed) "/" "foo2/bar2"',
        '* LIST (\\Subscribed) "/" "baz2/bar2"',
        '* LIST (\\Subscribed) "/" "baz2/bar22"',
        '* LIST (\\Subscribed) "/" "baz2/bar222"',
        '* LIST (\\Subscribed) "/" "eps2" ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\Subscribed) "/" "qux2/bar2"',
        // "the server may also include"
        '* LIST () "/" "baz2" ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\NonExistent) "/" "qux2" ("CHILDINFO" ("SUBSCRIBED"))',
      ], "D03 *2");
    });

    it('D03: LIST (RECURSIVEMATCH SUBSCRIBED) "" "*", and qux2 too (by the rule of "*2")', () => {
      sameLines(answer(source(), "*", { select: { recursiveMatch: true, subscribed: true } }), [
        '* LIST () "/" "foo2" ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\Subscribed) "/" "foo2/bar1"',
        '* LIST (\\Subscribed) "/" "foo2/bar2"',
        '* LIST () "/" "baz2" ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\Subscribed) "/" "baz2/bar2"',
        '* LIST (\\Subscribed) "/" "baz2/bar22"',
        '* LIST (\\Subscribed) "/" "baz2/bar222"',
        '* LIST (\\Subscribed) "/" "eps2" ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\Subscribed) "/" "eps2/mamba"',
        '* LIST (\\Subscribed) "/" "qux2/bar2"',
        '* LIST (\\NonExistent) "/" "qux2" ("CHILDINFO" ("SUBSCRIBED"))',
      ], "D03 *");
    });
  });

  it("10: several patterns, and CHILDINFO without \\HasChildren", () => {
    const source = new MemoryListSource("/", ["foo"], { subscribed: ["foo/bar"] });
    assert.deepEqual(answer(source, ["foo", "foo/*"]), ['* LIST () "/" "foo"'], "a1");
    sameLines(answer(source, "foo/*", { select: { subscribed: true } }), [
      '* LIST (\\Subscribed \\NonExistent) "/" "foo/bar"',
    ], "a2");
    assert.deepEqual(
      answer(source, "foo", { select: { subscribed: true, recursiveMatch: true }, return: { children: true } }),
      ['* LIST (\\HasNoChildren) "/" "foo" ("CHILDINFO" ("SUBSCRIBED"))'],
      "a3",
    );
  });

  it("11: a missing parent is \\NonExistent \\HasChildren", () => {
    const source = new MemoryListSource("/", ["music/rock"]);
    assert.deepEqual(answer(source, "*", { select: { remote: true } }), ['* LIST () "/" "music/rock"'], "a1");
    assert.deepEqual(answer(source, "%", { select: {} }), ['* LIST (\\NonExistent \\HasChildren) "/" "music"'], "a2");
    assert.deepEqual(answer(source, "%", { select: { remote: true } }), [
      '* LIST (\\NonExistent \\HasChildren) "/" "music"',
    ], "a3");
    // "clients must handle both cases": this server also returns "music" for the "%".
    assert.deepEqual(answer(source, ["%", "music/rock"]), [
      '* LIST (\\NonExistent \\HasChildren) "/" "music"',
      '* LIST () "/" "music/rock"',
    ], "a3.1");
  });
});

// ------------------------------------------------------------ RFC 6154 §5

describe("RFC 6154 §5 examples", () => {
  const source = () =>
    new MemoryListSource("/", ["Inbox", "ToDo", "Projects", "Projects/2011", "SentMail", "MyDrafts", "Trash"], {
      flags: { SentMail: SpecialUse.Sent, MyDrafts: SpecialUse.Drafts, Trash: SpecialUse.Trash },
    });

  it('5.1: a plain LIST "" "%" carries the special-use attributes', () => {
    sameLines(answer(source(), "%"), [
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\HasNoChildren) "/" "ToDo"',
      '* LIST (\\HasChildren) "/" "Projects"',
      '* LIST (\\Sent \\HasNoChildren) "/" "SentMail"',
      '* LIST (\\Drafts \\HasNoChildren) "/" "MyDrafts"',
      '* LIST (\\Trash \\HasNoChildren) "/" "Trash"',
    ], "t1");
  });

  it('5.2: LIST "" "%" RETURN (SPECIAL-USE) and LIST (SPECIAL-USE) "" "*"', () => {
    sameLines(answer(source(), "%", { return: { specialUse: true } }), [
      '* LIST () "/" "INBOX"',
      '* LIST () "/" "ToDo"',
      '* LIST () "/" "Projects"',
      '* LIST (\\Sent) "/" "SentMail"',
      '* LIST (\\Drafts) "/" "MyDrafts"',
      '* LIST (\\Trash) "/" "Trash"',
    ], "t2");
    sameLines(answer(source(), "*", { select: { specialUse: true } }), [
      '* LIST (\\Sent) "/" "SentMail"',
      '* LIST (\\Drafts) "/" "MyDrafts"',
      '* LIST (\\Trash) "/" "Trash"',
    ], "t3");
    // Without the option an extended LIST sends none (as Dovecot).
    sameLines(answer(source(), "%", { select: {} }), [
      '* LIST () "/" "INBOX"',
      '* LIST () "/" "ToDo"',
      '* LIST () "/" "Projects"',
      '* LIST () "/" "SentMail"',
      '* LIST () "/" "MyDrafts"',
      '* LIST () "/" "Trash"',
    ], "LIST () without SPECIAL-USE");
  });

  it("5.4: the starting point and the result of the METADATA example", () => {
    const before = new MemoryListSource("/", ["SentMail", "MyDrafts", "SavedDrafts", "Trash"], {
      flags: { SentMail: SpecialUse.Sent, MyDrafts: SpecialUse.Drafts, Trash: SpecialUse.Trash },
    });
    sameLines(answer(before, "%", { return: { specialUse: true } }), [
      '* LIST (\\Sent) "/" "SentMail"',
      '* LIST (\\Drafts) "/" "MyDrafts"',
      '* LIST () "/" "SavedDrafts"',
      '* LIST (\\Trash) "/" "Trash"',
    ], "t1");
    const after = new MemoryListSource("/", ["SentMail", "MyDrafts", "SavedDrafts", "Trash"], {
      flags: { SavedDrafts: SpecialUse.Drafts, Trash: SpecialUse.Trash },
    });
    sameLines(answer(after, "%", { return: { specialUse: true } }), [
      '* LIST () "/" "SentMail"',
      '* LIST () "/" "MyDrafts"',
      '* LIST (\\Drafts) "/" "SavedDrafts"',
      '* LIST (\\Trash) "/" "Trash"',
    ], "t5");
  });

  it("5.3: a mailbox created with CREATE ... (USE (...)) is listed with its special use by LIST ... RETURN (SPECIAL-USE)", async () => {
    // CREATE-SPECIAL-USE's command itself (parsing the USE parameter, the
    // NO [USEATTR] refusal of an attribute the store cannot honour) belongs
    // to a server; the LIST layer answers the LIST that follows. The server
    // creates the mailbox with its special use through the index, as here,
    // over the mailboxes of the examples above.
    const tmp = makeTempDir("mli-list-create-use-");
    const index = await MailboxListIndex.open(join(tmp.dir, "mailboxes.mlist"), { separator: "/", durable: false });
    try {
      const setup = await index.syncBegin({ recursive: true });
      for (const name of ["INBOX", "ToDo", "Projects", "Projects/2011", "SentMail", "MyDrafts", "Trash"]) setup.add(name);
      setup.setSpecialUse("SentMail", SpecialUse.Sent);
      setup.setSpecialUse("MyDrafts", SpecialUse.Drafts);
      setup.setSpecialUse("Trash", SpecialUse.Trash);
      await setup.commit();
      const lines = (patterns: string | string[], options: ListCommandOptions = {}) =>
        listResponseLines(index.list(patterns, options), index.separator, options).map((l) => l.slice(0, -2));
      assert.ok(!lines("%").some((l) => l.endsWith('"MySpecial"')), "not there before the CREATE");

      // C: t1 CREATE MySpecial (USE (\Drafts \Sent)), answered OK: one new mailbox, nothing else touched.
      const create = await index.syncBegin({ partial: true });
      create.add("MySpecial");
      create.setSpecialUse("MySpecial", ["\\Drafts", "\\Sent"]);
      await create.commit();

      sameLines(lines("%", { return: { specialUse: true } }), [
        '* LIST () "/" "INBOX"',
        '* LIST () "/" "ToDo"',
        '* LIST () "/" "Projects"',
        '* LIST (\\Sent) "/" "SentMail"',
        '* LIST (\\Drafts) "/" "MyDrafts"',
        '* LIST (\\Trash) "/" "Trash"',
        '* LIST (\\Drafts \\Sent) "/" "MySpecial"',
      ], 'LIST "" "%" RETURN (SPECIAL-USE)');
      assert.ok(
        lines("MySpecial", { return: { specialUse: true } }).includes('* LIST (\\Drafts \\Sent) "/" "MySpecial"'),
        "the atoms in RFC 6154 order",
      );
      sameLines(lines("*", { select: { specialUse: true } }), [
        '* LIST (\\Sent) "/" "SentMail"',
        '* LIST (\\Drafts) "/" "MyDrafts"',
        '* LIST (\\Trash) "/" "Trash"',
        '* LIST (\\Drafts \\Sent) "/" "MySpecial"',
      ], 'LIST (SPECIAL-USE) "" "*"');
      // A CREATE ... (USE (\Sent)) of one attribute: listed with just that one.
      const createSent = await index.syncBegin({ partial: true });
      createSent.add("Projects/Sent 2011");
      createSent.setSpecialUse("Projects/Sent 2011", ["\\Sent"]);
      await createSent.commit();
      assert.deepEqual(lines("Projects/%", { return: { specialUse: true } }), [
        '* LIST () "/" "Projects/2011"',
        '* LIST (\\Sent) "/" "Projects/Sent 2011"',
      ]);
    } finally {
      await index.close();
      tmp.cleanup();
    }
  });

  it("SPECIAL-USE with SUBSCRIBED and RETURN (CHILDREN), several atoms in RFC order", () => {
    const s = new MemoryListSource("/", ["Sent", "Archive/All", "Junk"], {
      flags: { Sent: SpecialUse.Sent, "Archive/All": SpecialUse.All | SpecialUse.Archive },
      subscribed: ["Sent", "Junk", "Gone"],
    });
    assert.deepEqual(answer(s, "*", { select: { subscribed: true, specialUse: true } }), [
      '* LIST (\\Subscribed \\Sent) "/" "Sent"',
    ]);
    assert.deepEqual(answer(s, "*", { select: { specialUse: true }, return: { children: true } }), [
      '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
      '* LIST (\\HasNoChildren \\All \\Archive) "/" "Archive/All"',
    ]);
  });
});

// ------------------------------------------------------------ LSUB

describe("LSUB (RFC 3501 §6.3.9)", () => {
  it("the RFC's example: comp.mail.* and the \\Noselect parent of comp.%", () => {
    const source = new MemoryListSource(".", ["INBOX", "#news.comp.mail.mime", "#news.comp.mail.misc", "#news.rec"], {
      subscribed: ["#news.comp.mail.mime", "#news.comp.mail.misc"],
    });
    assert.deepEqual(answer(source, "comp.mail.*", { lsub: true, reference: "#news." }), [
      '* LSUB () "." "#news.comp.mail.mime"',
      '* LSUB () "." "#news.comp.mail.misc"',
    ], "A002");
    assert.deepEqual(answer(source, "comp.%", { lsub: true, reference: "#news." }), [
      '* LSUB (\\Noselect) "." "#news.comp.mail"',
    ], "A003");
  });

  it("lists subscribed names that do not exist with no attribute, parents only for a trailing %", () => {
    const source = new MemoryListSource("/", ["inbox", "Foo", "Foo/Bar", "Sent"], {
      subscribed: ["INBOX", "Foo/Bar", "Gone", "Gone/Child", "Sent"],
      flags: { Sent: SpecialUse.Sent },
    });
    assert.deepEqual(answer(source, "*", { lsub: true }), [
      '* LSUB () "/" "Foo/Bar"',
      '* LSUB () "/" "Gone"',
      '* LSUB () "/" "Gone/Child"',
      '* LSUB () "/" "INBOX"',
      '* LSUB (\\Sent) "/" "Sent"',
    ]);
    assert.deepEqual(answer(source, "%", { lsub: true }), [
      '* LSUB (\\Noselect) "/" "Foo"',
      '* LSUB () "/" "Gone"',
      '* LSUB () "/" "INBOX"',
      '* LSUB (\\Sent) "/" "Sent"',
    ]);
    assert.deepEqual(answer(source, "F*", { lsub: true }), ['* LSUB () "/" "Foo/Bar"'], "no parent without a trailing %");
    assert.deepEqual(answer(source, "inbox", { lsub: true }), ['* LSUB () "/" "INBOX"'], "INBOX in any case");
    assert.deepEqual(answer(source, "", { lsub: true }), [], "an empty pattern matches nothing");
    assert.throws(() => listCommand(source, "%", { lsub: true, select: {} }), RangeError);
  });
});

// ------------------------------------------------------------ RFC 5819 §3

describe("RFC 5819 §3 examples", () => {
  const status = (messages: number, unseen: number): MailboxStatus => ({
    messages,
    unseen,
    recent: 0,
    uidNext: 1,
    uidValidity: 1,
  });

  it('A01: LIST "" % RETURN (STATUS (MESSAGES UNSEEN)): a STATUS line after each selectable mailbox', () => {
    const source = new MemoryListSource(".", ["INBOX", "foo", "bar"], {
      flags: { bar: MailboxFlags.NoSelect },
      status: { INBOX: status(17, 16), foo: status(30, 29), bar: status(1, 1) },
    });
    assert.deepEqual(answer(source, "%", { return: { status: ["MESSAGES", "UNSEEN"] } }), [
      '* LIST () "." "INBOX"',
      '* STATUS "INBOX" (MESSAGES 17 UNSEEN 16)',
      '* LIST () "." "foo"',
      '* STATUS "foo" (MESSAGES 30 UNSEEN 29)',
      '* LIST (\\Noselect) "." "bar"',
    ]);
  });

  it("A02: LIST (SUBSCRIBED RECURSIVEMATCH) ... RETURN (STATUS (MESSAGES)): none for a CHILDINFO-only name", () => {
    const source = new MemoryListSource(".", ["INBOX", "foo", "foo.x"], {
      subscribed: ["INBOX", "foo.x"],
      status: { INBOX: status(17, 16), foo: status(30, 29), "foo.x": status(1, 1) },
    });
    assert.deepEqual(
      answer(source, "%", { select: { subscribed: true, recursiveMatch: true }, return: { status: ["MESSAGES"] } }),
      [
        '* LIST (\\Subscribed) "." "INBOX"',
        '* STATUS "INBOX" (MESSAGES 17)',
        '* LIST () "." "foo" ("CHILDINFO" ("SUBSCRIBED"))',
      ],
    );
  });
});

// ------------------------------------------------------------ rules

describe("one special flag (RFC 9051 mbx-list-sflag)", () => {
  const source = () =>
    new MemoryListSource("/", ["Top/Leaf", "Closed", "Closed/Child", "Odd"], {
      flags: {
        Closed: MailboxFlags.NoSelect | MailboxFlags.Children,
        Odd: MailboxFlags.NoSelect | MailboxFlags.NonExistent,
      },
      subscribed: ["Top", "Odd", "Missing"],
    });
  const SFLAGS = ["\\NonExistent", "\\Noselect", "\\Marked", "\\Unmarked"];
  const special = (line: string) => (/\(([^)]*)\)/.exec(line)![1].split(" ")).filter((a) => SFLAGS.includes(a));

  it("a NONEXISTENT mailbox is \\Noselect to a plain IMAP4rev1 LIST, \\NonExistent to LIST-EXTENDED and IMAP4rev2", () => {
    assert.deepEqual(answer(source(), "%"), [
      '* LIST (\\HasChildren \\Noselect) "/" "Top"',
      '* LIST (\\HasChildren \\Noselect) "/" "Closed"',
      '* LIST (\\HasNoChildren \\Noselect) "/" "Odd"',
    ]);
    assert.deepEqual(answer(source(), "%", { session: { rev2: true } }), [
      '* LIST (\\NonExistent \\HasChildren) "/" "Top"',
      '* LIST (\\HasChildren \\Noselect) "/" "Closed"',
      '* LIST (\\NonExistent \\HasNoChildren) "/" "Odd"',
    ]);
    assert.deepEqual(answer(source(), "%", { session: { utf8: true } }), answer(source(), "%"), "UTF8=ACCEPT is IMAP4rev1");
    assert.deepEqual(answer(source(), ["%"]), [
      '* LIST (\\NonExistent \\HasChildren) "/" "Top"',
      '* LIST (\\Noselect) "/" "Closed"',
      '* LIST (\\NonExistent) "/" "Odd"',
    ]);
    assert.deepEqual(answer(source(), "%", { select: { subscribed: true } }), [
      '* LIST (\\NonExistent \\Subscribed) "/" "Missing"',
      '* LIST (\\NonExistent \\Subscribed) "/" "Odd"',
      '* LIST (\\NonExistent \\Subscribed) "/" "Top"',
    ]);
    assert.deepEqual(answer(source(), "%", { lsub: true }), [
      '* LSUB () "/" "Missing"',
      '* LSUB () "/" "Odd"',
      '* LSUB () "/" "Top"',
    ], "LSUB gets neither");
  });

  it("never sends two special flags, whatever the options", () => {
    const variants: ListCommandOptions[] = [
      {},
      { session: { rev2: true } },
      { select: {} },
      { return: { children: true, subscribed: true, specialUse: true } },
      { select: { subscribed: true, recursiveMatch: true }, return: { children: true } },
      { lsub: true },
    ];
    for (const options of variants) {
      for (const pattern of ["*", "%", "%/%"]) {
        for (const line of answer(source(), pattern, options)) {
          assert.ok(special(line).length <= 1, `${line} (${JSON.stringify(options)})`);
        }
      }
    }
  });

  it("RETURN (STATUS) sends none for \\Noselect and \\NonExistent mailboxes", () => {
    const s = new MemoryListSource("/", ["Top/Leaf", "Closed"], {
      flags: { Closed: MailboxFlags.NoSelect },
      status: { Top: { messages: 1, unseen: 0, recent: 0, uidNext: 0, uidValidity: 0 }, Closed: { messages: 2, unseen: 0, recent: 0, uidNext: 0, uidValidity: 0 }, "Top/Leaf": { messages: 3, unseen: 0, recent: 0, uidNext: 0, uidValidity: 0 } },
    });
    assert.deepEqual(answer(s, ["%", "%/%"], { return: { status: ["MESSAGES"] } }), [
      '* LIST (\\NonExistent \\HasChildren) "/" "Top"',
      '* LIST (\\Noselect) "/" "Closed"',
      '* LIST () "/" "Top/Leaf"',
      '* STATUS "Top/Leaf" (MESSAGES 3)',
    ]);
  });
});

describe("STATUS items", () => {
  const figures: MailboxStatus = { messages: 7, unseen: 2, recent: 1, uidNext: 9, uidValidity: 42 };
  const source = () => new MemoryListSource("/", ["INBOX", "NoCache"], { status: { INBOX: figures } });

  it("carries exactly the items asked for, in the order asked, each once", () => {
    assert.deepEqual(answer(source(), "INBOX", { return: { status: ["UIDVALIDITY", "MESSAGES"] } }), [
      '* LIST () "/" "INBOX"',
      '* STATUS "INBOX" (UIDVALIDITY 42 MESSAGES 7)',
    ]);
    assert.deepEqual(answer(source(), "INBOX", { return: { status: ["RECENT", "UNSEEN", "RECENT", "UIDNEXT"] } })[1], '* STATUS "INBOX" (RECENT 1 UNSEEN 2 UIDNEXT 9)');
  });

  it("never sends RECENT to IMAP4rev2, nor items the cache cannot answer", () => {
    const options: ListCommandOptions = { return: { status: ["RECENT", "SIZE", "MESSAGES", "HIGHESTMODSEQ", "DELETED"] } };
    assert.equal(answer(source(), "INBOX", { ...options, session: { rev2: true } })[1], '* STATUS "INBOX" (MESSAGES 7)');
    assert.equal(answer(source(), "INBOX", options)[1], '* STATUS "INBOX" (RECENT 1 MESSAGES 7)');
    assert.equal(answer(source(), "INBOX", { return: { status: ["SIZE"] } })[1], '* STATUS "INBOX" ()');
  });

  it("status: true is the default items; no STATUS line for a mailbox without cached figures", () => {
    assert.deepEqual(answer(source(), "*", { status: true }), [
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* STATUS "INBOX" (MESSAGES 7 UNSEEN 2 RECENT 1 UIDNEXT 9 UIDVALIDITY 42)',
      '* LIST (\\HasNoChildren) "/" "NoCache"',
    ]);
    assert.equal(answer(source(), "INBOX", { status: true, session: { rev2: true } })[1], '* STATUS "INBOX" (MESSAGES 7 UNSEEN 2 UIDNEXT 9 UIDVALIDITY 42)');
    assert.deepEqual(answer(source(), "INBOX", { return: { status: [] } }), ['* LIST () "/" "INBOX"'], "an empty list asks for nothing");
  });
});

describe("several patterns and the extended syntax", () => {
  const source = () => new MemoryListSource("/", ["B", "A/x", "A/y", "INBOX", "inbox/Sub"]);

  it("lists the union, each mailbox once, in the order of the patterns then of the source", () => {
    assert.deepEqual(answer(source(), ["A/*", "*", "B"]).map((l) => l.split(" ").pop()), [
      '"A/x"',
      '"A/y"',
      '"B"',
      '"INBOX"',
      '"INBOX/Sub"',
    ]);
    assert.deepEqual(answer(source(), ["inbox", "INBOX", "Inbox/%"]), [
      '* LIST () "/" "INBOX"',
      '* LIST () "/" "INBOX/Sub"',
    ]);
  });

  it("an empty pattern asks for the delimiter only in a plain LIST; extended ones ignore it", () => {
    assert.deepEqual(answer(source(), ""), ['* LIST (\\Noselect) "/" ""']);
    assert.deepEqual(answer(source(), "", { select: {} }), []);
    assert.deepEqual(answer(source(), ["", "B"]), ['* LIST () "/" "B"']);
  });

  it("applies the reference to every pattern", () => {
    assert.deepEqual(answer(source(), ["x", "y"], { reference: "A/" }), ['* LIST () "/" "A/x"', '* LIST () "/" "A/y"']);
    const s = new MemoryListSource("/", ["A/x"], { subscribed: ["A/x", "A/z"] });
    assert.deepEqual(answer(s, "%", { reference: "A/", select: { subscribed: true } }), [
      '* LIST (\\Subscribed) "/" "A/x"',
      '* LIST (\\NonExistent \\Subscribed) "/" "A/z"',
    ]);
  });

  it("refuses RECURSIVEMATCH without SUBSCRIBED", () => {
    assert.throws(() => listCommand(source(), "*", { select: { recursiveMatch: true } }), RangeError);
    assert.throws(() => listCommand(source(), "*", { select: { recursiveMatch: true, specialUse: true } }), RangeError);
  });

  it("gives the same answer over a source without walk", () => {
    const names = ["Fruit/Apple", "Fruit", "Tofu", "inbox"];
    const options = { subscribed: ["INBOX", "Fruit/Apple", "Fruit/Peach"], flags: { Tofu: SpecialUse.Junk } };
    const a = new MemoryListSource("/", names, options);
    const b = new MemoryListSource("/", names, { ...options, walk: false });
    for (
      const o of [
        { select: { subscribed: true, recursiveMatch: true }, return: { children: true } },
        { return: { subscribed: true, specialUse: true } },
        { lsub: true },
      ] as ListCommandOptions[]
    ) {
      for (const p of ["*", "%", "Fruit/%"]) assert.deepEqual(answer(a, p, o), answer(b, p, o), `${p} ${JSON.stringify(o)}`);
    }
  });
});

describe("names on the wire", () => {
  it("sends modified UTF-7 to IMAP4rev1, UTF-8 to UTF8=ACCEPT and IMAP4rev2, in every kind of line", () => {
    const source = new MemoryListSource("/", ["Entwürfe", "R&D/日本語"], {
      subscribed: ["Entwürfe", "R&D/日本語"],
      status: { "Entwürfe": { messages: 1, unseen: 0, recent: 0, uidNext: 0, uidValidity: 0 } },
    });
    assert.deepEqual(answer(source, "*", { status: true }), [
      '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"',
      '* STATUS "Entw&APw-rfe" (MESSAGES 1 UNSEEN 0 RECENT 0)',
      '* LIST (\\HasNoChildren) "/" "R&-D/&ZeVnLIqe-"',
    ]);
    assert.deepEqual(answer(source, "*", { status: true, session: { utf8: true } }), [
      '* LIST (\\HasNoChildren) "/" "Entwürfe"',
      '* STATUS "Entwürfe" (MESSAGES 1 UNSEEN 0 RECENT 0)',
      '* LIST (\\HasNoChildren) "/" "R&D/日本語"',
    ]);
    assert.deepEqual(answer(source, "*", { lsub: true, session: { rev2: true } }), [
      '* LSUB () "/" "Entwürfe"',
      '* LSUB () "/" "R&D/日本語"',
    ]);
    assert.deepEqual(answer(source, "%", { lsub: true }), ['* LSUB () "/" "Entw&APw-rfe"', '* LSUB (\\Noselect) "/" "R&-D"']);
  });
});

// ------------------------------------------------------------ a real index

describe("LIST-EXTENDED over an index", () => {
  it("index.list takes several patterns, selection and return options and the session", async () => {
    const tmp = makeTempDir("mli-list-ext-");
    const index = await MailboxListIndex.open(join(tmp.dir, "mailboxes.mlist"), { separator: "/", durable: false });
    try {
      const ctx = await index.syncBegin({ recursive: true });
      for (const name of ["INBOX", "Fruit/Apple", "Fruit/Banana", "Tofu", "Vegetable", "Vegetable/Corn"]) ctx.add(name);
      ctx.setStatus("Tofu", { messages: 4, unseen: 1, recent: 1, uidNext: 5, uidValidity: 77 });
      await ctx.commit();
      const lines = (patterns: string | string[], options: ListCommandOptions = {}) =>
        listResponseLines(index.list(patterns, options), index.separator, options).map((l) => l.slice(0, -2));
      sameLines(lines("%"), [
        '* LIST (\\HasNoChildren) "/" "INBOX"',
        '* LIST (\\HasChildren \\Noselect) "/" "Fruit"',
        '* LIST (\\HasNoChildren) "/" "Tofu"',
        '* LIST (\\HasChildren) "/" "Vegetable"',
      ], "a plain LIST");
      const got = lines(["Fruit/*", "T%"], { return: { children: true, status: ["UNSEEN", "MESSAGES"] } });
      sameLines(got, [
        '* LIST (\\HasNoChildren) "/" "Fruit/Apple"',
        '* LIST (\\HasNoChildren) "/" "Fruit/Banana"',
        '* LIST (\\HasNoChildren) "/" "Tofu"',
        '* STATUS "Tofu" (UNSEEN 1 MESSAGES 4)',
      ], "two patterns with RETURN (CHILDREN STATUS (UNSEEN MESSAGES))");
      assert.deepEqual(got.slice(2), ['* LIST (\\HasNoChildren) "/" "Tofu"', '* STATUS "Tofu" (UNSEEN 1 MESSAGES 4)']);
      assert.ok(lines("%", { session: { rev2: true } }).includes('* LIST (\\NonExistent \\HasChildren) "/" "Fruit"'));
      assert.ok(lines("%", { select: {} }).includes('* LIST (\\NonExistent \\HasChildren) "/" "Fruit"'));
      assert.ok(lines("%", { select: {} }).includes('* LIST () "/" "Tofu"'));
      assert.equal(lines("Tofu", { status: true, session: { rev2: true } })[1], '* STATUS "Tofu" (MESSAGES 4 UNSEEN 1 UIDNEXT 5 UIDVALIDITY 77)');
    } finally {
      await index.close();
      tmp.cleanup();
    }
  });
});

describe("LIST-EXTENDED over an index: subscriptions and special use", () => {
  it("RFC 5258 examples 2, 6 and 8, RFC 6154's SPECIAL-USE and LSUB answer from the index's own state", async () => {
    const tmp = makeTempDir("mli-list-subs-");
    const index = await MailboxListIndex.open(join(tmp.dir, "mailboxes.mlist"), { separator: "/", durable: false });
    try {
      const ctx = await index.syncBegin({ recursive: true });
      for (const name of ["inbox", "Fruit", "Fruit/Apple", "Fruit/Banana", "Tofu", "Vegetable", "Vegetable/Broccoli"]) {
        ctx.add(name);
      }
      ctx.setSpecialUse("Tofu", SpecialUse.Junk);
      for (const name of ["inbox", "Fruit/Banana", "Fruit/Peach", "Vegetable", "Vegetable/Broccoli"]) ctx.subscribe(name);
      await ctx.commit();
      const lines = (patterns: string | string[], options: ListCommandOptions = {}) =>
        listResponseLines(index.list(patterns, options), index.separator, options).map((l) => l.slice(0, -2));
      sameLines(lines("*", { select: { subscribed: true } }), [
        '* LIST (\\Subscribed) "/" "INBOX"',
        '* LIST (\\Subscribed) "/" "Fruit/Banana"',
        '* LIST (\\Subscribed \\NonExistent) "/" "Fruit/Peach"',
        '* LIST (\\Subscribed) "/" "Vegetable"',
        '* LIST (\\Subscribed) "/" "Vegetable/Broccoli"',
      ], "example 2");
      sameLines(lines("*", { return: { subscribed: true } }), [
        '* LIST (\\Subscribed) "/" "INBOX"',
        '* LIST () "/" "Fruit"',
        '* LIST () "/" "Fruit/Apple"',
        '* LIST (\\Subscribed) "/" "Fruit/Banana"',
        '* LIST () "/" "Tofu"',
        '* LIST (\\Subscribed) "/" "Vegetable"',
        '* LIST (\\Subscribed) "/" "Vegetable/Broccoli"',
      ], "example 6");
      sameLines(lines("%", { select: { subscribed: true, recursiveMatch: true }, return: { children: true } }), [
        '* LIST (\\Subscribed \\HasNoChildren) "/" "INBOX"',
        '* LIST (\\HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\Subscribed \\HasChildren) "/" "Vegetable" ("CHILDINFO" ("SUBSCRIBED"))',
      ], "RECURSIVEMATCH");
      assert.deepEqual(lines("*", { select: { specialUse: true } }), ['* LIST (\\Junk) "/" "Tofu"']);
      assert.ok(lines("%").includes('* LIST (\\HasNoChildren \\Junk) "/" "Tofu"'), "a plain LIST carries special use");
      assert.deepEqual(lines("%", { lsub: true }), [
        '* LSUB (\\Noselect) "/" "Fruit"',
        '* LSUB () "/" "INBOX"',
        '* LSUB () "/" "Vegetable"',
      ]);
    } finally {
      await index.close();
      tmp.cleanup();
    }
  });
});

