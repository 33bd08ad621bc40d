// Scan worker: scans shares of a mail store (src/scan_parallel.ts), driven through comlink.
import * as Comlink from "comlink";
import { parentPort } from "node:worker_threads";
import { nodeEndpoint } from "../src/worker_endpoint.ts";
import { scanShard } from "../src/scan_parallel.ts";
import type { ScanWorkerApi } from "../src/worker_protocol.ts";

const api: ScanWorkerApi = { scan: scanShard };

if (parentPort === null) throw new Error("workers/scan_worker.ts must run as a worker thread");
Comlink.expose(api, nodeEndpoint(parentPort));
