// A worker thread of bench/bulk.ts's CPU ceiling: spins through `workerData`
// rounds of integer arithmetic and posts the result.
import { parentPort, workerData } from "node:worker_threads";

let x = 0;
for (let i = 0; i < workerData; i++) x = (x * 31 + i) % 1000003;
parentPort.postMessage(x);
