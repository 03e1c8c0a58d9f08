/** Worker thread for runNetwork: runs a contiguous range of data rows and posts the result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { runPart, type SimJob } from './run.js';
import { UserError } from '../errors.js';

const job = workerData as SimJob;
try {
  const r = runPart(job.net, job.inputs, job.opts, (d) => parentPort!.postMessage({ progress: d }));
  parentPort!.postMessage({ result: r });
} catch (e) {
  // A user's mistake found in a worker is still one clear line in the main thread, not an internal error.
  if (e instanceof UserError) parentPort!.postMessage({ userError: e.message });
  else throw e;
}
