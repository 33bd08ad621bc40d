/**
 * The rename rows of `ops.ts` (SPEC §11): on an index whose folder `Sub`
 * holds every name of the tree (a subtree as large as the tree), the time
 * of `index.rename` for that whole subtree and for a leaf — under another
 * parent with a deeper, longer name (the subtree's names are then checked
 * against the limits), and within their own directory — and for what a
 * rename costs without it: one full sync that deletes the subtree and adds
 * it again under the new name. Each repetition starts from a fresh copy of
 * the same files (copied outside the timing) and opens the index outside
 * the timing, as a server that keeps it open (the one check of a freshly
 * read image is made then); the timing covers the lock, the plan and the
 * durable commit.
 * The growth of `used_space` (bytes appended) is reported beside.
 *
 * @module
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { MailboxListIndex } from "../mod.ts";

/** What `ops.ts` measures with (its `measure`). */
export type Measurer<M> = (
  reps: number,
  fn: (rep: number) => unknown,
  options: { prepare?: (rep: number) => unknown; name?: string },
) => Promise<M>;

/** One measured rename row. */
export interface RenameRow<M> {
  key: string;
  label: string;
  ours: M;
  /** Bytes the operation appended to the list file (growth of used_space), per repetition. */
  appended: number;
  /** Mailboxes it deleted and added (a rename: 0). */
  deleted: number;
  added: number;
}

const FILES = ["", ".attr", ".journal", ".subs"];

/**
 * Build the index and measure the three rows.
 *
 * @param names The tree's names (the subtree is `Sub/` + each of them).
 * @param dir A directory for the files.
 * @param reps Repetitions of the delete + add row.
 * @param renameReps Repetitions of the two renames.
 * @param measure `ops.ts`'s measure.
 * @returns The rows, and the subtree's size.
 *
 * @example In ops.ts
 * ```ts ignore
 * const { rows, subtree } = await renameRows(names, dir, reps, 9, measure);
 * ```
 */
export async function renameRows<M>(
  names: string[],
  dir: string,
  reps: number,
  renameReps: number,
  measure: Measurer<M>,
): Promise<{ rows: RenameRow<M>[]; subtree: number }> {
  const base = join(dir, "rename-base");
  mkdirSync(base, { recursive: true });
  const basePath = join(base, "r.mlist");
  const sep = "/";
  const others = ["INBOX", "INBOX/Sent", "Dest", "Dest/x", "Dest/y", "Leaf"];
  const inSub = names.map((n) => `Sub${sep}${n}`);
  {
    const index = await MailboxListIndex.open(basePath, { separator: sep, uidValidity: 1, onWarning: () => {} });
    const ctx = await index.syncBegin({ recursive: true });
    for (const n of others) ctx.add(n);
    for (const n of inSub) ctx.add(n);
    await ctx.commit();
    await index.close();
  }
  let subtree = 0;
  {
    const index = await MailboxListIndex.open(basePath, { readonly: true, onWarning: () => {} });
    subtree = [...index.iterate("Sub")].length + 1;
    await index.close();
  }
  const runPath = join(dir, "rename-run", "r.mlist");
  mkdirSync(join(dir, "rename-run"), { recursive: true });
  let index: MailboxListIndex | undefined;
  let before = 0;
  const fresh = async () => {
    await index?.close();
    for (const s of FILES) {
      rmSync(runPath + s, { force: true });
      if (!existsSync(basePath + s)) continue;
      copyFileSync(basePath + s, runPath + s);
      // On disk before the timing: the commit's own flushes then write only what it changed.
      const fd = openSync(runPath + s, "r+");
      fsyncSync(fd);
      closeSync(fd);
    }
    index = await MailboxListIndex.open(runPath, { onWarning: () => {} });
    // A server keeps its index open: the one check of a freshly read image is made before the timing.
    await (await index.syncBegin({ partial: true })).rollback();
    before = index.header.usedSpace;
  };
  const rows: RenameRow<M>[] = [];
  const one = async (
    key: string,
    label: string,
    times: number,
    op: (ix: MailboxListIndex) => Promise<{ added: number; deleted: number }>,
  ) => {
    let appended = 0, added = 0, deleted = 0;
    const ours = await measure(times, async () => {
      const r = await op(index!);
      appended = index!.header.usedSpace - before;
      added = r.added;
      deleted = r.deleted;
    }, { prepare: fresh, name: `${key}-ours` });
    rows.push({ key, label, ours, appended, added, deleted });
  };
  const label = `rename a ${subtree.toLocaleString("en-US")}-mailbox subtree`;
  // Under another parent, to a deeper and longer name (so the subtree's names are checked against the limits) ...
  await one("rename-subtree", `${label} to a deeper, longer name`, renameReps, (ix) => ix.rename("Sub", "Dest/Moved"));
  await one("rename-leaf", "rename a leaf to the same name", renameReps, (ix) => ix.rename("Leaf", "Dest/Moved"));
  // ... and in its own directory, to a name no longer (nothing under it is read).
  await one("rename-subtree-same", `${label} within its directory`, renameReps, (ix) => ix.rename("Sub", "Bus"));
  await one("rename-leaf-same", "rename a leaf within its directory", renameReps, (ix) => ix.rename("Leaf", "Fael"));
  await one("rename-delete-add", "the same subtree deleted and added again (full sync)", reps, async (ix) => {
    const ctx = await ix.syncBegin({ recursive: true });
    for (const n of others) ctx.add(n);
    for (const n of names) ctx.add(`Dest${sep}Moved${sep}${n}`);
    return await ctx.commit();
  });
  await index?.close();
  return { rows, subtree };
}
