/**
 * One vocabulary for the command line. An option that means the same thing in several commands is declared once
 * here (its flags, meaning and default) and added with `shared(cmd, name)`; a command may qualify the meaning
 * with its mode ("with --data: ..."), never change it. Options that apply only in some modes of a command are
 * declared with `modes(cmd, [...])`: given in another mode they are an error, never silently ignored. Old
 * spellings are kept as hidden aliases (`alias(cmd, old, new)`) that print one deprecation line.
 * test/cli-vocabulary.test.ts walks every command and checks all three.
 */
import { DATA_NAMES } from '../data/datasets.js';
import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { UserError } from '../errors.js';
import { parseIntOpt } from './common.js';
import { DEFAULTS } from '../defaults.js';

/** Worker threads by default: the machine's cores, at most 8. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export interface SharedOption {
  flags: string;
  doc: string;
  default?: string;
}

export const SHARED = {
  samples: {
    flags: '--samples <n>',
    doc: 'inputs to run from the held-out split: a number, or all',
    default: '100',
  },
  steps: { flags: '--steps <n>', doc: 'inference steps per input', default: String(DEFAULTS.steps) },
  seed: {
    flags: '--seed <n>',
    doc: 'seed of every random draw (the counter-based generator)',
    default: String(DEFAULTS.seed),
  },
  workers: {
    flags: '--workers <n>',
    doc: 'worker threads (the results are identical for any number)',
    default: String(defaultWorkers()),
  },
  backend: {
    flags: '--backend <kind>',
    doc: 'wasm (WebAssembly) or js (the readable reference): the same bytes',
    default: DEFAULTS.backend,
  },
  engine: {
    flags: '--engine <kind>',
    doc: 'event (push: synaptic work only for neurons that fired) or clock (pull, the reference): the same bytes',
    default: DEFAULTS.engine,
  },
  rows: { flags: '--rows <n>', doc: 'table rows to print: a number, or all (--json prints every row)', default: '20' },
  weightBits: {
    flags: '--weight-bits <n>',
    doc: 'weight width in bits (signed)',
    default: String(DEFAULTS.weightBits),
  },
  weightBitsList: {
    flags: '--weight-bits <list>',
    doc: 'weight widths in bits (signed) to compare, comma-separated',
    default: '4,6,8,10,12,16',
  },
  profile: {
    flags: '--profile <name|file>',
    doc: 'chip profile: a shipped one (ipvae profiles lists them) or a profile .json',
    default: DEFAULTS.profile,
  },
  population: {
    flags: '--population <name>',
    doc: 'the population a --drive array of rows feeds (default: the first non-input population)',
  },
  drive: {
    flags: '--drive <file>',
    doc: 'per-step rows instead of data: a JSON array of rows for --population, {population: rows}, or .npy (docs/formats/network.md)',
  },
  dt: { flags: '--dt <seconds>', doc: "the time step (default: the NIR graph's metadata dt)" },
  spikes: {
    flags: '--spikes <kind>',
    doc: "held (a spike is 1 for one step: snnTorch's and Norse's convention) or dirac (NIR's pulse of integral 1); default: what the file states, else held",
  },
  exponent: {
    flags: '--exponent <mode>',
    doc: 'one weight exponent per projection (shared) or per target neuron (per-row)',
    default: DEFAULTS.exponent,
  },
  targetR2: {
    flags: '--target-r2 <x>',
    doc: 'iP-VAE on data: the first step where R^2 (mean over inputs) reaches x',
  },
  requirePrices: {
    flags: '--require-prices',
    doc: 'refuse (exit 2) a profile that leaves an event this mapping uses unpriced',
  },
} as const satisfies Record<string, SharedOption>;

export type SharedName = keyof typeof SHARED;

/** The declarations of shared options and modes, by command (read by the vocabulary test). */
const declared = new WeakMap<Command, { shared: Map<string, SharedName>; modes: ModeRule[] }>();

function decl(cmd: Command) {
  let d = declared.get(cmd);
  if (!d) declared.set(cmd, (d = { shared: new Map(), modes: [] }));
  return d;
}

/**
 * Add a shared option. `mode` qualifies where it applies ("with --data"); `doc` appends a command's detail;
 * `default` is allowed only where the vocabulary test's exception list says why.
 */
export function shared(
  cmd: Command,
  name: SharedName,
  o: { mode?: string; detail?: string; default?: string | null } = {},
): Command {
  const s: SharedOption = SHARED[name];
  const doc = (o.mode ? `${o.mode}: ` : '') + s.doc + (o.detail ? ` ${o.detail}` : '');
  const def = o.default === null ? undefined : (o.default ?? s.default);
  const opt = new Option(s.flags, doc);
  if (def !== undefined) opt.default(def);
  cmd.addOption(opt);
  decl(cmd).shared.set(opt.attributeName(), name);
  return cmd;
}

export function sharedOf(cmd: Command): ReadonlyMap<string, SharedName> {
  return declared.get(cmd)?.shared ?? new Map();
}

/** --samples as a count: a positive integer, or "all" (the whole split, `all` inputs). */
export function parseSamples(v: string, all: number): number {
  if (String(v).trim() === 'all') return all;
  return Math.min(parseIntOpt('--samples', String(v), 1), all);
}

/** --rows as a count: a non-negative integer, or "all". */
export function parseRows(v: string): number {
  return String(v).trim() === 'all' ? Number.MAX_SAFE_INTEGER : parseIntOpt('--rows', String(v), 0);
}

/** Options that apply only in one mode of a command. */
export interface ModeRule {
  /** How the mode is named in the error: "with --drive", "with --init sparse". */
  mode: string;
  /** Whether the command runs in this mode, from its parsed options and positional arguments. */
  active: (o: Record<string, unknown>, args: readonly string[]) => boolean;
  /** Attribute names (camelCase) of the options that apply only in this mode. */
  only: string[];
  /** Arguments that run the command in another mode (for the test that tries each option there). */
  elsewhere: string[];
}

/** The command-line spelling of an option's attribute name: sparseIters -> --sparse-iters. */
export const flagOf = (attr: string) => `--${attr.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;

/** Declare a command's modes: an option of one mode given in another is one error line, exit 2. */
export function modes(cmd: Command, rules: ModeRule[]): Command {
  decl(cmd).modes.push(...rules);
  cmd.hook('preAction', (c) => {
    const o = c.opts();
    for (const r of rules) {
      if (r.active(o, c.args)) continue;
      const bad = r.only.filter((k) => c.getOptionValueSource(k) === 'cli');
      if (bad.length)
        throw new UserError(
          `${c.name()}: ${bad.map(flagOf).join(', ')} ${bad.length === 1 ? 'applies' : 'apply'} only ${r.mode}`,
        );
    }
  });
  return cmd;
}

export function modesOf(cmd: Command): readonly ModeRule[] {
  return declared.get(cmd)?.modes ?? [];
}

/**
 * A hidden old spelling of an option: accepted, with one line on stderr (`ipvae: --k is deprecated; use
 * --latents`), and its value passed on to the new option.
 */
export function alias(cmd: Command, oldFlags: string, newAttr: string): Command {
  const opt = new Option(oldFlags).hideHelp();
  cmd.addOption(opt);
  const oldAttr = opt.attributeName();
  cmd.hook('preAction', (c) => {
    const v = c.getOptionValue(oldAttr);
    if (v === undefined) return;
    if (c.getOptionValueSource(newAttr) === 'cli')
      throw new UserError(`${c.name()}: give ${flagOf(newAttr)} or its old spelling ${opt.long}, not both`);
    process.stderr.write(`ipvae: ${opt.long} is deprecated; use ${flagOf(newAttr)}\n`);
    c.setOptionValueWithSource(newAttr, v, 'cli');
  });
  return cmd;
}

/** --rows limits a printed table; --json prints every row. */
export const WITHOUT_JSON = (elsewhere: string[]): ModeRule => ({
  mode: 'without --json (--json prints every row)',
  active: (o) => !o.json,
  only: ['rows'],
  elsewhere: [...elsewhere, '--json'],
});

/** The options of a run priced on a mapped chip (energy, report): data or a drive, and the chip's prices. */
export function addPricedRunOptions(cmd: Command): Command {
  cmd.option('--data <name>', `${DATA_NAMES} (held-out split), for a network with one input population`);
  shared(cmd, 'drive');
  shared(cmd, 'population', { mode: 'with --drive' });
  shared(cmd, 'profile', { default: null, detail: "for the prices (default: the deployment's profile)" });
  shared(cmd, 'samples', { mode: 'with --data' });
  shared(cmd, 'steps', { mode: 'with --data' });
  shared(cmd, 'seed');
  shared(cmd, 'workers');
  shared(cmd, 'targetR2', { mode: 'with --data' });
  return shared(cmd, 'requirePrices');
}

/** Which of addPricedRunOptions' options apply with --data and which with --drive. */
export const PRICED_RUN_MODES = (required: string[]): ModeRule[] => [
  {
    mode: 'with --drive',
    active: (o) => o.drive !== undefined,
    only: ['population'],
    elsewhere: [...required, '--data', 'patches'],
  },
  {
    mode: 'without --drive (a --drive run has one input; its rows are the steps)',
    active: (o) => o.drive === undefined,
    only: ['data', 'samples', 'steps', 'targetR2'],
    elsewhere: [...required, '--drive', 'd.json'],
  },
];
