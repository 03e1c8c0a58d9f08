/**
 * The report's numbers (ReportData) from the runs `ipvae report` and `ipvae demo` make: the energy analysis on a
 * mapping, one input's spikes for the raster, the float model's R^2 against t, float-vs-integer validation per
 * weight width, and every shipped profile's totals estimated from a mapping made with the measured rates.
 */
import { atomMosaic } from '../model/atoms.js';
import type { Deployment } from '../hardware/deploy.js';
import { deploymentObject } from '../hardware/deploy.js';
import { limitsOf } from '../hardware/check.js';
import { mapNetwork } from '../hardware/mapper.js';
import { BUNDLED_PROFILES, loadProfile, type Profile } from '../hardware/profile.js';
import { energyOf, stepLatency } from '../energy/cost.js';
import { eventsFromDeployment } from '../energy/estimate.js';
import type { EnergyAnalysis, EnergyInputs } from '../energy/analyze.js';
import type { IpVaeParams } from '../model/params.js';
import type { Network } from '../net/network.js';
import type { ValidationRow } from '../net/validate.js';
import { neuronModel } from '../sim/registry.js';
import { probeResult, runNetwork } from '../sim/run.js';
import { rateKind, ratesOf } from '../sim/rates.js';
import type { RatesResult } from '../sim/probes/rates.js';
import { isIpVaeNetwork } from '../sim/probes/ipvae-metrics.js';
import type { ProfileTotals, ReportData } from './data.js';

export type { ProfileTotals };

/** Neurons shown in the raster at most (the first ones of the population). */
const RASTER_NEURONS = 512;

/** The population a raster shows: the iP-VAE's latents, else the largest spiking population on chip. */
export function rasterPopulation(net: Network): string | undefined {
  const chip = net.populations.filter((p) => !neuronModel(p.model).host && neuronModel(p.model).spiking);
  if (isIpVaeNetwork(net)) return chip.find((p) => p.model === 'ipvae')?.name ?? chip[0]?.name;
  return chip.sort((a, b) => b.size - a.size)[0]?.name;
}

/** One input's emissions of a population, as raster events (t in 1..steps). */
export async function rasterOf(
  net: Network,
  inputs: EnergyInputs,
  steps: number,
  seed: number,
): Promise<ReportData['raster']> {
  const population = rasterPopulation(net);
  if (!population) return undefined;
  const one: EnergyInputs =
    'drives' in inputs ? inputs : { data: inputs.data.subarray(0, inputs.width ?? 0), n: 1, width: inputs.width };
  const T = 'drives' in inputs ? Object.values(inputs.drives)[0].length : steps;
  const r = await runNetwork(net, one, {
    steps: T,
    seed,
    engine: 'event',
    workers: 1,
    probes: [{ kind: 'trace', population, variables: ['out'] }],
  });
  const tr = probeResult(r, 'trace');
  const n = tr.size,
    shown = Math.min(n, RASTER_NEURONS),
    out = tr.values.out;
  const events: number[] = [],
    counts: number[] = [];
  let graded = false;
  for (let t = 1; t <= T; t++)
    for (let k = 0; k < shown; k++) {
      const v = out[t * n + k];
      if (v !== 0) {
        events.push(t, k);
        counts.push(Math.abs(v));
        if (Math.abs(v) > 1) graded = true;
      }
    }
  return {
    population,
    neurons: shown,
    steps: T,
    events,
    ...(graded ? { counts } : {}),
    caption: `${population}: ${shown === n ? `all ${n}` : `the first ${shown} of ${n}`} neurons, one input, steps 1 to ${T}`,
  };
}

/**
 * Every shipped profile's totals for one inference of `steps` steps, estimated from a mapping made with the
 * measured rates (the deployment-file estimate; within 0.3 % of the exact count on the bundled patch model).
 */
export function profileTotals(
  net: Network,
  rates: RatesResult,
  steps: number,
  names: readonly string[] = BUNDLED_PROFILES,
): ProfileTotals[] {
  return names.map((name) => {
    const profile = loadProfile(name);
    const L = limitsOf(profile);
    const m = mapNetwork(net, profile, {
      strategy: 'traffic',
      rates: ratesOf(rates, rateKind(L.graded)),
      rateSource: 'measured',
    });
    if (m.violations.length)
      return {
        name,
        fits: false,
        cores: null,
        energyPj: null,
        latencyNs: null,
        note: `does not fit: ${[...new Set(m.violations.map((v) => v.constraint))].join(', ')}`,
      };
    const d = deploymentObject(net, m, 'spikes');
    const ev = eventsFromDeployment(d, steps);
    const e = energyOf(ev, profile.prices, L.encoding);
    const priced = e.components.some((c) => c.count > 0 && c.energyPj !== null);
    // mean-field latency: the mean step's events per core through the simple timing model, times the steps
    const mean = { cores: ev.cores, counts: { ...ev.counts } };
    for (const k of Object.keys(mean.counts) as (keyof typeof mean.counts)[])
      mean.counts[k] = Float64Array.from(ev.counts[k], (x) => x / steps);
    const tiles = new Set(d.cores.map((c) => `${c.chip},${c.x},${c.y}`)).size;
    const l = stepLatency(mean, profile.prices, L.encoding, tiles);
    const latencyPriced = l.ns > 0 && l.unpriced.length === 0;
    const notes = [
      e.unpriced.length ? `not priced: ${e.unpriced.join(', ')}` : '',
      !latencyPriced ? 'latency not priced' : '',
    ].filter(Boolean);
    return {
      name,
      fits: true,
      cores: d.cores.length,
      energyPj: priced ? e.totalPj : null,
      latencyNs: latencyPriced ? l.ns * steps : null,
      note: notes.join('; ') || 'all events priced',
    };
  });
}

export interface ReportParts {
  title: string;
  summary: string[];
  net: Network;
  deployment: Deployment;
  profile: Profile;
  analysis: EnergyAnalysis;
  raster?: ReportData['raster'];
  model?: IpVaeParams;
  /** The atoms' image side (h, w) when the model's D is an image. */
  side?: [number, number];
  /** Float R^2 at the analysis's budget steps (same t). */
  floatR2?: number[];
  validation?: ValidationRow[];
  profiles?: ProfileTotals[];
}

export function buildReport(p: ReportParts): ReportData {
  const a = p.analysis;
  const fmtU = (pj: number | null) => (pj === null ? 'not priced' : (pj / 1e6).toPrecision(3));
  const headline: ReportData['headline'] = [
    {
      label: `energy per inference (${a.profile}${a.notPriced.length && a.energyPerInferencePj !== null ? ', priced events only' : ''})`,
      value: fmtU(a.energyPerInferencePj),
      unit: a.energyPerInferencePj === null ? undefined : 'uJ',
    },
    {
      label: 'latency per inference',
      value: a.latency.perInferenceNs === null ? 'not priced' : (a.latency.perInferenceNs / 1e6).toPrecision(3),
      unit: a.latency.perInferenceNs === null ? undefined : 'ms',
    },
    { label: 'cores', value: String(a.cores), unit: `on ${a.tilesInUse} tile(s)` },
    {
      label: 'spikes per inference',
      value: Math.round(a.components.find((c) => c.event === 'spike_out')?.countPerInference ?? 0).toLocaleString(
        'en-US',
      ),
    },
  ];
  const last = a.metrics?.[0];
  if (last) headline.push({ label: `R^2 at t = ${a.steps}`, value: last.r2.toFixed(3) });
  if (a.target)
    headline.push({
      label: `steps to R^2 ${a.target.r2}`,
      value: a.target.reached ? String(a.target.t) : 'not reached',
    });
  const data: ReportData = {
    title: p.title,
    created: new Date().toISOString().slice(0, 10),
    summary: p.summary,
    headline,
  };
  if (p.model && p.side) {
    const mosaic = atomMosaic(p.model, p.side, 32, 2, 'norm');
    data.atoms = {
      pngBase64: Buffer.from(mosaic.png).toString('base64'),
      width: mosaic.width,
      height: mosaic.height,
      caption: `the ${p.model.K} atoms of Phi (columns, ${p.side[0]}x${p.side[1]}), by decreasing norm; each scaled to its own maximum, mid-grey = 0`,
    };
  }
  if (a.budgetFine) {
    const b = a.budgetFine;
    data.budget = {
      t: b.map((x) => x.t),
      r2: b.map((x) => x.r2),
      pz: b.map((x) => x.pz),
      energyPj: b.map((x) => x.energyPj),
      ...(p.floatR2 ? { floatR2: p.floatR2 } : {}),
      ...(a.target ? { target: { r2: a.target.r2, t: a.target.reached ? a.target.t! : null } } : {}),
    };
  }
  if (p.raster) data.raster = p.raster;
  data.energy = {
    profile: a.profile,
    components: a.components.map((c) => ({
      event: c.event,
      price: c.pjPerEvent === null ? `${c.price}: not priced` : `${c.price}: ${c.pjPerEvent} pJ`,
      count: c.countPerInference,
      energyPj: c.energyPerInferencePj,
    })),
    byCorePj: a.perCore.energyPj ?? [],
    totalPj: a.energyPerInferencePj,
    notPriced: a.notPriced,
    stepNs: a.latency.perInferenceNs === null ? [] : a.latency.firstInputNs.slice(1),
    latencyPerInferenceNs: a.latency.perInferenceNs,
  };
  const d = p.deployment,
    steps = a.steps;
  const tileOf = new Map(d.cores.map((c) => [c.index, [c.x, c.y] as [number, number]]));
  // traffic between tiles: as counted in the run, else (over 1024 cores) the deployment's expected routes
  const links = new Map<string, { from: [number, number]; to: [number, number]; messages: number }>();
  const pairs: [number, number, number][] =
    a.coreTraffic ?? d.routes.filter((r) => r.src >= 0).map((r) => [r.src, r.dst, r.spikesPerStep * (steps + 1)]);
  for (const [src, dst, messages] of pairs) {
    const from = tileOf.get(src)!,
      to = tileOf.get(dst)!;
    if (from[0] === to[0] && from[1] === to[1]) continue;
    const k = `${from}|${to}`;
    const l = links.get(k) ?? { from, to, messages: 0 };
    l.messages += messages;
    links.set(k, l);
  }
  const L = limitsOf(p.profile);
  data.mesh = {
    width: d.mesh.cols,
    height: d.mesh.rows * Math.max(1, d.mesh.chips),
    coresPerTile: d.mesh.coresPerTile,
    neuronsPerCore: Number.isFinite(L.neurons) ? L.neurons : Math.max(...d.cores.map((c) => c.neuronCount)),
    cores: d.cores.map((c) => ({
      index: c.index,
      x: c.x,
      y: c.y + c.chip * d.mesh.rows,
      slot: c.slot % d.mesh.coresPerTile,
      neurons: c.neuronCount,
      messagesIn: a.perCore.messagesIn[c.index],
      messagesOut: a.perCore.messagesOut[c.index],
      energyPj: a.perCore.energyPj ? a.perCore.energyPj[c.index] : null,
    })),
    links: [...links.values()],
  };
  if (p.validation)
    data.validation = {
      rows: p.validation.map((r) => ({
        bits: r.bits,
        floatR2: r.float.r2,
        intR2: r.int.r2,
        floatPz: r.float.pz,
        intPz: r.int.pz,
        rateCorr: r.rateCorr,
      })),
    };
  if (a.baseline)
    data.baseline = {
      assumptions: a.baseline.assumptions,
      rows: a.baseline.rows.map((r) => ({
        device: r.device,
        iterativePj: r.iterativePj,
        amortizedPj: r.amortizedPj,
        source: r.source,
      })),
    };
  if (p.profiles) data.profiles = p.profiles;
  return data;
}
