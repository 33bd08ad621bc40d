/**
 * The IMAP server: a `node:net` listener whose every connection is a
 * {@linkcode Session}, with what the connections share (the users and
 * their stores, the list workers, the TLS context).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext } from "node:tls";
import { Accounts } from "./accounts.ts";
import { DEFAULT_POLL_MS } from "./changes.ts";
import { ListRunner } from "./list_runner.ts";
import { type ServerConfig, Session } from "./session.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "./wire.ts";

/** How a server is set up. */
export interface ServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (0: a free one). */
  port: number;
  /** The users file. */
  usersFile: string;
  /** Directory of the users' indexes. */
  indexDir: string;
  /** PEM certificate and key files for STARTTLS. */
  tlsCert?: string;
  tlsKey?: string;
  /** Milliseconds a client may stay silent (default 30 minutes). */
  idleTimeoutMs?: number;
  /** Connections a user may have open at once (default 20). */
  maxConnectionsPerUser?: number;
  /** Size caps of what clients send. */
  limits?: Partial<WireLimits>;
  /** List worker threads (default 2) and the index size from which they are used (default 2000 UIDs). */
  listWorkers?: number;
  listWorkerThreshold?: number;
  /** The list workers' nice value (default 10; 0: the server's priority). */
  listWorkerNice?: number;
  /** Start the list workers before listening (default: at their first listing). */
  startListWorkers?: boolean;
  /** Scan a user's store and sync the index when the user's store is opened (default true). */
  loginScan?: boolean;
  /** The change feed's safety-net poll while a client idles, in ms (default 1000; IDLE wakes on file events first). */
  pollMs?: number;
  /** Where the server's own messages go (default standard error). */
  log?: (message: string) => void;
}

/** A running server. */
export interface RunningServer {
  /** The address and port it listens on. */
  readonly host: string;
  readonly port: number;
  /**
   * Stop listening, close every connection and the list workers.
   *
   * @returns Nothing.
   */
  close(): Promise<void>;
}

/**
 * Start a server.
 *
 * @param options The setup.
 * @returns The running server, once it listens.
 *
 * @example
 * ```ts ignore
 * const server = await startServer({ port: 0, usersFile: "users", indexDir: "indexes" });
 * console.log(`listening on ${server.host}:${server.port}`);
 * ```
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? ((m: string) => console.error(m));
  const tls = options.tlsCert !== undefined && options.tlsKey !== undefined
    ? createSecureContext({ cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) })
    : undefined;
  const lists = new ListRunner({ workers: options.listWorkers ?? 2, threshold: options.listWorkerThreshold ?? 2000, nice: options.listWorkerNice ?? 10 });
  if (options.startListWorkers === true) await lists.start();
  const config: ServerConfig = {
    accounts: new Accounts({
      usersFile: options.usersFile,
      indexDir: options.indexDir,
      maxConnectionsPerUser: options.maxConnectionsPerUser ?? 20,
      loginScan: options.loginScan,
      log,
    }),
    lists,
    tls,
    limits: { ...DEFAULT_WIRE_LIMITS, ...options.limits },
    idleTimeoutMs: options.idleTimeoutMs ?? 30 * 60_000,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    log,
  };
  const sessions = new Set<Session>();
  const server: Server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    const session = new Session(socket, config);
    sessions.add(session);
    void session.serve().finally(() => sessions.delete(session));
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port, host, () => {
      server.off("error", fail);
      ok();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    host,
    port,
    async close() {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        for (const s of sessions) void s.close();
      });
      await lists.close();
    },
  };
}
