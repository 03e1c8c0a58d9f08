/**
 * core-events: the chip events of a run on a mapping (neuron -> core, core -> tile), counted per core as SANA-FE
 * charges them (hardware-spec section 1a; SLAM-Lab/SANA-FE at 8951ab07):
 *   soma_access   every mapped neuron, every step
 *   soma_update   a neuron whose potential was nonzero before the step, that received input, that has a bias
 *                 (the model's alwaysUpdated), or that fired
 *   spike_out     a neuron that fired (a graded count n on a binary-spike chip: n spikes)
 *   message_out   per (firing neuron, destination core), at the sender; message_in at the receiver
 *   synapse       per synapse a message reaches, at the receiver
 *   hop_*         |dx| east-west and |dy| north-south tile hops per message, at the receiver
 * Messages from host populations (inputs) enter at their destination cores: message_in, synapses, no hops.
 * Options (plain data, so they cross into worker threads): cores, coreOf (population -> core per neuron),
 * tileX, tileY (per core), spikesPerCount (true on a binary-spike chip: a count n is n spikes), substeps (S > 1
 * with --graded substeps: every step is S chip steps, a count n a spike in n of them: S soma accesses per neuron
 * and step, an update per extra firing, the latency summed over the sub-steps with S barriers), and, for the
 * per-step latency, prices and encoding. An input counts as arrived when a message reached the neuron, even if
 * its weights sum to zero (as SANA-FE charges it): a neuron not otherwise updated is checked against the sources
 * that fired `delay` steps before. Departures from SANA-FE: static projections (the iP-VAE's W_ff x, computed
 * once per input) are not charged; step 0 (the reset) is charged only for the populations that emit then (the
 * iP-VAE's counts from u0).
 */
import { UserError } from '../../errors.js';
import { emptyCounts, priceEventOf, stepLatency, COUNTED_EVENTS, type CoreCounts } from '../../energy/cost.js';
import type { Prices } from '../../energy/prices.js';
import type { SynapseEncoding } from '../../hardware/profile.js';
import { concatArrays, defineProbe } from '../probe.js';

export interface CoreEventsResult {
  /** Totals per core over all inputs and steps. */
  totals: CoreCounts;
  /** Latency of every step of every input (ns; with prices), inputs x (steps + 1). */
  stepNs?: Float64Array;
  /** Priced energy of every step of every input (pJ; with prices), inputs x (steps + 1). */
  stepPj?: Float64Array;
  /** Latency events not priced (listed once). */
  unpricedLatency: string[];
  /** Messages from core a to core b (a x C + b), over all inputs and steps; kept for up to 1024 cores. */
  pairs?: Float64Array;
  tilesInUse: number;
  inputs: number;
  steps: number;
}

declare module '../probe.js' {
  interface ProbeResults {
    'core-events': CoreEventsResult;
  }
}

export default defineProbe<CoreEventsResult>({
  kind: 'core-events',
  doc: 'chip events per core on a mapping (soma access/update, spikes out, messages, synapses, hops) and step latency',
  options: ['cores', 'coreOf', 'tileX', 'tileY', 'spikesPerCount', 'substeps', 'prices', 'encoding'],
  create(ctx, req) {
    const C = req.cores as number;
    const coreOf = req.coreOf as Record<string, ArrayLike<number>>;
    const tileX = req.tileX as ArrayLike<number>,
      tileY = req.tileY as ArrayLike<number>;
    if (!Number.isInteger(C) || C < 1 || !coreOf || !tileX || !tileY || tileX.length !== C || tileY.length !== C)
      throw new UserError('probe core-events: needs cores, coreOf, tileX and tileY of one mapping');
    const prices = req.prices as Prices | undefined,
      encoding = (req.encoding as SynapseEncoding | undefined) ?? 'sparse';
    const spikesPerCount = req.spikesPerCount === true;
    // --graded substeps: each step is S chip steps; a count n is a spike in sub-steps 1..n
    const S = req.substeps === undefined ? 1 : (req.substeps as number);
    if (!Number.isInteger(S) || S < 1 || S > 65535)
      throw new UserError('probe core-events: substeps must be an integer in [1, 65535]');
    const sub = S > 1 && prices ? substepClock(C, prices, encoding) : undefined;
    const sim = ctx.sim;
    const pops = sim.pops.map((P) => {
      const cores = coreOf[P.name];
      if (!P.spec.host && (!cores || cores.length !== P.n))
        throw new UserError(`probe core-events: the mapping does not place population "${P.name}" (${P.n} neurons)`);
      // the state whose value before a step makes it an update: the model's potential, or every variable
      const names = P.spec.potential ? [P.spec.potential] : Object.keys(P.state);
      const always = P.spec.alwaysUpdated?.(P.c);
      return {
        P,
        cores: cores ? Int32Array.from(cores) : undefined,
        names,
        prev: names.map((v) => P.state[v].slice()),
        always: always ? Uint8Array.from(always as ArrayLike<number>, (x) => (x !== 0 ? 1 : 0)) : undefined,
      };
    });
    for (const { cores } of pops)
      if (cores)
        for (const c of cores) if (!(c >= 0 && c < C)) throw new UserError(`probe core-events: core ${c} of ${C}`);
    // per source neuron: its destination cores and the synapses it reaches on each (dynamic projections only)
    const dest = pops.map(({ P }) => {
      const ptr = new Int32Array(P.n + 1);
      const cores: number[] = [],
        syn: number[] = [];
      const per = new Map<number, number>();
      for (let s = 0; s < P.n; s++) {
        per.clear();
        for (const pr of P.outgoing) {
          if (pr.isStatic) continue;
          const T = pops[pr.tgt].cores;
          if (!T) continue; // into a host population: not on chip
          for (let j = pr.indptr[s]; j < pr.indptr[s + 1]; j++) {
            const c = T[pr.targets[j]];
            per.set(c, (per.get(c) ?? 0) + 1);
          }
        }
        for (const [c, n] of [...per].sort((a, b) => a[0] - b[0])) {
          cores.push(c);
          syn.push(n);
        }
        ptr[s + 1] = cores.length;
      }
      return { ptr, cores: Int32Array.from(cores), syn: Int32Array.from(syn) };
    });
    // per target neuron, its dynamic sources (by target, CSC) and a ring of which neurons emitted in the last
    // steps, to tell an arrival that summed to zero from no arrival
    const maxDelay = Math.max(1, ...sim.pops.flatMap((P) => P.outgoing.map((pr) => pr.delay)));
    const R = maxDelay + 1;
    const emittedAt = sim.pops.map((P) => new Uint8Array(R * P.n));
    const sourcesOf = pops.map(({ P }) =>
      P.incoming
        .filter((pr) => !pr.isStatic)
        .map((pr) => {
          const ptr = new Int32Array(P.n + 1);
          for (let j = 0; j < pr.targets.length; j++) ptr[pr.targets[j] + 1]++;
          for (let n = 0; n < P.n; n++) ptr[n + 1] += ptr[n];
          const at = ptr.slice(0, P.n),
            src = new Int32Array(pr.targets.length);
          for (let s = 0; s < pr.nS; s++)
            for (let j = pr.indptr[s]; j < pr.indptr[s + 1]; j++) src[at[pr.targets[j]]++] = s;
          return { ptr, src, from: pr.src, delay: pr.delay };
        }),
    );
    const arrived = (pi: number, n: number, t: number): boolean => {
      for (const q of sourcesOf[pi]) {
        if (t - q.delay < 0) continue;
        const row = ((t - q.delay) % R) * sim.pops[q.from].n,
          e = emittedAt[q.from];
        for (let j = q.ptr[n]; j < q.ptr[n + 1]; j++) if (e[row + q.src[j]] !== 0) return true;
      }
      return false;
    };
    const neuronsOn = new Float64Array(C);
    const tiles = new Set<string>();
    for (const { P, cores } of pops)
      if (cores && !P.spec.host)
        for (const c of cores) {
          neuronsOn[c]++;
          tiles.add(`${tileX[c]},${tileY[c]}`);
        }
    const totals = emptyCounts(C),
      step = emptyCounts(C);
    const pairs = C <= 1024 ? new Float64Array(C * C) : undefined;
    const stepNs = prices ? new Float64Array(ctx.inputs * (ctx.steps + 1)) : undefined,
      stepPj = prices ? new Float64Array(ctx.inputs * (ctx.steps + 1)) : undefined;
    const pj = COUNTED_EVENTS.map((e) => prices?.events[priceEventOf(e, encoding)]?.energyPj ?? 0);
    const unpriced = new Set<string>();
    let input = 0;
    return {
      start(i) {
        input = i;
        for (const p of pops) p.prev.forEach((a, k) => a.set(p.P.state[p.names[k]]));
        for (const e of emittedAt) e.fill(0);
      },
      step(t) {
        for (const e of COUNTED_EVENTS) step.counts[e].fill(0);
        const k = step.counts;
        for (let pi = 0; pi < pops.length; pi++) {
          const { P, cores, prev, names, always } = pops[pi];
          const host = P.spec.host;
          if (cores && !host && (t > 0 || P.emitted)) {
            for (let n = 0; n < P.n; n++) {
              const c = cores[n];
              k.soma_access[c] += S;
              let upd = P.out[n] !== 0 || (t > 0 && (P.inp[n] !== 0 || P.drive[n] !== 0 || always?.[n] === 1));
              for (let v = 0; v < prev.length && !upd; v++) if (prev[v][n] !== 0) upd = true;
              if (!upd && t > 0) upd = arrived(pi, n, t);
              if (upd) k.soma_update[c]++;
              if (upd) sub?.update(c);
            }
          }
          for (let v = 0; v < names.length; v++) prev[v].set(P.state[names[v]]);
          if (!P.emitted) continue;
          const d = dest[pi],
            many = spikesPerCount && P.spec.spiking && P.spec.payload === 'graded';
          for (let f = 0; f < P.nFired; f++) {
            const s = P.fired[f];
            const n = many ? Math.abs(P.out[s]) : 1;
            const src = cores && !host ? cores[s] : -1;
            if (src >= 0 && P.spec.spiking) {
              k.spike_out[src] += n;
              // in sub-steps 2..n the neuron fires again: an update each time
              if (S > 1 && n > 1) k.soma_update[src] += n - 1;
            }
            if (sub && src >= 0 && P.spec.spiking) sub.fire(src, n, d.ptr[s + 1] - d.ptr[s]);
            for (let j = d.ptr[s]; j < d.ptr[s + 1]; j++) {
              const c = d.cores[j];
              if (src >= 0) {
                k.message_out[src] += n;
                if (pairs) pairs[src * C + c] += n;
                k.hop_east_west[c] += n * Math.abs(tileX[c] - tileX[src]);
                k.hop_north_south[c] += n * Math.abs(tileY[c] - tileY[src]);
              }
              k.message_in[c] += n;
              k.synapse[c] += n * d.syn[j];
              sub?.receive(c, n, d.syn[j]);
            }
          }
        }
        // this step's emitters, for the arrival check of the steps after it
        for (let pi = 0; pi < pops.length; pi++) {
          const P = pops[pi].P,
            e = emittedAt[pi],
            row = (t % R) * P.n;
          e.fill(0, row, row + P.n);
          if (P.emitted) for (let f = 0; f < P.nFired; f++) e[row + P.fired[f]] = 1;
        }
        for (const e of COUNTED_EVENTS) {
          const a = totals.counts[e],
            b = step.counts[e];
          for (let c = 0; c < C; c++) a[c] += b[c];
        }
        // step 0 (the reset) is a step on chip only when something emitted then (the iP-VAE's counts from u0)
        if (stepNs && prices && (t > 0 || pops.some((p) => p.P.emitted && !p.P.spec.host))) {
          const l = stepLatency(step, prices, encoding, tiles.size);
          stepNs[input * (ctx.steps + 1) + t] = sub ? sub.ns(neuronsOn, S, l.barrierNs) : l.ns;
          for (const u of l.unpriced) unpriced.add(u);
        }
        sub?.clear();
        if (stepPj) {
          let e = 0;
          COUNTED_EVENTS.forEach((ev, i) => {
            if (pj[i] === 0) return;
            const a = step.counts[ev];
            for (let c = 0; c < C; c++) e += a[c] * pj[i];
          });
          stepPj[input * (ctx.steps + 1) + t] = e;
        }
      },
      result: () => ({
        totals,
        stepNs,
        stepPj,
        unpricedLatency: [...unpriced],
        pairs,
        tilesInUse: tiles.size,
        inputs: ctx.inputs,
        steps: ctx.steps,
      }),
    };
  },
  merge(parts) {
    const C = parts[0].totals.cores;
    const totals = emptyCounts(C);
    for (const p of parts)
      for (const e of COUNTED_EVENTS) for (let c = 0; c < C; c++) totals.counts[e][c] += p.totals.counts[e][c];
    return {
      totals,
      stepNs: parts[0].stepNs ? concatArrays(parts.map((p) => p.stepNs!)) : undefined,
      stepPj: parts[0].stepPj ? concatArrays(parts.map((p) => p.stepPj!)) : undefined,
      unpricedLatency: [...new Set(parts.flatMap((p) => p.unpricedLatency))],
      pairs: parts[0].pairs
        ? parts.slice(1).reduce((a, p) => {
            for (let i = 0; i < a.length; i++) a[i] += p.pairs![i];
            return a;
          }, Float64Array.from(parts[0].pairs))
        : undefined,
      tilesInUse: parts[0].tilesInUse,
      inputs: parts.reduce((a, p) => a + p.inputs, 0),
      steps: parts[0].steps,
    };
  },
});

/**
 * The latency of one step split into S sub-steps (--graded substeps on a binary-spike chip), as SANA-FE's simple
 * timing model would time each sub-step: a count n is a spike in sub-steps 1..n. Per core and sub-step k, send =
 * every neuron's access + (k = 1: the step's updates; k > 1: an update per neuron firing again) + spike out and message out
 * of the neurons with n >= k; receive = message in + synapses of the messages with n >= k. The step is the sum
 * over k of the busiest core, plus S barriers. Quantities change only at the counts present, so the sum runs
 * over the distinct counts, not over all S sub-steps.
 */
export function substepClock(C: number, prices: Prices, encoding: SynapseEncoding) {
  const lat = (e: Parameters<typeof priceEventOf>[0]) => prices.events[priceEventOf(e, encoding)]?.latencyNs ?? 0;
  const access = lat('soma_access'),
    update = lat('soma_update'),
    spike = lat('spike_out'),
    out = lat('message_out'),
    inn = lat('message_in'),
    syn = lat('synapse');
  const updates = new Float64Array(C);
  // per count n: what the neurons with that count add to each core's send and receive time, in every sub-step k <= n
  const send = new Map<number, Float64Array>(),
    recv = new Map<number, Float64Array>(),
    again = new Map<number, Float64Array>();
  const at = (m: Map<number, Float64Array>, n: number) => {
    let a = m.get(n);
    if (!a) m.set(n, (a = new Float64Array(C)));
    return a;
  };
  const sendK = new Float64Array(C),
    recvK = new Float64Array(C),
    againK = new Float64Array(C);
  return {
    update(c: number) {
      updates[c]++;
    },
    fire(c: number, n: number, messages: number) {
      at(send, n)[c] += spike + out * messages;
      if (n > 1) at(again, n)[c] += update;
    },
    receive(c: number, n: number, synapses: number) {
      at(recv, n)[c] += inn + syn * synapses;
    },
    clear() {
      updates.fill(0);
      send.clear();
      recv.clear();
      again.clear();
    },
    /** The step's latency (ns): the sum over its S sub-steps. */
    ns(neuronsOn: Float64Array, S: number, barrier: number): number {
      const counts = [...new Set([...send.keys(), ...recv.keys()])].sort((a, b) => b - a);
      sendK.fill(0);
      recvK.fill(0);
      againK.fill(0);
      let total = 0,
        k = S; // sweep k from S down to 1; sendK/recvK hold the firing-dependent time of sub-step k
      const busiest = (first: boolean) => {
        let m = 0;
        for (let c = 0; c < C; c++) {
          const sd = neuronsOn[c] * access + sendK[c] + (first ? updates[c] * update : againK[c]);
          m = Math.max(m, sd, recvK[c]);
        }
        return m;
      };
      for (const n of counts) {
        // sub-steps n+1 .. k share the same times
        if (k > n) total += (k - n) * busiest(false);
        k = Math.min(k, n);
        const a = send.get(n),
          b = recv.get(n),
          g = again.get(n);
        for (let c = 0; c < C; c++) {
          sendK[c] += a?.[c] ?? 0;
          recvK[c] += b?.[c] ?? 0;
          againK[c] += g?.[c] ?? 0;
        }
      }
      // sub-steps 2..k fire again (an update each) and sub-step 1 carries the step's updates
      if (k > 1) total += (k - 1) * busiest(false);
      total += busiest(true);
      return total + S * barrier;
    },
  };
}
