/**
 * The resource check: what a chip profile allows (Limits) and every constraint a Network breaks before any
 * placement (precision, payload, weight levels, state width, one neuron's fan-in or synapse memory), each with
 * the offending population or projection and by how much. How a graded count travels on a binary-spike chip
 * is an explicit choice, reported with the result. The mapper adds the per-core and per-chip checks.
 */
import type { Network } from '../net/network.js';
import { profileNumber, profileText, type Profile, type SynapseEncoding } from './profile.js';
import { weightLevels, type MapGraph } from './graph.js';
import { UserError } from '../errors.js';
import { neuronModel } from '../sim/registry.js';
import { stateFormat } from '../sim/neuron.js';
import { DEFAULTS } from '../defaults.js';

export interface Violation {
  /** e.g. "precision.weight_bits", "core.fan_in_axons", "chip.cores". */
  constraint: string;
  /** The population, projection or core at fault. */
  where: string;
  value: number;
  limit: number;
  message: string;
}

/** How a graded spike count is carried on a binary-spike chip: n spikes in one step, or n sub-steps. */
export type GradedMode = 'spikes' | 'substeps';
export const GRADED_MODES: readonly GradedMode[] = ['spikes', 'substeps'];

export interface Limits {
  neurons: number;
  memoryBits: number;
  synapses: number;
  fanIn: number;
  fanOut: number;
  neuronFanOut: number;
  encoding: SynapseEncoding;
  /** Sparse encoding: bits of a target index (ceil log2 neurons per core). */
  indexBits: number;
  axonBits: number;
  coresPerChip: number;
  chips: number;
  graded: boolean;
  payloadBits: number;
  weightBits: number;
  stateBits: number;
  weightLevels: number;
  /** What the profile does not state and how the check treats it. */
  notes: string[];
  /** The limits the profile does not state, so not checked, in a word each (for a headline's caveat). */
  unchecked: string[];
}

export function limitsOf(p: Profile): Limits {
  const notes: string[] = [],
    unchecked: string[] = [];
  const num = (sec: string, key: string, what: string, word: string): number => {
    const v = profileNumber(p, sec, key);
    if (v === undefined) {
      notes.push(`${sec}.${key} not stated: ${what} not checked`);
      unchecked.push(word);
      return Infinity;
    }
    return v;
  };
  const neurons = profileNumber(p, 'core', 'neurons');
  if (neurons === undefined)
    throw new UserError(`profile ${p.name}: core.neurons is missing; mapping needs the neurons per core`);
  const encoding = (profileText(p, 'core', 'synapse_encoding') ?? 'sparse') as SynapseEncoding;
  if (!profileText(p, 'core', 'synapse_encoding'))
    notes.push('core.synapse_encoding not stated: synapses costed as sparse (weight + index bits)');
  const graded = profileText(p, 'spikes', 'kind') === 'graded';
  if (!profileText(p, 'spikes', 'kind')) notes.push('spikes.kind not stated: treated as binary');
  const memBytes = num('core', 'synapse_memory_bytes', 'synapse memory per core', 'memory');
  const L: Limits = {
    neurons,
    memoryBits: memBytes * 8,
    synapses: num('core', 'synapses', 'synapses per core', 'synapses'),
    fanIn: num('core', 'fan_in_axons', 'fan-in axons per core', 'fan-in'),
    fanOut: num('core', 'fan_out_axons', 'fan-out axons per core', 'fan-out'),
    neuronFanOut: profileNumber(p, 'core', 'neuron_fan_out') ?? Infinity,
    encoding,
    indexBits: Math.max(1, Math.ceil(Math.log2(neurons))),
    axonBits: profileNumber(p, 'core', 'axon_entry_bits') ?? 0,
    coresPerChip:
      profileNumber(p, 'chip', 'cores_per_chip') ??
      meshCores(p) ??
      num('chip', 'cores_per_chip', 'cores per chip', 'cores per chip'),
    chips: profileNumber(p, 'chip', 'chips') ?? Infinity,
    graded,
    payloadBits: graded ? num('spikes', 'payload_bits', 'graded payload width', 'payload width') : 1,
    weightBits: num('precision', 'weight_bits', 'weight width', 'weight width'),
    stateBits: num('precision', 'state_bits', 'state register width', 'state width'),
    weightLevels: profileNumber(p, 'precision', 'weight_levels') ?? Infinity,
    notes,
    unchecked,
  };
  if (
    encoding === 'sparse' &&
    profileNumber(p, 'core', 'axon_entry_bits') === undefined &&
    Number.isFinite(L.memoryBits)
  ) {
    notes.push('core.axon_entry_bits not stated: input axons cost no synapse memory');
  }
  return L;
}

/** Cores of a stated mesh (columns x rows x cores per tile), if the profile states one. */
function meshCores(p: Profile): number | undefined {
  const m = p.sections.chip?.mesh?.value;
  return Array.isArray(m) ? m[0] * m[1] * (profileNumber(p, 'chip', 'cores_per_tile') ?? 1) : undefined;
}

/** Synapse memory of a core, in bits, under the profile's encoding. */
export function coreMemoryBits(
  L: Limits,
  neurons: number,
  synapses: number,
  weightBits: number,
  fanIn: number,
  maxWeightBits: number,
): number {
  if (L.encoding === 'crossbar') return fanIn * neurons;
  if (L.encoding === 'dense') return fanIn * neurons * maxWeightBits;
  return weightBits + synapses * L.indexBits + fanIn * L.axonBits;
}

/** Whether a core with these loads keeps the per-core limits a chop can see (neurons, synapses, fan-in, memory). */
export function coreFits(
  L: Limits,
  neurons: number,
  synapses: number,
  weightBits: number,
  fanIn: number,
  maxWeightBits: number,
  capNeurons = L.neurons,
): boolean {
  return (
    neurons <= capNeurons &&
    synapses <= L.synapses &&
    fanIn <= L.fanIn &&
    coreMemoryBits(L, neurons, synapses, weightBits, fanIn, maxWeightBits) <= L.memoryBits
  );
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
/** "1 neuron receives" / "3 neurons receive". */
const neuronsVerb = (n: number, verb: string): string => `${plural(n, 'neuron')} ${n === 1 ? `${verb}s` : verb}`;

/**
 * Constraints a network breaks whatever the placement. Returns the violations and the reported choices
 * (graded counts on a binary chip, static projections from the host). `mode`: how a graded count travels on a
 * binary-spike chip ('spikes' by default, as mapNetwork's and the CLI's --graded).
 */
export function checkNetwork(
  net: Network,
  g: MapGraph,
  profile: Profile,
  L: Limits,
  mode: GradedMode = DEFAULTS.graded,
): { violations: Violation[]; choices: string[] } {
  const violations: Violation[] = [],
    choices: string[] = [];
  const chip = profile.name;
  const placedPop = (name: string) => g.pops.find((p) => p.name === name)!;
  for (const q of net.projections) {
    const T = placedPop(q.target);
    if (T.host) {
      choices.push(
        `projection ${q.name}: targets the input population ${q.target}, which lives on the host; its ${q.indices.length} synapses are not stored on chip and its spikes leave the chip (not counted as inter-core traffic)`,
      );
      continue;
    }
    // The stored mantissas must fit the chip's signed weight width (what they need, not the declared width).
    let lo = 0,
      hi = 0;
    for (let j = 0; j < q.weights.length; j++) {
      const w = q.weights[j];
      if (w < lo) lo = w;
      else if (w > hi) hi = w;
    }
    const need = Math.max(lo < 0 ? Math.ceil(Math.log2(-lo)) + 1 : 1, hi > 0 ? Math.floor(Math.log2(hi)) + 2 : 1);
    if (need > L.weightBits) {
      violations.push({
        constraint: 'precision.weight_bits',
        where: `projection ${q.name}`,
        value: need,
        limit: L.weightBits,
        message: `projection ${q.name}: weights in [${lo}, ${hi}] need ${need} bits > ${L.weightBits} on ${chip} (over by ${need - L.weightBits}; re-quantise with --weight-bits ${L.weightBits})`,
      });
    }
    if (q.payload === 'graded' && !q.static) {
      if (L.graded && q.payloadBits > L.payloadBits) {
        violations.push({
          constraint: 'spikes.payload_bits',
          where: `projection ${q.name}`,
          value: q.payloadBits,
          limit: L.payloadBits,
          message: `projection ${q.name}: ${q.payloadBits}-bit graded counts > ${L.payloadBits}-bit payloads on ${chip} (over by ${q.payloadBits - L.payloadBits})`,
        });
      } else if (!L.graded) {
        const max = 2 ** q.payloadBits - 1;
        choices.push(
          mode === 'spikes'
            ? `projection ${q.name}: ${chip} has binary spikes; a count n (up to ${max}) is sent as n spikes in the same step (traffic counted in spikes; --graded substeps to split steps instead)`
            : `projection ${q.name}: ${chip} has binary spikes; each step is split into ${max} sub-steps and a count n is a spike in n of them (latency x ${max})`,
        );
      }
    }
    if (q.static) {
      const mixed = net.projections.some((o) => o.source === q.source && !o.static);
      choices.push(
        mixed
          ? `projection ${q.name}: static, but ${q.source} also feeds per-step projections, so all its host routes are counted per step`
          : `projection ${q.name}: static, its ${q.source} values enter from the host once per input (host traffic, not inter-core)`,
      );
    }
  }
  if (Number.isFinite(L.weightLevels)) {
    const lv = weightLevels(net, g);
    for (const P of g.pops) {
      if (P.host) continue;
      let over = 0,
        max = 0;
      for (let j = 0; j < P.size; j++) {
        const n = lv[P.placedOffset + j];
        if (n > L.weightLevels) over++;
        max = Math.max(max, n);
      }
      if (over)
        violations.push({
          constraint: 'precision.weight_levels',
          where: `population ${P.name}`,
          value: max,
          limit: L.weightLevels,
          message: `population ${P.name}: ${neuronsVerb(over, 'receive')} more than ${L.weightLevels} distinct weights (max ${max}) on ${chip}`,
        });
    }
  }
  // State registers: every state variable of every on-chip model, at the width its spec gives it.
  for (const p of net.populations) {
    const spec = neuronModel(p.model);
    if (spec.host) continue;
    for (const st of spec.state) {
      const f = stateFormat(spec, st, p),
        k = st.name;
      if (f.bits > L.stateBits)
        violations.push({
          constraint: 'precision.state_bits',
          where: `population ${p.name}`,
          value: f.bits,
          limit: L.stateBits,
          message: `population ${p.name}: state ${k} is ${f.bits} bits > ${L.stateBits} on ${chip} (over by ${f.bits - L.stateBits})`,
        });
    }
  }
  // One neuron alone on a core: fan-in axons, synapse count, synapse memory.
  for (const P of g.pops) {
    if (P.host) continue;
    const worst = { fanIn: [0, 0], syn: [0, 0], mem: [0, 0] }; // [neurons over, max]
    for (let j = 0; j < P.size; j++) {
      const v = P.placedOffset + j,
        fi = g.inPtr[v + 1] - g.inPtr[v];
      const mem = coreMemoryBits(L, 1, g.inSyn[v], g.inWeightBits[v], fi, P.maxWeightBits);
      if (fi > L.fanIn) {
        worst.fanIn[0]++;
        worst.fanIn[1] = Math.max(worst.fanIn[1], fi);
      }
      if (g.inSyn[v] > L.synapses) {
        worst.syn[0]++;
        worst.syn[1] = Math.max(worst.syn[1], g.inSyn[v]);
      }
      if (mem > L.memoryBits) {
        worst.mem[0]++;
        worst.mem[1] = Math.max(worst.mem[1], mem);
      }
    }
    if (worst.fanIn[0])
      violations.push({
        constraint: 'core.fan_in_axons',
        where: `population ${P.name}`,
        value: worst.fanIn[1],
        limit: L.fanIn,
        message: `population ${P.name}: ${neuronsVerb(worst.fanIn[0], 'receive')} from more sources than a core has input axons (max ${worst.fanIn[1]} > ${L.fanIn} on ${chip}, over by ${worst.fanIn[1] - L.fanIn})`,
      });
    if (worst.syn[0])
      violations.push({
        constraint: 'core.synapses',
        where: `population ${P.name}`,
        value: worst.syn[1],
        limit: L.synapses,
        message: `population ${P.name}: ${plural(worst.syn[0], 'neuron')} ${worst.syn[0] === 1 ? 'has' : 'have'} more synapses than a core holds (max ${worst.syn[1]} > ${L.synapses} on ${chip})`,
      });
    if (worst.mem[0])
      violations.push({
        constraint: 'core.synapse_memory_bytes',
        where: `population ${P.name}`,
        value: Math.ceil(worst.mem[1] / 8),
        limit: L.memoryBits / 8,
        message: `population ${P.name}: ${neuronsVerb(worst.mem[0], 'need')} more synapse memory than a core has (max ${Math.ceil(worst.mem[1] / 8)} B > ${L.memoryBits / 8} B on ${chip})`,
      });
  }
  return { violations, choices: [...new Set(choices)] };
}
