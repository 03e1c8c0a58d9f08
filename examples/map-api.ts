/**
 * Mapping from the library: quantise the bundled patch model, measure its spike rates on 20 held-out patches
 * with the integer simulator, map it onto Loihi (fill and traffic), print the totals and write the
 * deployment file, then read it back.
 *
 *   npm run build && node dist/examples/map-api.js [loihi1|loihi2|spinnaker2|generic|profile.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  decodeDeployment,
  deploymentObject,
  encodeDeployment,
  loadData,
  loadModel,
  loadProfile,
  mapNetwork,
  quantize,
  runNetwork,
  limitsOf,
  rateKind,
  readRates,
  writeRates,
  probeResult,
} from 'ipvae';

const profile = loadProfile(process.argv[2] ?? 'loihi1');
const { net } = quantize(loadModel('models/patches-k512.safetensors'), { weightBits: 8 });
const N = 20,
  steps = 200;
const run = await runNetwork(
  net,
  { data: loadData('patches', 'test').X, n: N },
  {
    steps,
    seed: 0,
    engine: 'event',
    workers: 2,
    probes: [{ kind: 'rates' }],
  },
);
// The rates file (format ipvae.rates), as ipvae simulate --rates-out writes it and ipvae map --rates reads it.
writeFileSync(
  'patches.rates.json',
  writeRates(probeResult(run, 'rates'), { net: 'quantised patches-k512', data: 'patches', seed: 0 }),
);
// Binary-spike chips carry counts as spikes; graded chips send one message per nonzero count.
const kind = rateKind(limitsOf(profile).graded);
const rates = readRates(readFileSync('patches.rates.json', 'utf8'), 'patches.rates.json', net, kind);
for (const strategy of ['fill', 'traffic'] as const) {
  const m = mapNetwork(net, profile, { strategy, rates, rateSource: `${N} patches x ${steps} steps` });
  const t = m.totals;
  console.log(
    `${strategy}: ${t.cores} cores, ${t.interCoreSpikesPerStep.toFixed(1)} ${kind === 'events' ? 'messages' : 'spikes'}/step between cores, ` +
      `hop-weighted ${t.hopWeightedTraffic.toFixed(1)}, ${m.violations.length} violations`,
  );
  if (strategy === 'traffic' && m.violations.length === 0) {
    const bytes = encodeDeployment(deploymentObject(net, m, 'spikes'));
    writeFileSync('patches.pb', bytes);
    const back = decodeDeployment(bytes, 'patches.pb');
    console.log(`wrote patches.pb: ${bytes.length} bytes, ${back.cores.length} cores, ${back.routes.length} routes`);
  }
}
