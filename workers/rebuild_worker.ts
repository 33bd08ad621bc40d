// Rebuild worker: builds and writes units of a parallel rebuild (src/rebuild_unit.ts), driven through comlink.
import * as Comlink from "comlink";
import { parentPort } from "node:worker_threads";
import process from "node:process";
import { nodeEndpoint } from "../src/worker_endpoint.ts";
import { UnitBuilder } from "../src/rebuild_unit.ts";
import type { RebuildWorkerApi, SharedNames } from "../src/worker_protocol.ts";

let units: UnitBuilder | undefined;

const api: RebuildWorkerApi = {
  init(names: SharedNames) {
    units = new UnitBuilder(names);
  },
  build(request) {
    if (units === undefined) throw new Error("The rebuild worker was not given its names");
    return units.build(request);
  },
  write(request) {
    if (units === undefined) throw new Error("The rebuild worker was not given its names");
    return units.write(request);
  },
  fault(how) {
    if (how === "exit") process.exit(3);
    throw new RangeError("Injected rebuild worker failure");
  },
};

if (parentPort === null) throw new Error("workers/rebuild_worker.ts must run as a worker thread");
Comlink.expose(api, nodeEndpoint(parentPort));
