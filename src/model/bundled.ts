/**
 * The trained models shipped with the package (models/, trained by the commands in models/README.md), by name:
 * `--model patches-k512` and `loadModel('patches-k512')` find them from any directory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

export interface BundledModel {
  /** What --model and loadModel accept (the file name without .safetensors also works with it). */
  name: string;
  /** The data set it was trained on. */
  data: 'patches' | 'mnist';
  D: number;
  K: number;
  /**
   * Measured on every held-out input (1,000 hard-Poisson steps, seed 0) with `ipvae infer --model NAME --data
   * DATA`: R^2 of the reconstruction from the spike counts, of the rates (r2_map), the fraction of silent latents
   * (PZ), and the distance to the ideal corner (d).
   */
  heldOut: { inputs: number; r2: number; r2Map: number; pz: number; d: number };
}

const freezeModel = (m: BundledModel): BundledModel => Object.freeze({ ...m, heldOut: Object.freeze(m.heldOut) });

const MODELS: BundledModel[] = [
  {
    name: 'patches-k512',
    data: 'patches',
    D: 256,
    K: 512,
    heldOut: { inputs: 4312, r2: 0.826, r2Map: 0.885, pz: 0.868, d: 0.218 },
  },
  {
    name: 'mnist-k512',
    data: 'mnist',
    D: 784,
    K: 512,
    heldOut: { inputs: 2004, r2: 0.904, r2Map: 0.943, pz: 0.849, d: 0.179 },
  },
];

/** The shipped models (frozen: a caller cannot change what --model NAME and loadModel(NAME) find). */
export const BUNDLED_MODELS: readonly BundledModel[] = Object.freeze(MODELS.map(freezeModel));

/** The packaged file of a bundled model. */
export function bundledModelPath(m: BundledModel): string {
  return join(packageRoot(), 'models', `${m.name}.safetensors`);
}

/** The bundled model a --model value names (NAME or NAME.safetensors, no folder), if any. */
export function bundledModel(spec: string): BundledModel | undefined {
  const name = spec.endsWith('.safetensors') ? spec.slice(0, -'.safetensors'.length) : spec;
  return BUNDLED_MODELS.find((m) => m.name === name);
}

/**
 * Where a --model value points: an existing file as given; otherwise a bundled model's packaged file when the
 * value names one; otherwise the value unchanged (reading it then fails, naming it).
 */
export function resolveModelPath(spec: string): string {
  if (existsSync(spec)) return spec;
  const m = bundledModel(spec);
  return m ? bundledModelPath(m) : spec;
}
