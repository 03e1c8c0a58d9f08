/**
 * rates: per neuron of every non-host population, summed over inputs and emissions (steps 0 .. T: step 0's
 * emission is sent too): spikes (a spiking model's counts; one per nonzero value for a graded, non-spiking
 * one such as li, whose voltage travels as one message) and events (emissions with a nonzero value, i.e.
 * messages). The mapper's --rates reads these through src/sim/rates.ts.
 */
import { defineProbe, sumArrays } from '../probe.js';

export interface RatesResult {
  /** Per population, per neuron. */
  spikes: Record<string, Float64Array>;
  events: Record<string, Float64Array>;
  /** Inputs and steps per input the sums cover (steps + 1 emissions each: step 0 and 1 .. steps). */
  inputs: number;
  steps: number;
}

declare module '../probe.js' {
  interface ProbeResults {
    rates: RatesResult;
  }
}

export default defineProbe<RatesResult>({
  kind: 'rates',
  doc: 'per-neuron sums of spikes and of steps with a nonzero emission (for ipvae map --rates)',
  options: [],
  reads: () => [],
  create(ctx) {
    const pops = ctx.sim.pops.filter((p) => !p.spec.host);
    const counts = pops.map((p) => p.spec.spiking);
    const spikes = pops.map((p) => new Float64Array(p.n)),
      events = pops.map((p) => new Float64Array(p.n));
    return {
      step() {
        pops.forEach((p, i) => {
          const s = spikes[i],
            e = events[i],
            out = p.out,
            fired = p.fired;
          for (let f = 0; f < p.nFired; f++) {
            const k = fired[f];
            s[k] += counts[i] ? out[k] : 1;
            e[k]++;
          }
        });
      },
      result: () => ({
        spikes: Object.fromEntries(pops.map((p, i) => [p.name, spikes[i]])),
        events: Object.fromEntries(pops.map((p, i) => [p.name, events[i]])),
        inputs: ctx.inputs,
        steps: ctx.steps,
      }),
    };
  },
  merge(parts) {
    const names = Object.keys(parts[0].spikes);
    return {
      spikes: Object.fromEntries(names.map((n) => [n, sumArrays(parts.map((p) => p.spikes[n]))])),
      events: Object.fromEntries(names.map((n) => [n, sumArrays(parts.map((p) => p.events[n]))])),
      inputs: parts.reduce((a, p) => a + p.inputs, 0),
      steps: parts[0].steps,
    };
  },
});
