/**
 * The generic shape of the messages between a coordinator and its task
 * workers: a worker offers one comlink method, `run(task, request)`, and
 * each task name maps to one request type and one response type. The
 * rebuild's tasks are in `rebuild/protocol.ts`, the scanners' in
 * `scan/protocol.ts`.
 *
 * @module
 */

/**
 * A set of named tasks: for each name, its request and response types.
 *
 * @example A one-task map
 * ```ts
 * import type { TaskMap } from "./protocol.ts";
 * type Echo = { echo: { request: { text: string }; response: { text: string } } };
 * const ok: TaskMap = {} as Echo;
 * ```
 */
export type TaskMap = Record<string, { request: unknown; response: unknown }>;

/**
 * What a task worker exposes through comlink.
 *
 * @example A worker's API object
 * ```ts
 * import type { TaskWorkerApi } from "./protocol.ts";
 * type Echo = { echo: { request: { text: string }; response: { text: string } } };
 * const api: TaskWorkerApi<Echo> = { run: (_task, request) => request };
 * ```
 */
export interface TaskWorkerApi<M extends TaskMap> {
  /** Run one task. */
  run<K extends keyof M & string>(task: K, request: M[K]["request"]): M[K]["response"] | Promise<M[K]["response"]>;
}

/**
 * A failure a test makes a worker suffer partway through a task: throw
 * from the task, exit the worker thread, or crash it with an uncaught error.
 *
 * @example Every kind
 * ```ts
 * import type { FaultKind } from "./protocol.ts";
 * const kinds: FaultKind[] = ["throw", "exit", "crash"];
 * ```
 */
export type FaultKind = "throw" | "exit" | "crash";
