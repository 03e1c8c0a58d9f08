/**
 * The JSON Schema (draft 2020-12) of a rates file (`ipvae.rates`), generated from the reader's field lists
 * (src/sim/rates.ts). docs/formats/rates.schema.json is this function's output (a test keeps them equal).
 *
 * What it cannot express is checked by the reader alone, against the network it is read with
 * (docs/formats/rates.md): every population named is one of the network's, and each array has one value per
 * neuron.
 */
import { RATE_KINDS, RATES_FORMAT, RATES_KEYS, RATES_VERSION } from './rates.js';

type S = Record<string, unknown>;

export function ratesSchema(): S {
  const perNeuron = {
    type: 'array',
    description: 'one value per neuron: the mean spikes per emission',
    items: { type: 'number', minimum: 0 },
  };
  const both = {
    type: 'object',
    description: 'both rates of every neuron (what ipvae simulate --rates-out writes)',
    required: [...RATE_KINDS],
    additionalProperties: false,
    properties: {
      spikes: { ...perNeuron, description: 'per neuron: the mean count emitted per emission (steps 0 .. T)' },
      events: {
        type: 'array',
        description: 'per neuron: the fraction of emissions with a nonzero value (messages)',
        items: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
  };
  const count = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER };
  const schema: S = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:ipvae:schema:rates:1',
    title: 'ipvae rates (ipvae.rates, version 1)',
    description:
      "Every neuron's mean spikes and messages per step, measured by ipvae simulate --rates-out and read by ipvae map --rates. docs/formats/rates.md explains every field and the checks beyond this schema.",
    type: 'object',
    required: ['rates'],
    additionalProperties: false,
    dependentRequired: { format: ['version'] },
    properties: {
      format: { const: RATES_FORMAT },
      version: { const: RATES_VERSION },
      net: { type: 'string', description: 'provenance: the network file measured' },
      data: { type: 'string', description: 'provenance: the data (or drive:FILE)' },
      samples: { ...count, description: 'provenance: the inputs run' },
      steps: { ...count, description: 'provenance: the steps per input (T)' },
      seed: { type: 'integer', minimum: 0, maximum: 2 ** 32 - 1, description: 'provenance: the run seed' },
      unit: { type: 'string', description: 'provenance: what the numbers are, in words' },
      rates: {
        type: 'object',
        description: 'by population name (non-input populations; one omitted is taken as 1 spike per step)',
        additionalProperties: { oneOf: [perNeuron, both] },
      },
    },
  };
  // the schema and the reader know the same fields
  const keys = (o: S) => Object.keys(o.properties as S).sort();
  if (keys(schema).join() !== [...RATES_KEYS].sort().join() || keys(both).join() !== [...RATE_KINDS].sort().join())
    throw new Error('rates schema: its fields and the reader (src/sim/rates.ts) differ');
  return schema;
}
