/**
 * The deployment file (proto/ipvae/deploy/v1/deploy.proto, package ipvae.deploy.v1): a Mapping written as
 * protobuf with protobufjs, read back with a checksum check, and rendered as JSON. Every core carries its
 * neuron ranges, integer parameters (fixed point, per neuron where the network has them), its synapse blocks
 * (by input axon, integer mantissas with the projection's exponent), axons used and memory; every route its
 * expected spikes per step and hops. The last field is a SHA-256 of all bytes before it, so a truncated or
 * corrupted file is refused with one line, never half-read. Encoding is deterministic: same input, same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { Network } from '../net/network.js';
import { toJson } from '../net/json.js';
import { packageRoot, packageVersion } from '../paths.js';
import { UserError } from '../errors.js';
import { shown } from '../io/json-read.js';
import type { Mapping, Totals } from './mapper.js';
import { instancesOf, originals } from './graph.js';
import type { GradedMode } from './check.js';
import { camelKeys, snakeKeys } from '../io/json-case.js';

export const DEPLOY_FORMAT = 'ipvae.deploy';
export const DEPLOY_SCHEMA_VERSION = 1;
export const DEPLOY_PROTO = join('proto', 'ipvae', 'deploy', 'v1', 'deploy.proto');

let cached: protobuf.Type | undefined;
/** The Deployment message type, parsed from the bundled .proto (field names as written: snake_case). */
export function deploymentType(): protobuf.Type {
  if (!cached)
    cached = new protobuf.Root()
      .loadSync(join(packageRoot(), DEPLOY_PROTO), { keepCase: true })
      .lookupType('ipvae.deploy.v1.Deployment');
  return cached;
}

/**
 * The typed Deployment view: the messages of deploy.proto with camelCase fields, as every reader in ipvae
 * sees them. snake_case appears only at the file boundary (the protobuf field names, and the JSON rendering of
 * deploymentJson / ipvae inspect --json). Every field is present after decoding (proto3 defaults filled in).
 */
export interface Deployment {
  format: string;
  schemaVersion: number;
  provenance: DeployProvenance;
  profile: DeployProfile;
  mesh: DeployMesh;
  populations: DeployPopulation[];
  projections: DeployProjection[];
  cores: DeployCore[];
  routes: DeployRoute[];
  totals: DeployTotals;
  choices: string[];
  notes: string[];
  networkMetaJson: string;
  /** SHA-256 of the bytes before it, base64 ('' before encoding; encodeDeployment computes it). */
  checksum: string;
}
export interface DeployProvenance {
  tool: string;
  toolVersion: string;
  networkName: string;
  networkSha256: string;
  strategy: string;
  rateSource: string;
  gradedMode: string;
}
export interface DeployProfileValue {
  section: string;
  key: string;
  number: number;
  text: string;
  list: number[];
  unit: string;
  source: string;
  confidence: string;
}
export interface DeployProfile {
  name: string;
  description: string;
  values: DeployProfileValue[];
}
export interface DeployMesh {
  cols: number;
  rows: number;
  coresPerTile: number;
  coresPerChip: number;
  chips: number;
  note: string;
}
export interface DeployFormat {
  name: string;
  bits: number;
  frac: number;
  signed: boolean;
}
export interface DeployPopulation {
  name: string;
  model: string;
  size: number;
  host: boolean;
  formats: DeployFormat[];
}
export interface DeployProjection {
  name: string;
  source: string;
  target: string;
  weightBits: number;
  exponent: number;
  delay: number;
  payload: string;
  payloadBits: number;
  static: boolean;
  synapses: number;
}
export interface DeployNeuronRange {
  population: string;
  first: number;
  count: number;
}
export interface DeployParam {
  population: string;
  name: string;
  perNeuron: boolean;
  value: number;
  values: number[];
}
export interface DeploySynapseBlock {
  projection: string;
  axons: number[];
  indptr: number[];
  targets: number[];
  weights: number[];
  weightBits: number;
  exponent: number;
  axonTypes: number[];
}
export interface DeployCore {
  index: number;
  chip: number;
  x: number;
  y: number;
  slot: number;
  neurons: DeployNeuronRange[];
  params: DeployParam[];
  synapses: DeploySynapseBlock[];
  neuronCount: number;
  synapseCount: number;
  fanIn: number;
  fanOut: number;
  memoryBytes: number;
  spikesInPerStep: number;
  spikesOutPerStep: number;
  hostIn: number;
  firedPerStep: number;
  localSpikesPerStep: number;
  synapsesPerStep: number;
  /** Splitter copies on the core (after its own neurons), and every neuron's destination cores (with copies). */
  copies: DeployNeuronRange[];
  destIndptr: number[];
  destCores: number[];
}
export interface DeployRoute {
  src: number;
  dst: number;
  spikesPerStep: number;
  hops: number;
  sources: number;
  perInput: boolean;
  hopsX: number;
  hopsY: number;
}
/** The mapping's totals, as the mapper computes them. */
export type DeployTotals = Totals;

const U32 = 2 ** 32 - 1;
/** A count for a uint32 field, or a UserError naming it (a profile without limits can make numbers huge). */
const u32 = (v: number, what: string): number => {
  if (!Number.isInteger(v) || v < 0 || v > U32)
    throw new UserError(`${what} = ${v}: too large for the deployment file's 32-bit field`);
  return v;
};

const int32 = (v: number, what: string): number => {
  if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
    throw new UserError(`${what} = ${v}: a deployment parameter must be a 32-bit integer`);
  return v;
};

/**
 * The Deployment of a mapping (typed, camelCase; encodeDeployment writes it). `graded` is the mapping's own mode
 * (MapOptions.graded) unless given; a different one is refused, since the resource check was made under it.
 */
export function deploymentObject(net: Network, m: Mapping, graded: GradedMode = m.graded): Deployment {
  if (m.graded !== undefined && graded !== m.graded)
    throw new Error(`deploymentObject: the mapping carries graded counts as ${m.graded}, not ${graded}`);
  const g = m.graph,
    C = m.totals.cores,
    nOrig = originals(g),
    I = instancesOf(g);
  // A placed id's neuron of the network (a copy's: the neuron it duplicates).
  const neuronOf = (v: number) => (v < nOrig ? v : g.copyOf![v - nOrig]);
  // Neurons of each core in placed-id order (its own, then copies), and each neuron's local index on its core.
  const counts = new Int32Array(C + 1);
  for (let v = 0; v < g.nPlaced; v++) counts[m.part[v] + 1]++;
  for (let c = 0; c < C; c++) counts[c + 1] += counts[c];
  const order = new Int32Array(g.nPlaced),
    local = new Int32Array(g.nPlaced),
    at = counts.slice(0, C);
  for (let v = 0; v < g.nPlaced; v++) {
    const c = m.part[v];
    local[v] = at[c] - counts[c];
    order[at[c]++] = v;
  }
  const popOfName = new Map(g.pops.map((p, i) => [p.name, i]));
  const cores = Array.from({ length: C }, (_, c): DeployCore => {
    const neurons: DeployNeuronRange[] = [],
      copies: DeployNeuronRange[] = [];
    const byPop = new Map<number, number[]>();
    for (let i = counts[c]; i < counts[c + 1]; i++) {
      const v = order[i],
        pi = g.popOf[g.allOf[v]],
        P = g.pops[pi],
        j = neuronOf(v) - P.placedOffset,
        runs = v < nOrig ? neurons : copies;
      const last = runs[runs.length - 1] as DeployNeuronRange | undefined;
      if (last && last.population === P.name && last.first + last.count === j) last.count++;
      else runs.push({ population: P.name, first: j, count: 1 });
      (byPop.get(pi) ?? byPop.set(pi, []).get(pi)!).push(j);
    }
    // With copies, where every neuron of the core sends (its one axon per destination core)
    const destIndptr: number[] = [],
      destCores: number[] = [];
    if (g.copyOf) {
      destIndptr.push(0);
      for (let i = counts[c]; i < counts[c + 1]; i++) {
        const s = g.allOf[order[i]],
          d = new Set<number>();
        for (let k = g.netPtr[s]; k < g.netPtr[s + 1]; k++) d.add(m.part[g.netTgt[k]]);
        destCores.push(...[...d].sort((a, b) => a - b));
        destIndptr.push(destCores.length);
      }
    }
    const params: DeployParam[] = [];
    for (const [pi, js] of byPop) {
      const pop = net.populations[pi];
      for (const name of Object.keys(pop.params).sort()) {
        const p = pop.params[name];
        params.push(
          typeof p === 'number'
            ? { population: pop.name, name, perNeuron: false, value: int32(p, `${pop.name}.${name}`), values: [] }
            : { population: pop.name, name, perNeuron: true, value: 0, values: js.map((j) => p[j]) },
        );
      }
    }
    return {
      index: c,
      chip: m.cores.chip[c],
      x: m.cores.x[c],
      y: m.cores.y[c],
      slot: m.cores.slot[c],
      neurons,
      params,
      synapses: [],
      neuronCount: m.cores.neurons[c],
      synapseCount: m.cores.synapses[c],
      fanIn: m.cores.fanIn[c],
      fanOut: m.cores.fanOut[c],
      memoryBytes: u32(Math.ceil(m.cores.memoryBits[c] / 8), `core ${c} memory_bytes`),
      spikesInPerStep: m.cores.spikesIn[c],
      spikesOutPerStep: m.cores.spikesOut[c],
      hostIn: m.cores.hostIn[c],
      firedPerStep: m.cores.firedPerStep[c],
      localSpikesPerStep: m.cores.localPerStep[c],
      synapsesPerStep: m.cores.synapsesPerStep[c],
      copies,
      destIndptr,
      destCores,
    };
  });
  // Synapse blocks: one pass per projection over its CSR (sources ascending), bucketed by the target's core.
  for (const q of net.projections) {
    const T = g.pops[popOfName.get(q.target)!];
    if (T.host) continue;
    const blocks = new Map<number, { axons: number[]; indptr: number[]; targets: number[]; weights: number[] }>();
    for (let s = 0; s + 1 < q.indptr.length; s++) {
      for (let j = q.indptr[s]; j < q.indptr[s + 1]; j++) {
        const t = T.placedOffset + q.indices[j];
        // the synapse on the neuron and on each of its copies
        for (let i = I.ptr[t]; i < I.ptr[t + 1]; i++) {
          const v = I.inst[i],
            c = m.part[v];
          let b = blocks.get(c);
          if (!b) {
            b = { axons: [], indptr: [0], targets: [], weights: [] };
            blocks.set(c, b);
          }
          if (b.axons[b.axons.length - 1] !== s) {
            if (b.axons.length) b.indptr.push(b.targets.length);
            b.axons.push(s);
          }
          b.targets.push(local[v]);
          b.weights.push(q.weights[j]);
        }
      }
    }
    const S = g.pops[popOfName.get(q.source)!];
    for (const [c, b] of [...blocks].sort((x, y) => x[0] - y[0])) {
      b.indptr.push(b.targets.length);
      // An axon whose every weight is 0 never needed a type: 0.
      const axonTypes = m.axonTypes ? b.axons.map((s) => m.axonTypes!.get((S.offset + s) * C + c) ?? 0) : [];
      cores[c].synapses.push({ projection: q.name, ...b, weightBits: q.weightBits, exponent: q.exponent, axonTypes });
    }
  }
  const R = m.routes;
  const profileValues: DeployProfileValue[] = [];
  for (const [section, entries] of Object.entries(m.profile.sections)) {
    for (const [key, e] of Object.entries(entries)) {
      profileValues.push({
        section,
        key,
        number: typeof e.value === 'number' ? e.value : 0,
        text: typeof e.value === 'string' ? e.value : '',
        list: Array.isArray(e.value) ? e.value : [],
        unit: e.unit ?? '',
        source: e.source,
        confidence: e.confidence,
      });
    }
  }
  return {
    format: DEPLOY_FORMAT,
    schemaVersion: DEPLOY_SCHEMA_VERSION,
    provenance: {
      tool: 'ipvae',
      toolVersion: packageVersion(),
      networkName: net.name,
      networkSha256: createHash('sha256').update(toJson(net)).digest('hex'),
      strategy: m.strategy,
      rateSource: m.rateSource,
      gradedMode: graded,
    },
    profile: { name: m.profile.name, description: m.profile.description, values: profileValues },
    mesh: {
      cols: u32(m.mesh.cols, 'mesh cols'),
      rows: u32(m.mesh.rows, 'mesh rows'),
      coresPerTile: u32(m.mesh.perTile, 'cores_per_tile'),
      coresPerChip: u32(m.mesh.perChip, 'cores_per_chip'),
      chips: u32(m.mesh.chips, 'chips'),
      note: m.mesh.note ?? '',
    },
    populations: net.populations.map((p, i) => ({
      name: p.name,
      model: p.model,
      size: p.size,
      host: g.pops[i].host,
      formats: Object.keys(p.formats)
        .sort()
        .map((k) => ({ name: k, bits: p.formats[k].bits, frac: p.formats[k].frac, signed: p.formats[k].signed })),
    })),
    projections: net.projections.map((q) => ({
      name: q.name,
      source: q.source,
      target: q.target,
      weightBits: q.weightBits,
      exponent: q.exponent,
      delay: q.delay,
      payload: q.payload,
      payloadBits: q.payloadBits,
      static: q.static,
      synapses: q.indices.length,
    })),
    cores,
    routes: Array.from(R.src, (src, i) => ({
      src,
      dst: R.dst[i],
      spikesPerStep: R.spikes[i],
      hops: R.hops[i],
      sources: R.sources[i],
      perInput: R.perInput[i] === 1,
      hopsX: R.hopsX[i],
      hopsY: R.hopsY[i],
    })),
    totals: { ...m.totals },
    choices: m.choices,
    notes: m.notes,
    networkMetaJson: JSON.stringify(net.meta),
    checksum: '',
  };
}

const CHECKSUM_TAG = (15 << 3) | 2; // field 15, length-delimited

/** Encode a Deployment; the checksum field (SHA-256 of the bytes before it) is appended last. */
export function encodeDeployment(d: Deployment): Uint8Array {
  const T = deploymentType();
  const { checksum: _drop, ...rest } = snakeKeys(d) as Record<string, unknown>;
  const err = T.verify(rest);
  if (err) throw new Error(`deployment: ${err}`);
  const body = T.encode(T.fromObject(rest)).finish();
  const sum = createHash('sha256').update(body).digest();
  const out = new Uint8Array(body.length + 34);
  out.set(body, 0);
  out[body.length] = CHECKSUM_TAG;
  out[body.length + 1] = 32;
  out.set(sum, body.length + 2);
  return out;
}

/** Decode and check a deployment file's bytes; any problem is one UserError line naming the file. */
export function decodeDeployment(bytes: Uint8Array, file: string): Deployment {
  const bad = (why: string): never => {
    throw new UserError(`${file}: not a valid ipvae deployment file (${why})`);
  };
  if (bytes.length < 34) bad(`${bytes.length} bytes, too short`);
  const n = bytes.length - 34;
  if (bytes[n] !== CHECKSUM_TAG || bytes[n + 1] !== 32)
    bad('no checksum at the end: truncated, or not written by ipvae map');
  const sum = createHash('sha256').update(bytes.subarray(0, n)).digest();
  if (!sum.equals(Buffer.from(bytes.subarray(n + 2)))) bad('checksum mismatch: the file is corrupted or truncated');
  const T = deploymentType();
  let msg: protobuf.Message;
  try {
    msg = T.decode(bytes);
  } catch (e) {
    return bad(`protobuf: ${(e as Error).message}`);
  }
  const obj = renderObject(msg);
  if (obj.format !== DEPLOY_FORMAT) bad(`format = ${shown(obj.format)}, expected "${DEPLOY_FORMAT}"`);
  if (obj.schema_version !== DEPLOY_SCHEMA_VERSION)
    bad(`schema_version = ${obj.schema_version}, this ipvae reads ${DEPLOY_SCHEMA_VERSION}`);
  for (const k of ['provenance', 'profile', 'mesh', 'totals']) if (obj[k] == null) bad(`${k} is missing`);
  return camelKeys(obj) as Deployment;
}

/** The JSON image of a Deployment: every field, snake_case names of the .proto (what ipvae inspect --json prints). */
export function deploymentJson(d: Deployment): Record<string, unknown> {
  return snakeKeys(d) as Record<string, unknown>;
}

/** The JSON rendering: every field (defaults included), bytes as base64, field names of the .proto. */
export function renderObject(msg: protobuf.Message): Record<string, unknown> {
  return deploymentType().toObject(msg, { defaults: true, arrays: true, bytes: String, longs: Number });
}

export function readDeployment(file: string): Deployment {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new UserError(`${file}: cannot read the deployment file`);
  }
  return decodeDeployment(bytes, file);
}
