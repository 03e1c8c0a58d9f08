#!/usr/bin/env node
// Compare one SANA-FE run (its output folder: run_summary.yaml, perf.csv, spikes.csv) with ipvae's count of the
// same network (ipvae energy --json, and ipvae simulate --trace --probe spikes --json for the spikes).
// Usage: node examples/sanafe-check/compare.mjs SANAFE_OUT ENERGY.json TRACE.json
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, energyFile, traceFile] = process.argv.slice(2);
if (!traceFile) {
  console.error('usage: compare.mjs SANAFE_OUT_DIR ENERGY.json TRACE.json');
  process.exit(2);
}
const e = JSON.parse(readFileSync(energyFile, 'utf8'));
const tr = JSON.parse(readFileSync(traceFile, 'utf8'));
const rows = (f) =>
  readFileSync(join(dir, f), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

// spikes: SANA-FE logs "group.index,timestep" for the chip group; ipvae's trace holds steps 1..T x neurons
const sf = new Set(
  rows('spikes.csv')
    .slice(1)
    .filter(([n]) => n.startsWith(`${tr.population}.`))
    .map(([n, t]) => `${n.split('.')[1]},${t}`),
);
const ip = new Set();
tr.spikes.forEach((row, i) => row.forEach((v, n) => v && ip.add(`${n},${i + 1}`))); // row i is step i + 1
const onlySf = [...sf].filter((k) => !ip.has(k)).length,
  onlyIp = [...ip].filter((k) => !sf.has(k)).length;

// energy per component (J in perf.csv; pJ per inference in ipvae's JSON, one input)
const perf = rows('perf.csv');
const col = (name) => perf[0].indexOf(name);
const sum = (name) => perf.slice(1).reduce((a, r) => a + Number(r[col(name)]), 0) * 1e12;
const comp = Object.fromEntries(e.components.map((c) => [c.event, c.energy_per_inference_pj ?? 0]));
const ours = {
  synapse: comp.synapse,
  soma: comp.soma_access + comp.soma_update + comp.spike_out,
  network: comp.message_out + comp.message_in + comp.hop_east_west + comp.hop_north_south,
};
ours.total = ours.synapse + ours.soma + ours.network;
const theirs = {
  synapse: sum('synapse_energy'),
  soma: sum('soma_energy'),
  network: sum('network_energy'),
  total: sum('total_energy'),
};
const pct = (a, b) => (b === 0 ? (a === 0 ? 0 : Infinity) : (100 * (a - b)) / b);
console.log('component   ipvae (pJ)      SANA-FE (pJ)    difference');
for (const k of ['synapse', 'soma', 'network', 'total'])
  console.log(
    `${k.padEnd(10)}  ${ours[k].toFixed(1).padStart(14)}  ${theirs[k].toFixed(1).padStart(14)}  ${pct(ours[k], theirs[k]).toFixed(4)} %`,
  );
// latency: SANA-FE's sim_time per step (simple timing) against ipvae's step latency of the same step
const steps = e.latency.first_input_ns;
let worst = 0,
  ipTotal = 0,
  sfTotal = 0;
for (const r of perf.slice(1)) {
  const t = Number(r[col('timestep')]),
    s = Number(r[col('sim_time')]) * 1e9;
  ipTotal += steps[t];
  sfTotal += s;
  worst = Math.max(worst, Math.abs(pct(steps[t], s)));
}
console.log(
  `latency     ${(ipTotal / 1e3).toFixed(3).padStart(11)} us  ${(sfTotal / 1e3).toFixed(3).padStart(11)} us  ${pct(ipTotal, sfTotal).toFixed(4)} % (worst step ${worst.toFixed(4)} %)`,
);
console.log(
  `spikes      ${String(ip.size).padStart(14)}  ${String(sf.size).padStart(14)}  ${onlyIp} only in ipvae, ${onlySf} only in SANA-FE`,
);
const ok =
  onlyIp === 0 &&
  onlySf === 0 &&
  ['synapse', 'soma', 'network', 'total'].every((k) => Math.abs(pct(ours[k], theirs[k])) < 1) &&
  Math.abs(pct(ipTotal, sfTotal)) < 5;
console.log(ok ? 'agree: same spikes, energy within 1 %, latency within 5 %' : 'DISAGREE');
process.exit(ok ? 0 : 1);
