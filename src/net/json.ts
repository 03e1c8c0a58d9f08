/**
 * The versioned JSON image of a Network: {format: "ipvae.network", version: 1, name, populations, projections,
 * meta}. Integer arrays are plain JSON arrays. fromJson checks every field and names the first wrong one
 * (`net.json: projections[1].weights[17] = 300 is outside the 8-bit range [-128, 127]`).
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { jsonDepth, keyName, parseJson, shown } from '../io/json-read.js';
import {
  NETWORK_FORMAT,
  NETWORK_VERSION,
  type Network,
  type NeuronModel,
  type Population,
  type Projection,
} from './network.js';
import type { QFormat } from '../fixed/q.js';
import { isNeuronModel, neuronModel, neuronModelNames, resolvePopulation } from '../sim/registry.js';

export function toJson(net: Network): string {
  const arr = (a: Int32Array) => Array.from(a);
  return JSON.stringify({
    format: NETWORK_FORMAT,
    version: NETWORK_VERSION,
    name: net.name,
    populations: net.populations.map((p) => ({
      name: p.name,
      model: p.model,
      size: p.size,
      params: Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, typeof v === 'number' ? v : arr(v)])),
      formats: p.formats,
    })),
    projections: net.projections.map((p) => ({
      name: p.name,
      source: p.source,
      target: p.target,
      delay: p.delay,
      payload: p.payload,
      payload_bits: p.payloadBits,
      static: p.static,
      weight_bits: p.weightBits,
      exponent: p.exponent,
      indptr: arr(p.indptr),
      indices: arr(p.indices),
      weights: arr(p.weights),
    })),
    meta: net.meta,
  });
}

type J = Record<string, unknown>;

/** The fields of a network file, of a population and of a projection (docs/formats/network.md). */
export const TOP_KEYS = ['format', 'version', 'name', 'populations', 'projections', 'meta'] as const;
export const POPULATION_KEYS = ['name', 'model', 'size', 'params', 'formats'] as const;
export const PROJECTION_KEYS = [
  'name',
  'source',
  'target',
  'delay',
  'payload',
  'payload_bits',
  'static',
  'weight_bits',
  'exponent',
  'indptr',
  'indices',
  'weights',
  'synapses',
] as const;

/** A UTF-16 surrogate without its pair: JSON allows it, UTF-8 (protobuf strings, files) cannot carry it. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Control characters (and the line and paragraph separators): names are printed in tables and messages. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;

export function fromJson(text: string, file = 'network'): Network {
  const root = parseJson(text, file);
  const fail = (field: string, what: string): never => {
    throw new UserError(`${file}: ${field} ${what}`);
  };
  const obj = (v: unknown, field: string): J =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as J) : fail(field, 'must be an object');
  const get = (o: J, k: string, field: string): unknown =>
    k in o ? o[k] : fail(`${field}.${k}`.replace(/^\./, ''), 'is missing');
  const str = (v: unknown, field: string): string =>
    typeof v === 'string' && v.length > 0
      ? LONE_SURROGATE.test(v)
        ? fail(field, 'has a lone UTF-16 surrogate (not valid Unicode text)')
        : CONTROL.test(v)
          ? fail(field, 'has a control character (a newline, a tab ...): names are printed in tables and messages')
          : [...v].length > 200
            ? fail(field, `is ${[...v].length} characters long; a name has at most 200`)
            : v
      : fail(field, 'must be a non-empty string');
  const int = (v: unknown, field: string, lo: number, hi: number): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi
      ? v
      : fail(field, `= ${shown(v)}, expected an integer in [${lo}, ${hi}]`);
  const ints = (v: unknown, field: string, lo: number, hi: number): Int32Array => {
    if (!Array.isArray(v)) fail(field, 'must be an array of integers');
    const a = new Int32Array((v as unknown[]).length);
    (v as unknown[]).forEach((x, i) => {
      a[i] = int(x, `${field}[${i}]`, lo, hi);
    });
    return a;
  };
  // every field is known: a misspelt optional field would otherwise be replaced by its default without a word
  const only = (o: J, field: string, keys: readonly string[], noun: string) => {
    for (const k of Object.keys(o))
      if (!keys.includes(k))
        fail(`${field}.${keyName(k)}`.replace(/^\./, ''), `is not a field of ${noun} (${keys.join(', ')})`);
  };
  const r = obj(root, 'the file');
  only(r, '', TOP_KEYS, 'a network');
  if (r.format !== NETWORK_FORMAT) fail('format', `= ${shown(r.format)}, expected "${NETWORK_FORMAT}"`);
  int(get(r, 'version', ''), 'version', NETWORK_VERSION, NETWORK_VERSION);
  const pops = get(r, 'populations', '');
  if (!Array.isArray(pops) || pops.length === 0) fail('populations', 'must be a non-empty array');
  const populations: Population[] = (pops as unknown[]).map((pv, i) => {
    const f = `populations[${i}]`,
      p = obj(pv, f);
    only(p, f, POPULATION_KEYS, 'a population');
    const model = str(get(p, 'model', f), `${f}.model`) as NeuronModel;
    if (!isNeuronModel(model))
      fail(`${f}.model`, `= ${shown(model)} is not a neuron model (${neuronModelNames().join(', ')})`);
    const size = int(get(p, 'size', f), `${f}.size`, 1, 2 ** 26);
    // Object.fromEntries keeps every key as an own property ("__proto__" too, which the model spec refuses)
    // params and formats may be omitted: every parameter and format then takes its model's default
    const params: Population['params'] = Object.fromEntries(
      Object.entries('params' in p ? obj(p.params, `${f}.params`) : {}).map(([k, v]) => {
        const pf = `${f}.params.${keyName(k)}`;
        if (!Array.isArray(v)) return [k, int(v, pf, -(2 ** 31), 2 ** 31 - 1)];
        if (v.length !== size) fail(pf, `has ${v.length} values for a population of size ${size}`);
        return [k, ints(v, pf, -(2 ** 31), 2 ** 31 - 1)];
      }),
    );
    const formats: Record<string, QFormat> = Object.fromEntries(
      Object.entries('formats' in p ? obj(p.formats, `${f}.formats`) : {}).map(([k, v]) => {
        const ff = `${f}.formats.${keyName(k)}`,
          q = obj(v, ff);
        only(q, ff, ['bits', 'frac', 'signed'], 'a format');
        return [
          k,
          {
            bits: int(get(q, 'bits', ff), `${ff}.bits`, 1, 48),
            frac: int(get(q, 'frac', ff), `${ff}.frac`, -64, 64),
            signed: typeof q.signed === 'boolean' ? q.signed : fail(`${ff}.signed`, 'must be true or false'),
          },
        ];
      }),
    );
    const pop: Population = { name: str(get(p, 'name', f), `${f}.name`), model, size, params, formats };
    const r = resolvePopulation(pop);
    if ('problem' in r) fail(`${f}.${r.problem.field}`, r.problem.what);
    return pop;
  });
  const names = new Set<string>();
  populations.forEach((p, i) => {
    if (names.has(p.name)) fail(`populations[${i}].name`, `"${p.name}" is used twice`);
    names.add(p.name);
  });
  const projs = get(r, 'projections', '');
  if (!Array.isArray(projs)) fail('projections', 'must be an array');
  const projections: Projection[] = (projs as unknown[]).map((qv, i) => {
    const f = `projections[${i}]`,
      q = obj(qv, f);
    only(q, f, PROJECTION_KEYS, 'a projection');
    const source = str(get(q, 'source', f), `${f}.source`),
      target = str(get(q, 'target', f), `${f}.target`);
    const src =
      populations.find((p) => p.name === source) ?? fail(`${f}.source`, `= ${shown(source)} names no population`);
    const tgt =
      populations.find((p) => p.name === target) ?? fail(`${f}.target`, `= ${shown(target)} names no population`);
    const sv = 'static' in q ? q.static : false;
    const isStatic = typeof sv === 'boolean' ? sv : fail(`${f}.static`, 'must be true or false');
    const srcSpec = neuronModel(src.model);
    if (isStatic && !srcSpec.host) fail(`${f}.static`, `is true but the source "${source}" is not an input population`);
    const delay = int('delay' in q ? q.delay : isStatic ? 0 : 1, `${f}.delay`, isStatic ? 0 : 1, 1 << 16);
    const pv = 'payload' in q ? q.payload : srcSpec.payload;
    const payload =
      pv === 'binary' || pv === 'graded' ? pv : fail(`${f}.payload`, `= ${shown(pv)}, expected "binary" or "graded"`);
    if (!srcSpec.host && payload !== srcSpec.payload)
      fail(`${f}.payload`, `= "${payload}" but the source "${source}" (${src.model}) emits ${srcSpec.payload} values`);
    const payloadBits = int(
      'payload_bits' in q ? q.payload_bits : defaultPayloadBits(src, payload),
      `${f}.payload_bits`,
      1,
      32,
    );
    const weightBits = int('weight_bits' in q ? q.weight_bits : 8, `${f}.weight_bits`, 2, 32);
    const exponent = int('exponent' in q ? q.exponent : 0, `${f}.exponent`, -64, 64);
    const csr = ['indptr', 'indices', 'weights'].filter((k) => k in q);
    if ('synapses' in q) {
      if (csr.length) fail(`${f}.synapses`, `and ${f}.${csr[0]} exclude each other: give the synapses one way`);
      Object.assign(q, synapseList(q.synapses, `${f}.synapses`, src.size, tgt.size, weightBits, fail));
    } else if (csr.length === 0)
      fail(f, 'has no synapses: give "synapses": [[source, target, weight], ...] or indptr, indices and weights');
    const indptr = ints(get(q, 'indptr', f), `${f}.indptr`, 0, 2 ** 31 - 1);
    if (indptr.length !== src.size + 1)
      fail(
        `${f}.indptr`,
        `has ${indptr.length} entries; the source "${source}" has ${src.size} neurons, so expected ${src.size + 1}`,
      );
    const indices = ints(get(q, 'indices', f), `${f}.indices`, 0, tgt.size - 1);
    const lim = 2 ** (weightBits - 1);
    const weights = ints(get(q, 'weights', f), `${f}.weights`, -(2 ** 31), 2 ** 31 - 1);
    weights.forEach((w, j) => {
      if (w < -lim || w >= lim)
        fail(`${f}.weights[${j}]`, `= ${w} is outside the ${weightBits}-bit range [${-lim}, ${lim - 1}]`);
    });
    if (indices.length !== weights.length)
      fail(`${f}.weights`, `has ${weights.length} values but indices has ${indices.length}`);
    if (indptr[0] !== 0 || indptr[src.size] !== indices.length)
      fail(`${f}.indptr`, `must start at 0 and end at ${indices.length} (the number of synapses)`);
    for (let s = 0; s < src.size; s++)
      if (indptr[s + 1] < indptr[s]) fail(`${f}.indptr[${s + 1}]`, 'decreases (CSR row pointers must not)');
    return {
      name: 'name' in q ? str(q.name, `${f}.name`) : `${source}->${target}`,
      source,
      target,
      delay,
      payload,
      payloadBits,
      static: isStatic,
      weightBits,
      exponent,
      indptr,
      indices,
      weights,
    };
  });
  const meta = 'meta' in r ? obj(r.meta, 'meta') : {};
  // meta is carried into other files (the deployment file's provenance): keep it a plain, shallow record
  if (jsonDepth(meta, 32) > 32) fail('meta', 'is nested more than 32 levels deep');
  const name = 'name' in r ? str(r.name, 'name') : 'network';
  return { name, populations, projections, meta };
}

/**
 * The payload width a projection gets when its file does not say: 1 for binary spikes; for graded values the
 * narrowest width that holds every value the source can emit (counts unsigned, other values signed).
 */
export function defaultPayloadBits(src: Population, payload: 'binary' | 'graded'): number {
  if (payload === 'binary') return 1;
  const spec = neuronModel(src.model);
  const r = resolvePopulation(src);
  const bound = 'params' in r ? spec.payloadBound(src, r.params) : 2 ** 31;
  const bits = Math.ceil(Math.log2(bound + 1)) + (spec.spiking ? 0 : 1);
  return Math.min(32, Math.max(1, bits));
}

/** [[source, target, weight], ...] as CSR by source (stable: a source's synapses keep their order in the list). */
function synapseList(
  v: unknown,
  field: string,
  nS: number,
  nT: number,
  weightBits: number,
  fail: (field: string, what: string) => never,
): { indptr: number[]; indices: number[]; weights: number[] } {
  if (!Array.isArray(v)) fail(field, 'must be an array of [source, target, weight] triples');
  const list = v as unknown[];
  const count = new Array<number>(nS + 1).fill(0);
  const lim = [nS - 1, nT - 1];
  list.forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 3) fail(`${field}[${i}]`, 'must be [source, target, weight]');
    const t = e as unknown[];
    for (let k = 0; k < 2; k++)
      if (typeof t[k] !== 'number' || !Number.isInteger(t[k]) || (t[k] as number) < 0 || (t[k] as number) > lim[k])
        fail(`${field}[${i}][${k}]`, `= ${shown(t[k])}, expected a neuron index in [0, ${lim[k]}]`);
    const w = 2 ** (weightBits - 1);
    if (typeof t[2] !== 'number' || !Number.isInteger(t[2]) || t[2] < -w || t[2] >= w)
      fail(
        `${field}[${i}][2]`,
        `= ${shown(t[2])}, expected an integer weight in the ${weightBits}-bit range [${-w}, ${w - 1}]`,
      );
    count[(t[0] as number) + 1]++;
  });
  for (let s = 0; s < nS; s++) count[s + 1] += count[s];
  const indptr = count.slice();
  const next = count.slice(0, nS);
  const indices = new Array<number>(list.length),
    weights = new Array<number>(list.length);
  for (const e of list as number[][]) {
    const j = next[e[0]]++;
    indices[j] = e[1];
    weights[j] = e[2];
  }
  return { indptr, indices, weights };
}

/** A network file read and checked (one UserError line when it cannot be read or is not a valid network). */
export function readNetwork(file: string): Network {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: cannot read the network file`);
  }
  return fromJson(text, file);
}
