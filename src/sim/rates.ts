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

/** Per-population rates of the given kind from a rates file's text; any problem is one UserError naming the file. */
export function readRates(text: string, file: string, net: Network, kind: RateKind): Record<string, Float64Array> {
  const root = parseJson(text, file, 'cannot read a JSON rates file');
  const fmt = (root as { format?: unknown })?.format;
  if (fmt !== undefined && fmt !== RATES_FORMAT)
    throw new UserError(`${file}: format = ${shown(fmt)}, expected "${RATES_FORMAT}"`);
  const ver = (root as { version?: unknown })?.version;
  if (fmt !== undefined && ver !== RATES_VERSION)
    throw new UserError(`${file}: version = ${shown(ver)}, this ipvae reads ${RATES_VERSION}`);
  const rates = (root as { rates?: unknown })?.rates;
  if (!rates || typeof rates !== 'object' || Array.isArray(rates))
    throw new UserError(
      `${file}: rates must be an object {population: [per-neuron rates] or {spikes, events}} (write one with ipvae simulate --rates-out)`,
    );
  const out: Record<string, Float64Array> = Object.create(null);
  for (const [name, v] of Object.entries(rates as Record<string, unknown>)) {
    const pop = net.populations.find((p) => p.name === name);
    if (!pop)
      throw new UserError(
        `${file}: rates.${keyName(name)}: the network has no population of that name (${net.populations.map((p) => p.name).join(', ')})`,
      );
    const arr = Array.isArray(v) ? v : (v as Record<string, unknown>)?.[kind];
    const field = `rates.${keyName(name)}${Array.isArray(v) ? '' : `.${kind}`}`;
    if (!Array.isArray(arr)) throw new UserError(`${file}: ${field} must be an array of ${pop.size} numbers`);
    if (arr.length !== pop.size)
      throw new UserError(`${file}: ${field}: ${arr.length} values, expected ${pop.size} (one per neuron)`);
    const bad = arr.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0);
    if (bad >= 0) throw new UserError(`${file}: ${field}[${bad}] is not a non-negative number`);
    out[name] = Float64Array.from(arr as number[]);
  }
  return out;
}

/** Per-population rates of the given kind (per neuron, per emission) straight from a rates probe result. */
export function ratesOf(r: RatesResult, kind: RateKind): Record<string, Float64Array> {
  const denom = r.inputs * (r.steps + 1);
  const src = kind === 'spikes' ? r.spikes : r.events;
  return Object.fromEntries(Object.entries(src).map(([k, a]) => [k, Float64Array.from(a, (x) => x / denom)]));
}
