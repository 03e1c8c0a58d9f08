/**
 * Integer-only inference from the library: quantise a float model to 8-bit weights, run the integer network
 * (event-driven engine, two worker threads) and the float model on the same 40 held-out inputs, print both,
 * the op counts and the spike digest.
 *
 *   npm run build && node dist/examples/integer-api.js [patches-k512 | model.safetensors] [patches]
 */
import { evaluate, loadData, loadModel, quantize, runNetwork, probeResult } from 'ipvae';

const model = loadModel(process.argv[2] ?? 'patches-k512');
const data = loadData(process.argv[3] ?? 'patches', 'test');
const N = 40;
const { net, report } = quantize(model, { weightBits: 8 });
for (const t of report)
  console.log(`${t.name}: exponent ${t.exponent}, relative RMS error ${t.relRmsError.toExponential(2)}`);
const run = await runNetwork(
  net,
  { data: data.X, n: N },
  {
    steps: 1000,
    seed: 0,
    engine: 'event',
    workers: 2,
    probes: [{ kind: 'ipvae-metrics', record: [1000] }],
  },
);
const int = probeResult(run, 'ipvae-metrics');
const flt = await evaluate(model, data.X, N, { steps: 1000, seed: 0, workers: 2, record: [1000] });
console.log(
  `t=1000  float R2 ${flt.metrics[0].r2.toFixed(3)} PZ ${flt.metrics[0].pz.toFixed(3)}  |  ` +
    `integer R2 ${int.metrics[0].r2.toFixed(3)} PZ ${int.metrics[0].pz.toFixed(3)}`,
);
const c = run.counters;
console.log(
  `per input: ${(c.spikes / N).toFixed(0)} spikes, ${(c.synapticEvents / N).toFixed(0)} synaptic events, ` +
    `NeuroBench ${(c.neurobenchEffectiveAcs / N).toFixed(0)} ACs + ${(c.neurobenchEffectiveMacs / N).toFixed(0)} MACs; ` +
    `saturations ${c.saturations}; spikes_sha256 ${run.spikesSha256}`,
);
