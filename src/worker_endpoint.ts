/**
 * A typed comlink endpoint over `node:worker_threads` (a `Worker` on the
 * coordinator side, `parentPort` in the worker), the same on Deno, Bun and
 * Node.
 *
 * @module
 */
import type { Endpoint } from "comlink";

/** The part of a worker_threads port that the adapter needs. */
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
 * @example
 * ```ts ignore
 * import * as Comlink from "comlink";
 * const api = Comlink.wrap<Api>(nodeEndpoint(new Worker(url)));
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
