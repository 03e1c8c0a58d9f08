/**
 * Training recipes: named sets of `ipvae train` option values. A recipe fills in every option the command line
 * did not give, so `ipvae train --data mnist --out m.safetensors --time-budget 5` trains with the recipe that
 * works on a 2-core machine, and any option given explicitly still wins. Adding a recipe is adding an entry
 * here; the CLI's --help lists them from this table.
 *
 * The values are those of the bundled models (models/README.md), whose 20-minute runs reached held-out R^2
 * 0.826 (patches) and 0.904 (MNIST) at t = 1000: a non-negative sparse-coding start (its optimum is the fixed
 * point of iP-VAE inference), then BPTT through T = 64 steps with a small learning rate.
 */

export interface Recipe {
  name: string;
  /** One line for --help. */
  summary: string;
  /** Option values by commander attribute name (camelCase), as the command line would give them. */
  options: Readonly<Record<string, string>>;
}

export const RECIPES: readonly Recipe[] = [
  {
    name: 'patches',
    summary:
      'the bundled patches-k512 recipe: sparse-coding start (600 mini-batches, u0 = 0), then BPTT, T 64, batch 50, lr 2e-4',
    options: {
      init: 'sparse',
      sparseIters: '600',
      sparseLr: '0.5',
      sparsePenalty: '0.5',
      sparseScale: '0.2',
      sparseU0: '0',
      sparseEtas: '0.1,0.2,0.4',
      tTrain: '64',
      batch: '50',
      lr: '2e-4',
    },
  },
  {
    name: 'mnist',
    summary:
      "the bundled mnist-k512 recipe: sparse-coding start (600 mini-batches, the authors' u0), then BPTT, T 64, batch 50, lr 1e-5",
    options: {
      init: 'sparse',
      sparseIters: '600',
      sparseLr: '0.5',
      sparsePenalty: '0.05',
      sparseScale: '0.1',
      sparseEtas: '0.4',
      tTrain: '64',
      batch: '50',
      lr: '1e-5',
    },
  },
  {
    name: 'authors',
    summary:
      "the authors' recipe (Phi ~ N(0, 1e-4^2), T 16, batch 200, lr 5e-3): needs a GPU-sized budget, collapses in minutes here",
    options: { init: 'authors', tTrain: '16', batch: '200', lr: '5e-3' },
  },
];

export const RECIPE_NAMES = RECIPES.map((r) => r.name);

/** The recipe `auto` picks for a --data name: the patches recipe for patches, the MNIST one for images. */
export function autoRecipe(data: string): Recipe {
  return recipe(data === 'patches' ? 'patches' : 'mnist');
}

/** A recipe by name (throws for an unknown one; the CLI checks names first). */
export function recipe(name: string): Recipe {
  const r = RECIPES.find((x) => x.name === name);
  if (!r) throw new Error(`no training recipe "${name}" (${RECIPE_NAMES.join(', ')})`);
  return r;
}
