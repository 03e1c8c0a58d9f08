/**
 * Chip profiles (hardware/profiles/*.json, format "ipvae.profile" version 1): every number carries its source
 * and a confidence tag (published | secondary | assumption); a number nobody has published is absent, never
 * invented. loadProfile checks the file strictly and names the first wrong field.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { UserError } from '../errors.js';
import { keyName, parseJson, shown } from '../io/json-read.js';
import { CONTROL, LONE_SURROGATE } from '../net/json.js';
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

/** What a profile value must be: a positive integer (count, bits, bytes) or number (pj, ns), or one of the rest. */
export type ProfileKind = 'count' | 'bits' | 'bytes' | 'pj' | 'ns' | 'mesh' | 'spike-kind' | 'encoding';
type Kind = ProfileKind;

/** The top-level fields that are not sections, and the fields of a section's entry (docs/formats/profile.md). */
export const PROFILE_HEAD_KEYS = ['format', 'version', 'name', 'description'] as const;
export const ENTRY_KEYS = ['value', 'unit', 'source', 'confidence'] as const;
/** Upper bounds: counts and bytes go into the deployment file as 32-bit integers; widths up to 64 bits. */
export const COUNT_MAX = 2 ** 31 - 1;
export const BITS_MAX = 64;
export const MESH_MAX = 65536;
/** A profile's name: printed in tables and messages, and written into the deployment file. */
export const PROFILE_NAME_MAX = 200;

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
  const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);
  if (!root || typeof root !== 'object' || Array.isArray(root)) fail('the file', 'must be a JSON object');
  const r = root as Record<string, unknown>;
  if (r.format !== PROFILE_FORMAT) fail('format', `= ${shown(r.format)}, expected "${PROFILE_FORMAT}"`);
  if (r.version !== PROFILE_VERSION) fail('version', `= ${shown(r.version)}, expected ${PROFILE_VERSION}`);
  if (typeof r.name !== 'string' || !r.name) fail('name', 'must be a non-empty string');
  if (r.description !== undefined && typeof r.description !== 'string')
    fail('description', `= ${shown(r.description)}, expected a string`);
  // Every string goes into the deployment file as UTF-8.
  const wellFormed = (v: unknown, field: string): void => {
    if (typeof v === 'string' && LONE_SURROGATE.test(v))
      fail(field, 'has a lone UTF-16 surrogate (not valid Unicode text)');
  };
  wellFormed(r.name, 'name');
  if (CONTROL.test(r.name as string))
    fail('name', 'has a control character (a newline, a tab ...): names are printed in tables and messages');
  const chars = [...(r.name as string)].length; // code points, as JSON Schema's maxLength counts
  if (chars > PROFILE_NAME_MAX) fail('name', `is ${chars} characters long; a name has at most ${PROFILE_NAME_MAX}`);
  wellFormed(r.description, 'description');
  const sections: Profile['sections'] = {};
  let prices: Prices = { events: {} };
  for (const [sec, body] of Object.entries(r)) {
    if ((PROFILE_HEAD_KEYS as readonly string[]).includes(sec)) continue;
    if (sec === 'prices') {
      prices = parsePrices(body, fail);
      for (const [k, e] of Object.entries(body as Record<string, Record<string, unknown>>)) {
        wellFormed(e.source, `prices.${keyName(k)}.source`);
        wellFormed(e.note, `prices.${keyName(k)}.note`);
      }
      continue;
    }
    const fields =
      own(PROFILE_FIELDS, sec) ??
      fail(
        keyName(sec),
        `is not a profile section (${[...PROFILE_HEAD_KEYS, ...Object.keys(PROFILE_FIELDS), 'prices'].join(', ')})`,
      );
    if (!body || typeof body !== 'object' || Array.isArray(body)) fail(sec, 'must be an object');
    sections[sec] = {};
    for (const [key, entry] of Object.entries(body as Record<string, unknown>)) {
      const f = `${sec}.${keyName(key)}`;
      const kind = own(fields, key) ?? fail(f, `is not a field of ${sec} (${Object.keys(fields).join(', ')})`);
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) fail(f, 'must be {value, source, confidence}');
      const e = entry as Record<string, unknown>;
      for (const k of Object.keys(e))
        if (!(ENTRY_KEYS as readonly string[]).includes(k))
          fail(`${f}.${keyName(k)}`, `is not allowed (${ENTRY_KEYS.join(', ')})`);
      if (typeof e.source !== 'string' || !e.source.trim())
        fail(`${f}.source`, 'is missing: every number needs its source');
      if (!CONFIDENCE.includes(e.confidence as Confidence))
        fail(`${f}.confidence`, `= ${shown(e.confidence)}, expected one of ${CONFIDENCE.join(', ')}`);
      if (e.unit !== undefined && typeof e.unit !== 'string') fail(`${f}.unit`, 'must be a string');
      wellFormed(e.source, `${f}.source`);
      wellFormed(e.unit, `${f}.unit`);
      const v = e.value;
      if (kind === 'mesh') {
        if (!Array.isArray(v) || v.length !== 2)
          fail(`${f}.value`, `= ${shown(v)}, expected [columns, rows] of positive integers up to ${MESH_MAX}`);
        const i = (v as unknown[]).findIndex(
          (x) => !(Number.isInteger(x) && (x as number) > 0 && (x as number) <= MESH_MAX),
        );
        if (i >= 0)
          fail(`${f}.value[${i}]`, `= ${shown((v as unknown[])[i])}, expected a positive integer up to ${MESH_MAX}`);
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
      } else if ((kind === 'count' || kind === 'bytes') && v > COUNT_MAX) {
        fail(`${f}.value`, `= ${v}, expected less than 2^31 (the deployment file stores 32-bit counts)`);
      } else if (kind === 'bits' && v > BITS_MAX) {
        fail(`${f}.value`, `= ${v}, expected at most ${BITS_MAX} bits`);
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
