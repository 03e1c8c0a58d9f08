/**
 * The energy analysis of a mapped network, as `ipvae energy`, `ipvae report` and `ipvae demo` run it: simulate
 * with the core-events probe (and, for an iP-VAE on data, its quality against t), price the counted events, and
 * put beside them the deployment file's own estimate and the dense baseline. The result is plain data (camelCase).
 */
import { limitsOf } from '../hardware/check.js';
import type { Deployment } from '../hardware/deploy.js';
import { loadProfile, type Profile } from '../hardware/profile.js';
import { shown } from '../io/json-read.js';
import { recordSteps } from '../model/evaluate.js';
import type { Network } from '../net/network.js';
import type { ProbeRequest } from '../sim/probe.js';
import { ipvaeShape, isIpVaeNetwork } from '../sim/probes/ipvae-metrics.js';
import { probeResult, runNetwork } from '../sim/run.js';
import { UserError } from '../errors.js';
import { denseBaseline } from './baseline.js';
import { energyOf, missingPrices } from './cost.js';
import { eventsFromDeployment } from './estimate.js';
import { coreEventsRequest } from './mapping.js';

/** Steps to record for the spike budget: 1, 2, 4, ..., T, and a grid of about 100 (for --target-r2). */
export function budgetSteps(T: number): number[] {
  const every = Math.max(1, Math.ceil(T / 100));
  const s = new Set(recordSteps(T));
  for (let t = every; t <= T; t += every) s.add(t);
  return [...s].sort((a, b) => a - b);
}

/** The q-quantile with linear interpolation between order statistics (the median of an even count is the mean of the middle two). */
export const quantile = (a: ArrayLike<number>, q: number): number => {
  if (a.length === 0) return NaN;
  const s = Float64Array.from(a).sort();
  const h = (s.length - 1) * q,
    lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
};

/**
 * The prices for a deployment: the profile given (a name or a file), else the one it was mapped onto; either way
 * it must be the profile the mapping was made with.
 */
export function deploymentProfile(d: Deployment, given: string | undefined, deployFile: string): Profile {
  let profile: Profile;
  try {
    profile = loadProfile(given ?? d.profile.name);
  } catch (err) {
    if (err instanceof UserError && !given)
      throw new UserError(
        `${deployFile}: mapped onto ${shown(d.profile.name)}, which is not a bundled profile; give its file with --profile`,
      );
    throw err;
  }
  sameProfile(d, profile, deployFile);
  return profile;
}

/** A profile must be the one the deployment was mapped with: the same name and the same values. */
export function sameProfile(d: Deployment, profile: Profile, file: string): void {
  if (d.profile.name !== profile.name)
    throw new UserError(`${file}: is a mapping onto ${d.profile.name}, not ${profile.name}`);
  for (const v of d.profile.values) {
    const e = profile.sections[v.section]?.[v.key];
    const got = e?.value;
    const want = v.list.length ? v.list : v.text || v.number;
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new UserError(
        `${file}: was mapped with ${v.section}.${v.key} = ${JSON.stringify(want)}, the given profile says ${got === undefined ? 'nothing' : JSON.stringify(got)}; map again with this profile`,
      );
  }
}

/** Data (an iP-VAE's inputs) or per-step drives, as runNetwork takes them. */
/** --require-prices: a UserError (naming the profile) listing what it does not price, of what this mapping can count. */
export function requirePrices(d: Deployment, profile: Profile, file: string): void {
  const tiles = new Set(d.cores.map((c) => `${c.chip},${c.x},${c.y}`)).size;
  const miss = missingPrices(profile.prices, limitsOf(profile).encoding, tiles);
  if (miss.length)
    throw new UserError(
      `${file}: does not price ${miss.join(', ')}; give a profile that does, or drop --require-prices to have them listed as not priced`,
    );
}

export type EnergyInputs = Parameters<typeof runNetwork>[1];

export interface EnergyOptions {
  /** Steps per input (with data; a drive has its own length). */
  steps: number;
  seed: number;
  engine: 'event' | 'clock';
  /** Default 'wasm' (the same counts as 'js'). */
  backend?: 'wasm' | 'js';
  workers: number;
  onProgress?: (done: number, total: number) => void;
  /** The first step where R^2 (mean over inputs) reaches this (an iP-VAE on data only). */
  targetR2?: number;
  /** The deployment's file name, for messages. */
  deployFile?: string;
}

/** Simulate on the mapping, count and price its events; see the module comment. */
export async function analyzeEnergy(
  net: Network,
  d: Deployment,
  profile: Profile,
  inputs: EnergyInputs,
  o: EnergyOptions,
) {
  const req: ProbeRequest = coreEventsRequest(net, d, profile, o.deployFile);
  const probes: ProbeRequest[] = [req];
  let steps = o.steps;
  const onData = 'data' in inputs;
  if ('drives' in inputs) steps = Object.values(inputs.drives)[0].length;
  else {
    if (isIpVaeNetwork(net)) probes.push({ kind: 'ipvae-metrics', record: budgetSteps(steps) });
    probes.push({ kind: 'rates' });
  }
  if (o.targetR2 !== undefined && !(onData && isIpVaeNetwork(net)))
    throw new UserError('--target-r2: needs an iP-VAE network on --data (R^2 is measured against the input)');
  const r = await runNetwork(net, inputs, {
    steps,
    seed: o.seed,
    engine: o.engine,
    backend: o.backend,
    workers: o.workers,
    probes,
    onProgress: o.onProgress,
  });
  const ev = probeResult(r, 'core-events');
  const L = limitsOf(profile);
  const e = energyOf(ev.totals, profile.prices, L.encoding);
  const N = r.inputs;
  const perInput = ev.stepNs!;
  const perInference = new Float64Array(N);
  for (let n = 0; n < N; n++) for (let t = 0; t <= steps; t++) perInference[n] += perInput[n * (steps + 1) + t];
  // the distribution over steps 1..T of every input (step 0, the reset, counts in the inference's total only)
  const stepsOnly = perInput.filter((x, i) => i % (steps + 1) !== 0 && x > 0);
  const meanInference = perInference.reduce((a, b) => a + b, 0) / N;
  const all = r.probes['ipvae-metrics'] ? probeResult(r, 'ipvae-metrics').metrics : undefined;
  // the spike budget: quality, energy and latency spent by step t (means over inputs)
  // the mean over inputs of what steps 0..t spent, for every t (one pass)
  const soFarAll = (a: Float64Array) => {
    const c = new Float64Array(steps + 1);
    for (let n = 0; n < N; n++) for (let s = 0; s <= steps; s++) c[s] += a[n * (steps + 1) + s];
    for (let s = 0; s <= steps; s++) c[s] = c[s] / N + (s ? c[s - 1] : 0);
    return c;
  };
  // a sum is null when nothing in it is priced (never a silent 0), and marked partial when some of it is not
  const energyPriced = e.components.some((c) => c.count > 0 && c.energyPj !== null);
  const latencyPriced = ev.stepNs!.some((x) => x > 0);
  const pjSoFar = energyPriced ? soFarAll(ev.stepPj!) : undefined,
    nsSoFar = latencyPriced ? soFarAll(ev.stepNs!) : undefined;
  const fullBudget = all?.map((m) => ({
    ...m,
    energyPj: pjSoFar ? pjSoFar[m.t] : null,
    latencyNs: nsSoFar ? nsSoFar[m.t] : null,
  }));
  let target:
    { r2: number; reached: boolean; t?: number; energyPj?: number | null; latencyNs?: number | null } | undefined;
  if (o.targetR2 !== undefined && fullBudget) {
    const x = o.targetR2;
    const hit = fullBudget.find((b) => b.r2 >= x);
    target = hit
      ? { r2: x, reached: true, t: hit.t, energyPj: hit.energyPj, latencyNs: hit.latencyNs }
      : { r2: x, reached: false };
  }
  // the estimate from the deployment file alone (its rates), against the exact count
  const est = energyOf(eventsFromDeployment(d, steps), profile.prices, L.encoding);
  const estimate = {
    rateSource: d.provenance.rateSource,
    energyPerInferencePj: energyPriced ? est.totalPj : null,
    overExact: energyPriced && e.totalPj > 0 ? est.totalPj / (e.totalPj / N) : null,
    components: est.components.map((c) => ({ event: c.event, count: c.count, energyPj: c.energyPj })),
  };
  // the same reconstruction done densely, for an iP-VAE (its D and K), against this chip's count
  const shape = isIpVaeNetwork(net) ? ipvaeShape(net) : undefined;
  const base = shape ? denseBaseline(shape.D, shape.K, steps) : undefined;
  const baseline =
    base && energyPriced
      ? {
          ...base,
          rows: base.rows.map((row) => ({
            ...row,
            chipOverIterative: e.totalPj / N / row.iterativePj,
            chipOverAmortized: e.totalPj / N / row.amortizedPj,
          })),
        }
      : base;
  const rates = r.probes.rates ? probeResult(r, 'rates') : undefined;
  const spikesPerNeuron = rates
    ? Object.fromEntries(
        Object.entries(rates.spikes).map(([name, a]) => {
          const s = Float64Array.from(a, (x) => x / N).sort();
          return [name, { min: s[0], median: quantile(s, 0.5), p90: quantile(s, 0.9), max: s[s.length - 1] }];
        }),
      )
    : undefined;
  const perCore = (a: Float64Array) => Array.from(a, (x) => x / N);
  const printed = new Set(recordSteps(steps));
  return {
    profile: profile.name,
    inputs: N,
    steps,
    cores: ev.totals.cores,
    tilesInUse: ev.tilesInUse,
    energyPerInferencePj: energyPriced ? e.totalPj / N : null,
    /** Whether every event that happened is priced (else the sums cover the priced ones only). */
    energyComplete: e.unpriced.length === 0,
    components: e.components.map((c) => ({
      event: c.event,
      price: c.priceEvent,
      countPerInference: c.count / N,
      pjPerEvent: profile.prices.events[c.priceEvent]?.energyPj ?? null,
      energyPerInferencePj: c.energyPj === null ? null : c.energyPj / N,
    })),
    notPriced: e.unpriced,
    latency: {
      perInferenceNs: latencyPriced ? meanInference : null,
      perStepNs: {
        mean: stepsOnly.reduce((a, b) => a + b, 0) / Math.max(1, stepsOnly.length),
        p50: quantile(stepsOnly, 0.5),
        p95: quantile(stepsOnly, 0.95),
        max: stepsOnly.reduce((a, b) => Math.max(a, b), 0),
      },
      /** The latency of every step of the first input (ns; step 0 included). */
      firstInputNs: Array.from(perInput.subarray(0, steps + 1)),
      notPriced: ev.unpricedLatency,
    },
    /** Per core (index order), per inference: priced energy (null when nothing is priced), spikes, messages. */
    perCore: {
      energyPj: energyPriced ? perCore(e.byCorePj) : null,
      spikes: perCore(ev.totals.counts.spike_out),
      messagesOut: perCore(ev.totals.counts.message_out),
      messagesIn: perCore(ev.totals.counts.message_in),
    },
    /** Messages per inference from core a to core b, [a, b, messages] for the pairs that carry any (up to 1024 cores). */
    coreTraffic: ev.pairs ? pairList(ev.pairs, ev.totals.cores, N) : undefined,
    spikesPerNeuron,
    /** Spikes per inference of every neuron, by population (with --data). */
    spikesByNeuron: rates
      ? Object.fromEntries(Object.entries(rates.spikes).map(([k, a]) => [k, Array.from(a, (x) => x / N)]))
      : undefined,
    metrics: all?.filter((m) => m.t === steps),
    /** Quality, energy and latency by step t: t = 1, 2, 4, ..., T (budget) and every recorded step (budgetFine). */
    budget: fullBudget?.filter((b) => printed.has(b.t)),
    budgetFine: fullBudget,
    target,
    baseline,
    estimate,
    spikesSha256: r.spikesSha256,
    /** The rates probe's sums (with --data), for mapping onto other chips with the measured rates. */
    ratesResult: rates,
  };
}

export type EnergyAnalysis = Awaited<ReturnType<typeof analyzeEnergy>>;

function pairList(pairs: Float64Array, C: number, N: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let a = 0; a < C; a++)
    for (let b = 0; b < C; b++) if (pairs[a * C + b] > 0) out.push([a, b, pairs[a * C + b] / N]);
  return out;
}
