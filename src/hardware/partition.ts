/**
 * Partitioning: every placed neuron gets a core; a core holds neurons of one population (its neuron model and
 * parameters are per core, as on Loihi). Two strategies:
 *  - fill: neurons in index order, a new core whenever the next neuron would break a per-core limit (neurons,
 *    synapses, synapse memory, fan-in axons). The naive baseline.
 *  - traffic: greedy growth (a core grows by the unplaced neuron most connected to it: shared source nets,
 *    local synapses; an O(1) gain-bucket queue as in Fiduccia-Mattheyses), then rate-weighted refinement by
 *    single moves and pairwise swaps under every limit. The objective is the connectivity-1 metric of the
 *    spike hypergraph: sum over sources s of rate(s) x (number of cores holding targets of s, other than the
 *    core of s) = spikes sent between cores per step.
 * Both are deterministic: no random draw anywhere.
 */
import { coreFits, coreMemoryBits, type Limits } from './check.js';
import type { MapGraph } from './graph.js';

export type Strategy = 'fill' | 'traffic';
export const STRATEGIES: readonly Strategy[] = ['fill', 'traffic'];

export interface Partition {
  /** placed id -> core. */
  part: Int32Array;
  cores: number;
  /** core -> population index. */
  corePop: Int32Array;
  /** Refinement statistics (traffic only). */
  moves: number;
  swaps: number;
  merges: number;
  /** traffic found nothing better than fill and returned fill's partition. */
  fellBack: boolean;
  /** Growth attempts (traffic retries with fewer neurons per core when cores break the fan-out limit). */
  attempts: number;
  /** Per-core loads of this partition (the mapper's numbers). */
  loads: CoreLoads;
}

/** Fan-in bookkeeping shared by the chops: stamp[s] = the core whose fan-in already counts net s. */
class CoreLoad {
  n = 0;
  syn = 0;
  wbits = 0;
  fanIn = 0;
  core = -1;
  constructor(
    private g: MapGraph,
    private L: Limits,
    readonly stamp: Int32Array,
    private maxWB: number,
  ) {}
  open(core: number): void {
    this.core = core;
    this.n = 0;
    this.syn = 0;
    this.wbits = 0;
    this.fanIn = 0;
  }
  newAxons(v: number): number {
    let fi = 0;
    for (let j = this.g.inPtr[v]; j < this.g.inPtr[v + 1]; j++) if (this.stamp[this.g.inSrc[j]] !== this.core) fi++;
    return fi;
  }
  fits(v: number, capNeurons: number): boolean {
    const g = this.g,
      L = this.L,
      n = this.n + 1,
      syn = this.syn + g.inSyn[v],
      fanIn = this.fanIn + this.newAxons(v);
    return coreFits(L, n, syn, this.wbits + g.inWeightBits[v], fanIn, this.maxWB, capNeurons);
  }
  add(v: number): void {
    const g = this.g;
    this.fanIn += this.newAxons(v);
    for (let j = g.inPtr[v]; j < g.inPtr[v + 1]; j++) this.stamp[g.inSrc[j]] = this.core;
    this.n++;
    this.syn += g.inSyn[v];
    this.wbits += g.inWeightBits[v];
  }
}

/** Sequential chop of `order` (placed ids of one population) into cores from `core`; returns the next free core. */
function chop(load: CoreLoad, order: ArrayLike<number>, core: number, capNeurons: number, part: Int32Array): number {
  load.open(core);
  for (let i = 0; i < order.length; i++) {
    const v = order[i];
    if (load.n > 0 && !load.fits(v, capNeurons)) load.open(++core);
    load.add(v);
    part[v] = core;
  }
  return order.length ? core + 1 : core;
}

/** Greedy growth over one population with a gain-bucket queue; returns the next free core. */
function grow(g: MapGraph, load: CoreLoad, pi: number, core: number, capNeurons: number, part: Int32Array): number {
  const P = g.pops[pi],
    n = P.size,
    base = P.placedOffset;
  if (n === 0) return core;
  let maxDeg = 0;
  for (let j = 0; j < n; j++) {
    const v = base + j,
      s = g.allOf[v];
    maxDeg = Math.max(maxDeg, 2 * (g.inPtr[v + 1] - g.inPtr[v]) + (g.netPtr[s + 1] - g.netPtr[s]));
  }
  const gain = new Int32Array(n),
    head = new Int32Array(maxDeg + 2).fill(-1),
    next = new Int32Array(n),
    prev = new Int32Array(n);
  const done = new Uint8Array(n),
    touched = new Int32Array(n);
  let nTouched = 0,
    top = 0,
    cursor = 0;
  const unlink = (j: number): void => {
    const gj = gain[j];
    if (prev[j] >= 0) next[prev[j]] = next[j];
    else head[gj] = next[j];
    if (next[j] >= 0) prev[next[j]] = prev[j];
  };
  const link = (j: number): void => {
    const gj = gain[j];
    prev[j] = -1;
    next[j] = head[gj];
    if (head[gj] >= 0) prev[head[gj]] = j;
    head[gj] = j;
    if (gj > top) top = gj;
  };
  const bump = (v: number): void => {
    const j = v - base;
    if (j < 0 || j >= n || done[j]) return;
    if (gain[j] === 0) touched[nTouched++] = j;
    else unlink(j);
    gain[j]++;
    link(j);
  };
  const inP = (v: number): boolean => v >= base && v < base + n;
  load.open(core);
  let placed = 0,
    cand = 0;
  while (placed < n) {
    const v = base + cand;
    if (load.n > 0 && !load.fits(v, capNeurons)) {
      // Close this core: clear the queue; the rejected neuron seeds the next core.
      for (let t = 0; t < nTouched; t++) {
        const j = touched[t];
        if (!done[j] && gain[j] > 0) unlink(j);
        gain[j] = 0;
      }
      nTouched = 0;
      top = 0;
      load.open(++core);
    }
    // Nets touching this core for the first time make all their targets here more attractive.
    for (let j = g.inPtr[v]; j < g.inPtr[v + 1]; j++) {
      const s = g.inSrc[j];
      if (load.stamp[s] !== load.core)
        for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) {
          const w = g.netTgt[k];
          if (w !== v && inP(w)) bump(w);
        }
      const ps = g.placedOf[s];
      if (ps >= 0 && inP(ps) && ps !== v) bump(ps);
    }
    const sv = g.allOf[v];
    for (let k = g.netPtr[sv]; k < g.netPtr[sv + 1]; k++) {
      const w = g.netTgt[k];
      if (w !== v && inP(w)) bump(w);
    }
    if (gain[cand] > 0) unlink(cand);
    done[cand] = 1;
    load.add(v);
    part[v] = core;
    placed++;
    if (placed === n) break;
    while (top > 0 && head[top] < 0) top--;
    if (top > 0) cand = head[top];
    else {
      while (done[cursor]) cursor++;
      cand = cursor;
    }
  }
  return core + 1;
}

/**
 * Rate-weighted refinement of a partition: net x core pin counts, per-core loads, and moves/swaps that lower
 * the traffic and break no limit that was not already broken. Pin counts are a dense segment per net (the
 * cores of the net's target populations) when that table is small enough, else a list of (core, count) per
 * net with room for as many entries as the net has pins (O(synapses) memory, a short scan per lookup).
 */
class Refiner {
  cnt: Int32Array;
  /** List mode: entries [netPtr[s], netPtr[s] + pinLen[s]) of pinCore / pinCnt. */
  listMode: boolean;
  pinCore: Int32Array;
  pinCnt: Int32Array;
  pinLen: Int32Array;
  lam: Int32Array;
  /** Dense mode: the count of (s, c) is cnt[segBase[s] + c] for c in [popLo, popHi) of s's population. */
  segBase: Int32Array;
  popLo: Int32Array;
  popHi: Int32Array;
  neurons: Int32Array;
  syn: Float64Array;
  wbits: Float64Array;
  fanIn: Int32Array;
  fanOut: Int32Array;
  members: number[][];
  moves = 0;
  swaps = 0;
  /** Spikes per step between cores at construction. */
  cost = 0;

  constructor(
    private g: MapGraph,
    private L: Limits,
    private part: Int32Array,
    cores: number,
    private corePop: Int32Array,
    private rate: Float64Array,
    ranges: Int32Array[],
    maxTable: number,
  ) {
    const { nAll } = g;
    // Each net's segment spans the cores of its target populations; segments are laid end to end.
    this.segBase = new Int32Array(nAll);
    let table = 0;
    for (let s = 0; s < nAll; s++) {
      const r = ranges[g.popOf[s]];
      this.segBase[s] = table - r[0];
      table += r[1] - r[0];
    }
    this.listMode = table > maxTable;
    this.cnt = new Int32Array(this.listMode ? 0 : table);
    this.pinCore = new Int32Array(this.listMode ? g.netTgt.length : 0);
    this.pinCnt = new Int32Array(this.listMode ? g.netTgt.length : 0);
    this.pinLen = new Int32Array(this.listMode ? nAll : 0);
    this.popLo = Int32Array.from(ranges, (r) => r[0]);
    this.popHi = Int32Array.from(ranges, (r) => r[1]);
    this.lam = new Int32Array(nAll);
    this.neurons = new Int32Array(cores);
    this.syn = new Float64Array(cores);
    this.wbits = new Float64Array(cores);
    this.fanIn = new Int32Array(cores);
    this.fanOut = new Int32Array(cores);
    this.members = Array.from({ length: cores }, () => []);
    for (let v = 0; v < g.nPlaced; v++) {
      const c = part[v];
      this.neurons[c]++;
      this.syn[c] += g.inSyn[v];
      this.wbits[c] += g.inWeightBits[v];
      this.members[c].push(v);
    }
    for (let s = 0; s < nAll; s++) {
      for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) {
        const c = part[g.netTgt[k]];
        if (this.inc(s, c) === 1) {
          this.lam[s]++;
          this.fanIn[c]++;
        }
      }
      const h = this.home(s);
      if (h >= 0) {
        this.fanOut[h] += this.lam[s];
        this.cost += this.rate[s] * (this.lam[s] - +(this.count(s, h) > 0));
      }
    }
  }

  home(s: number): number {
    const p = this.g.placedOf[s];
    return p >= 0 ? this.part[p] : -1;
  }
  count(s: number, c: number): number {
    if (this.listMode) {
      for (let i = this.g.netPtr[s], e = i + this.pinLen[s]; i < e; i++)
        if (this.pinCore[i] === c) return this.pinCnt[i];
      return 0;
    }
    const pi = this.g.popOf[s];
    return c >= this.popLo[pi] && c < this.popHi[pi] ? this.cnt[this.segBase[s] + c] : 0;
  }
  /** Add a pin of net s on core c; returns the new count. */
  inc(s: number, c: number): number {
    if (!this.listMode) return ++this.cnt[this.segBase[s] + c];
    const o = this.g.netPtr[s],
      e = o + this.pinLen[s];
    for (let i = o; i < e; i++) if (this.pinCore[i] === c) return ++this.pinCnt[i];
    this.pinCore[e] = c;
    this.pinCnt[e] = 1;
    this.pinLen[s]++;
    return 1;
  }
  /** Remove a pin of net s from core c (it must be there); returns the new count. */
  dec(s: number, c: number): number {
    if (!this.listMode) return --this.cnt[this.segBase[s] + c];
    const o = this.g.netPtr[s],
      last = o + this.pinLen[s] - 1;
    for (let i = o; i <= last; i++) {
      if (this.pinCore[i] !== c) continue;
      const n = --this.pinCnt[i];
      if (n === 0) {
        this.pinCore[i] = this.pinCore[last];
        this.pinCnt[i] = this.pinCnt[last];
        this.pinLen[s]--;
      }
      return n;
    }
    throw new Error('partition: pin count out of step');
  }

  private one = new Int32Array(1);
  private oneOut = new Float64Array(1);
  /** Traffic lost (negative = saved) by moving placed neuron v to core B. */
  delta(v: number, B: number): number {
    this.one[0] = B;
    this.deltas(v, this.one, 1, this.oneOut);
    return this.oneOut[0];
  }
  /** delta(v, B) for the first n cores of `cands`, into out, in one sweep over v's input nets. */
  deltas(v: number, cands: ArrayLike<number>, n: number, out: Float64Array): void {
    const g = this.g,
      A = this.part[v],
      sv = g.allOf[v];
    let self = false;
    out.fill(0, 0, n);
    for (let j = g.inPtr[v]; j < g.inPtr[v + 1]; j++) {
      const s = g.inSrc[j],
        r = this.rate[s];
      if (r === 0) continue;
      if (s === sv) {
        self = true;
        const cA = this.count(s, A);
        for (let i = 0; i < n; i++) out[i] += r * (+(cA > 1) - +(this.count(s, cands[i]) > 0));
        continue;
      }
      const h = this.home(s);
      if (h < 0) continue; // host nets are not inter-core traffic
      const cA = this.count(s, A),
        fromA = +(cA > 1 && A !== h) - +(cA > 0 && A !== h);
      for (let i = 0; i < n; i++) {
        const B = cands[i];
        out[i] += r * (fromA + +(B !== h) - +(B !== h && this.count(s, B) > 0));
      }
    }
    if (!self && g.netPtr[sv + 1] > g.netPtr[sv]) {
      const r = this.rate[sv],
        a = +(this.count(sv, A) > 0);
      for (let i = 0; i < n; i++) out[i] += r * (a - +(this.count(sv, cands[i]) > 0));
    }
  }
  /**
   * Move v to B. Returns 0, or a mask of the limits the move pushed over: 1 = a limit of core B (neurons,
   * synapses, fan-in, memory), 2 = a fan-out limit (of a core or of one neuron). The caller reverts.
   */
  apply(v: number, B: number): number {
    const g = this.g,
      L = this.L,
      A = this.part[v],
      sv = g.allOf[v];
    let bad = 0;
    for (let j = g.inPtr[v]; j < g.inPtr[v + 1]; j++) {
      const s = g.inSrc[j],
        h = this.home(s);
      if (this.dec(s, A) === 0) {
        this.lam[s]--;
        this.fanIn[A]--;
        if (h >= 0) this.fanOut[h]--;
      }
      if (this.inc(s, B) === 1) {
        this.lam[s]++;
        this.fanIn[B]++;
        if (h >= 0 && ++this.fanOut[h] > L.fanOut) bad |= 2;
        if (h >= 0 && this.lam[s] > L.neuronFanOut) bad |= 2; // host sources are not neurons of the chip
      }
    }
    const lv = this.lam[sv];
    this.fanOut[A] -= lv;
    this.fanOut[B] += lv;
    if (lv > 0 && this.fanOut[B] > L.fanOut) bad |= 2;
    this.part[v] = B;
    this.neurons[A]--;
    this.syn[A] -= g.inSyn[v];
    this.wbits[A] -= g.inWeightBits[v];
    this.neurons[B]++;
    this.syn[B] += g.inSyn[v];
    this.wbits[B] += g.inWeightBits[v];
    const mA = this.members[A],
      mB = this.members[B],
      i = mA.indexOf(v);
    mA[i] = mA[mA.length - 1];
    mA.pop();
    mB.push(v);
    if (!this.coreOk(B)) bad |= 1;
    return bad;
  }

  /** One pass over the neurons of population pi with cores [c0, c1); returns the traffic saved. */
  pass(pi: number, c0: number, c1: number): number {
    const g = this.g,
      P = g.pops[pi],
      k = c1 - c0;
    // Candidate cores: the 4 (or all, when k <= 5) with the most rate-weighted links to v: its targets and
    // sources in this population and two co-targets of each of its input nets.
    const weight = new Float64Array(k),
      touched = new Int32Array(k),
      seenAt = new Int32Array(k).fill(-1),
      cands: number[] = [];
    const dOut = new Float64Array(Math.max(k, 4));
    const lo = P.placedOffset,
      hi = P.placedOffset + P.size,
      part = this.part,
      rate = this.rate;
    let saved = 0;
    for (let j = 0; j < P.size; j++) {
      const v = lo + j,
        A = part[v];
      cands.length = 0;
      if (k <= 5) {
        for (let c = c0; c < c1; c++) if (c !== A) cands.push(c);
      } else {
        let nt = 0;
        const sv = g.allOf[v],
          rv = rate[sv];
        for (let q = g.netPtr[sv]; q < g.netPtr[sv + 1]; q++) {
          const w = g.netTgt[q];
          if (w < lo || w >= hi) continue;
          const c = part[w] - c0;
          if (c + c0 === A) continue;
          if (seenAt[c] !== j) {
            seenAt[c] = j;
            touched[nt++] = c;
          }
          weight[c] += rv;
        }
        for (let q = g.inPtr[v]; q < g.inPtr[v + 1]; q++) {
          const s = g.inSrc[q],
            ps = g.placedOf[s],
            r = rate[s];
          if (r === 0) continue;
          if (ps >= lo && ps < hi) {
            if (part[ps] !== A) {
              const c = part[ps] - c0;
              if (seenAt[c] !== j) {
                seenAt[c] = j;
                touched[nt++] = c;
              }
              weight[c] += r;
            }
            continue; // a source of this population is a candidate itself; co-targets only for other sources
          }
          for (let t = g.netPtr[s], m = 0; t < g.netPtr[s + 1] && m < 2; t++) {
            const w = g.netTgt[t];
            if (w === v || w < lo || w >= hi) continue;
            m++;
            const c = part[w] - c0;
            if (c + c0 === A) continue;
            if (seenAt[c] !== j) {
              seenAt[c] = j;
              touched[nt++] = c;
            }
            weight[c] += r;
          }
        }
        // The 4 heaviest (ties: lower core), by selection.
        for (let pick = 0; pick < 4; pick++) {
          let bi = -1;
          for (let t = 0; t < nt; t++) {
            const c = touched[t];
            if (
              c >= 0 &&
              (bi < 0 || weight[c] > weight[touched[bi]] || (weight[c] === weight[touched[bi]] && c < touched[bi]))
            )
              bi = t;
          }
          if (bi < 0 || weight[touched[bi]] <= 0) break;
          cands.push(touched[bi] + c0);
          weight[touched[bi]] = 0;
          touched[bi] = -1;
        }
        for (let t = 0; t < nt; t++) if (touched[t] >= 0) weight[touched[t]] = 0;
      }
      let best = -1,
        bestD = -1e-9;
      this.deltas(v, cands, cands.length, dOut);
      for (let i = 0; i < cands.length; i++)
        if (dOut[i] < bestD) {
          bestD = dOut[i];
          best = cands[i];
        }
      if (best < 0) continue;
      // A full core cannot take v: go straight to a swap (apply would only be undone).
      if (this.neurons[best] < this.L.neurons) {
        if (this.apply(v, best) === 0) {
          saved -= bestD;
          this.moves++;
          continue;
        }
        this.apply(v, A); // revert, then try a swap with a neuron of the best core
      }
      const mB = this.members[best];
      let bu = -1,
        bd = 0;
      for (let t = 0, m = Math.min(6, mB.length); t < m; t++) {
        const u = mB[(j + t) % mB.length];
        const d = bestD + this.delta(u, A);
        if (d < bd) {
          bd = d;
          bu = u;
        }
      }
      if (bu < 0) continue;
      // Both halves of a swap: core limits are judged on the final state, fan-out limits on every step.
      const d1 = bestD,
        b1 = this.apply(v, best); // the state is as when bestD was computed
      const d2 = this.delta(bu, A),
        b2 = this.apply(bu, A);
      if (((b1 | b2) & 2) === 0 && this.coreOk(A) && this.coreOk(best) && d1 + d2 < -1e-9) {
        saved -= d1 + d2;
        this.swaps++;
      } else {
        this.apply(bu, best);
        this.apply(v, A);
      }
    }
    return saved;
  }
  private coreOk(c: number): boolean {
    return coreFits(
      this.L,
      this.neurons[c],
      this.syn[c],
      this.wbits[c],
      this.fanIn[c],
      this.g.pops[this.corePop[c]].maxWeightBits,
    );
  }
}

export interface PartitionOptions {
  strategy: Strategy;
  /** Messages per step of every source (all ids); uniform when absent. */
  rate: Float64Array;
  /** Refinement passes (traffic). */
  passes?: number;
  /** Largest dense net x core count table the refinement allocates (entries); beyond it, per-net lists. */
  maxTable?: number;
}

export interface CoreLoads {
  neurons: Int32Array;
  synapses: Int32Array;
  wbits: Float64Array;
  fanIn: Int32Array;
  fanOut: Int32Array;
  maxWeightBits: Int32Array;
  memoryBits: Float64Array;
  /** Distinct destination cores of every source (all ids). */
  lam: Int32Array;
  /** Spikes per step between cores (the objective). */
  traffic: number;
}

/**
 * Per-core loads of a partition, recomputed from scratch (O(synapses)). `rate`: spikes per step of every neuron
 * (by all id); default 1 each, as mapNetwork assumes without measured rates.
 */
export function coreLoads(
  g: MapGraph,
  L: Limits,
  part: Int32Array,
  C: number,
  rate: Float64Array = new Float64Array(g.nAll).fill(1),
): CoreLoads {
  const neurons = new Int32Array(C),
    synapses = new Int32Array(C),
    wbits = new Float64Array(C),
    fanIn = new Int32Array(C),
    fanOut = new Int32Array(C);
  const maxWeightBits = new Int32Array(C),
    lam = new Int32Array(g.nAll),
    seen = new Int32Array(C).fill(-1);
  for (let v = 0; v < g.nPlaced; v++) {
    const c = part[v];
    neurons[c]++;
    synapses[c] += g.inSyn[v];
    wbits[c] += g.inWeightBits[v];
    maxWeightBits[c] = Math.max(maxWeightBits[c], g.pops[g.popOf[g.allOf[v]]].maxWeightBits);
  }
  let traffic = 0;
  for (let s = 0; s < g.nAll; s++) {
    const ps = g.placedOf[s],
      h = ps >= 0 ? part[ps] : -1;
    for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) {
      const c = part[g.netTgt[k]];
      if (seen[c] === s) continue;
      seen[c] = s;
      lam[s]++;
      fanIn[c]++;
      if (h >= 0 && c !== h) traffic += rate[s];
    }
    if (h >= 0) fanOut[h] += lam[s];
  }
  const memoryBits = Float64Array.from({ length: C }, (_, c) =>
    coreMemoryBits(L, neurons[c], synapses[c], wbits[c], fanIn[c], maxWeightBits[c]),
  );
  return { neurons, synapses, wbits, fanIn, fanOut, maxWeightBits, memoryBits, lam, traffic };
}

/**
 * Merge the lightest core of each population into the core (of any population) where it saves the most
 * traffic and the union breaks no limit; repeat while something merges. Cores may then hold several
 * populations (Loihi keeps parameters per compartment). Returns the new core count; renumbers part.
 */
function mergeCores(
  g: MapGraph,
  L: Limits,
  part: Int32Array,
  C: number,
  rate: Float64Array,
): { cores: number; merges: number } {
  let merges = 0;
  const stampA = new Int32Array(g.nAll).fill(-1),
    stampB = new Int32Array(g.nAll).fill(-1),
    seen = new Int32Array(C).fill(-1);
  const targetsOwn = new Uint8Array(g.nAll);
  let tag = 0,
    pairTag = 0;
  for (let round = 0; round < 64 && C > 1; round++) {
    const ld = coreLoads(g, L, part, C, rate);
    const members: number[][] = Array.from({ length: C }, () => []);
    for (let v = 0; v < g.nPlaced; v++) members[part[v]].push(v);
    for (let s = 0; s < g.nAll; s++) {
      const ps = g.placedOf[s];
      targetsOwn[s] = 0;
      if (ps >= 0)
        for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++)
          if (part[g.netTgt[k]] === part[ps]) {
            targetsOwn[s] = 1;
            break;
          }
    }
    const fill = (c: number) =>
      Math.max(
        ld.neurons[c] / L.neurons,
        ld.memoryBits[c] / L.memoryBits,
        ld.fanIn[c] / L.fanIn,
        ld.synapses[c] / L.synapses,
      );
    const light = new Map<number, number>(); // the lightest core of each population (by its first neuron)
    for (let c = 0; c < C; c++) {
      const pi = g.popOf[g.allOf[members[c][0]]],
        b = light.get(pi);
      if (b === undefined || fill(c) < fill(b)) light.set(pi, c);
    }
    let best: [number, number, number] | undefined;
    for (const A of light.values()) {
      // Saving of merging A into B, per net s (rate r): r if s reaches both; r if s lives on B and reaches A
      // but not B; r if s lives on A and reaches B but not A.
      tag++;
      const bonus = new Float64Array(C);
      for (const v of members[A])
        for (let j = g.inPtr[v]; j < g.inPtr[v + 1]; j++) {
          const s = g.inSrc[j];
          if (stampA[s] === tag) continue;
          stampA[s] = tag;
          const ps = g.placedOf[s];
          if (ps >= 0 && part[ps] !== A && !targetsOwn[s]) bonus[part[ps]] += rate[s];
        }
      for (const v of members[A]) {
        const s = g.allOf[v];
        if (targetsOwn[s]) continue;
        for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) {
          const c = part[g.netTgt[k]];
          if (seen[c] !== s) {
            seen[c] = s;
            bonus[c] += rate[s];
          }
        }
      }
      for (const v of members[A]) {
        const s = g.allOf[v];
        for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) seen[part[g.netTgt[k]]] = -1;
      }
      for (let B = 0; B < C; B++) {
        if (B === A) continue;
        let shared = 0,
          saving = bonus[B];
        const tagB = ++pairTag;
        for (const v of members[B])
          for (let j = g.inPtr[v]; j < g.inPtr[v + 1]; j++) {
            const s = g.inSrc[j];
            if (stampA[s] !== tag || stampB[s] === tagB) continue;
            stampB[s] = tagB;
            shared++;
            if (g.placedOf[s] >= 0) saving += rate[s];
          }
        const fits = coreFits(
          L,
          ld.neurons[A] + ld.neurons[B],
          ld.synapses[A] + ld.synapses[B],
          ld.wbits[A] + ld.wbits[B],
          ld.fanIn[A] + ld.fanIn[B] - shared,
          Math.max(ld.maxWeightBits[A], ld.maxWeightBits[B]),
        );
        if (!fits || ld.fanOut[A] + ld.fanOut[B] > L.fanOut) continue;
        if (!best || saving > best[2]) best = [A, B, saving];
      }
    }
    if (!best) break;
    const [A, B] = best;
    for (const v of members[A]) part[v] = B;
    for (let v = 0; v < g.nPlaced; v++) if (part[v] > A) part[v]--;
    C--;
    merges++;
  }
  return { cores: C, merges };
}

export function partition(g: MapGraph, L: Limits, o: PartitionOptions): Partition {
  const part = new Int32Array(g.nPlaced),
    stamp = new Int32Array(g.nAll).fill(-1);
  let core = 0;
  // Fill: the baseline (and the fallback of traffic, which never returns a worse partition).
  for (let pi = 0; pi < g.pops.length; pi++) {
    const P = g.pops[pi];
    if (!P.host)
      core = chop(
        new CoreLoad(g, L, stamp, P.maxWeightBits),
        Int32Array.from({ length: P.size }, (_, j) => P.placedOffset + j),
        core,
        L.neurons,
        part,
      );
  }
  const fill: Partition = {
    part,
    cores: core,
    corePop: corePopOf(g, part, core),
    moves: 0,
    swaps: 0,
    merges: 0,
    fellBack: false,
    attempts: 0,
    loads: coreLoads(g, L, part, core, o.rate),
  };
  if (o.strategy === 'fill') return fill;
  // Traffic. A chop cannot see fan-out (it depends on where the targets go): when cores come out over the
  // output-axon limit, grow again with fewer neurons per core in the offending populations.
  const caps = g.pops.map(() => L.neurons);
  let best: (Growth & { traffic: number; bad: number; attempts: number }) | undefined;
  for (let attempt = 1; attempt <= 8; attempt++) {
    const r = growAll(g, L, caps);
    const ld = coreLoads(g, L, r.part, r.cores, o.rate);
    const bad = badness(g, L, ld, r.cores);
    if (!best || bad < best.bad || (bad === best.bad && ld.traffic < best.traffic))
      best = { ...r, traffic: ld.traffic, bad, attempts: attempt };
    const worst = g.pops.map(() => [0, 0]); // per population: [max fan-out ratio, neurons of that core]
    let over = 0;
    for (let pi = 0; pi < g.pops.length; pi++) {
      for (let c = r.coreRange[pi][0]; c < r.coreRange[pi][1]; c++) {
        if (ld.fanOut[c] <= L.fanOut) continue;
        over++;
        const ratio = ld.fanOut[c] / L.fanOut;
        if (ratio > worst[pi][0]) worst[pi] = [ratio, ld.neurons[c]];
      }
    }
    if (!over) break;
    worst.forEach(([ratio, n], pi) => {
      if (ratio > 0) caps[pi] = Math.max(1, Math.min(caps[pi] - 1, Math.floor((0.97 * n) / ratio)));
    });
  }
  const b = best!;
  const r = refineAndMerge(g, L, o, b);
  const ld = r.loads,
    fillLd = fill.loads;
  const bad = badness(g, L, ld, r.cores),
    fillBad = badness(g, L, fillLd, fill.cores);
  // Never worse than the baseline: fewer broken placement limits first, then less traffic.
  if (fillBad < bad || (fillBad === bad && fillLd.traffic < ld.traffic))
    return { ...fill, fellBack: true, attempts: b.attempts };
  return { ...r, attempts: b.attempts };
}

/** How much of a partition breaks the limits only placement decides: cores over fan-out, neurons over their destination-core limit, chips. */
function badness(g: MapGraph, L: Limits, ld: CoreLoads, C: number): number {
  let n = 0;
  for (let c = 0; c < C; c++) if (ld.fanOut[c] > L.fanOut) n++;
  if (Number.isFinite(L.neuronFanOut))
    for (let s = 0; s < g.nAll; s++) if (g.placedOf[s] >= 0 && ld.lam[s] > L.neuronFanOut) n++;
  if (C > L.coresPerChip * L.chips) n++;
  return n;
}

interface Growth {
  part: Int32Array;
  cores: number;
  coreRange: Int32Array[];
}

/** Greedy growth of every population with per-population neuron caps. */
function growAll(g: MapGraph, L: Limits, caps: number[]): Growth {
  const part = new Int32Array(g.nPlaced),
    stamp = new Int32Array(g.nAll).fill(-1);
  const coreRange: Int32Array[] = [];
  let core = 0;
  for (let pi = 0; pi < g.pops.length; pi++) {
    const P = g.pops[pi],
      start = core;
    if (!P.host && P.size > 0) core = grow(g, new CoreLoad(g, L, stamp, P.maxWeightBits), pi, core, caps[pi], part);
    coreRange.push(Int32Array.of(start, core));
  }
  return { part, cores: core, coreRange };
}

/** Rate-weighted refinement (moves and swaps), then core merges. */
function refineAndMerge(g: MapGraph, L: Limits, o: PartitionOptions, gr: Growth): Partition {
  const tp = gr.part,
    coreRange = gr.coreRange,
    core = gr.cores;
  // Segment of a net: the cores of its target populations (a contiguous range spanning them).
  const tgtPops = g.pops.map(() => new Set<number>());
  for (const q of g.edges) tgtPops[q[0]].add(q[1]);
  const ranges = g.pops.map((_, pi) => {
    const t = [...tgtPops[pi]];
    return t.length
      ? Int32Array.of(Math.min(...t.map((x) => coreRange[x][0])), Math.max(...t.map((x) => coreRange[x][1])))
      : Int32Array.of(0, 0);
  });
  const R = new Refiner(g, L, tp, core, corePopOf(g, tp, core), o.rate, ranges, o.maxTable ?? 1 << 24);
  const start = R.cost;
  for (let it = 0; it < (o.passes ?? 8); it++) {
    let saved = 0;
    for (let pi = 0; pi < g.pops.length; pi++)
      if (!g.pops[pi].host) saved += R.pass(pi, coreRange[pi][0], coreRange[pi][1]);
    if (saved <= 0.002 * start) break;
  }
  const m = mergeCores(g, L, tp, core, o.rate);
  return {
    part: tp,
    cores: m.cores,
    corePop: corePopOf(g, tp, m.cores),
    moves: R.moves,
    swaps: R.swaps,
    merges: m.merges,
    fellBack: false,
    attempts: 1,
    loads: coreLoads(g, L, tp, m.cores, o.rate),
  };
}

/** The population of each core's first neuron (cores of traffic may hold several). */
export function corePopOf(g: MapGraph, part: Int32Array, cores: number): Int32Array {
  const out = new Int32Array(cores).fill(-1);
  for (let v = 0; v < g.nPlaced; v++) if (out[part[v]] < 0) out[part[v]] = g.popOf[g.allOf[v]];
  return out;
}
