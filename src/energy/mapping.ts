/**
 * From a deployment file to what the core-events probe needs: each population's neurons' cores, each core's
 * tile, how graded counts travel, the chip's prices and synapse format. The deployment must belong to the
 * network (the SHA-256 of the network's JSON image is checked).
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { toJson } from '../net/json.js';
import type { Network } from '../net/network.js';
import type { Deployment } from '../hardware/deploy.js';
import { limitsOf } from '../hardware/check.js';
import type { Profile } from '../hardware/profile.js';
import type { ProbeRequest } from '../sim/probe.js';

/**
 * Where a deployment puts each neuron of the network it was made for: per population, each neuron's core index
 * (host populations: -1, they are not placed). Refuses a deployment written for another network (its SHA-256 of
 * the network's JSON image differs), one naming neurons the network lacks, a chip population not fully placed, and
 * one with splitter copies (not modelled by the event count yet).
 */
export function placement(net: Network, d: Deployment, deployFile = 'deployment'): Map<string, Int32Array> {
  const sha = createHash('sha256').update(toJson(net)).digest('hex');
  if (sha !== d.provenance.networkSha256)
    throw new UserError(
      `${deployFile}: was written for another network (sha256 ${d.provenance.networkSha256.slice(0, 16)}..., this network's is ${sha.slice(0, 16)}...); map this network again`,
    );
  // A copy fires with its neuron and reaches other cores' synapses; the probe and the exports place each neuron once.
  const copies = d.cores.reduce((a, c) => a + c.copies.reduce((b, r) => b + r.count, 0), 0);
  if (copies)
    throw new UserError(
      `${deployFile}: holds ${copies} splitter copies (map --splitters); the per-core event count and the SANA-FE export place every neuron once and do not model copies yet`,
    );
  const coreOf = new Map(net.populations.map((p) => [p.name, new Int32Array(p.size).fill(-1)]));
  for (const c of d.cores)
    for (const r of c.neurons) {
      const a = coreOf.get(r.population);
      if (!a || r.first + r.count > a.length)
        throw new UserError(`${deployFile}: core ${c.index} names neurons the network does not have`);
      a.fill(c.index, r.first, r.first + r.count);
    }
  const host = new Set(d.populations.filter((p) => p.host).map((p) => p.name));
  for (const [name, a] of coreOf)
    if (!host.has(name) && a.includes(-1))
      throw new UserError(`${deployFile}: population ${JSON.stringify(name)} is not fully placed`);
  return coreOf;
}

export function coreEventsRequest(
  net: Network,
  d: Deployment,
  profile: Profile,
  deployFile = 'deployment',
): ProbeRequest {
  const placed = placement(net, d, deployFile);
  const host = new Set(d.populations.filter((p) => p.host).map((p) => p.name));
  const coreOf: Record<string, Int32Array> = {};
  for (const [name, a] of placed) if (!host.has(name)) coreOf[name] = a;
  const L = limitsOf(profile);
  // --graded substeps on a binary-spike chip: each step is split into 2^bits - 1 sub-steps (the widest count)
  let substeps = 1;
  if (!L.graded && d.provenance.gradedMode === 'substeps')
    for (const q of net.projections)
      if (q.payload === 'graded' && !q.static) substeps = Math.max(substeps, 2 ** q.payloadBits - 1);
  return {
    kind: 'core-events',
    cores: d.cores.length,
    coreOf,
    tileX: Int32Array.from(d.cores, (c) => c.x),
    tileY: Int32Array.from(d.cores, (c) => c.y),
    // a graded count n on a binary-spike chip travels as n spikes (or n sub-steps): n events either way
    spikesPerCount: !L.graded,
    substeps,
    prices: profile.prices,
    encoding: L.encoding,
  };
}
