/** Worker thread for evaluate(): runs one contiguous range of samples and writes into shared memory. */
import { parentPort, workerData } from 'node:worker_threads';
import { makeRunner } from '../kernels/runner.js';
import type { WorkerJob } from './evaluate.js';

const job = workerData as WorkerJob;
const runner = makeRunner(job.model, job);
runner.run(
  job.X,
  job.i0,
  job.i1,
  job.out,
  () => {
    Atomics.add(job.progress, 0, 1);
  },
  job.finalU,
);
parentPort!.postMessage('done');
