/**
 * Every command the server knows, by name.
 *
 * @module
 */
import type { CommandHandler } from "../session.ts";
import { capability, id, logout, noop } from "./any_state.ts";
import { authenticate, login, starttls } from "./auth.ts";
import { enable, namespace } from "./enable.ts";
import { idle } from "./idle.ts";
import { listCommand, lsubCommand, statusCommand } from "./list.ts";
import { create, deleteCommand } from "./mailbox.ts";
import { append, MESSAGE_COMMANDS, noMessageAccess } from "./messages.ts";
import { rename } from "./rename.ts";
import { check, close, examine, selectCommand } from "./select.ts";
import { subscribe, unsubscribe } from "./subscribe.ts";

/** The commands, by upper-case name. */
export const COMMANDS: ReadonlyMap<string, CommandHandler> = new Map<string, CommandHandler>([
  ["CAPABILITY", capability],
  ["NOOP", noop],
  ["LOGOUT", logout],
  ["ID", id],
  ["LOGIN", login],
  ["AUTHENTICATE", authenticate],
  ["STARTTLS", starttls],
  ["ENABLE", enable],
  ["NAMESPACE", namespace],
  ["LIST", listCommand],
  ["LSUB", lsubCommand],
  ["STATUS", statusCommand],
  ["SUBSCRIBE", subscribe],
  ["UNSUBSCRIBE", unsubscribe],
  ["CREATE", create],
  ["DELETE", deleteCommand],
  ["RENAME", rename],
  ["SELECT", selectCommand],
  ["EXAMINE", examine],
  ["CLOSE", close],
  ["UNSELECT", close],
  ["CHECK", check],
  ["IDLE", idle],
  ["APPEND", append],
  ...MESSAGE_COMMANDS.map((name) => [name, noMessageAccess] as [string, CommandHandler]),
]);
