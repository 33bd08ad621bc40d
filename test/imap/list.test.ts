// The LIST layer (SPEC §7): pattern matching, reference names, INBOX rules,
// attributes, STATUS, response formatting and IMAP quoting. Scenario tests
// run against a real index built through the public API; a few unit tests
// use a small in-memory source to pin the exact walk and order.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  MailboxFlags,
  type MailboxInfo,
  MailboxListIndex,
  type MailboxStatus,
} from "../../mod.ts";
import {
  formatListResponse,
  formatStatusResponse,
  iterateList,
  type ListEntry,
  listMailboxes,
  type ListOptions,
  ListPattern,
  listRootName,
  type ListSource,
  mailboxAttributes,
  resolveListPattern,
} from "../../src/imap/list.ts";
import { imapQuote, utf8Length } from "../../src/imap/quote.ts";
import { prng } from "../helpers/random.ts";
import { makeTempDir } from "../helpers/tmp.ts";

// ------------------------------------------------------------------ helpers

interface Built {
  index: MailboxListIndex;
  uids: Map<string, number>;
  close: () => Promise<void>;
}

/** Sync `names` into a fresh index; `tweak` may set flags or STATUS before the commit. */
async function build(
  separator: string,
  names: string[],
  tweak?: (
    ctx: Awaited<ReturnType<MailboxListIndex["syncBegin"]>>,
    uids: Map<string, number>,
  ) => void,
): Promise<Built> {
  const tmp = makeTempDir("mli-list-");
  const index = await MailboxListIndex.open(join(tmp.dir, "mailboxes.mlist"), {
    separator,
    durable: false,
  });
  const ctx = await index.syncBegin({ recursive: true });
  const uids = new Map<string, number>();
  for (const name of names) uids.set(name, ctx.add(name));
  tweak?.(ctx, uids);
  await ctx.commit();
  return {
    index,
    uids,
    close: async () => {
      await index.close();
      tmp.cleanup();
    },
  };
}

/** LIST response lines for a pattern, without the CRLF that ends each (checked here). */
function lines(
  source: ListSource,
  pattern: string,
  options?: ListOptions,
): string[] {
  return listMailboxes(source, pattern, options).map((e) => crlf(formatListResponse(e, source.separator)));
}

/** A response line without its CRLF, which it must end with. */
function crlf(line: string): string;
function crlf(line: string | undefined): string | undefined;
function crlf(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  assert.ok(line.endsWith("\r\n"), `${JSON.stringify(line)} ends in CRLF`);
  return line.slice(0, -2);
}

/** The names in `expected`, in the order the source iterates them (the order LIST must keep). */
function inSourceOrder(source: ListSource, expected: string[]): string[] {
  const want = new Set(expected);
  const out = [...source.iterate("")].map((m) => m.name).filter((n) =>
    want.has(n)
  );
  assert.equal(
    out.length,
    want.size,
    `all of ${expected.join(", ")} are in the source`,
  );
  return out;
}

/** Check that LIST returns exactly `expected` (a name → attributes map) in source order. */
function expectList(
  source: ListSource,
  pattern: string,
  expected: Record<string, string>,
  options?: ListOptions,
): void {
  const got = listMailboxes(source, pattern, options);
  const order = inSourceOrder(source, Object.keys(expected));
  assert.deepEqual(
    got.map((e) => e.name),
    order,
    `names and order of LIST "${options?.reference ?? ""}" "${pattern}"`,
  );
  for (const e of got) {
    assert.equal(
      formatListResponse(e, source.separator),
      `* LIST (${expected[e.name]}) ${imapQuote(source.separator)} ${
        imapQuote(e.name)
      }\r\n`,
    );
  }
}

interface Node {
  name: string;
  uid: number;
  flags: number;
  children: Node[];
}

/**
 * A ListSource over a tree kept in insertion order (deliberately not
 * alphabetical), recording each iterate call and how many entries it yielded.
 */
class MemorySource implements ListSource {
  readonly separator: string;
  readonly root: Node = { name: "", uid: 0, flags: 0, children: [] };
  readonly calls: { path: string; depth: number | undefined }[] = [];
  yielded = 0;
  #uid = 1;
  readonly statuses = new Map<string, MailboxStatus>();

  constructor(
    separator: string,
    names: string[],
    flags: Record<string, number> = {},
  ) {
    this.separator = separator;
    for (const name of names) {
      let node = this.root;
      for (const part of name.split(separator).filter((p) => p !== "")) {
        let child = node.children.find((c) => c.name === part);
        if (child === undefined) {
          child = { name: part, uid: this.#uid++, flags: 0, children: [] };
          node.children.push(child);
        }
        node = child;
      }
    }
    for (const [name, f] of Object.entries(flags)) this.#find(name)!.flags = f;
  }

  #find(path: string): Node | undefined {
    let node: Node | undefined = this.root;
    for (const part of path.split(this.separator).filter((p) => p !== "")) {
      node = node.children.find((c) => c.name === part);
      if (node === undefined) return undefined;
    }
    return node;
  }

  *iterate(path = "", options: { depth?: number } = {}): Iterable<MailboxInfo> {
    this.calls.push({ path, depth: options.depth });
    const start = this.#find(path);
    if (start === undefined) return;
    const depth = options.depth ?? Infinity;
    const prefix = path.split(this.separator).filter((p) => p !== "").join(
      this.separator,
    );
    yield* this.#walk(start, prefix, 0, depth);
  }

  *#walk(
    node: Node,
    prefix: string,
    level: number,
    depth: number,
  ): Generator<MailboxInfo> {
    for (const child of node.children) {
      const name = prefix === ""
        ? child.name
        : prefix + this.separator + child.name;
      this.yielded++;
      yield {
        name,
        uid: child.uid,
        hasChildren: child.children.length > 0,
        flags: child.flags,
      };
      if (level < depth) yield* this.#walk(child, name, level + 1, depth);
    }
  }

  status(name: string): MailboxStatus | undefined {
    return this.statuses.get(name);
  }
}

/** Reference matcher: plain recursion with memo, INBOX rule included. */
function referenceMatch(pattern: string, name: string, sep: string): boolean {
  const first = name.split(sep)[0];
  const inbox = first.toUpperCase() === "INBOX" ? 5 : 0;
  const memo = new Map<number, boolean>();
  const eq = (p: string, j: number) =>
    name[j] === p || (j < inbox && p.toUpperCase() === name[j].toUpperCase());
  const go = (i: number, j: number): boolean => {
    const key = i * (name.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === pattern.length) r = j === name.length;
    else if (pattern[i] === "*") {
      r = go(i + 1, j) || (j < name.length && go(i, j + 1));
    } else if (pattern[i] === "%") {
      r = go(i + 1, j) || (j < name.length && name[j] !== sep && go(i, j + 1));
    } else r = j < name.length && eq(pattern[i], j) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

// -------------------------------------------------------------- imapQuote

describe("imapQuote", () => {
  it("quotes plain names and escapes backslash and double quote", () => {
    assert.equal(imapQuote("INBOX"), '"INBOX"');
    assert.equal(imapQuote(""), '""');
    assert.equal(imapQuote("Archive/2009"), '"Archive/2009"');
    assert.equal(imapQuote('say "hi"'), '"say \\"hi\\""');
    assert.equal(imapQuote("a\\b"), '"a\\\\b"');
    assert.equal(imapQuote("&AOQ-pfel"), '"&AOQ-pfel"');
    assert.equal(imapQuote("tab\there"), '"tab\there"');
  });

  it("sends CR, LF and 8-bit names as literals with the UTF-8 byte count", () => {
    assert.equal(imapQuote("a\r\nb"), "{4}\r\na\r\nb");
    assert.equal(imapQuote("line\n"), "{5}\r\nline\n");
    assert.equal(imapQuote("äpfel"), "{6}\r\näpfel");
    assert.equal(
      imapQuote('ä"\\'),
      '{4}\r\nä"\\',
      "no escaping inside a literal",
    );
    assert.equal(imapQuote("😀"), "{4}\r\n😀");
  });

  it("allows UTF-8 in quoted strings with the utf8 option, but never CR or LF", () => {
    assert.equal(imapQuote("äpfel", { utf8: true }), '"äpfel"');
    assert.equal(imapQuote('ä"', { utf8: true }), '"ä\\""');
    assert.equal(imapQuote("ä\r", { utf8: true }), "{3}\r\nä\r");
  });

  it("rejects NUL", () => {
    assert.throws(() => imapQuote("a\0b"), TypeError);
  });

  it("counts UTF-8 bytes like TextEncoder", () => {
    const enc = new TextEncoder();
    for (
      const s of [
        "",
        "abc",
        "äpfel",
        "€",
        "😀x",
        "\ud800",
        "a\udc00b",
        "日本語",
        "\u07ff\u0800",
      ]
    ) {
      assert.equal(utf8Length(s), enc.encode(s).length, JSON.stringify(s));
    }
  });
});

// -------------------------------------------------------------- ListPattern

describe("ListPattern", () => {
  it("* crosses the separator, % does not", () => {
    const star = new ListPattern("*", "/");
    const pct = new ListPattern("%", "/");
    for (const n of ["a", "a/b", "a/b/c"]) {
      assert.equal(star.matches(n), true, n);
    }
    assert.equal(pct.matches("a"), true);
    assert.equal(pct.matches("a/b"), false);
    assert.equal(new ListPattern("a/%", "/").matches("a/b"), true);
    assert.equal(new ListPattern("a/%", "/").matches("a/b/c"), false);
    assert.equal(new ListPattern("a/*", "/").matches("a/b/c"), true);
    assert.equal(new ListPattern("a/*", "/").matches("a"), false);
    assert.equal(
      new ListPattern("a%", "/").matches("a"),
      true,
      "% matches nothing too",
    );
    assert.equal(
      new ListPattern("%", ".").matches("a/b"),
      true,
      "the separator is the index's one",
    );
    assert.equal(new ListPattern("%", ".").matches("a.b"), false);
    assert.equal(new ListPattern("%.%", ".").matches("a.b"), true);
    assert.equal(
      new ListPattern("*%*", "/").matches("x/y"),
      true,
      "adjacent wildcards collapse",
    );
    assert.equal(new ListPattern("%%", "/").matches("x/y"), false);
  });

  it("is case-sensitive except for a first component INBOX", () => {
    assert.equal(new ListPattern("Sent", "/").matches("sent"), false);
    assert.equal(new ListPattern("inbox", "/").matches("INBOX"), true);
    assert.equal(new ListPattern("INBOX", "/").matches("Inbox"), true);
    assert.equal(new ListPattern("inB%", "/").matches("INBOX"), true);
    assert.equal(new ListPattern("*box", "/").matches("INBOX"), true);
    assert.equal(
      new ListPattern("inbox/Sent", "/").matches("INBOX/Sent"),
      true,
    );
    assert.equal(
      new ListPattern("inbox/sent", "/").matches("INBOX/Sent"),
      false,
      "only the first component",
    );
    assert.equal(
      new ListPattern("inboxes", "/").matches("INBOXES"),
      false,
      "INBOXES is not INBOX",
    );
    assert.equal(
      new ListPattern("Archive/inbox", "/").matches("Archive/INBOX"),
      false,
      "only as the first component",
    );
  });

  it("finds the subtree and the depth from the literal prefix", () => {
    const cases: [string, string, number | undefined][] = [
      ["*", "", undefined],
      ["%", "", 0],
      ["%/%", "", 1],
      ["INBOX", "", 0],
      ["INBOX/%", "INBOX", 0],
      ["INBOX/%/%", "INBOX", 1],
      ["Archive/2009/*", "Archive/2009", undefined],
      ["Archive/20%", "Archive", 0],
      ["Archive/2009", "Archive", 0],
      ["Arch*/x/%", "", undefined],
      ["a/b%/c/%", "a", 2],
    ];
    for (const [pattern, base, depth] of cases) {
      const p = new ListPattern(pattern, "/");
      assert.equal(p.base, base, pattern);
      assert.equal(p.depth, depth, pattern);
    }
  });

  it("agrees with a reference matcher on random patterns and names", () => {
    const next = prng(20240601);
    const alpha = ["a", "b", "/", "i", "N", "B", "o", "X"];
    const palpha = [...alpha, "*", "%", "%", "*"];
    const pick = (from: string[], n: number) =>
      Array.from({ length: n }, () => from[Math.floor(next() * from.length)])
        .join("");
    for (let round = 0; round < 4000; round++) {
      const long = round % 4 === 0;
      const pattern = pick(
        palpha,
        long ? 31 + Math.floor(next() * 12) : 1 + Math.floor(next() * 8),
      );
      const p = new ListPattern(pattern, "/");
      for (let k = 0; k < 6; k++) {
        let name = pick(alpha, Math.floor(next() * (long ? 40 : 10)));
        if (next() < 0.3) {
          name = (next() < 0.5 ? "inbox" : "INBOX") +
            (next() < 0.5 ? "" : "/" + name);
        }
        assert.equal(
          p.matches(name),
          referenceMatch(pattern, name, "/"),
          `${JSON.stringify(pattern)} ~ ${JSON.stringify(name)}`,
        );
      }
    }
  });

  it("handles patterns longer than one machine word", () => {
    const long = "x".repeat(40);
    assert.equal(new ListPattern(long, "/").matches(long), true);
    assert.equal(new ListPattern(long + "%", "/").matches(long + "yz"), true);
    assert.equal(new ListPattern(long + "%", "/").matches(long + "y/z"), false);
    assert.equal(
      new ListPattern("*" + long + "*", "/").matches("a/" + long + "/b"),
      true,
    );
    assert.equal(
      new ListPattern("inbox/" + long, "/").matches("INBOX/" + long),
      true,
    );
  });

  it("stays linear on patterns that make backtracking matchers explode", () => {
    const name = "a".repeat(100_000);
    const t0 = performance.now();
    assert.equal(
      new ListPattern("*a*a*a*a*a*a*a*a*a*a*b", "/").matches(name),
      false,
    );
    assert.equal(
      new ListPattern("%a%a%a%a%a%a%a%a%a%a%b", "/").matches(name),
      false,
    );
    const long = "*a".repeat(40) + "*b";
    assert.equal(
      new ListPattern(long, "/").matches(name.slice(0, 20_000)),
      false,
    );
    assert.equal(
      new ListPattern("*a*a*a*a*a*a*a*a*a*a*a", "/").matches(name),
      true,
    );
    assert.ok(
      performance.now() - t0 < 5000,
      `took ${performance.now() - t0} ms`,
    );
  });
});

// ----------------------------------------------------- reference and root

describe("reference names (RFC 3501 §6.3.8)", () => {
  it("follows the RFC's interpretation table", () => {
    assert.equal(
      resolveListPattern("~smith/Mail/", "foo.*", "/"),
      "~smith/Mail/foo.*",
    );
    assert.equal(resolveListPattern("archive/", "%", "/"), "archive/%");
    assert.equal(
      resolveListPattern("#news.", "comp.mail.*", "."),
      "#news.comp.mail.*",
    );
    assert.equal(
      resolveListPattern("~smith/Mail/", "/usr/doc/foo", "/"),
      "/usr/doc/foo",
    );
    assert.equal(
      resolveListPattern("archive/", "~fred/Mail/*", "/"),
      "~fred/Mail/*",
    );
    assert.equal(resolveListPattern("", "INBOX", "/"), "INBOX");
    assert.equal(
      resolveListPattern("foo/bar", "rag/baz", "/"),
      "foo/barrag/baz",
      "no separator is inserted",
    );
  });

  it("gives the root name for an empty pattern", () => {
    assert.equal(listRootName("", "/"), "");
    assert.equal(listRootName("#news.comp.mail.misc", "."), "#news.");
    assert.equal(listRootName("/usr/staff/jones", "/"), "/");
    assert.equal(listRootName("Archive/2009", "/"), "");
    assert.equal(listRootName("Test", "/"), "");
  });
});

describe("mailboxAttributes", () => {
  it("uses the flags first, the tree otherwise, in a fixed order", () => {
    const F = MailboxFlags;
    assert.deepEqual(mailboxAttributes(0, false), ["\\HasNoChildren"]);
    assert.deepEqual(mailboxAttributes(0, true), ["\\HasChildren"]);
    assert.deepEqual(mailboxAttributes(F.Children, false), ["\\HasChildren"]);
    assert.deepEqual(mailboxAttributes(F.NoChildren, true), [
      "\\HasNoChildren",
    ]);
    assert.deepEqual(mailboxAttributes(F.NoSelect, false), [
      "\\HasNoChildren",
      "\\Noselect",
    ]);
    // One special flag: \\Noselect to a plain IMAP4rev1 LIST, \\NonExistent (which implies it) otherwise.
    assert.deepEqual(mailboxAttributes(F.NonExistent | F.Children, true), [
      "\\HasChildren",
      "\\Noselect",
    ]);
    assert.deepEqual(mailboxAttributes(F.NonExistent | F.NoSelect, false), [
      "\\HasNoChildren",
      "\\Noselect",
    ]);
    assert.deepEqual(mailboxAttributes(F.NonExistent | F.Children, true, { nonExistent: true }), [
      "\\NonExistent",
      "\\HasChildren",
    ]);
    assert.deepEqual(mailboxAttributes(F.NonExistent | F.NoSelect, false, { nonExistent: true }), [
      "\\NonExistent",
      "\\HasNoChildren",
    ]);
    assert.deepEqual(mailboxAttributes(F.NoSelect, true, { nonExistent: true }), [
      "\\HasChildren",
      "\\Noselect",
    ]);
  });
});

// ------------------------------------------------------ LIST on a real index

describe("LIST on an index: RFC 3501 §6.3.8 examples", () => {
  it('LIST "" "" and LIST ref "" return the hierarchy delimiter', async () => {
    const slash = await build("/", ["INBOX", "Archive/2009"]);
    const dot = await build(".", ["INBOX", "#news.comp.mail.misc"]);
    try {
      assert.deepEqual(lines(slash.index, ""), ['* LIST (\\Noselect) "/" ""']);
      assert.deepEqual(
        lines(dot.index, "", { reference: "#news.comp.mail.misc" }),
        ['* LIST (\\Noselect) "." "#news."'],
      );
      assert.deepEqual(
        lines(slash.index, "", { reference: "/usr/staff/jones" }),
        ['* LIST (\\Noselect) "/" "/"'],
      );
      assert.deepEqual(lines(slash.index, "", { reference: "Archive" }), [
        '* LIST (\\Noselect) "/" ""',
      ]);
      const [entry] = listMailboxes(slash.index, "");
      assert.equal(entry.uid, 0);
      assert.equal(entry.flags, MailboxFlags.NoSelect);
    } finally {
      await slash.close();
      await dot.close();
    }
  });

  it("LIST ~/Mail/ % returns one level with a \\Noselect parent", async () => {
    const b = await build("/", [
      "INBOX",
      "~/Mail/foo",
      "~/Mail/foo/bar",
      "~/Mail/meetings",
      "~/Other",
    ], (ctx, uids) => {
      ctx.setFlags(uids.get("~/Mail/foo")!, MailboxFlags.NoSelect);
    });
    try {
      expectList(b.index, "%", {
        "~/Mail/foo": "\\HasChildren \\Noselect",
        "~/Mail/meetings": "\\HasNoChildren",
      }, {
        reference: "~/Mail/",
      });
      assert.deepEqual(
        lines(b.index, "~/Mail/%").sort(),
        [
          '* LIST (\\HasChildren \\Noselect) "/" "~/Mail/foo"',
          '* LIST (\\HasNoChildren) "/" "~/Mail/meetings"',
        ],
      );
    } finally {
      await b.close();
    }
  });

  it('LIST "#news." "comp.mail.*" and a literal prefix with the "." separator', async () => {
    const names = [
      "INBOX",
      "#news.comp.mail.mime",
      "#news.comp.mail.mime.extensions",
      "#news.comp.mail.misc",
      "#news.comp.lang.c",
      "#news.rec.arts",
    ];
    const b = await build(".", names);
    try {
      expectList(b.index, "comp.mail.*", {
        "#news.comp.mail.mime": "\\HasChildren",
        "#news.comp.mail.mime.extensions": "\\HasNoChildren",
        "#news.comp.mail.misc": "\\HasNoChildren",
      }, { reference: "#news." });
      expectList(b.index, "mime.*", {
        "#news.comp.mail.mime.extensions": "\\HasNoChildren",
      }, {
        reference: "#news.comp.mail.",
      });
      expectList(b.index, "#news.comp.%", {
        "#news.comp.mail": "\\HasChildren \\Noselect",
        "#news.comp.lang": "\\HasChildren \\Noselect",
      });
      expectList(b.index, "#news.comp.mail.mi%", {
        "#news.comp.mail.mime": "\\HasChildren",
        "#news.comp.mail.misc": "\\HasNoChildren",
      });
      expectList(b.index, "#news.comp.mail.misc", {
        "#news.comp.mail.misc": "\\HasNoChildren",
      });
      expectList(b.index, "#news.comp.mail/%", {});
      // A rooted pattern ignores the reference.
      expectList(b.index, "#news.rec.*", {
        "#news.rec.arts": "\\HasNoChildren",
      }, { reference: "#news.comp." });
    } finally {
      await b.close();
    }
  });
});

describe("LIST on an index: RFC 9051 §6.3.9 examples (adapted)", () => {
  // RFC 9051's example hierarchy; Fruit/Peach does not exist but has a child,
  // so the index keeps it as a NONEXISTENT parent.
  const names = [
    "INBOX",
    "Fruit",
    "Fruit/Apple",
    "Fruit/Banana",
    "Fruit/Peach/Pit",
    "Tofu",
    "Vegetable",
    "Vegetable/Broccoli",
    "Vegetable/Corn",
  ];

  it('LIST "" "*" returns every existing mailbox, no NONEXISTENT one', async () => {
    const b = await build("/", names);
    try {
      expectList(b.index, "*", {
        INBOX: "\\HasNoChildren",
        Fruit: "\\HasChildren",
        "Fruit/Apple": "\\HasNoChildren",
        "Fruit/Banana": "\\HasNoChildren",
        "Fruit/Peach/Pit": "\\HasNoChildren",
        Tofu: "\\HasNoChildren",
        Vegetable: "\\HasChildren",
        "Vegetable/Broccoli": "\\HasNoChildren",
        "Vegetable/Corn": "\\HasNoChildren",
      });
      assert.equal(
        b.index.flags("Fruit/Peach")! & MailboxFlags.NonExistent,
        MailboxFlags.NonExistent,
      );
    } finally {
      await b.close();
    }
  });

  it('LIST "" "%" returns the top level with children attributes', async () => {
    const b = await build("/", names);
    try {
      expectList(b.index, "%", {
        INBOX: "\\HasNoChildren",
        Fruit: "\\HasChildren",
        Tofu: "\\HasNoChildren",
        Vegetable: "\\HasChildren",
      });
    } finally {
      await b.close();
    }
  });

  it('LIST "" "Fruit/%" returns the NONEXISTENT parent so that the client can descend', async () => {
    const b = await build("/", names);
    try {
      const fruit = {
        "Fruit/Apple": "\\HasNoChildren",
        "Fruit/Banana": "\\HasNoChildren",
        "Fruit/Peach": "\\HasChildren \\Noselect",
      };
      expectList(b.index, "Fruit/%", fruit);
      expectList(b.index, "%", fruit, { reference: "Fruit/" });
      expectList(b.index, "Fruit/Peach/%", {
        "Fruit/Peach/Pit": "\\HasNoChildren",
      });
      expectList(b.index, "Fruit/*", {
        "Fruit/Apple": "\\HasNoChildren",
        "Fruit/Banana": "\\HasNoChildren",
        "Fruit/Peach/Pit": "\\HasNoChildren",
      });
      expectList(b.index, "Fruit/P*", { "Fruit/Peach/Pit": "\\HasNoChildren" });
      expectList(b.index, "Fruit/P%", {
        "Fruit/Peach": "\\HasChildren \\Noselect",
      });
    } finally {
      await b.close();
    }
  });

  it("% at several levels", async () => {
    const b = await build("/", names);
    try {
      expectList(b.index, "%/%", {
        "Fruit/Apple": "\\HasNoChildren",
        "Fruit/Banana": "\\HasNoChildren",
        "Fruit/Peach": "\\HasChildren \\Noselect",
        "Vegetable/Broccoli": "\\HasNoChildren",
        "Vegetable/Corn": "\\HasNoChildren",
      });
      expectList(b.index, "%/%/%", { "Fruit/Peach/Pit": "\\HasNoChildren" });
      expectList(b.index, "%/%/%/%", {});
      expectList(b.index, "%/B%", {
        "Fruit/Banana": "\\HasNoChildren",
        "Vegetable/Broccoli": "\\HasNoChildren",
      });
      expectList(b.index, "*/%", {
        "Fruit/Apple": "\\HasNoChildren",
        "Fruit/Banana": "\\HasNoChildren",
        "Fruit/Peach/Pit": "\\HasNoChildren",
        "Vegetable/Broccoli": "\\HasNoChildren",
        "Vegetable/Corn": "\\HasNoChildren",
      });
      expectList(b.index, "%e%", { Vegetable: "\\HasChildren" });
      expectList(b.index, "*e*", {
        "Fruit/Apple": "\\HasNoChildren",
        "Fruit/Peach/Pit": "\\HasNoChildren",
        Vegetable: "\\HasChildren",
        "Vegetable/Broccoli": "\\HasNoChildren",
        "Vegetable/Corn": "\\HasNoChildren",
      });
    } finally {
      await b.close();
    }
  });

  it("literal names and missing prefixes", async () => {
    const b = await build("/", names);
    try {
      expectList(b.index, "Fruit/Apple", { "Fruit/Apple": "\\HasNoChildren" });
      expectList(b.index, "Fruit", { Fruit: "\\HasChildren" });
      expectList(b.index, "Fruit/Peach", {
        "Fruit/Peach": "\\HasChildren \\Noselect",
      });
      expectList(b.index, "fruit/Apple", {});
      expectList(b.index, "Fruit/Cherry", {});
      expectList(b.index, "Meat/%", {});
      expectList(b.index, "Meat/*", {});
      expectList(b.index, "/Fruit/*", {});
      expectList(b.index, "Fruit/", {});
      expectList(b.index, "Fr\0uit/%", {});
    } finally {
      await b.close();
    }
  });

  it("NONEXISTENT under * vs %, with a NONEXISTENT top level", async () => {
    const b = await build("/", [
      "INBOX",
      "Projects/2024/Q1",
      "Projects/2024/Q2",
      "Projects/Old",
    ]);
    try {
      const nonexistent = "\\HasChildren \\Noselect";
      expectList(b.index, "*", {
        INBOX: "\\HasNoChildren",
        "Projects/2024/Q1": "\\HasNoChildren",
        "Projects/2024/Q2": "\\HasNoChildren",
        "Projects/Old": "\\HasNoChildren",
      });
      expectList(b.index, "%", {
        INBOX: "\\HasNoChildren",
        Projects: nonexistent,
      });
      expectList(b.index, "Projects/%", {
        "Projects/2024": nonexistent,
        "Projects/Old": "\\HasNoChildren",
      });
      expectList(b.index, "Projects/*", {
        "Projects/2024/Q1": "\\HasNoChildren",
        "Projects/2024/Q2": "\\HasNoChildren",
        "Projects/Old": "\\HasNoChildren",
      });
      expectList(b.index, "P*", {
        "Projects/2024/Q1": "\\HasNoChildren",
        "Projects/2024/Q2": "\\HasNoChildren",
        "Projects/Old": "\\HasNoChildren",
      });
    } finally {
      await b.close();
    }
  });
});

describe("LIST on an index: INBOX", () => {
  it("matches INBOX in any case as the first component and reports it as INBOX", async () => {
    const b = await build("/", [
      "inbox",
      "inbox/Drafts",
      "inbox/Sent/2009",
      "INBOXES",
      "Sent",
      "sent",
      "Archive/INBOX",
    ]);
    try {
      const entries = listMailboxes(b.index, "*");
      const got = entries.map((e) => e.name).sort();
      assert.deepEqual(
        got,
        [
          "Archive/INBOX",
          "INBOX",
          "INBOX/Drafts",
          "INBOX/Sent/2009",
          "INBOXES",
          "Sent",
          "sent",
        ].sort(),
      );
      for (
        const pattern of ["INBOX", "inbox", "Inbox", "inB%", "*box", "i*x", "%"]
      ) {
        assert.ok(
          listMailboxes(b.index, pattern).some((e) => e.name === "INBOX"),
          pattern,
        );
      }
      assert.deepEqual(lines(b.index, "INBOX"), [
        '* LIST (\\HasChildren) "/" "INBOX"',
      ]);
      assert.deepEqual(
        listMailboxes(b.index, "Inbox/%").map((e) => e.name).sort(),
        ["INBOX/Drafts", "INBOX/Sent"],
      );
      assert.deepEqual(
        listMailboxes(b.index, "%", { reference: "INBOX/" }).map((e) => e.name)
          .sort(),
        ["INBOX/Drafts", "INBOX/Sent"],
      );
      assert.deepEqual(
        listMailboxes(b.index, "inbox/Sent/*").map((e) => e.name),
        ["INBOX/Sent/2009"],
      );
      assert.deepEqual(
        listMailboxes(b.index, "INBOX/sent/*").map((e) => e.name),
        [],
        "case-sensitive below INBOX",
      );
      assert.deepEqual(
        listMailboxes(b.index, "INBOX*").map((e) => e.name).sort(),
        ["INBOX", "INBOX/Drafts", "INBOX/Sent/2009", "INBOXES"],
      );
      assert.deepEqual(
        listMailboxes(b.index, "in*").map((e) => e.name).sort(),
        ["INBOX", "INBOX/Drafts", "INBOX/Sent/2009"],
      );
      assert.deepEqual(
        listMailboxes(b.index, "inboxes").map((e) => e.name),
        [],
      );
      assert.deepEqual(listMailboxes(b.index, "Sent").map((e) => e.name), [
        "Sent",
      ]);
      assert.deepEqual(listMailboxes(b.index, "sent").map((e) => e.name), [
        "sent",
      ]);
      assert.deepEqual(listMailboxes(b.index, "SENT").map((e) => e.name), []);
      assert.deepEqual(
        listMailboxes(b.index, "archive/inbox").map((e) => e.name),
        [],
      );
      assert.deepEqual(
        listMailboxes(b.index, "Archive/inbox").map((e) => e.name),
        [],
      );
      assert.deepEqual(
        listMailboxes(b.index, "Archive/INBOX").map((e) => e.name),
        ["Archive/INBOX"],
      );
    } finally {
      await b.close();
    }
  });

  it("reports INBOX once when the index holds several spellings", async () => {
    const b = await build("/", [
      "INBOX",
      "INBOX/x",
      "inbox/x",
      "inbox/y",
      "Inbox",
    ]);
    try {
      for (const pattern of ["*", "%", "INBOX", "inbox*"]) {
        const got = listMailboxes(b.index, pattern).map((e) => e.name);
        assert.equal(
          new Set(got).size,
          got.length,
          `no duplicates for ${pattern}: ${got.join(", ")}`,
        );
      }
      assert.deepEqual(listMailboxes(b.index, "*").map((e) => e.name).sort(), [
        "INBOX",
        "INBOX/x",
        "INBOX/y",
      ]);
      assert.deepEqual(listMailboxes(b.index, "%").map((e) => e.name), [
        "INBOX",
      ]);
      assert.deepEqual(
        listMailboxes(b.index, "INBOX/%").map((e) => e.name).sort(),
        ["INBOX/x", "INBOX/y"],
      );
      assert.deepEqual(
        listMailboxes(b.index, "inbox/*").map((e) => e.name).sort(),
        ["INBOX/x", "INBOX/y"],
      );
    } finally {
      await b.close();
    }
  });

  it("lists nothing under INBOX when there is no INBOX", async () => {
    const b = await build("/", ["Archive"]);
    try {
      assert.deepEqual(listMailboxes(b.index, "INBOX/%"), []);
      assert.deepEqual(listMailboxes(b.index, "INBOX"), []);
    } finally {
      await b.close();
    }
  });
});

describe("LIST on an index: walks only the needed subtree", () => {
  function spy(source: ListSource) {
    const calls: { path: string; depth: number | undefined }[] = [];
    let yielded = 0;
    const wrapped: ListSource = {
      separator: source.separator,
      *iterate(path = "", options?: { depth?: number }) {
        calls.push({ path, depth: options?.depth });
        for (const m of source.iterate(path, options)) {
          yielded++;
          yield m;
        }
      },
    };
    return { wrapped, calls, count: () => yielded };
  }

  it("uses the literal prefix and the % depth", async () => {
    const names = [
      "INBOX",
      "INBOX/a",
      "INBOX/a/deep",
      "Archive/2009/01",
      "Archive/2009/02",
      "Archive/2010",
      "Big",
    ];
    for (let i = 0; i < 200; i++) names.push(`Big/m${i}/x`);
    const b = await build("/", names);
    try {
      let s = spy(b.index);
      assert.deepEqual(
        listMailboxes(s.wrapped, "Archive/2009/*").map((e) => e.name).sort(),
        ["Archive/2009/01", "Archive/2009/02"],
      );
      assert.deepEqual(s.calls, [{ path: "Archive/2009", depth: undefined }]);
      assert.equal(s.count(), 2);

      s = spy(b.index);
      assert.deepEqual(
        listMailboxes(s.wrapped, "Archive/%").map((e) => e.name).sort(),
        ["Archive/2009", "Archive/2010"],
      );
      assert.deepEqual(s.calls, [{ path: "Archive", depth: 0 }]);
      assert.equal(s.count(), 2);

      s = spy(b.index);
      listMailboxes(s.wrapped, "Archive/%/%");
      assert.deepEqual(s.calls, [{ path: "Archive", depth: 1 }]);

      s = spy(b.index);
      assert.deepEqual(listMailboxes(s.wrapped, "INBOX/%").map((e) => e.name), [
        "INBOX/a",
      ]);
      // One look at the top level for the spelling of INBOX, then its directory only.
      assert.deepEqual(s.calls, [{ path: "", depth: 0 }, {
        path: "INBOX",
        depth: 0,
      }]);
      assert.ok(s.count() <= 5, `walked ${s.count()} entries`);

      s = spy(b.index);
      assert.equal(listMailboxes(s.wrapped, "%").length, 3);
      assert.deepEqual(s.calls, [{ path: "", depth: 0 }]);
      assert.equal(s.count(), 3);

      s = spy(b.index);
      listMailboxes(s.wrapped, "Big/m1%");
      assert.deepEqual(s.calls, [{ path: "Big", depth: 0 }]);
      assert.equal(s.count(), 200);
    } finally {
      await b.close();
    }
  });
});

describe("LIST on an index: STATUS and formatting", () => {
  it("attaches cached STATUS to selectable mailboxes and formats it", async () => {
    const b = await build(
      "/",
      ["INBOX", "Archive/2009", "Drafts", "Trash"],
      (ctx, uids) => {
        ctx.setStatus("INBOX", {
          messages: 3,
          unseen: 1,
          recent: 0,
          uidValidity: 123,
          uidNext: 5,
        });
        ctx.setStatus("Archive/2009", {
          messages: 10,
          unseen: 0,
          recent: 0,
          uidValidity: 0,
          uidNext: 0,
        });
        ctx.setStatus(uids.get("Trash")!, {
          messages: 7,
          unseen: 2,
          recent: 1,
          uidValidity: 9,
          uidNext: 0,
        });
      },
    );
    try {
      const entries = listMailboxes(b.index, "*", { status: true });
      const status = new Map(
        entries.map((e) => [e.name, crlf(formatStatusResponse(e))]),
      );
      assert.equal(
        status.get("INBOX"),
        '* STATUS "INBOX" (MESSAGES 3 UNSEEN 1 RECENT 0 UIDNEXT 5 UIDVALIDITY 123)',
      );
      assert.equal(
        status.get("Archive/2009"),
        '* STATUS "Archive/2009" (MESSAGES 10 UNSEEN 0 RECENT 0)',
      );
      assert.equal(
        status.get("Trash"),
        '* STATUS "Trash" (MESSAGES 7 UNSEEN 2 RECENT 1 UIDVALIDITY 9)',
      );
      assert.equal(status.get("Drafts"), undefined, "no cache, no STATUS line");
      assert.equal(
        status.has("Archive"),
        false,
        "NONEXISTENT Archive is not listed with *",
      );
      const pct = listMailboxes(b.index, "%", { status: true });
      const archive = pct.find((e) => e.name === "Archive")!;
      assert.deepEqual(archive.attributes, [
        "\\HasChildren",
        "\\Noselect",
      ]);
      assert.equal(
        archive.status,
        undefined,
        "no STATUS for a NONEXISTENT mailbox",
      );
      // Without the option no STATUS is looked up.
      assert.ok(
        listMailboxes(b.index, "*").every((e) => e.status === undefined),
      );
    } finally {
      await b.close();
    }
  });

  it("sends names in modified UTF-7 to IMAP4rev1, in UTF-8 otherwise, quoted and escaped", async () => {
    const b = await build("/", [
      "INBOX",
      "Entwürfe",
      'Say "hi"',
      "back\\slash",
      "&AOQ-pfel",
      "cr\r\nlf",
    ]);
    try {
      const byName = new Map(
        listMailboxes(b.index, "%").map((e) => [e.name, e]),
      );
      assert.equal(
        formatListResponse(byName.get("Entwürfe")!, "/"),
        '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"\r\n',
      );
      for (const session of [{ utf8: true }, { rev2: true }]) {
        assert.equal(
          formatListResponse(byName.get("Entwürfe")!, "/", session),
          '* LIST (\\HasNoChildren) "/" "Entwürfe"\r\n',
        );
      }
      assert.equal(
        formatListResponse(byName.get('Say "hi"')!, "/"),
        '* LIST (\\HasNoChildren) "/" "Say \\"hi\\""\r\n',
      );
      assert.equal(
        formatListResponse(byName.get("back\\slash")!, "/"),
        '* LIST (\\HasNoChildren) "/" "back\\\\slash"\r\n',
      );
      // A name that looks like modified UTF-7 is sent with its "&" escaped, so it round-trips.
      assert.equal(
        formatListResponse(byName.get("&AOQ-pfel")!, "/"),
        '* LIST (\\HasNoChildren) "/" "&-AOQ-pfel"\r\n',
      );
      assert.equal(
        formatListResponse(byName.get("&AOQ-pfel")!, "/", { utf8: true }),
        '* LIST (\\HasNoChildren) "/" "&AOQ-pfel"\r\n',
      );
      // CR and LF: control characters in modified UTF-7, a literal in UTF-8.
      assert.equal(
        formatListResponse(byName.get("cr\r\nlf")!, "/"),
        '* LIST (\\HasNoChildren) "/" "cr&AA0ACg-lf"\r\n',
      );
      assert.equal(
        formatListResponse(byName.get("cr\r\nlf")!, "/", { utf8: true }),
        '* LIST (\\HasNoChildren) "/" {6}\r\ncr\r\nlf\r\n',
      );
      const status = {
        messages: 1,
        unseen: 0,
        recent: 0,
        uidValidity: 0,
        uidNext: 0,
      };
      assert.equal(
        formatStatusResponse({ ...byName.get("Entwürfe")!, status }),
        '* STATUS "Entw&APw-rfe" (MESSAGES 1 UNSEEN 0 RECENT 0)\r\n',
      );
      assert.equal(
        formatStatusResponse({ ...byName.get("cr\r\nlf")!, status }, { rev2: true }),
        "* STATUS {6}\r\ncr\r\nlf (MESSAGES 1 UNSEEN 0)\r\n",
      );
    } finally {
      await b.close();
    }
  });

  it("quotes a backslash separator", () => {
    const e: ListEntry = {
      name: "a\\b",
      attributes: ["\\HasNoChildren"],
      uid: 1,
      flags: 0,
    };
    assert.equal(
      formatListResponse(e, "\\"),
      '* LIST (\\HasNoChildren) "\\\\" "a\\\\b"\r\n',
    );
  });
});

// ------------------------------------------------------ LIST on a memory source

describe("LIST on a memory source", () => {
  const F = MailboxFlags;
  const names = [
    "Zeta",
    "Zeta/b",
    "Zeta/a",
    "INBOX",
    "Alpha/y",
    "Alpha/x",
    "Mid",
  ];
  const flags = {
    Alpha: F.NonExistent | F.Children,
    Mid: F.NoSelect | F.NoChildren,
    Zeta: F.Children,
  };

  it("keeps the source's order, not alphabetical", () => {
    const src = new MemorySource("/", names, flags);
    assert.deepEqual(listMailboxes(src, "*").map((e) => e.name), [
      "Zeta",
      "Zeta/b",
      "Zeta/a",
      "INBOX",
      "Alpha/y",
      "Alpha/x",
      "Mid",
    ]);
    assert.deepEqual(lines(src, "%"), [
      '* LIST (\\HasChildren) "/" "Zeta"',
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\HasChildren \\Noselect) "/" "Alpha"',
      '* LIST (\\HasNoChildren \\Noselect) "/" "Mid"',
    ]);
  });

  it("is lazy with iterateList", () => {
    const src = new MemorySource("/", names, flags);
    const it = iterateList(src, "*");
    assert.equal(it.next().value?.name, "Zeta");
    assert.ok(src.yielded <= 8);
  });

  it("passes the stored spelling to status()", () => {
    const src = new MemorySource("/", ["inbox", "inbox/Sub"]);
    src.statuses.set("inbox", {
      messages: 1,
      unseen: 1,
      recent: 1,
      uidValidity: 1,
      uidNext: 2,
    });
    const [entry] = listMailboxes(src, "INBOX", { status: true });
    assert.equal(entry.name, "INBOX");
    assert.equal(
      formatStatusResponse(entry),
      '* STATUS "INBOX" (MESSAGES 1 UNSEEN 1 RECENT 1 UIDNEXT 2 UIDVALIDITY 1)\r\n',
    );
  });

  it("stays fast on hostile patterns over long names", () => {
    const long = "a".repeat(30_000);
    const src = new MemorySource("/", [long, `${long}/${long}`, "b"]);
    const t0 = performance.now();
    assert.deepEqual(listMailboxes(src, "*a*a*a*a*a*a*a*a*a*a*a*a*b"), []);
    assert.deepEqual(listMailboxes(src, "%a%a%a%a%a%a%a%a%a%a%a%a%/*b"), []);
    assert.ok(
      performance.now() - t0 < 5000,
      `took ${performance.now() - t0} ms`,
    );
  });
});

describe("LIST on an index: the batched walk", () => {
  it("answers exactly like iterateList over iterate, for many patterns", async () => {
    const names: string[] = ["INBOX", "inbox/Sub", "Inbox/Other/deep", "INBOXES/x", "inbo"];
    for (let i = 0; i < 600; i++) {
      const top = ["Archive", "Work", "INBOX", "inbox", "Lists", "Ünïcode"][i % 6];
      names.push(`${top}/${i % 7 === 0 ? "" : `s${i % 13}/`}leaf-${i}${i % 5 === 0 ? "/x" : ""}`);
    }
    const built = await build("/", names, (ctx) => {
      ctx.addFlags("Work/s1/leaf-1", MailboxFlags.NoSelect);
      ctx.setStatus("inbox/Sub", { messages: 3, unseen: 1, recent: 0, uidValidity: 9, uidNext: 4 });
    });
    const { index } = built;
    const patterns = [
      "*", "%", "INBOX/%", "inbox/*", "%/%", "%/%/%", "a*", "*b", "Archive/%", "Archive/*", "%/s1/%",
      "INBOX", "inbox", "I*", "*/leaf-5", "Ünïcode/%", "Missing/*", "", "%/x", "Work/%",
    ];
    for (const pattern of patterns) {
      for (const options of [{}, { status: true }, { reference: "Archive/" }, { reference: "INBOX/" }]) {
        const walked = listMailboxes(index, pattern, options);
        const iterated = Array.from(iterateList(index, pattern, options));
        assert.deepEqual(walked, iterated, `${JSON.stringify(pattern)} ${JSON.stringify(options)}`);
      }
    }
    assert.ok(listMailboxes(index, "*").length > 600);
    await built.close();
  });
});
