/**
 * The estimate from the deployment file alone: the expected events of one inference from the rates the mapping
 * was made with (spikes per step per core and per route), without simulating. Per core and step:
 *   soma_access, soma_update   every neuron (an upper bound for the update; exact for the iP-VAE, whose neurons
 *                              all update every step)
 *   spike_out                  its neurons' expected spikes (fired_per_step)
 *   message_out, message_in    the routes' spikes plus those to targets on the same core (local_spikes_per_step);
 *                              host messages that come every step enter at their core
 *   synapse                    the synapses spikes reach on the core per step (synapses_per_step: each synapse
 *                              of a dynamic projection weighed by its source's rate); for files without it,
 *                              messages in x the mean synapses per input axon of its dynamic projections
 *   hops                       the routes' spikes x their hops along x and y, at the receiving core
 * Spike events are charged for T + 1 emissions (steps 0 .. T, as the rates are per emission), soma events for T
 * steps. With rates measured on the same data, it should agree with the exact count of `ipvae energy` closely;
 * the difference comes from the rates' rounding and the update bound.
 */
import type { Deployment } from '../hardware/deploy.js';
import { emptyCounts, type CoreCounts } from './cost.js';

export function eventsFromDeployment(d: Deployment, steps: number): CoreCounts {
  const C = d.cores.length;
  const c = emptyCounts(C);
  const hostPerStep = new Float64Array(C);
  for (const r of d.routes) if (r.src < 0 && !r.perInput) hostPerStep[r.dst] += r.spikesPerStep;
  const emissions = steps + 1;
  // --graded substeps on a binary-spike chip: every neuron is accessed in each of a step's 2^bits - 1 sub-steps
  let substeps = 1;
  if (
    d.provenance.gradedMode === 'substeps' &&
    d.profile.values.some((v) => v.section === 'spikes' && v.key === 'kind' && v.text === 'binary')
  )
    for (const p of d.projections)
      if (p.payload === 'graded' && !p.static) substeps = Math.max(substeps, 2 ** p.payloadBits - 1);
  const staticProj = new Set(d.projections.filter((p) => p.static).map((p) => p.name));
  const sourceOf = new Map(d.projections.map((p) => [p.name, p.source]));
  for (const k of d.cores) {
    const i = k.index;
    c.counts.soma_access[i] = k.neuronCount * steps * substeps;
    c.counts.soma_update[i] = k.neuronCount * steps;
    c.counts.spike_out[i] = k.firedPerStep * emissions;
    c.counts.message_out[i] = (k.spikesOutPerStep + k.localSpikesPerStep) * emissions;
    const inPerStep = k.spikesInPerStep + k.localSpikesPerStep + hostPerStep[i];
    c.counts.message_in[i] = inPerStep * emissions;
    // synapses per message: the mean over the core's axons of dynamic projections (static ones, applied once
    // per input, are not charged)
    // per input axon (a source neuron, whose one message reaches all its projections' synapses on the core)
    let syn = 0;
    const axons = new Set<string>();
    for (const b of k.synapses)
      if (!staticProj.has(b.projection)) {
        syn += b.targets.length;
        const src = sourceOf.get(b.projection);
        for (const a of b.axons) axons.add(`${src}:${a}`);
      }
    // the deployment's own expectation (rate-weighted, exact in expectation); files without it: the mean
    c.counts.synapse[i] =
      k.synapsesPerStep > 0
        ? k.synapsesPerStep * emissions
        : axons.size > 0
          ? inPerStep * (syn / axons.size) * emissions
          : 0;
  }
  for (const r of d.routes) {
    if (r.src < 0) continue;
    c.counts.hop_east_west[r.dst] += r.spikesPerStep * r.hopsX * emissions;
    c.counts.hop_north_south[r.dst] += r.spikesPerStep * r.hopsY * emissions;
  }
  return c;
}
