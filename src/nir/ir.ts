/**
 * NIR (Neuromorphic Intermediate Representation; Pedersen et al., Nature Communications 15, 8122, 2024;
 * neuromorphs/NIR): its node types, read from and written to the HDF5 layout of NIR's reference
 * serialisation (nir/serialization.py, v1.0.7), with the checks its reference reader makes:
 *   /version            scalar string
 *   /node               the root NIRGraph: `type` "NIRGraph", `edges` (E x 2 strings), `nodes/<name>/`,
 *                       optional `metadata/`
 *   nodes/<name>/type   the node's type; one dataset per parameter; optional `metadata/`
 * An unknown type, an unknown or missing parameter, parameters of different shapes, a dangling edge and a
 * shape mismatch along an edge are refused, naming the node. Weights are (out, in).
 */
import { UserError } from '../errors.js';
import { shown } from '../io/json-read.js';
import { h5group, h5numbers, h5string, type H5Dataset, type H5Group, type H5Node } from '../io/hdf5.js';

/** A numeric parameter: its shape and values (row-major). */
export interface NirTensor {
  shape: number[];
  data: Float64Array;
  /** As stored: 'int' or 'float', 4 or 8 bytes (kept so that a file written back has the same types). */
  type: 'int' | 'float';
  size: number;
}

export type NirParam = NirTensor | string;

export interface NirNode {
  type: string;
  params: Record<string, NirParam>;
  metadata?: H5Group;
}

export interface NirGraph {
  type: 'NIRGraph';
  nodes: Map<string, NirNode | NirGraph>;
  edges: [string, string][];
  metadata?: H5Group;
}

export const isGraph = (n: NirNode | NirGraph): n is NirGraph => n.type === 'NIRGraph';

interface FieldSpec {
  optional?: boolean;
  /** 'tensor': numbers of any shape; 'pad': numbers or "same"/"valid". */
  kind?: 'tensor' | 'pad';
}

/** Every serialisable NIR type and its fields (nir/ir/*.py at v1.0.7); NIRGraph is handled apart. */
export const NIR_TYPES: Record<string, Record<string, FieldSpec>> = {
  Input: { shape: {} },
  Output: { shape: {} },
  Affine: { weight: {}, bias: {}, input_type: { optional: true }, output_type: { optional: true } },
  Linear: { weight: {} },
  Scale: { scale: {} },
  Delay: { delay: {}, input_type: { optional: true }, output_type: { optional: true } },
  Threshold: { threshold: {}, input_type: { optional: true }, output_type: { optional: true } },
  I: { r: {}, input_type: { optional: true }, output_type: { optional: true } },
  IF: {
    r: {},
    v_threshold: {},
    v_reset: { optional: true },
    input_type: { optional: true },
    output_type: { optional: true },
  },
  LI: { tau: {}, r: {}, v_leak: {}, input_type: { optional: true }, output_type: { optional: true } },
  LIF: {
    tau: {},
    r: {},
    v_leak: {},
    v_threshold: {},
    v_reset: { optional: true },
    input_type: { optional: true },
    output_type: { optional: true },
  },
  CubaLI: {
    tau_syn: {},
    tau_mem: {},
    r: {},
    v_leak: {},
    w_in: { optional: true },
    input_type: { optional: true },
    output_type: { optional: true },
  },
  CubaLIF: {
    tau_syn: {},
    tau_mem: {},
    r: {},
    v_leak: {},
    v_threshold: {},
    v_reset: { optional: true },
    w_in: { optional: true },
    input_type: { optional: true },
    output_type: { optional: true },
  },
  Conv1d: {
    input_shape: {},
    weight: {},
    stride: {},
    padding: { kind: 'pad' },
    dilation: {},
    groups: {},
    bias: {},
    input_type: { optional: true },
    output_type: { optional: true },
  },
  Conv2d: { input_shape: {}, weight: {}, stride: {}, padding: { kind: 'pad' }, dilation: {}, groups: {}, bias: {} },
  SumPool2d: {
    kernel_size: {},
    stride: {},
    padding: {},
    input_type: { optional: true },
    output_type: { optional: true },
  },
  AvgPool2d: { kernel_size: {}, stride: {}, padding: {} },
  Flatten: {
    input_type: { optional: true },
    start_dim: { optional: true },
    end_dim: { optional: true },
    output_type: { optional: true },
  },
};

/** The neuron types and their per-neuron parameters (all of one shape, the neurons' shape). */
export const NIR_NEURONS: Record<string, string[]> = {
  I: ['r'],
  IF: ['r', 'v_threshold', 'v_reset'],
  LI: ['tau', 'r', 'v_leak'],
  LIF: ['tau', 'r', 'v_leak', 'v_threshold', 'v_reset'],
  CubaLI: ['tau_syn', 'tau_mem', 'r', 'v_leak', 'w_in'],
  CubaLIF: ['tau_syn', 'tau_mem', 'r', 'v_leak', 'v_threshold', 'v_reset', 'w_in'],
};

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** The most neurons (values) one node may have: 2^27. */
export const MAX_SIZE = 2 ** 27;

export const tensor = (
  data: ArrayLike<number>,
  shape: number[],
  type: 'int' | 'float' = 'float',
  size = 4,
): NirTensor => ({
  shape,
  data: Float64Array.from(data),
  type,
  size,
});

/** Parse the root of a NIR file's HDF5 tree; every problem is one UserError naming the file and the node. */
export function nirFromHdf5(root: H5Group, file: string): { version: string; graph: NirGraph } {
  const v = root.children.get('version');
  const version = v?.kind === 'dataset' && v.type === 'string' ? v.value[0] : '';
  const node = root.children.get('node');
  if (!node || node.kind !== 'group')
    throw new UserError(`${file}: not a NIR file (no group "node" at its root; an HDF5 file of another kind?)`);
  const g = readNode(node, 'node', file, 0);
  if (!isGraph(g)) throw new UserError(`${file}: node: the root is a ${g.type}, NIR files hold a NIRGraph`);
  checkGraph(g, file, 'node');
  return { version, graph: g };
}

function readNode(group: H5Group, at: string, file: string, depth: number): NirNode | NirGraph {
  if (depth > 16) throw new UserError(`${file}: ${shown(at)}: graphs nested deeper than 16`);
  const t = group.children.get('type');
  if (!t || t.kind !== 'dataset' || t.type !== 'string' || t.shape.length !== 0)
    throw new UserError(`${file}: ${shown(at)}: no "type" string`);
  const type = t.value[0];
  const md = group.children.get('metadata');
  const metadata = md?.kind === 'group' ? md : undefined;
  if (type === 'NIRGraph') {
    const nodesG = group.children.get('nodes');
    if (!nodesG || nodesG.kind !== 'group') throw new UserError(`${file}: ${shown(at)}: a NIRGraph without "nodes"`);
    const nodes = new Map<string, NirNode | NirGraph>();
    for (const [name, c] of nodesG.children) {
      if (c.kind !== 'group') throw new UserError(`${file}: ${shown(`${at}.${name}`)}: a node must be a group`);
      nodes.set(name, readNode(c, `${at}.${name}`, file, depth + 1));
    }
    const e = group.children.get('edges');
    const edges: [string, string][] = [];
    if (e && e.kind === 'dataset' && e.type === 'string') {
      if (e.shape.length !== 2 || e.shape[1] !== 2)
        throw new UserError(`${file}: ${shown(at)}: edges must be an E x 2 array of node names`);
      for (let i = 0; i < e.shape[0]; i++) edges.push([e.value[2 * i], e.value[2 * i + 1]]);
    } else if (e && !(e.kind === 'dataset' && e.value.length === 0))
      throw new UserError(`${file}: ${shown(at)}: edges must be an E x 2 array of node names`);
    for (const k of group.children.keys())
      if (!['type', 'nodes', 'edges', 'metadata'].includes(k))
        throw new UserError(`${file}: ${shown(at)}: a NIRGraph has no field ${shown(k)}`);
    return { type: 'NIRGraph', nodes, edges, metadata };
  }
  const spec = NIR_TYPES[type];
  if (!spec)
    throw new UserError(
      `${file}: ${shown(at)}: unknown node type ${shown(type)} (NIR has ${[...Object.keys(NIR_TYPES), 'NIRGraph'].join(', ')})`,
    );
  const params: Record<string, NirParam> = {};
  for (const [k, c] of group.children) {
    if (k === 'type' || k === 'metadata') continue;
    const f = spec[k];
    if (!f)
      throw new UserError(
        `${file}: ${shown(at)}: ${type} has no parameter ${shown(k)} (${Object.keys(spec).join(', ')})`,
      );
    if (c.kind !== 'dataset') throw new UserError(`${file}: ${shown(at)}.${k}: must be a dataset`);
    params[k] = paramOf(c, f, `${at}.${k}`, file);
  }
  for (const [k, f] of Object.entries(spec))
    if (!f.optional && params[k] === undefined)
      throw new UserError(`${file}: ${shown(at)}: ${type} is missing its parameter ${k}`);
  return { type, params, metadata };
}

function paramOf(d: H5Dataset, f: FieldSpec, at: string, file: string): NirParam {
  if (d.type === 'string') {
    if (f.kind === 'pad' && d.shape.length === 0 && ['same', 'valid'].includes(d.value[0])) return d.value[0];
    throw new UserError(`${file}: ${shown(at)}: must be numbers${f.kind === 'pad' ? ' or "same"/"valid"' : ''}`);
  }
  const data = d.value;
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i])) throw new UserError(`${file}: ${shown(at)}[${i}] is not a finite number`);
  return { shape: d.shape, data, type: d.type, size: d.size };
}

/** Numbers of a parameter (throws for a string). */
export function num(n: NirNode, k: string): NirTensor {
  const p = n.params[k];
  if (p === undefined || typeof p === 'string') throw new Error(`NIR ${n.type}: parameter ${k} is not numeric`);
  return p;
}

/** A neuron node's parameters filled in as NIR's reader does: v_reset zeros, w_in ones. */
export function neuronParams(n: NirNode): Record<string, NirTensor> {
  const out: Record<string, NirTensor> = {};
  const names = NIR_NEURONS[n.type];
  const first = num(
    n,
    names.find((k) => n.params[k] !== undefined)!,
  );
  for (const k of names) {
    const p = n.params[k];
    out[k] =
      p === undefined
        ? tensor(new Float64Array(prod(first.shape)).fill(k === 'w_in' ? 1 : 0), first.shape, 'float', 8)
        : (p as NirTensor);
  }
  return out;
}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The output shape of a node given its input shape (undefined input: the node's own, where it states one). */
export function outputShape(n: NirNode | NirGraph, input: number[] | undefined, at: string, file: string): number[] {
  const fail = (what: string): never => {
    throw new UserError(`${file}: ${shown(at)}: ${what}`);
  };
  if (isGraph(n)) {
    const outs = [...n.nodes.values()].filter((c) => c.type === 'Output');
    if (outs.length !== 1) fail('a nested NIRGraph needs exactly one Output node to be flattened');
    return Array.from(num(outs[0] as NirNode, 'shape').data);
  }
  const ints = (k: string) => {
    const a = Array.from(num(n, k).data);
    if (!a.every((x) => Number.isInteger(x) && x >= 1 && x <= MAX_SIZE) || prod(a) > MAX_SIZE)
      fail(`${k} must hold positive integers, ${MAX_SIZE} values at most in all`);
    return a;
  };
  switch (n.type) {
    case 'Input':
    case 'Output':
      return ints('shape');
    case 'Affine':
    case 'Linear': {
      const w = num(n, 'weight');
      if (w.shape.length !== 2) fail(`${n.type} weight must be 2-D (out, in), not [${w.shape.join(', ')}]`);
      if (n.type === 'Affine' && !sameShape(num(n, 'bias').shape, [w.shape[0]]))
        fail(`Affine bias has shape [${num(n, 'bias').shape.join(', ')}], the weight has ${w.shape[0]} outputs`);
      if (input && prod(input) !== w.shape[1])
        fail(`its input has ${prod(input)} values ([${input.join(', ')}]), the weight takes ${w.shape[1]}`);
      return [w.shape[0]];
    }
    case 'Scale':
    case 'Delay':
    case 'Threshold': {
      const s = num(n, n.type === 'Scale' ? 'scale' : n.type === 'Delay' ? 'delay' : 'threshold').shape;
      if (input && prod(input) !== prod(s))
        fail(`its input has shape [${input.join(', ')}], its parameter [${s.join(', ')}]`);
      return s;
    }
    case 'Flatten': {
      const it = n.params.input_type ? ints('input_type') : input;
      if (!it) fail('Flatten needs its input shape');
      return [prod(it!)];
    }
    case 'Conv1d':
    case 'Conv2d':
    case 'SumPool2d':
    case 'AvgPool2d':
      return convOutput(n, input, fail);
    default: {
      const names = NIR_NEURONS[n.type];
      const p = neuronParams(n);
      const s = p[names[0]].shape;
      for (const k of names)
        if (!sameShape(p[k].shape, s))
          fail(
            `${n.type} parameters must share one shape: ${names[0]} is [${s.join(', ')}], ${k} is [${p[k].shape.join(', ')}]`,
          );
      if (input && prod(input) !== prod(s)) fail(`its input has ${prod(input)} values, it has ${prod(s)} neurons`);
      return s;
    }
  }
}

/** Conv1d/Conv2d/SumPool2d/AvgPool2d output shapes (channels first), as nir/ir/utils.py calculate_conv_output. */
function convOutput(n: NirNode, input: number[] | undefined, fail: (w: string) => never): number[] {
  const dims = n.type === 'Conv1d' ? 1 : 2;
  const pair = (k: string, dflt?: number): number[] => {
    const p = n.params[k];
    if (p === undefined) return new Array(dims).fill(dflt);
    if (typeof p === 'string') return [];
    const a = Array.from(p.data);
    const min = k === 'padding' ? 0 : 1;
    if (!a.every((x) => Number.isInteger(x) && x >= min && x <= 2 ** 16))
      fail(`${n.type} ${k} must hold integers from ${min} to 65536`);
    return a.length === 1 ? new Array(dims).fill(a[0]) : a;
  };
  if (n.type === 'Conv1d' || n.type === 'Conv2d') {
    const w = num(n, 'weight');
    if (w.shape.length !== dims + 2) fail(`${n.type} weight must be ${dims + 2}-D (out, in / groups, kernel...)`);
    const groups = num(n, 'groups').data[0];
    if (!(Number.isInteger(groups) && groups >= 1 && groups <= 2 ** 16))
      fail(`${n.type} groups must be a positive integer`);
    const spatial = Array.from(num(n, 'input_shape').data);
    if (spatial.length !== dims) fail(`${n.type} input_shape must have ${dims} value(s)`);
    if (!spatial.every((x) => Number.isInteger(x) && x >= 1 && x <= 2 ** 16))
      fail(`${n.type} input_shape must hold integers from 1 to 65536`);
    if (!w.shape.every((x) => x >= 1)) fail(`${n.type} weight has an empty dimension`);
    const cin = w.shape[1] * groups;
    if (input && prod(input) !== cin * prod(spatial))
      fail(`its input has shape [${input.join(', ')}], the convolution takes ${cin} x ${spatial.join(' x ')}`);
    const stride = pair('stride'),
      dil = pair('dilation');
    const pad = n.params.padding;
    const out = spatial.map((N, i) => {
      const k = w.shape[2 + i];
      if (pad === 'same') return N;
      const p = pad === 'valid' ? 0 : pair('padding')[i];
      return Math.floor((N + 2 * p - dil[i] * (k - 1) - 1) / stride[i] + 1);
    });
    if (out.some((x) => !(x >= 1))) fail(`${n.type} has no output (output size [${out.join(', ')}])`);
    if (w.shape[0] * prod(out) > MAX_SIZE) fail(`${n.type} has more than ${MAX_SIZE} outputs`);
    return [w.shape[0], ...out];
  }
  if (!input || input.length !== 3) fail(`${n.type} needs a (channels, height, width) input`);
  const k = pair('kernel_size'),
    s = pair('stride'),
    p = pair('padding');
  const out = [0, 1].map((i) => Math.floor((input![1 + i] + 2 * p[i] - k[i]) / s[i] + 1));
  if (out.some((x) => !(x >= 1))) fail(`${n.type} has no output (output size [${out.join(', ')}])`);
  return [input![0], ...out];
}

/** Edges name existing nodes; shapes agree along every edge (inferred from the Inputs, as NIR's type check). */
export function checkGraph(g: NirGraph, file: string, at: string): Map<string, number[]> {
  for (const [a, b] of g.edges)
    for (const x of [a, b])
      if (!g.nodes.has(x))
        throw new UserError(
          `${file}: ${shown(at)}: an edge names ${shown(x)}, which is not a node of the graph (a dangling edge)`,
        );
  const shapes = new Map<string, number[]>();
  const inputsOf = new Map<string, string[]>();
  for (const [a, b] of g.edges) inputsOf.set(b, [...(inputsOf.get(b) ?? []), a]);
  // fixed point: a node's shape is known once one of its sources' is (cycles take the first known source)
  const pending = new Set(g.nodes.keys());
  for (let pass = 0; pass <= g.nodes.size && pending.size; pass++)
    for (const name of [...pending]) {
      const n = g.nodes.get(name)!;
      const srcs = inputsOf.get(name) ?? [];
      const known = srcs.filter((s) => shapes.has(s));
      if (srcs.length && !known.length && n.type !== 'Input') continue;
      const where = `${at}.${name}`;
      if (isGraph(n)) checkGraph(n, file, where);
      let input: number[] | undefined;
      for (const s of known) {
        const sh = shapes.get(s)!;
        if (input && prod(input) !== prod(sh))
          throw new UserError(
            `${file}: ${shown(where)}: its inputs disagree: [${input.join(', ')}] and [${sh.join(', ')}] (from ${shown(s)})`,
          );
        input ??= sh;
      }
      if (n.type === 'Input') input = undefined;
      shapes.set(name, outputShape(n, input, where, file));
      pending.delete(name);
    }
  // nodes no Input reaches: their own shapes, checked alone
  for (const name of pending) shapes.set(name, outputShape(g.nodes.get(name)!, undefined, `${at}.${name}`, file));
  return shapes;
}

/** The HDF5 tree of a NIR graph (the layout NIR's reference writer produces). */
export function nirToHdf5(graph: NirGraph, version = '1.0.7'): H5Group {
  return h5group([
    ['version', h5string(version)],
    ['node', nodeTree(graph)],
  ]);
}

function nodeTree(n: NirNode | NirGraph): H5Group {
  const entries: [string, H5Node][] = [['type', h5string(n.type)]];
  if (isGraph(n)) {
    entries.push(['nodes', h5group([...n.nodes].map(([k, c]) => [k, nodeTree(c)]))]);
    entries.push(['edges', h5string(n.edges.flat(), [n.edges.length, 2])]);
  } else
    for (const [k, p] of Object.entries(n.params))
      entries.push([k, typeof p === 'string' ? h5string(p) : h5numbers(p.data, p.shape, p.type, p.size)]);
  if (n.metadata && n.metadata.children.size) entries.push(['metadata', n.metadata]);
  return h5group(entries);
}
