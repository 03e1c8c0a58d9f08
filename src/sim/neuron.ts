/**
 * How a neuron model is stated: one NeuronSpec per file under src/sim/models/ (the registry, registry.ts,
 * finds them). A spec declares what the model is (parameters with their ranges and defaults, state variables
 * with their fixed-point formats, the input and payload fractions, the payload kind, the counters it adds) and
 * how it runs (reset and step over a population's typed arrays). Everything else (the network loader, both
 * engines, the hardware check, the CLI) reads the spec; nothing else names a model.
 */
import type { Population } from '../net/network.js';
import type { QFormat, SatCounter } from '../fixed/q.js';
import type { SimWasm } from './wasm.js';

/** 'scalar': one shared value; 'per-neuron': one value per neuron; 'either': a scalar or one per neuron. */
export type ParamShape = 'scalar' | 'per-neuron' | 'either';

export interface ParamSpec {
  name: string;
  shape: ParamShape;
  /** Inclusive integer range. */
  min: number;
  max: number;
  /** Used when the parameter is absent; a parameter without a default is required. */
  default?: number;
  /** One line: what it means, in which unit. */
  doc: string;
}

export interface StateSpec {
  name: string;
  /**
   * The variable's fixed-point format (its register width is checked against a chip's state_bits): a fixed
   * format, or the name of one of the spec's formats (read from population.formats, or its default).
   */
  format: QFormat | string;
  doc: string;
}

/** A format the model reads from population.formats (required unless it has a default). */
export interface FormatSpec {
  name: string;
  doc: string;
  default?: QFormat;
  /** Largest allowed width. */
  maxBits?: number;
}

/** What a spike carries: 1 ('binary') or an integer value ('graded': a count, or a graded payload). */
export type PayloadKind = 'binary' | 'graded';

/** Resolved parameters: scalars as numbers, per-neuron (and 'either') parameters as arrays of the population size. */
export type Params = Record<string, number | Int32Array>;

/** A population's arrays, as the engines hold them and a model's reset and step read and write them. */
export interface PopulationState {
  readonly n: number;
  /** Synaptic input of this step (every projection's sum, plus an external drive), in Q(inputFrac). */
  readonly inp: Float64Array;
  /** Static input held for the whole input (sums of static projections), in Q(inputFrac). */
  readonly drive: Float64Array;
  /** The external drive of this step (valid while StepContext.driven). */
  readonly ext: Float64Array;
  /** Values presented with setInput (host models), held until the next setInput. */
  readonly held: Int32Array;
  /** Whether values were presented with setInput. */
  hasHeld: boolean;
  /** State variables by name (spec.state). */
  readonly state: Record<string, Int32Array>;
  /** This step's emission (0/1 spikes, counts or graded values) and the indices of its nonzero entries. */
  readonly out: Int32Array;
  readonly fired: Int32Array;
  nFired: number;
  /** The model's counters (spec.counters order), each a one-element array usable as a SatCounter. */
  readonly counters: Float64Array[];
}

/** Per-step context, shared and reused by the engine (no allocation per step). */
export interface StepContext {
  seed: number;
  /** Index of the current input: keys every random draw with the neuron and the step. */
  sample: number;
  /** Step: 0 in reset, 1, 2, ... in step. */
  t: number;
  /** The network's saturation counter: every clip anywhere is counted here. */
  sat: SatCounter;
  /** Spikes (sum of counts) emitted this step: a spiking model adds its own. */
  spikes: number;
  /** Whether an external drive was set for this population for this step (PopulationState.ext). */
  driven: boolean;
  /** Scratch for the counter-based generator. */
  words: Uint32Array;
}

/** Engine options a model may read (e.g. LIF's Lava-compatible wrap). */
export interface ModelOptions {
  lifMode?: 'saturate' | 'lava-wrap';
}

export interface NeuronSpec<C = unknown> {
  /** The name written in a network's populations[i].model. */
  name: string;
  /** One line for ipvae neurons. */
  summary: string;
  /** The update, in a few lines, with its source. */
  doc: string;
  params: ParamSpec[];
  state: StateSpec[];
  /** Formats read from population.formats besides the state variables'. */
  formats: FormatSpec[];
  payload: PayloadKind;
  /** Whether emissions are spikes (counted in the spikes counter); a graded voltage output is not. */
  spiking: boolean;
  /** Host models (input) are not updated by the chip: they present values and live off-chip. */
  host: boolean;
  /** Fraction bits of the synaptic input the model expects (projection sums arrive in Q(inputFrac)). */
  inputFrac(p: Population): number;
  /** Fraction bits of an emitted value: a value v stands for v * 2^-payloadFrac. */
  payloadFrac(p: Population): number;
  /** The largest magnitude an emitted value can have (bounds a step's synaptic sums). */
  payloadBound(p: Population, params: Params): number;
  /**
   * The state variable that is the neuron's potential: a neuron whose potential was nonzero before a step is
   * updated that step (the chip-event rule of SANA-FE); default: any state variable.
   */
  potential?: string;
  /**
   * Per neuron, nonzero when the neuron updates every step whatever its input (a bias, in SANA-FE's rule);
   * from the compiled constants.
   */
  alwaysUpdated?(c: C): ArrayLike<number>;
  /**
   * A model that keeps nothing from one step to the next (its state and emission are functions of this step's
   * input alone, like a decoder readout, or an input presenting held values) may have the steps nobody reads
   * skipped (SimOptions.reads) where its emissions reach no dynamic projection: true when an input of magnitude
   * at most inputBound cannot make it saturate (or count anything), so that skipping such a step leaves every
   * counter as it was. Absent: never skipped.
   */
  skippable?(c: C, inputBound: number): boolean;
  /** Host models: the range presented values (setInput) saturate to, from the compiled constants. */
  hostRange?(c: C): { lo: number; hi: number };
  /** Counters the model adds (reported per population). */
  counters: { name: string; doc: string }[];
  /**
   * The model as SANA-FE's leaky_integrate_fire soma, where that is exact (ipvae export --format sanafe):
   * per neuron its attributes in SANA-FE's units, where an input of weight w (as the synapse carries it, in
   * units of this model's input) adds w. Return a string saying why not, when these parameters have no exact
   * equivalent. Absent: the model cannot be exported.
   */
  sanafe?(params: Params, n: number): SanafeSoma | string;
  /** Checks across parameters and formats beyond each parameter's range; returns a problem or undefined. */
  check?(p: Population, params: Params): { field: string; what: string } | undefined;
  /** Constants of the update (typed arrays), built once per simulator. */
  compile(p: Population, params: Params, o: ModelOptions): C;
  /** The initial state for a new input; returns whether the population emits at step 0 (into out/fired). */
  reset(c: C, s: PopulationState, ctx: StepContext): boolean;
  /** One step: read inp (and drive), update the state, write this step's emission into out/fired/nFired. */
  step(c: C, s: PopulationState, ctx: StepContext): void;
  /**
   * The same step in WebAssembly (src/sim/asm/engine.ts), bit-identical to step; absent: the WebAssembly
   * backend runs step on its arrays (which live in the instance's memory; an array's byteOffset is its address).
   */
  wasm?: WasmNeuron<C>;
}

/** A model's WebAssembly step (see NeuronSpec.wasm). */
export interface WasmNeuron<C> {
  /** Bytes its constants take in the instance for n neurons (reserved before any array is made). */
  bytes(n: number): number;
  /** Its constants in the instance's memory, built once per simulator. */
  compile(c: C, w: SimWasm): unknown;
  /** The step (compiled: what compile returned). Adds to ctx.sat, ctx.spikes and s.counters as step does. */
  step(compiled: unknown, c: C, s: PopulationState, ctx: StepContext, w: SimWasm): void;
  /** The reset, when the model has one in WebAssembly (else its JavaScript reset runs on the same arrays). */
  reset?(compiled: unknown, c: C, s: PopulationState, ctx: StepContext, w: SimWasm): boolean;
}

/** A state variable's format in a population (see StateSpec.format). */
export function stateFormat(spec: NeuronSpec, st: StateSpec, p: Population): QFormat {
  if (typeof st.format !== 'string') return st.format;
  const f = p.formats[st.format] ?? spec.formats.find((x) => x.name === st.format)?.default;
  if (!f) throw new Error(`neuron model ${spec.name}: state ${st.name} reads formats.${st.format}, which is missing`);
  return f;
}

/** SANA-FE soma attributes per neuron (arrays of length n): threshold, bias, and leak_decay (kept fraction). */
export interface SanafeSoma {
  threshold: Float64Array;
  bias: Float64Array;
  leakDecay: number;
  /** A note for the export's README (e.g. a clip SANA-FE does not have). */
  note?: string;
}

/** The identity, typed: `export default defineNeuron({...})` in a model file. */
export function defineNeuron<C>(spec: NeuronSpec<C>): NeuronSpec<C> {
  return spec;
}

/** A population's parameter as an array of its size (a scalar repeated). */
export function perNeuron(params: Params, name: string, n: number): Int32Array {
  const v = params[name];
  if (v === undefined) throw new Error(`neuron model: parameter "${name}" was not resolved`);
  return typeof v === 'number' ? new Int32Array(n).fill(v) : v;
}

/** A population's scalar parameter. */
export function scalar(params: Params, name: string): number {
  const v = params[name];
  if (typeof v !== 'number') throw new Error(`neuron model: parameter "${name}" is not a scalar`);
  return v;
}

/** Write the indices of out's nonzero entries into fired; returns their number. */
export function collectFired(n: number, out: Int32Array, fired: Int32Array): number {
  let nf = 0;
  for (let k = 0; k < n; k++) if (out[k] !== 0) fired[nf++] = k;
  return nf;
}
