/**
 * Worker-thread entry of multi-threaded ALS (./als-threads): each message is one fit's shared buffers; the
 * worker solves row chunks of every half-step until the fit stops, then waits for the next fit.
 */
import { parentPort } from "node:worker_threads";
import { runAlsThreadJob, type AlsThreadJob } from "./als-threads";

if (parentPort) {
  parentPort.on("message", (job: AlsThreadJob | { type?: unknown }) => {
    if ((job as { type?: unknown }).type === "mflab-als-fit") runAlsThreadJob(job as AlsThreadJob);
  });
}
