/** Worker thread of GradientPool: one BatchGradient for one chunk, one message per iteration. */
import { parentPort, workerData } from 'node:worker_threads';
import { makeBatchGradient, type GradForm } from './batch.js';
import { runChunk, type ChunkJob } from './pool.js';

const { D, K, B, T, form } = workerData as { D: number; K: number; B: number; T: number; form: GradForm };
const bg = makeBatchGradient(D, K, B, T, form);
parentPort!.on('message', (job: ChunkJob) => {
  try {
    const r = runChunk(bg, job);
    parentPort!.postMessage(r, [
      r.phi.buffer,
      r.s.buffer,
      r.logBias.buffer,
      r.u0.buffer,
      r.maxRate.buffer,
    ] as ArrayBuffer[]);
  } catch (e) {
    parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
