// Scan worker: scans shares of a mail store (src/scan_parallel.ts), driven through comlink.
import * as Comlink from "comlink";
import { hostEndpoint } from "../src/worker_endpoint.ts";
import { scanShard } from "../src/scan_parallel.ts";
import type { ScanWorkerApi } from "../src/worker_protocol.ts";

const api: ScanWorkerApi = { scan: scanShard };

Comlink.expose(api, hostEndpoint());
