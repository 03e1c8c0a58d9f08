/**
 * Integer-only inference from the library: quantise a float model to 8-bit weights, run the integer network
 * (event-driven engine, two worker threads) and the float model on the same 40 held-out inputs, print both,
 * the op counts and the spike digest.
 *
 *   npm run build && node dist/examples/integer-api.js [models/patches-k512.safetensors] [patches]
 */
import { evaluate, loadData, loadModel, quantize, runIpVaeNetParallel } from '../src/index.js';

const model = loadModel(process.argv[2] ?? 'models/patches-k512.safetensors');
const data = loadData(process.argv[3] ?? 'patches', 'test');
const N = 40;
const { net, report } = quantize(model, { weightBits: 8 });
for (const t of report)
  console.log(`${t.name}: exponent ${t.exponent}, relative RMS error ${t.relRmsError.toExponential(2)}`);
const int = await runIpVaeNetParallel(net, data.X, N, {
  steps: 1000,
  seed: 0,
  engine: 'event',
  workers: 2,
  record: [1000],
});
const flt = await evaluate(model, data.X, N, { steps: 1000, seed: 0, workers: 2, record: [1000] });
console.log(
  `t=1000  float R2 ${flt.metrics[0].r2.toFixed(3)} PZ ${flt.metrics[0].pz.toFixed(3)}  |  ` +
    `integer R2 ${int.metrics[0].r2.toFixed(3)} PZ ${int.metrics[0].pz.toFixed(3)}`,
);
const c = int.counters;
console.log(
  `per input: ${(c.spikes / N).toFixed(0)} spikes, ${(c.synEvents / N).toFixed(0)} synaptic events, ` +
    `${(c.effSynOps / N).toFixed(0)} effective synaptic ops; saturations ${c.saturations}; spikes_sha256 ${int.spikes_sha256}`,
);
