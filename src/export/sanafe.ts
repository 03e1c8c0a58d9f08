/**
 * Export a mapped network for SANA-FE (SLAM-Lab/SANA-FE, the format of commit 8951ab07, v2.2.1-5): its
 * architecture YAML (the profile's mesh and prices) and its SNN YAML (groups, edges, the mapping onto cores, the
 * input spike trains), so that the energy and latency `ipvae energy` reports can be recomputed by another
 * simulator. SANA-FE is GPL-3.0: nothing of its code is used here, only its documented file format.
 *
 * How ipvae's model is expressed in SANA-FE's:
 * - a chip population becomes a group of leaky_integrate_fire neurons, where its model says how (the spec's
 *   `sanafe`: exact for if, and lif without decay); weights become w x 2^shift in SANA-FE's units;
 * - host inputs arrive at their destination cores (message in and synapses there; no message out, no hops). In
 *   SANA-FE an input neuron lives on a core, so each tile gets one extra core for inputs whose soma, axon out
 *   and synapse units cost nothing, and each input neuron gets one copy per destination core, on that core's
 *   tile, with the edges to that core only: one message per (input neuron, destination core), zero hops, as
 *   ipvae charges it. Each copy has its own input unit (SANA-FE keeps a spike train per unit).
 * - a price the profile does not publish is written as 0 and listed in the README.
 */
import { UserError } from '../errors.js';
import type { Deployment } from '../hardware/deploy.js';
import { limitsOf } from '../hardware/check.js';
import type { Profile } from '../hardware/profile.js';
import type { PriceEvent } from '../energy/prices.js';
import type { Network } from '../net/network.js';
import { neuronModel, projectionShift, resolvePopulation } from '../sim/registry.js';
import { placement } from '../energy/mapping.js';
import type { SanafeSoma } from '../sim/neuron.js';

export const SANAFE_COMMIT = '8951ab0711676a773261284d2e8c9d995156cb3d';
export const SANAFE_VERSION = 'v2.2.1-5 (commit 8951ab07)';

export interface SanafeExport {
  files: { 'arch.yaml': string; 'snn.yaml': string; 'README.md': string };
  /** Steps of the spike trains (0 without a drive). */
  steps: number;
  groups: { name: string; population: string; neurons: number }[];
  inputCopies: number;
  edges: number;
  notPriced: string[];
}

/** A YAML-safe group name from a population name: letters, digits and _ only, unique. */
function groupNames(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((n) => {
    let g = n.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40) || 'pop';
    if (/^[0-9]/.test(g)) g = `p_${g}`;
    let k = g,
      i = 1;
    while (used.has(k)) k = `${g}_${i++}`;
    used.add(k);
    return k;
  });
}

/** A number as YAML (JavaScript's shortest round-trip form). */
const num = (x: number): string => String(x);
/** pJ or ns as SANA-FE's J or s, written exactly (no binary rounding): "33.6e-12". */
const si = (v: number, exp: number): string => (v === 0 ? '0.0' : `${v}e-${exp}`);

export function sanafeExport(
  net: Network,
  d: Deployment,
  profile: Profile,
  drives: Record<string, number[][]> | undefined,
  files: { net: string; deploy: string; drive?: string },
): SanafeExport {
  const placed = placement(net, d, files.deploy);
  const sha = d.provenance.networkSha256; // the network's, checked by placement
  if (d.mesh.chips > 1)
    throw new UserError(
      `${files.deploy}: the mapping spans ${d.mesh.chips} chips; SANA-FE's architecture is one mesh (export a one-chip mapping)`,
    );
  const L = limitsOf(profile);
  const W = d.mesh.cols,
    H = d.mesh.rows,
    perTile = d.mesh.coresPerTile;
  if (!(W >= 1 && H >= 1 && perTile >= 1))
    throw new UserError(`${files.deploy}: the mapping has no mesh (${W} x ${H} tiles); SANA-FE needs one`);
  const pops = net.populations;
  const names = groupNames(pops.map((p) => p.name));
  const popIndex = new Map(pops.map((p, i) => [p.name, i]));
  // each chip population's SANA-FE soma, where exact
  const somas: (SanafeSoma | undefined)[] = pops.map((p) => {
    const spec = neuronModel(p.model);
    if (spec.host) return undefined;
    const r = resolvePopulation(p);
    if ('problem' in r) throw new UserError(`${files.net}: population ${p.name}: ${r.problem.what}`);
    const s = spec.sanafe?.(r.params, p.size);
    if (s === undefined)
      throw new UserError(
        `${files.net}: population ${JSON.stringify(p.name)} (model ${spec.name}) has no SANA-FE equivalent; the export takes if and lif (du 4095, dv 0) populations driven by input spike trains`,
      );
    if (typeof s === 'string') throw new UserError(`${files.net}: population ${JSON.stringify(p.name)}: ${s}`);
    return s;
  });
  for (const pr of net.projections) {
    const where = `${files.net}: projection ${JSON.stringify(pr.name)}`;
    if (pr.static) throw new UserError(`${where} is static (applied once per input); SANA-FE has no such edge`);
    if (pr.delay !== 1) throw new UserError(`${where} has delay ${pr.delay}; the export takes delay 1 only`);
    if (pr.payload !== 'binary')
      throw new UserError(`${where} carries graded payloads; SANA-FE's spikes are binary (map with binary spikes)`);
  }
  // each projection's weight in SANA-FE's units: w x 2^shift, the scale the engine applies (floored there)
  const shiftOf = new Map(
    net.projections.map((pr) => {
      const shift = projectionShift(pops[popIndex.get(pr.source)!], pops[popIndex.get(pr.target)!], pr.exponent);
      if (shift < 0)
        throw new UserError(
          `${files.net}: projection ${JSON.stringify(pr.name)} scales its sum by 2^${shift} and floors it; SANA-FE adds unfloored weights (use an exponent >= 0)`,
        );
      return [pr.name, shift];
    }),
  );
  // where each neuron lives: core index per neuron (-1: a host population)
  const coreOf = pops.map((p) => placed.get(p.name)!);
  const core = d.cores;
  const tileOf = (c: number): number => core[c].x * H + core[c].y; // SANA-FE: tile id -> x = id / height, y = id % height
  const addr = (c: number): string => `${tileOf(c)}.${core[c].slot % perTile}`;
  // drives: spike trains of the host populations (0/1)
  let steps = 0;
  if (drives) {
    for (const [name, rows] of Object.entries(drives)) {
      const i = popIndex.get(name);
      if (i === undefined || !neuronModel(pops[i].model).host)
        throw new UserError(`${files.drive}: ${JSON.stringify(name)} is not an input population of the network`);
      steps = rows.length;
      rows.forEach((r, t) => {
        if (r.length !== pops[i].size)
          throw new UserError(`${files.drive}: step ${t} has ${r.length} values, ${name} has ${pops[i].size} neurons`);
        if (!r.every((v) => v === 0 || v === 1))
          throw new UserError(
            `${files.drive}: step ${t} holds values other than 0 and 1; SANA-FE's input spikes are binary`,
          );
      });
    }
  }

  // SNN: chip groups, input copies, edges, mappings
  const out: string[] = [
    `# SANA-FE SNN written by ipvae export --format sanafe (SANA-FE ${SANAFE_VERSION} format)`,
    `# network ${JSON.stringify(net.name)}, sha256 ${sha}`,
    'network:',
    `  name: ${names.join('_').slice(0, 60) || 'ipvae'}`,
    '  groups:',
  ];
  const edges: string[] = [],
    maps: string[] = [];
  const groups: SanafeExport['groups'] = [];
  let copies = 0;
  const unitsOnTile = new Map<number, number>();
  for (let i = 0; i < pops.length; i++) {
    const p = pops[i],
      g = names[i],
      s = somas[i];
    const outgoing = net.projections.filter((pr) => pr.source === p.name);
    if (s) {
      out.push(`    - name: ${g}`);
      const uniformT = s.threshold.every((x) => x === s.threshold[0]),
        uniformB = s.bias.every((x) => x === s.bias[0]);
      const attrs = ['log_spikes: true', `leak_decay: ${num(s.leakDecay)}`, 'reset: 0.0'];
      if (uniformT) attrs.push(`threshold: ${num(s.threshold[0])}`);
      if (uniformB) attrs.push(`bias: ${num(s.bias[0])}`);
      out.push(`      attributes: [${attrs.join(', ')}]`);
      out.push('      neurons:');
      if (uniformT && uniformB) out.push(`        - 0..${p.size - 1}: []`);
      else
        for (let n = 0; n < p.size; n++) {
          const a: string[] = [];
          if (!uniformT) a.push(`threshold: ${num(s.threshold[n])}`);
          if (!uniformB) a.push(`bias: ${num(s.bias[n])}`);
          out.push(`        - ${n}: [${a.join(', ')}]`);
        }
      groups.push({ name: g, population: p.name, neurons: p.size });
      for (const c of d.cores)
        for (const r of c.neurons)
          if (r.population === p.name)
            maps.push(`  - ${g}.${r.first}..${r.first + r.count - 1}: [core: ${addr(c.index)}]`);
      for (const pr of outgoing) {
        const ti = popIndex.get(pr.target)!;
        const shift = shiftOf.get(pr.name)!;
        for (let a = 0; a < p.size; a++)
          for (let j = pr.indptr[a]; j < pr.indptr[a + 1]; j++)
            edges.push(
              `    - ${g}.${a} -> ${names[ti]}.${pr.indices[j]}: [weight: ${num(pr.weights[j] * 2 ** shift)}]`,
            );
      }
    } else {
      // a host population: one copy of each neuron per destination core, on an input core of that core's tile
      const rows = drives?.[p.name];
      const lines = [`    - name: ${g}`, '      attributes: [log_spikes: false]', '      neurons:'];
      let k = 0;
      for (let a = 0; a < p.size; a++) {
        const byCore = new Map<number, string[]>();
        for (const pr of outgoing) {
          const ti = popIndex.get(pr.target)!;
          const shift = shiftOf.get(pr.name)!;
          for (let j = pr.indptr[a]; j < pr.indptr[a + 1]; j++) {
            const c = coreOf[ti][pr.indices[j]];
            if (!byCore.has(c)) byCore.set(c, []);
            byCore.get(c)!.push(`${names[ti]}.${pr.indices[j]}: [weight: ${num(pr.weights[j] * 2 ** shift)}]`);
          }
        }
        for (const [c, targets] of [...byCore].sort((x, y) => x[0] - y[0])) {
          const train = rows ? `spikes: [${rows.map((r) => r[a]).join(', ')}]` : '';
          lines.push(`        - ${k}: [${train}]`);
          for (const t of targets) edges.push(`    - ${g}.${k} -> ${t}`);
          const tile = tileOf(c),
            unit = unitsOnTile.get(tile) ?? 0;
          unitsOnTile.set(tile, unit + 1);
          maps.push(`  - ${g}.${k}: [core: ${tile}.${perTile}, soma: "ipvae_input[${unit}]"]`);
          k++;
        }
      }
      if (k > 0) {
        out.push(...lines);
        groups.push({ name: g, population: p.name, neurons: k });
      }
      copies += k;
    }
  }
  out.push('  edges:', ...edges, 'mappings:', ...maps, '');
  const inputUnits = Math.max(1, ...unitsOnTile.values());

  // architecture: the profile's mesh and prices; one more core per tile for the inputs
  const pr = profile.prices;
  const notPriced: string[] = [];
  const price = (e: PriceEvent, kind: 'energyPj' | 'latencyNs'): number => {
    const v = pr.events[e]?.[kind];
    if (v === undefined) {
      notPriced.push(`${e} ${kind === 'energyPj' ? 'energy' : 'latency'}`);
      return 0;
    }
    return v;
  };
  const E = (e: PriceEvent) => si(price(e, 'energyPj'), 12),
    T = (e: PriceEvent) => si(price(e, 'latencyNs'), 9);
  const syn = `synapse_${L.encoding}` as PriceEvent;
  const sync = pr.barrier
    ? `{ ${pr.barrier.byTiles.map(([t, ns]) => `${t}: ${si(ns, 9)}`).join(', ')} }`
    : (notPriced.push('barrier latency'), '{ 1: 0.0 }');
  const neurons = Math.max(1, ...d.cores.map((c) => c.neuronCount));
  const body = [
    'architecture:',
    `  name: ipvae_${profile.name.replace(/[^A-Za-z0-9_]/g, '_')}`,
    '  attributes:',
    '    topology: mesh',
    `    width: ${W}`,
    `    height: ${H}`,
    '    link_buffer_size: 16',
    '    sync_model: table',
    `    latency_sync: ${sync}`,
    '  tile:',
    `    - name: tile[0..${W * H - 1}]`,
    '      attributes:',
    `        energy_north_hop: ${E('hop_north_south')}`,
    `        latency_north_hop: ${T('hop_north_south')}`,
    `        energy_south_hop: ${E('hop_north_south')}`,
    `        latency_south_hop: ${T('hop_north_south')}`,
    `        energy_east_hop: ${E('hop_east_west')}`,
    `        latency_east_hop: ${T('hop_east_west')}`,
    `        energy_west_hop: ${E('hop_east_west')}`,
    `        latency_west_hop: ${T('hop_east_west')}`,
    '      core:',
    `        - name: core[0..${perTile - 1}]`,
    '          attributes: { buffer_position: soma, buffer_inside_unit: false, max_neurons_supported: ' +
      `${Math.max(neurons, Number.isFinite(L.neurons) ? L.neurons : neurons)} }`,
    '          axon_in:',
    `            - name: message_in`,
    `              attributes: { energy_message_in: ${E('message_in')}, latency_message_in: ${T('message_in')} }`,
    '          synapse:',
    `            - name: synapse_${L.encoding}`,
    `              attributes: { model: current_based, energy_process_spike: ${E(syn)}, latency_process_spike: ${T(syn)} }`,
    '          dendrite:',
    '            - name: dendrite',
    '              attributes: { model: accumulator, energy_update: 0.0, latency_update: 0.0 }',
    '          soma:',
    '            - name: soma',
    '              attributes:',
    '                model: leaky_integrate_fire',
    `                energy_access_neuron: ${E('soma_access')}`,
    `                latency_access_neuron: ${T('soma_access')}`,
    `                energy_update_neuron: ${E('soma_update')}`,
    `                latency_update_neuron: ${T('soma_update')}`,
    `                energy_spike_out: ${E('spike_out')}`,
    `                latency_spike_out: ${T('spike_out')}`,
    '          axon_out:',
    '            - name: message_out',
    `              attributes: { energy_message_out: ${E('message_out')}, latency_message_out: ${T('message_out')} }`,
    `        - name: input_core`,
    `          attributes: { buffer_position: soma, buffer_inside_unit: false, max_neurons_supported: ${inputUnits} }`,
    '          axon_in:',
    '            - name: input_in',
    '              attributes: { energy_message_in: 0.0, latency_message_in: 0.0 }',
    '          synapse:',
    '            - name: input_synapse',
    '              attributes: { model: current_based, energy_process_spike: 0.0, latency_process_spike: 0.0 }',
    '          dendrite:',
    '            - name: input_dendrite',
    '              attributes: { model: accumulator, energy_update: 0.0, latency_update: 0.0 }',
    '          soma:',
    `            - name: ipvae_input[0..${inputUnits - 1}]`,
    '              attributes:',
    '                model: input',
    '                energy_access_neuron: 0.0',
    '                latency_access_neuron: 0.0',
    '                energy_update_neuron: 0.0',
    '                latency_update_neuron: 0.0',
    '                energy_spike_out: 0.0',
    '                latency_spike_out: 0.0',
    '          axon_out:',
    '            - name: input_out',
    '              attributes: { energy_message_out: 0.0, latency_message_out: 0.0 }',
    '',
  ];
  // the header lists what was not priced, known once every price above was looked up
  const arch = [
    `# SANA-FE architecture written by ipvae export --format sanafe (SANA-FE ${SANAFE_VERSION} format)`,
    `# from ipvae's profile ${JSON.stringify(profile.name)}: ${profile.description.replace(/[\r\n]/g, ' ')}`,
    `# tile id t sits at x = t / ${H}, y = t % ${H}; cores 0..${perTile - 1} of a tile are the chip's, core ${perTile} holds the inputs (free)`,
    ...(notPriced.length ? [`# not priced in the profile, written as 0: ${[...new Set(notPriced)].join(', ')}`] : []),
    ...body,
  ].join('\n');
  // the events ipvae charges are priced once each: the one-line list of what was not priced
  const np = [...new Set(notPriced)];
  const notes = [...new Set(somas.flatMap((s) => (s?.note ? [s.note] : [])))];
  const readme = [
    `# SANA-FE export of ${net.name}`,
    '',
    `Written by \`ipvae export --format sanafe\` for SANA-FE ${SANAFE_VERSION} (SLAM-Lab/SANA-FE @ ${SANAFE_COMMIT}).`,
    `Network sha256 ${sha}; mapped onto ${profile.name} (${d.cores.length} cores, ${W} x ${H} tiles of ${perTile}).`,
    '',
    'Run it (flags before the files; `-o` must exist; `-s` writes spikes.csv and perf.csv):',
    '',
    '```',
    `mkdir -p out && sim -s -t simple -o out arch.yaml snn.yaml ${steps || 'STEPS'}`,
    '```',
    '',
    "Compare with `ipvae energy --deploy ... --net ... --drive ... --json`: perf.csv's synapse, soma and network",
    'energies per step, its sim_time (the step latency in the simple timing model) and spikes.csv.',
    '',
    'How the network is written:',
    '',
    `- chip groups: ${groups
      .filter((g) => !neuronModel(pops[popIndex.get(g.population)!].model).host)
      .map((g) => `${g.name} (${g.neurons})`)
      .join(', ')}; leaky_integrate_fire with no leak, hard reset to 0, fire where v > threshold.`,
    `- ${copies} input neurons: one per (input neuron, destination core), on core ${perTile} of the destination's`,
    '  tile, whose units cost nothing: an input costs a message in and its synapses, as ipvae charges it.',
    ...(np.length ? [`- not priced in ${profile.name}, written as 0: ${np.join(', ')}.`] : []),
    ...notes.map((n) => `- ${n}.`),
    '',
  ].join('\n');
  return {
    files: { 'arch.yaml': arch, 'snn.yaml': out.join('\n'), 'README.md': readme },
    steps,
    groups,
    inputCopies: copies,
    edges: edges.length,
    notPriced: np,
  };
}
