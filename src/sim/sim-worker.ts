/** Worker thread for runIpVaeNetParallel: runs a contiguous range of inputs and posts the result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { runIpVaeNet } from './run.js';
import type { SimJob } from './run.js';

const job = workerData as SimJob;
const r = runIpVaeNet(job.net, job.X, job.n, {
  ...job.opts,
  onProgress: (d) => parentPort!.postMessage({ progress: d }),
});
parentPort!.postMessage({ result: { ...r, digests: r.digests } });
