/**
 * Chip profiles (hardware/profiles/*.json, format "ipvae.profile" version 1): every number carries its source
 * and a confidence tag (published | secondary | assumption); a number nobody has published is absent, never
 * invented. loadProfile checks the file strictly and names the first wrong field.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { UserError } from '../errors.js';
import { parseJson, shown } from '../io/json-read.js';
import { LONE_SURROGATE } from '../net/json.js';
import { parsePrices, type Prices } from '../energy/prices.js';
import { DEFAULTS } from '../defaults.js';

export const PROFILE_FORMAT = 'ipvae.profile';
export const PROFILE_VERSION = 1;
export const CONFIDENCE = ['published', 'secondary', 'assumption'] as const;
export type Confidence = (typeof CONFIDENCE)[number];

export interface Sourced<T> {
  value: T;
  unit?: string;
  source: string;
  confidence: Confidence;
}

type Kind = 'count' | 'bits' | 'bytes' | 'pj' | 'ns' | 'mesh' | 'spike-kind' | 'encoding';

/** How a core stores its synapses (the memory cost model of the resource check). */
export const SYNAPSE_ENCODINGS = ['sparse', 'dense', 'crossbar'] as const;
export type SynapseEncoding = (typeof SYNAPSE_ENCODINGS)[number];

/** The fields a profile may have, by section, and what each value must be. */
export const PROFILE_FIELDS: Record<string, Record<string, Kind>> = {
  chip: { cores_per_chip: 'count', chips: 'count', mesh: 'mesh', cores_per_tile: 'count' },
  core: {
    neurons: 'count',
    synapse_memory_bytes: 'bytes',
    synapses: 'count',
    synapse_encoding: 'encoding',
    axon_entry_bits: 'bits',
    fan_in_axons: 'count',
    fan_out_axons: 'count',
    neuron_fan_out: 'count',
  },
  precision: { weight_bits: 'bits', state_bits: 'bits', weight_levels: 'count' },
  spikes: { kind: 'spike-kind', payload_bits: 'bits' },
  energy_pj: {
    synaptic_op: 'pj',
    neuron_update: 'pj',
    spike_hop: 'pj',
    spike_within_tile: 'pj',
    spike_hop_east_west: 'pj',
    spike_hop_north_south: 'pj',
  },
  latency_ns: { step: 'ns', synaptic_op: 'ns', spike_hop: 'ns' },
};

export interface Profile {
  name: string;
  description: string;
  sections: Record<string, Record<string, Sourced<number | number[] | string>>>;
  /** Per-event energy and latency (src/energy/prices.ts); events nobody published are absent. */
  prices: Prices;
}

/** The bundled profile names (frozen). */
export const BUNDLED_PROFILES = Object.freeze(['loihi1', 'loihi2', 'truenorth', 'spinnaker2', 'generic'] as const);

/** A string of the profile (spikes.kind, core.synapse_encoding), or undefined when the profile does not state it. */
export function profileText(p: Profile, section: string, key: string): string | undefined {
  const v = p.sections[section]?.[key]?.value;
  return typeof v === 'string' ? v : undefined;
}

/** A number of the profile, or undefined when the profile does not state it. */
export function profileNumber(p: Profile, section: string, key: string): number | undefined {
  const v = p.sections[section]?.[key]?.value;
  return typeof v === 'number' ? v : undefined;
}

/** Parse and check a profile's JSON text. */
export function parseProfile(text: string, file: string): Profile {
  const root = parseJson(text, file);
  const fail = (field: string, what: string): never => {
    throw new UserError(`${file}: ${field} ${what}`);
  };
  if (!root || typeof root !== 'object' || Array.isArray(root)) fail('the file', 'must be a JSON object');
  const r = root as Record<string, unknown>;
  if (r.format !== PROFILE_FORMAT) fail('format', `= ${shown(r.format)}, expected "${PROFILE_FORMAT}"`);
  if (r.version !== PROFILE_VERSION) fail('version', `= ${shown(r.version)}, expected ${PROFILE_VERSION}`);
  if (typeof r.name !== 'string' || !r.name) fail('name', 'must be a non-empty string');
  // Every string goes into the deployment file as UTF-8.
  const wellFormed = (v: unknown, field: string): void => {
    if (typeof v === 'string' && LONE_SURROGATE.test(v))
      fail(field, 'has a lone UTF-16 surrogate (not valid Unicode text)');
  };
  wellFormed(r.name, 'name');
  wellFormed(r.description, 'description');
  const sections: Profile['sections'] = {};
  let prices: Prices = { events: {} };
  for (const [sec, body] of Object.entries(r)) {
    if (['format', 'version', 'name', 'description'].includes(sec)) continue;
    if (sec === 'prices') {
      prices = parsePrices(body, fail);
      for (const [k, e] of Object.entries(body as Record<string, Record<string, unknown>>)) {
        wellFormed(e.source, `prices.${k}.source`);
        wellFormed(e.note, `prices.${k}.note`);
      }
      continue;
    }
    const fields =
      PROFILE_FIELDS[sec] ??
      fail(sec, `is not a profile section (${[...Object.keys(PROFILE_FIELDS), 'prices'].join(', ')})`);
    if (!body || typeof body !== 'object' || Array.isArray(body)) fail(sec, 'must be an object');
    sections[sec] = {};
    for (const [key, entry] of Object.entries(body as Record<string, unknown>)) {
      const f = `${sec}.${key}`;
      const kind = fields[key] ?? fail(f, `is not a field of ${sec} (${Object.keys(fields).join(', ')})`);
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) fail(f, 'must be {value, source, confidence}');
      const e = entry as Record<string, unknown>;
      for (const k of Object.keys(e))
        if (!['value', 'unit', 'source', 'confidence'].includes(k))
          fail(`${f}.${k}`, 'is not allowed (value, unit, source, confidence)');
      if (typeof e.source !== 'string' || !e.source.trim())
        fail(`${f}.source`, 'is missing: every number needs its source');
      if (!CONFIDENCE.includes(e.confidence as Confidence))
        fail(`${f}.confidence`, `= ${shown(e.confidence)}, expected one of ${CONFIDENCE.join(', ')}`);
      if (e.unit !== undefined && typeof e.unit !== 'string') fail(`${f}.unit`, 'must be a string');
      wellFormed(e.source, `${f}.source`);
      wellFormed(e.unit, `${f}.unit`);
      const v = e.value;
      if (kind === 'mesh') {
        if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x > 0 && x <= 65536))
          fail(`${f}.value`, `= ${shown(v)}, expected [columns, rows] of positive integers up to 65536`);
      } else if (kind === 'spike-kind') {
        if (v !== 'binary' && v !== 'graded') fail(`${f}.value`, `= ${shown(v)}, expected "binary" or "graded"`);
      } else if (kind === 'encoding') {
        if (!SYNAPSE_ENCODINGS.includes(v as SynapseEncoding))
          fail(`${f}.value`, `= ${shown(v)}, expected one of ${SYNAPSE_ENCODINGS.map((x) => `"${x}"`).join(', ')}`);
      } else if (
        typeof v !== 'number' ||
        !Number.isFinite(v) ||
        v <= 0 ||
        ((kind === 'count' || kind === 'bits' || kind === 'bytes') && !Number.isInteger(v))
      ) {
        fail(
          `${f}.value`,
          `= ${shown(v)}, expected a positive ${kind === 'pj' || kind === 'ns' ? 'number' : 'integer'}`,
        );
      } else if ((kind === 'count' || kind === 'bytes') && v >= 2 ** 31) {
        fail(`${f}.value`, `= ${v}, expected less than 2^31 (the deployment file stores 32-bit counts)`);
      } else if (kind === 'bits' && v > 64) {
        fail(`${f}.value`, `= ${v}, expected at most 64 bits`);
      }
      sections[sec][key] = {
        value: v as number | number[] | string,
        unit: e.unit as string | undefined,
        source: e.source as string,
        confidence: e.confidence as Confidence,
      };
    }
  }
  const mesh = sections.chip?.mesh?.value as number[] | undefined,
    perChip = sections.chip?.cores_per_chip?.value as number | undefined;
  const perTile = (sections.chip?.cores_per_tile?.value as number | undefined) ?? 1;
  if (mesh && perChip !== undefined && mesh[0] * mesh[1] * perTile < perChip) {
    fail(
      'chip.mesh.value',
      `= [${mesh.join(', ')}] x ${perTile} core(s) per tile holds ${mesh[0] * mesh[1] * perTile} cores, fewer than chip.cores_per_chip = ${perChip}`,
    );
  }
  return {
    name: r.name as string,
    description: typeof r.description === 'string' ? r.description : '',
    sections,
    prices,
  };
}

/** A bundled profile by name, or a profile file by path (default: loihi2, the CLI's --profile). */
export function loadProfile(nameOrPath: string = DEFAULTS.profile): Profile {
  const bundled = join(packageRoot(), 'hardware', 'profiles', `${nameOrPath}.json`);
  const file = existsSync(bundled) && !nameOrPath.includes('/') ? bundled : nameOrPath;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(
      `${nameOrPath}: no such profile (bundled: ${BUNDLED_PROFILES.join(', ')}; or give a path to a .json profile)`,
    );
  }
  return parseProfile(text, file);
}
