/** ipvae map | inspect: a Network onto a chip profile, the protobuf deployment file, and its pretty-printer. */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { readNetwork } from '../net/json.js';
import { loadProfile, BUNDLED_PROFILES, type Profile } from '../hardware/profile.js';
import { DEFAULTS } from '../defaults.js';
import { mapNetwork, type Mapping, type SplitterReport } from '../hardware/mapper.js';
import { originals } from '../hardware/graph.js';
import { STRATEGIES, type Strategy } from '../hardware/partition.js';
import { GRADED_MODES, limitsOf, type GradedMode } from '../hardware/check.js';
import { rateKind, readRates } from '../sim/rates.js';
import { snakeKeys } from '../io/json-case.js';
import {
  deploymentJson,
  deploymentObject,
  encodeDeployment,
  readDeployment,
  type DeployCore,
} from '../hardware/deploy.js';
import { writeFileAtomic } from '../io/atomic.js';
import { UserError } from '../errors.js';
import { fmt, oneOf, parseIntOpt, table } from './common.js';
import { looksLikeHdf5 } from '../nir/file.js';
import { inspectNir } from './nir.js';
import { modes, parseRows, shared, WITHOUT_JSON } from './options.js';

/** A core's use of a per-core resource: the count, and its share of the limit when the profile states one. */
export const used = (n: number, limit: number): string =>
  n.toLocaleString('en-US') + (Number.isFinite(limit) && limit > 0 ? ` (${((100 * n) / limit).toFixed(1)}%)` : '');

/** What the profiles table's columns mean: printed under it, and in ipvae profiles --help. */
export const PROFILES_NOTES = [
  'cores/chip: neuron cores on one chip; mesh: tile columns x rows of one chip (spikes between cores hop along it);',
  'neurons/core: neurons one core holds; synapse memory B: bytes of synapse memory per core; fan-in: input axons per',
  'core (distinct source neurons its neurons can receive from); fan-out: output axons per core (source neuron x',
  'destination core pairs it can send to); weight bits: widest synaptic weight; spikes: binary (one bit) or graded',
  '(a spike carries an integer payload); pJ/syn op: energy of one synaptic operation (a spike reaching one synapse).',
  'Marks: * from a secondary source, ? an assumption, - not published (not checked by ipvae map).',
];

/** What the per-core columns of map and inspect mean: printed under their tables, and in --help. */
export const CORE_NOTES = [
  'core: index in placement order; chip: the chip it is on; x,y: its tile column and row on that chip (a route',
  'between cores costs |dx| + |dy| hops); neurons: neurons placed on it; synapses: synapses stored on it (the',
  "inputs of its neurons); memory B: synapse memory it needs, costed by the profile's synapse encoding; fan-in:",
  'input axons it uses (distinct source neurons, the host included); fan-out: output axons it uses (source neuron x',
  "destination core pairs). (N%) after memory, fan-in and fan-out: the share of the profile's per-core limit; no",
  'share where the profile does not state the limit.',
];

/** map's extra per-core columns. */
const MAP_NOTES = [
  ...CORE_NOTES,
  'populations: the populations with neurons on the core; copies (with --splitters): splitter copies on it;',
  'spikes in/step, spikes out/step: expected spikes arriving on / leaving the core per time step, from --rates (else',
  '1 spike per neuron per step).',
];

/** inspect's extra columns: the ranges and synapse blocks of a core, and the route table. */
export const INSPECT_NOTES = [
  ...CORE_NOTES,
  'ranges: the neurons on the core as POP[first..last] (up to three, then +N more); synapse blocks: the projections',
  'whose synapses it stores.',
  'Routes: route: its index; src, dst: source and destination core (host: inputs from outside the chip);',
  'spikes/step: expected spikes on the route per step (/input: static inputs, sent once per input); hops: mesh',
  'hops from src to dst; sources: source neurons that use the route.',
];

/** One core in a mapping summary. */
export interface CoreSummary {
  core: number;
  chip: number;
  x: number;
  y: number;
  populations: string[];
  /** Neurons on the core, splitter copies included, and how many of them are copies. */
  neurons: number;
  copies: number;
  synapses: number;
  memoryBytes: number;
  /** Share of the core's synapse memory (null when the profile states no limit). */
  memoryFrac: number | null;
  fanIn: number;
  fanInFrac: number | null;
  fanOut: number;
  spikesInPerStep: number;
  spikesOutPerStep: number;
  hostIn: number;
}

/** The summary of a mapping (camelCase in memory; `map --json` prints it through snakeKeys). */
export interface MappingSummary {
  profile: string;
  strategy: string;
  rateSource: string;
  cores: CoreSummary[];
  routes: number;
  totals: Mapping['totals'];
  /** Splitter copies inserted or estimated (a profile limiting a neuron's destination cores, when it is broken), else null. */
  splitters: SplitterReport | null;
  violations: Mapping['violations'];
  choices: string[];
  notes: string[];
  seconds: Mapping['seconds'];
}

export function mappingSummary(m: Mapping): MappingSummary {
  const L = m.limits,
    c = m.cores,
    pops = corePopulations(m),
    copies = copiesPerCore(m);
  return {
    profile: m.profile.name,
    strategy: m.strategy,
    rateSource: m.rateSource,
    cores: Array.from({ length: m.totals.cores }, (_, i) => ({
      core: i,
      chip: c.chip[i],
      x: c.x[i],
      y: c.y[i],
      populations: pops[i],
      neurons: c.neurons[i],
      copies: copies[i],
      synapses: c.synapses[i],
      memoryBytes: Math.ceil(c.memoryBits[i] / 8),
      memoryFrac: Number.isFinite(L.memoryBits) ? c.memoryBits[i] / L.memoryBits : null,
      fanIn: c.fanIn[i],
      fanInFrac: Number.isFinite(L.fanIn) ? c.fanIn[i] / L.fanIn : null,
      fanOut: c.fanOut[i],
      spikesInPerStep: c.spikesIn[i],
      spikesOutPerStep: c.spikesOut[i],
      hostIn: c.hostIn[i],
    })),
    routes: m.routes.src.length,
    totals: m.totals,
    splitters: m.splitters ?? null,
    violations: m.violations,
    choices: m.choices,
    notes: m.notes,
    seconds: m.seconds,
  };
}

/** Splitter copies on every core. */
function copiesPerCore(m: Mapping): Int32Array {
  const out = new Int32Array(m.totals.cores);
  for (let v = originals(m.graph); v < m.graph.nPlaced; v++) out[m.part[v]]++;
  return out;
}

const n1 = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** One line on the splitter copies: inserted, what inserting them takes, or why copies cannot do it. */
export function splitterLine(r: SplitterReport): string {
  const head = `splitters: ${n1(r.neuronsOver, 'neuron')} ${r.neuronsOver === 1 ? 'reaches' : 'reach'} more than ${n1(r.limit, 'core')}`;
  const pops = r.byPopulation.map((p) => `${p.population} ${p.copies.toLocaleString('en-US')}`).join(', ');
  if (!r.settled)
    return `${head}; copies cannot resolve it: after ${n1(r.rounds, 'round')}, ${n1(r.copies, 'copy', 'copies')} on ${n1(r.extraCores, 'added core')} and their inputs still need more (a copy needs its neuron's inputs on its own core, so the sources of copies on added cores need copies too; a population that feeds itself across full cores never settles)`;
  return (
    `${head}; ${r.inserted ? 'inserted' : '--splitters would insert'} ${n1(r.copies, 'copy', 'copies')} (${pops}; ${r.copiesOnOwnCore.toLocaleString('en-US')} on their neuron's own core), ` +
    `${r.inserted ? 'on' : 'needing'} ${n1(r.extraCores, 'more core')} (${r.coresWithout} -> ${r.cores}); ` +
    `no tick added (a copy integrates the same inputs and fires in the same tick as its neuron); ` +
    `spikes between cores per step ${fmt(r.interCoreSpikesPerStepWithout, 1)} -> ${fmt(r.interCoreSpikesPerStep!, 1)}, ` +
    `hop-weighted ${fmt(r.hopWeightedTrafficWithout, 1)} -> ${fmt(r.hopWeightedTraffic!, 1)}, longest route ${r.maxHopsWithout} -> ${r.maxHops} hops`
  );
}

/** The populations on every core, in population order. */
function corePopulations(m: Mapping): string[][] {
  const g = m.graph,
    sets = Array.from({ length: m.totals.cores }, () => new Set<number>());
  for (let v = 0; v < g.nPlaced; v++) sets[m.part[v]].add(g.popOf[g.allOf[v]]); // copies count for their neuron's
  return sets.map((s) => [...s].sort((a, b) => a - b).map((i) => g.pops[i].name));
}

/** A profile value for a table: the number (or text), with * for secondary and ? for assumption. */
function cell(p: Profile, sec: string, key: string): string {
  const e = p.sections[sec]?.[key];
  if (!e) return '-';
  const v = Array.isArray(e.value)
    ? e.value.join('x')
    : typeof e.value === 'number'
      ? e.value.toLocaleString('en-US')
      : e.value;
  return `${v}${e.confidence === 'secondary' ? '*' : e.confidence === 'assumption' ? '?' : ''}`;
}

export function addMapCommands(program: Command): void {
  program
    .command('profiles')
    .description(
      'list the bundled chip profiles and their main numbers per core and chip (* secondary source, ? assumption, - not published)',
    )
    .option('--json', 'print every profile in full (values with unit, source and confidence)', false)
    .action((o) => {
      const ps = BUNDLED_PROFILES.map((n) => loadProfile(n));
      if (o.json) {
        console.log(JSON.stringify(ps));
        return;
      }
      console.log(
        table(
          [
            'profile',
            'cores/chip',
            'mesh',
            'neurons/core',
            'synapse memory B',
            'fan-in',
            'fan-out',
            'weight bits',
            'spikes',
            'pJ/syn op',
          ],
          ps.map((p) => [
            p.name,
            cell(p, 'chip', 'cores_per_chip'),
            cell(p, 'chip', 'mesh'),
            cell(p, 'core', 'neurons'),
            cell(p, 'core', 'synapse_memory_bytes'),
            cell(p, 'core', 'fan_in_axons'),
            cell(p, 'core', 'fan_out_axons'),
            cell(p, 'precision', 'weight_bits'),
            cell(p, 'spikes', 'kind'),
            cell(p, 'energy_pj', 'synaptic_op'),
          ]),
        ),
      );
      console.log(PROFILES_NOTES.join('\n'));
      console.log(
        'sources and every other field: hardware/profiles/NAME.json, or ipvae profiles --json; copy generic.json to describe your own chip',
      );
    })
    .addHelpText('after', `\nColumns of the table:\n${PROFILES_NOTES.join('\n')}`);

  program
    .command('map')
    .description(
      'map an integer Network onto a chip profile: resource check, cores, placement, routes; writes the protobuf deployment file',
    )
    .requiredOption('--net <file>', 'network (.json from ipvae quantize, or any Network JSON)')
    .option(
      '--strategy <s>',
      'traffic (minimise spikes between cores, then hops) or fill (sequential baseline)',
      'traffic',
    )
    .option(
      '--rates <file>',
      'per-neuron spike rates (ipvae simulate --rates-out); default: 1 spike per neuron per step',
    )
    .option(
      '--graded <mode>',
      'graded counts on a binary-spike chip: spikes (n spikes in a step) or substeps (n of 2^bits - 1 sub-steps)',
      DEFAULTS.graded,
    )
    .option(
      '--max-neurons-per-core <n>',
      "use at most n neurons of each core (below the profile's limit), to spread the work over more cores",
    )
    .option(
      '--splitters',
      "on a profile that limits a neuron's destination cores (core.neuron_fan_out; truenorth: 1), insert splitter copies: a copy of a neuron, on its core or an added one, with the same inputs and parameters, fires with it and sends to another of its target cores (without --splitters a broken limit is reported with the copies, cores and hops inserting them would take)",
      false,
    )
    .option('--out <file>', 'write the deployment file (.pb, protobuf ipvae.deploy.v1)')
    .option(
      '--json',
      'print {cores: [...], routes (count), totals: {cores, chips, inter_core_spikes_per_step, hop_weighted_traffic, splitters, ...}, splitters (copies inserted or estimated, or null), violations, choices, notes, seconds}',
      false,
    );
  const mapCmd = program.commands[program.commands.length - 1];
  shared(mapCmd, 'profile', { detail: `(shipped: ${BUNDLED_PROFILES.join(', ')})` });
  shared(mapCmd, 'rows', { mode: 'without --json' });
  modes(mapCmd, [WITHOUT_JSON(['--net', 'n.json'])]);
  mapCmd.action((o, cmd: Command) => {
    const strategy = oneOf('--strategy', o.strategy, STRATEGIES) as Strategy;
    const graded = oneOf('--graded', o.graded, GRADED_MODES) as GradedMode;
    const rows = parseRows(o.rows);
    const net = readNetwork(o.net);
    const profile = loadProfile(o.profile);
    const kind = rateKind(limitsOf(profile).graded);
    if (cmd.getOptionValueSource('graded') === 'cli') {
      if (limitsOf(profile).graded)
        throw new UserError(
          `map: --graded applies only to a binary-spike chip; ${profile.name} carries graded payloads`,
        );
      if (!net.projections.some((q) => q.payload === 'graded' && !q.static))
        throw new UserError(`map: --graded applies only to graded projections; ${o.net} has none`);
    }
    let ratesText = '';
    if (o.rates)
      try {
        ratesText = readFileSync(o.rates, 'utf8');
      } catch {
        throw new UserError(`${o.rates}: cannot read the rates file`);
      }
    const rates = o.rates ? readRates(ratesText, o.rates, net, kind) : undefined;
    const rateSource = o.rates
      ? `${basename(o.rates)} (sha256 ${createHash('sha256').update(ratesText).digest('hex').slice(0, 16)}; ${kind} per step)`
      : undefined;
    const maxNeuronsPerCore =
      o.maxNeuronsPerCore === undefined ? undefined : parseIntOpt('--max-neurons-per-core', o.maxNeuronsPerCore, 1);
    const m = mapNetwork(net, profile, {
      strategy,
      rates,
      rateSource,
      graded,
      maxNeuronsPerCore,
      splitters: o.splitters,
    });
    const sp = m.splitters;
    const summary = mappingSummary(m);
    if (m.violations.length) {
      // The list goes to stdout (or --json); stderr gets the one `ipvae:` line every failure gets.
      const n = m.violations.length;
      if (o.json) console.log(JSON.stringify(snakeKeys({ ...summary, out: null })));
      else {
        console.log(
          table(
            ['constraint', 'where', 'value', 'limit', 'what'],
            m.violations.map((v) => [v.constraint, v.where, v.value, v.limit, v.message]),
          ),
        );
        if (sp) console.log(splitterLine(sp));
      }
      const hint =
        sp && sp.settled && !sp.inserted && m.violations.some((v) => v.constraint === 'core.neuron_fan_out')
          ? `; --splitters would insert ${n1(sp.copies, 'splitter copy', 'splitter copies')} on ${n1(sp.extraCores, 'more core')}`
          : '';
      throw new UserError(
        `${o.net}: ${net.name} does not fit ${profile.name} (${n} violated constraint${n === 1 ? '' : 's'}: ${[...new Set(m.violations.map((v) => v.constraint))].join(', ')}; listed on stdout${hint}); no file written`,
      );
    }
    if (o.out) writeFileAtomic(o.out, encodeDeployment(deploymentObject(net, m, graded)));
    if (o.json) {
      console.log(JSON.stringify(snakeKeys({ ...summary, out: o.out ?? null })));
      return;
    }
    const L = m.limits,
      c = m.cores,
      C = m.totals.cores,
      pops = corePopulations(m),
      copies = sp?.inserted ? copiesPerCore(m) : undefined;
    console.log(
      table(
        [
          'core',
          'chip',
          'x,y',
          'populations',
          'neurons',
          ...(copies ? ['copies'] : []),
          'synapses',
          'memory B',
          'fan-in',
          'fan-out',
          'spikes in/step',
          'spikes out/step',
        ],
        Array.from({ length: Math.min(C, rows) }, (_, i) => [
          i,
          c.chip[i],
          `${c.x[i]},${c.y[i]}`,
          pops[i].join('+'),
          c.neurons[i],
          ...(copies ? [copies[i]] : []),
          c.synapses[i],
          used(Math.ceil(c.memoryBits[i] / 8), L.memoryBits / 8),
          used(c.fanIn[i], L.fanIn),
          used(c.fanOut[i], L.fanOut),
          fmt(c.spikesIn[i], 1),
          fmt(c.spikesOut[i], 1),
        ]),
      ),
    );
    if (C > rows) console.log(`... ${C - rows} more cores (--rows ${C} or --json for all)`);
    const t = m.totals;
    console.log(
      `${profile.name}, ${strategy}: ${t.cores} core${t.cores === 1 ? '' : 's'} on ${t.chips} chip${t.chips === 1 ? '' : 's'}` +
        (m.limits.unchecked.length
          ? ` (${m.limits.unchecked.join(', ')} unchecked: the profile does not state them)`
          : '') +
        `, ${t.neurons} neurons${t.splitters ? ` + ${t.splitters} splitter copies (${t.splitterCores} cores added for them)` : ''}, ${t.synapses} synapses; ` +
        `${fmt(t.interCoreSpikesPerStep, 1)} spikes/step between cores, hop-weighted ${fmt(t.hopWeightedTraffic, 1)}; ` +
        `host ${fmt(t.hostSpikesPerInput, 1)} spikes/input + ${fmt(t.hostSpikesPerStep, 1)}/step; ${m.routes.src.length} routes; ${m.seconds.total.toFixed(2)} s`,
    );
    if (sp) console.log(splitterLine(sp));
    console.log(`rates: ${m.rateSource}`);
    for (const s of m.choices) console.log(`choice: ${s}`);
    for (const s of m.notes) console.log(`note: ${s}`);
    console.log(`columns of the core table:\n${MAP_NOTES.join('\n')}`);
    if (o.out) console.log(`wrote ${o.out}`);
  });
  mapCmd.addHelpText('after', `\nColumns of the core table:\n${MAP_NOTES.join('\n')}`);

  program
    .command('inspect')
    .description(
      'pretty-print a deployment file (.pb from ipvae map: provenance, totals, cores, routes) or a NIR graph (.nir: nodes, shapes, parameters, edges); --json for every field',
    )
    .argument('<file>', 'deployment file (.pb) or NIR file (.nir)');
  const insp = program.commands[program.commands.length - 1];
  shared(insp, 'rows', { mode: 'for a deployment file, without --json' });
  insp.option('--json', 'print the whole file as JSON (field names of proto/ipvae/deploy/v1/deploy.proto)', false);
  const isNir = (file: string) => file.toLowerCase().endsWith('.nir') || looksLikeHdf5(file);
  modes(insp, [
    WITHOUT_JSON(['d.pb']),
    {
      mode: 'for a deployment file (.pb)',
      active: (_o, args) => !isNir(String(args[0])),
      only: ['rows'],
      elsewhere: ['g.nir'],
    },
  ]);
  insp.action(async (file: string, o) => {
    if (isNir(file)) return inspectNir(file, o.json);
    const d = readDeployment(file);
    if (o.json) {
      console.log(JSON.stringify(deploymentJson(d), null, 1));
      return;
    }
    const rows = parseRows(o.rows);
    const p = d.provenance,
      t = d.totals,
      mesh = d.mesh;
    console.log(`${file}: ${d.format} v${d.schemaVersion}, written by ${p.tool} ${p.toolVersion}`);
    console.log(
      `network ${p.networkName} (sha256 ${p.networkSha256.slice(0, 16)}...), profile ${d.profile.name}, strategy ${p.strategy}, rates ${p.rateSource}`,
    );
    console.log(
      `mesh ${mesh.cols} x ${mesh.rows} tiles of ${mesh.coresPerTile} core(s), ${mesh.coresPerChip} cores per chip, ${mesh.chips} chip(s)${mesh.note ? ` (${mesh.note})` : ''}`,
    );
    console.log(
      `totals: ${t.cores} cores, ${t.chips} chips, ${t.neurons} neurons, ${t.synapses} synapses, ${fmt(t.interCoreSpikesPerStep, 1)} spikes/step between cores, hop-weighted ${fmt(t.hopWeightedTraffic, 1)}` +
        (t.splitters ? `; ${t.splitters} splitter copies, ${t.splitterCores} cores added for them` : ''),
    );
    // The per-core limits the file's profile states (Infinity: not stated).
    const limit = (key: string): number =>
      d.profile.values.find((v) => v.section === 'core' && v.key === key && v.number > 0)?.number ?? Infinity;
    const ranges = (c: DeployCore): string =>
      c.neurons
        .slice(0, 3)
        .map((r) => `${r.population}[${r.first}..${r.first + r.count - 1}]`)
        .join(' ') +
      (c.neurons.length > 3 ? ` +${c.neurons.length - 3}` : '') +
      (c.copies.length ? ` +${c.copies.reduce((a, r) => a + r.count, 0)} copies` : '');
    console.log(
      table(
        ['core', 'chip', 'x,y', 'neurons', 'ranges', 'synapse blocks', 'synapses', 'memory B', 'fan-in', 'fan-out'],
        d.cores
          .slice(0, rows)
          .map((c) => [
            c.index,
            c.chip,
            `${c.x},${c.y}`,
            c.neuronCount,
            ranges(c),
            c.synapses.map((b) => b.projection).join(','),
            c.synapseCount,
            used(c.memoryBytes, limit('synapse_memory_bytes')),
            used(c.fanIn, limit('fan_in_axons')),
            used(c.fanOut, limit('fan_out_axons')),
          ]),
      ),
    );
    if (d.cores.length > rows) console.log(`... ${d.cores.length - rows} more cores`);
    console.log(
      table(
        ['route', 'src', 'dst', 'spikes/step', 'hops', 'sources'],
        d.routes
          .slice(0, rows)
          .map((r, i) => [
            i,
            r.src < 0 ? 'host' : r.src,
            r.dst,
            fmt(r.spikesPerStep, 2) + (r.perInput ? ' /input' : ''),
            r.hops,
            r.sources,
          ]),
      ),
    );
    if (d.routes.length > rows) console.log(`... ${d.routes.length - rows} more routes`);
    for (const s of d.choices) console.log(`choice: ${s}`);
    console.log(`columns:\n${INSPECT_NOTES.join('\n')}`);
  });
  insp.addHelpText('after', `\nColumns of a deployment file's tables:\n${INSPECT_NOTES.join('\n')}`);
}
