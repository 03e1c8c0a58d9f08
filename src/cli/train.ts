/** ipvae train: BPTT training of the iP-VAE with checkpoints, resume, a learning-curve log and Ctrl-C safety. */
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadData, DATA_NAMES } from '../data/datasets.js';
import { Trainer, DEFAULT_TRAIN, readTrainLog, readTrainState, type TrainOptions } from '../train/trainer.js';
import { sparseInit, DEFAULT_SPARSE, type SparseInitOptions } from '../train/sparse-init.js';
import { evaluate } from '../model/evaluate.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadModel, parseSafetensors } from '../io/safetensors.js';
import { UserError } from '../errors.js';
import type { IpVaeParams } from '../model/params.js';
import { fmt, oneOf, parseFloatOpt, parseIntOpt, wrap } from './common.js';
import { RECIPES, RECIPE_NAMES, autoRecipe, recipe } from '../train/recipes.js';
import { alias, flagOf, modes, shared } from './options.js';

/** Below this held-out R^2 at t = 1000 a finished run warns that the model has not learned. */
const LOW_R2 = 0.1;

/** With --time-budget, the sparse-coding start's dictionary learning takes at most this share of the budget. */
const SPARSE_SHARE = 0.5;

/** Values of the options a recipe may set, for those the chosen recipe and the command line leave open. */
const BASE: Readonly<Record<string, string>> = {
  init: 'authors',
  tTrain: '16',
  batch: String(DEFAULT_TRAIN.batch),
  lr: String(DEFAULT_TRAIN.lr),
  sparseIters: String(DEFAULT_SPARSE.iters),
  sparseLr: String(DEFAULT_SPARSE.lr),
  sparsePenalty: String(DEFAULT_SPARSE.penalty),
  sparseScale: String(DEFAULT_SPARSE.scale),
  sparseU0: 'authors',
  sparseEtas: DEFAULT_SPARSE.etas.join(','),
};

const flags = (o: Readonly<Record<string, string>>): string =>
  Object.entries(o)
    .map(([k, v]) => `${flagOf(k)} ${v}`)
    .join(' ');

function recipeHelp(): string {
  return [
    '',
    'Recipes (--recipe); an option given on the command line overrides its recipe value:',
    ...RECIPES.flatMap((r) => [wrap(`${r.name}: ${r.summary}`, 2), wrap(flags(r.options), 6)]),
    wrap(`Options the recipe leaves open: ${flags(BASE)}.`, 2),
    wrap(
      'With --time-budget the whole command fits the budget: the sparse-coding start (about 2 minutes on a ' +
        '2-core machine), training, and the final evaluation at t = 1000 on 100 held-out inputs.',
      2,
    ),
    '',
  ].join('\n');
}

/** The initialisation a run will use: --init, else none with --init-from, else its recipe's. */
function initOf(o: Record<string, unknown>): string {
  if (typeof o.init === 'string') return o.init;
  if (o.initFrom !== undefined) return 'authors';
  const r = o.recipe === 'auto' ? autoRecipe(String(o.data)) : RECIPES.find((x) => x.name === o.recipe);
  return r?.options.init ?? BASE.init;
}

export function addTrainCommand(program: Command, version: string): void {
  program
    .command('train')
    .description('train the iP-VAE by backpropagation through the inference dynamics (README: Training)')
    .requiredOption('--data <name>', `${DATA_NAMES} (the train split)`)
    .requiredOption('--out <file>', "output checkpoint (.safetensors; the authors' names plus optimiser state)")
    .option(
      '--recipe <name>',
      `auto, ${RECIPE_NAMES.join(', ')}: the values of every option below not given on the command line ` +
        '(auto: patches for --data patches, mnist otherwise; see the list at the end)',
      'auto',
    )
    .option('--latents <K>', 'number of latents', '512')
    .option('--t-train <T>', "inference steps unrolled per input (default: the recipe's)")
    .option('--beta <b>', 'KL weight', '24')
    .option('--epochs <E>', 'passes over the training set', '10')
    .option('--iterations <N>', 'optimiser steps (overrides --epochs)')
    .option(
      '--time-budget <min>',
      'fit the schedule into this many minutes: times 3 iterations, then sets --iterations',
    )
    .option('--batch <n>', "mini-batch size (default: the recipe's)")
    .option('--lr <x>', "peak learning rate (default: the recipe's)")
    .option('--clip <x>', 'gradient-norm clip (x3 during warm-up)', String(DEFAULT_TRAIN.clip))
    .option(
      '--init <kind>',
      'authors (Phi ~ N(0, 1e-4^2)), data (random training inputs as atoms) or sparse ' +
        "(non-negative sparse coding, then eta calibration; see --sparse-*); default: the recipe's",
    )
    .option('--sparse-iters <n>', '--init sparse: dictionary mini-batch updates')
    .option('--sparse-lr <x>', '--init sparse: peak dictionary step (cosine-decayed to 0)')
    .option('--sparse-penalty <x>', '--init sparse: L1 penalty with unit-norm atoms (b = scale x penalty)')
    .option('--sparse-scale <x>', '--init sparse: atom norm (smaller: more spikes, less Poisson noise)')
    .option(
      '--sparse-u0 <x>',
      '--init sparse: initial membrane of every neuron, or "authors" for U(-6, -4); 0 gives a dense first sweep',
    )
    .option(
      '--sparse-etas <list>',
      '--init sparse: candidate eta values, best distance to (R^2 1, PZ 1) on 100 training inputs wins',
    )
    .option(
      '--atom-norm <x>',
      'norm of every atom (a random training input) for --init data',
      String(DEFAULT_TRAIN.phiScale),
    )
    .option('--init-from <file>', "start from this model's parameters (e.g. a bundled model, to fine-tune it)")
    .option(
      '--n-exp-cap <n>',
      "upper bound on the relaxed sampler's terms (logged when it binds)",
      String(DEFAULT_TRAIN.nExpCap),
    )
    .option('--kl <form>', "code (the authors' coded KL) or exact", 'code')
    .option('--checkpoint-every <min>', 'minutes between checkpoints', '5')
    .option('--eval-every <n>', 'iterations between validation R^2 measurements', '50')
    .option(
      '--grad-form <f>',
      'auto, pixel or latent: where the batched gradient is computed (same mathematics, ' +
        'float32 rounding differs; auto = latent when D > K, the faster there)',
      'auto',
    )
    .option('--resume', 'continue from --out (same data, shape and schedule)', false)
    .option('--stop-after <n>', 'stop as Ctrl-C would after n iterations of this run (checkpoint, exit 130)')
    .option('--quiet', 'no progress line', false)
    .addHelpText('after', recipeHelp);
  const tc = program.commands[program.commands.length - 1];
  shared(tc, 'seed', { detail: '(initialisation, shuffling, samples)' });
  shared(tc, 'workers', { detail: 'for the gradient: 1 or 2', default: '2' });
  alias(tc, '--phi-scale <x>', 'atomNorm');
  const base = ['--data', 'patches', '--out', 'm.safetensors'];
  const sparse = Object.keys(BASE).filter((k) => k.startsWith('sparse'));
  modes(tc, [
    {
      mode: "with --init sparse (the recipe's initialisation for --recipe patches and mnist)",
      active: (o) => initOf(o) === 'sparse',
      only: sparse,
      elsewhere: [...base, '--recipe', 'authors'],
    },
    {
      mode: 'with --init data',
      active: (o) => initOf(o) === 'data',
      only: ['atomNorm'],
      elsewhere: [...base, '--init', 'authors'],
    },
    {
      mode: 'without --resume (a resumed run continues its checkpoint and its iteration count)',
      active: (o) => !o.resume,
      only: ['timeBudget'],
      elsewhere: [...base, '--resume'],
    },
    {
      mode: 'without --iterations and --time-budget (they set the length)',
      active: (o) => o.iterations === undefined && o.timeBudget === undefined,
      only: ['epochs'],
      elsewhere: [...base, '--iterations', '10'],
    },
    {
      mode: 'without --time-budget (it sets the iterations)',
      active: (o) => o.timeBudget === undefined,
      only: ['iterations'],
      elsewhere: [...base, '--time-budget', '1'],
    },
  ]);
  tc.action(async (o, cmd: Command) => {
    const rname = oneOf('--recipe', o.recipe, ['auto', ...RECIPE_NAMES]);
    const rec = rname === 'auto' ? autoRecipe(o.data) : recipe(rname);
    const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
    // a model to start from replaces the recipe's initialisation (unless --init is given: then both are refused)
    const skip = new Set(
      o.initFrom !== undefined ? ['init', ...Object.keys(rec.options).filter((k) => k.startsWith('sparse'))] : [],
    );
    for (const [k, v] of Object.entries(rec.options)) if (!given(k) && !skip.has(k)) o[k] = v;
    for (const [k, v] of Object.entries(BASE)) o[k] ??= v;
    const data = loadData(o.data, 'train');
    const val = o.data.startsWith('idx:') ? data : loadData(o.data, 'test');
    const opts: TrainOptions = {
      ...DEFAULT_TRAIN,
      K: parseIntOpt('--latents', o.latents, 1, 1 << 14),
      tTrain: parseIntOpt('--t-train', o.tTrain, 1, 1024),
      beta: parseFloatOpt('--beta', o.beta, 0),
      epochs: parseIntOpt('--epochs', o.epochs, 1),
      batch: parseIntOpt('--batch', o.batch, 1),
      lr: parseFloatOpt('--lr', o.lr, 0),
      clip: parseFloatOpt('--clip', o.clip, 0),
      seed: parseIntOpt('--seed', o.seed, 0, 0xffffffff),
      init: oneOf('--init', o.init, ['authors', 'data', 'sparse'] as const),
      phiScale: parseFloatOpt('--atom-norm', o.atomNorm, 0),
      nExpCap: parseIntOpt('--n-exp-cap', o.nExpCap, 1, 2048),
      klForm: oneOf('--kl', o.kl, ['code', 'exact'] as const),
      workers: parseIntOpt('--workers', o.workers, 1, 2),
      gradForm: oneOf('--grad-form', o.gradForm, ['auto', 'pixel', 'latent'] as const),
    };
    if (o.iterations !== undefined) opts.iterations = parseIntOpt('--iterations', o.iterations, 1);
    const out: string = o.out;
    let resume: Uint8Array | undefined;
    if (o.resume) {
      if (!existsSync(out)) throw new UserError(`${out}: --resume needs an existing checkpoint`);
      resume = readFileSync(out);
      const st = readTrainState(parseSafetensors(resume, out).metadata, out);
      if (st.options.iterations !== undefined && opts.iterations === undefined) opts.iterations = st.options.iterations;
    }
    const tStart = performance.now();
    if (o.initFrom && opts.init === 'sparse') throw new UserError('--init sparse and --init-from exclude each other');
    let start: IpVaeParams | undefined = o.initFrom && !resume ? loadModel(o.initFrom) : undefined;
    let initMeta: Record<string, string> = {};
    if (resume) {
      const m = parseSafetensors(resume, out).metadata;
      if (m.ipvae_init) initMeta = { ipvae_init: m.ipvae_init };
    }
    if (opts.init === 'sparse' && !resume) {
      const so: SparseInitOptions = {
        ...DEFAULT_SPARSE,
        K: opts.K,
        seed: opts.seed,
        workers: opts.workers,
        iters: parseIntOpt('--sparse-iters', o.sparseIters, 1),
        lr: parseFloatOpt('--sparse-lr', o.sparseLr, 0),
        penalty: parseFloatOpt('--sparse-penalty', o.sparsePenalty, 0),
        scale: parseFloatOpt('--sparse-scale', o.sparseScale, 1e-6),
        u0: o.sparseU0 === 'authors' ? undefined : parseFloatOpt('--sparse-u0', o.sparseU0, -8, 10),
        etas: String(o.sparseEtas)
          .split(',')
          .map((v, j) => parseFloatOpt(`--sparse-etas[${j}]`, v, 1e-9)),
      };
      // with a time budget the dictionary learning gets at most this share of it (calibration, training and
      // the final evaluation need the rest)
      if (o.timeBudget !== undefined)
        so.budgetMs = SPARSE_SHARE * parseFloatOpt('--time-budget', o.timeBudget, 0.1) * 60000;
      const r = await sparseInit(data.X, data.N, data.D, so, (p) => {
        if (!o.quiet && (p.iteration % 25 === 0 || p.iteration === p.iterations)) {
          console.error(
            `sparse init ${p.iteration}/${p.iterations}: code R2 ${p.r2.toFixed(3)}, zeros ${p.zeros.toFixed(3)}`,
          );
        }
      });
      if (!o.quiet) {
        for (const c of r.calibration)
          console.error(`sparse init: eta ${c.eta}: R2 ${c.r2.toFixed(3)} PZ ${c.pz.toFixed(3)} d ${c.d.toFixed(3)}`);
        console.error(`sparse init: eta ${r.eta} (${((performance.now() - tStart) / 1000).toFixed(0)} s)`);
        if (r.iterations < so.iters)
          console.error(
            `sparse init: ${r.iterations} of ${so.iters} mini-batches fit ${Math.round(so.budgetMs! / 1000)} s, ${SPARSE_SHARE * 100}% of the time budget (--sparse-iters ${r.iterations} reproduces it)`,
          );
      }
      start = r.params;
      so.iters = r.iterations;
      const { workers: _w, budgetMs: _b, ...rest } = so;
      initMeta = {
        ipvae_init: JSON.stringify({ kind: 'sparse', options: rest, eta: r.eta, calibration: r.calibration }),
      };
    }
    const evalEvery = parseIntOpt('--eval-every', o.evalEvery, 1);
    let deadline = Infinity, // --time-budget: training stops here even if the machine slowed down
      finalS = 0;
    if (o.timeBudget !== undefined && !resume) {
      const minutes = parseFloatOpt('--time-budget', o.timeBudget, 0.1);
      deadline = tStart + minutes * 60000;
      const probe = new Trainer(data.X, data.N, data.D, opts, undefined, start);
      await probe.step(); // the first iteration starts the workers and compiles: not timed
      let t0 = performance.now();
      for (let i = 0; i < 3; i++) await probe.step();
      const per = (performance.now() - t0) / 3000;
      // one validation evaluation, to charge its share to each iteration and to estimate the final one
      t0 = performance.now();
      await evaluate(probe.p, val.X, Math.min(100, val.N), {
        steps: opts.tTrain,
        seed: 1,
        workers: 1,
        record: [opts.tTrain],
      });
      const evalS = (performance.now() - t0) / 1000;
      await probe.close();
      finalS = evalS * (1000 / opts.tTrain) + 1;
      // the budget covers the initialisation, the probe and the final evaluation too
      const left = (deadline - performance.now()) / 1000 - finalS;
      const perIt = per + evalS / evalEvery;
      opts.iterations = Math.max(1, Math.floor(left / perIt));
      console.error(
        `time budget ${minutes} min (${(left / 60).toFixed(1)} left for training) at ${perIt.toFixed(2)} s per iteration: --iterations ${opts.iterations}`,
      );
    }
    const tr = new Trainer(data.X, data.N, data.D, opts, resume, start, out);
    const logPath = out.replace(/\.safetensors$/, '') + '.log.json';
    const log: Record<string, unknown>[] =
      resume && existsSync(logPath) ? readTrainLog(readFileSync(logPath, 'utf8'), logPath) : [];
    const save = () => {
      writeFileAtomic(out, tr.checkpoint({ ipvae: version, ...initMeta }));
      writeFileAtomic(logPath, JSON.stringify(log, null, 0));
    };
    let stop = false,
      overBudget = false;
    const onSig = () => {
      stop = true;
    };
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    const t0 = performance.now();
    let lastSave = performance.now(),
      lastR2 = NaN,
      lastPz = NaN;
    const everyMs = parseFloatOpt('--checkpoint-every', o.checkpointEvery, 0) * 60000;
    const startIter = tr.iteration;
    const stopAfter = o.stopAfter === undefined ? Infinity : parseIntOpt('--stop-after', o.stopAfter, 1);
    console.error(
      `training on ${data.N} ${o.data} inputs (D=${data.D}), K=${opts.K}, T=${opts.tTrain}, ${tr.totalIterations} iterations` +
        (startIter ? `, resuming at ${startIter}` : '') +
        `; val R2@${opts.tTrain}, PZ: on 100 held-out inputs at t = ${opts.tTrain} (the training horizon), every ${evalEvery} iterations`,
    );
    // "-" until the first evaluation
    const shown = (x: number) => (Number.isFinite(x) ? fmt(x) : '-');
    while (tr.iteration < tr.totalIterations && !stop) {
      await new Promise((r) => setImmediate(r)); // let Ctrl-C reach its handler
      const s = await tr.step();
      const entry: Record<string, unknown> = { ...s };
      if (tr.iteration % evalEvery === 0 || tr.iteration === tr.totalIterations) {
        const nv = Math.min(100, val.N);
        const r = await evaluate(tr.p, val.X, nv, { steps: opts.tTrain, seed: 1, workers: 1, record: [opts.tTrain] });
        lastR2 = r.metrics[0].r2;
        lastPz = r.metrics[0].pz;
        entry.val_r2 = lastR2;
        entry.val_pz = lastPz;
      }
      log.push(entry);
      const el = (performance.now() - t0) / 1000,
        done = tr.iteration - startIter;
      const eta = (el / done) * (tr.totalIterations - tr.iteration);
      if (!o.quiet && process.stderr.isTTY) {
        process.stderr.write(
          `\r${tr.iteration}/${tr.totalIterations}  loss ${fmt(s.loss, 2)}  val R2@${opts.tTrain} ${shown(lastR2)}  PZ ${shown(lastPz)}  ` +
            `n_exp ${s.nExpMax}${s.nExpMax >= opts.nExpCap ? ' (capped)' : ''}  ${(el / done).toFixed(2)} s/it  ETA ${Math.round(eta)} s \x1b[K`,
        );
      } else if (!o.quiet && tr.iteration % evalEvery === 0) {
        console.error(
          `${tr.iteration}/${tr.totalIterations} loss ${fmt(s.loss, 2)} val R2@${opts.tTrain} ${shown(lastR2)} PZ ${shown(lastPz)} ${(el / done).toFixed(2)} s/it ETA ${Math.round(eta)} s`,
        );
      }
      if (performance.now() - lastSave > everyMs) {
        save();
        lastSave = performance.now();
      }
      if (tr.iteration - startIter >= stopAfter && tr.iteration < tr.totalIterations) stop = true;
      if (performance.now() + finalS * 1000 > deadline && tr.iteration < tr.totalIterations) {
        overBudget = true;
        break;
      }
    }
    save();
    await tr.close();
    if (!o.quiet && process.stderr.isTTY) process.stderr.write('\n');
    console.log(
      `${stop ? 'interrupted; ' : overBudget ? 'time budget reached; ' : ''}wrote ${out} at iteration ${tr.iteration}/${tr.totalIterations} and ${logPath}` +
        (stop || overBudget ? ` (continue with --resume)` : ''),
    );
    if (stop) process.exit(130);
    // the model as it will be used: 1,000 steps on held-out inputs
    const nv = Math.min(100, val.N);
    const fin = await evaluate(tr.p, val.X, nv, { steps: 1000, seed: 1, workers: 1, record: [1000] });
    const r2 = fin.metrics[0].r2;
    console.log(
      `held-out: R^2 ${fmt(r2)}, PZ ${fmt(fin.metrics[0].pz)} at t = 1000 (${nv} ${o.data} inputs not trained on)`,
    );
    if (!(r2 >= LOW_R2))
      console.error(
        `warning: held-out R^2 ${fmt(r2)} is below ${LOW_R2}: the model has not learned to reconstruct; likely cause: ` +
          (opts.init === 'sparse'
            ? `options changed from the recipe's (--lr, --sparse-*: ipvae train --help lists the recipes)`
            : `the ${opts.init === 'authors' ? "authors' initialisation" : 'data initialisation'} needs far more ` +
              `iterations than ${tr.iteration} (--recipe ${autoRecipe(o.data).name} trains in minutes)`),
      );
  });
}
