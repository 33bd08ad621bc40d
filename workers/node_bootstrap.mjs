// Node 20 cannot run .ts workers: register tsx's loader, then import the real entry.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
