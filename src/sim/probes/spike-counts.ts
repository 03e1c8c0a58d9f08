/**
 * spike-counts: spikes per population and step, summed over inputs: a population's activity over time.
 * Options: every (record steps 0, every, 2 every, ...; default 1), populations (default: every spiking one).
 */
import { UserError } from '../../errors.js';
import { shown } from '../../io/json-read.js';
import { defineProbe, sumArrays } from '../probe.js';

export interface SpikeCountsResult {
  /** The recorded steps. */
  steps: number[];
  /** Per population: spikes at each recorded step, summed over inputs. */
  counts: Record<string, Float64Array>;
  inputs: number;
}

declare module '../probe.js' {
  interface ProbeResults {
    'spike-counts': SpikeCountsResult;
  }
}

export default defineProbe<SpikeCountsResult>({
  kind: 'spike-counts',
  doc: 'spikes per population at every (or every k-th) step, summed over inputs',
  options: ['every', 'populations'],
  reads: () => [],
  create(ctx, req) {
    const every = req.every ?? 1;
    if (typeof every !== 'number' || !Number.isInteger(every) || every < 1)
      throw new UserError(`probe spike-counts: every = ${shown(every)}, expected a positive integer`);
    const names =
      (req.populations as string[] | undefined) ?? ctx.sim.pops.filter((p) => p.spec.spiking).map((p) => p.name);
    const pops = names.map((n) => ctx.sim.pop(n));
    const steps: number[] = [];
    for (let t = 0; t <= ctx.steps; t += every) steps.push(t);
    const counts = pops.map(() => new Float64Array(steps.length));
    return {
      step(t) {
        if (t % every !== 0) return;
        const r = t / every;
        pops.forEach((p, i) => {
          let s = 0;
          for (let f = 0; f < p.nFired; f++) s += p.out[p.fired[f]];
          counts[i][r] += s;
        });
      },
      result: () => ({
        steps,
        counts: Object.fromEntries(pops.map((p, i) => [p.name, counts[i]])),
        inputs: ctx.inputs,
      }),
    };
  },
  merge(parts) {
    const names = Object.keys(parts[0].counts);
    return {
      steps: parts[0].steps,
      counts: Object.fromEntries(names.map((n) => [n, sumArrays(parts.map((p) => p.counts[n]))])),
      inputs: parts.reduce((a, p) => a + p.inputs, 0),
    };
  },
});
