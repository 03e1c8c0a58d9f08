/**
 * Integer spiking simulator over a Network. Two engines with one semantics:
 * - 'event': push. Only neurons that emitted (count != 0) do synaptic work: each walks its CSR row and adds
 *   weight x count into the target's ring-buffer slot for step t + delay (NEST's ring buffers: one slot per
 *   step of delay, so no priority queue is needed on the step grid).
 * - 'clock': pull, the reference. Every step every target neuron sums over all its incoming synapses
 *   (a transposed copy of the weights) the source's count of step t - delay, silent or not.
 * Sums are exact integers (no rounding inside a sum, so the order of events cannot change a result). A
 * projection's sum reaches its target as floor(sum x 2^shift), shift = exponent + the target's input fraction
 * - the source payload's fraction.
 *
 * Step semantics: reset() puts every population in its initial state and lets iP-VAE populations emit their
 * first counts from u0 (step 0). Step t >= 1: each population reads its input of step t (ring slots, static
 * drive, external drive), updates, and emits; emissions are delivered to step t + delay (delay >= 1).
 * Counters: spikes (sum of counts), events (emitting neurons), synaptic events (sum of count x fan-out),
 * NeuroBench effective synaptic ops (emitting neuron x nonzero weight), dense synaptic ops (all synapses of
 * non-static projections), neuron updates, messages per projection, saturations.
 */
import { createHash, type Hash } from 'node:crypto';
import { population, type Network, type Population, type Projection } from '../net/network.js';
import { lifConst, lifStep, type LifConst, type LifMode } from './lif.js';
import { ipvaeEmit, ipvaeUpdate, type IpVaeNeuronParams } from './ipvae-neuron.js';
import { shiftRight, satCounter, type SatCounter } from '../fixed/q.js';
import { UserError } from '../errors.js';

export type EngineKind = 'event' | 'clock';

export interface SimOptions {
  engine: EngineKind;
  seed: number;
  lifMode?: LifMode;
  /** Also fold every step's counts into a SHA-256 (spikes_sha256). */
  hash?: boolean;
}

export interface Counters {
  steps: number;
  spikes: number;
  events: number;
  synEvents: number;
  effSynOps: number;
  denseSynOps: number;
  neuronUpdates: number;
  saturations: number;
  /** Per projection: messages (emitting source neurons) and synaptic events. */
  perProjection: { name: string; messages: number; synEvents: number }[];
}

type IdxArray = Uint16Array | Int32Array;
type WArray = Int8Array | Int16Array | Int32Array;

interface Proj {
  name: string;
  src: number;
  tgt: number;
  nS: number;
  nT: number;
  indptr: Int32Array;
  idx: IdxArray;
  w: WArray;
  /** Transposed (by target) copy for the clock engine. */
  tptr?: Int32Array;
  tsrc?: Int32Array;
  tw?: WArray;
  delay: number;
  shift: number;
  isStatic: boolean;
  /** Ring of (delay + 1) slots x nT raw sums (event engine). */
  ring: Float64Array;
  /** Clock engine: counts of the source for the last delay + 1 steps. */
  hist: Int32Array;
  nnzRow: Int32Array;
}

interface Pop {
  p: Population;
  n: number;
  /** Emission of the current step (counts or 0/1 spikes), and the indices of the nonzero entries. */
  out: Int32Array;
  fired: Int32Array;
  nFired: number;
  inp: Float64Array;
  drive: Float64Array;
  ext: Float64Array;
  /** Whether ext holds a drive for the next step. */
  extSet: boolean;
  u: Int32Array;
  v: Int32Array;
  lif?: LifConst;
  ipv?: IpVaeNeuronParams;
  /** input: values presented (payload), as integers in the input format. */
  values?: Int32Array;
  incoming: Proj[];
  outgoing: Proj[];
}

const arr = (v: number | Int32Array | undefined, n: number, name: string, pop: string): Int32Array => {
  if (v === undefined) throw new UserError(`network: population "${pop}" needs parameter "${name}"`);
  return typeof v === 'number' ? new Int32Array(n).fill(v) : v;
};

function inputFrac(p: Population): number {
  if (p.model === 'ipvae') return p.formats.u?.frac ?? 0;
  if (p.model === 'readout') return p.formats.out?.frac ?? 0;
  return 0;
}

function payloadFrac(p: Population): number {
  return p.model === 'input' ? (p.formats.x?.frac ?? 0) : 0;
}

export class Simulator {
  readonly pops: Pop[] = [];
  readonly projs: Proj[] = [];
  readonly sat: SatCounter = satCounter();
  readonly counters: Counters;
  t = 0;
  sample = 0;
  private readonly w = new Uint32Array(2);
  /** SHA-256 of the current input's emissions, and the finished digests of the previous inputs. */
  private hash: Hash | undefined;
  readonly sampleDigests: Buffer[] = [];
  private started = false;

  constructor(
    readonly net: Network,
    readonly o: SimOptions,
  ) {
    for (const p of net.populations) {
      const n = p.size;
      const pop: Pop = {
        p,
        n,
        out: new Int32Array(n),
        fired: new Int32Array(n),
        nFired: 0,
        inp: new Float64Array(n),
        drive: new Float64Array(n),
        ext: new Float64Array(n),
        extSet: false,
        u: new Int32Array(n),
        v: new Int32Array(n),
        incoming: [],
        outgoing: [],
      };
      if (p.model === 'lif' || p.model === 'if') {
        pop.lif = lifConst({
          du: p.model === 'if' ? new Int32Array(n).fill(4095) : arr(p.params.du, n, 'du', p.name),
          dv: p.model === 'if' ? new Int32Array(n) : arr(p.params.dv, n, 'dv', p.name),
          vth: arr(p.params.vth, n, 'vth', p.name),
          biasMant: arr(p.params.bias_mant ?? 0, n, 'bias_mant', p.name),
          biasExp: arr(p.params.bias_exp ?? 0, n, 'bias_exp', p.name),
        });
      } else if (p.model === 'ipvae') {
        const fu = p.formats.u?.frac;
        if (fu === undefined) throw new UserError(`network: population "${p.name}" (ipvae) needs formats.u`);
        const ub = p.formats.u.bits;
        const sc = (k: string) => {
          const v = p.params[k];
          if (typeof v !== 'number')
            throw new UserError(`network: population "${p.name}" needs scalar parameter "${k}"`);
          return v;
        };
        pop.ipv = {
          fu,
          uMin: -(2 ** (ub - 1)),
          uMax: 2 ** (ub - 1) - 1,
          etaMant: sc('eta_mant'),
          etaShift: sc('eta_shift'),
          bias: arr(p.params.bias, n, 'bias', p.name),
          u0: arr(p.params.u0, n, 'u0', p.name),
          clamp: sc('clamp'),
          floor: sc('floor'),
          countCap: sc('count_cap'),
        };
      } else if (p.model === 'input') {
        pop.values = new Int32Array(n);
      }
      this.pops.push(pop);
    }
    const index = (name: string) => net.populations.findIndex((q) => q.name === name);
    for (const q of net.projections) this.projs.push(this.compile(q, index(q.source), index(q.target)));
    for (const pr of this.projs) {
      this.pops[pr.src].outgoing.push(pr);
      this.pops[pr.tgt].incoming.push(pr);
    }
    this.counters = {
      steps: 0,
      spikes: 0,
      events: 0,
      synEvents: 0,
      effSynOps: 0,
      denseSynOps: 0,
      neuronUpdates: 0,
      saturations: 0,
      perProjection: this.projs.map((p) => ({ name: p.name, messages: 0, synEvents: 0 })),
    };
  }

  private compile(q: Projection, si: number, ti: number): Proj {
    const S = this.net.populations[si],
      T = this.net.populations[ti];
    const nS = S.size,
      nT = T.size,
      nnz = q.indices.length;
    const idx: IdxArray = nT <= 65536 ? Uint16Array.from(q.indices) : Int32Array.from(q.indices);
    const w: WArray =
      q.weightBits <= 8
        ? Int8Array.from(q.weights)
        : q.weightBits <= 16
          ? Int16Array.from(q.weights)
          : Int32Array.from(q.weights);
    const nnzRow = new Int32Array(nS);
    for (let s = 0; s < nS; s++)
      for (let j = q.indptr[s]; j < q.indptr[s + 1]; j++) if (q.weights[j] !== 0) nnzRow[s]++;
    const pr: Proj = {
      name: q.name,
      src: si,
      tgt: ti,
      nS,
      nT,
      indptr: Int32Array.from(q.indptr),
      idx,
      w,
      delay: q.delay,
      shift: q.exponent + inputFrac(T) - payloadFrac(S),
      isStatic: q.static,
      ring: new Float64Array(q.static ? 0 : (q.delay + 1) * nT),
      hist: new Int32Array(q.static ? 0 : (q.delay + 1) * nS),
      nnzRow,
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
    if (i < 0) throw new UserError(`network: no population named "${name}"`);
    return this.pops[i];
  }

  /** Present integer values to an input population (held until the next setInput). */
  setInput(name: string, values: ArrayLike<number>): void {
    const p = this.pop(name);
    if (!p.values) throw new UserError(`network: population "${name}" is not an input population`);
    if (values.length !== p.n)
      throw new UserError(`network: input "${name}" has ${p.n} neurons, got ${values.length} values`);
    p.values.set(values);
  }

  /** External integer input current of the next step, added to a population's synaptic input. */
  setDrive(name: string, values: ArrayLike<number>): void {
    const p = this.pop(name);
    if (values.length !== p.n)
      throw new UserError(`drive: population "${name}" has ${p.n} neurons, got ${values.length} values`);
    p.ext.set(values);
    p.extSet = true;
  }

  /** Initial state for a new input (sample index keys the iP-VAE draws); iP-VAE populations emit step 0. */
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
      P.u.fill(0);
      P.v.fill(0);
      P.out.fill(0);
      P.nFired = 0;
      P.ext.fill(0);
      P.extSet = false;
      P.drive.fill(0);
      if (P.ipv) P.u.set(P.ipv.u0);
    }
    // static projections: W x once per input, held as a drive
    for (const pr of this.projs) {
      if (!pr.isStatic) continue;
      const src = this.pops[pr.src].values!,
        raw = new Float64Array(pr.nT),
        drive = this.pops[pr.tgt].drive;
      for (let s = 0; s < pr.nS; s++) {
        const c = src[s];
        if (c === 0) continue;
        for (let j = pr.indptr[s]; j < pr.indptr[s + 1]; j++) raw[pr.idx[j]] += pr.w[j] * c;
      }
      for (let k = 0; k < pr.nT; k++) drive[k] += shiftRight(raw[k], -pr.shift);
    }
    for (const P of this.pops) {
      if (P.ipv) {
        const r = ipvaeEmit(P.n, P.u, P.ipv, this.o.seed, sample, 0, P.out, this.sat, this.w, P.fired);
        this.counters.spikes += r.spikes;
        P.nFired = r.nFired;
      }
      this.emitInput(P);
    }
    this.deliverAll();
  }

  /** An input population with dynamic (non-static) projections emits its values every step (graded). */
  private emitInput(P: Pop): void {
    if (!P.values || !P.outgoing.some((q) => !q.isStatic)) return;
    let nf = 0;
    for (let k = 0; k < P.n; k++) {
      const v = P.values[k];
      P.out[k] = v;
      if (v !== 0) P.fired[nf++] = k;
    }
    P.nFired = nf;
  }

  /** Deliver this step's emissions (step t) to step t + delay. */
  private deliverAll(): void {
    const t = this.t,
      C = this.counters;
    if (this.hash)
      for (const P of this.pops)
        if (P.p.model !== 'input') this.hash.update(new Uint8Array(P.out.buffer, P.out.byteOffset, P.out.byteLength));
    this.projs.forEach((pr, pi) => {
      if (pr.isStatic) return;
      const S = this.pops[pr.src],
        out = S.out,
        fired = S.fired,
        nFired = S.nFired;
      const L = pr.delay + 1;
      if (this.o.engine === 'clock') {
        pr.hist.set(out, (t % L) * pr.nS);
        C.denseSynOps += pr.idx.length;
      }
      let msgs = 0,
        syn = 0,
        eff = 0;
      const base = ((t + pr.delay) % L) * pr.nT,
        ring = pr.ring,
        idx = pr.idx,
        w = pr.w,
        ptr = pr.indptr;
      for (let f = 0; f < nFired; f++) {
        const s = fired[f],
          c = out[s];
        const a = ptr[s],
          b = ptr[s + 1];
        msgs++;
        syn += c * (b - a);
        eff += pr.nnzRow[s];
        if (this.o.engine === 'event') for (let j = a; j < b; j++) ring[base + idx[j]] += w[j] * c;
      }
      C.perProjection[pi].messages += msgs;
      C.perProjection[pi].synEvents += syn;
      C.events += msgs;
      C.synEvents += syn;
      C.effSynOps += eff;
    });
  }

  /** Gather the synaptic input of step t into each population's inp. */
  private gather(): void {
    const t = this.t;
    for (const P of this.pops) {
      if (P.extSet) P.inp.set(P.ext);
      else P.inp.fill(0);
    }
    for (const pr of this.projs) {
      if (pr.isStatic) continue;
      const inp = this.pops[pr.tgt].inp,
        L = pr.delay + 1,
        sh = pr.shift;
      if (this.o.engine === 'event') {
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
        // counts emitted at step t - delay
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
    const C = this.counters;
    this.gather();
    for (const P of this.pops) {
      if (P.p.model === 'input') {
        this.emitInput(P);
        continue;
      }
      C.neuronUpdates += P.n;
      if (P.lif) {
        const k = lifStep(P.n, P.u, P.v, P.inp, P.lif, this.o.lifMode ?? 'saturate', this.sat, P.out, P.fired);
        C.spikes += k;
        P.nFired = k;
      } else if (P.ipv) {
        ipvaeUpdate(P.n, P.u, P.drive, P.inp, P.ipv, this.sat);
        const r = ipvaeEmit(P.n, P.u, P.ipv, this.o.seed, this.sample, this.t, P.out, this.sat, this.w, P.fired);
        C.spikes += r.spikes;
        P.nFired = r.nFired;
      } else if (P.p.model === 'readout') {
        for (let k = 0; k < P.n; k++) P.v[k] = P.inp[k] + P.drive[k];
      }
      if (P.extSet) {
        P.ext.fill(0);
        P.extSet = false;
      }
    }
    this.deliverAll();
    C.steps++;
    C.saturations = this.sat[0];
  }

  /** SHA-256 (32 bytes) of each input run so far, in order (the current one as it stands). */
  digests(): Buffer[] {
    if (!this.o.hash) throw new Error('Simulator: construct with hash: true for a digest');
    return this.hash ? [...this.sampleDigests, this.hash.copy().digest()] : [...this.sampleDigests];
  }

  /**
   * spikes_sha256: per input (reset), the SHA-256 of its emissions: per step (0, 1, ...), per non-input
   * population in network order, its counts as little-endian int32; then the SHA-256 of those 32-byte digests
   * concatenated in input order. Any split of the inputs over workers gives the same value.
   */
  digest(): string {
    return combineDigests(this.digests());
  }
}

export { population };

/** SHA-256 over per-input digests in order (see Simulator.digest). */
export function combineDigests(d: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const x of d) h.update(x);
  return h.digest('hex');
}
