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
import { oneOf } from './common.js';
import { nirFromIpVae, nirFromNetwork } from '../export/nir.js';
import { positiveDt } from './nir.js';
import { loadModel } from '../io/safetensors.js';
import { writeNir } from '../nir/file.js';

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
      "a network in another tool's format: nir writes a NIR graph (.nir) of an integer Network's LIF/IF/LI populations (ipvae import reads it back to the same Network); sanafe writes SANA-FE's architecture (the profile's mesh and prices) and SNN YAML (network, mapping, input spike trains) of a mapped network",
    )
    .requiredOption('--format <name>', 'nir (NIR 1.0.7 layout) or sanafe (SANA-FE v2.2.1-5, commit 8951ab07)')
    .option('--deploy <file>', 'sanafe: the deployment file (.pb from ipvae map)')
    .option(
      '--dt <seconds>',
      "nir: the time step the decays invert with (default: the network's, from an import; else 1e-4)",
    )
    .option('--net <file>', 'the integer network (.json; for sanafe the one that was mapped)')
    .option('--model <file>', 'nir: a float iP-VAE (.safetensors), written as its deterministic skeleton')
    .option(
      '--drive <file>',
      'input spike trains, one row per step (as energy --drive); without it the inputs stay silent',
    )
    .option('--population <name>', 'the population a --drive array feeds (default: the first input population)')
    .option('--profile <name|file>', "the chip's prices (default: the deployment's profile)")
    .option(
      '--allow-unpriced',
      'write 0 for the events the profile does not price (SANA-FE needs a number for each; its totals then leave them out)',
      false,
    )
    .requiredOption(
      '--out <path>',
      'nir: the .nir file; sanafe: a new (or empty) folder, or an earlier export, for arch.yaml, snn.yaml and README.md',
    )
    .action(async (o) => {
      const format = oneOf('--format', o.format, ['nir', 'sanafe'] as const);
      if (!!o.net === !!o.model)
        throw new UserError('export: give --net (an integer Network) or --model (a float iP-VAE)');
      if (o.model) {
        if (format !== 'nir') throw new UserError('export --model: only --format nir');
        const dt = o.dt !== undefined ? positiveDt(o.dt) : 1e-4;
        const g = nirFromIpVae(loadModel(o.model), { dt });
        await writeNir(o.out, g);
        console.log(
          `wrote ${o.out}: the iP-VAE's deterministic skeleton (Input -> Affine W_ff -> I u, Linear -W_rec fed back, Linear Phi -> Output); the Poisson sampler, u0 and the clamp are in its metadata`,
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
