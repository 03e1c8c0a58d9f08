/**
 * Per-event prices of a chip (a profile's `prices` section): what one event of each kind costs in energy and in
 * latency, each with its source and confidence, and a range where sources differ. The events follow SANA-FE's
 * event model (SLAM-Lab/SANA-FE; hardware-spec section 1a):
 *   soma_access      every mapped neuron, every step
 *   soma_update      a neuron updated (on top of its access)
 *   spike_out        a neuron fired
 *   message_out      per (firing neuron, destination core)
 *   message_in       per message a core receives
 *   synapse_sparse | synapse_dense | synapse_crossbar   per synapse a message reaches, by memory format
 *   hop_east_west, hop_north_south                        per hop of a message between tiles
 *   barrier          per step, a latency by the number of tiles in use
 *   static_power     where published (mW)
 * A price nobody published is absent: the estimator reports it as not priced, never as zero.
 */

import { keyName, shown } from '../io/json-read.js';

/** The events a profile may price, in report order. */
export const PRICE_EVENTS = [
  'soma_access',
  'soma_update',
  'spike_out',
  'message_out',
  'message_in',
  'synapse_sparse',
  'synapse_dense',
  'synapse_crossbar',
  'hop_east_west',
  'hop_north_south',
] as const;
export type PriceEvent = (typeof PRICE_EVENTS)[number];

export interface Price {
  /** Energy per event (pJ) and latency per event (ns); undefined where not published. */
  energyPj?: number;
  latencyNs?: number;
  /** Where sources differ: the range they span (the value lies inside). */
  energyRangePj?: [number, number];
  latencyRangeNs?: [number, number];
  source: string;
  confidence: 'published' | 'secondary' | 'assumption';
  note?: string;
}

export interface Prices {
  events: Partial<Record<PriceEvent, Price>>;
  /** Barrier latency per step: [minimum tiles in use, ns], ascending. */
  barrier?: { byTiles: [number, number][]; source: string; confidence: Price['confidence'] };
  /** Static power (mW), where published. */
  staticPowerMw?: { value: number; source: string; confidence: Price['confidence'] };
}

type Fail = (field: string, what: string) => never;
const CONF = ['published', 'secondary', 'assumption'] as const;

/** Prices above 1e12 (1 J or 1000 s per event) are mistakes, and would overflow sums. */
export const PRICE_MAX = 1e12;
/** The fields of an event's price, of the barrier and of the static power (docs/formats/profile.md). */
export const PRICE_KEYS = [
  'energy_pj',
  'latency_ns',
  'energy_range_pj',
  'latency_range_ns',
  'source',
  'confidence',
  'note',
] as const;
export const BARRIER_KEYS = ['latency_ns_by_tiles', 'source', 'confidence', 'note'] as const;
export const STATIC_POWER_KEYS = ['power_mw', 'source', 'confidence', 'note'] as const;
/** At most this many [tiles, ns] steps in the barrier's table. */
export const BARRIER_MAX_ROWS = 64;
const num = (v: unknown, f: string, fail: Fail): number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= PRICE_MAX
    ? v
    : fail(f, `must be a number from 0 to ${PRICE_MAX}`);

const range = (v: unknown, value: number | undefined, f: string, fail: Fail): [number, number] => {
  if (!Array.isArray(v) || v.length !== 2) return fail(f, 'must be [low, high]');
  const lo = num(v[0], `${f}[0]`, fail),
    hi = num(v[1], `${f}[1]`, fail);
  if (lo > hi) fail(f, 'must have low <= high');
  if (value !== undefined && (value < lo || value > hi)) fail(f, `must contain the value ${value}`);
  return [lo, hi];
};

/** The keys of `e` must be among `allowed`. */
function only(e: Record<string, unknown>, allowed: readonly string[], f: string, fail: Fail): void {
  for (const k of Object.keys(e))
    if (!allowed.includes(k)) fail(`${f}.${keyName(k)}`, `is not allowed (${allowed.join(', ')})`);
}

function sourced(e: Record<string, unknown>, f: string, fail: Fail): Pick<Price, 'source' | 'confidence'> {
  if (e.note !== undefined && typeof e.note !== 'string') fail(`${f}.note`, 'must be a string');
  if (typeof e.source !== 'string' || !e.source.trim()) fail(`${f}.source`, 'is missing: every price needs its source');
  if (!CONF.includes(e.confidence as Price['confidence'])) fail(`${f}.confidence`, `must be one of ${CONF.join(', ')}`);
  return { source: e.source as string, confidence: e.confidence as Price['confidence'] };
}

/** Check a profile's `prices` section (parsed JSON) and return it typed; `fail` names the first wrong field. */
export function parsePrices(body: unknown, fail: Fail): Prices {
  if (!body || typeof body !== 'object' || Array.isArray(body)) fail('prices', 'must be an object');
  const out: Prices = { events: {} };
  for (const [key, entry] of Object.entries(body as Record<string, unknown>)) {
    const f = `prices.${keyName(key)}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) fail(f, 'must be an object');
    const e = entry as Record<string, unknown>;
    if (key === 'barrier') {
      only(e, BARRIER_KEYS, f, fail);
      const t = e.latency_ns_by_tiles;
      if (!Array.isArray(t) || t.length === 0 || t.length > BARRIER_MAX_ROWS)
        fail(`${f}.latency_ns_by_tiles`, `must be a list of 1 to ${BARRIER_MAX_ROWS} [minimum tiles, ns] pairs`);
      const byTiles = (t as unknown[]).map((p, i): [number, number] => {
        if (!Array.isArray(p) || p.length !== 2)
          fail(`${f}.latency_ns_by_tiles[${i}]`, 'must be [minimum tiles (an integer >= 1), ns]');
        if (!Number.isSafeInteger(p[0]) || p[0] < 1)
          fail(`${f}.latency_ns_by_tiles[${i}][0]`, `= ${shown(p[0])}, expected an integer >= 1 (minimum tiles)`);
        return [(p as number[])[0], num((p as unknown[])[1], `${f}.latency_ns_by_tiles[${i}][1]`, fail)];
      });
      if (byTiles[0][0] !== 1) fail(`${f}.latency_ns_by_tiles[0][0]`, 'must be 1 (the barrier of one tile)');
      for (let i = 1; i < byTiles.length; i++)
        if (byTiles[i][0] <= byTiles[i - 1][0]) fail(`${f}.latency_ns_by_tiles[${i}][0]`, 'must increase');
      out.barrier = { byTiles, ...sourced(e, f, fail) };
      continue;
    }
    if (key === 'static_power') {
      only(e, STATIC_POWER_KEYS, f, fail);
      out.staticPowerMw = { value: num(e.power_mw, `${f}.power_mw`, fail), ...sourced(e, f, fail) };
      continue;
    }
    if (!(PRICE_EVENTS as readonly string[]).includes(key))
      fail(f, `is not a priced event (${[...PRICE_EVENTS, 'barrier', 'static_power'].join(', ')})`);
    only(e, PRICE_KEYS, f, fail);
    if (e.energy_pj === undefined && e.latency_ns === undefined) fail(f, 'needs energy_pj, latency_ns or both');
    const p: Price = { ...sourced(e, f, fail) };
    if (e.energy_pj !== undefined) p.energyPj = num(e.energy_pj, `${f}.energy_pj`, fail);
    if (e.latency_ns !== undefined) p.latencyNs = num(e.latency_ns, `${f}.latency_ns`, fail);
    if (e.energy_range_pj !== undefined)
      p.energyRangePj = range(e.energy_range_pj, p.energyPj, `${f}.energy_range_pj`, fail);
    if (e.latency_range_ns !== undefined)
      p.latencyRangeNs = range(e.latency_range_ns, p.latencyNs, `${f}.latency_range_ns`, fail);
    if (typeof e.note === 'string') p.note = e.note;
    out.events[key as PriceEvent] = p;
  }
  return out;
}

/** The barrier latency (ns) for `tiles` tiles in use, or undefined when not priced. */
export function barrierNs(p: Prices, tiles: number): number | undefined {
  if (!p.barrier || tiles < 1) return undefined;
  let ns = p.barrier.byTiles[0][1];
  for (const [min, v] of p.barrier.byTiles) if (tiles >= min) ns = v;
  return ns;
}
