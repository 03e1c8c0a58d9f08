/** The ipvae command line. */
import { DATA_NAMES } from '../data/datasets.js';
import { Command, CommanderError } from 'commander';
import { UserError } from '../errors.js';
import { packageVersion } from '../paths.js';
import { addInferOptions, inferArgs, runInfer } from './infer.js';
import { initParams, parameterCount } from '../model/params.js';
import { saveModel } from '../io/safetensors.js';
import { parseFloatOpt, parseIntOpt } from './common.js';
import { addTrainCommand } from './train.js';
import { addAtomsCommand } from './atoms.js';
import { addNetCommands } from './net.js';
import { addMapCommands } from './map.js';
import { addNeuronsCommand } from './neurons.js';
import { addModelsCommand } from './models.js';
import { addEnergyCommand } from './energy.js';
import { addExportCommand } from './export.js';
import { addReportCommands } from './report.js';
import { addNirCommands } from './nir.js';
import { addCompareCommand } from './compare.js';
import { modelHelp } from './models.js';
import { alias, shared } from './options.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('ipvae')
    .description(
      'The iterative Poisson VAE (iP-VAE) run the way neuromorphic hardware would: float inference and training ' +
        '(patches, MNIST, IDX files), integer-only networks (quantize, simulate, validate; ipvae neurons lists the ' +
        'neuron models), chip mapping and cost (map, inspect, energy).',
    )
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)');

  addInferOptions(
    program
      .command('infer')
      .description(
        'run float iP-VAE inference and print the convergence table (R^2, r2_map, PZ, MSE, du_norm at t = 1, 2, 4, ..., T)',
      )
      .requiredOption('--model <file|name>', modelHelp("model checkpoint (the authors' state_dict names)"))
      .requiredOption('--data <name>', `${DATA_NAMES} (an IDX image file, e.g. Fashion-MNIST; .gz accepted)`),
  ).action(async (o) => {
    await runInfer(inferArgs(o, o.model, o.data));
  });

  const init = program
    .command('init')
    .description(
      "write a randomly initialised model (the authors' initialisation: Phi ~ N(0, scale^2), u0 ~ U(-6, -4), log_bias -3, log_lr 0, s 0)",
    )
    .requiredOption('--d <D>', 'input dimension (256 for 16x16 patches, 784 for 28x28 images)')
    .option('--latents <K>', 'number of latents', '512');
  shared(init, 'seed');
  alias(init, '--k <K>', 'latents');
  init
    .option('--phi-scale <x>', 'standard deviation of the initial Phi', '1e-4')
    .requiredOption('--out <file>', 'output .safetensors file')
    .action((o) => {
      const D = parseIntOpt('--d', o.d, 1, 1 << 20);
      const K = parseIntOpt('--latents', o.latents, 1, 1 << 16);
      const seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff);
      const scale = parseFloatOpt('--phi-scale', o.phiScale, 0);
      const p = initParams(D, K, seed, scale);
      saveModel(o.out, p, { ipvae: packageVersion(), init_seed: String(seed), phi_scale: String(scale) });
      console.log(
        `wrote ${o.out}: D=${D}, K=${K}, ${parameterCount(D, K).toLocaleString('en-US')} parameters, seed ${seed}`,
      );
    });
  addTrainCommand(program, packageVersion());
  addAtomsCommand(program);
  addNetCommands(program);
  addMapCommands(program);
  addNeuronsCommand(program);
  addModelsCommand(program);
  addEnergyCommand(program);
  addExportCommand(program);
  addReportCommands(program);
  addNirCommands(program);
  addCompareCommand(program);
  return program;
}

/**
 * An error message as one line: control characters (a newline in a name from a file, say) escaped, and at
 * most 600 characters, so a hostile file can neither forge extra lines nor flood the terminal.
 */
export function oneLine(msg: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const s = msg.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return s.length > 600 ? `${s.slice(0, 597)}...` : s;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') process.exit(0);
      process.exit(2);
    }
    if (e instanceof UserError) {
      process.stderr.write(`ipvae: ${oneLine(e.message)}\n`);
      process.exit(2);
    }
    throw e;
  }
}
