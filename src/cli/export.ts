/** ipvae export: a mapped network in another tool's format (sanafe: SANA-FE's architecture and SNN YAML). */
import type { Command } from 'commander';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFilesAtomic } from '../io/atomic.js';
import { readNetwork } from '../net/json.js';
import { readDeployment } from '../hardware/deploy.js';
import { deploymentProfile } from '../energy/analyze.js';
import { readInputDrive } from '../sim/drive-file.js';
import { sanafeExport } from '../export/sanafe.js';
import { UserError } from '../errors.js';
import { fmt, oneOf, parseIntOpt, progressBar, table } from './common.js';
import { nirFromIpVae, nirFromNetwork, nirPortable } from '../export/nir.js';
import { measurePortable, PORTABLE_DEFAULTS, skeletonOf } from '../model/portable.js';
import { evaluate } from '../model/evaluate.js';
import { loadData, DATA_NAMES } from '../data/datasets.js';
import type { IpVaeParams } from '../model/params.js';
import { positiveDt } from './nir.js';
import { loadModel } from '../io/safetensors.js';
import { writeNir } from '../nir/file.js';
import { modelHelp } from './models.js';
import { modes, parseSamples, shared } from './options.js';

const readFileSafe = (f: string): string => {
  try {
    return readFileSync(f, 'utf8').slice(0, 400);
  } catch {
    return '';
  }
};

/**
 * Write files into a folder, all or none (an earlier export there is replaced, any other folder refused).
 */
export function writeFolder(dir: string, files: Record<string, string>, mark: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UserError(`${dir}: exists and is not a folder`);
    const there = readdirSync(dir);
    // an earlier export may be replaced; any other folder with files in it is left alone
    const earlier = there.every((f) => f in files) && readFileSafe(join(dir, Object.keys(files)[0])).includes(mark);
    if (there.length && !earlier)
      throw new UserError(`${dir}: is a folder with other files in it; give a new folder (or an earlier export)`);
    for (const f of Object.keys(files))
      if (existsSync(join(dir, f)) && statSync(join(dir, f)).isDirectory())
        throw new UserError(`${join(dir, f)}: is a folder; cannot write the export there`);
  }
  writeFilesAtomic(
    Object.entries(files).map(([name, text]) => [join(dir, name), text]),
    `${dir}: cannot write the export`,
  );
}

export function addExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      "a network in another tool's format: nir writes a NIR graph (.nir) of an integer Network's LIF/IF/LI/threshold populations (ipvae import reads it back to the same Network), or of a float iP-VAE (--model: its skeleton, or with --portable a surrogate backends run); sanafe writes SANA-FE's architecture (the profile's mesh and prices) and SNN YAML (network, mapping, input spike trains) of a mapped network",
    )
    .requiredOption('--format <name>', 'nir (NIR 1.0.7 layout) or sanafe (SANA-FE v2.2.1-5, commit 8951ab07)')
    .option('--deploy <file>', 'sanafe: the deployment file (.pb from ipvae map)')
    .option('--net <file>', 'the integer network (.json; for sanafe the one that was mapped)')
    .option('--model <file|name>', modelHelp('nir: a float iP-VAE, written as its deterministic skeleton'))
    .option(
      '--portable [count]',
      `nir --model: write instead a surrogate NIR backends run (IF neurons, Affine, Linear): a spike per latent stands for COUNT Poisson counts (default ${PORTABLE_DEFAULTS.count}); average its output over a window`,
    )
    .option(
      '--data <name>',
      `nir --portable: measure the surrogate against the model on held-out data (${DATA_NAMES})`,
    );
  const x = program.commands[program.commands.length - 1];
  shared(x, 'dt', { mode: 'nir', detail: '(of an imported network; else 1e-4): the decays invert with it' });
  shared(x, 'samples', { mode: 'nir --portable --data' });
  shared(x, 'steps', { mode: 'nir --portable --data', detail: '(the surrogate is read over the last half)' });
  shared(x, 'drive', { mode: 'sanafe', detail: '; input spike trains (without it the inputs stay silent)' });
  shared(x, 'population', { mode: 'sanafe --drive' });
  shared(x, 'profile', { mode: 'sanafe', default: null, detail: "for the prices (default: the deployment's profile)" });
  x.option(
    '--allow-unpriced',
    'sanafe: write 0 for the events the profile does not price (SANA-FE needs a number for each; its totals then leave them out)',
    false,
  ).requiredOption(
    '--out <path>',
    'nir: the .nir file; sanafe: a new (or empty) folder, or an earlier export, for arch.yaml, snn.yaml and README.md',
  );
  modes(x, [
    {
      mode: 'with --format sanafe',
      active: (o) => o.format === 'sanafe',
      only: ['deploy', 'drive', 'population', 'profile', 'allowUnpriced'],
      elsewhere: ['--format', 'nir', '--net', 'n.json', '--out', 'o.nir'],
    },
    {
      mode: 'with --format nir',
      active: (o) => o.format === 'nir',
      only: ['dt', 'model', 'portable'],
      elsewhere: ['--format', 'sanafe', '--net', 'n.json', '--deploy', 'd.pb', '--out', 'dir'],
    },
    {
      mode: 'with --portable (they measure the surrogate)',
      active: (o) => o.portable !== undefined,
      only: ['data', 'samples', 'steps'],
      elsewhere: ['--format', 'nir', '--model', 'm.safetensors', '--out', 'o.nir'],
    },
  ]);
  x.action(async (o) => {
    const format = oneOf('--format', o.format, ['nir', 'sanafe'] as const);
    if (!!o.net === !!o.model)
      throw new UserError('export: give --net (an integer Network) or --model (a float iP-VAE)');
    if (o.portable !== undefined && !o.model) throw new UserError('export --portable: give --model (a float iP-VAE)');
    if (o.model) {
      if (format !== 'nir') throw new UserError('export --model: only --format nir');
      const dt = o.dt !== undefined ? positiveDt(o.dt) : 1e-4;
      const p = loadModel(o.model);
      if (o.portable === undefined) {
        await writeNir(o.out, nirFromIpVae(p, { dt }));
        console.log(
          `wrote ${o.out}: the iP-VAE's deterministic skeleton (Input -> Affine W_ff -> I u, Linear -W_rec fed back, Linear Phi -> Output); the Poisson sampler, u0 and the clamp are in its metadata (--portable writes a surrogate backends run)`,
        );
        return;
      }
      const count = o.portable === true ? PORTABLE_DEFAULTS.count : parseIntOpt('--portable', o.portable, 1, 2 ** 20);
      // measure first, so that a bad --data leaves no file behind
      if (o.data) await measureAndPrint(p, o.data, o, count);
      await writeNir(o.out, nirPortable(p, { dt, count }));
      console.log(
        `wrote ${o.out}: the iP-VAE's portable surrogate (Input -> Affine W_ff, -b -> IF z, Linear -${count} W_rec fed back, Linear ${count} Phi -> Output xhat): present x at every step and average xhat over a window`,
      );
      return;
    }
    const net = readNetwork(o.net);
    if (format === 'nir') {
      const m = net.meta as { dt?: unknown; discretisation?: unknown };
      const dt = o.dt !== undefined ? positiveDt(o.dt) : typeof m.dt === 'number' ? m.dt : 1e-4;
      const discretisation = m.discretisation === 'euler' ? 'euler' : 'zoh';
      const g = nirFromNetwork(net, o.net, { dt, discretisation });
      await writeNir(o.out, g);
      console.log(
        `wrote ${o.out}: ${g.nodes.size} NIR nodes, ${g.edges.length} edges, dt = ${dt} s (${discretisation}); ipvae import reads it back to the same Network`,
      );
      return;
    }
    if (!o.deploy) throw new UserError('export --format sanafe: give --deploy (the mapping to export)');
    const d = readDeployment(o.deploy);
    const profile = deploymentProfile(d, o.profile, o.deploy);
    const drives = o.drive ? readInputDrive(o.drive, net, o.population) : undefined;
    const x = sanafeExport(net, d, profile, drives, { net: o.net, deploy: o.deploy, drive: o.drive });
    if (x.notPriced.length && !o.allowUnpriced)
      throw new UserError(
        `${o.profile ?? d.profile.name}: does not price ${x.notPriced.join(', ')}; SANA-FE needs a number for each (--allow-unpriced writes 0 for them)`,
      );
    writeFolder(o.out, x.files, 'written by ipvae export --format sanafe');
    console.log(
      `wrote ${join(o.out, 'arch.yaml')}, snn.yaml and README.md: ${x.groups.map((g) => `${g.name} ${g.neurons}`).join(', ')} neurons (${x.inputCopies} input copies), ${x.edges} edges, ${x.steps} steps of input spikes` +
        (x.notPriced.length ? `; not priced (written as 0): ${x.notPriced.join(', ')}` : ''),
    );
    console.log(
      `run: sim -s -t simple -o OUT ${join(o.out, 'arch.yaml')} ${join(o.out, 'snn.yaml')} ${x.steps || 'STEPS'}`,
    );
  });
}

const whole = (x: number) => Math.round(x).toLocaleString('en-US');

/** The surrogate against the real model on held-out data: a table on stdout. */
async function measureAndPrint(
  p: IpVaeParams,
  dataName: string,
  o: { samples: string; steps: string },
  count: number,
): Promise<void> {
  const data = loadData(dataName, 'test');
  if (data.D !== p.D) throw new UserError(`--data ${dataName}: inputs have ${data.D} values, the model takes ${p.D}`);
  const N = parseSamples(o.samples, data.N);
  const T = parseIntOpt('--steps', o.steps, 2, 100000);
  const bar = progressBar('model');
  const rec = Array.from({ length: T }, (_, t) => t + 1);
  const real = await evaluate(p, data.X, N, {
    steps: T,
    seed: 0,
    record: rec,
    keepFinalU: true,
    workers: 2,
    onProgress: (d, n) => bar.update(d, n),
  });
  bar.end();
  const last = real.metrics[real.metrics.length - 1];
  const counts = real.metrics.reduce((a, m) => a + m.spikes, 0);
  const bar2 = progressBar('surrogate');
  const s = measurePortable(skeletonOf(p), data.X, N, T, { count }, real.finalU, (d, n) => bar2.update(d, n));
  bar2.end();
  console.log(
    `${N} held-out inputs of ${dataName}, ${T} steps each; the surrogate read over steps ${Math.floor(T / 2)}..${T - 1}`,
  );
  console.log(
    table(
      ['', 'R^2', 'zeros', 'events / inference'],
      [
        ['iP-VAE, Poisson counts at t = T (Phi z)', fmt(last.r2), fmt(last.pz), `${whole(counts)} counts`],
        ['iP-VAE, rates at t = T (Phi exp(u))', fmt(last.r2_map), '', ''],
        [
          `surrogate, count ${count}, rate-decoded`,
          fmt(s.r2),
          fmt(s.pz),
          `${whole(s.spikes)} spikes (${whole(s.spikes * count)} counts)`,
        ],
      ],
    ),
  );
  console.log(`surrogate vs the model's Phi exp(u_T): R^2 ${fmt(s.r2VsModel!)}, relative MSE ${fmt(s.relMseVsModel!)}`);
  console.log('R^2: of the reconstruction against the input (1 is perfect, 0 the mean input); zeros: share of the');
  console.log('latents that emitted nothing (PZ); events / inference: Poisson counts or surrogate spikes per input.');
}
