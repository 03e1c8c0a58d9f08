/**
 * The neuron-model registry: every file in src/sim/models/ exports (default) one NeuronSpec. Adding a model is
 * adding one file there; the loader, the engines, the hardware check and the CLI find it here. Parameters of a
 * population are resolved and checked against its spec (checkPopulation), so a network with a missing or
 * out-of-range parameter is refused when it is loaded, naming the field.
 */
import type { Population } from '../net/network.js';
import { loadPlugins } from '../plugins.js';
import { keyName } from '../io/json-read.js';
import type { NeuronSpec, Params, ParamSpec } from './neuron.js';

const loaded = await loadPlugins(
  new URL('./models/', import.meta.url),
  'NeuronSpec (export default defineNeuron({...}))',
  (x): x is NeuronSpec =>
    !!x && typeof (x as NeuronSpec).name === 'string' && typeof (x as NeuronSpec).step === 'function',
);
for (let i = 0; i < loaded.length; i++)
  if (loaded.findIndex((s) => s.name === loaded[i].name) !== i)
    throw new Error(`neuron model "${loaded[i].name}" is registered twice (src/sim/models/)`);
const byName = new Map(loaded.map((s) => [s.name, s]));

/** Every registered model, by name. */
export function neuronModels(): readonly NeuronSpec[] {
  return loaded;
}

export function neuronModelNames(): string[] {
  return loaded.map((s) => s.name);
}

/** The spec of a registered model (throws for an unknown name: networks are checked at load). */
export function neuronModel(name: string): NeuronSpec {
  const s = byName.get(name);
  if (!s) throw new Error(`no neuron model "${name}" (registered: ${neuronModelNames().join(', ')})`);
  return s;
}

/**
 * The power of two a projection's integer sum is scaled by before its target takes it:
 * exponent + the target's input fraction - the source's payload fraction (the engine floors the scaled sum).
 */
export function projectionShift(S: Population, T: Population, exponent: number): number {
  return exponent + neuronModel(T.model).inputFrac(T) - neuronModel(S.model).payloadFrac(S);
}

export function isNeuronModel(name: string): boolean {
  return byName.has(name);
}

const range = (p: ParamSpec): string => `[${p.min}, ${p.max}]`;

/** A problem with a population against its model: the field (relative to the population) and what is wrong. */
export interface PopulationProblem {
  field: string;
  what: string;
}

/**
 * Resolve a population's parameters against its model's spec: defaults filled in, each value's shape and range
 * checked, unknown names refused, required formats present. Returns the parameters or the first problem.
 */
export function resolvePopulation(p: Population): { params: Params } | { problem: PopulationProblem } {
  const spec = byName.get(p.model);
  if (!spec)
    return {
      problem: { field: 'model', what: `= "${p.model}" is not a neuron model (${neuronModelNames().join(', ')})` },
    };
  const params: Params = {};
  const known = new Set(spec.params.map((q) => q.name));
  for (const k of Object.keys(p.params)) {
    if (!known.has(k))
      return {
        problem: {
          field: `params.${keyName(k)}`,
          what: `is not a parameter of ${spec.name} (${spec.params.map((q) => q.name).join(', ') || 'it has none'})`,
        },
      };
  }
  for (const ps of spec.params) {
    const v = p.params[ps.name];
    const f = `params.${ps.name}`;
    if (v === undefined) {
      if (ps.default === undefined)
        return { problem: { field: f, what: `is missing (${spec.name}: ${ps.doc}; an integer in ${range(ps)})` } };
      params[ps.name] = ps.default;
      continue;
    }
    if (typeof v === 'number') {
      if (ps.shape === 'per-neuron')
        return { problem: { field: f, what: `must be an array of ${p.size} integers (one per neuron)` } };
      if (!Number.isInteger(v) || v < ps.min || v > ps.max)
        return { problem: { field: f, what: `= ${v} is outside ${range(ps)} (${ps.doc})` } };
      params[ps.name] = v;
    } else {
      if (ps.shape === 'scalar') return { problem: { field: f, what: 'must be a single integer, not an array' } };
      if (v.length !== p.size)
        return { problem: { field: f, what: `has ${v.length} values for a population of size ${p.size}` } };
      for (let i = 0; i < v.length; i++)
        if (!Number.isInteger(v[i]) || v[i] < ps.min || v[i] > ps.max)
          return { problem: { field: `${f}[${i}]`, what: `= ${v[i]} is outside ${range(ps)} (${ps.doc})` } };
      params[ps.name] = v;
    }
  }
  const formatNames = new Set(spec.formats.map((f) => f.name));
  for (const k of Object.keys(p.formats))
    if (!formatNames.has(k))
      return {
        problem: {
          field: `formats.${keyName(k)}`,
          what: `is not a format of ${spec.name} (${[...formatNames].join(', ') || 'it reads none'})`,
        },
      };
  for (const fs of spec.formats) {
    const q = p.formats[fs.name];
    if (!q && !fs.default)
      return { problem: { field: `formats.${fs.name}`, what: `is missing (${spec.name}: ${fs.doc})` } };
    // values live in Int32Arrays: an unsigned format has one bit less than a signed one
    const max = fs.maxBits === undefined ? undefined : q?.signed === false ? fs.maxBits - 1 : fs.maxBits;
    if (q && max !== undefined && q.bits > max)
      return {
        problem: {
          field: `formats.${fs.name}.bits`,
          what: `= ${q.bits} is more than ${max} for a${q.signed ? ' signed' : 'n unsigned'} format (${fs.doc})`,
        },
      };
  }
  const extra = spec.check?.(p, params);
  if (extra) return { problem: extra };
  return { params };
}
