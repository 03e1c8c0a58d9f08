/** Worker thread of `ipvae compare`: runs one job (jobs.ts) and posts its result, or its error's message. */
import { parentPort, workerData } from 'node:worker_threads';
import { runAnalyseJob, runTrainJob, type Job } from './jobs.js';
import { UserError } from '../errors.js';

const job = workerData as Job;
const progress = (fraction: number, status: string) => parentPort!.postMessage({ progress: fraction, status });
(job.kind === 'train' ? runTrainJob(job, progress) : runAnalyseJob(job)).then(
  (result) => parentPort!.postMessage({ result }),
  (e: unknown) =>
    parentPort!.postMessage({
      error: e instanceof Error ? e.message : String(e),
      user: e instanceof UserError,
    }),
);
