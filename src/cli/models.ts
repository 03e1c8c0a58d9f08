/** The bundled models: which one a command uses by default, and `ipvae models`. */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { BUNDLED_MODELS, bundledModelPath } from '../model/bundled.js';
import { packageRoot } from '../paths.js';
import { UserError } from '../errors.js';
import { table } from './common.js';

export interface ModelChoice {
  path: string;
  label: string;
  note: string;
}

/** The bundled model trained on a data set (models/README.md has the commands that trained it). */
export function bestModel(data: 'patches' | 'mnist'): ModelChoice {
  const m = BUNDLED_MODELS.find((b) => b.data === data);
  const path = m && bundledModelPath(m);
  if (!m || !path || !existsSync(path)) throw new UserError(`no bundled model for ${data} (looked in models/)`);
  const label = relative(packageRoot(), path);
  return { path, label, note: `${label}: trained iP-VAE, K=${m.K} (models/README.md)` };
}

/** --model's help: a file, or a bundled model by name. */
export function modelHelp(what: string): string {
  return `${what}: a .safetensors file, or a bundled model by name (${BUNDLED_MODELS.map((m) => m.name).join(', ')}; ipvae models)`;
}

export function addModelsCommand(program: Command): void {
  program
    .command('models')
    .description(
      'list the bundled models: the name --model takes (from any directory), the data, and their held-out quality',
    )
    .option('--json', 'print [{name, data, d_in, k, held_out: {inputs, r2, r2_map, pz, d}, path}]', false)
    .action((o) => {
      if (o.json) {
        console.log(
          JSON.stringify(
            BUNDLED_MODELS.map((m) => ({
              name: m.name,
              data: m.data,
              d_in: m.D,
              k: m.K,
              held_out: {
                inputs: m.heldOut.inputs,
                r2: m.heldOut.r2,
                r2_map: m.heldOut.r2Map,
                pz: m.heldOut.pz,
                d: m.heldOut.d,
              },
              path: bundledModelPath(m),
            })),
          ),
        );
        return;
      }
      console.log(
        table(
          ['name', 'data', 'D', 'K', 'held-out inputs', 'R^2', 'r2_map', 'PZ', 'd'],
          BUNDLED_MODELS.map((m) => [
            m.name,
            m.data,
            m.D,
            m.K,
            m.heldOut.inputs,
            m.heldOut.r2.toFixed(3),
            m.heldOut.r2Map.toFixed(3),
            m.heldOut.pz.toFixed(3),
            m.heldOut.d.toFixed(3),
          ]),
        ),
      );
      console.log('');
      console.log(
        'R^2: of the reconstruction from the spike counts at t = 1000 (hard Poisson, seed 0); r2_map: from the',
      );
      console.log('rates exp(u); PZ: fraction of latents silent; d: distance to the ideal corner (R^2 = PZ = 1).');
      console.log(
        `use: ipvae infer --model ${BUNDLED_MODELS[0].name} --data ${BUNDLED_MODELS[0].data}; the files are in ${dirname(bundledModelPath(BUNDLED_MODELS[0]))}`,
      );
    });
}
