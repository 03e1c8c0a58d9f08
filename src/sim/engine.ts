/**
 * Integer spiking simulator over a Network. Two engines with one semantics:
 * - 'event': push. Only neurons that emitted (value != 0) do synaptic work: each walks its CSR row and adds
 *   weight x value into the target's ring-buffer slot for step t + delay (NEST's ring buffers: one slot per
 *   step of delay, so no priority queue is needed on the step grid).
 * - 'clock': pull, the reference. Every step every target neuron sums over all its incoming synapses
 *   (a transposed copy of the weights) the source's emission of step t - delay, silent or not.
 * Sums are exact integers (no rounding inside a sum, so the order of events cannot change a result; the
 * constructor refuses a network whose sums could pass 2^53). A projection's sum reaches its target as
 * floor(sum x 2^shift), shift = exponent + the target's input fraction - the source payload's fraction.
 *
 * Neuron models are specs (src/sim/neuron.ts, one file each in src/sim/models/): the engine holds each
 * population's arrays and calls its model's reset and step; it never names a model.
 *
 * Step semantics: reset() puts every population in its initial state; models that emit at step 0 do so (the
 * iP-VAE's counts from u0, an input's presented values). Step t >= 1: each population reads its input of step t
 * (ring slots, static drive, external drive), updates, and emits; emissions are delivered to step t + delay
 * (delay >= 1). The counters are defined once, in Counters below.
 */
import { createHash, type Hash } from 'node:crypto';
import { population, type Network, type Projection } from '../net/network.js';
import { sat, shiftRight, satCounter, type SatCounter } from '../fixed/q.js';
import { UserError } from '../errors.js';
import { shown } from '../io/json-read.js';
import type { ModelOptions, NeuronSpec, Params, PopulationState, StepContext } from './neuron.js';
import { neuronModel, projectionShift, resolvePopulation } from './registry.js';
import { SimWasm } from './wasm.js';
import { DEFAULTS, withDefaults } from '../defaults.js';

export type EngineKind = 'event' | 'clock';
/** Where the loops run: 'wasm' (src/sim/asm/engine.ts) or 'js' (this file and the models' step, the reference). */
export type SimBackend = 'wasm' | 'js';

export interface SimOptions extends ModelOptions {
  /** 'event' (default: push, synaptic work only for neurons that fired) or 'clock' (pull): the same bytes. */
  engine: EngineKind;
  /** Seed of every random draw (default 0). */
  seed: number;
  /** Default 'wasm'; 'js' is the readable reference. Both give the same bytes (counts, membranes, counters, digests). */
  backend?: SimBackend;
  /** Also fold every step's emissions into a SHA-256 (spikes_sha256). */
  hash?: boolean;
  /**
   * Populations whose state is read only after the steps listed (per input, steps 1, 2, ...; empty: never).
   * One whose model is skippable (src/sim/neuron.ts: it keeps nothing between steps), that feeds no dynamic
   * projection and whose dynamic inputs share one delay is then neither delivered to nor updated on the other
   * steps (its emission there is empty), except a step whose inputs could make it saturate (bounded from the emissions that
   * arrive), so that every counter is as before. Other populations listed are computed every step as usual.
   * Its state after an unlisted step is unspecified.
   */
  reads?: Record<string, readonly number[]>;
}

/** Per projection: the same counters, for this projection alone. */
export interface ProjectionCounters {
  name: string;
  messages: number;
  synapticEvents: number;
  neurobenchEffectiveAcs: number;
  neurobenchEffectiveMacs: number;
  neurobenchDense: number;
}

/** Per population: spikes, updates and the counters its model adds (spec.counters). */
export interface PopulationCounters {
  name: string;
  model: string;
  spikes: number;
  neuronUpdates: number;
  modelCounters: Record<string, number>;
}

/**
 * What the simulator counts (both engines count the same; JSON keys are the snake_case of these names):
 * - steps: steps simulated (step 0 of each input, its reset, is not one).
 * - spikes: the sum of the counts emitted by spiking models (a binary spike is 1, an iP-VAE count n is n).
 * - messages: emitting neuron x dynamic projection (a neuron with a nonzero emission sends one message per
 *   outgoing projection).
 * - synapticEvents: spikes x fan-out, summed over messages (a count n reaching m synapses is n x m events); a
 *   graded value that is not a spike count (an input's payload, a voltage) is one event per synapse.
 * - neurobenchEffectiveAcs / neurobenchEffectiveMacs: NeuroBench's effective synaptic operations, nonzero input
 *   x nonzero weight, per projection and emission; they are MACs when any emitted value of that projection's
 *   source is outside {-1, 0, 1} (in real units, value x 2^-payload_frac), ACs otherwise. Magnitudes are
 *   ignored: a count of 3 is one MAC per synapse, not three ACs. Static projections count once per input.
 * - neurobenchDense: NeuroBench's dense operations: source size x target size per projection and emission, zeros
 *   included (every step >= 1, and step 0 for sources that emit on reset; static projections once per input).
 * - neuronUpdates: neurons updated (every non-host neuron, every step).
 * - saturations: every clip anywhere in the network (registers, payloads, sampler caps).
 */
export interface Counters {
  steps: number;
  spikes: number;
  messages: number;
  synapticEvents: number;
  neurobenchEffectiveAcs: number;
  neurobenchEffectiveMacs: number;
  neurobenchDense: number;
  neuronUpdates: number;
  saturations: number;
  perProjection: ProjectionCounters[];
  perPopulation: PopulationCounters[];
}

type IdxArray = Uint16Array | Int32Array;
type WArray = Int8Array | Int16Array | Int32Array;

export interface Proj {
  name: string;
  src: number;
  tgt: number;
  nS: number;
  nT: number;
  indptr: Int32Array;
  /** Target of each synapse, as the engine reads it (empty where the WebAssembly backend keeps a matrix). */
  idx: IdxArray;
  /** Target of each synapse: the network's own array (for probes and other readers of the structure). */
  targets: ArrayLike<number>;
  w: WArray;
  /** Transposed (by target) copy for the clock engine. */
  tptr?: Int32Array;
  tsrc?: Int32Array;
  tw?: WArray;
  delay: number;
  shift: number;
  isStatic: boolean;
  binary: boolean;
  /** The payload's range on this projection (payload_bits wide: unsigned counts, signed graded values). */
  lo: number;
  hi: number;
  /**
   * Ring of (delay + 1) slots x nT raw sums (event engine): float64, or int32 in the WebAssembly backend when
   * one step's sum into a target cannot pass 2^31 (the same exact integers either way).
   */
  ring: Float64Array | Int32Array;
  /** WebAssembly backend, CSR rows: 1 where a row's targets are consecutive (added 8 at a time). */
  consecutive?: Uint8Array;
  /** WebAssembly backend: the weights as a dense nS x nT matrix (rows added 16 at a time), instead of idx/w. */
  matrix?: Int8Array;
  /** The most one step's sum into a target can reach (|w| x payload x fan-in). */
  bound: number;
  /** Clock engine: emissions of the source for the last delay + 1 steps. */
  hist: Int32Array;
  /** Nonzero weights per source row (NeuroBench's effective operations). */
  nnzRow: Int32Array;
  /** Into a lazy population (SimOptions.reads): the largest |weight| of each source row. */
  rowMax: Int32Array | undefined;
  c: ProjectionCounters;
}

export interface Pop extends PopulationState {
  readonly name: string;
  readonly spec: NeuronSpec;
  /** The model's compiled constants. */
  readonly c: unknown;
  /** Whether ext holds a drive for the next step. */
  extSet: boolean;
  /** Whether the population emitted in the current step (step 0: its model's reset said so). */
  emitted: boolean;
  /** A value v of this population's emission is real-valued +-1 when |v| = unit (Infinity: never). */
  readonly unit: number;
  readonly incoming: Proj[];
  readonly outgoing: Proj[];
  readonly c_: PopulationCounters;
  /** The model's constants in WebAssembly memory (its wasm.compile), when it has a WebAssembly step. */
  wc?: unknown;
  /** SimOptions.reads, when this population can skip the steps nobody reads (undefined: computed every step). */
  lazy: Lazy | undefined;
}

/** A population computed only at the steps read, and at steps whose inputs could make it saturate. */
export interface Lazy {
  readonly readAt: ReadonlySet<number>;
  /** The delay of its dynamic inputs (all alike). */
  readonly delay: number;
  /** Per arrival step (mod delay + 1): 1 when that step must be computed although nobody reads it. */
  readonly must: Uint8Array;
  /** The largest |drive| of the current input (static projections). */
  driveBound: number;
}

/** Largest exact integer sum in float64. */
const EXACT = 2 ** 53;

export class Simulator {
  readonly pops: Pop[] = [];
  readonly projs: Proj[] = [];
  readonly sat: SatCounter = satCounter();
  readonly counters: Counters;
  t = 0;
  sample = 0;
  private readonly ctx: StepContext;
  /** SHA-256 of the current input's emissions, and the finished digests of the previous inputs. */
  private hash: Hash | undefined;
  readonly sampleDigests: Buffer[] = [];
  private started = false;

  /** The WebAssembly instance holding every array (backend 'wasm'). */
  readonly wasm: SimWasm | undefined;

  /** The options as applied: what `options` leaves out is the CLI's default (engine event, seed 0, backend wasm). */
  readonly o: SimOptions;

  constructor(
    readonly net: Network,
    options: Partial<SimOptions> = {},
  ) {
    const o = (this.o = withDefaults<SimOptions>(
      { engine: DEFAULTS.engine, seed: DEFAULTS.seed, backend: DEFAULTS.backend },
      options,
    ));
    if (o.engine !== 'event' && o.engine !== 'clock')
      throw new UserError(`simulator: engine ${shown(o.engine)} is not event or clock`);
    if (o.backend !== 'wasm' && o.backend !== 'js')
      throw new UserError(`simulator: backend ${shown(o.backend)} is not wasm or js`);
    this.ctx = { seed: o.seed, sample: 0, t: 0, sat: this.sat, spikes: 0, driven: false, words: new Uint32Array(2) };
    this.wasm = (o.backend ?? 'wasm') === 'wasm' ? new SimWasm(wasmBytes(net)) : undefined;
    const w = this.wasm;
    const I32 = (n: number) => (w ? w.array(Int32Array, n) : new Int32Array(n)),
      F64 = (n: number) => (w ? w.array(Float64Array, n) : new Float64Array(n));
    const params: Params[] = [];
    for (const p of net.populations) {
      const r = resolvePopulation(p);
      if ('problem' in r) throw new UserError(`network: population "${p.name}": ${r.problem.field} ${r.problem.what}`);
      params.push(r.params);
      const spec = neuronModel(p.model),
        n = p.size;
      const pf = spec.payloadFrac(p);
      const c_: PopulationCounters = {
        name: p.name,
        model: p.model,
        spikes: 0,
        neuronUpdates: 0,
        modelCounters: Object.fromEntries(spec.counters.map((k) => [k.name, 0])),
      };
      const c = spec.compile(p, r.params, o);
      this.pops.push({
        name: p.name,
        spec,
        c,
        wc: w && spec.wasm ? spec.wasm.compile(c, w) : undefined,
        n,
        out: I32(n),
        fired: I32(n),
        nFired: 0,
        inp: F64(n),
        drive: F64(n),
        ext: F64(n),
        held: spec.host ? I32(n) : new Int32Array(0),
        hasHeld: false,
        extSet: false,
        emitted: false,
        state: Object.fromEntries(spec.state.map((s) => [s.name, I32(n)])),
        counters: spec.counters.map(() => new Float64Array(1)),
        unit: spec.payload === 'binary' ? 1 : pf >= 0 && pf < 31 ? 2 ** pf : Infinity,
        incoming: [],
        outgoing: [],
        c_,
        lazy: undefined,
      });
    }
    const index = (name: string) => net.populations.findIndex((q) => q.name === name);
    for (const q of net.projections)
      this.projs.push(this.compile(q, index(q.source), index(q.target), params[index(q.source)]));
    for (const pr of this.projs) {
      this.pops[pr.src].outgoing.push(pr);
      this.pops[pr.tgt].incoming.push(pr);
    }
    this.checkExact();
    for (const [name, steps] of Object.entries(o.reads ?? {})) {
      const P = this.pop(name);
      const delays = new Set(P.incoming.filter((pr) => !pr.isStatic).map((pr) => pr.delay));
      if (P.outgoing.some((pr) => !pr.isStatic) || !P.spec.skippable || delays.size > 1) continue;
      const delay = delays.size ? [...delays][0] : 1;
      P.lazy = { readAt: new Set(steps), delay, must: new Uint8Array(delay + 1), driveBound: 0 };
      for (const pr of P.incoming) {
        if (pr.isStatic) continue; // in the drive, bounded by driveBound
        const weights = this.net.projections[this.projs.indexOf(pr)].weights,
          rowMax = w ? w.array(Int32Array, pr.nS) : new Int32Array(pr.nS);
        for (let s = 0; s < pr.nS; s++)
          for (let j = pr.indptr[s]; j < pr.indptr[s + 1]; j++) rowMax[s] = Math.max(rowMax[s], Math.abs(weights[j]));
        pr.rowMax = rowMax;
      }
    }
    this.counters = {
      steps: 0,
      spikes: 0,
      messages: 0,
      synapticEvents: 0,
      neurobenchEffectiveAcs: 0,
      neurobenchEffectiveMacs: 0,
      neurobenchDense: 0,
      neuronUpdates: 0,
      saturations: 0,
      perProjection: this.projs.map((p) => p.c),
      perPopulation: this.pops.map((p) => p.c_),
    };
  }

  /** Refuse a network whose per-step input sums could leave the exact integer range of float64. */
  private checkExact(): void {
    for (const T of this.pops) {
      let total = 0;
      for (const pr of T.incoming) {
        const b = pr.bound;
        if (b >= EXACT)
          throw new UserError(
            `network: projection "${pr.name}": one step's input sum can reach ${b} (weight x payload x fan-in) >= 2^53, beyond exact integer arithmetic; use fewer weight or payload bits`,
          );
        total += b * 2 ** Math.max(0, pr.shift);
      }
      if (total >= EXACT)
        throw new UserError(
          `network: population "${T.name}": the inputs of one step can sum past 2^53, beyond exact integer arithmetic; use fewer weight or payload bits`,
        );
    }
  }

  private compile(q: Projection, si: number, ti: number, srcParams: Params): Proj {
    const S = this.net.populations[si],
      T = this.net.populations[ti];
    const nS = S.size,
      nT = T.size,
      nnz = q.indices.length;
    const where = `network: projection "${q.name}"`;
    if (!Number.isInteger(q.weightBits) || q.weightBits < 2 || q.weightBits > 32)
      throw new UserError(`${where}: weight_bits = ${q.weightBits}, expected 2 to 32`);
    const lim = 2 ** (q.weightBits - 1);
    for (let j = 0; j < nnz; j++)
      if (!(q.weights[j] >= -lim && q.weights[j] < lim))
        throw new UserError(`${where}: weight ${j} = ${q.weights[j]} is outside the ${q.weightBits}-bit range`);
    const shift = projectionShift(S, T, q.exponent);
    if (!Number.isInteger(shift) || shift < -64 || shift > 64)
      throw new UserError(
        `${where}: its scale 2^${shift} (exponent + the target's input fraction - the source's payload fraction) is outside 2^-64 .. 2^64`,
      );
    const pb = q.payloadBits,
      counts = this.pops[si].spec.spiking;
    const [lo, hi] =
      q.payload === 'binary' ? [0, 1] : counts ? [0, 2 ** pb - 1] : [-(2 ** (pb - 1)), 2 ** (pb - 1) - 1];
    // one step's sum into a target is at most |w| x payload x fan-in (checkExact refuses 2^53 and beyond)
    let maxW = 0,
      fanIn = 0;
    for (let j = 0; j < nnz; j++) maxW = Math.max(maxW, Math.abs(q.weights[j]));
    const inDeg = new Int32Array(nT);
    for (let j = 0; j < nnz; j++) fanIn = Math.max(fanIn, ++inDeg[q.indices[j]]);
    const bound = maxW * Math.min(this.pops[si].spec.payloadBound(S, srcParams), Math.max(-lo, hi)) * fanIn;
    // WebAssembly, event engine: arrays in the instance; int32 sums when they fit; a projection with at least
    // half its entries present and 8-bit weights is kept as a dense matrix (at most 2 B per synapse, no indices)
    // (static projections, applied once per input at reset, are in the instance for either engine)
    const m = this.o.engine === 'event' || q.static ? this.wasm : undefined;
    const storage = !m ? 'js' : bound < 2 ** 31 && q.weightBits <= 8 && 2 * nnz >= nS * nT ? 'matrix' : 'csr';
    const arr = <T>(C: { new (n: number): T; from(a: ArrayLike<number>): T }, src: ArrayLike<number>): T =>
      storage === 'matrix' ? new C(0) : m ? (m.copy(C as never, src) as T) : C.from(src);
    const idx: IdxArray = nT <= 65536 ? arr(Uint16Array, q.indices) : arr(Int32Array, q.indices);
    const w: WArray =
      q.weightBits <= 8
        ? arr(Int8Array, q.weights)
        : q.weightBits <= 16
          ? arr(Int16Array, q.weights)
          : arr(Int32Array, q.weights);
    let matrix: Int8Array | undefined;
    if (storage === 'matrix') {
      matrix = m!.array(Int8Array, nS * nT);
      for (let s = 0; s < nS; s++)
        for (let j = q.indptr[s]; j < q.indptr[s + 1]; j++) matrix[s * nT + q.indices[j]] = q.weights[j];
    }
    const nnzRow = m ? m.array(Int32Array, nS) : new Int32Array(nS);
    for (let s = 0; s < nS; s++)
      for (let j = q.indptr[s]; j < q.indptr[s + 1]; j++) if (q.weights[j] !== 0) nnzRow[s]++;
    // static: one slot for the per-input sums, in the WebAssembly backend
    const ringN = q.static ? (m ? nT : 0) : (q.delay + 1) * nT;
    const pr: Proj = {
      name: q.name,
      src: si,
      tgt: ti,
      nS,
      nT,
      indptr: m ? m.copy(Int32Array, q.indptr) : Int32Array.from(q.indptr),
      idx,
      targets: q.indices,
      w,
      delay: q.delay,
      shift,
      isStatic: q.static,
      binary: q.payload === 'binary',
      lo,
      hi,
      bound,
      ring: m ? (bound < 2 ** 31 ? m.array(Int32Array, ringN) : m.array(Float64Array, ringN)) : new Float64Array(ringN),
      consecutive: storage === 'csr' ? consecutiveRows(m!, q) : undefined,
      matrix,
      hist: new Int32Array(q.static ? 0 : (q.delay + 1) * nS),
      nnzRow,
      rowMax: undefined,
      c: {
        name: q.name,
        messages: 0,
        synapticEvents: 0,
        neurobenchEffectiveAcs: 0,
        neurobenchEffectiveMacs: 0,
        neurobenchDense: 0,
      },
    };
    if (this.o.engine === 'clock' && !q.static) {
      const tptr = new Int32Array(nT + 1);
      for (let j = 0; j < nnz; j++) tptr[q.indices[j] + 1]++;
      for (let t = 0; t < nT; t++) tptr[t + 1] += tptr[t];
      const fill = tptr.slice(0, nT),
        tsrc = new Int32Array(nnz);
      const tw =
        w instanceof Int8Array
          ? new Int8Array(nnz)
          : w instanceof Int16Array
            ? new Int16Array(nnz)
            : new Int32Array(nnz);
      for (let s = 0; s < nS; s++)
        for (let j = q.indptr[s]; j < q.indptr[s + 1]; j++) {
          const d = fill[q.indices[j]]++;
          tsrc[d] = s;
          tw[d] = q.weights[j];
        }
      pr.tptr = tptr;
      pr.tsrc = tsrc;
      pr.tw = tw;
    }
    return pr;
  }

  pop(name: string): Pop {
    const i = this.net.populations.findIndex((q) => q.name === name);
    if (i < 0) throw new UserError(`network: no population named ${shown(name)}`);
    return this.pops[i];
  }

  /**
   * Present integer values to a host (input) population, held until the next setInput: static projections
   * apply them at the next reset, dynamic ones receive them every step. Values are saturated to the
   * population's format (counted).
   */
  setInput(name: string, values: ArrayLike<number>): void {
    const p = this.pop(name);
    if (!p.spec.host) throw new UserError(`network: population "${name}" is not an input population`);
    if (values.length !== p.n)
      throw new UserError(`network: input "${name}" has ${p.n} neurons, got ${values.length} values`);
    const range = p.spec.hostRange?.(p.c) ?? { lo: -(2 ** 31), hi: 2 ** 31 - 1 };
    const binary = p.outgoing.some((q) => q.binary && !q.isStatic);
    for (let k = 0; k < p.n; k++) {
      const v = values[k];
      if (!Number.isInteger(v)) throw new UserError(`network: input "${name}": value ${k} = ${v} is not an integer`);
      if (binary && v !== 0 && v !== 1)
        throw new UserError(
          `network: input "${name}" feeds a binary projection, so its values are spikes (0 or 1); value ${k} = ${v}`,
        );
      p.held[k] = sat(v, range.lo, range.hi, this.sat);
    }
    p.hasHeld = true;
  }

  /**
   * The external input of the next step. Into a model population it is a current added to the synaptic input
   * (integers in the model's input format). Into an input population it is that step's emission: spikes or
   * graded payloads (0 or 1 only when the population feeds a binary projection).
   */
  setDrive(name: string, values: ArrayLike<number>): void {
    const p = this.pop(name);
    if (values.length !== p.n)
      throw new UserError(`drive: population "${name}" has ${p.n} neurons, got ${values.length} values`);
    const binary = p.spec.host && p.outgoing.some((q) => q.binary && !q.isStatic);
    if (p.lazy)
      throw new UserError(
        `drive: population "${name}" is computed only at the steps read (reads); it cannot be driven`,
      );
    if (p.spec.host && !p.outgoing.some((q) => !q.isStatic))
      throw new UserError(
        `drive: input "${name}" feeds only static projections, which apply its values once per input (from the data); a per-step drive would have no effect`,
      );
    for (let k = 0; k < p.n; k++) {
      const v = values[k];
      if (!Number.isSafeInteger(v))
        throw new UserError(`drive: population "${name}": value ${k} = ${v} is not an integer`);
      if (binary && v !== 0 && v !== 1)
        throw new UserError(
          `drive: population "${name}" feeds a binary projection, so its values are spikes (0 or 1); value ${k} = ${v}`,
        );
      p.ext[k] = v;
    }
    p.extSet = true;
  }

  /** Initial state for a new input (its index keys the random draws); models that emit at step 0 do so. */
  reset(sample: number): void {
    if (this.o.hash) {
      if (this.started && this.hash) this.sampleDigests.push(this.hash.digest());
      this.hash = createHash('sha256');
      this.started = true;
    }
    this.sample = sample;
    this.t = 0;
    for (const pr of this.projs) {
      pr.ring.fill(0);
      pr.hist.fill(0);
    }
    for (const P of this.pops) {
      for (const k in P.state) P.state[k].fill(0);
      P.out.fill(0);
      P.nFired = 0;
      P.ext.fill(0);
      P.extSet = false;
      P.drive.fill(0);
    }
    // static projections: W x once per input, held as a drive
    const C = this.counters;
    for (const pr of this.projs) {
      if (!pr.isStatic) continue;
      const S = this.pops[pr.src];
      if (!S.hasHeld) continue;
      const src = S.held,
        drive = this.pops[pr.tgt].drive;
      let eff = 0,
        mac = false;
      if (this.wasm) {
        // the held values as one emission (S.fired is free until S's reset), summed into the slot, then added
        // to the drive as gather adds a step's sums
        let nf = 0;
        for (let s = 0; s < pr.nS; s++) if (src[s] !== 0) S.fired[nf++] = s;
        const k = this.wasmDeliver(pr, src, S.fired, nf, 0, false, S.unit);
        eff = k[5];
        mac = k[6] === 1;
        this.sat[0] += k[0];
        const ring = pr.ring;
        this.wasm.x.gather(ring.byteOffset, ring instanceof Int32Array ? 1 : 2, drive.byteOffset, pr.nT, pr.shift);
      } else {
        const raw = new Float64Array(pr.nT);
        for (let s = 0; s < pr.nS; s++) {
          let c = src[s];
          if (c === 0) continue;
          c = sat(c, pr.lo, pr.hi, this.sat);
          eff += pr.nnzRow[s];
          if (!pr.binary && c !== S.unit && c !== -S.unit) mac = true;
          for (let j = pr.indptr[s]; j < pr.indptr[s + 1]; j++) raw[pr.idx[j]] += pr.w[j] * c;
        }
        for (let k = 0; k < pr.nT; k++) drive[k] += shiftRight(raw[k], -pr.shift);
      }
      if (mac) pr.c.neurobenchEffectiveMacs += eff;
      else pr.c.neurobenchEffectiveAcs += eff;
      pr.c.neurobenchDense += pr.nS * pr.nT;
      if (mac) C.neurobenchEffectiveMacs += eff;
      else C.neurobenchEffectiveAcs += eff;
      C.neurobenchDense += pr.nS * pr.nT;
    }
    for (const P of this.pops) {
      const lz = P.lazy;
      if (!lz) continue;
      lz.driveBound = 0;
      for (let k = 0; k < P.n; k++) lz.driveBound = Math.max(lz.driveBound, Math.abs(P.drive[k]));
      // a step nothing arrives at: the drive alone
      lz.must.fill(P.spec.skippable!(P.c, lz.driveBound) ? 0 : 1);
    }
    const ctx = this.ctx;
    ctx.sample = sample;
    ctx.t = 0;
    for (const P of this.pops) {
      ctx.spikes = 0;
      ctx.driven = false;
      P.emitted =
        P.wc !== undefined && P.spec.wasm!.reset
          ? P.spec.wasm!.reset(P.wc, P.c, P, ctx, this.wasm!)
          : P.spec.reset(P.c, P, ctx);
      if (!P.emitted) P.nFired = 0;
      this.countSpikes(P, ctx.spikes);
    }
    this.deliverAll();
    this.syncCounters();
  }

  private countSpikes(P: Pop, spikes: number): void {
    if (spikes === 0) return;
    this.counters.spikes += spikes;
    P.c_.spikes += spikes;
  }

  /** Whether P is computed at step t (every step unless lazy). */
  private computes(P: Pop, t: number): boolean {
    const lz = P.lazy;
    return lz === undefined || lz.must[t % (lz.delay + 1)] === 1 || lz.readAt.has(t);
  }

  /**
   * For a lazy population: whether what this step's emissions bring it at step t + delay could make it
   * saturate (sum over arriving emissions of |value| x the row's largest |weight|, scaled, plus its drive).
   */
  private mustCompute(P: Pop, lz: Lazy): number {
    let b = lz.driveBound;
    for (const pr of P.incoming) {
      const S = this.pops[pr.src];
      if (pr.isStatic || !S.emitted) continue;
      const cap = Math.max(-pr.lo, pr.hi),
        rowMax = pr.rowMax!;
      let raw = 0;
      if (this.wasm)
        raw = this.wasm.x.lazyBound(S.out.byteOffset, S.fired.byteOffset, S.nFired, rowMax.byteOffset, cap);
      else
        for (let f = 0; f < S.nFired; f++) {
          const s = S.fired[f];
          raw += Math.min(Math.abs(S.out[s]), cap) * rowMax[s];
        }
      if (raw > 0) b += pr.shift >= 0 ? raw * 2 ** pr.shift : Math.ceil(raw * 2 ** pr.shift) + 1;
    }
    return P.spec.skippable!(P.c, b) ? 0 : 1;
  }

  /**
   * One emission (values out[fired[0 .. nFired)]) through pr in the WebAssembly backend, into its ring at slot
   * offset base (entries): the drained counters (see SimWasm.settle).
   */
  private wasmDeliver(
    pr: Proj,
    out: Int32Array,
    fired: Int32Array,
    nFired: number,
    base: number,
    counts: boolean,
    unit: number,
  ): Float64Array {
    const m = this.wasm!,
      ring = pr.ring,
      ptr = pr.indptr,
      idx = pr.idx,
      w = pr.w,
      lo = pr.lo,
      hi = pr.hi,
      binary = pr.binary;
    if (pr.matrix)
      m.x.deliverMatrix(
        out.byteOffset,
        fired.byteOffset,
        nFired,
        ptr.byteOffset,
        pr.matrix.byteOffset,
        pr.nT,
        ring.byteOffset + base * 4,
        lo,
        hi,
        counts ? 1 : 0,
        binary ? 1 : 0,
        unit,
        pr.nnzRow.byteOffset,
      );
    else
      m.x.deliver(
        out.byteOffset,
        fired.byteOffset,
        nFired,
        ptr.byteOffset,
        idx.byteOffset,
        idx instanceof Uint16Array ? 1 : 2,
        w.byteOffset,
        w.BYTES_PER_ELEMENT,
        ring.byteOffset + base * ring.BYTES_PER_ELEMENT,
        ring instanceof Int32Array ? 1 : 2,
        pr.consecutive!.byteOffset,
        lo,
        hi,
        counts ? 1 : 0,
        binary ? 1 : 0,
        unit,
        pr.nnzRow.byteOffset,
      );
    return m.settle();
  }

  /** Deliver this step's emissions (step t) to step t + delay. */
  private deliverAll(): void {
    const t = this.t,
      C = this.counters;
    for (const P of this.pops) {
      const lz = P.lazy;
      if (lz) lz.must[(t + lz.delay) % (lz.delay + 1)] = this.mustCompute(P, lz);
    }
    if (this.hash)
      for (const P of this.pops)
        if (!P.spec.host) this.hash.update(new Uint8Array(P.out.buffer, P.out.byteOffset, P.out.byteLength));
    for (const pr of this.projs) {
      if (pr.isStatic) continue;
      const S = this.pops[pr.src];
      if (!S.emitted) continue;
      // into a population computed only at the steps read: counted, not delivered, when nobody reads its arrival
      const skip = !this.computes(this.pops[pr.tgt], t + pr.delay);
      const out = S.out,
        fired = S.fired,
        nFired = S.nFired,
        unit = S.unit,
        counts = S.spec.spiking;
      const L = pr.delay + 1,
        hb = (t % L) * pr.nS,
        clock = this.o.engine === 'clock',
        lo = pr.lo,
        hi = pr.hi,
        binary = pr.binary;
      if (clock) pr.hist.set(out, hb);
      let syn = 0,
        eff = 0,
        mac = false;
      const base = ((t + pr.delay) % L) * pr.nT,
        ring = pr.ring,
        idx = pr.idx,
        w = pr.w,
        ptr = pr.indptr,
        event = this.o.engine === 'event' && !skip,
        m = this.wasm;
      // the WebAssembly backend's event engine delivers, or only counts for a target nobody reads
      const counted = m !== undefined && this.o.engine === 'event';
      if (counted) {
        let k: Float64Array;
        if (event) k = this.wasmDeliver(pr, out, fired, nFired, base, counts, unit);
        else {
          m.x.countEvents(
            out.byteOffset,
            fired.byteOffset,
            nFired,
            ptr.byteOffset,
            lo,
            hi,
            counts ? 1 : 0,
            binary ? 1 : 0,
            unit,
            pr.nnzRow.byteOffset,
          );
          k = m.settle();
        }
        syn = k[4];
        eff = k[5];
        mac = k[6] === 1;
        this.sat[0] += k[0];
      }
      for (let f = 0; f < (counted ? 0 : nFired); f++) {
        const s = fired[f];
        let c = out[s];
        if (c > hi || c < lo) {
          // wider than the projection's payload: saturate (counted), in both engines alike
          c = c > hi ? hi : lo;
          this.sat[0]++;
          if (clock) pr.hist[hb + s] = c;
        }
        const a = ptr[s],
          b = ptr[s + 1];
        syn += counts ? c * (b - a) : b - a;
        eff += pr.nnzRow[s];
        if (!binary && c !== unit && c !== -unit) mac = true;
        if (event) for (let j = a; j < b; j++) ring[base + idx[j]] += w[j] * c;
      }
      const pc = pr.c,
        dense = pr.nS * pr.nT;
      pc.messages += nFired;
      pc.synapticEvents += syn;
      pc.neurobenchDense += dense;
      C.messages += nFired;
      C.synapticEvents += syn;
      C.neurobenchDense += dense;
      if (mac) {
        pc.neurobenchEffectiveMacs += eff;
        C.neurobenchEffectiveMacs += eff;
      } else {
        pc.neurobenchEffectiveAcs += eff;
        C.neurobenchEffectiveAcs += eff;
      }
    }
  }

  /** Gather the synaptic input of step t into each population's inp. */
  private gather(): void {
    const t = this.t;
    for (const P of this.pops) {
      if (P.extSet) P.inp.set(P.ext);
      else if (this.computes(P, t)) P.inp.fill(0);
    }
    for (const pr of this.projs) {
      if (pr.isStatic) continue;
      const T = this.pops[pr.tgt];
      if (!this.computes(T, t)) continue;
      const inp = T.inp,
        L = pr.delay + 1,
        sh = pr.shift;
      if (this.o.engine === 'event' && this.wasm) {
        const ring = pr.ring;
        this.wasm.x.gather(
          ring.byteOffset + (t % L) * pr.nT * ring.BYTES_PER_ELEMENT,
          ring instanceof Int32Array ? 1 : 2,
          inp.byteOffset,
          pr.nT,
          sh,
        );
      } else if (this.o.engine === 'event') {
        const base = (t % L) * pr.nT,
          ring = pr.ring;
        if (sh >= 0) {
          const f = 2 ** sh; // a left shift: exact
          for (let k = 0; k < pr.nT; k++) {
            const r = ring[base + k];
            if (r !== 0) {
              inp[k] += r * f;
              ring[base + k] = 0;
            }
          }
        } else {
          for (let k = 0; k < pr.nT; k++) {
            const r = ring[base + k];
            if (r !== 0) {
              inp[k] += shiftRight(r, -sh);
              ring[base + k] = 0;
            }
          }
        }
      } else {
        // emissions of step t - delay
        const from = t - pr.delay;
        if (from < 0) continue;
        const hb = (from % L) * pr.nS,
          hist = pr.hist,
          tptr = pr.tptr!,
          tsrc = pr.tsrc!,
          tw = pr.tw!;
        for (let k = 0; k < pr.nT; k++) {
          let r = 0;
          for (let j = tptr[k]; j < tptr[k + 1]; j++) r += tw[j] * hist[hb + tsrc[j]];
          if (r !== 0) inp[k] += shiftRight(r, -sh);
        }
      }
    }
  }

  /** One step (t -> t + 1): gather, update, emit, deliver. */
  step(): void {
    this.t++;
    const C = this.counters,
      ctx = this.ctx;
    ctx.t = this.t;
    this.gather();
    for (const P of this.pops) {
      ctx.spikes = 0;
      ctx.driven = P.extSet;
      if (!P.spec.host) {
        C.neuronUpdates += P.n;
        P.c_.neuronUpdates += P.n;
      }
      if (!this.computes(P, this.t)) P.nFired = 0;
      else if (P.wc !== undefined) P.spec.wasm!.step(P.wc, P.c, P, ctx, this.wasm!);
      else P.spec.step(P.c, P, ctx);
      P.emitted = true;
      this.countSpikes(P, ctx.spikes);
      if (P.extSet) {
        P.ext.fill(0);
        P.extSet = false;
      }
    }
    this.deliverAll();
    C.steps++;
    this.syncCounters();
  }

  /** Copy the running saturation and model counters into counters. */
  private syncCounters(): void {
    this.counters.saturations = this.sat[0];
    for (const P of this.pops) {
      const mc = P.c_.modelCounters,
        names = P.spec.counters;
      for (let i = 0; i < names.length; i++) mc[names[i].name] = P.counters[i][0];
    }
  }

  /** SHA-256 (32 bytes) of each input run so far, in order (the current one as it stands). */
  digests(): Buffer[] {
    if (!this.o.hash) throw new Error('Simulator: construct with hash: true for a digest');
    return this.hash ? [...this.sampleDigests, this.hash.copy().digest()] : [...this.sampleDigests];
  }

  /**
   * spikes_sha256: per input (reset), the SHA-256 of its emissions: per step (0, 1, ...), per non-host
   * population in network order, its emission as little-endian int32; then the SHA-256 of those 32-byte digests
   * concatenated in input order. Any split of the inputs over workers gives the same value.
   */
  digest(): string {
    return combineDigests(this.digests());
  }
}

export { population };

/** Per source row: 1 when its targets are consecutive (idx[a + m] = idx[a] + m). */
function consecutiveRows(m: SimWasm, q: Projection): Uint8Array {
  const nS = q.indptr.length - 1,
    d = m.array(Uint8Array, nS);
  for (let s = 0; s < nS; s++) {
    let ok = 1;
    for (let j = q.indptr[s] + 1; j < q.indptr[s + 1] && ok; j++) if (q.indices[j] !== q.indices[j - 1] + 1) ok = 0;
    d[s] = ok;
  }
  return d;
}

/** Bytes the WebAssembly backend reserves for a network: every array the engine and the models' steps use. */
function wasmBytes(net: Network): number {
  const B = SimWasm.bytes;
  let total = 0;
  for (const p of net.populations) {
    const spec = neuronModel(p.model),
      n = p.size;
    total +=
      2 * B(n, 4) + 3 * B(n, 8) + spec.state.length * B(n, 4) + (spec.host ? B(n, 4) : 0) + (spec.wasm?.bytes(n) ?? 0);
  }
  for (const q of net.projections) {
    const T = net.populations.find((x) => x.name === q.target)!,
      S = net.populations.find((x) => x.name === q.source)!;
    const nnz = q.indices.length,
      nS = S.size,
      nT = T.size;
    // a CSR copy or a dense matrix (8-bit weights, at least half the entries present), whichever is made
    const csr = B(nnz, nT <= 65536 ? 2 : 4) + B(nnz, q.weightBits <= 8 ? 1 : q.weightBits <= 16 ? 2 : 4) + B(nS, 1);
    const matrix = q.weightBits <= 8 && 2 * nnz >= nS * nT ? B(nS * nT, 1) : 0;
    // + indptr, nnzRow, rowMax (a lazy target's), the ring
    total += Math.max(csr, matrix) + B(nS + 1, 4) + 2 * B(nS, 4) + B((q.static ? 1 : q.delay + 1) * nT, 8);
  }
  return total;
}

/** SHA-256 over per-input digests in order (see Simulator.digest). */
export function combineDigests(d: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const x of d) h.update(x);
  return h.digest('hex');
}
