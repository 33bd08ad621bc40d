// Node 20 cannot start a .ts worker: register tsx's ESM loader, then import the real entry.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
