/**
 * The rates file (format "ipvae.rates", version 1): every neuron's mean spikes and events per step, measured by
 * the simulator (the rates probe) and read by the mapper to weigh spike traffic. One reader and one writer for
 * the CLI, the mapper and the examples.
 *   {format, version, net, data, samples, steps, seed, unit,
 *    rates: {population: {spikes: [per neuron], events: [per neuron]}}}
 * spikes: mean emitted count per emission (steps 0 .. T); events: the fraction of emissions that are nonzero
 * (messages); a graded non-spiking value counts as one spike.
 * The reader also takes {rates: {population: [per neuron]}} (one number per neuron, used for either kind).
 */
import type { Network } from '../net/network.js';
import { UserError } from '../errors.js';
import { keyName, parseJson, shown } from '../io/json-read.js';
import type { RatesResult } from './probes/rates.js';

export const RATES_FORMAT = 'ipvae.rates';
export const RATES_VERSION = 1;

/** Which rate weighs traffic: a binary-spike chip sends a count n as n spikes; a graded one sends one message. */
export type RateKind = 'spikes' | 'events';

/** The rate kind for a chip: the one place this choice is made. */
export function rateKind(gradedChip: boolean): RateKind {
  return gradedChip ? 'events' : 'spikes';
}

export interface RatesProvenance {
  net: string;
  data: string;
  seed: number;
}

/** The rates file's JSON text from a rates probe result (6 significant digits per value). */
export function writeRates(r: RatesResult, prov: RatesProvenance): string {
  const denom = r.inputs * (r.steps + 1); // emissions: step 0 and steps 1 .. T
  const per = (a: Float64Array) => Array.from(a, (x) => Number((x / denom).toPrecision(6)));
  return JSON.stringify({
    format: RATES_FORMAT,
    version: RATES_VERSION,
    net: prov.net,
    data: prov.data,
    samples: r.inputs,
    steps: r.steps,
    seed: prov.seed,
    unit: 'per neuron, per emission (steps 0 .. T): spikes = mean count, events = fraction of emissions with a nonzero value',
    rates: Object.fromEntries(
      Object.keys(r.spikes).map((k) => [k, { spikes: per(r.spikes[k]), events: per(r.events[k]) }]),
    ),
  });
}

/** The fields of a rates file (docs/formats/rates.md); the reader refuses any other. */
export const RATES_KEYS = ['format', 'version', 'net', 'data', 'samples', 'steps', 'seed', 'unit', 'rates'] as const;
/** The fields of a population's entry in its long form. */
export const RATE_KINDS = ['spikes', 'events'] as const;

/**
 * Per-population rates of the given kind from a rates file's text; any problem is one UserError naming the file
 * and the field. Both kinds of a {spikes, events} entry are checked, whichever is read, so a file a binary-spike
 * chip accepts is accepted for a graded one too.
 */
export function readRates(text: string, file: string, net: Network, kind: RateKind): Record<string, Float64Array> {
  const root = parseJson(text, file, 'cannot read a JSON rates file');
  const fail = (field: string, what: string): never => {
    throw new UserError(`${file}: ${field} ${what}`);
  };
  if (!root || typeof root !== 'object' || Array.isArray(root))
    fail('the file', 'must be a JSON object {format, version, ..., rates} (write one with ipvae simulate --rates-out)');
  const r = root as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!(RATES_KEYS as readonly string[]).includes(k))
      fail(keyName(k), `is not a field of a rates file (${RATES_KEYS.join(', ')})`);
  if (r.format !== undefined && r.format !== RATES_FORMAT)
    fail('format', `= ${shown(r.format)}, expected "${RATES_FORMAT}"`);
  if ((r.format !== undefined || r.version !== undefined) && r.version !== RATES_VERSION)
    fail('version', `= ${shown(r.version)}, this ipvae reads ${RATES_VERSION}`);
  for (const k of ['net', 'data', 'unit'] as const)
    if (r[k] !== undefined && typeof r[k] !== 'string') fail(k, `= ${shown(r[k])}, expected a string`);
  for (const k of ['samples', 'steps'] as const)
    if (r[k] !== undefined && !(Number.isSafeInteger(r[k]) && (r[k] as number) >= 1))
      fail(k, `= ${shown(r[k])}, expected an integer >= 1`);
  if (r.seed !== undefined && !(Number.isInteger(r.seed) && (r.seed as number) >= 0 && (r.seed as number) < 2 ** 32))
    fail('seed', `= ${shown(r.seed)}, expected an integer from 0 to 2^32 - 1`);
  const rates = r.rates;
  if (!rates || typeof rates !== 'object' || Array.isArray(rates))
    fail(
      'rates',
      'must be an object {population: [per-neuron rates] or {spikes, events}} (write one with ipvae simulate --rates-out)',
    );
  /** A checked array of per-neuron rates (at most 1 each for a fraction). */
  const values = (v: unknown, field: string, size: number, fraction: boolean): number[] => {
    if (!Array.isArray(v)) return fail(field, `must be an array of ${size} number${size === 1 ? '' : 's'}`);
    const bad = v.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0 || (fraction && x > 1));
    if (bad >= 0)
      fail(
        `${field}[${bad}]`,
        fraction
          ? `= ${shown(v[bad])} is not a fraction from 0 to 1 (of the emissions with a nonzero value)`
          : 'is not a non-negative number',
      );
    if (v.length !== size) fail(`${field}:`, `${v.length} values, expected ${size} (one per neuron)`);
    return v as number[];
  };
  const out: Record<string, Float64Array> = Object.create(null);
  for (const [name, v] of Object.entries(rates as Record<string, unknown>)) {
    const at = `rates.${keyName(name)}`;
    const isObject = v !== null && typeof v === 'object' && !Array.isArray(v);
    if (!Array.isArray(v) && !isObject)
      fail(at, `= ${shown(v)}, expected an array of per-neuron rates or {spikes: [...], events: [...]}`);
    const pop =
      net.populations.find((p) => p.name === name) ??
      fail(`${at}:`, `the network has no population of that name (${net.populations.map((p) => p.name).join(', ')})`);
    if (Array.isArray(v)) {
      out[name] = Float64Array.from(values(v, at, pop.size, false));
      continue;
    }
    const e = v as Record<string, unknown>;
    for (const k of Object.keys(e))
      if (!(RATE_KINDS as readonly string[]).includes(k))
        fail(`${at}.${keyName(k)}`, 'is not allowed (spikes, events)');
    const both = RATE_KINDS.map((k) => values(e[k], `${at}.${k}`, pop.size, k === 'events'));
    out[name] = Float64Array.from(both[RATE_KINDS.indexOf(kind)]);
  }
  return out;
}

/** Per-population rates of the given kind (per neuron, per emission) straight from a rates probe result. */
export function ratesOf(r: RatesResult, kind: RateKind): Record<string, Float64Array> {
  const denom = r.inputs * (r.steps + 1);
  const src = kind === 'spikes' ? r.spikes : r.events;
  return Object.fromEntries(Object.entries(src).map(([k, a]) => [k, Float64Array.from(a, (x) => x / denom)]));
}
