/**
 * An in-memory {@linkcode ListSource} for the LIST layer's tests: a tree of
 * names kept in the order they were given (deliberately not sorted), with
 * missing parents made NONEXISTENT (with CHILDREN) as the index makes them,
 * flags and special-use bits per name, cached STATUS figures and a set of
 * subscribed names, which may name mailboxes that do not exist.
 *
 * @module
 */
import { MailboxFlags, type MailboxInfo, type MailboxStatus } from "../../mod.ts";
import type { ListSource, ListVisitor } from "../../src/imap/list.ts";

interface Node {
  name: string;
  uid: number;
  flags: number;
  children: Node[];
}

/** What {@linkcode MemoryListSource} is built from. */
export interface MemoryListSourceOptions {
  /** Flags (MailboxFlags and special-use bits) by full name. */
  flags?: Record<string, number>;
  /** Subscribed names (need not exist). */
  subscribed?: Iterable<string>;
  /** Cached STATUS figures by full name. */
  status?: Record<string, MailboxStatus>;
  /** Give the source a batched `walk`, as the index has (default true). */
  walk?: boolean;
}

/** The in-memory source; see the module doc. */
export class MemoryListSource implements ListSource {
  readonly separator: string;
  readonly root: Node = { name: "", uid: 0, flags: 0, children: [] };
  readonly subscriptions: Set<string>;
  readonly statuses: Map<string, MailboxStatus>;
  walk?: (path: string, depth: number | undefined, visit: ListVisitor) => void;
  #uid = 1;

  constructor(separator: string, names: readonly string[], options: MemoryListSourceOptions = {}) {
    this.separator = separator;
    for (const name of names) {
      let node = this.root;
      const parts = separator === "" ? [name] : name.split(separator);
      parts.forEach((part, i) => {
        let child = node.children.find((c) => c.name === part);
        if (child === undefined) {
          const last = i === parts.length - 1;
          const flags = last ? 0 : MailboxFlags.NonExistent | MailboxFlags.Children;
          child = { name: part, uid: this.#uid++, flags, children: [] };
          node.children.push(child);
        } else if (i === parts.length - 1) {
          child.flags &= ~MailboxFlags.NonExistent;
        }
        node = child;
      });
    }
    for (const [name, f] of Object.entries(options.flags ?? {})) {
      const node = this.#find(name);
      if (node === undefined) throw new Error(`No mailbox ${JSON.stringify(name)} to set flags on`);
      node.flags = f;
    }
    this.subscriptions = new Set(options.subscribed ?? []);
    this.statuses = new Map(Object.entries(options.status ?? {}));
    if (options.walk !== false) {
      this.walk = (path, depth, visit) => {
        for (const m of this.#iterate(path, depth ?? Infinity)) visit(m.name, m.uid, m.hasChildren, m.flags, m.level);
      };
    }
  }

  #find(path: string): Node | undefined {
    let node: Node | undefined = this.root;
    if (path === "") return node;
    for (const part of this.separator === "" ? [path] : path.split(this.separator)) {
      node = node.children.find((c) => c.name === part);
      if (node === undefined) return undefined;
    }
    return node;
  }

  *#iterate(path: string, depth: number): Generator<MailboxInfo & { level: number }> {
    const start = this.#find(path);
    if (start === undefined) return;
    const sep = this.separator;
    function* walk(node: Node, prefix: string, level: number): Generator<MailboxInfo & { level: number }> {
      for (const child of node.children) {
        const name = prefix === "" ? child.name : prefix + sep + child.name;
        yield { name, uid: child.uid, hasChildren: child.children.length > 0, flags: child.flags, level };
        if (level < depth) yield* walk(child, name, level + 1);
      }
    }
    yield* walk(start, path, 0);
  }

  /** Mailboxes under `path`, depth-first in insertion order. */
  *iterate(path = "", options: { depth?: number } = {}): Iterable<MailboxInfo> {
    for (const m of this.#iterate(path, options.depth ?? Infinity)) {
      yield { name: m.name, uid: m.uid, hasChildren: m.hasChildren, flags: m.flags };
    }
  }

  /** Cached STATUS figures by the name as iterated. */
  status(name: string): MailboxStatus | undefined {
    return this.statuses.get(name);
  }

  /** The subscribed names. */
  subscriptionSet(): ReadonlySet<string> {
    return this.subscriptions;
  }
}

/**
 * A response line with its attribute list sorted, for comparing lines
 * "modulo order" (RFC examples list attributes in no fixed order).
 *
 * @param line One LIST / LSUB / STATUS response line.
 * @returns The same line, its attributes sorted.
 */
export function sortedAttributes(line: string): string {
  const m = /^(\* (?:LIST|LSUB) \()([^)]*)(\).*)$/s.exec(line);
  if (m === null) return line;
  const attributes = m[2] === "" ? [] : m[2].split(" ");
  attributes.sort((a, b) => a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0);
  return m[1] + attributes.join(" ") + m[3];
}
