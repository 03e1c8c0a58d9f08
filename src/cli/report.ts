/**
 * ipvae report: one self-contained HTML file (and report.json beside it) on a mapped network: quality against
 * steps with the energy spent, a spike raster, energy by event and by core, the mesh, and, with the float
 * model, its atoms and float-vs-integer validation per weight width.
 * ipvae demo: the whole path on the bundled patch model and held-out patches: float inference, quantise,
 * validate, integer simulation on loihi2 (every shipped profile's totals listed), energy, report.
 */
import type { Command } from 'commander';
import { join, dirname, basename, extname, resolve } from 'node:path';
import { readNetwork } from '../net/json.js';
import { readDeployment, deploymentObject, type Deployment } from '../hardware/deploy.js';
import { loadProfile, type Profile } from '../hardware/profile.js';
import { mapNetwork } from '../hardware/mapper.js';
import { loadData } from '../data/datasets.js';
import {
  analyzeEnergy,
  budgetSteps,
  requirePrices,
  deploymentProfile,
  type EnergyInputs,
  type EnergyAnalysis,
} from '../energy/analyze.js';
import { readInputDrive } from '../sim/drive-file.js';
import { isIpVaeNetwork } from '../sim/probes/ipvae-metrics.js';
import { loadModel } from '../io/safetensors.js';
import { snakeKeys } from '../io/json-case.js';
import { evaluate } from '../model/evaluate.js';
import type { IpVaeParams } from '../model/params.js';
import { fromIpVae, quantisedFrom } from '../frontends/ipvae.js';
import { validateWidths, type ValidationRow } from '../net/validate.js';
import type { Network } from '../net/network.js';
import { buildReport, profileTotals, rasterOf, type ProfileTotals } from '../report/build.js';
import { renderReport } from '../report/render.js';
import type { ReportData } from '../report/data.js';
import { UserError } from '../errors.js';
import { bestModel, modelHelp } from './models.js';
import { checkWritable, fmt, inFiles, parseFloatOpt, parseIntOpt, progressBar, table } from './common.js';
import { addPricedRunOptions, alias, modes, parseSamples, shared, PRICED_RUN_MODES } from './options.js';
import { writeFilesAtomic } from '../io/atomic.js';
import { readFileSync } from 'node:fs';
import { readCompare } from '../baselines/compare-file.js';
import type { CompareResult } from '../baselines/compare.js';

/** The report's numbers go beside the HTML: the same name with .json. */
const jsonPath = (html: string) => join(dirname(html), `${basename(html, extname(html))}.json`);

/**
 * The report's two outputs, checked before any work: an .html name, both writable, neither a folder, and neither
 * one of the command's input files (the .json beside the HTML must not overwrite the network, say).
 */
export function checkReportOut(out: string, inputs: (string | undefined)[]): void {
  if (!/\.html?$/i.test(out))
    throw new UserError(`${out}: --out must name an .html file (its numbers go to the same name with .json)`);
  checkWritable(out);
  checkWritable(jsonPath(out));
  const mine = new Set([resolve(out), resolve(jsonPath(out))]);
  for (const f of inputs)
    if (f && mine.has(resolve(f)))
      throw new UserError(`${f}: is an input of this command; the report would overwrite it (choose another --out)`);
}

/** The atoms' image side for a model of D inputs: a square, else none. */
const sideOf = (D: number): [number, number] | undefined => {
  const s = Math.round(Math.sqrt(D));
  return s * s === D ? [s, s] : undefined;
};

interface Stages {
  quiet: boolean;
}

/** A stage with a progress bar (stderr, on a terminal) and its time. */
async function stage<T>(s: Stages, label: string, f: (bar?: (d: number, t: number) => void) => Promise<T>): Promise<T> {
  const bar = s.quiet ? undefined : progressBar(label);
  const t0 = performance.now();
  const r = await f(bar?.update);
  bar?.end();
  // on a terminal only, like the progress bars: a script's stderr stays for errors
  if (!s.quiet && process.stderr.isTTY)
    process.stderr.write(`${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return r;
}

/** Both files or neither: each goes to a temporary name, then both are renamed into place. */
function writeReport(out: string, data: ReportData): void {
  const files: [string, string][] = [
    [out, renderReport(data)],
    [jsonPath(out), `${JSON.stringify(snakeKeys(data), null, 1)}\n`],
  ];
  writeFilesAtomic(files, `${out}: cannot write the report`);
}

interface ReportRun {
  net: Network;
  deployment: Deployment;
  profile: Profile;
  inputs: EnergyInputs;
  steps: number;
  seed: number;
  workers: number;
  targetR2?: number;
  model?: IpVaeParams;
  /** Float-vs-integer validation (needs the model and data). */
  validate?: { bits: number[]; samples: number; steps: number };
  /** Every shipped profile's totals (needs data: the measured rates). */
  profiles?: boolean;
  files: { net: string; deploy: string; data?: string; drive?: string };
}

async function runReport(r: ReportRun, s: Stages) {
  const { net, deployment: d, profile, inputs, steps, seed, workers } = r;
  const X = 'data' in inputs ? inputs : undefined;
  let floatR2: number[] | undefined;
  if (r.model && X) {
    const fl = await stage(s, 'float inference', (bar) =>
      evaluate(r.model!, X.data as Float32Array, X.n, {
        steps,
        seed,
        workers,
        record: budgetSteps(steps),
        onProgress: bar,
      }),
    );
    floatR2 = fl.metrics.map((m) => m.r2);
  }
  let validation: ValidationRow[] | undefined;
  if (r.model && X && r.validate) {
    const v = r.validate;
    validation = await stage(s, `validation (${v.bits.join(', ')}-bit weights)`, (bar) =>
      validateWidths(r.model!, X.data as Float32Array, Math.min(v.samples, X.n), v.bits, {
        steps: v.steps,
        seed,
        workers,
        onWidth: () => bar,
      }),
    );
  }
  const analysis: EnergyAnalysis = await stage(s, `integer simulation on ${profile.name}`, (bar) =>
    inFiles(r.files, () =>
      analyzeEnergy(net, d, profile, inputs, {
        steps,
        seed,
        engine: 'event',
        workers,
        targetR2: r.targetR2,
        deployFile: r.files.deploy,
        onProgress: bar,
      }),
    ),
  );
  const raster = await stage(s, 'spike raster', () => rasterOf(net, inputs, steps, seed));
  let profiles: ProfileTotals[] | undefined;
  if (r.profiles && analysis.ratesResult)
    profiles = await stage(s, 'every shipped profile', async () =>
      profileTotals(net, analysis.ratesResult!, analysis.steps),
    );
  return { analysis, raster, floatR2, validation, profiles };
}

function summaryLines(a: EnergyAnalysis, profiles?: ProfileTotals[]): string[] {
  const u = (pj: number | null) => (pj === null ? 'not priced' : `${fmt(pj / 1e6, 3)} uJ`);
  const ms = (ns: number | null) => (ns === null ? 'not priced' : `${fmt(ns / 1e6, 3)} ms`);
  const lines = [
    `${a.profile}: ${a.cores} core(s) on ${a.tilesInUse} tile(s); energy per inference ${u(a.energyPerInferencePj)}` +
      (a.notPriced.length && a.energyPerInferencePj !== null
        ? ` (priced events only; not priced: ${a.notPriced.join(', ')})`
        : '') +
      `; latency ${ms(a.latency.perInferenceNs)}`,
  ];
  const top = [...a.components]
    .filter((c) => c.energyPerInferencePj)
    .sort((x, y) => y.energyPerInferencePj! - x.energyPerInferencePj!)[0];
  if (top && a.energyPerInferencePj)
    lines.push(
      `dominant component: ${top.event} (${((100 * top.energyPerInferencePj!) / a.energyPerInferencePj).toFixed(0)} %)`,
    );
  if (a.target)
    lines.push(
      a.target.reached
        ? `R2 >= ${a.target.r2} at t = ${a.target.t}, after ${u(a.target.energyPj ?? null)} and ${ms(a.target.latencyNs ?? null)}`
        : `R2 >= ${a.target.r2}: not reached in ${a.steps} steps`,
    );
  if (profiles)
    lines.push(
      'every shipped profile (estimate from a mapping with the measured rates):',
      table(
        ['profile', 'cores', 'uJ per inference', 'ms per inference', 'note'],
        profiles.map((p) => [
          p.name,
          p.cores ?? '-',
          p.energyPj === null ? '-' : fmt(p.energyPj / 1e6, 3),
          p.latencyNs === null ? '-' : fmt(p.latencyNs / 1e6, 3),
          p.note,
        ]),
      ),
    );
  const base = a.baseline;
  if (base && a.energyPerInferencePj !== null)
    lines.push(
      `dense baseline (${base.assumptions}): ` +
        base.rows
          .map(
            (row) =>
              `${row.device} ${fmt(row.iterativePj / 1e6, 3)} uJ (${a.profile} x${fmt(a.energyPerInferencePj! / row.iterativePj, 3)})`,
          )
          .join(', '),
    );
  return lines;
}

export function addReportCommands(program: Command): void {
  program
    .command('report')
    .description(
      'one self-contained HTML report (and a .json of the same numbers beside it) on a mapped network: quality and energy against steps, spike raster, energy by event and core, the mesh; with --model also the atoms, the float curve and float-vs-integer validation',
    )
    .requiredOption('--deploy <file>', 'deployment file (.pb from ipvae map)')
    .requiredOption('--net <file>', 'the network that was mapped (.json)')
    .option(
      '--model <file|name>',
      modelHelp('the float model the network was quantised from: atoms, float curve, validation'),
    );
  const rep = program.commands[program.commands.length - 1];
  addPricedRunOptions(rep);
  shared(rep, 'weightBitsList', { mode: 'with --model', detail: '("" for none)' });
  alias(rep, '--bits <list>', 'weightBits');
  rep
    .option('--profiles', "also every shipped profile's totals (with --data: from the measured rates)", false)
    .option('--compare <file>', 'a compare.json from ipvae compare: its R^2-PZ trade-off plot and table as a section')
    .requiredOption('--out <file>', 'the HTML file to write (its numbers go to the same name with .json)');
  const required = ['--deploy', 'd.pb', '--net', 'n.json', '--out', 'r.html'];
  modes(rep, [
    ...PRICED_RUN_MODES(required),
    {
      mode: 'with --data (the other chips are mapped with the rates measured on it)',
      active: (o) => o.drive === undefined,
      only: ['profiles'],
      elsewhere: [...required, '--drive', 'd.json'],
    },
    {
      mode: 'with --model',
      active: (o) => o.model !== undefined,
      only: ['weightBits'],
      elsewhere: [...required, '--data', 'patches'],
    },
  ]);
  rep.action(async (o) => {
    if (!!o.data === !!o.drive) throw new UserError('report: give --data or --drive, one of them');
    checkReportOut(o.out, [
      o.net,
      o.deploy,
      o.drive,
      o.model,
      o.compare,
      o.data?.startsWith('idx:') ? o.data.slice(4) : undefined,
    ]);
    let compared: CompareResult | undefined;
    if (o.compare) {
      let text: string;
      try {
        text = readFileSync(o.compare, 'utf8');
      } catch {
        throw new UserError(`${o.compare}: cannot read the compare file`);
      }
      compared = readCompare(text, o.compare);
    }
    const seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff),
      workers = parseIntOpt('--workers', o.workers, 1, 64);
    const net = readNetwork(o.net);
    const d = readDeployment(o.deploy);
    const profile = deploymentProfile(d, o.profile, o.deploy);
    if (o.requirePrices) requirePrices(d, profile, o.profile ?? d.profile.name);
    let inputs: EnergyInputs,
      steps = 0;
    if (o.drive)
      inputs = {
        drives: readInputDrive(o.drive, net, o.population),
      };
    else {
      steps = parseIntOpt('--steps', o.steps, 1, 1_000_000);
      const data = loadData(o.data, 'test', o.samples === 'all' ? undefined : parseSamples(o.samples, Infinity));
      inputs = { data: data.X, n: parseSamples(o.samples, data.N), width: data.D };
    }
    const model = o.model ? loadModel(o.model) : undefined;
    if (model && !isIpVaeNetwork(net))
      throw new UserError(`${o.net}: --model needs an iP-VAE network (ipvae quantize)`);
    if (model && !quantisedFrom(model, net))
      throw new UserError(
        `${o.model}: is not the model ${o.net} was quantised from (quantised again with the network's recorded options it gives other weights)`,
      );
    if (model && 'width' in inputs && inputs.width !== model.D)
      throw new UserError(`${o.model}: D=${model.D} but ${o.data} has D=${inputs.width}`);
    const bits = String(o.weightBits)
      .split(',')
      .filter((b) => b.trim())
      .map((b) => parseIntOpt('--weight-bits', b.trim(), 2, 16));
    const parts = await runReport(
      {
        net,
        deployment: d,
        profile,
        inputs,
        steps,
        seed,
        workers,
        targetR2: o.targetR2 === undefined ? undefined : parseFloatOpt('--target-r2', o.targetR2, -Infinity, 1),
        model,
        validate: model && bits.length ? { bits, samples: 20, steps: Math.min(steps, 300) } : undefined,
        profiles: o.profiles,
        files: { net: o.net, deploy: o.deploy, data: o.data, drive: o.drive },
      },
      { quiet: false },
    );
    const a = parts.analysis;
    const data = buildReport({
      title: `ipvae report: ${net.name} on ${profile.name}`,
      summary: [
        `network ${o.net} (${net.name}), deployment ${o.deploy}, profile ${profile.name}`,
        o.drive
          ? `drive ${o.drive}: ${a.steps} steps`
          : `data ${o.data}: ${a.inputs} held-out inputs x ${a.steps} steps, seed ${seed}`,
        ...(o.model ? [`float model ${o.model}`] : []),
      ],
      net,
      deployment: d,
      profile,
      model,
      side: model ? sideOf(model.D) : undefined,
      ...parts,
    });
    if (compared) data.compare = compared;
    writeReport(o.out, data);
    for (const l of summaryLines(a, parts.profiles)) console.log(l);
    console.log(`wrote ${o.out} and ${jsonPath(o.out)}`);
  });

  program
    .command('demo')
    .description(
      'the whole path on the bundled patch model and held-out patches: float inference, quantise (8-bit), validate per weight width, integer simulation mapped onto loihi2 (with every shipped profile totals), energy, report.html and report.json',
    )
    .option('--out <file>', 'the HTML report (its numbers go to the same name with .json)', 'report.html')
    .option('--json', 'print one JSON object (the summary; the full numbers are in report.json)', false);
  const demo = program.commands[program.commands.length - 1];
  for (const name of ['samples', 'steps', 'seed', 'workers'] as const) shared(demo, name);
  shared(demo, 'profile', { detail: 'to map onto' });
  demo.action(async (o) => {
    checkReportOut(o.out, []);
    const t0 = performance.now();
    const samples = o.samples === 'all' ? 100_000 : parseIntOpt('--samples', o.samples, 1, 100_000),
      steps = parseIntOpt('--steps', o.steps, 1, 100_000),
      seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff),
      workers = parseIntOpt('--workers', o.workers, 1, 64);
    const m = bestModel('patches');
    const model = loadModel(m.path);
    const data = loadData('patches', 'test', samples);
    const N = Math.min(samples, data.N);
    const { net, report: q } = fromIpVae(model, { weightBits: 8 });
    const profile = loadProfile(o.profile);
    const mapping = mapNetwork(net, profile, { strategy: 'traffic' });
    if (mapping.violations.length)
      throw new UserError(`${o.profile}: the bundled patch model does not fit it (${mapping.violations[0].message})`);
    if (!o.json) console.log(`demo: ${m.note}; ${N} held-out whitened 16x16 patches x ${steps} steps, seed ${seed}`);
    const d = deploymentObject(net, mapping, 'spikes');
    const parts = await runReport(
      {
        net,
        deployment: d,
        profile,
        inputs: { data: data.X, n: N, width: data.D },
        steps,
        seed,
        workers,
        targetR2: 0.8,
        model,
        validate: { bits: [6, 7, 8, 10, 12], samples: 20, steps: Math.min(steps, 300) },
        profiles: true,
        files: { net: 'the quantised patch model', deploy: `the ${profile.name} mapping`, data: 'patches' },
      },
      { quiet: !!o.json },
    );
    const a = parts.analysis;
    const fl = parts.floatR2 ? parts.floatR2[parts.floatR2.length - 1] : NaN;
    const intR2 = a.metrics?.[0]?.r2 ?? NaN;
    const reportData = buildReport({
      title: 'ipvae demo: the bundled iP-VAE on whitened natural-image patches',
      summary: [
        `model ${m.label} (D ${model.D}, K ${model.K}), quantised to 8-bit weights (${q.map((t) => `${t.name} exponent ${t.exponent}`).join(', ')})`,
        `${N} held-out patches x ${steps} steps, seed ${seed}; mapped onto ${profile.name}`,
      ],
      net,
      deployment: d,
      profile,
      model,
      side: [16, 16],
      ...parts,
    });
    writeReport(o.out, reportData);
    if (o.json) {
      console.log(
        JSON.stringify(
          snakeKeys({
            model: m.label,
            data: 'patches',
            samples: N,
            steps,
            seed,
            profile: profile.name,
            floatR2: fl,
            intR2,
            validation: parts.validation,
            energyPerInferencePj: a.energyPerInferencePj,
            notPriced: a.notPriced,
            latencyPerInferenceNs: a.latency.perInferenceNs,
            target: a.target,
            profiles: parts.profiles,
            report: o.out,
            reportJson: jsonPath(o.out),
            seconds: (performance.now() - t0) / 1000,
          }),
        ),
      );
      return;
    }
    console.log(`float R2 ${fmt(fl)}; integer (8-bit) R2 ${fmt(intR2)} at t = ${steps}`);
    if (parts.validation)
      console.log(
        table(
          ['bits', 'float R2', 'int R2', 'rate corr'],
          parts.validation.map((r) => [r.bits, fmt(r.float.r2), fmt(r.int.r2), fmt(r.rateCorr, 3)]),
        ),
      );
    for (const l of summaryLines(a, parts.profiles)) console.log(l);
    console.log(`wrote ${o.out} and ${jsonPath(o.out)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });
}
