/** ipvae energy: what a mapped network costs on its chip, from events counted while simulating it. */
import type { Command } from 'commander';
import { readNetwork } from '../net/json.js';
import { readDeployment, type Deployment } from '../hardware/deploy.js';
import { loadProfile, type Profile } from '../hardware/profile.js';
import { limitsOf } from '../hardware/check.js';
import { loadData } from '../data/datasets.js';
import { coreEventsRequest } from '../energy/mapping.js';
import { energyOf } from '../energy/cost.js';
import { probeResult, runNetwork } from '../sim/run.js';
import { readDriveFile } from '../sim/drive-file.js';
import { ipvaeShape, isIpVaeNetwork } from '../sim/probes/ipvae-metrics.js';
import { denseBaseline } from '../energy/baseline.js';
import { eventsFromDeployment } from '../energy/estimate.js';
import { neuronModel } from '../sim/registry.js';
import { snakeKeys } from '../io/json-case.js';
import { shown } from '../io/json-read.js';
import { UserError } from '../errors.js';
import type { ProbeRequest } from '../sim/probe.js';
import { fmt, inFiles, oneOf, parseFloatOpt, parseIntOpt, progressBar, table } from './common.js';
import { recordSteps } from '../model/evaluate.js';

/** Steps to record for the spike budget: 1, 2, 4, ..., T, and a grid of about 100 (for --target-r2). */
function budgetSteps(T: number): number[] {
  const every = Math.max(1, Math.ceil(T / 100));
  const s = new Set(recordSteps(T));
  for (let t = every; t <= T; t += every) s.add(t);
  return [...s].sort((a, b) => a - b);
}

/** The q-quantile with linear interpolation between order statistics (the median of an even count is the mean of the middle two). */
const quantile = (a: Float64Array, q: number): number => {
  if (a.length === 0) return NaN;
  const s = Float64Array.from(a).sort();
  const h = (s.length - 1) * q,
    lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
};

/** A profile must be the one the deployment was mapped with: the same name and the same values. */
function sameProfile(d: Deployment, profile: Profile, file: string): void {
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

/** Whether any step's latency was priced. */
const stepsOnlyPriced = (a: Float64Array): boolean => a.some((x) => x > 0);

export function addEnergyCommand(program: Command): void {
  program
    .command('energy')
    .description(
      "what a mapped network costs on its chip: energy per inference by event and by core, and latency per step, from events counted while simulating it (SANA-FE's event model and simple timing)",
    )
    .requiredOption('--deploy <file>', 'deployment file (.pb from ipvae map)')
    .requiredOption('--net <file>', 'the network that was mapped (.json)')
    .option('--data <name>', 'patches | mnist | idx:PATH (held-out split), for a network with one input population')
    .option('--drive <file>', 'per-step rows instead of data (as simulate --drive)')
    .option('--population <name>', 'the population a --drive array feeds (default: the first input population)')
    .option('--profile <name|file>', "the chip's prices (default: the deployment's profile)")
    .option('--samples <n>', 'inputs to run (with --data)', '100')
    .option('--steps <n>', 'steps per input (with --data)', '1000')
    .option('--engine <kind>', 'event or clock (same counts)', 'event')
    .option('--seed <n>', 'seed of the integer Poisson sampler', '0')
    .option('--workers <n>', 'worker threads over the inputs (identical results for any number)', '2')
    .option('--rows <n>', 'cores to list', '10')
    .option(
      '--target-r2 <x>',
      'iP-VAE on data: the first step where R^2 (mean over inputs) reaches x, and the energy and latency spent by then',
    )
    .option('--json', 'print one JSON object', false)
    .action(async (o) => {
      if (!!o.data === !!o.drive) throw new UserError('energy: give --data or --drive, one of them');
      const engine = oneOf('--engine', o.engine, ['event', 'clock'] as const);
      const seed = parseIntOpt('--seed', o.seed, 0, 0xffffffff);
      const net = readNetwork(o.net);
      const d = readDeployment(o.deploy);
      let profile: Profile;
      try {
        profile = loadProfile(o.profile ?? d.profile.name);
      } catch (err) {
        if (err instanceof UserError && !o.profile)
          throw new UserError(
            `${o.deploy}: mapped onto ${shown(d.profile.name)}, which is not a bundled profile; give its file with --profile`,
          );
        throw err;
      }
      sameProfile(d, profile, o.deploy);
      const req: ProbeRequest = coreEventsRequest(net, d, profile, o.deploy);
      const probes: ProbeRequest[] = [req];
      let inputs: Parameters<typeof runNetwork>[1], steps: number;
      if (o.drive) {
        const drives = readDriveFile(
          o.drive,
          () => o.population ?? net.populations.find((p) => neuronModel(p.model).host)?.name,
        );
        steps = Object.values(drives)[0].length;
        inputs = { drives };
      } else {
        const samples = parseIntOpt('--samples', o.samples, 1);
        steps = parseIntOpt('--steps', o.steps, 1, 1_000_000);
        const data = loadData(o.data, 'test', samples);
        inputs = { data: data.X, n: Math.min(samples, data.N), width: data.D };
        if (isIpVaeNetwork(net)) probes.push({ kind: 'ipvae-metrics', record: budgetSteps(steps) });
        probes.push({ kind: 'rates' });
      }
      const bar = o.json ? undefined : progressBar('energy');
      const r = await inFiles({ network: o.net, drive: o.drive, data: o.data }, () =>
        runNetwork(net, inputs, {
          steps,
          seed,
          engine,
          workers: parseIntOpt('--workers', o.workers, 1, 64),
          probes,
          onProgress: bar?.update,
        }),
      );
      bar?.end();
      const ev = probeResult(r, 'core-events');
      const L = limitsOf(profile);
      const e = energyOf(ev.totals, profile.prices, L.encoding);
      const N = r.inputs;
      const perInput = ev.stepNs!;
      const perInference = new Float64Array(N);
      for (let n = 0; n < N; n++) for (let t = 0; t <= steps; t++) perInference[n] += perInput[n * (steps + 1) + t];
      const stepsOnly = perInput.filter((x) => x > 0);
      const meanInference = perInference.reduce((a, b) => a + b, 0) / N;
      const byCore = Array.from(e.byCorePj, (pj, c) => ({ core: c, energyPj: pj / N }))
        .sort((a, b) => b.energyPj - a.energyPj)
        .slice(0, parseIntOpt('--rows', o.rows, 0));
      const all = r.probes['ipvae-metrics'] ? probeResult(r, 'ipvae-metrics').metrics : undefined;
      // the spike budget: quality, energy and latency spent by step t (means over inputs)
      const soFar = (a: Float64Array, t: number) => {
        let x = 0;
        for (let n = 0; n < N; n++) for (let s = 0; s <= t; s++) x += a[n * (steps + 1) + s];
        return x / N;
      };
      const printed = new Set(recordSteps(steps));
      // a sum is null when nothing in it is priced (never a silent 0), and marked partial when some of it is not
      const energyPriced = e.components.some((c) => c.count > 0 && c.energyPj !== null);
      const latencyPriced = stepsOnlyPriced(ev.stepNs!);
      const budget = all?.map((m) => ({
        ...m,
        energyPj: energyPriced ? soFar(ev.stepPj!, m.t) : null,
        latencyNs: latencyPriced ? soFar(ev.stepNs!, m.t) : null,
      }));
      let target:
        { r2: number; reached: boolean; t?: number; energyPj?: number | null; latencyNs?: number | null } | undefined;
      if (o.targetR2 !== undefined) {
        const x = parseFloatOpt('--target-r2', o.targetR2, -Infinity, 1);
        if (!budget)
          throw new UserError('--target-r2: needs an iP-VAE network on --data (R^2 is measured against the input)');
        const hit = budget.find((b) => b.r2 >= x);
        target = hit
          ? { r2: x, reached: true, t: hit.t, energyPj: hit.energyPj, latencyNs: hit.latencyNs }
          : { r2: x, reached: false };
      }
      const metrics = all?.filter((m) => m.t === steps);
      // the estimate from the deployment file alone (its rates), against the exact count
      const est = energyOf(eventsFromDeployment(d, steps), profile.prices, L.encoding);
      const estimate = {
        rateSource: d.provenance.rateSource,
        energyPerInferencePj: energyPriced ? est.totalPj : null,
        overExact: energyPriced && e.totalPj > 0 ? est.totalPj / (e.totalPj / N) : null,
        components: est.components.map((c) => ({ event: c.event, count: c.count, energyPj: c.energyPj })),
      };
      // the same reconstruction done densely, for an iP-VAE (its D and K), against this chip's estimate
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
      const res = {
        profile: profile.name,
        deploy: o.deploy,
        net: o.net,
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
          notPriced: ev.unpricedLatency,
        },
        byCore: energyPriced ? byCore : null,
        spikesPerCore: Array.from(ev.totals.counts.spike_out, (x) => x / N),
        spikesPerNeuron,
        metrics,
        budget: budget?.filter((b) => printed.has(b.t)),
        target,
        baseline,
        estimate,
        spikesSha256: r.spikesSha256,
      };
      if (o.json) {
        console.log(JSON.stringify(snakeKeys(res)));
        return;
      }
      const total = e.totalPj / N;
      console.log(
        `${profile.name}: ${ev.totals.cores} cores on ${ev.tilesInUse} tile(s); ${N} input(s) x ${steps} steps`,
      );
      console.log(
        table(
          ['event', 'priced as', 'per inference', 'pJ each', 'uJ per inference', 'share'],
          res.components.map((c) => [
            c.event,
            c.price,
            fmt(c.countPerInference, 1),
            c.pjPerEvent === null ? 'not priced' : fmt(c.pjPerEvent, 1),
            c.energyPerInferencePj === null ? 'not priced' : fmt(c.energyPerInferencePj / 1e6, 4),
            c.energyPerInferencePj === null || total === 0
              ? '-'
              : `${((100 * c.energyPerInferencePj) / total).toFixed(1)}%`,
          ]),
        ),
      );
      console.log(
        energyPriced
          ? `energy per inference: ${fmt(total / 1e6, 3)} uJ` +
              (e.unpriced.length ? ` of the priced events only; not priced: ${e.unpriced.join(', ')}` : '')
          : `energy: not priced (${e.unpriced.join(', ')})`,
      );
      const l = res.latency;
      if (l.perStepNs.max === 0) console.log(`latency: not priced (${l.notPriced.join(', ')})`);
      else
        console.log(
          `latency per step: mean ${fmt(l.perStepNs.mean / 1e3, 3)} us, median ${fmt(l.perStepNs.p50 / 1e3, 3)}, 95th percentile ${fmt(l.perStepNs.p95 / 1e3, 3)}, max ${fmt(l.perStepNs.max / 1e3, 3)}; per inference ${fmt((l.perInferenceNs ?? 0) / 1e6, 3)} ms` +
            (l.notPriced.length ? ` (not priced: ${l.notPriced.join(', ')})` : ''),
        );
      if (energyPriced)
        console.log(`busiest cores: ${byCore.map((c) => `${c.core} ${fmt(c.energyPj / 1e6, 3)} uJ`).join(', ')}`);
      const money = (x: number | null, scale: number) => (x === null ? 'not priced' : fmt(x / scale, 3));
      if (res.budget)
        console.log(
          table(
            ['t', 'R2', 'PZ', 'spikes', 'uJ so far', 'ms so far'],
            res.budget.map((b) => [
              b.t,
              fmt(b.r2),
              fmt(b.pz),
              fmt(b.spikes, 1),
              money(b.energyPj, 1e6),
              money(b.latencyNs, 1e6),
            ]),
          ),
        );
      if (estimate.energyPerInferencePj !== null)
        console.log(
          `estimate from the deployment file alone (rates: ${estimate.rateSource}): ${fmt(estimate.energyPerInferencePj / 1e6, 3)} uJ per inference, ${fmt(estimate.overExact!, 4)} x the count`,
        );
      if (baseline) {
        console.log(
          `dense baseline (D ${shape!.D}, K ${shape!.K}: ${fmt(baseline.iterativeMacs, 0)} MACs for ${steps} iterative steps, ${fmt(baseline.amortizedMacs, 0)} for one amortized pass; ${baseline.assumptions}):`,
        );
        console.log(
          table(
            ['device', 'iterative uJ', 'amortized uJ', `${profile.name} / iterative`, `${profile.name} / amortized`],
            baseline.rows.map((row) => [
              row.device,
              fmt(row.iterativePj / 1e6, 3),
              fmt(row.amortizedPj / 1e6, 4),
              'chipOverIterative' in row ? fmt(row.chipOverIterative as number, 3) : '-',
              'chipOverAmortized' in row ? fmt(row.chipOverAmortized as number, 1) : '-',
            ]),
          ),
        );
      }
      if (target)
        console.log(
          target.reached
            ? `R2 >= ${target.r2}: reached at t = ${target.t}, after ${target.energyPj == null ? 'energy not priced' : `${fmt(target.energyPj / 1e6, 3)} uJ`} and ${target.latencyNs == null ? 'latency not priced' : `${fmt(target.latencyNs / 1e6, 3)} ms`} per inference`
            : `R2 >= ${target.r2}: not reached in ${steps} steps`,
        );
    });
}
