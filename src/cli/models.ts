/** The bundled models and which one a command uses by default. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { UserError } from '../errors.js';

export interface ModelChoice {
  path: string;
  label: string;
  note: string;
}

/** The bundled models (models/README.md has the commands that trained them). */
const CANDIDATES: Record<string, [string, string][]> = {
  patches: [['models/patches-k512.safetensors', 'trained iP-VAE, K=512 (models/README.md)']],
  mnist: [['models/mnist-k512.safetensors', 'trained iP-VAE, K=512 (models/README.md)']],
};

export function bestModel(data: 'patches' | 'mnist'): ModelChoice {
  for (const [rel, note] of CANDIDATES[data]) {
    const p = join(packageRoot(), rel);
    if (existsSync(p)) return { path: p, label: rel, note: `${rel}: ${note}` };
  }
  throw new UserError(`no bundled model for ${data} (looked for ${CANDIDATES[data].map((c) => c[0]).join(', ')})`);
}
