// Scan worker: scans shares of a mail store (src/scan_parallel.ts), driven through comlink.
import * as Comlink from "comlink";
import { hostEndpoint } from "../src/worker/endpoint.ts";
import { scanShard } from "../src/scan/shard.ts";
import type { ScanWorkerApi } from "../src/scan/protocol.ts";

const api: ScanWorkerApi = {
  scan: (layout, root, separator, topLevel, names) => scanShard(layout, root, separator, topLevel, undefined, names),
};

Comlink.expose(api, hostEndpoint());
