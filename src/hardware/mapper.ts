/**
 * mapNetwork: a Network onto a chip profile. Resource check, partition (fill or traffic), placement of the
 * cores on the chip mesh (in order for fill; traffic-aware greedy placement plus swaps for traffic), and the
 * routes between cores with their expected spikes per step and hop counts. Everything per core or per route
 * is a typed array; the result is plain data for the deployment writer, the CLI table and the tests.
 */
import type { Network } from '../net/network.js';
import { BUNDLED_PROFILES, loadProfile, profileNumber, type Profile } from './profile.js';
import { buildGraph, instancesOf, originals, type MapGraph } from './graph.js';
import { DEFAULTS } from '../defaults.js';
import { checkNetwork, limitsOf, type GradedMode, type Limits, type Violation } from './check.js';
import { coreLoads, corePopOf, partition, type CoreLoads, type Strategy } from './partition.js';
import { planCopies, withCopies, type AxonTypes, type CopyPlan } from './splitters.js';
import { UserError } from '../errors.js';

export interface Mesh {
  /** Tile columns and rows of one chip; chips sit side by side along x. */
  cols: number;
  rows: number;
  perTile: number;
  perChip: number;
  chips: number;
  /** How the mesh was chosen when the profile does not state it. */
  note?: string;
}

export interface CoreStats {
  chip: Int32Array;
  x: Int32Array;
  y: Int32Array;
  slot: Int32Array;
  neurons: Int32Array;
  synapses: Int32Array;
  memoryBits: Float64Array;
  fanIn: Int32Array;
  fanOut: Int32Array;
  spikesIn: Float64Array;
  spikesOut: Float64Array;
  hostIn: Float64Array;
  /** Expected spikes (or messages, graded chip) its neurons emit per step, and those with targets on their own core. */
  firedPerStep: Float64Array;
  localPerStep: Float64Array;
  /** Expected synapses per step that spikes reach on the core (dynamic projections, by the rates). */
  synapsesPerStep: Float64Array;
}

export interface Routes {
  /** Source core, or -1 for the host. */
  src: Int32Array;
  dst: Int32Array;
  spikes: Float64Array;
  hops: Int32Array;
  /** Hops along x (east-west) and y (north-south). */
  hopsX: Int32Array;
  hopsY: Int32Array;
  /** Source neurons using the route. */
  sources: Int32Array;
  /** 1 when the route carries static inputs (once per input, not per step). */
  perInput: Uint8Array;
}

export interface Totals {
  cores: number;
  chips: number;
  neurons: number;
  synapses: number;
  interCoreSpikesPerStep: number;
  hopWeightedTraffic: number;
  hostSpikesPerStep: number;
  hostSpikesPerInput: number;
  /** Splitter copies in the mapping (--splitters), and the cores added to hold them (0 and 0 without). */
  splitters: number;
  splitterCores: number;
}

/**
 * Splitter copies (src/hardware/splitters.ts) on a profile that limits a neuron's destination cores, when the
 * partition breaks that limit: inserted (map --splitters) or what inserting them would take.
 */
export interface SplitterReport {
  inserted: boolean;
  /** false: copies cannot resolve the limit (their inputs kept needing more copies); the numbers are where it gave up. */
  settled: boolean;
  rounds: number;
  /** Destination cores a neuron (or copy) may reach. */
  limit: number;
  /** Neurons over the limit without copies. */
  neuronsOver: number;
  copies: number;
  /** Copies on their neuron's own core; the others are on added cores. */
  copiesOnOwnCore: number;
  /** Copies by the population of the neuron they copy. */
  byPopulation: { population: string; copies: number }[];
  coresWithout: number;
  cores: number;
  extraCores: number;
  /** Ticks a spike's way gains: 0, a copy integrates the same inputs and fires in the same tick as its neuron. */
  extraTicks: number;
  chips: number | null;
  /** Without the copies and with them (null when not settled): spikes per step between cores, hop-weighted, longest route. */
  interCoreSpikesPerStepWithout: number;
  interCoreSpikesPerStep: number | null;
  hopWeightedTrafficWithout: number;
  hopWeightedTraffic: number | null;
  maxHopsWithout: number;
  maxHops: number | null;
}

export interface Mapping {
  strategy: Strategy;
  /** How graded counts travel on a binary-spike chip in this mapping (MapOptions.graded). */
  graded: GradedMode;
  profile: Profile;
  limits: Limits;
  /** The mapping graph; with inserted splitter copies, they are placed neurons after the network's (graph.copyOf). */
  graph: MapGraph;
  mesh: Mesh;
  /** placed id -> core (copies included), core -> population index. */
  part: Int32Array;
  corePop: Int32Array;
  cores: CoreStats;
  routes: Routes;
  totals: Totals;
  violations: Violation[];
  choices: string[];
  notes: string[];
  rateSource: string;
  /** With a weight-levels profile (TrueNorth): the type of each input axon on each core (source all-id x cores + core). */
  axonTypes?: Map<number, number>;
  /** When the partition breaks the neuron fan-out limit: the splitter copies, inserted or estimated. */
  splitters?: SplitterReport;
  seconds: { partition: number; place: number; total: number };
}

export interface MapOptions {
  /** traffic (default: minimise spikes between cores, then hops) or fill (the sequential baseline). */
  strategy?: Strategy;
  /** Messages per step per source neuron, by population name (missing populations: 1). */
  rates?: Record<string, ArrayLike<number>>;
  rateSource?: string;
  /** How a graded count travels on a binary-spike chip: 'spikes' (default, as the CLI's --graded) or 'substeps'. */
  graded?: GradedMode;
  /** Refinement passes of the traffic strategy (default 8). */
  passes?: number;
  /** Largest dense pin-count table of the refinement (entries, default 2^24); beyond it per-net lists (tests force either). */
  maxTable?: number;
  /** Use at most this many neurons of each core (below the profile's limit): spreads a network over more cores. */
  maxNeuronsPerCore?: number;
  /**
   * Insert splitter copies so that no neuron reaches more cores than the profile's core.neuron_fan_out
   * (TrueNorth: 1); the graph, part and cores then include them. A UserError on a profile without that limit.
   */
  splitters?: boolean;
}

/** The mesh of a profile; `perChip` from limitsOf (cores_per_chip, else the stated mesh, else unknown). */
export function meshOf(p: Profile, cores: number, perChipLimit: number): Mesh {
  const perTile = profileNumber(p, 'chip', 'cores_per_tile') ?? 1;
  const m = p.sections.chip?.mesh?.value;
  // Without cores_per_chip a stated mesh is one chip; without either, one chip holds every core.
  const perChip = Number.isFinite(perChipLimit) ? perChipLimit : Math.max(1, cores);
  const chips = Math.max(1, Math.ceil(cores / perChip));
  if (Array.isArray(m)) return { cols: m[0], rows: m[1], perTile, perChip, chips };
  const tiles = Math.ceil(perChip / perTile),
    cols = Math.ceil(Math.sqrt(tiles)),
    rows = Math.ceil(tiles / cols);
  return {
    cols,
    rows,
    perTile,
    perChip,
    chips,
    note: `chip.mesh not stated: assumed a ${cols} x ${rows} grid of ${perTile === 1 ? 'cores' : `tiles of ${perTile} cores`} per chip, chips side by side`,
  };
}

/** Global tile coordinates of a slot. */
export function slotXY(m: Mesh, slot: number): [number, number] {
  const chip = Math.floor(slot / m.perChip),
    tile = Math.floor((slot % m.perChip) / m.perTile);
  return [chip * m.cols + (tile % m.cols), Math.floor(tile / m.cols)];
}

/** Rates by all id: spikes (binary chip) or messages (graded chip) per step; 1 where nothing is known. */
function rateVector(g: MapGraph, rates: MapOptions['rates']): Float64Array {
  const r = new Float64Array(g.nAll).fill(1);
  if (!rates) return r;
  for (const P of g.pops) {
    const v = rates[P.name];
    if (!v) continue;
    if (v.length !== P.size)
      throw new Error(`rates: population ${P.name} has ${P.size} neurons, the rates give ${v.length}`);
    for (let j = 0; j < P.size; j++) r[P.offset + j] = v[j];
  }
  return r;
}

interface CoreTraffic {
  ptr: Int32Array;
  nbr: Int32Array;
  w: Float64Array;
}

/** Undirected core x core traffic (both directions summed), CSR. */
function coreTraffic(C: number, routes: Routes): CoreTraffic {
  const deg = new Int32Array(C + 1);
  for (let i = 0; i < routes.src.length; i++)
    if (routes.src[i] >= 0) {
      deg[routes.src[i] + 1]++;
      deg[routes.dst[i] + 1]++;
    }
  for (let c = 0; c < C; c++) deg[c + 1] += deg[c];
  const nbr = new Int32Array(deg[C]),
    w = new Float64Array(deg[C]),
    at = deg.slice(0, C);
  for (let i = 0; i < routes.src.length; i++) {
    const a = routes.src[i],
      b = routes.dst[i];
    if (a < 0) continue;
    nbr[at[a]] = b;
    w[at[a]++] = routes.spikes[i];
    nbr[at[b]] = a;
    w[at[b]++] = routes.spikes[i];
  }
  return { ptr: deg, nbr, w };
}

/** Slots for the cores: in order (fill), or greedy by traffic and then improved by swaps (traffic). */
function place(m: Mesh, C: number, T: CoreTraffic, strategy: Strategy): Int32Array {
  const slot = Int32Array.from({ length: C }, (_, c) => c);
  if (strategy === 'fill' || C <= 1) return slot;
  const S = m.chips * m.perChip,
    W = m.chips * m.cols;
  const occ = new Int32Array(S).fill(-1),
    placed = new Uint8Array(C),
    attach = new Float64Array(C),
    total = new Float64Array(C);
  for (let c = 0; c < C; c++) for (let k = T.ptr[c]; k < T.ptr[c + 1]; k++) total[c] += T.w[k];
  const SX = new Int32Array(S),
    SY = new Int32Array(S);
  for (let s = 0; s < S; s++) [SX[s], SY[s]] = slotXY(m, s);
  const slotAt = (tx: number, ty: number, k: number): number => {
    const chip = Math.floor(tx / m.cols),
      i = (ty * m.cols + (tx % m.cols)) * m.perTile + k;
    return i < m.perChip ? chip * m.perChip + i : -1;
  };
  const cost = (c: number, s: number): number => {
    const x = SX[s],
      y = SY[s];
    let e = 0;
    for (let k = T.ptr[c]; k < T.ptr[c + 1]; k++) {
      const o = T.nbr[k];
      if (!placed[o] || o === c) continue;
      e += T.w[k] * (Math.abs(x - SX[slot[o]]) + Math.abs(y - SY[slot[o]]));
    }
    return e;
  };
  let nextFree = 0;
  const put = (c: number, s: number) => {
    slot[c] = s;
    occ[s] = c;
    placed[c] = 1;
    for (let k = T.ptr[c]; k < T.ptr[c + 1]; k++) attach[T.nbr[k]] += T.w[k];
  };
  for (let n = 0; n < C; n++) {
    let c = -1;
    for (let i = 0; i < C; i++)
      if (
        !placed[i] &&
        (c < 0 || attach[i] > attach[c] || (attach[i] === attach[c] && attach[i] === 0 && total[i] > total[c]))
      )
        c = i;
    if (attach[c] === 0) {
      if (n === 0) {
        // the busiest core near the middle of chip 0
        const s0 = slotAt(Math.floor(m.cols / 2), Math.floor(m.rows / 2), 0);
        put(c, s0 >= 0 ? s0 : 0);
      } else {
        while (occ[nextFree] >= 0) nextFree++;
        put(c, nextFree);
      }
      continue;
    }
    // Free slots nearest the traffic-weighted centre of the placed neighbours.
    let cx = 0,
      cy = 0,
      ws = 0;
    for (let k = T.ptr[c]; k < T.ptr[c + 1]; k++) {
      const o = T.nbr[k];
      if (!placed[o]) continue;
      cx += T.w[k] * SX[slot[o]];
      cy += T.w[k] * SY[slot[o]];
      ws += T.w[k];
    }
    const tx0 = Math.round(cx / ws),
      ty0 = Math.round(cy / ws);
    let best = -1,
      bestE = Infinity,
      found = 0;
    for (let r = 0; r <= W + m.rows && found < 24; r++) {
      for (let dx = -r; dx <= r; dx++) {
        for (const dy of r - Math.abs(dx) === 0 ? [0] : [r - Math.abs(dx), -(r - Math.abs(dx))]) {
          const tx = tx0 + dx,
            ty = ty0 + dy;
          if (tx < 0 || tx >= W || ty < 0 || ty >= m.rows) continue;
          for (let k = 0; k < m.perTile; k++) {
            const s = slotAt(tx, ty, k);
            if (s < 0 || s >= S || occ[s] >= 0) continue;
            found++;
            const e = cost(c, s);
            if (e < bestE || (e === bestE && s < best)) {
              bestE = e;
              best = s;
            }
          }
        }
      }
    }
    if (best < 0) {
      while (occ[nextFree] >= 0) nextFree++;
      best = nextFree;
    }
    put(c, best);
  }
  // Swaps with the occupants (or empty slots) of the tiles around each core.
  for (let pass = 0; pass < 3; pass++) {
    let improved = false;
    for (let c = 0; c < C; c++) {
      const x0 = SX[slot[c]],
        y0 = SY[slot[c]];
      for (let dx = -2; dx <= 2; dx++)
        for (let dy = -2; dy <= 2; dy++) {
          const tx = x0 + dx,
            ty = y0 + dy;
          if ((dx === 0 && dy === 0) || tx < 0 || tx >= W || ty < 0 || ty >= m.rows) continue;
          for (let k = 0; k < m.perTile; k++) {
            const s = slotAt(tx, ty, k);
            if (s < 0 || s >= S) continue;
            const o = occ[s],
              sc = slot[c];
            const before = cost(c, sc) + (o >= 0 ? cost(o, s) : 0);
            // Swap, measure, keep or undo (cost() reads slot[], so it sees the swap).
            slot[c] = s;
            occ[s] = c;
            occ[sc] = o;
            if (o >= 0) slot[o] = sc;
            const after = cost(c, s) + (o >= 0 ? cost(o, sc) : 0);
            if (after < before - 1e-9) {
              improved = true;
              break;
            }
            slot[c] = sc;
            occ[sc] = c;
            occ[s] = o;
            if (o >= 0) slot[o] = s;
          }
        }
    }
    if (!improved) break;
  }
  return slot;
}

/** Routes of a partition: spikes per step from every core (or the host, -1) to every other core it reaches. */
function routesOf(g: MapGraph, part: Int32Array, C: number, rate: Float64Array, staticHost: Uint8Array): Routes {
  // Sources grouped by home core (host first), so each group's routes are summed in one dense array and come
  // out in (src, dst) order without a map or a sort over all routes.
  const bucket = new Int32Array(C + 2);
  const homeOf = (s: number) => {
    const ps = g.placedOf[s];
    return ps >= 0 ? part[ps] : -1;
  };
  for (let s = 0; s < g.nAll; s++) bucket[homeOf(s) + 2]++;
  for (let b = 0; b <= C; b++) bucket[b + 1] += bucket[b];
  const bySrc = new Int32Array(g.nAll),
    at = bucket.slice(0, C + 1);
  for (let s = 0; s < g.nAll; s++) bySrc[at[homeOf(s) + 1]++] = s;
  const seen = new Int32Array(C).fill(-1),
    acc = new Float64Array(C),
    num = new Int32Array(C),
    touched = new Int32Array(C);
  const rs: number[] = [],
    rd: number[] = [],
    rsp: number[] = [],
    rn: number[] = [],
    rpi: number[] = [];
  for (let b = 0; b <= C; b++) {
    const h = b - 1;
    for (const perInput of h < 0 ? [1, 0] : [0]) {
      let nt = 0;
      for (let i = bucket[b]; i < bucket[b + 1]; i++) {
        const s = bySrc[i];
        if (h < 0 && staticHost[g.popOf[s]] !== perInput) continue;
        for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) {
          const c = part[g.netTgt[k]];
          if (seen[c] === s || c === h) continue;
          seen[c] = s;
          if (num[c] === 0) touched[nt++] = c;
          acc[c] += rate[s];
          num[c]++;
        }
      }
      const list = touched.subarray(0, nt).sort();
      for (const c of list) {
        rs.push(h);
        rd.push(c);
        rsp.push(acc[c]);
        rn.push(num[c]);
        rpi.push(perInput);
        acc[c] = 0;
        num[c] = 0;
      }
    }
  }
  return {
    src: Int32Array.from(rs),
    dst: Int32Array.from(rd),
    spikes: Float64Array.from(rsp),
    hops: new Int32Array(rs.length),
    hopsX: new Int32Array(rs.length),
    hopsY: new Int32Array(rs.length),
    sources: Int32Array.from(rn),
    perInput: Uint8Array.from(rpi),
  };
}

/**
 * TrueNorth-style axon types: on a core every input axon has one of `levels` types and every neuron one weight
 * per type, so w(n, s) = W_n[type(s)]. A backtracking search per core (20,000 nodes at most); returns the
 * cores where no assignment exists or none was found within the budget, and the type of every (axon, core)
 * (key: source all-id x cores + core) elsewhere.
 */
export function axonTypes(net: Network, g: MapGraph, part: Int32Array, C: number, levels: number): AxonTypes {
  let n = 0;
  for (const q of net.projections) for (let j = 0; j < q.weights.length; j++) if (q.weights[j] !== 0) n++;
  const core = new Int32Array(n),
    src = new Int32Array(n),
    tgt = new Int32Array(n),
    w = new Float64Array(n);
  const popIdx = new Map(g.pops.map((p, i) => [p.name, i]));
  n = 0;
  for (const q of net.projections) {
    const S = g.pops[popIdx.get(q.source)!],
      T = g.pops[popIdx.get(q.target)!],
      f = 2 ** q.exponent;
    if (T.host) continue;
    for (let s = 0; s + 1 < q.indptr.length; s++)
      for (let j = q.indptr[s]; j < q.indptr[s + 1]; j++) {
        if (q.weights[j] === 0) continue;
        const v = T.placedOffset + q.indices[j];
        core[n] = part[v];
        src[n] = S.offset + s;
        tgt[n] = v;
        w[n] = q.weights[j] * f;
        n++;
      }
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => core[a] - core[b] || src[a] - src[b] || tgt[a] - tgt[b],
  );
  const failed: number[] = [],
    W = new Map<number, number>(),
    types = new Map<number, number>();
  for (let i = 0; i < n;) {
    const c = core[order[i]];
    let end = i;
    while (end < n && core[order[end]] === c) end++;
    const axons: number[] = []; // starts of runs of one source; a run ends where the next starts
    for (let a = i; a < end; a++) if (a === i || src[order[a]] !== src[order[a - 1]]) axons.push(a);
    const runEnd = (k: number) => (k + 1 < axons.length ? axons[k + 1] : end);
    const byDeg = axons.map((_, k) => k).sort((x, y) => runEnd(y) - axons[y] - (runEnd(x) - axons[x]) || x - y);
    // Depth-first search over the axons (most synapses first) with undo, types tried in order and a new type
    // only after the used ones (symmetry); a node budget keeps pathological cores bounded.
    W.clear();
    const typeOf = new Int32Array(byDeg.length),
      trail: number[] = [];
    let nodes = 0;
    const place = (d: number, used: number): boolean => {
      if (d === byDeg.length) return true;
      if (++nodes > 20_000) return false;
      const k = byDeg[d],
        a = axons[k],
        b = runEnd(k);
      for (let t = 0; t < Math.min(levels, used + 1); t++) {
        let fits = true;
        for (let m = a; m < b && fits; m++) {
          const e = order[m],
            x = W.get(tgt[e] * levels + t);
          if (x !== undefined && x !== w[e]) fits = false;
        }
        if (!fits) continue;
        const mark = trail.length;
        for (let m = a; m < b; m++) {
          const e = order[m],
            key = tgt[e] * levels + t;
          if (!W.has(key)) {
            W.set(key, w[e]);
            trail.push(key);
          }
        }
        typeOf[d] = t;
        if (place(d + 1, Math.max(used, t + 1))) return true;
        while (trail.length > mark) W.delete(trail.pop()!);
      }
      return false;
    };
    // An axon reaching one neuron twice (two projections) with different weights can have no type.
    let clash = false;
    for (let a = i + 1; a < end && !clash; a++) {
      const e = order[a],
        f = order[a - 1];
      clash = src[e] === src[f] && tgt[e] === tgt[f] && w[e] !== w[f];
    }
    if (!clash && place(0, 0)) byDeg.forEach((k, d) => types.set(src[order[axons[k]]] * C + c, typeOf[d]));
    else failed.push(c);
    i = end;
  }
  return { failed, types };
}

/** The bundled profiles that limit a neuron's destination cores (for messages). */
export function fanOutLimitedProfiles(): string[] {
  return BUNDLED_PROFILES.filter((n) => profileNumber(loadProfile(n), 'core', 'neuron_fan_out') !== undefined);
}

/** What a partition becomes on the chip: per-core numbers, routes, placement on the mesh, placement limits. */
interface Layout {
  graph: MapGraph;
  part: Int32Array;
  corePop: Int32Array;
  mesh: Mesh;
  cores: CoreStats;
  routes: Routes;
  totals: Totals;
  /** The limits only a placement can break. */
  violations: Violation[];
  axonTypes?: Map<number, number>;
  /** Neurons (copies included) reaching more cores than the neuron fan-out limit. */
  over: number;
  maxHops: number;
}

function layout(
  net: Network,
  profile: Profile,
  L: Limits,
  g: MapGraph,
  part: Int32Array,
  C: number,
  corePop: Int32Array,
  loads: CoreLoads,
  rate: Float64Array,
  strategy: Strategy,
  types: AxonTypes | undefined,
  addedCores: number,
): Layout {
  const staticHost = Uint8Array.from(
    g.pops,
    (p) => +(p.host && net.projections.filter((q) => q.source === p.name).every((q) => q.static)),
  );
  const R = routesOf(g, part, C, rate, staticHost);
  const mesh = meshOf(profile, C, L.coresPerChip);
  const slot = place(mesh, C, coreTraffic(C, R), strategy);
  const cores: CoreStats = {
    chip: new Int32Array(C),
    x: new Int32Array(C),
    y: new Int32Array(C),
    slot,
    neurons: loads.neurons,
    synapses: loads.synapses,
    memoryBits: loads.memoryBits,
    fanIn: loads.fanIn,
    fanOut: loads.fanOut,
    spikesIn: new Float64Array(C),
    spikesOut: new Float64Array(C),
    hostIn: new Float64Array(C),
    firedPerStep: new Float64Array(C),
    localPerStep: new Float64Array(C),
    synapsesPerStep: new Float64Array(C),
  };
  // What the routes leave out: a neuron's spikes to targets on its own core (a chip still sends them)
  for (let s = 0; s < g.nAll; s++) {
    const ps = g.placedOf[s];
    if (ps < 0) continue;
    const h = part[ps];
    cores.firedPerStep[h] += rate[s];
    for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++)
      if (part[g.netTgt[k]] === h) {
        cores.localPerStep[h] += rate[s];
        break;
      }
  }
  // The synapses those spikes reach, per core: each synapse of a dynamic projection (on every copy of its
  // target), weighed by its source's rate
  const I = instancesOf(g);
  for (const pr of net.projections) {
    if (pr.static) continue;
    const S = g.pops.find((p) => p.name === pr.source)!,
      T = g.pops.find((p) => p.name === pr.target)!;
    if (T.host) continue;
    for (let a = 0; a < S.size; a++) {
      const r = rate[S.offset + a];
      if (r === 0) continue;
      for (let j = pr.indptr[a]; j < pr.indptr[a + 1]; j++) {
        const v = T.placedOffset + pr.indices[j];
        for (let i = I.ptr[v]; i < I.ptr[v + 1]; i++) cores.synapsesPerStep[part[I.inst[i]]] += r;
      }
    }
  }
  for (let c = 0; c < C; c++) {
    const [x, y] = slotXY(mesh, slot[c]);
    cores.chip[c] = Math.floor(slot[c] / mesh.perChip);
    cores.x[c] = x;
    cores.y[c] = y;
  }
  const totals: Totals = {
    cores: C,
    chips: mesh.chips,
    neurons: originals(g),
    synapses: g.synapses,
    interCoreSpikesPerStep: 0,
    hopWeightedTraffic: 0,
    hostSpikesPerStep: 0,
    hostSpikesPerInput: 0,
    splitters: g.copyOf?.length ?? 0,
    splitterCores: addedCores,
  };
  let maxHops = 0;
  for (let i = 0; i < R.src.length; i++) {
    const a = R.src[i],
      b = R.dst[i],
      r = R.spikes[i];
    if (a < 0) {
      cores.hostIn[b] += r;
      if (R.perInput[i]) totals.hostSpikesPerInput += r;
      else totals.hostSpikesPerStep += r;
      continue;
    }
    const [ax, ay] = slotXY(mesh, slot[a]),
      [bx, by] = slotXY(mesh, slot[b]);
    R.hopsX[i] = Math.abs(ax - bx);
    R.hopsY[i] = Math.abs(ay - by);
    R.hops[i] = R.hopsX[i] + R.hopsY[i];
    maxHops = Math.max(maxHops, R.hops[i]);
    cores.spikesOut[a] += r;
    cores.spikesIn[b] += r;
    totals.interCoreSpikesPerStep += r;
    totals.hopWeightedTraffic += r * R.hops[i];
  }
  // Limits only a placement can break.
  const violations: Violation[] = [];
  const chip = profile.name;
  for (let pi = 0; pi < g.pops.length; pi++) {
    let over = 0,
      max = 0,
      first = -1;
    for (let c = 0; c < C; c++)
      if (corePop[c] === pi && cores.fanOut[c] > L.fanOut) {
        over++;
        max = Math.max(max, cores.fanOut[c]);
        if (first < 0) first = c;
      }
    if (over)
      violations.push({
        constraint: 'core.fan_out_axons',
        where: `population ${g.pops[pi].name}`,
        value: max,
        limit: L.fanOut,
        message: `population ${g.pops[pi].name}: ${over} core${over === 1 ? ' (core ' + first + ') needs' : `s (first: core ${first}) need`} more output axons than ${L.fanOut} on ${chip} (max ${max}, over by ${max - L.fanOut})`,
      });
  }
  let overAll = 0;
  if (Number.isFinite(L.neuronFanOut)) {
    // every placed neuron, copies included (a copy counts for its neuron's population)
    const over = new Int32Array(g.pops.length),
      max = new Int32Array(g.pops.length);
    for (let v = 0; v < g.nPlaced; v++) {
      const s = g.allOf[v],
        pi = g.popOf[s],
        l = loads.lam[s];
      if (l > L.neuronFanOut) over[pi]++;
      max[pi] = Math.max(max[pi], l);
    }
    g.pops.forEach((Pp, pi) => {
      if (!over[pi]) return;
      overAll += over[pi];
      violations.push({
        constraint: 'core.neuron_fan_out',
        where: `population ${Pp.name}`,
        value: max[pi],
        limit: L.neuronFanOut,
        message: `population ${Pp.name}: ${over[pi]} neuron${over[pi] === 1 ? ' reaches' : 's reach'} more cores than a neuron may target (max ${max[pi]} > ${L.neuronFanOut} on ${chip}; needs splitter neurons)`,
      });
    });
  }
  if (types?.failed.length)
    violations.push({
      constraint: 'precision.axon_types',
      where: `core ${types.failed[0]}`,
      value: types.failed.length,
      limit: 0,
      message: `${types.failed.length} core${types.failed.length === 1 ? '' : 's'} (first: core ${types.failed[0]}): no assignment of ${L.weightLevels} axon types gives every neuron its weights (each neuron has at most ${L.weightLevels} distinct weights, but an axon's type is shared by all its targets on the core)`,
    });
  if (mesh.chips > L.chips)
    violations.push({
      constraint: 'chip.chips',
      where: 'network',
      value: mesh.chips,
      limit: L.chips,
      message: `network: needs ${C} cores = ${mesh.chips} chips > ${L.chips} on ${chip}`,
    });
  return {
    graph: g,
    part,
    corePop,
    mesh,
    cores,
    routes: R,
    totals,
    violations,
    axonTypes: types?.types,
    over: overAll,
    maxHops,
  };
}

/** A partition's axon types renumbered for `C2` cores, the added cores taking those the plan gave them. */
function typesWithCopies(t: AxonTypes, C: number, plan: CopyPlan): AxonTypes {
  const C2 = plan.cores,
    types = new Map<number, number>();
  for (const [key, v] of t.types) types.set(Math.floor(key / C) * C2 + (key % C), v);
  plan.addedAxons.forEach((ax, i) => {
    const ty = plan.addedAxonTypes[i];
    for (let j = 0; j < ax.length; j++) if (ty[j] >= 0) types.set(ax[j] * C2 + C + i, ty[j]);
  });
  const failedHome = new Set(t.failed),
    failed = [...t.failed];
  plan.homeOf.forEach((h, i) => {
    if (failedHome.has(h)) failed.push(C + i);
  });
  return { failed, types };
}

/**
 * Map a network onto a chip: the resource check, the partition into cores, the placement and the routes. Without
 * a profile: the CLI's default chip (loihi2); without options: the traffic strategy, 1 spike per neuron per step,
 * graded counts as spikes, no splitter copies.
 */
export function mapNetwork(
  net: Network,
  profile: Profile = loadProfile(DEFAULTS.profile),
  options: MapOptions = {},
): Mapping {
  const o = { ...options, strategy: options.strategy ?? 'traffic' };
  const t0 = performance.now();
  const g = buildGraph(net),
    L = limitsOf(profile),
    mode = o.graded ?? DEFAULTS.graded;
  if (o.splitters && !Number.isFinite(L.neuronFanOut))
    throw new UserError(
      `--splitters: applies only to profiles whose neuron fan-out is limited (${fanOutLimitedProfiles().join(', ')}); ${profile.name} states no core.neuron_fan_out`,
    );
  const cap = o.maxNeuronsPerCore;
  if (cap !== undefined && cap < L.neurons) L.neurons = cap;
  const rate = rateVector(g, o.rates);
  const { violations, choices } = checkNetwork(net, g, profile, L, mode);
  if (cap !== undefined && L.neurons === cap) choices.push(`at most ${cap} neurons per core (--max-neurons-per-core)`);
  else if (cap !== undefined)
    choices.push(
      `--max-neurons-per-core ${cap} is above ${profile.name}'s ${L.neurons} neurons per core: the profile's limit applies`,
    );
  const unfit = violations.length > 0;
  // A network that cannot fit whatever the placement is only chopped (fill), to report the per-core limits too.
  const strategy: Strategy = unfit ? 'fill' : o.strategy;
  const P = partition(g, L, { strategy, rate, passes: o.passes, maxTable: o.maxTable });
  const t1 = performance.now();
  const C = P.cores;
  const types =
    Number.isFinite(L.weightLevels) && !violations.some((v) => v.constraint === 'precision.weight_levels')
      ? axonTypes(net, g, P.part, C, L.weightLevels)
      : undefined;
  const base = layout(net, profile, L, g, P.part, C, P.corePop, P.loads, rate, strategy, types, 0);
  let chosen = base,
    splitters: SplitterReport | undefined;
  if (base.over > 0 && unfit) {
    // A neuron that breaks a per-core limit alone breaks it in every copy: nothing to estimate
    for (const v of base.violations)
      if (v.constraint === 'core.neuron_fan_out')
        v.message = v.message.replace(
          /; needs splitter neurons\)$/,
          `; needs splitter neurons, ${o.splitters ? 'not inserted' : 'not estimated'} while limits no placement can fix are broken)`,
        );
  } else if (base.over > 0) {
    // Splitter copies: what they take (reported), and the mapping with them (--splitters).
    const plan = planCopies(g, L, P.part, C, P.loads, types);
    let alt: Layout | undefined;
    if (plan.settled) {
      const x = withCopies(g, P.part, plan, L.neuronFanOut);
      const rate2 = new Float64Array(x.g.nAll);
      rate2.set(rate);
      for (let k = 0; k < plan.of.length; k++) rate2[g.nAll + k] = rate[g.allOf[plan.of[k]]];
      alt = layout(
        net,
        profile,
        L,
        x.g,
        x.part,
        plan.cores,
        corePopOf(x.g, x.part, plan.cores),
        coreLoads(x.g, L, x.part, plan.cores, rate2),
        rate2,
        strategy,
        types && typesWithCopies(types, C, plan),
        plan.cores - C,
      );
    }
    const byPop = new Int32Array(g.pops.length);
    for (const v of plan.of) byPop[g.popOf[g.allOf[v]]]++;
    splitters = {
      inserted: !!(o.splitters && alt),
      settled: plan.settled,
      rounds: plan.rounds,
      limit: L.neuronFanOut,
      neuronsOver: base.over,
      copies: plan.of.length,
      copiesOnOwnCore: plan.onOwnCore,
      byPopulation: g.pops.flatMap((p, i) => (byPop[i] ? [{ population: p.name, copies: byPop[i] }] : [])),
      coresWithout: C,
      cores: plan.cores,
      extraCores: plan.cores - C,
      extraTicks: 0,
      chips: alt ? alt.totals.chips : null,
      interCoreSpikesPerStepWithout: base.totals.interCoreSpikesPerStep,
      interCoreSpikesPerStep: alt ? alt.totals.interCoreSpikesPerStep : null,
      hopWeightedTrafficWithout: base.totals.hopWeightedTraffic,
      hopWeightedTraffic: alt ? alt.totals.hopWeightedTraffic : null,
      maxHopsWithout: base.maxHops,
      maxHops: alt ? alt.maxHops : null,
    };
    if (o.splitters && alt) chosen = alt;
    // The neuron fan-out violations say what the copies would take, or why they cannot be made.
    for (const v of chosen.violations) {
      if (v.constraint !== 'core.neuron_fan_out') continue;
      const n = byPop[g.pops.findIndex((p) => `population ${p.name}` === v.where)];
      v.message = v.message.replace(
        /; needs splitter neurons\)$/,
        plan.settled
          ? `; needs ${n} splitter cop${n === 1 ? 'y' : 'ies'} of its neurons: map --splitters inserts them)`
          : `; splitter copies cannot resolve it: their inputs keep needing more copies, see the splitters line)`,
      );
    }
  } else if (o.splitters)
    choices.push(
      `--splitters: no neuron reaches more than ${L.neuronFanOut} core${L.neuronFanOut === 1 ? '' : 's'}, so no splitter copy is needed`,
    );
  violations.push(...chosen.violations);
  const t2 = performance.now();
  const notes = [...L.notes];
  if (chosen.mesh.note) notes.push(chosen.mesh.note);
  if (o.strategy === 'traffic' && unfit)
    notes.push('traffic: not run, the network breaks limits no placement can fix (cores chopped as by fill)');
  else if (o.strategy === 'traffic') {
    notes.push(
      P.fellBack
        ? "traffic: found no partition better than fill (fewer broken limits, then less traffic); fill's partition is used (placement still traffic-aware)"
        : `traffic: greedy growth${P.attempts > 1 ? ` (${P.attempts} attempts, fewer neurons per core for the fan-out limit)` : ''}, ${P.moves} moves and ${P.swaps} swaps, ${P.merges} core merges`,
    );
  }
  return {
    strategy: o.strategy,
    graded: mode,
    profile,
    limits: L,
    graph: chosen.graph,
    mesh: chosen.mesh,
    part: chosen.part,
    corePop: chosen.corePop,
    cores: chosen.cores,
    routes: chosen.routes,
    totals: chosen.totals,
    violations,
    choices,
    notes,
    axonTypes: chosen.axonTypes,
    splitters,
    rateSource: o.rateSource ?? (o.rates ? 'given' : 'uniform: 1 spike per neuron per step'),
    seconds: { partition: (t1 - t0) / 1000, place: (t2 - t1) / 1000, total: (performance.now() - t0) / 1000 },
  };
}
