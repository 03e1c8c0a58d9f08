/**
 * Time to map a 1,000,000-synapse network (20,000 LIF neurons, 50 distinct sources each, 40 clusters scattered
 * over the indices, 90 % of sources within the cluster) onto loihi1, one thread: fill and traffic, best of
 * three runs each; then spikes between cores, hop-weighted traffic and cores for both, and the time to encode
 * the deployment file. Also the bundled iP-VAEs (K=512, D=256 and D=784) on loihi1 and loihi2 for the
 * traffic/fill ratios (uniform rates).
 *
 *   npm run bench -- map
 */
import { join } from 'node:path';
import { clusteredNetwork } from '../src/net/random.js';
import { mapNetwork, type Mapping } from '../src/hardware/mapper.js';
import { loadProfile, type Profile } from '../src/hardware/profile.js';
import { deploymentObject, encodeDeployment } from '../src/hardware/deploy.js';
import { fromIpVae } from '../src/frontends/ipvae.js';
import { loadModel } from '../src/io/safetensors.js';
import { packageRoot } from '../src/paths.js';
import type { Network } from '../src/net/network.js';
import { report, type BenchRecord } from './common.js';

const loihi1 = loadProfile('loihi1'),
  loihi2 = loadProfile('loihi2');
const rows: BenchRecord[] = [];

function best(net: Network, prof: Profile, strategy: 'fill' | 'traffic', runs: number): { m: Mapping; sec: number } {
  let m!: Mapping,
    sec = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    m = mapNetwork(net, prof, { strategy });
    sec = Math.min(sec, (performance.now() - t0) / 1000);
  }
  return { m, sec };
}

function compare(name: string, net: Network, runs: number, prof = loihi1): void {
  name = `${name}, ${prof.name}`;
  const f = best(net, prof, 'fill', runs),
    t = best(net, prof, 'traffic', runs);
  for (const [s, r] of [
    ['fill', f],
    ['traffic', t],
  ] as const) {
    rows.push({ case: `${name}, ${s}`, metric: 'map time', value: r.sec, unit: 's' });
    rows.push({ case: `${name}, ${s}`, metric: 'cores', value: r.m.totals.cores, unit: '' });
    rows.push({
      case: `${name}, ${s}`,
      metric: 'spikes between cores per step',
      value: r.m.totals.interCoreSpikesPerStep,
      unit: '',
    });
    rows.push({
      case: `${name}, ${s}`,
      metric: 'hop-weighted traffic',
      value: r.m.totals.hopWeightedTraffic,
      unit: 'spike hops/step',
    });
    rows.push({ case: `${name}, ${s}`, metric: 'violations', value: r.m.violations.length, unit: '' });
  }
  rows.push({
    case: `${name}, traffic / fill`,
    metric: 'spikes between cores',
    value: t.m.totals.interCoreSpikesPerStep / f.m.totals.interCoreSpikesPerStep,
    unit: 'ratio',
  });
  rows.push({
    case: `${name}, traffic / fill`,
    metric: 'hop-weighted traffic',
    value: t.m.totals.hopWeightedTraffic / f.m.totals.hopWeightedTraffic,
    unit: 'ratio',
  });
  if (name.startsWith('clustered 1M')) {
    const t0 = performance.now();
    const bytes = encodeDeployment(deploymentObject(net, t.m, 'spikes'));
    rows.push({
      case: `${name}, traffic`,
      metric: 'deployment file encode',
      value: (performance.now() - t0) / 1000,
      unit: 's',
    });
    rows.push({ case: `${name}, traffic`, metric: 'deployment file size', value: bytes.length / 1e6, unit: 'MB' });
  }
}

const big = clusteredNetwork({ neurons: 20_000, clusters: 40, fanIn: 50, pWithin: 0.9, seed: 2 });
compare('clustered 1M synapses (20k x 50)', big, 3);
compare(
  'clustered 131k synapses (4096 x 32, the test network)',
  clusteredNetwork({ neurons: 4096, clusters: 32, fanIn: 32, pWithin: 0.9, seed: 1 }),
  3,
);
for (const [label, file] of [
  ['iP-VAE patches (D=256, K=512)', 'patches-k512.safetensors'],
  ['iP-VAE MNIST (D=784, K=512)', 'mnist-k512.safetensors'],
]) {
  const net = fromIpVae(loadModel(join(packageRoot(), 'models', file))).net;
  compare(label, net, 1);
  compare(label, net, 1, loihi2);
}
report('map', rows);
