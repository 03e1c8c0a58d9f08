/**
 * Every decoder of a file a user may get from someone else, as the fuzz harness drives it: valid seed files,
 * how to mutate them (bytes, JSON, or JSON inside a binary container with its length or checksum made right
 * again, so the inner decoder is reached), and the same library calls the CLI makes on such a file. A new
 * decoder joins by adding an entry here.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  decodeModel,
  encodeModel,
  parseSafetensors,
  encodeSafetensors,
  type OutTensor,
} from '../../src/io/safetensors.js';
import { fromJson, toJson } from '../../src/net/json.js';
import { parseProfile, loadProfile } from '../../src/hardware/profile.js';
import { limitsOf } from '../../src/hardware/check.js';
import { mapNetwork } from '../../src/hardware/mapper.js';
import { decodeDeployment, deploymentObject, encodeDeployment } from '../../src/hardware/deploy.js';
import { encodeIdxImages, readIdxImages, readIdxLabels } from '../../src/io/idx.js';
import { parseDriveFile } from '../../src/sim/drive-file.js';
import { readRates, writeRates } from '../../src/sim/rates.js';
import { runPart } from '../../src/sim/run.js';
import { Simulator } from '../../src/sim/engine.js';
import { readTrainLog, readTrainState, Trainer, DEFAULT_TRAIN } from '../../src/train/trainer.js';
import { fromIpVae } from '../../src/frontends/ipvae.js';
import type { Network } from '../../src/net/network.js';
import { randomModel, testProjection } from '../helpers.js';
import { mutateBytes, mutateJson, rng } from './mutate.js';
import { hdf5Ready, readHdf5Sync, writeHdf5Sync, type H5Group, type H5Node } from '../../src/io/hdf5.js';
import { nirFromHdf5 } from '../../src/nir/ir.js';
import { fromNir } from '../../src/frontends/nir.js';
import { parseNpy } from '../../src/io/npy.js';
import { compareJson, readCompare } from '../../src/baselines/compare-file.js';
import { stat, COMPARE_FORMAT, COMPARE_VERSION } from '../../src/baselines/compare.js';

export interface Decoder {
  name: string;
  /** Valid files. */
  seeds: Uint8Array[];
  /** A mutated file from a seed. */
  mutate(seed: Uint8Array, r: ReturnType<typeof rng>): Uint8Array;
  /** What the CLI does with such a file; throws a UserError for bad input. */
  decode(bytes: Uint8Array, file: string): void | Promise<void>;
  /** The CLI command that reads such a file (at `file`), for the end-to-end oracle. */
  cli?(file: string, outDir: string): string[];
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const dir = mkdtempSync(join(tmpdir(), 'ipvae-fuzz-'));

/** A JSON file: JSON mutations mostly, raw byte mutations sometimes. */
const jsonMutate = (seed: Uint8Array, r: ReturnType<typeof rng>): Uint8Array => {
  if (r.chance(0.2)) return mutateBytes(seed, r);
  let t = dec(seed);
  for (let k = r.chance(0.7) ? 1 : 2 + r.int(2); k > 0; k--) {
    try {
      t = mutateJson(t, r);
    } catch {
      break; // a previous mutation made it invalid JSON: keep it
    }
  }
  return enc(t);
};

/** input (2, binary) -> lif (3) -> li (1): a small hand-made network. */
function smallNet(): Network {
  return {
    name: 'small',
    meta: { note: 'fuzz seed' },
    populations: [
      { name: 'in', model: 'input', size: 2, params: {}, formats: {} },
      { name: 'h', model: 'lif', size: 3, params: { vth: 2, du: 100, dv: Int32Array.of(1, 2, 3) }, formats: {} },
      { name: 'o', model: 'li', size: 1, params: { du: 4095 }, formats: {} },
    ],
    projections: [
      testProjection('in_h', 'in', 'h', [3, 0, 1, 5, 0, 2], 3, 2),
      testProjection('h_o', 'h', 'o', [1, 2, 3], 1, 3, { exponent: -1, delay: 2 }),
    ],
  };
}
const ipvaeNet = fromIpVae(randomModel(6, 4, 0.3, 3, 0.1)).net;

/** A safetensors file rebuilt with a JSON-mutated header (its length made right), or raw-mutated. */
function safetensorsMutate(seed: Uint8Array, r: ReturnType<typeof rng>): Uint8Array {
  if (r.chance(0.4)) return mutateBytes(seed, r);
  const n = Number(Buffer.from(seed).readBigUInt64LE(0));
  const header = dec(seed.subarray(8, 8 + n));
  let h: string;
  try {
    h = mutateJson(header, r);
  } catch {
    h = header;
  }
  const hb = enc(h),
    len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  return Buffer.concat([len, hb, seed.subarray(8 + n)]);
}

/** A training checkpoint: the model, Adamax moments and the training state. */
function checkpointSeed(): Uint8Array {
  const X = Float32Array.from({ length: 20 * 9 }, (_, i) => Math.sin(i));
  const tr = new Trainer(X, 20, 9, { ...DEFAULT_TRAIN, K: 4, tTrain: 3, beta: 1, epochs: 1, batch: 10, init: 'data' });
  return tr.checkpoint({ ipvae: 'fuzz' });
}

/** The checkpoint with its training-state metadata JSON-mutated, or a tensor's data or shape changed. */
function checkpointMutate(seed: Uint8Array, r: ReturnType<typeof rng>): Uint8Array {
  const f = parseSafetensors(seed, 'seed');
  const t = new Map<string, OutTensor>(
    [...f.tensors].map(([k, v]) => [k, { dtype: v.dtype === 'F64' ? 'F64' : 'F32', shape: v.shape, data: v.data }]),
  );
  const meta = { ...f.metadata };
  switch (r.int(4)) {
    case 0:
      try {
        meta.ipvae_train_state = mutateJson(meta.ipvae_train_state, r);
      } catch {
        meta.ipvae_train_state = '{';
      }
      break;
    case 1: {
      const k = r.pick([...t.keys()]);
      if (r.chance(0.5)) t.delete(k);
      else {
        const v = t.get(k)!;
        const len = r.pick([0, 1, v.data.length - 1, v.data.length + 1, v.data.length * 2]);
        t.set(k, {
          ...v,
          shape: [len],
          data: Array.from({ length: Math.max(0, len) }, () => r.pick([0, 1, NaN, Infinity, 1e308])),
        });
      }
      break;
    }
    case 2:
      return safetensorsMutate(seed, r);
    default:
      return mutateBytes(seed, r);
  }
  return encodeSafetensors([...t], meta);
}

/** Deployment bytes: the body mutated, then (mostly) a correct checksum appended so protobuf decoding is reached. */
function deployMutate(seed: Uint8Array, r: ReturnType<typeof rng>): Uint8Array {
  const body = mutateBytes(seed.subarray(0, seed.length - 34), r);
  if (r.chance(0.2)) return mutateBytes(seed, r);
  const sum = createHash('sha256').update(body).digest();
  return Buffer.concat([body, Buffer.from([(15 << 3) | 2, 32]), sum]);
}

/** IDX: raw or gzip, header fields set huge, bytes mutated, sometimes a gzip bomb. */
function idxMutate(seed: Uint8Array, r: ReturnType<typeof rng>): Uint8Array {
  const raw = Buffer.from(seed);
  const m = Buffer.from(r.chance(0.5) ? mutateBytes(raw, r) : raw);
  if (m.length >= 16 && r.chance(0.5)) m.writeUInt32BE(r.pick([0xffffffff, 4_200_000, 65536, 0, 1]), 4 + 4 * r.int(3));
  if (r.chance(0.4)) {
    if (r.chance(0.25))
      return Buffer.concat([gzipSync(m.subarray(0, 16)), gzipSync(Buffer.alloc(16 * 2 ** 20), { level: 1 })]);
    const gz = gzipSync(m);
    return r.chance(0.5) ? gz : mutateBytes(gz, r);
  }
  return m;
}

const driveNet = smallNet();

/** A .npy file (version 1) as numpy writes it: magic, version, header padded to 64 bytes, data. */
function npySeed(descr: string, shape: number[], values: number[]): Uint8Array {
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  h = h.padEnd(64 - 10 - 1) + '\n';
  const size = Number(descr.slice(2));
  const data = new Uint8Array(values.length * size);
  const dv = new DataView(data.buffer);
  values.forEach((v, i) => (descr[1] === 'f' ? dv.setFloat64(i * 8, v, true) : dv.setInt8(i, v)));
  const head = new Uint8Array(10);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
  const out = new Uint8Array(10 + h.length + data.length);
  out.set(head);
  out.set(enc(h), 10);
  out.set(data, 10 + h.length);
  return out;
}

await hdf5Ready();
const NIR_SEEDS = ['braille_noDelay_bias_zero', 'lif_norse', 'cnn_sinabs'].map(
  (f) => new Uint8Array(readFileSync(join(__dirname, '..', 'fixtures', 'nir', `${f}.nir`))),
);

/**
 * A NIR file mutated in its HDF5 tree (so the NIR checks are reached, not only HDF5's): a member removed, a
 * type or name changed, values made NaN, huge or negative, a shape made wrong, edges pointed elsewhere, an
 * unknown parameter added; sometimes raw bytes instead.
 */
function nirMutate(seed: Uint8Array, r: ReturnType<typeof rng>): Uint8Array {
  if (r.chance(0.15)) return mutateBytes(seed, r);
  const t = readHdf5Sync(seed, 'seed');
  const groups: H5Group[] = [];
  const datasets: Extract<H5Node, { kind: 'dataset' }>[] = [];
  const walk = (g: H5Group) => {
    groups.push(g);
    for (const c of g.children.values())
      if (c.kind === 'group') walk(c);
      else datasets.push(c);
  };
  walk(t);
  for (let k = 1 + r.int(3); k > 0; k--) {
    const g = r.pick(groups),
      d = r.pick(datasets);
    switch (r.int(8)) {
      case 0: {
        const keys = [...g.children.keys()];
        if (keys.length) g.children.delete(r.pick(keys));
        break;
      }
      case 1:
        if (d.type === 'string')
          d.value[r.int(d.value.length)] = r.pick(['LIF', 'Teleport', '', 'NIRGraph', 'x/y', 'fc1']);
        break;
      case 2:
        if (d.type !== 'string' && d.value.length)
          d.value[r.int(d.value.length)] = r.pick([NaN, Infinity, -1, 0, 1e300, 2 ** 60]);
        break;
      case 3:
        if (d.type !== 'string') {
          const n = r.int(5);
          d.shape = n ? [n] : [];
          d.value = Float64Array.from({ length: Math.max(1, n) }, () => r.int(7) - 2);
        }
        break;
      case 4:
        g.children.set(r.pick(['foo', 'input_type', 'v_reset', 'w_in', 'bias']), {
          kind: 'dataset',
          type: 'float',
          size: 8,
          shape: [2],
          value: Float64Array.of(1, 2),
        });
        break;
      case 5:
        if (d.type === 'string' && d.shape.length === 2)
          d.value[r.int(d.value.length)] = r.pick(['nope', 'input', 'output', 'lif2']);
        break;
      case 6: {
        const keys = [...g.children.keys()];
        if (keys.length) {
          const k2 = r.pick(keys);
          const c = g.children.get(k2)!;
          g.children.delete(k2);
          g.children.set(`${k2}_`, c);
        }
        break;
      }
      default:
        if (d.type !== 'string' && d.value.length)
          d.value = Float64Array.from(d.value, (x) => x * r.pick([-1, 0, 1e6]));
    }
  }
  try {
    return writeHdf5Sync(t);
  } catch {
    return mutateBytes(seed, r); // a tree HDF5 will not write: a byte mutation instead
  }
}

export const DECODERS: Decoder[] = [
  {
    name: 'safetensors model',
    seeds: [encodeModel(randomModel(6, 4, 0.3, 1, 0.1), { note: 'x' })],
    mutate: safetensorsMutate,
    decode: (b, file) => void decodeModel(b, file),
    cli: (file, out) => ['quantize', '--model', file, '--out', join(out, 'net.json')],
  },
  {
    name: 'network JSON',
    seeds: [enc(toJson(smallNet())), enc(toJson(ipvaeNet))],
    mutate: jsonMutate,
    decode: (b, file) => {
      const net = fromJson(dec(b), file);
      new Simulator(net, { engine: 'event', seed: 0 });
    },
    cli: (file, out) => ['map', '--net', file, '--profile', 'loihi2', '--out', join(out, 'map.pb')],
  },
  {
    name: 'profile JSON',
    seeds: ['loihi1', 'truenorth', 'generic'].map((p) =>
      readFileSync(join(__dirname, '..', '..', 'hardware', 'profiles', `${p}.json`)),
    ),
    mutate: jsonMutate,
    decode: (b, file) => void limitsOf(parseProfile(dec(b), file)),
    cli: (file, out) => ['map', '--net', join(dir, 'small.json'), '--profile', file, '--out', join(out, 'map.pb')],
  },
  {
    name: 'deployment .pb',
    seeds: [
      encodeDeployment(
        deploymentObject(smallNet(), mapNetwork(smallNet(), loadProfile('loihi1'), { strategy: 'traffic' }), 'spikes'),
      ),
    ],
    mutate: deployMutate,
    decode: (b, file) => void decodeDeployment(b, file),
    cli: (file) => ['inspect', file],
  },
  {
    name: 'IDX / IDX.gz',
    seeds: [
      encodeIdxImages(
        3,
        4,
        5,
        Uint8Array.from({ length: 60 }, (_, i) => (i * 37) & 255),
      ),
    ],
    mutate: idxMutate,
    decode: (b, file) => {
      writeFileSync(file, b);
      readIdxImages(file, { maxImages: 2 });
    },
    cli: (file) => [
      'simulate',
      '--net',
      join(dir, 'small20.json'),
      '--data',
      `idx:${file}`,
      '--samples',
      '2',
      '--steps',
      '3',
    ],
  },
  {
    // the label files of Fashion-MNIST (compare --ood fashion-mnist, IPVAE_FASHION_MNIST): magic 2049, n, bytes
    name: 'IDX labels',
    seeds: [Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 7]), Buffer.from([3, 1, 4, 1, 5, 9, 2])])],
    mutate: idxMutate,
    decode: (b, file) => {
      writeFileSync(file, b);
      readIdxLabels(file, { maxItems: 5 });
    },
  },
  {
    name: 'drive JSON',
    seeds: [
      enc(
        JSON.stringify([
          [1, 0],
          [0, 1],
          [1, 1],
        ]),
      ),
      enc(
        JSON.stringify({
          in: [
            [1, 0],
            [0, 0],
          ],
          h: [
            [5, -3, 2],
            [0, 0, 0],
          ],
        }),
      ),
    ],
    mutate: jsonMutate,
    decode: (b, file) => {
      const drives = parseDriveFile(dec(b), file, { fallback: () => 'in' });
      for (const [name, rows] of Object.entries(drives)) {
        const P = driveNet.populations.find((p) => p.name === name);
        if (!P || rows.some((r) => r.length !== P.size)) return; // the CLI refuses these before running
      }
      runPart(driveNet, { drives }, { steps: Object.values(drives)[0].length, seed: 0, engine: 'event' });
    },
    cli: (file) => ['simulate', '--net', join(dir, 'small.json'), '--drive', file, '--population', 'in'],
  },
  {
    name: 'rates JSON',
    seeds: [
      enc(
        writeRates(
          {
            spikes: { h: Float64Array.of(1, 2, 0), o: Float64Array.of(3) },
            events: { h: Float64Array.of(1, 1, 0), o: Float64Array.of(2) },
            inputs: 2,
            steps: 4,
          },
          { net: 'small.json', data: 'x', seed: 0 },
        ),
      ),
    ],
    mutate: jsonMutate,
    decode: (b, file) => void readRates(dec(b), file, smallNet(), 'spikes'),
    cli: (file, out) => ['map', '--net', join(dir, 'small.json'), '--rates', file, '--out', join(out, 'map.pb')],
  },
  {
    name: 'NIR .nir (HDF5)',
    seeds: NIR_SEEDS,
    mutate: nirMutate,
    decode: (b, file) => {
      const { graph } = nirFromHdf5(readHdf5Sync(b, file), file);
      fromNir(graph, file, { dt: 1e-4 });
    },
    cli: (file, out) => ['import', file, '--dt', '1e-4', '--out', join(out, 'net.json')],
  },
  {
    name: 'NumPy .npy drive',
    seeds: [npySeed('<i1', [6, 2], [0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1]), npySeed('<f8', [3, 2], [1, 0, 0, 1, 1, 1])],
    mutate: (seed, r) => {
      if (r.chance(0.3)) {
        // the header: its text edited (shape, dtype, order), its length kept
        const b = new Uint8Array(seed);
        const h = dec(b.subarray(10, 10 + (b[8] | (b[9] << 8))));
        const edited = h
          .replace(/\(\d+, \d+\)/, r.pick(['(99999999999, 2)', '(2, 2, 2)', '(-1, 2)', '()', '(3,)', '(6, 2)']))
          .replace(/'<[if]\d'/, r.pick(["'<i8'", "'>f4'", "'<c16'", "'|O'", "'<U3'", "'<f8'"]))
          .replace(/False|True/, r.pick(['True', 'False', 'Maybe']));
        const body = enc(edited.padEnd(h.length).slice(0, h.length));
        b.set(body, 10);
        return b;
      }
      return mutateBytes(seed, r);
    },
    decode: (b, file) => void parseNpy(b, file),
    cli: (file) => ['simulate', '--net', join(dir, 'small.json'), '--drive', file, '--population', 'in'],
  },
  {
    name: 'compare JSON',
    seeds: [
      enc(
        compareJson({
          format: COMPARE_FORMAT,
          version: COMPARE_VERSION,
          data: 'patches',
          latents: 8,
          budgetMinutes: 1,
          seeds: [0],
          steps: 50,
          evalInputs: 20,
          oodInputs: 20,
          probeInputs: 0,
          probeTestInputs: 0,
          integerBits: 8,
          runs: [
            {
              family: 'lca',
              knob: 0.5,
              seed: 0,
              r2: 0.8,
              pz: 0.7,
              d: 0.36,
              r2Map: 0.85,
              trainSeconds: 1,
              evalSeconds: 1,
              info: { iterations: 7 },
            },
            {
              family: 'ip-vae',
              knob: 0.5,
              seed: 0,
              r2: 0.8,
              pz: 0.8,
              d: 0.28,
              r2Map: 0.85,
              trainSeconds: 1,
              evalSeconds: 1,
              info: { iterations: 3, sparseIterations: 9, eta: 0.1 },
            },
          ],
          families: [
            {
              family: 'lca',
              label: 'LCA',
              kind: 'iterative',
              knobName: 'lambda',
              bestKnob: 0.5,
              r2: stat([0.8]),
              pz: stat([0.7]),
              d: stat([0.36]),
              r2Map: stat([0.85]),
              ood: [],
              probe: null,
              integer: { bits: 8, r2: stat([0.79]), pz: stat([0.71]) },
              paper: null,
              choices: ['x'],
            },
          ],
          seconds: 2,
        }),
      ),
    ],
    mutate: jsonMutate,
    decode: (b, file) => void readCompare(dec(b), file),
  },
  {
    name: 'checkpoint + log',
    seeds: [checkpointSeed()],
    mutate: (seed, r) =>
      r.chance(0.2) ? enc(JSON.stringify(r.pick([[], [{ iteration: 1 }], {}, 5, 'x']))) : checkpointMutate(seed, r),
    decode: (b, file) => {
      if (b[0] === 0x5b || b[0] === 0x7b || b.length < 8 || (b[0] > 0x20 && b[0] < 0x7f && b[1] > 0x20)) {
        // a log (or something pretending to be one)
        readTrainLog(dec(b), file);
        return;
      }
      const f = parseSafetensors(b, file);
      readTrainState(f.metadata, file);
      decodeModel(b, file);
      const X = Float32Array.from({ length: 20 * 9 }, (_, i) => Math.sin(i));
      new Trainer(
        X,
        20,
        9,
        { ...DEFAULT_TRAIN, K: 4, tTrain: 3, beta: 1, epochs: 1, batch: 10, init: 'data' },
        b,
        undefined,
        file,
      );
    },
  },
];

// files the CLI commands above refer to
writeFileSync(join(dir, 'small.json'), toJson(smallNet()));
writeFileSync(
  join(dir, 'small20.json'),
  toJson({
    ...smallNet(),
    populations: smallNet().populations.map((p, i) => (i === 0 ? { ...p, size: 20 } : p)),
    projections: [],
  }),
);
