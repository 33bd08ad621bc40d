/**
 * Entry of a rebuild worker thread: serves the rebuild tasks of
 * src/rebuild/protocol.ts (their work is src/rebuild/tasks.ts) through
 * comlink. A task's error crosses back with its name, message and stack.
 *
 * @module
 */
import * as Comlink from "comlink";
import process from "node:process";
import { RebuildWorkerState } from "../src/rebuild/tasks.ts";
import { hostEndpoint } from "../src/worker/endpoint.ts";
import type { RebuildTasks, TaskWorkerApi } from "../src/rebuild/protocol.ts";

/** Thrown by an injected crash; the worker then dies of an uncaught error. */
class InjectedCrash extends Error {}

const state = new RebuildWorkerState((kind) => {
  if (kind === "exit") process.exit(70);
  throw new InjectedCrash("Injected crash of a rebuild worker");
});

const api: TaskWorkerApi<RebuildTasks> = {
  run(task, request) {
    try {
      return state.run(task, request);
    } catch (e) {
      if (!(e instanceof InjectedCrash)) throw e;
      // Die outside comlink's handler, never answering.
      setTimeout(() => {
        throw e;
      });
      return new Promise(() => {});
    }
  },
};

Comlink.expose(api, hostEndpoint());
