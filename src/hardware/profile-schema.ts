/**
 * The JSON Schema (draft 2020-12) of a chip profile (`ipvae.profile`), generated from the loader's field lists:
 * the sections and their fields with each value's kind (src/hardware/profile.ts), the priced events and the
 * fields of a price (src/energy/prices.ts). docs/formats/profile.schema.json is this function's output (a test
 * keeps them equal).
 *
 * What it cannot express is checked by the loader alone (docs/formats/profile.md lists it): a mesh that holds
 * cores_per_chip, a price range that contains its value with low <= high, barrier rows by increasing tiles
 * from 1 (a tuple rule Ajv's strict mode will not take as a prefix of a longer array), valid Unicode text.
 */
import {
  BITS_MAX,
  CONFIDENCE,
  COUNT_MAX,
  ENTRY_KEYS,
  MESH_MAX,
  PROFILE_FIELDS,
  PROFILE_FORMAT,
  PROFILE_HEAD_KEYS,
  PROFILE_NAME_MAX,
  PROFILE_VERSION,
  SYNAPSE_ENCODINGS,
  type ProfileKind,
} from './profile.js';
import {
  BARRIER_KEYS,
  BARRIER_MAX_ROWS,
  PRICE_EVENTS,
  PRICE_KEYS,
  PRICE_MAX,
  STATIC_POWER_KEYS,
} from '../energy/prices.js';

type S = Record<string, unknown>;

/** The schema of a value of each kind, as the loader checks it. */
const VALUE: Record<ProfileKind, S> = {
  count: { type: 'integer', minimum: 1, maximum: COUNT_MAX },
  bytes: { type: 'integer', minimum: 1, maximum: COUNT_MAX },
  bits: { type: 'integer', minimum: 1, maximum: BITS_MAX },
  pj: { type: 'number', exclusiveMinimum: 0, description: 'picojoules' },
  ns: { type: 'number', exclusiveMinimum: 0, description: 'nanoseconds' },
  mesh: {
    type: 'array',
    description: '[columns, rows] of tiles',
    prefixItems: [
      { type: 'integer', minimum: 1, maximum: MESH_MAX },
      { type: 'integer', minimum: 1, maximum: MESH_MAX },
    ],
    minItems: 2,
    maxItems: 2,
    items: false,
  },
  'spike-kind': { enum: ['binary', 'graded'] },
  encoding: { enum: [...SYNAPSE_ENCODINGS] },
};

/** A source: a string that is not blank. */
const SOURCE = { type: 'string', pattern: '\\S', description: 'where the number comes from (a paper, a datasheet)' };
const CONF = { enum: [...CONFIDENCE] };

export function profileSchema(): S {
  const entry = (kind: ProfileKind): S => ({
    type: 'object',
    required: ['value', 'source', 'confidence'],
    additionalProperties: false,
    properties: {
      value: VALUE[kind],
      unit: { type: 'string', description: 'free text: what the number counts' },
      source: SOURCE,
      confidence: CONF,
    },
  });
  const sections = Object.fromEntries(
    Object.entries(PROFILE_FIELDS).map(([sec, fields]) => [
      sec,
      {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(Object.entries(fields).map(([k, kind]) => [k, entry(kind)])),
      },
    ]),
  );
  const amount = { type: 'number', minimum: 0, maximum: PRICE_MAX };
  const range = { type: 'array', prefixItems: [amount, amount], minItems: 2, maxItems: 2, items: false };
  const note = { type: 'string', description: 'free text' };
  const price = {
    type: 'object',
    required: ['source', 'confidence'],
    additionalProperties: false,
    anyOf: [{ required: ['energy_pj'] }, { required: ['latency_ns'] }],
    properties: {
      energy_pj: { ...amount, description: 'energy per event (pJ)' },
      latency_ns: { ...amount, description: 'latency per event (ns)' },
      energy_range_pj: { ...range, description: '[low, high] where sources differ; contains energy_pj' },
      latency_range_ns: { ...range, description: '[low, high] where sources differ; contains latency_ns' },
      source: SOURCE,
      confidence: CONF,
      note,
    },
  };
  const tiles = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER };
  const row = { type: 'array', prefixItems: [tiles, amount], minItems: 2, maxItems: 2, items: false };
  const barrier = {
    type: 'object',
    description: 'latency per step by the number of tiles in use',
    required: ['latency_ns_by_tiles', 'source', 'confidence'],
    additionalProperties: false,
    properties: {
      latency_ns_by_tiles: {
        type: 'array',
        description: '[minimum tiles, ns] rows by increasing tiles, the first for 1 tile',
        minItems: 1,
        maxItems: BARRIER_MAX_ROWS,
        items: row,
      },
      source: SOURCE,
      confidence: CONF,
      note,
    },
  };
  const staticPower = {
    type: 'object',
    required: ['power_mw', 'source', 'confidence'],
    additionalProperties: false,
    properties: { power_mw: { ...amount, description: 'milliwatts' }, source: SOURCE, confidence: CONF, note },
  };
  const prices = {
    type: 'object',
    description: 'what one event costs; an event without a price is reported as not priced',
    additionalProperties: false,
    properties: {
      ...Object.fromEntries(PRICE_EVENTS.map((e) => [e, price])),
      barrier,
      static_power: staticPower,
    },
  };
  const schema: S = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:ipvae:schema:profile:1',
    title: 'ipvae chip profile (ipvae.profile, version 1)',
    description:
      "A chip's limits, precision and prices, every number with its source and confidence. docs/formats/profile.md explains every field and the checks beyond this schema.",
    type: 'object',
    required: ['format', 'version', 'name'],
    additionalProperties: false,
    properties: {
      format: { const: PROFILE_FORMAT },
      version: { const: PROFILE_VERSION },
      name: {
        type: 'string',
        minLength: 1,
        maxLength: PROFILE_NAME_MAX,
        pattern: '^[^\\u0000-\\u001f\\u007f\\u2028\\u2029]+$',
        description: 'the name map --profile and the deployment file use',
      },
      description: { type: 'string' },
      ...sections,
      prices,
    },
  };
  // the schema and the loader know the same fields
  const keys = (o: S) => Object.keys(o.properties as S).sort();
  const same = (a: string[], b: readonly string[]) => a.join() === [...b].sort().join();
  if (
    !same(keys(schema), [...PROFILE_HEAD_KEYS, ...Object.keys(PROFILE_FIELDS), 'prices']) ||
    !same(keys(entry('count')), ENTRY_KEYS) ||
    !same(keys(price), PRICE_KEYS) ||
    !same(keys(barrier), BARRIER_KEYS) ||
    !same(keys(staticPower), STATIC_POWER_KEYS)
  )
    throw new Error('profile schema: its fields and the loader (src/hardware/profile.ts, src/energy/prices.ts) differ');
  return schema;
}
