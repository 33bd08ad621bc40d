/**
 * Logging in (RFC 9051 §6.2): LOGIN, AUTHENTICATE PLAIN (RFC 4616; with
 * an initial response, SASL-IR RFC 4959, or after a continuation request)
 * and STARTTLS. Both log-in commands are refused with `NO
 * [PRIVACYREQUIRED]` on a plaintext connection from anywhere but the
 * loopback interface (the server announces LOGINDISABLED there).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { ConnectionLimitError } from "../accounts.ts";
import type { CommandHandler, Session } from "../session.ts";
import { argsOf, noArguments } from "./args.ts";

/** Check a user's password and log the session in; answers the command. */
async function logIn(session: Session, tag: string, user: string, password: string): Promise<void> {
  const entry = await session.config.accounts.check(user, password);
  if (entry === undefined) return session.tagged(tag, "NO", "Authentication failed", "AUTHENTICATIONFAILED");
  try {
    await session.logIn(entry.name, entry.root);
  } catch (e) {
    if (e instanceof ConnectionLimitError) return session.tagged(tag, "NO", e.message, "LIMIT");
    throw e;
  }
  await session.tagged(tag, "OK", "Logged in", `CAPABILITY ${session.capabilities().join(" ")}`);
}

/** LOGIN user password. */
export const login: CommandHandler = {
  states: ["not-authenticated"],
  async run(session, cmd) {
    const r = argsOf(cmd);
    const user = r.astring().value;
    r.space();
    const password = r.astring().value;
    r.end();
    if (!session.loginAllowed) {
      return session.tagged(cmd.tag, "NO", "Log in over TLS (STARTTLS) first", "PRIVACYREQUIRED");
    }
    await logIn(session, cmd.tag, user, password);
  },
};

/** Strict base64 (RFC 4648), or undefined. */
function fromBase64(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return new Uint8Array(Buffer.from(s, "base64"));
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** AUTHENTICATE PLAIN [initial-response]. */
export const authenticate: CommandHandler = {
  states: ["not-authenticated"],
  async run(session, cmd) {
    const r = argsOf(cmd);
    const mechanism = r.atom("an authentication mechanism").value.toUpperCase();
    let response: string | undefined;
    if (!r.atEnd()) {
      r.space();
      response = r.atom("an initial response").value;
    }
    r.end();
    if (mechanism !== "PLAIN") {
      return session.tagged(cmd.tag, "NO", `Unsupported authentication mechanism ${JSON.stringify(mechanism)}`);
    }
    if (!session.loginAllowed) {
      return session.tagged(cmd.tag, "NO", "Log in over TLS (STARTTLS) first", "PRIVACYREQUIRED");
    }
    if (response === undefined) {
      await session.out.write("+ \r\n");
      const line = await session.readLine();
      if (line.kind === "closed") return;
      if (line.kind !== "line") return session.tagged(cmd.tag, "BAD", line.kind === "refused" ? line.reason : "No response");
      if (line.text === "*") return session.tagged(cmd.tag, "BAD", "Authentication cancelled");
      response = line.text;
    }
    const bytes = response === "=" ? new Uint8Array(0) : fromBase64(response);
    if (bytes === undefined) return session.tagged(cmd.tag, "BAD", "The response is not base64");
    let parts: string[];
    try {
      parts = utf8.decode(bytes).split("\0");
    } catch {
      return session.tagged(cmd.tag, "BAD", "The response is not UTF-8");
    }
    if (parts.length !== 3) return session.tagged(cmd.tag, "BAD", "A PLAIN response is authzid NUL authcid NUL password");
    const [authzid, user, password] = parts;
    if (authzid !== "" && authzid !== user) {
      return session.tagged(cmd.tag, "NO", "Logging in as another user is not allowed", "AUTHORIZATIONFAILED");
    }
    await logIn(session, cmd.tag, user, password);
  },
};

/** STARTTLS: OK, then the TLS handshake on the same connection. */
export const starttls: CommandHandler = {
  states: ["not-authenticated"],
  async run(session, cmd) {
    noArguments(cmd);
    if (session.config.tls === undefined) return session.tagged(cmd.tag, "BAD", "STARTTLS is not configured on this server");
    if (session.secure) return session.tagged(cmd.tag, "BAD", "The connection already uses TLS");
    await session.tagged(cmd.tag, "OK", "Begin TLS negotiation now");
    session.startTls();
  },
};
