/** ipvae energy: what a mapped network costs on its chip, from events counted while simulating it. */
import type { Command } from 'commander';
import { readNetwork } from '../net/json.js';
import { readDeployment } from '../hardware/deploy.js';
import { loadData } from '../data/datasets.js';
import { analyzeEnergy, requirePrices, deploymentProfile, type EnergyInputs } from '../energy/analyze.js';
import { readInputDrive } from '../sim/drive-file.js';
import { ipvaeShape, isIpVaeNetwork } from '../sim/probes/ipvae-metrics.js';
import { snakeKeys } from '../io/json-case.js';
import { UserError } from '../errors.js';
import { fmt, inFiles, oneOf, parseFloatOpt, parseIntOpt, progressBar, table } from './common.js';
import {
  modes,
  parseRows,
  parseSamples,
  shared,
  PRICED_RUN_MODES,
  WITHOUT_JSON,
  addPricedRunOptions,
} from './options.js';

/** What the columns of energy's tables mean (printed under them and in --help). */
const ENERGY_NOTES = [
  'event: what the chip does (soma_update: a neuron updated; synapse_*: a synapse read; spike_out, message_*: a',
  "spike leaving a core, a message crossing the mesh; hop_*: one router hop). priced as: the profile's price it is",
  'charged at. per inference: events per input. pJ each: that price. share: of the priced energy.',
];
const BUDGET_NOTES = [
  'budget table: R2, PZ at step t (mean over the inputs); spikes: per input up to t; uJ, ms so far: energy and',
  'latency spent from step 1 to t. dense baseline: the same work as multiply-accumulates on a CPU/GPU/45 nm MAC,',
  "iterative (T steps) or amortized (one encoder pass); PROFILE / ...: the chip's energy over the baseline's.",
];

export function addEnergyCommand(program: Command): void {
  program
    .command('energy')
    .description(
      "what a mapped network costs on its chip: energy per inference by event and by core, and latency per step, from events counted while simulating it (SANA-FE's event model and simple timing)",
    )
    .requiredOption('--deploy <file>', 'deployment file (.pb from ipvae map)')
    .requiredOption('--net <file>', 'the network that was mapped (.json)')
    .addHelpText('after', `\nColumns:\n${[...ENERGY_NOTES, ...BUDGET_NOTES].join('\n')}`);
  const e = program.commands[program.commands.length - 1];
  addPricedRunOptions(e);
  shared(e, 'engine');
  shared(e, 'backend');
  shared(e, 'rows', { mode: 'without --json', detail: '(cores, by energy)' });
  e.option('--json', 'print one JSON object', false);
  modes(e, [
    ...PRICED_RUN_MODES(['--deploy', 'd.pb', '--net', 'n.json']),
    WITHOUT_JSON(['--deploy', 'd.pb', '--net', 'n.json', '--data', 'patches']),
  ]);
  e.action(async (o) => {
    if (!!o.data === !!o.drive) throw new UserError('energy: give --data or --drive, one of them');
    const engine = oneOf('--engine', o.engine, ['event', 'clock'] as const);
    const seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff);
    const net = readNetwork(o.net);
    const d = readDeployment(o.deploy);
    const profile = deploymentProfile(d, o.profile, o.deploy);
    if (o.requirePrices) requirePrices(d, profile, o.profile ?? d.profile.name);
    let inputs: EnergyInputs;
    if (o.drive) {
      const drives = readInputDrive(o.drive, net, o.population);
      inputs = { drives };
    } else {
      const data = loadData(o.data, 'test', o.samples === 'all' ? undefined : parseSamples(o.samples, Infinity));
      inputs = { data: data.X, n: parseSamples(o.samples, data.N), width: data.D };
    }
    const steps = o.drive ? 0 : parseIntOpt('--steps', o.steps, 1, 1_000_000);
    const targetR2 = o.targetR2 === undefined ? undefined : parseFloatOpt('--target-r2', o.targetR2, -Infinity, 1);
    const bar = o.json ? undefined : progressBar('energy');
    const a = await inFiles({ network: o.net, drive: o.drive, data: o.data }, () =>
      analyzeEnergy(net, d, profile, inputs, {
        steps,
        seed,
        engine,
        backend: oneOf('--backend', o.backend, ['wasm', 'js'] as const),
        workers: parseIntOpt('--workers', o.workers, 1, 64),
        targetR2,
        deployFile: o.deploy,
        onProgress: bar?.update,
      }),
    );
    bar?.end();
    const rows = o.json ? Infinity : parseRows(o.rows);
    const byCore = a.perCore.energyPj
      ? a.perCore.energyPj
          .map((energyPj, core) => ({ core, energyPj }))
          .sort((x, y) => y.energyPj - x.energyPj)
          .slice(0, rows)
      : null;
    // the JSON keeps what it printed before the analysis moved to src/energy/analyze.ts
    const { perCore, budgetFine: _fine, spikesByNeuron: _each, ratesResult: _rates, coreTraffic: _pairs, ...rest } = a;
    const res = { deploy: o.deploy, net: o.net, ...rest, byCore, spikesPerCore: perCore.spikes };
    const { target, baseline, estimate, steps: T, inputs: N, notPriced } = a;
    const shape = isIpVaeNetwork(net) ? ipvaeShape(net) : undefined;
    const energyPriced = a.energyPerInferencePj !== null;
    if (o.json) {
      console.log(JSON.stringify(snakeKeys(res)));
      return;
    }
    const total = a.energyPerInferencePj ?? 0;
    console.log(`${profile.name}: ${a.cores} cores on ${a.tilesInUse} tile(s); ${N} input(s) x ${T} steps`);
    console.log(
      table(
        ['event', 'priced as', 'per inference', 'pJ each', 'uJ per inference', 'share'],
        res.components.map((c) => [
          c.event,
          c.price,
          fmt(c.countPerInference, 1),
          c.pjPerEvent === null ? 'not priced' : fmt(c.pjPerEvent, 1),
          c.energyPerInferencePj === null ? 'not priced' : fmt(c.energyPerInferencePj / 1e6, 4),
          c.energyPerInferencePj === null || total === 0
            ? '-'
            : `${((100 * c.energyPerInferencePj) / total).toFixed(1)}%`,
        ]),
      ),
    );
    console.log(
      energyPriced
        ? `energy per inference: ${fmt(total / 1e6, 3)} uJ` +
            (notPriced.length ? ` of the priced events only; not priced: ${notPriced.join(', ')}` : '')
        : `energy: not priced (${notPriced.join(', ')})`,
    );
    const l = res.latency;
    if (l.perStepNs.max === 0) console.log(`latency: not priced (${l.notPriced.join(', ')})`);
    else
      console.log(
        `latency per step: mean ${fmt(l.perStepNs.mean / 1e3, 3)} us, median ${fmt(l.perStepNs.p50 / 1e3, 3)}, 95th percentile ${fmt(l.perStepNs.p95 / 1e3, 3)}, max ${fmt(l.perStepNs.max / 1e3, 3)}; per inference ${fmt((l.perInferenceNs ?? 0) / 1e6, 3)} ms` +
          (l.notPriced.length ? ` (not priced: ${l.notPriced.join(', ')})` : ''),
      );
    if (byCore)
      console.log(`busiest cores: ${byCore.map((c) => `${c.core} ${fmt(c.energyPj / 1e6, 3)} uJ`).join(', ')}`);
    const money = (x: number | null, scale: number) => (x === null ? 'not priced' : fmt(x / scale, 3));
    if (res.budget)
      console.log(
        table(
          ['t', 'R2', 'PZ', 'spikes', 'uJ so far', 'ms so far'],
          res.budget.map((b) => [
            b.t,
            fmt(b.r2),
            fmt(b.pz),
            fmt(b.spikes, 1),
            money(b.energyPj, 1e6),
            money(b.latencyNs, 1e6),
          ]),
        ),
      );
    if (estimate.energyPerInferencePj !== null)
      console.log(
        `estimate from the deployment file alone (rates: ${estimate.rateSource}): ${fmt(estimate.energyPerInferencePj / 1e6, 3)} uJ per inference, ${fmt(estimate.overExact!, 4)} x the count`,
      );
    if (baseline) {
      console.log(
        `dense baseline (D ${shape!.D}, K ${shape!.K}: ${fmt(baseline.iterativeMacs, 0)} MACs for ${T} iterative steps, ${fmt(baseline.amortizedMacs, 0)} for one amortized pass; ${baseline.assumptions}):`,
      );
      console.log(
        table(
          ['device', 'iterative uJ', 'amortized uJ', `${profile.name} / iterative`, `${profile.name} / amortized`],
          baseline.rows.map((row) => [
            row.device,
            fmt(row.iterativePj / 1e6, 3),
            fmt(row.amortizedPj / 1e6, 4),
            'chipOverIterative' in row ? fmt(row.chipOverIterative as number, 3) : '-',
            'chipOverAmortized' in row ? fmt(row.chipOverAmortized as number, 1) : '-',
          ]),
        ),
      );
    }
    for (const line of ENERGY_NOTES) console.log(line);
    if (res.budget || baseline) for (const line of BUDGET_NOTES) console.log(line);
    if (target)
      console.log(
        target.reached
          ? `R2 >= ${target.r2}: reached at t = ${target.t}, after ${target.energyPj == null ? 'energy not priced' : `${fmt(target.energyPj / 1e6, 3)} uJ`} and ${target.latencyNs == null ? 'latency not priced' : `${fmt(target.latencyNs / 1e6, 3)} ms`} per inference`
          : `R2 >= ${target.r2}: not reached in ${T} steps`,
      );
  });
}
