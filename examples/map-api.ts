/**
 * Mapping from the library: quantise the bundled patch model, measure its spike rates on 20 held-out patches
 * with the integer simulator, map it onto Loihi (fill and traffic), print the totals and write the
 * deployment file, then read it back. It writes files (the rates and the deployment file) only into a folder
 * given as the second argument.
 *
 *   npm run build && node dist/examples/map-api.js [loihi1|loihi2|spinnaker2|generic|profile.json] [out-folder]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
const outDir = process.argv[3];
const { net } = quantize(loadModel('patches-k512'), { weightBits: 8 });
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
const ratesText = writeRates(probeResult(run, 'rates'), { net: 'quantised patches-k512', data: 'patches', seed: 0 });
if (outDir) writeFileSync(join(outDir, 'patches.rates.json'), ratesText);
// Binary-spike chips carry counts as spikes; graded chips send one message per nonzero count.
const kind = rateKind(limitsOf(profile).graded);
const rates = readRates(ratesText, 'patches.rates.json', net, kind);
for (const strategy of ['fill', 'traffic'] as const) {
  const m = mapNetwork(net, profile, { strategy, rates, rateSource: `${N} patches x ${steps} steps` });
  const t = m.totals;
  console.log(
    `${strategy}: ${t.cores} cores, ${t.interCoreSpikesPerStep.toFixed(1)} ${kind === 'events' ? 'messages' : 'spikes'}/step between cores, ` +
      `hop-weighted ${t.hopWeightedTraffic.toFixed(1)}, ${m.violations.length} violations`,
  );
  if (strategy === 'traffic' && m.violations.length === 0) {
    const bytes = encodeDeployment(deploymentObject(net, m, 'spikes'));
    const back = decodeDeployment(bytes, 'patches.pb');
    console.log(`deployment file: ${bytes.length} bytes, ${back.cores.length} cores, ${back.routes.length} routes`);
    if (outDir) {
      writeFileSync(join(outDir, 'patches.pb'), bytes);
      console.log(`wrote ${join(outDir, 'patches.pb')} and ${join(outDir, 'patches.rates.json')}`);
    }
  }
}
