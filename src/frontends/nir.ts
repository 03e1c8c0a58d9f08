/**
 * NIR graph -> integer Network: neurons become Loihi-register populations, chains of linear nodes between them
 * are folded into one real matrix per (source, target) and quantised by the generic quantiser.
 *
 * Discretisation at a time step dt (the file carries none: --dt, or `dt` in the root graph's metadata). Each
 * neuron's continuous equation is integrated exactly over a step for an input held constant during it (zero-order
 * hold; `euler` gives forward Euler, the discretisation snnTorch and Norse train with):
 *   LIF      tau dv/dt = (v_leak - v) + r I   ->  v <- a v + (1 - a)(v_leak + r I),  a = exp(-dt / tau)
 *            Loihi: dv = round(4096 (1 - a)), du = 4095 (u holds one step's input), input gain (1 - a) r
 *   IF       dv/dt = r I                         ->  v <- v + dt r I                      (if model)
 *   LI, I    as LIF without threshold (LI), without leak (I)                           (li model)
 *   CubaLIF  tau_syn dI/dt = -I + w_in S; then LIF on I  ->  I <- b I + (1 - b) w_in S, b = exp(-dt / tau_syn)
 *            Loihi: du = 4095 - round(4096 b) (u keeps (4095 - du) / 4096), input gain (1 - b) w_in (1 - a) r
 *   CubaLI   as CubaLIF without threshold (li)
 * v_reset != 0 is a shift: the threshold becomes v_threshold - v_reset and the leak target v_leak - v_reset, so
 * the Loihi reset to 0 is exact. v_leak (and an Affine bias into an LIF/IF/LI) is a Loihi bias on v; an Affine
 * bias into a CubaLIF/CubaLI's current goes through weights from a `constant` population (always 1).
 * Each population's thresholds, biases and incoming weights share one power-of-two scale: the largest of its
 * threshold, its current when every source fires at once, and (leaky integrators) its settled voltage fills at
 * most 2^16 input units, half the 24-bit registers' range (an import never saturates on the worst input).
 * Spikes are 1 per step (an input held over dt), the convention of snnTorch's and Norse's exports.
 * Latency: NIR edges are instantaneous, ours take one step, so each neuron layer on a path adds one step (a
 * feed-forward network of L neuron layers answers L steps late); a recurrent edge keeps its one step, as NIR says.
 */
import { UserError } from '../errors.js';
import { shown } from '../io/json-read.js';
import type { H5Group } from '../io/hdf5.js';
import { isGraph, neuronParams, num, type NirGraph, type NirNode, type NirTensor } from '../nir/ir.js';
import type { Network, Population, Projection } from '../net/network.js';
import { errorReport, quantizeProjection, quantizeSparse, type TensorReport } from '../net/quantize.js';
import { add, compose, identity, linearOf, prod, type Mat } from '../nir/linear.js';

export type Discretisation = 'zoh' | 'euler';

export interface NirImportOptions {
  dt: number;
  weightBits?: number;
  discretisation?: Discretisation;
  /**
   * What a spike is: 'held' (1 for one step, the input current of snnTorch's and Norse's exports; default) or
   * 'dirac' (a pulse of integral 1, as the NIR paper defines it: it moves v by r w / tau at once, at the end of
   * the step it arrives in). Current-based neurons take 'held' only.
   */
  spikes?: 'held' | 'dirac';
}

export interface PopulationDiscretisation {
  node: string;
  type: string;
  model: string;
  size: number;
  /** Per-step retentions (mean over neurons) and their Loihi 12-bit roundings. */
  vRetain?: number;
  vRetainLoihi?: number;
  uRetain?: number;
  uRetainLoihi?: number;
  /** The population's power-of-two scale (thresholds, biases and weights are multiplied by 2^scale). */
  scale: number;
}

export interface NirImportReport {
  dt: number;
  discretisation: Discretisation;
  populations: PopulationDiscretisation[];
  tensors: TensorReport[];
  /** Steps a spike takes from the input to each output (one per neuron layer). */
  latencySteps: Record<string, number>;
  notes: string[];
}

const NEURON_MODEL: Record<string, 'lif' | 'if' | 'li' | 'threshold'> = {
  LIF: 'lif',
  IF: 'if',
  LI: 'li',
  I: 'li',
  CubaLIF: 'lif',
  CubaLI: 'li',
  Threshold: 'threshold',
};
const LINEAR = new Set(['Linear', 'Affine', 'Scale', 'Flatten', 'Conv1d', 'Conv2d', 'SumPool2d', 'AvgPool2d']);
const SUPPORTED = ['Input', 'Output', 'Delay', ...LINEAR, ...Object.keys(NEURON_MODEL), 'NIRGraph'];

interface Flat {
  nodes: Map<string, NirNode>;
  edges: [string, string][];
}

/** Nested NIRGraphs flattened: inner names joined with ".", their Input/Output nodes passed through. */
export function flatten(g: NirGraph, prefix = ''): Flat {
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  const entry = new Map<string, string[]>(), // a nested graph's name -> its nodes fed by its Inputs
    exit = new Map<string, string[]>(); // ... and those feeding its Outputs
  for (const [name, n] of g.nodes) {
    const full = prefix + name;
    if (!isGraph(n)) {
      nodes.set(full, n);
      continue;
    }
    const inner = flatten(n, `${full}.`);
    const ins = [...n.nodes].filter(([, c]) => c.type === 'Input').map(([k]) => `${full}.${k}`);
    const outs = [...n.nodes].filter(([, c]) => c.type === 'Output').map(([k]) => `${full}.${k}`);
    entry.set(
      full,
      inner.edges.filter(([a]) => ins.includes(a)).map(([, b]) => b),
    );
    exit.set(
      full,
      inner.edges.filter(([, b]) => outs.includes(b)).map(([a]) => a),
    );
    for (const [k, c] of inner.nodes) if (!ins.includes(k) && !outs.includes(k)) nodes.set(k, c);
    for (const [a, b] of inner.edges) if (!ins.includes(a) && !outs.includes(b)) edges.push([a, b]);
  }
  for (const [a, b] of g.edges) {
    const froms = exit.get(prefix + a) ?? [prefix + a],
      tos = entry.get(prefix + b) ?? [prefix + b];
    for (const f of froms) for (const t of tos) edges.push([f, t]);
  }
  return { nodes, edges };
}

/** A number in a node's metadata (ipvae's own keys: ipvae_scale, ipvae_exponent, ipvae_weight_bits). */
export function metaNumber(n: { metadata?: H5Group }, key: string): number | undefined {
  const d = n.metadata?.children.get(key);
  return d && d.kind === 'dataset' && d.type !== 'string' && d.value.length === 1 ? d.value[0] : undefined;
}

/** A string in a node's (or graph's) metadata. */
export function metaString(n: { metadata?: H5Group }, key: string): string | undefined {
  const d = n.metadata?.children.get(key);
  return d && d.kind === 'dataset' && d.type === 'string' && d.value.length === 1 ? d.value[0] : undefined;
}

/** A folded path's key: source, the extra steps of the Delays on it (0: none), target. */
const pathKey = (src: string, late: number, tgt: string) =>
  late ? `${src}\u0000${late}\u0000${tgt}` : `${src}\u0000${tgt}`;
function pathParts(key: string): { src: string; late: number; tgt: string } {
  const p = key.split('\u0000');
  return p.length === 3 ? { src: p[0], late: Number(p[1]), tgt: p[2] } : { src: p[0], late: 0, tgt: p[1] };
}

/** The gains and decays of one neuron node at dt, per neuron. */
interface Neuron {
  model: 'lif' | 'if' | 'li' | 'threshold';
  size: number;
  /** Input gain per neuron (weights into it are multiplied by it). */
  gain: Float64Array;
  /** Constant per step on v (real units), threshold - reset (real units; undefined: no threshold). */
  vBias: Float64Array;
  threshold?: Float64Array;
  dv: Int32Array;
  du: Int32Array;
  /** The exact per-step retentions of v and of the current (before their 12-bit Loihi rounding). */
  vKeep: Float64Array;
  uKeep: Float64Array;
  /** Whether a constant input current (an Affine bias) needs the constant source (current-based models). */
  current: boolean;
  disc: PopulationDiscretisation;
}

function neuronOf(n: NirNode, name: string, o: Required<NirImportOptions>, file: string): Neuron {
  if (n.type === 'Threshold') return thresholdOf(n, name, o, file);
  const p = neuronParams(n);
  const size = prod(p[Object.keys(p)[0]].shape);
  const dt = o.dt;
  const retain = (tau: NirTensor, what: string): Float64Array =>
    Float64Array.from(tau.data, (t, i) => {
      if (!(t > 0)) throw new UserError(`${file}: ${shown(name)}: ${what}[${i}] = ${t}; a time constant must be > 0`);
      return o.discretisation === 'zoh' ? Math.exp(-dt / t) : Math.max(0, 1 - dt / t);
    });
  const loihiV = (a: Float64Array) =>
    Int32Array.from(a, (x) => Math.min(4095, Math.max(0, Math.round(4096 * (1 - x)))));
  const loihiU = (b: Float64Array) =>
    Int32Array.from(b, (x) => Math.min(4095, Math.max(0, 4095 - Math.round(4096 * x))));
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / Math.max(1, a.length);
  const r = p.r.data;
  const vReset = p.v_reset?.data ?? new Float64Array(size);
  const model = NEURON_MODEL[n.type];
  const disc: PopulationDiscretisation = { node: name, type: n.type, model, size, scale: 0 };
  const gain = new Float64Array(size),
    vBias = new Float64Array(size);
  let dv = new Int32Array(size),
    du = new Int32Array(size).fill(4095);
  let current = false;
  let vKeep: Float64Array = new Float64Array(size).fill(1),
    uKeep: Float64Array = new Float64Array(size);
  const dirac = o.spikes === 'dirac';
  if (n.type === 'IF' || n.type === 'I') {
    for (let i = 0; i < size; i++) gain[i] = dirac ? r[i] : dt * r[i];
    if (n.type === 'I') dv = new Int32Array(size);
  } else if (n.type === 'LIF' || n.type === 'LI') {
    const a = retain(p.tau, 'tau');
    vKeep = a;
    dv = loihiV(a);
    for (let i = 0; i < size; i++) {
      gain[i] = dirac ? r[i] / p.tau.data[i] : (1 - a[i]) * r[i];
      vBias[i] = (1 - a[i]) * (p.v_leak.data[i] - vReset[i]);
    }
    disc.vRetain = mean(a);
    disc.vRetainLoihi = mean(Array.from(dv, (d) => (4096 - d) / 4096));
  } else {
    if (dirac)
      throw new UserError(
        `${file}: ${shown(name)}: --spikes dirac takes LIF, IF, LI and I nodes; ${n.type} is not one`,
      );
    const a = retain(p.tau_mem, 'tau_mem'),
      b = retain(p.tau_syn, 'tau_syn');
    dv = loihiV(a);
    du = loihiU(b);
    vKeep = a;
    uKeep = b;
    current = true;
    for (let i = 0; i < size; i++) {
      gain[i] = (1 - b[i]) * p.w_in.data[i] * (1 - a[i]) * r[i];
      vBias[i] = (1 - a[i]) * (p.v_leak.data[i] - vReset[i]);
    }
    disc.vRetain = mean(a);
    disc.vRetainLoihi = mean(Array.from(dv, (d) => (4096 - d) / 4096));
    disc.uRetain = mean(b);
    disc.uRetainLoihi = mean(Array.from(du, (d) => (4095 - d) / 4096));
  }
  let threshold: Float64Array | undefined;
  if (p.v_threshold) {
    threshold = Float64Array.from(p.v_threshold.data, (t, i) => t - vReset[i]);
    const bad = threshold.findIndex((t) => !(t >= 0));
    if (bad >= 0)
      throw new UserError(`${file}: ${shown(name)}: v_threshold[${bad}] is below v_reset; Loihi thresholds are >= 0`);
  }
  return { model, size, gain, vBias, threshold, dv, du, vKeep, uKeep, current, disc };
}

/**
 * A Threshold node, H(x - threshold): this step's input only (no state), spiking where it exceeds the threshold.
 * A threshold >= 0 is the population's vth; a negative one is a bias of -threshold on v over vth = 0.
 */
function thresholdOf(n: NirNode, name: string, o: Required<NirImportOptions>, file: string): Neuron {
  const th = num(n, 'threshold').data;
  const size = th.length;
  if (o.spikes === 'dirac')
    throw new UserError(`${file}: ${shown(name)}: --spikes dirac takes LIF, IF, LI and I nodes; Threshold is not one`);
  return {
    model: 'threshold',
    size,
    gain: new Float64Array(size).fill(1),
    vBias: Float64Array.from(th, (t) => Math.max(0, -t)),
    threshold: Float64Array.from(th, (t) => Math.max(0, t)),
    dv: new Int32Array(size).fill(4096),
    du: new Int32Array(size).fill(4095),
    vKeep: new Float64Array(size),
    uKeep: new Float64Array(size),
    current: false,
    disc: { node: name, type: 'Threshold', model: 'threshold', size, scale: 0 },
  };
}

/** The imported graph before quantisation: its neurons at dt and the folded real matrices between them. */
export interface NirPlan {
  o: Required<NirImportOptions>;
  nodes: Map<string, NirNode>;
  edges: [string, string][];
  neurons: Map<string, Neuron>;
  /** `${source}\u0000${target}` -> the summed real matrix (with the constant it adds). */
  paths: Map<string, Mat>;
  hints: Map<string, { exponent: number; bits: number } | null>;
  outputs: Record<string, string[]>;
  sizeOf: (name: string, n: NirNode) => number;
}

export function planNir(g: NirGraph, file: string, opts: NirImportOptions): NirPlan {
  const o: Required<NirImportOptions> = { weightBits: 8, discretisation: 'zoh', spikes: 'held', ...opts };
  if (!(o.dt > 0 && Number.isFinite(o.dt))) throw new UserError(`--dt: ${o.dt} must be a positive time step`);
  const { nodes, edges } = flatten(g);
  for (const [name, n] of nodes)
    if (!SUPPORTED.includes(n.type))
      throw new UserError(
        `${file}: ${shown(name)}: ${n.type} nodes are not imported yet (this version takes ${SUPPORTED.join(', ')})`,
      );
  const out = new Map<string, string[]>();
  for (const [a, b] of edges) out.set(a, [...(out.get(a) ?? []), b]);
  // populations: Inputs (host) and neurons
  const isSource = (n: NirNode) => n.type === 'Input' || n.type in NEURON_MODEL;
  const sizeOf = (name: string, n: NirNode) =>
    n.type === 'Input' ? prod(Array.from(num(n, 'shape').data)) : prod(num(n, NIR_FIRST[n.type]).shape);
  const neurons = new Map<string, Neuron>();
  for (const [name, n] of nodes) if (n.type in NEURON_MODEL) neurons.set(name, neuronOf(n, name, o, file));
  // every path source -> linear nodes -> target, folded (a cycle through linear nodes only is refused)
  const paths = new Map<string, Mat>(); // `${src}\u0000${tgt}` -> summed matrix
  // a path through one linear node that states ipvae's exponent and width (a file ipvae wrote) keeps them
  const hints = new Map<string, { exponent: number; bits: number } | null>();
  const outputs: Record<string, string[]> = {};
  for (const [src, n] of nodes) {
    if (!isSource(n)) continue;
    const k = sizeOf(src, n);
    const srcShape = n.type === 'Input' ? Array.from(num(n, 'shape').data) : num(n, NIR_FIRST[n.type]).shape;
    const walk = (at: string, m: Mat, seen: Set<string>, via: NirNode[] = [], late = 0) => {
      for (const next of out.get(at) ?? []) {
        const t = nodes.get(next)!;
        if (t.type === 'Output') {
          outputs[next] = [...(outputs[next] ?? []), src];
          continue;
        }
        if (isSource(t)) {
          if (t.type === 'Input') throw new UserError(`${file}: ${shown(next)}: an edge into an Input node`);
          if (m.cols !== k || m.rows !== sizeOf(next, t))
            throw new UserError(
              `${file}: ${shown(next)}: its input from ${shown(src)} has ${m.rows} values, it has ${sizeOf(next, t)} neurons`,
            );
          // paths with a Delay on them are kept apart by their extra steps
          const key = pathKey(src, late, next);
          const prev = paths.get(key);
          paths.set(key, prev ? add(prev, m) : m);
          const lin = via.filter((v) => v.type !== 'Delay');
          const e = lin.length === 1 ? metaNumber(lin[0], 'ipvae_exponent') : undefined,
            b = lin.length === 1 ? metaNumber(lin[0], 'ipvae_weight_bits') : undefined;
          hints.set(key, !prev && e !== undefined && b !== undefined ? { exponent: e, bits: b } : null);
          continue;
        }
        if (t.type === 'Delay') {
          // y(t) = x(t - tau): whole steps at dt, one value for all (a projection has one delay)
          const d = num(t, 'delay');
          if (d.data.length !== m.rows)
            throw new UserError(`${file}: ${shown(next)}: delays ${d.data.length} values, gets ${m.rows}`);
          const steps = d.data[0] / o.dt;
          if (
            !d.data.every((x) => x === d.data[0]) ||
            !(Math.abs(steps - Math.round(steps)) < 1e-6) ||
            steps < 0 ||
            steps > 1e6
          )
            throw new UserError(
              `${file}: ${shown(next)}: a Delay must be one whole number of steps for all its values (here ${d.data[0]} s at dt = ${o.dt} s)`,
            );
          if (seen.has(next))
            throw new UserError(`${file}: ${shown(next)}: a cycle through linear nodes only (no neuron on it)`);
          walk(next, m, new Set([...seen, next]), [...via, t], late + Math.round(steps));
          continue;
        }
        if (!LINEAR.has(t.type)) continue;
        if (seen.has(next))
          throw new UserError(`${file}: ${shown(next)}: a cycle through linear nodes only (no neuron on it)`);
        walk(next, compose(m, linearOf(t, m.shape, next, file)), new Set([...seen, next]), [...via, t], late);
      }
    };
    walk(src, identity(k, srcShape), new Set());
  }
  return { o, nodes, edges, neurons, paths, hints, outputs, sizeOf };
}

export function fromNir(g: NirGraph, file: string, opts: NirImportOptions): { net: Network; report: NirImportReport } {
  const { o, nodes, edges, neurons, paths, hints, outputs, sizeOf } = planNir(g, file, opts);
  // per target population: one scale for thresholds, biases and incoming weights
  const report: NirImportReport = {
    dt: o.dt,
    discretisation: o.discretisation,
    populations: [],
    tensors: [],
    latencySteps: {},
    notes: [],
  };
  const populations: Population[] = [];
  const projections: Projection[] = [];
  const popName = (node: string) => node;
  for (const [name, n] of nodes)
    if (n.type === 'Input')
      populations.push({
        name: popName(name),
        model: 'input',
        size: sizeOf(name, n),
        params: {},
        formats: { x: { bits: 16, frac: 0, signed: true } },
      });
  let constantNeeded = 0;
  const constantName = '__constant';
  // first the scales (a graded source's emission carries its own population's scale)
  const scaleOf = new Map<string, number>();
  const prep = new Map<string, { incoming: [string, Mat][]; constIn: Float64Array; vBias: Float64Array }>();
  for (const [name, nr] of neurons) {
    const incoming = [...paths].filter(([k]) => pathParts(k).tgt === name);
    const constIn = new Float64Array(nr.size);
    for (const [, m] of incoming) if (m.bias) for (let i = 0; i < nr.size; i++) constIn[i] += m.bias[i];
    const vBias = Float64Array.from(nr.vBias);
    if (!nr.current) for (let i = 0; i < nr.size; i++) vBias[i] += nr.gain[i] * constIn[i];
    const rowL1 = new Float64Array(nr.size);
    for (const [, m] of incoming)
      for (let i = 0; i < nr.size; i++)
        for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) rowL1[i] += Math.abs(m.val[p] * nr.gain[i]);
    // the largest value a register may need: the threshold, the current u when every source fires (u sums its
    // inputs over 1 / (1 - u's retention) steps), and for a leaky integrator its settled v
    let top = 0;
    for (let i = 0; i < nr.size; i++) {
      const uKeep = (4095 - nr.du[i]) / 4096,
        vKeep = (4096 - nr.dv[i]) / 4096;
      const uMax = rowL1[i] / (1 - uKeep);
      top = Math.max(top, uMax, nr.threshold ? nr.threshold[i] : 0);
      if (!nr.threshold && vKeep < 1) top = Math.max(top, (uMax + Math.abs(vBias[i])) / (1 - vKeep));
      if (vKeep === 0) top = Math.max(top, uMax + Math.abs(vBias[i]));
    }
    // 2^16 leaves the 24-bit registers (2^17 input units) a factor 2 of headroom
    const stated = metaNumber(nodes.get(name)!, 'ipvae_scale');
    scaleOf.set(name, stated ?? (top > 0 ? Math.floor(Math.log2(2 ** 16 / top)) : 0));
    prep.set(name, { incoming, constIn, vBias });
  }
  for (const [name, nr] of neurons) {
    const { incoming, constIn, vBias } = prep.get(name)!;
    const needConst = nr.current && constIn.some((x) => x !== 0);
    const scale = scaleOf.get(name)!;
    nr.disc.scale = scale;
    report.populations.push(nr.disc);
    const s = 2 ** scale;
    // bias on v: mantissa (13-bit signed) << exponent (0..7), in 1/64 units
    const biasMant = new Int32Array(nr.size),
      biasExp = new Int32Array(nr.size);
    for (let i = 0; i < nr.size; i++) {
      const want = vBias[i] * s * 64;
      let e = 0;
      while (e < 7 && Math.abs(Math.round(want / 2 ** e)) > 4095) e++;
      biasMant[i] = Math.max(-4096, Math.min(4095, Math.round(want / 2 ** e)));
      biasExp[i] = e;
    }
    const params: Record<string, Int32Array | number> = { bias_mant: biasMant, bias_exp: biasExp };
    if (nr.model !== 'if' && nr.model !== 'threshold') {
      params.dv = nr.dv;
      params.du = nr.du;
    }
    if (nr.threshold) params.vth = Int32Array.from(nr.threshold, (t) => Math.min(2 ** 17, Math.round(t * s)));
    populations.push({ name: popName(name), model: nr.model, size: nr.size, params, formats: {} });
    if (nr.threshold) {
      const q = Array.from(params.vth as Int32Array);
      report.tensors.push(
        errorReport(
          `${name}.v_threshold`,
          Array.from(nr.threshold, (t) => t * s),
          q,
          18,
          0,
        ),
      );
    }
    report.tensors.push(
      errorReport(
        `${name}.bias`,
        Array.from(vBias, (b) => b * s * 64),
        Array.from(biasMant, (m, i) => m * 2 ** biasExp[i]),
        13,
        0,
      ),
    );
    for (const [key, m] of incoming) {
      const { src, late } = pathParts(key);
      const srcNode = nodes.get(src)!;
      // the source's emission in input units: a spike is 1; an li emits v x 2^6 with payload fraction 6
      const graded = srcNode.type !== 'Input' && NEURON_MODEL[srcNode.type] === 'li';
      const fromScale = graded ? 2 ** -scaleOf.get(src)! : 1;
      const val = new Float64Array(m.val.length);
      for (let i = 0; i < m.rows; i++)
        for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) val[p] = m.val[p] * nr.gain[i] * s * fromScale;
      const q = quantizeSparse(
        {
          name: late ? `${src}->${name}@${late}` : `${src}->${name}`,
          source: popName(src),
          target: popName(name),
          delay: 1 + late,
          payload: graded ? 'graded' : 'binary',
          payloadBits: graded ? 24 : 1,
          static: false,
        },
        m.ptr,
        m.idx,
        val,
        m.rows,
        m.cols,
        hints.get(key)?.bits ?? o.weightBits,
        hints.get(key)?.exponent,
      );
      projections.push(...q.projections);
      report.tensors.push({ ...q.report, name: `${src} -> ${name}` });
    }
    if (needConst) {
      constantNeeded++;
      const W = Float64Array.from(constIn, (c, i) => c * nr.gain[i] * s);
      const q = quantizeProjection(
        {
          name: `${constantName}->${name}`,
          source: constantName,
          target: popName(name),
          delay: 1,
          payload: 'binary',
          payloadBits: 1,
          static: false,
        },
        W,
        nr.size,
        1,
        { weightBits: o.weightBits, exponent: 'shared' },
      );
      projections.push(...q.projections);
      report.tensors.push({ ...q.report, name: `bias -> ${name} (through the constant source)` });
    }
  }
  if (constantNeeded) {
    populations.push({ name: constantName, model: 'constant', size: 1, params: {}, formats: {} });
    report.notes.push(
      `${constantNeeded} current-based population(s) take an Affine bias through weights from "${constantName}" (always 1), which a Loihi bias on v cannot express`,
    );
  }
  // latency: neuron layers from an Input to each Output's sources
  for (const [outName, srcs] of Object.entries(outputs))
    report.latencySteps[outName] = Math.max(...srcs.map((s) => depthOf(s, nodes, edges)));
  const net: Network = {
    name: `nir-import`,
    populations,
    projections,
    meta: {
      source: 'NIR graph imported by ipvae',
      dt: o.dt,
      discretisation: o.discretisation,
      spikes: o.spikes,
      outputs,
      latency_steps: report.latencySteps,
      scales: Object.fromEntries(scaleOf),
    },
  };
  return { net, report };
}

const NIR_FIRST: Record<string, string> = {
  LIF: 'tau',
  IF: 'r',
  LI: 'tau',
  I: 'r',
  CubaLIF: 'tau_mem',
  CubaLI: 'tau_mem',
  Threshold: 'threshold',
};

/** Neuron layers on the shortest path from an Input to `node` (inclusive). */
function depthOf(node: string, nodes: Map<string, NirNode>, edges: [string, string][]): number {
  const dist = new Map<string, number>();
  const queue: string[] = [];
  for (const [k, n] of nodes)
    if (n.type === 'Input') {
      dist.set(k, 0);
      queue.push(k);
    }
  while (queue.length) {
    const a = queue.shift()!;
    for (const [x, b] of edges)
      if (x === a && !dist.has(b)) {
        dist.set(b, dist.get(a)! + (nodes.get(b)!.type in NEURON_MODEL ? 1 : 0));
        queue.push(b);
      }
  }
  return dist.get(node) ?? 0;
}

/**
 * The float64 reference of an imported graph: the same discretisation (retentions exp(-dt/tau), not their 12-bit
 * roundings), the same one-step delay per edge, no quantisation and no register limits. Drives are the input
 * populations' rows (row r is emitted at step r + 1, as the integer engine does). Returns every population's
 * emission at steps 1..T (spikes 0/1, or a leaky integrator's v), row-major T x n.
 */
export function simulateNirFloat(plan: NirPlan, drives: Record<string, number[][]>): Map<string, Float64Array> {
  const T = Object.values(drives)[0]?.length ?? 0;
  const emit = new Map<string, Float64Array>();
  const prev = new Map<string, Float64Array>(); // emission of the step before
  for (const [name, n] of plan.nodes)
    if (n.type === 'Input' || plan.neurons.has(name)) {
      const size = plan.sizeOf(name, n);
      emit.set(name, new Float64Array(T * size));
      prev.set(name, new Float64Array(size));
    }
  // per neuron population: its incoming paths (parsed once) and the constant they add
  const state = new Map(
    [...plan.neurons].map(([name, nr]) => {
      const inc = [...plan.paths].flatMap(([key, m]) => {
        const k = pathParts(key);
        return k.tgt === name ? [{ ...k, m }] : [];
      });
      const constIn = new Float64Array(nr.size);
      for (const { m } of inc) if (m.bias) for (let i = 0; i < nr.size; i++) constIn[i] += m.bias[i];
      return [name, { u: new Float64Array(nr.size), v: new Float64Array(nr.size), inc, constIn }];
    }),
  );
  // emissions of the last steps, for paths with a Delay
  const history: Map<string, Float64Array>[] = [];
  for (let t = 1; t <= T; t++) {
    const now = new Map<string, Float64Array>();
    for (const [name, rows] of Object.entries(drives))
      if (emit.has(name)) now.set(name, Float64Array.from(rows[t - 1]));
    for (const [name, nr] of plan.neurons) {
      const st = state.get(name)!;
      const aIn = new Float64Array(nr.size);
      for (const { src, late, m } of st.inc) {
        const x = late ? history[history.length - 1 - late]?.get(src) : prev.get(src)!;
        if (!x) continue; // before the first emission arrives
        for (let i = 0; i < m.rows; i++) for (let q = m.ptr[i]; q < m.ptr[i + 1]; q++) aIn[i] += m.val[q] * x[m.idx[q]];
      }
      const out = new Float64Array(nr.size);
      for (let i = 0; i < nr.size; i++) {
        const drive = nr.gain[i] * (aIn[i] + (nr.current ? st.constIn[i] : 0));
        st.u[i] = nr.current ? nr.uKeep[i] * st.u[i] + drive : drive;
        // a voltage model takes its constant input on v (as the import's Loihi bias does), a current model in u
        st.v[i] = nr.vKeep[i] * st.v[i] + st.u[i] + nr.vBias[i] + (nr.current ? 0 : nr.gain[i] * st.constIn[i]);
        if (nr.threshold) {
          if (st.v[i] > nr.threshold[i]) {
            out[i] = 1;
            st.v[i] = 0;
          }
        } else out[i] = st.v[i];
      }
      now.set(name, out);
    }
    for (const [name, x] of now) {
      emit.get(name)!.set(x, (t - 1) * x.length);
      prev.set(name, x);
    }
    history.push(new Map(prev));
  }
  return emit;
}

/**
 * The exact (event-time) solution of one NIR LIF neuron, tau dv/dt = (v_leak - v) + r I, under an input held
 * constant over each step (I[k] during [k dt, (k + 1) dt)): v relaxes exponentially towards v_leak + r I[k];
 * a spike at the moment v crosses v_threshold (solved in closed form), then v = v_reset and the relaxation goes
 * on from there within the same step. Returns the spike times (seconds).
 */
export function exactLifSpikes(
  p: { tau: number; r: number; vLeak: number; vThreshold: number; vReset: number },
  current: ArrayLike<number>,
  dt: number,
): number[] {
  const spikes: number[] = [];
  let v = 0;
  for (let k = 0; k < current.length; k++) {
    const vinf = p.vLeak + p.r * current[k];
    let t0 = k * dt;
    const end = (k + 1) * dt;
    for (;;) {
      // v(t) = vinf + (v - vinf) exp(-(t - t0) / tau); a crossing needs vinf above the threshold
      if (vinf > p.vThreshold && v <= p.vThreshold) {
        const tc = t0 + p.tau * Math.log((vinf - v) / (vinf - p.vThreshold));
        if (tc < end) {
          spikes.push(tc);
          v = p.vReset;
          t0 = tc;
          continue;
        }
      }
      v = vinf + (v - vinf) * Math.exp(-(end - t0) / p.tau);
      break;
    }
  }
  return spikes;
}

/**
 * The exact solution of one NIR LIF neuron driven by Dirac spikes (the NIR paper's definition): between inputs v
 * relaxes towards v_leak (and crosses the threshold on its own if v_leak is above it, solved in closed form); an
 * input of weight w at time t moves v by r w / tau; a spike when v exceeds v_threshold, then v = v_reset.
 * Returns the spike times (seconds).
 */
export function exactLifDirac(
  p: { tau: number; r: number; vLeak: number; vThreshold: number; vReset: number },
  inputs: { t: number; w: number }[],
  until: number,
): number[] {
  const out: number[] = [];
  let v = 0,
    t0 = 0;
  const relax = (to: number) => {
    // self-driven crossings before `to`
    while (p.vLeak > p.vThreshold && v <= p.vThreshold) {
      const tc = t0 + p.tau * Math.log((p.vLeak - v) / (p.vLeak - p.vThreshold));
      if (tc >= to) break;
      out.push(tc);
      v = p.vReset;
      t0 = tc;
    }
    v = p.vLeak + (v - p.vLeak) * Math.exp(-(to - t0) / p.tau);
    t0 = to;
  };
  for (const { t, w } of [...inputs].sort((a, b) => a.t - b.t)) {
    if (t > until) break;
    relax(t);
    v += (p.r * w) / p.tau;
    if (v > p.vThreshold) {
      out.push(t);
      v = p.vReset;
    }
  }
  relax(until);
  return out;
}
