/**
 * Typed comlink endpoints: over `node:worker_threads` (a `Worker` on the
 * coordinator side, `parentPort` in the worker) on Node and Bun, and the
 * worker's own scope when it runs as a web Worker (Deno).
 *
 * @module
 */
import type { Endpoint } from "comlink";
import process from "node:process";
import { parentPort } from "node:worker_threads";

/**
 * The part of a `node:worker_threads` port (a `Worker`, or `parentPort`)
 * that the adapter needs.
 *
 * @example A Worker is a NodePort
 * ```ts ignore
 * import { Worker } from "node:worker_threads";
 * const port: NodePort = new Worker(url);
 * ```
 */
export interface NodePort {
  /** Send a message. */
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  /** Listen. */
  on(event: "message", listener: (data: unknown) => void): unknown;
  /** Stop listening. */
  off(event: "message", listener: (data: unknown) => void): unknown;
  /** Let the port keep the process alive or not. */
  ref?(): void;
  /** Let the port keep the process alive or not. */
  unref?(): void;
}

/**
 * Wrap a worker_threads port as a comlink endpoint.
 *
 * @param port A `Worker` or `parentPort`.
 * @returns The endpoint.
 *
 * @example Both ends of a worker
 * ```ts ignore
 * import * as Comlink from "comlink";
 * import { parentPort, Worker } from "node:worker_threads";
 * // In the coordinator:
 * const api = Comlink.wrap<Api>(nodeEndpoint(new Worker(url)));
 * // In the worker:
 * Comlink.expose(handlers, nodeEndpoint(parentPort!));
 * ```
 */
export function nodeEndpoint(port: NodePort): Endpoint {
  const listeners = new WeakMap<object, (data: unknown) => void>();
  return {
    postMessage(message: unknown, transfer?: Transferable[]) {
      port.postMessage(message, transfer as unknown as readonly unknown[]);
    },
    addEventListener(_type: string, handler: EventListenerOrEventListenerObject) {
      const l = (data: unknown) => {
        const event = { data } as MessageEvent;
        if (typeof handler === "function") handler(event);
        else handler.handleEvent(event);
      };
      port.on("message", l);
      listeners.set(handler, l);
    },
    removeEventListener(_type: string, handler: EventListenerOrEventListenerObject) {
      const l = listeners.get(handler);
      if (l === undefined) return;
      port.off("message", l);
      listeners.delete(handler);
    },
    start: () => {},
  };
}

/** What a web Worker tells its pool just before it exits (web Workers have no exit event). */
export interface WorkerExitNotice {
  /** The exit code. */
  workerExit: number;
}

/**
 * The endpoint of the coordinator, as seen from inside a worker: its
 * `parentPort` under `node:worker_threads`, else the worker's own scope
 * (a web Worker). In a web Worker, an exit first sends a
 * {@linkcode WorkerExitNotice}, so that the pool does not wait on a worker
 * that is gone.
 *
 * @returns The endpoint to expose the worker's API on.
 *
 * @example A worker entry
 * ```ts ignore
 * import * as Comlink from "comlink";
 * import { hostEndpoint } from "./endpoint.ts";
 * Comlink.expose({ run: (task: string) => task }, hostEndpoint());
 * ```
 */
export function hostEndpoint(): Endpoint {
  if (parentPort !== null) return nodeEndpoint(parentPort);
  const scope = globalThis as unknown as Endpoint & { postMessage(message: unknown): void };
  if (typeof scope.postMessage !== "function") throw new Error("Not running as a worker");
  const exit = process.exit.bind(process);
  process.exit = ((code?: number) => {
    const notice: WorkerExitNotice = { workerExit: code ?? 0 };
    scope.postMessage(notice);
    return exit(code);
  }) as typeof process.exit;
  return scope;
}
