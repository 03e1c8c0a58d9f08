/**
 * The JSON Schema (draft 2020-12) of a network file, generated from the loader's field lists and the neuron-model
 * registry: each model's parameters (with their ranges, shapes and defaults) and formats come from its spec, so
 * adding a model adds it here too. docs/formats/network.schema.json is this function's output (a test keeps
 * them equal).
 *
 * The schema checks each field's type, range and presence, and that no unknown field is present. What it cannot
 * express is checked by the loader alone (docs/formats/network.md lists it): names that must refer to a
 * population, per-neuron arrays as long as the population, CSR consistency, weights within weight_bits, a
 * payload kind that matches the source model, unique population names.
 */
import { NETWORK_FORMAT, NETWORK_VERSION } from './network.js';
import { POPULATION_KEYS, PROJECTION_KEYS, TOP_KEYS } from './json.js';
import { neuronModels } from '../sim/registry.js';
import type { ParamSpec } from '../sim/neuron.js';

type S = Record<string, unknown>;

const INT32 = { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
/** A name: 1 to 200 characters, no control characters (the loader also refuses lone UTF-16 surrogates). */
const NAME = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '^[^\\u0000-\\u001f\\u007f\\u2028\\u2029]+$',
};

function param(p: ParamSpec): S {
  const one = { type: 'integer', minimum: p.min, maximum: p.max };
  const many = { type: 'array', items: one, description: 'one value per neuron' };
  const base = {
    description: p.doc + (p.default === undefined ? ' (required)' : ''),
    ...(p.default === undefined ? {} : { default: p.default }),
  };
  return p.shape === 'scalar'
    ? { ...base, ...one }
    : p.shape === 'per-neuron'
      ? { ...base, ...many }
      : { ...base, oneOf: [one, many] };
}

export function networkSchema(): S {
  const qformat = {
    type: 'object',
    description: 'a fixed-point format: a value v stands for v * 2^-frac, held in bits bits',
    required: ['bits', 'frac', 'signed'],
    additionalProperties: false,
    properties: {
      bits: { type: 'integer', minimum: 1, maximum: 48 },
      frac: { type: 'integer', minimum: -64, maximum: 64 },
      signed: { type: 'boolean' },
    },
  };
  const models = neuronModels();
  const population = {
    type: 'object',
    required: ['name', 'model', 'size'],
    additionalProperties: false,
    properties: {
      name: { ...NAME, description: 'unique among the populations' },
      model: { enum: models.map((m) => m.name), description: '`ipvae neurons` lists the models' },
      size: { type: 'integer', minimum: 1, maximum: 2 ** 26 },
      params: { type: 'object', description: "the model's integer parameters; omitted ones take their default" },
      formats: { type: 'object', description: "the model's fixed-point formats; omitted ones take their default" },
    },
    allOf: models.map((m) => ({
      if: { properties: { model: { const: m.name } }, required: ['model'] },
      then: {
        properties: {
          params: {
            type: 'object',
            additionalProperties: false,
            required: m.params.filter((p) => p.default === undefined).map((p) => p.name),
            properties: Object.fromEntries(m.params.map((p) => [p.name, param(p)])),
          },
          formats: {
            type: 'object',
            additionalProperties: false,
            required: m.formats.filter((f) => !f.default).map((f) => f.name),
            properties: Object.fromEntries(
              m.formats.map((f) => [
                f.name,
                {
                  ...qformat,
                  description: f.doc,
                  properties: {
                    ...qformat.properties,
                    ...(f.maxBits === undefined ? {} : { bits: { type: 'integer', minimum: 1, maximum: f.maxBits } }),
                  },
                },
              ]),
            ),
          },
        },
        // a model with a required parameter or format needs params or formats
        required: [
          ...(m.params.some((p) => p.default === undefined) ? ['params'] : []),
          ...(m.formats.some((f) => !f.default) ? ['formats'] : []),
        ],
      },
    })),
  };
  const index = { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 };
  const projection = {
    type: 'object',
    required: ['source', 'target'],
    additionalProperties: false,
    properties: {
      name: { ...NAME, description: 'default: "SOURCE->TARGET"' },
      source: { ...NAME, description: 'the name of the population whose emissions it carries' },
      target: { ...NAME, description: 'the name of the population it feeds' },
      static: {
        type: 'boolean',
        default: false,
        description: 'applied once per input from an input population (e.g. W_ff x) instead of every step',
      },
      delay: { type: 'integer', minimum: 0, maximum: 65536, description: 'steps; default 1 (0 when static)' },
      payload: {
        enum: ['binary', 'graded'],
        description: "what a spike carries; default the source model's kind",
      },
      payload_bits: {
        type: 'integer',
        minimum: 1,
        maximum: 32,
        description:
          'default: 1 for binary; for graded, the narrowest width holding the largest magnitude the source emits',
      },
      weight_bits: { type: 'integer', minimum: 2, maximum: 32, default: 8 },
      exponent: {
        type: 'integer',
        minimum: -64,
        maximum: 64,
        default: 0,
        description: 'a weight w stands for w * 2^exponent',
      },
      synapses: {
        type: 'array',
        description: '[source neuron, target neuron, integer weight] triples (instead of indptr, indices, weights)',
        items: { type: 'array', prefixItems: [index, index, INT32], minItems: 3, maxItems: 3, items: false },
      },
      indptr: { type: 'array', items: index, description: 'CSR row pointers by source neuron (size + 1 entries)' },
      indices: { type: 'array', items: index, description: 'target neuron of each synapse' },
      weights: { type: 'array', items: INT32, description: 'integer weight of each synapse' },
    },
    // the synapses one way: a list of triples, or CSR
    if: { required: ['synapses'] },
    then: { not: { anyOf: [{ required: ['indptr'] }, { required: ['indices'] }, { required: ['weights'] }] } },
    else: { required: ['indptr', 'indices', 'weights'] },
    // a dynamic projection waits at least one step
    allOf: [
      {
        if: { not: { properties: { static: { const: true } }, required: ['static'] } },
        then: { properties: { delay: { type: 'integer', minimum: 1 } } },
      },
    ],
  };
  const schema: S = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:ipvae:schema:network:1',
    title: 'ipvae network (ipvae.network, version 1)',
    description:
      'Populations of integer neurons and the projections between them. docs/formats/network.md explains every field and the checks beyond this schema.',
    type: 'object',
    required: ['format', 'version', 'populations', 'projections'],
    additionalProperties: false,
    properties: {
      format: { const: NETWORK_FORMAT },
      version: { const: NETWORK_VERSION },
      name: { ...NAME, default: 'network' },
      populations: { type: 'array', minItems: 1, items: population },
      projections: { type: 'array', items: projection },
      meta: { type: 'object', description: 'free-form provenance, nested at most 32 levels' },
    },
  };
  // the schema and the loader know the same fields
  const props = (o: S) => Object.keys(o.properties as S).sort();
  const same = (a: string[], b: readonly string[]) => a.join() === [...b].sort().join();
  if (
    !same(props(schema), TOP_KEYS) ||
    !same(props(population), POPULATION_KEYS) ||
    !same(props(projection), PROJECTION_KEYS)
  )
    throw new Error('network schema: its fields and the loader (src/net/json.ts) differ');
  return schema;
}
