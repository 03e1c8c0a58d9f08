/**
 * Events x prices: the energy of counted events, by component and by core. Counts come per core (the core where
 * the event happens: a message out at its sender, a message in, its synapses and its hops at the receiver); a
 * synapse is priced by the chip's memory format. An event that happened but has no published price is listed as
 * not priced, and its energy is null, never a silent zero.
 */
import type { SynapseEncoding } from '../hardware/profile.js';
import { barrierNs, type PriceEvent, type Prices } from './prices.js';

/** The counted events of a run (or of one step), per core. */
export const COUNTED_EVENTS = [
  'soma_access',
  'soma_update',
  'spike_out',
  'message_out',
  'message_in',
  'synapse',
  'hop_east_west',
  'hop_north_south',
] as const;
export type CountedEvent = (typeof COUNTED_EVENTS)[number];

export interface CoreCounts {
  cores: number;
  counts: Record<CountedEvent, Float64Array>;
}

export function emptyCounts(cores: number): CoreCounts {
  return {
    cores,
    counts: Object.fromEntries(COUNTED_EVENTS.map((e) => [e, new Float64Array(cores)])) as Record<
      CountedEvent,
      Float64Array
    >,
  };
}

/** The price event a counted event is charged as (a synapse by the memory format). */
export function priceEventOf(e: CountedEvent, encoding: SynapseEncoding): PriceEvent {
  return e === 'synapse' ? (`synapse_${encoding}` as PriceEvent) : e;
}

export interface ComponentEnergy {
  event: CountedEvent;
  /** The price it was charged at (synapses: by encoding). */
  priceEvent: PriceEvent;
  count: number;
  /** pJ; null when the event happened and has no published energy (not priced). */
  energyPj: number | null;
}

export interface EnergyReport {
  components: ComponentEnergy[];
  /** Priced energy per core (pJ). */
  byCorePj: Float64Array;
  /** All priced energy (pJ); the unpriced events are listed, not guessed. */
  totalPj: number;
  unpriced: PriceEvent[];
}

/** The energy of counted events under a chip's prices. */
export function energyOf(c: CoreCounts, prices: Prices, encoding: SynapseEncoding): EnergyReport {
  const byCorePj = new Float64Array(c.cores);
  const unpriced: PriceEvent[] = [];
  let totalPj = 0;
  const components = COUNTED_EVENTS.map((event): ComponentEnergy => {
    const priceEvent = priceEventOf(event, encoding);
    const a = c.counts[event];
    let count = 0;
    for (let k = 0; k < c.cores; k++) count += a[k];
    const price = prices.events[priceEvent]?.energyPj;
    if (price === undefined) {
      if (count > 0) unpriced.push(priceEvent);
      return { event, priceEvent, count, energyPj: count > 0 ? null : 0 };
    }
    for (let k = 0; k < c.cores; k++) byCorePj[k] += a[k] * price;
    totalPj += count * price;
    return { event, priceEvent, count, energyPj: count * price };
  });
  return { components, byCorePj, totalPj, unpriced };
}

export interface StepLatency {
  /** The step's latency (ns): max over cores of max(send, receive), plus the barrier. */
  ns: number;
  sendNs: Float64Array;
  receiveNs: Float64Array;
  barrierNs: number;
  /** Events that happened this step whose latency is not priced (left out of ns). */
  unpriced: string[];
}

/**
 * The latency of one step from its per-core counts, as SANA-FE's "simple" timing model computes it
 * (src/schedule.cpp at commit 8951ab07):
 *   send(c)    = the soma latencies of every neuron on c (access, update, spike out) + message_out x messages sent
 *   receive(c) = message_in x messages received + synapse x synapses reached
 *   step       = max over cores of max(send(c), receive(c)) + the barrier for the tiles in use
 * Hops cost energy but no latency in this model.
 */
export function stepLatency(c: CoreCounts, prices: Prices, encoding: SynapseEncoding, tilesInUse: number): StepLatency {
  const unpriced = new Set<string>();
  const lat = (e: CountedEvent): number => {
    const pe = priceEventOf(e, encoding);
    const v = prices.events[pe]?.latencyNs;
    if (v === undefined) {
      if (c.counts[e].some((x) => x > 0)) unpriced.add(pe);
      return 0;
    }
    return v;
  };
  const send = ['soma_access', 'soma_update', 'spike_out', 'message_out'] as const;
  const recv = ['message_in', 'synapse'] as const;
  const ls = send.map(lat),
    lr = recv.map(lat);
  const sendNs = new Float64Array(c.cores),
    receiveNs = new Float64Array(c.cores);
  let worst = 0;
  for (let k = 0; k < c.cores; k++) {
    send.forEach((e, i) => (sendNs[k] += c.counts[e][k] * ls[i]));
    recv.forEach((e, i) => (receiveNs[k] += c.counts[e][k] * lr[i]));
    worst = Math.max(worst, sendNs[k], receiveNs[k]);
  }
  const b = barrierNs(prices, tilesInUse);
  if (b === undefined && tilesInUse > 0) unpriced.add('barrier');
  return { ns: worst + (b ?? 0), sendNs, receiveNs, barrierNs: b ?? 0, unpriced: [...unpriced] };
}

/**
 * The events a chip's prices leave out (energy or latency), of those a run on this mapping can count: hops only
 * when it spans more than one tile, the barrier only as a latency. For `--require-prices`.
 */
export function missingPrices(prices: Prices, encoding: SynapseEncoding, tiles: number): string[] {
  const out: string[] = [];
  for (const e of COUNTED_EVENTS) {
    if ((e === 'hop_east_west' || e === 'hop_north_south') && tiles <= 1) continue;
    const p = prices.events[priceEventOf(e, encoding)];
    if (p?.energyPj === undefined) out.push(`${priceEventOf(e, encoding)} energy`);
    if (p?.latencyNs === undefined) out.push(`${priceEventOf(e, encoding)} latency`);
  }
  if (barrierNs(prices, Math.max(1, tiles)) === undefined) out.push('barrier latency');
  return out;
}
