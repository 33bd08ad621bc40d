// Samples the process's resident memory every few milliseconds from its own
// thread, so that peaks during long synchronous work are seen too.
// "start" begins a measure; "stop" answers with the highest value seen.
import process from "node:process";
import { parentPort } from "node:worker_threads";

const rss = typeof process.memoryUsage.rss === "function" ? () => process.memoryUsage.rss() : () => process.memoryUsage().rss;
let peak = 0;
let timer;
parentPort.on("message", (m) => {
  if (m === "start") {
    peak = rss();
    clearInterval(timer);
    timer = setInterval(() => {
      const now = rss();
      if (now > peak) peak = now;
    }, 3);
  } else if (m === "stop") {
    clearInterval(timer);
    const now = rss();
    parentPort.postMessage(now > peak ? now : peak);
  }
});
