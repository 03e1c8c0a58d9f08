/**
 * The defaults the library and the command line share: a library call that leaves an option out gets the value
 * the CLI's shared option of the same name defaults to (src/cli/options.ts reads them from here), so
 * `evaluate(model, X, n)` is `ipvae infer` without options, `runNetwork(net, inputs)` is `ipvae simulate`,
 * `mapNetwork(net)` is `ipvae map`. test/library-defaults.test.ts checks every exported function against them.
 */
export const DEFAULTS = Object.freeze({
  /** Inference steps per input (--steps). */
  steps: 1000,
  /** Seed of every random draw (--seed). */
  seed: 0,
  /** Signed weight width in bits (--weight-bits). */
  weightBits: 8,
  /** One weight exponent per projection (--exponent). */
  exponent: 'shared' as const,
  /** Chip profile (--profile). */
  profile: 'loihi2',
  /** Simulator engine (--engine). */
  engine: 'event' as const,
  /** Where the loops run (--backend). */
  backend: 'wasm' as const,
  /** Upper soft clamp c of inference (--clamp). */
  clamp: 10,
  /** How a graded count travels on a binary-spike chip (--graded). */
  graded: 'spikes' as const,
});

/**
 * `given` over `defaults`, field by field; a field given as undefined keeps its default (so `{steps: undefined}`
 * is the same as leaving steps out, as an omitted command-line option is).
 */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  if (given)
    for (const [k, v] of Object.entries(given) as [keyof T, T[keyof T] | undefined][]) if (v !== undefined) out[k] = v;
  return out;
}
