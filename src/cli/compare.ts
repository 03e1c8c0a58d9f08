/**
 * `ipvae compare`: the iP-VAE against the paper's baselines on the same data, metrics and wall-clock budget
 * (src/baselines/compare.ts), as a table, compare.json and an SVG trade-off plot.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { compare, type CompareResult, type Stat } from '../baselines/compare.js';
import { compareJson, readCompare } from '../baselines/compare-file.js';
import { tradeOffSvg } from '../baselines/compare-plot.js';
import { FAMILIES, FAMILY_NAMES } from '../baselines/registry.js';
import { checkWritable, oneOf, parseFloatOpt, parseIntOpt, table, wrap } from './common.js';
import { checkPlotPath } from './plots.js';
import { parseSamples, shared } from './options.js';
import { loadData } from '../data/datasets.js';

/** What the tables' columns mean: printed under them, and in --help. */
const COMPARE_NOTES = [
  'family: the model family (--families); sweep: the swept quantity and the value with the lowest mean d (every value is in the sweep table);',
  'R2: 1 - |x - Phi z|^2 / |x - mean(x)|^2 per held-out input, averaged, from the codes z at the last step (iterative) or after the one pass',
  '(amortized); PZ: share of the codes exactly 0; d: sqrt((1 - R2)^2 + (1 - PZ)^2), the distance to the ideal corner (perfect and silent);',
  'r2_map: R2 from the posterior rates or means instead of the codes (rates exp(u) of the iP-VAE, means of the Gaussian families; LCA and PC: the codes);',
  'intB R2, intB PZ: the same held-out inputs through the model quantised to B-bit weights as an integer network (Network IR, event engine;',
  'iP-VAE and LCA); probe %: held-out accuracy of a multinomial logistic regression on the standardised features (mnist);',
  '+- : half-width of the 95 % Student-t interval over the seeds; paper: the published value (Vafaii, Galor, Yates 2025; - where none is given).',
];

const SWEEP_NOTES = [
  'Sweep table: one row per family, sweep value and seed; iterations: training steps the budget allowed (sparse start + BPTT for the iP-VAE);',
  'train s, score s: seconds of training and of scoring the held-out inputs.',
];

const fmt3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(3));
const withCi = (s: Stat) => (s.n > 1 ? `${fmt3(s.mean)} +- ${s.ci95.toFixed(3)}` : fmt3(s.mean));

/** The summary, sweep and out-of-distribution tables as text. */
export function compareTables(r: CompareResult): string {
  const out: string[] = [];
  const probe = r.families.some((f) => f.probe);
  const ints = r.families.some((f) => f.integer);
  const pct = (s: Stat | null | undefined) =>
    !s ? '-' : s.n > 1 ? `${(100 * s.mean).toFixed(1)} +- ${(100 * s.ci95).toFixed(1)}` : (100 * s.mean).toFixed(1);
  out.push(
    table(
      [
        'family',
        'sweep',
        'R2',
        'PZ',
        'd',
        'r2_map',
        ...(ints ? [`int${r.integerBits} R2`, `int${r.integerBits} PZ`] : []),
        ...(probe ? ['probe %'] : []),
        'paper R2',
        'paper PZ',
        'paper d',
        ...(probe ? ['paper probe %'] : []),
      ],
      r.families.map((f) => [
        f.label,
        `${f.knobName} ${f.bestKnob}`,
        withCi(f.r2),
        withCi(f.pz),
        withCi(f.d),
        withCi(f.r2Map),
        ...(ints ? [f.integer ? withCi(f.integer.r2) : '-', f.integer ? withCi(f.integer.pz) : '-'] : []),
        ...(probe ? [pct(f.probe)] : []),
        fmt3(f.paper?.r2),
        fmt3(f.paper?.pz),
        fmt3(f.paper?.d),
        ...(probe ? [f.paper?.probe === undefined ? '-' : (100 * f.paper.probe).toFixed(1)] : []),
      ]),
    ),
  );
  const ood = r.families.filter((f) => f.ood.length);
  if (ood.length) {
    const names = ood[0].ood.map((o) => o.data);
    out.push('');
    out.push(`Out of distribution (each family at its best sweep value; ${r.oodInputs} inputs per set; R2, PZ):`);
    out.push(
      table(
        ['family', ...names.flatMap((n) => [`${n} R2`, `${n} PZ`])],
        ood.map((f) => [f.label, ...f.ood.flatMap((o) => [withCi(o.r2), withCi(o.pz)])]),
      ),
    );
    for (const n of names) {
      const ranked = [...ood].sort(
        (a, b) => b.ood.find((o) => o.data === n)!.r2.mean - a.ood.find((o) => o.data === n)!.r2.mean,
      );
      out.push(`${n}: R2 ranking ${ranked.map((f) => f.label).join(' > ')}`);
    }
  }
  return out.join('\n');
}

export function sweepTable(r: CompareResult): string {
  const label = new Map(r.families.map((f) => [f.family, f]));
  return table(
    ['family', 'sweep', 'seed', 'R2', 'PZ', 'd', 'r2_map', 'iterations', 'train s', 'score s'],
    r.runs.map((x) => [
      label.get(x.family)?.label ?? x.family,
      `${label.get(x.family)?.knobName ?? ''} ${x.knob}`,
      x.seed,
      fmt3(x.r2),
      fmt3(x.pz),
      fmt3(x.d),
      fmt3(x.r2Map),
      x.info.sparseIterations !== undefined
        ? `${x.info.sparseIterations} + ${x.info.iterations}`
        : String(x.info.iterations ?? '-'),
      x.trainSeconds.toFixed(0),
      x.evalSeconds.toFixed(0),
    ]),
  );
}

export function addCompareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .description(
      'train the iP-VAE and the baselines (LCA, iG-VAE, iG_relu-VAE, predictive coding, ...) at an equal wall-clock budget and compare reconstruction and sparsity on held-out data',
    )
    .option('--data <name>', 'patches or mnist (required)')
    .option('--budget <min>', 'training minutes per family and seed, split over its sweep values', '10')
    .option('--seeds <n>', 'seeds 0 .. n-1 (intervals over seeds need at least 2)', '1')
    .option('--families <list>', `comma-separated (default: all: ${FAMILY_NAMES.join(', ')})`)
    .option('--latents <K>', 'latents K of every family', '512')
    .option(
      '--ood <list>',
      'also score each family at its best sweep value on these data sets (with as many pixels per input as the training data): with --data mnist, fashion-mnist (Debian dataset-fashion-mnist), mnist-rotated[:DEG] (default 45), mnist-inverted, natural28 (28x28 natural-image patches)',
    )
    .option('--ood-samples <n>', 'inputs of each out-of-distribution set', '500')
    .option(
      '--probe-inputs <n>',
      'labelled training digits of the linear probe (with --data mnist; 0: no probe); it is scored on every held-out digit',
      '2000',
    )
    .option('--no-integer', 'skip the integer check (the iP-VAE and LCA quantised and run as integer networks)')
    .option(
      '--replay <file>',
      "a compare.json whose runs' iteration counts are repeated (the same table, to the printed digits)",
    )
    .option(
      '--out <file>',
      'the results as JSON (every run, the summaries, the choices each family made)',
      'compare.json',
    )
    .option('--plot <file.svg>', 'the R^2-PZ trade-off, one line per family, as SVG', 'compare.svg')
    .option('--json', 'print the results as JSON instead of the tables', false);
  shared(cmd, 'samples', {
    detail: '(each run is scored on this many, spread evenly over the held-out split)',
    default: '500',
  });
  shared(cmd, 'steps', { detail: 'of the iterative families' });
  shared(cmd, 'weightBits', { detail: 'of the integer check' });
  shared(cmd, 'workers', { detail: '(jobs run in parallel, one core each; 0: in this thread)' });
  cmd.addHelpText(
    'after',
    `\nFamilies and their sweeps:\n${FAMILIES.map((f) => wrap(`${f.name} (${f.label}): ${f.knob.name} ${f.knob.values.patches.join(', ')} (patches), ${f.knob.values.mnist.join(', ')} (mnist): ${f.knob.doc}`, 2)).join('\n')}\n\nColumns:\n${[...COMPARE_NOTES, ...SWEEP_NOTES].join('\n')}\n\nA run takes about budget x families x seeds / workers minutes, plus scoring.`,
  );
  cmd.action(async (o) => {
    if (o.data === undefined) throw new UserError('--data is required: patches or mnist');
    const data = oneOf('--data', o.data, ['patches', 'mnist'] as const);
    let budget = parseFloatOpt('--budget', o.budget, 0.01, 10000);
    const nSeeds = parseIntOpt('--seeds', o.seeds, 1, 100);
    const families = o.families
      ? String(o.families)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
    for (const f of families ?? [])
      if (!FAMILY_NAMES.includes(f))
        throw new UserError(`--families: no family "${f}" (known: ${FAMILY_NAMES.join(', ')})`);
    const ood = o.ood
      ? String(o.ood)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
    if (data === 'patches' && cmd.getOptionValueSource('probeInputs') === 'cli')
      throw new UserError('--probe-inputs: the linear probe needs labels: use it with --data mnist');
    const D = loadData(data, 'test', 1).D;
    for (const name of ood ?? [])
      if (loadData(name, 'test', 1).D !== D)
        throw new UserError(`--ood: ${name} does not have the ${D} pixels per input of ${data}`);
    const workers = parseIntOpt('--workers', o.workers, 0, 64);
    checkWritable(o.out);
    checkPlotPath(o.plot);
    let replay: CompareResult | undefined;
    if (o.replay) {
      let text: string;
      try {
        text = readFileSync(o.replay, 'utf8');
      } catch {
        throw new UserError(`${o.replay}: cannot read the compare file`);
      }
      replay = readCompare(text, o.replay);
      // a replay repeats the file's counts: its budget is the one that chose them
      if (cmd.getOptionValueSource('budget') !== 'cli') budget = replay.budgetMinutes;
    }
    const evalInputs = parseSamples(o.samples, loadData(data, 'test').N);
    const seeds = Array.from({ length: nSeeds }, (_, i) => i);
    const tty = process.stderr.isTTY;
    const status = new Map<string, string>();
    const r = await compare({
      data,
      budgetMinutes: budget,
      seeds,
      families,
      K: parseIntOpt('--latents', o.latents, 1, 1 << 14),
      evalInputs,
      steps: parseIntOpt('--steps', o.steps, 1, 1 << 20),
      workers,
      ood,
      oodInputs: parseIntOpt('--ood-samples', o.oodSamples, 1),
      probeInputs: data === 'mnist' ? parseIntOpt('--probe-inputs', o.probeInputs, 0, loadData('mnist', 'train').N) : 0,
      integerBits: o.integer === false ? 0 : parseIntOpt('--weight-bits', o.weightBits, 2, 16),
      replay,
      onEvent(e) {
        if (e.kind === 'start')
          console.error(
            `compare: ${e.jobs} training runs on ${data}, ${budget} min per family and seed, ${Math.max(1, workers)} at a time: about ${Math.ceil(((families?.length ?? FAMILIES.length) * nSeeds * budget) / Math.max(1, workers))} min of training, then scoring` +
              (replay ? ` (the counts of ${o.replay} repeated)` : ''),
          );
        else if (e.kind === 'progress') {
          status.set(e.job, `${e.job} ${Math.round(e.fraction * 100)}%`);
          if (tty) process.stderr.write(`\r${[...status.values()].join(' | ')}\x1b[K`);
        } else {
          status.delete(e.job);
          if (tty) process.stderr.write('\r\x1b[K');
          console.error(`[${e.done}/${e.jobs}] ${e.line}`);
        }
      },
    });
    writeFileAtomic(o.out, compareJson(r));
    writeFileAtomic(o.plot, tradeOffSvg(r));
    if (o.json) {
      console.log(compareJson(r));
      return;
    }
    console.log(compareTables(r));
    console.log(COMPARE_NOTES.join('\n'));
    console.log('');
    console.log(sweepTable(r));
    console.log(SWEEP_NOTES.join('\n'));
    console.log(`wrote ${o.out} and ${o.plot} (${(r.seconds / 60).toFixed(1)} min)`);
  });
}
