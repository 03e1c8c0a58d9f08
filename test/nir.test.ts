/**
 * NIR: reading the files other tools wrote (Norse, Sinabs, snnTorch; test/fixtures/nir), writing them back
 * with identical arrays, the layout checked by another HDF5 implementation (Debian's python3-h5py), the
 * discretisation against hand-computed values, import -> simulate -> map -> energy end to end, and every
 * kind of bad file refused with one line and exit 2.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNir, writeNir } from '../src/nir/file.js';
import { isGraph, tensor, type NirGraph, type NirNode, type NirTensor } from '../src/nir/ir.js';
import { readHdf5, writeHdf5 } from '../src/io/hdf5.js';
import { loadModel } from '../src/io/safetensors.js';
import { exactLifDirac, exactLifSpikes, fromNir, planNir, simulateNirFloat } from '../src/frontends/nir.js';
import { probeResult, runNetwork } from '../src/sim/run.js';
import { linearOf, type Mat } from '../src/nir/linear.js';
import fc from 'fast-check';

const ROOT = join(__dirname, '..');
const FIX = join(ROOT, 'test', 'fixtures', 'nir');
const CLI = join(ROOT, 'bin', 'ipvae.js');
const run = (...a: string[]) => spawnSync(process.execPath, [CLI, ...a], { encoding: 'utf8' });
const PUBLIC = ['lif_norse', 'cnn_sinabs', 'braille_noDelay_bias_zero', 'braille_noDelay_noBias_subtract'];

const node = (g: NirGraph, k: string) => g.nodes.get(k) as NirNode;

describe('NIR files written by other tools', () => {
  it('read with their types and shapes (hand-checked against the files)', async () => {
    const b = (await readNir(join(FIX, 'braille_noDelay_bias_zero.nir'))).graph;
    expect([...b.nodes.keys()].sort()).toEqual(['fc1', 'fc2', 'input', 'lif1.lif', 'lif1.w_rec', 'lif2', 'output']);
    expect(node(b, 'lif1.lif').type).toBe('CubaLIF');
    expect((node(b, 'fc1').params.weight as { shape: number[] }).shape).toEqual([38, 12]);
    expect(b.edges).toContainEqual(['lif1.w_rec', 'lif1.lif']);
    expect(b.edges).toContainEqual(['lif1.lif', 'lif1.w_rec']);
    const c = await readNir(join(FIX, 'cnn_sinabs.nir'));
    expect(c.version).toBe('0.2.0');
    expect(node(c.graph, '0').type).toBe('Conv2d');
    const r = run('inspect', join(FIX, 'cnn_sinabs.nir'));
    expect(r.status, r.stderr).toBe(0);
    // Conv2d 5x5, stride 2, padding 1 on 34x34: floor((34 + 2 - 4 - 1) / 2 + 1) = 16; pooling 2 halves it
    expect(r.stdout).toMatch(/^ +0 +Conv2d +\[16, 16, 16\]/m);
    expect(r.stdout).toMatch(/^ +4 +SumPool2d +\[16, 8, 8\]/m);
    expect(r.stdout).toMatch(/^ +8 +Flatten +\[128\]/m);
  });

  it('written back: the same nodes, edges, arrays and types', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-'));
    try {
      for (const f of PUBLIC) {
        const a = await readNir(join(FIX, `${f}.nir`));
        await writeNir(join(dir, `${f}.nir`), a.graph);
        const b = await readNir(join(dir, `${f}.nir`));
        const same = (x: NirGraph, y: NirGraph): void => {
          expect([...y.nodes.keys()]).toEqual([...x.nodes.keys()]);
          expect(y.edges).toEqual(x.edges);
          for (const [k, n] of x.nodes) {
            const m = y.nodes.get(k)!;
            expect(m.type).toBe(n.type);
            if (isGraph(n)) same(n, m as NirGraph);
            else expect((m as NirNode).params).toEqual(n.params);
          }
        };
        same(a.graph, b.graph);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the layout NIR's reference writer produces, as another HDF5 implementation reads it (python3-h5py)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-py-'));
    try {
      const a = await readNir(join(FIX, 'braille_noDelay_bias_zero.nir'));
      const f = join(dir, 'b.nir');
      await writeNir(f, a.graph);
      const py = `
import h5py, sys
f = h5py.File(sys.argv[1], 'r')
assert f.attrs.keys().__len__() == 0
v = f['version']; assert v.shape == () and h5py.check_string_dtype(v.dtype).encoding == 'utf-8'
n = f['node']; assert n['type'][()] == b'NIRGraph'
e = n['edges']; assert e.shape == (7, 2) and h5py.check_string_dtype(e.dtype).encoding == 'utf-8'
for name, g in n['nodes'].items():
    t = g['type']; assert t.shape == () and h5py.check_string_dtype(t.dtype) is not None
    for k, d in g.items():
        assert len(d.attrs) == 0
w = n['nodes']['fc1']['weight']; assert w.dtype.name == 'float32' and w.shape == (38, 12)
s = n['nodes']['input']['shape']; assert s.dtype.name == 'int64' and list(s[()]) == [12]
r = n['nodes']['lif1.lif']['r']; assert r.dtype.name == 'float64'
print('ok', sorted(n['nodes'].keys()))
`;
      const r = spawnSync('python3', ['-c', py, f], {
        encoding: 'utf8',
        env: { ...process.env, PYENV_VERSION: 'system' },
      });
      expect(r.stderr, 'needs Debian python3-h5py (.ci/run installs it)').toBe('');
      expect(r.stdout).toMatch(/^ok \['fc1', 'fc2', 'input', 'lif1.lif', 'lif1.w_rec', 'lif2', 'output'\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('import: discretisation (hand-computed on the Norse LIF)', () => {
  it('zoh: dv = round(4096 (1 - exp(-dt / tau))), threshold and weight on one power-of-two scale', async () => {
    // tau 2.5 ms, dt 0.1 ms: a = exp(-0.04) = 0.9607894, dv = round(160.61) = 161; gain (1 - a) r = 0.0392106;
    // threshold 0.1 is the largest value: scale 2^floor(log2(65536 / 0.1)) = 2^19, vth = round(52428.8) = 52429;
    // weight 1 x 0.0392106 x 2^19 = 20557.6: 8 bits, exponent ceil(log2(20557.6 / 127)) = 8, mantissa 80
    const { graph } = await readNir(join(FIX, 'lif_norse.nir'));
    const { net, report } = fromNir(graph, 'lif_norse.nir', { dt: 1e-4 });
    const lif = net.populations.find((p) => p.model === 'lif')!;
    expect([...(lif.params.dv as Int32Array)]).toEqual([161]);
    expect([...(lif.params.du as Int32Array)]).toEqual([4095]);
    expect([...(lif.params.vth as Int32Array)]).toEqual([52429]);
    expect(report.populations[0].scale).toBe(19);
    const w = net.projections.find((p) => p.target === lif.name)!;
    expect([w.exponent, [...w.weights]]).toEqual([8, [80]]);
    const euler = fromNir(graph, 'lif_norse.nir', { dt: 1e-4, discretisation: 'euler' }).net;
    expect([...(euler.populations.find((p) => p.model === 'lif')!.params.dv as Int32Array)]).toEqual([164]); // 4096 x 0.04
  });

  it('a nested graph imports as its flat equivalent (names joined)', async () => {
    const { graph } = await readNir(join(FIX, 'braille_noDelay_noBias_subtract.nir'));
    // nest lif1.lif and lif1.w_rec into a subgraph "lif1" with its own Input and Output
    const inner: NirGraph = {
      type: 'NIRGraph',
      nodes: new Map<string, NirNode | NirGraph>([
        ['input', { type: 'Input', params: { shape: tensor([40], [1], 'int', 8) } }],
        ['lif', graph.nodes.get('lif1.lif')!],
        ['w_rec', graph.nodes.get('lif1.w_rec')!],
        ['output', { type: 'Output', params: { shape: tensor([40], [1], 'int', 8) } }],
      ]),
      edges: [
        ['input', 'lif'],
        ['lif', 'w_rec'],
        ['w_rec', 'lif'],
        ['lif', 'output'],
      ],
    };
    const nested: NirGraph = {
      type: 'NIRGraph',
      nodes: new Map<string, NirNode | NirGraph>([
        ['input', graph.nodes.get('input')!],
        ['fc1', graph.nodes.get('fc1')!],
        ['lif1', inner],
        ['fc2', graph.nodes.get('fc2')!],
        ['lif2', graph.nodes.get('lif2')!],
        ['output', graph.nodes.get('output')!],
      ]),
      edges: [
        ['input', 'fc1'],
        ['fc1', 'lif1'],
        ['lif1', 'fc2'],
        ['fc2', 'lif2'],
        ['lif2', 'output'],
      ],
    };
    const flat = fromNir(graph, 'flat', { dt: 1e-4 }).net;
    const deep = fromNir(nested, 'nested', { dt: 1e-4 }).net;
    const weights = (n: typeof flat) => n.projections.map((p) => [p.exponent, [...p.weights]]);
    expect(weights(deep)).toEqual(weights(flat));
    expect(deep.populations.map((p) => p.name)).toEqual(['input', 'lif1.lif', 'lif2']);
  });
});

describe('import end to end: simulate, map, price', () => {
  it("Norse's LIF: import, simulate, map onto loihi1, price", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-norse-'));
    try {
      const net = join(dir, 'n.json'),
        pb = join(dir, 'n.pb'),
        drive = join(dir, 'd.json');
      writeFileSync(drive, JSON.stringify({ input: Array.from({ length: 300 }, (_, t) => [+(t % 3 === 0)]) }));
      expect(run('import', join(FIX, 'lif_norse.nir'), '--dt', '1e-4', '--out', net).status).toBe(0);
      const sim = JSON.parse(run('simulate', '--net', net, '--drive', drive, '--json').stdout);
      expect(sim.counters.spikes).toBeGreaterThan(0);
      expect(run('map', '--net', net, '--profile', 'loihi1', '--out', pb).status).toBe(0);
      const e = JSON.parse(run('energy', '--deploy', pb, '--net', net, '--drive', drive, '--json').stdout);
      expect(e.components.find((c: { event: string }) => c.event === 'spike_out').count_per_inference).toBe(
        sim.counters.spikes,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("snnTorch's recurrent CubaLIF braille network and Norse's LIF", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-e2e-'));
    try {
      const drive = join(dir, 'drive.json');
      writeFileSync(
        drive,
        JSON.stringify({
          input: Array.from({ length: 100 }, (_, t) =>
            Array.from({ length: 12 }, (_, i) => +((t * 7 + i * 3) % 5 === 0)),
          ),
        }),
      );
      for (const f of ['braille_noDelay_bias_zero', 'braille_noDelay_noBias_subtract']) {
        const net = join(dir, `${f}.json`),
          pb = join(dir, `${f}.pb`);
        const imp = run('import', join(FIX, `${f}.nir`), '--dt', '1e-4', '--out', net, '--json');
        expect(imp.status, imp.stderr).toBe(0);
        expect(JSON.parse(imp.stdout).latency_steps).toEqual({ output: 2 });
        const sim = run('simulate', '--net', net, '--drive', drive, '--json');
        expect(sim.status, sim.stderr).toBe(0);
        const c = JSON.parse(sim.stdout).counters;
        expect(c.spikes).toBeGreaterThan(0);
        expect(c.saturations).toBe(0); // the scale leaves the registers headroom on any input
        expect(run('map', '--net', net, '--profile', 'loihi1', '--out', pb).status).toBe(0);
        const e = run('energy', '--deploy', pb, '--net', net, '--drive', drive, '--json');
        expect(e.status, e.stderr).toBe(0);
        expect(JSON.parse(e.stdout).energy_per_inference_pj).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad NIR files: one line, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-bad-'));
  const one = (file: string, ...extra: string[]) => {
    const r = run('import', file, '--dt', '1e-4', ...extra);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ipvae: /);
    return r.stderr;
  };
  /** The braille file with one edit to its HDF5 tree. */
  const edited = async (name: string, edit: (nodes: Map<string, unknown>, root: Map<string, unknown>) => void) => {
    const t = await readHdf5(readFileSync(join(FIX, 'braille_noDelay_bias_zero.nir')), 'b');
    const root = (t.children.get('node') as { children: Map<string, unknown> }).children;
    edit((root.get('nodes') as { children: Map<string, unknown> }).children, root);
    const f = join(dir, name);
    writeFileSync(f, await writeHdf5(t));
    return f;
  };

  it('not HDF5, truncated, a dataset of 2^40 values (refused before reading)', () => {
    const txt = join(dir, 'x.nir');
    writeFileSync(txt, 'not hdf5');
    expect(one(txt)).toMatch(/x\.nir: not an HDF5 file/);
    const cut = join(dir, 'cut.nir');
    writeFileSync(cut, readFileSync(join(FIX, 'lif_norse.nir')).subarray(0, 5000));
    expect(one(cut)).toMatch(/cut\.nir: cannot open it as HDF5 \(truncated file/);
    expect(one(join(FIX, 'huge-dataset.nir'))).toMatch(
      /shape \[1048576, 1048576\], more than .* \(refused before reading\)/,
    );
  });

  it('an unknown node type, a missing parameter, a dangling edge, a shape mismatch along an edge', async () => {
    const type = (s: string) => ({ kind: 'dataset', type: 'string', size: 0, shape: [], value: [s] });
    const unknown = await edited('unknown.nir', (n) => {
      (n.get('lif2') as { children: Map<string, unknown> }).children.set('type', type('Teleport'));
    });
    expect(one(unknown)).toMatch(/"node\.lif2": unknown node type "Teleport"/);
    const missing = await edited('missing.nir', (n) => {
      (n.get('lif2') as { children: Map<string, unknown> }).children.delete('tau_mem');
    });
    expect(one(missing)).toMatch(/"node\.lif2": CubaLIF is missing its parameter tau_mem/);
    const dangling = await edited('dangling.nir', (_n, root) => {
      const e = root.get('edges') as { value: string[] };
      e.value = e.value.map((x) => (x === 'fc2' ? 'fc9' : x));
    });
    expect(one(dangling)).toMatch(/an edge names "fc9", which is not a node of the graph/);
    const mismatch = await edited('mismatch.nir', (n) => {
      const w = (n.get('fc2') as { children: Map<string, { shape: number[]; value: Float64Array }> }).children;
      w.get('weight')!.shape = [7, 19];
      w.get('weight')!.value = w.get('weight')!.value.subarray(0, 7 * 19);
    });
    expect(one(mismatch)).toMatch(/"node\.fc2": its input has 38 values \(\[38\]\), the weight takes 19/);
  });

  it('a feature this version does not import names the node and the feature; no --dt names the fix', async () => {
    // Threshold imports (a stateless step); under --spikes dirac (pulses, not held values) it has no meaning
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-feature-'));
    try {
      const thr = join(dir, 'threshold.nir');
      await writeNir(thr, {
        type: 'NIRGraph',
        nodes: new Map<string, NirNode>([
          ['input', { type: 'Input', params: { shape: tensor([2], [1], 'int', 8) } }],
          ['step', { type: 'Threshold', params: { threshold: tensor([0.5, 1], [2], 'float', 8) } }],
          ['output', { type: 'Output', params: { shape: tensor([2], [1], 'int', 8) } }],
        ]),
        edges: [
          ['input', 'step'],
          ['step', 'output'],
        ],
      });
      expect(run('import', thr, '--dt', '1e-4').status).toBe(0);
      expect(one(thr, '--spikes', 'dirac')).toMatch(
        /threshold\.nir: "step": --spikes dirac takes LIF, IF, LI and I nodes; Threshold is not one/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = run('import', join(FIX, 'lif_norse.nir'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/states no time step; give --dt/);
  });
});

describe('convolutions and pooling as sparse matrices, against a direct float64 reference', () => {
  /** The reference: pad the input explicitly, then slide the kernel (channels first, PyTorch's conv). */
  function directConv(
    x: Float64Array,
    [C, H, W]: number[],
    w: Float64Array,
    [CO, CIG, KH, KW]: number[],
    o: { stride: number[]; pad: number[]; dil: number[]; groups: number; bias: Float64Array },
  ): { y: Float64Array; shape: number[] } {
    const [ph, pw] = o.pad,
      HP = H + 2 * ph,
      WP = W + 2 * pw;
    const xp = new Float64Array(C * HP * WP);
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) xp[(c * HP + i + ph) * WP + j + pw] = x[(c * H + i) * W + j];
    const OH = Math.floor((HP - o.dil[0] * (KH - 1) - 1) / o.stride[0]) + 1,
      OW = Math.floor((WP - o.dil[1] * (KW - 1) - 1) / o.stride[1]) + 1;
    const y = new Float64Array(CO * OH * OW);
    for (let co = 0; co < CO; co++) {
      const g = Math.floor(co / (CO / o.groups));
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let acc = o.bias[co];
          for (let ci = 0; ci < CIG; ci++)
            for (let a = 0; a < KH; a++)
              for (let b = 0; b < KW; b++)
                acc +=
                  w[((co * CIG + ci) * KH + a) * KW + b] *
                  xp[((g * CIG + ci) * HP + i * o.stride[0] + a * o.dil[0]) * WP + j * o.stride[1] + b * o.dil[1]];
          y[(co * OH + i) * OW + j] = acc;
        }
    }
    return { y, shape: [CO, OH, OW] };
  }
  const apply = (m: Mat, x: Float64Array) => {
    const y = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) {
      y[i] = m.bias?.[i] ?? 0;
      for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) y[i] += m.val[p] * x[m.idx[p]];
    }
    return y;
  };

  it('Conv2d with strides, padding, dilation and groups (property: random shapes and values)', () => {
    fc.assert(
      fc.property(
        fc.record({
          groups: fc.constantFrom(1, 2),
          cig: fc.integer({ min: 1, max: 3 }),
          cog: fc.integer({ min: 1, max: 3 }),
          H: fc.integer({ min: 3, max: 9 }),
          W: fc.integer({ min: 3, max: 9 }),
          KH: fc.integer({ min: 1, max: 3 }),
          KW: fc.integer({ min: 1, max: 3 }),
          s: fc.integer({ min: 1, max: 2 }),
          p: fc.integer({ min: 0, max: 2 }),
          d: fc.integer({ min: 1, max: 2 }),
          seed: fc.integer(),
        }),
        (c) => {
          const C = c.cig * c.groups,
            CO = c.cog * c.groups;
          if (c.H + 2 * c.p - c.d * (c.KH - 1) - 1 < 0 || c.W + 2 * c.p - c.d * (c.KW - 1) - 1 < 0) return;
          let r = c.seed >>> 0;
          const rnd = () => ((r = (Math.imul(r, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
          const w = Float64Array.from({ length: CO * c.cig * c.KH * c.KW }, rnd);
          const bias = Float64Array.from({ length: CO }, rnd);
          const x = Float64Array.from({ length: C * c.H * c.W }, rnd);
          const node: NirNode = {
            type: 'Conv2d',
            params: {
              weight: tensor(w, [CO, c.cig, c.KH, c.KW], 'float', 8),
              bias: tensor(bias, [CO], 'float', 8),
              stride: tensor([c.s, c.s], [2], 'int', 8),
              padding: tensor([c.p, c.p], [2], 'int', 8),
              dilation: tensor([c.d, c.d], [2], 'int', 8),
              groups: tensor([c.groups], [], 'int', 8),
              input_shape: tensor([c.H, c.W], [2], 'int', 8),
            },
          };
          const m = linearOf(node, [C, c.H, c.W], 'conv', 't');
          const ref = directConv(x, [C, c.H, c.W], w, [CO, c.cig, c.KH, c.KW], {
            stride: [c.s, c.s],
            pad: [c.p, c.p],
            dil: [c.d, c.d],
            groups: c.groups,
            bias,
          });
          expect(m.shape).toEqual(ref.shape);
          const y = apply(m, x);
          for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(ref.y[i], 10);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('"same" padding keeps the size; SumPool2d and AvgPool2d add their windows', () => {
    const w = Float64Array.from({ length: 9 }, (_, i) => i + 1);
    const same: NirNode = {
      type: 'Conv2d',
      params: {
        weight: tensor(w, [1, 1, 3, 3], 'float', 8),
        bias: tensor([0], [1], 'float', 8),
        stride: tensor([1, 1], [2], 'int', 8),
        padding: 'same',
        dilation: tensor([1, 1], [2], 'int', 8),
        groups: tensor([1], [], 'int', 8),
        input_shape: tensor([4, 4], [2], 'int', 8),
      },
    };
    const m = linearOf(same, [1, 4, 4], 'same', 't');
    expect(m.shape).toEqual([1, 4, 4]);
    const x = Float64Array.from({ length: 16 }, (_, i) => i);
    const ref = directConv(x, [1, 4, 4], w, [1, 1, 3, 3], {
      stride: [1, 1],
      pad: [1, 1],
      dil: [1, 1],
      groups: 1,
      bias: Float64Array.of(0),
    });
    expect(Array.from(apply(m, x))).toEqual(Array.from(ref.y));
    const pool = (type: string): NirNode => ({
      type,
      params: {
        kernel_size: tensor([2, 2], [2], 'int', 8),
        stride: tensor([2, 2], [2], 'int', 8),
        padding: tensor([0, 0], [2], 'int', 8),
      },
    });
    // x = 0..15 on 4x4: the 2x2 windows sum to 10, 18, 42, 50 (hand-computed)
    expect(Array.from(apply(linearOf(pool('SumPool2d'), [1, 4, 4], 'p', 't'), x))).toEqual([10, 18, 42, 50]);
    expect(Array.from(apply(linearOf(pool('AvgPool2d'), [1, 4, 4], 'p', 't'), x))).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it("Sinabs's convolutional network imports (Conv2d, IF, SumPool2d, Flatten, Affine), simulates, maps and is priced", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-cnn-'));
    try {
      const net = join(dir, 'cnn.json');
      const imp = run('import', join(FIX, 'cnn_sinabs.nir'), '--dt', '1', '--out', net, '--json');
      expect(imp.status, imp.stderr).toBe(0);
      expect(JSON.parse(imp.stdout).latency_steps).toEqual({ output: 5 });
      const j = JSON.parse(readFileSync(net, 'utf8'));
      expect(j.populations.map((p: { size: number }) => p.size)).toEqual([2 * 34 * 34, 4096, 256, 10, 4096, 512]);
      const drive = join(dir, 'd.json');
      writeFileSync(
        drive,
        JSON.stringify({
          input: Array.from({ length: 20 }, (_, t) =>
            Array.from({ length: 2312 }, (_, i) => +((i * 7 + t * 13) % 11 === 0)),
          ),
        }),
      );
      const sim = run('simulate', '--net', net, '--drive', drive, '--json');
      expect(sim.status, sim.stderr).toBe(0);
      const pb = join(dir, 'cnn.pb');
      expect(run('map', '--net', net, '--profile', 'loihi2', '--out', pb).status).toBe(0);
      const e = run('energy', '--deploy', pb, '--net', net, '--drive', drive, '--json');
      expect(e.status, e.stderr).toBe(0);
      expect(
        JSON.parse(e.stdout).components.find((c: { event: string }) => c.event === 'synapse').count_per_inference,
      ).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('export --format nir and the round trips', () => {
  it('import -> export -> import gives the same Network bytes; export -> import -> export the same arrays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-rt-'));
    try {
      for (const [f, dt] of [
        ['lif_norse', '1e-4'],
        ['braille_noDelay_bias_zero', '1e-4'],
        ['braille_noDelay_noBias_subtract', '1e-4'],
        ['cnn_sinabs', '1'],
      ]) {
        const n1 = join(dir, `${f}-1.json`),
          n2 = join(dir, `${f}-2.json`),
          a = join(dir, `${f}-a.nir`),
          b = join(dir, `${f}-b.nir`);
        expect(run('import', join(FIX, `${f}.nir`), '--dt', dt, '--out', n1).status).toBe(0);
        const e = run('export', '--format', 'nir', '--net', n1, '--out', a);
        expect(e.status, e.stderr).toBe(0);
        expect(run('import', a, '--out', n2).status).toBe(0); // dt and discretisation come from the file
        expect(readFileSync(n2, 'utf8'), f).toBe(readFileSync(n1, 'utf8'));
        expect(run('export', '--format', 'nir', '--net', n2, '--out', b).status).toBe(0);
        // every array of every node: type, shape and a digest of its values (the CNN's are 16 M values)
        const digest = async (file: string) => {
          const g = (await readNir(file)).graph;
          return [...g.nodes].map(([k, n]) => [
            k,
            n.type,
            Object.entries((n as NirNode).params).map(([p, v]) =>
              typeof v === 'string'
                ? [p, v]
                : [
                    p,
                    v.type,
                    v.size,
                    v.shape,
                    createHash('sha256').update(new Uint8Array(v.data.buffer)).digest('hex'),
                  ],
            ),
          ]);
        };
        expect(await digest(b), f).toEqual(await digest(a));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('any Network of IF/LIF/LI populations: exported and imported back it spikes the same (examples/sanafe-check)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-if-'));
    try {
      const ex = join(ROOT, 'examples', 'sanafe-check');
      const f = join(dir, 'if.nir'),
        back = join(dir, 'back.json');
      expect(run('export', '--format', 'nir', '--net', join(ex, 'net.json'), '--out', f).status).toBe(0);
      expect(run('import', f, '--out', back).status).toBe(0);
      const sha = (net: string) =>
        JSON.parse(run('simulate', '--net', net, '--drive', join(ex, 'drive.json'), '--json').stdout).spikes_sha256;
      expect(sha(back)).toBe(sha(join(ex, 'net.json')));
      // a model NIR has no node for is refused with one line
      const model = join(ROOT, 'models', 'patches-k512.safetensors');
      const p = join(dir, 'p.json');
      expect(run('quantize', '--model', model, '--out', p).status).toBe(0);
      const r = run('export', '--format', 'nir', '--net', p, '--out', join(dir, 'p.nir'));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^ipvae: .*p\.json: population "z" \(model ipvae\) has no NIR equivalent here/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a single NIR LIF neuron against its exact solution (dt = 1e-4)', () => {
  // tau 5 ms, r 1, threshold 1; Dirac input spikes (the NIR paper's definition) of weight 0.003 move v by
  // r w / tau = 0.6 each: two within about 18.8 steps make a spike, so the spike times test the decay
  const dt = 1e-4,
    tau = 5e-3,
    w = 0.003,
    T = 20000;
  const graph = (): NirGraph => ({
    type: 'NIRGraph',
    nodes: new Map<string, NirNode>([
      ['input', { type: 'Input', params: { shape: tensor([1], [1], 'int', 8) } }],
      ['w', { type: 'Linear', params: { weight: tensor([w], [1, 1], 'float', 8) } }],
      [
        'lif',
        {
          type: 'LIF',
          params: {
            tau: tensor([tau], [1], 'float', 8),
            r: tensor([1], [1], 'float', 8),
            v_leak: tensor([0], [1], 'float', 8),
            v_threshold: tensor([1], [1], 'float', 8),
          },
        },
      ],
      ['output', { type: 'Output', params: { shape: tensor([1], [1], 'int', 8) } }],
    ]),
    edges: [
      ['input', 'w'],
      ['w', 'lif'],
      ['lif', 'output'],
    ],
  });
  let seed = 7;
  const rows = Array.from({ length: T }, () => [
    (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 < 0.05 ? 1 : 0,
  ]);
  // row k is emitted at step k + 1 and moves v at the end of step k + 2 (one step per edge): time (k + 2) dt
  const inputs = rows.flatMap((r, k) => (r[0] ? [{ t: (k + 2) * dt, w }] : []));
  const exact = exactLifDirac({ tau, r: 1, vLeak: 0, vThreshold: 1, vReset: 0 }, inputs, T * dt).map((t) =>
    Math.round(t / dt),
  );

  it("the float64 reference spikes at exactly the exact solution's steps", () => {
    expect(exact.length).toBeGreaterThan(300);
    const f = simulateNirFloat(planNir(graph(), 'g', { dt, spikes: 'dirac' }), { input: rows }).get('lif')!;
    const steps: number[] = [];
    f.forEach((x, i) => x && steps.push(i + 1));
    expect(steps).toEqual(exact);
  });

  it('the integer network (12-bit decay, 8-bit weight) spikes within one step of it, every spike', async () => {
    const { net } = fromNir(graph(), 'g', { dt, spikes: 'dirac' });
    const r = await runNetwork(
      net,
      { drives: { input: rows } },
      {
        steps: T,
        seed: 0,
        engine: 'event',
        workers: 1,
        probes: [{ kind: 'trace', population: 'lif', variables: ['out'] }],
      },
    );
    const out = probeResult(r, 'trace').values.out;
    const steps: number[] = [];
    for (let t = 1; t <= T; t++) if (out[t]) steps.push(t);
    expect(steps.length).toBe(exact.length);
    for (let i = 0; i < steps.length; i++) expect(Math.abs(steps[i] - exact[i])).toBeLessThanOrEqual(1);
  });

  it('held spikes (1 for a step) and an input held over steps: the exact solution crosses inside a step', () => {
    // a current held over whole steps: a crossing inside step k is reported at step k by the discrete model
    const current = Array.from({ length: 400 }, (_, k) => (k % 100 < 30 ? 1.2 : 0));
    const ex = exactLifSpikes({ tau, r: 1, vLeak: 0, vThreshold: 1, vReset: 0 }, current, dt);
    // v relaxes towards 1.2: it crosses 1 at tau ln(1.2 / 0.2) = 8.96 ms, after the 3 ms pulse ends: no spike
    expect(ex).toEqual([]);
    const strong = exactLifSpikes({ tau, r: 1, vLeak: 0, vThreshold: 1, vReset: 0 }, new Array(100).fill(3), dt);
    // towards 3: the first crossing at tau ln(3 / 2) = 2.027 ms, then every 2.027 ms (reset to 0, same current)
    expect(strong[0]).toBeCloseTo(tau * Math.log(1.5), 12);
    expect(strong[1] - strong[0]).toBeCloseTo(tau * Math.log(1.5), 12);
  });
});

describe('validate --nir and .npy drives', () => {
  it('a .npy drive written by numpy reads as the JSON one; validate --nir prints the agreement per width', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-npy-'));
    try {
      const py = `
import numpy as np, json, sys
rng = np.random.default_rng(3)
a = (rng.random((120, 12)) < 0.3)
np.save(sys.argv[1] + '/d.npy', a.astype(np.int8))
np.save(sys.argv[1] + '/f.npy', np.asfortranarray(a.astype('>i4')))
np.save(sys.argv[1] + '/b.npy', a)
np.save(sys.argv[1] + '/x.npy', a.astype(np.float64) * 0.5)
json.dump({'input': a.astype(int).tolist()}, open(sys.argv[1] + '/d.json', 'w'))
`;
      const p = spawnSync('python3', ['-c', py, dir], {
        encoding: 'utf8',
        env: { ...process.env, PYENV_VERSION: 'system' },
      });
      expect(p.stderr, 'needs Debian python3-numpy (.ci/run installs it)').toBe('');
      const nir = join(FIX, 'braille_noDelay_noBias_subtract.nir');
      const v = (drive: string) =>
        run('validate', '--nir', nir, '--dt', '1e-4', '--drive', join(dir, drive), '--weight-bits', '8,16', '--json');
      const ref = v('d.json');
      expect(ref.status, ref.stderr).toBe(0);
      for (const f of ['d.npy', 'f.npy', 'b.npy']) expect(v(f).stdout, f).toBe(ref.stdout.replace(/d\.json/g, f));
      const j = JSON.parse(ref.stdout);
      expect(j.rows.map((r: { bits: number }) => r.bits)).toEqual([8, 16]);
      for (const r of j.rows) {
        expect(r.spikes_float).toBeGreaterThan(0);
        expect(r.count_correlation).toBeGreaterThan(0.5);
      }
      // 16-bit weights agree with the float64 reference more closely than 8-bit ones
      expect(j.rows[1].mean_spike_time_error_steps).toBeLessThanOrEqual(j.rows[0].mean_spike_time_error_steps);
      const bad = v('x.npy');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/x\.npy: step 1 must hold integers only/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the iP-VAE as NIR (its deterministic skeleton)', () => {
  it('export --model: W_ff = Phi^T Sigma^-1 and -W_rec = -Phi^T Sigma^-1 Phi (float64 by hand), the sampler in metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-ipvae-'));
    try {
      const f = join(dir, 'ipvae.nir');
      const m = join(ROOT, 'models', 'patches-k512.safetensors');
      const e = run('export', '--format', 'nir', '--model', m, '--out', f);
      expect(e.status, e.stderr).toBe(0);
      const { graph } = await readNir(f);
      expect(graph.edges).toContainEqual(['W_rec', 'u']);
      expect(node(graph, 'u').type).toBe('I');
      const p = loadModel(m);
      const { D, K } = p;
      const wv = (d: number) => Math.exp(-2 * 3.45 * Math.tanh(p.s[d] / 3.45)); // 1 / sigma_d^2
      const wff = (node(graph, 'W_ff').params.weight as { data: Float64Array }).data;
      const rec = (node(graph, 'W_rec').params.weight as { data: Float64Array }).data;
      for (const [k, d] of [
        [0, 0],
        [511, 255],
        [17, 100],
      ])
        expect(wff[k * D + d]).toBeCloseTo(Math.fround(p.phi[d * K + k] * wv(d)), 6);
      for (const [i, j] of [
        [0, 0],
        [5, 400],
      ]) {
        let s = 0;
        for (let d = 0; d < D; d++) s += p.phi[d * K + i] * wv(d) * p.phi[d * K + j];
        expect(rec[i * K + j]).toBeCloseTo(Math.fround(-s), 4);
      }
      const md = [...(graph.metadata?.children.keys() ?? [])];
      for (const k of ['dt', 'ipvae_sampler', 'ipvae_u0', 'ipvae_clamp', 'ipvae_floor', 'ipvae_eta'])
        expect(md).toContain(k);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Delay nodes', () => {
  it('a Delay of 3 steps becomes a projection delay of 4 (one per edge plus three); the float reference agrees; export writes it back', async () => {
    const dt = 1e-4;
    const g: NirGraph = {
      type: 'NIRGraph',
      nodes: new Map<string, NirNode>([
        ['input', { type: 'Input', params: { shape: tensor([2], [1], 'int', 8) } }],
        ['w', { type: 'Linear', params: { weight: tensor([0.6, 0.5], [1, 2], 'float', 8) } }],
        ['d', { type: 'Delay', params: { delay: tensor([3 * dt], [1], 'float', 8) } }],
        [
          'lif',
          {
            type: 'IF',
            params: { r: tensor([1 / dt], [1], 'float', 8), v_threshold: tensor([1], [1], 'float', 8) },
          },
        ],
        ['output', { type: 'Output', params: { shape: tensor([1], [1], 'int', 8) } }],
      ]),
      edges: [
        ['input', 'w'],
        ['w', 'd'],
        ['d', 'lif'],
        ['lif', 'output'],
      ],
    };
    const { net } = fromNir(g, 'g', { dt });
    expect(net.projections.map((p) => [p.name, p.delay])).toEqual([['input->lif@3', 4]]);
    // inputs 0 and 1 at steps 1 and 2 (rows 0, 1): 0.6 arrives at step 5, 0.5 at step 6: v = 1.1 > 1 at step 6
    const rows = [[1, 0], [0, 1], ...Array.from({ length: 10 }, () => [0, 0])];
    const f = simulateNirFloat(planNir(g, 'g', { dt }), { input: rows }).get('lif')!;
    expect([...f].flatMap((x, i) => (x ? [i + 1] : []))).toEqual([6]);
    const r = await runNetwork(
      net,
      { drives: { input: rows } },
      {
        steps: rows.length,
        seed: 0,
        engine: 'event',
        workers: 1,
        probes: [{ kind: 'trace', population: 'lif', variables: ['out'] }],
      },
    );
    const out = probeResult(r, 'trace').values.out;
    expect([...out].flatMap((x, t) => (x ? [t] : []))).toEqual([6]);
    // export: a Linear then a Delay of 3 dt, and importing that gives the same Network
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-delay-'));
    try {
      const n1 = join(dir, 'n.json'),
        f2 = join(dir, 'd.nir'),
        n2 = join(dir, 'n2.json');
      writeFileSync(n1, (await import('../src/net/json.js')).toJson(net));
      expect(run('export', '--format', 'nir', '--net', n1, '--out', f2).status).toBe(0);
      const back = (await readNir(f2)).graph;
      expect(node(back, 'input->lif@3.delay').type).toBe('Delay');
      expect(run('import', f2, '--out', n2).status).toBe(0);
      expect(readFileSync(n2, 'utf8')).toBe(readFileSync(n1, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a Delay that is not a whole number of steps, or differs per value, is refused naming the node', () => {
    const g = (delays: number[]): NirGraph => ({
      type: 'NIRGraph',
      nodes: new Map<string, NirNode>([
        ['input', { type: 'Input', params: { shape: tensor([2], [1], 'int', 8) } }],
        ['d', { type: 'Delay', params: { delay: tensor(delays, [2], 'float', 8) } }],
        [
          'lif',
          { type: 'IF', params: { r: tensor([1, 1], [2], 'float', 8), v_threshold: tensor([1, 1], [2], 'float', 8) } },
        ],
      ]),
      edges: [
        ['input', 'd'],
        ['d', 'lif'],
      ],
    });
    expect(() => fromNir(g([1.5e-4, 1.5e-4]), 'g.nir', { dt: 1e-4 })).toThrow(
      /g\.nir: "d": a Delay must be one whole number of steps/,
    );
    expect(() => fromNir(g([1e-4, 2e-4]), 'g.nir', { dt: 1e-4 })).toThrow(/"d": a Delay must be one whole number/);
  });
});

describe('Threshold nodes', () => {
  // x -> Linear W -> Threshold (H(W x - theta), strict) -> Output: a stateless step, by hand
  const W = [1, -0.5, 0.25, 1, -1, 0.75];
  const theta = [0.3, -0.2];
  const g: NirGraph = {
    type: 'NIRGraph',
    nodes: new Map<string, NirNode>([
      ['input', { type: 'Input', params: { shape: tensor([3], [1], 'int', 8) } }],
      ['w', { type: 'Linear', params: { weight: tensor(W, [2, 3], 'float', 8) } }],
      ['th', { type: 'Threshold', params: { threshold: tensor(theta, [2], 'float', 8) } }],
      ['output', { type: 'Output', params: { shape: tensor([2], [1], 'int', 8) } }],
    ]),
    edges: [
      ['input', 'w'],
      ['w', 'th'],
      ['th', 'output'],
    ],
  };
  // rows of input spikes and, by hand, W x - theta per neuron:
  const rows = [
    [1, 0, 0], // 1 - 0.3 = 0.7 -> 1;      1 + 0.2 = 1.2 -> 1
    [0, 1, 0], // -0.5 - 0.3 < 0 -> 0;     -1 + 0.2 = -0.8 -> 0
    [1, 1, 0], // 0.5 - 0.3 = 0.2 -> 1;    0 + 0.2 = 0.2 -> 1
    [0, 0, 1], // 0.25 - 0.3 < 0 -> 0;     0.75 + 0.2 -> 1
    [0, 0, 0], // -0.3 -> 0;               0.2 -> 1 (a negative threshold fires on no input)
    [0, 1, 1], // -0.25 - 0.3 -> 0;        -0.25 + 0.2 = -0.05 -> 0
    [1, 0, 1], // 1.25 - 0.3 -> 1;         1.75 + 0.2 -> 1
  ];
  const expected = [
    [1, 1],
    [0, 0],
    [1, 1],
    [0, 1],
    [0, 1],
    [0, 0],
    [1, 1],
  ];
  it('H(W x - threshold) in float64 and in integers, one step late (no state carried between steps)', async () => {
    const { net, report } = fromNir(g, 'g', { dt: 1e-3 });
    expect(net.populations.find((p) => p.name === 'th')?.model).toBe('threshold');
    expect(report.latencySteps.output).toBe(1);
    // row r is emitted at step r + 1 and reaches the Threshold at step r + 2 (index r + 1 of the emissions)
    const padded = [...rows, [0, 0, 0]];
    const f = simulateNirFloat(planNir(g, 'g', { dt: 1e-3 }), { input: padded }).get('th')!;
    expect(Array.from({ length: rows.length }, (_, t) => [f[2 * (t + 1)], f[2 * (t + 1) + 1]])).toEqual(expected);
    const r = await runNetwork(
      net,
      { drives: { input: [...padded, [0, 0, 0]] } },
      {
        steps: rows.length + 2,
        seed: 0,
        engine: 'event',
        workers: 1,
        probes: [{ kind: 'trace', population: 'th', variables: ['out'] }],
      },
    );
    const out = probeResult(r, 'trace').values.out; // indexed by step: step r + 2 answers row r
    expect(Array.from({ length: rows.length }, (_, t) => [out[2 * (t + 2)], out[2 * (t + 2) + 1]])).toEqual(expected);
  });

  it('exported and imported back: the same Network bytes (a Threshold node with its scale)', async () => {
    const { net } = fromNir(g, 'g', { dt: 1e-3 });
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-thr-'));
    try {
      const n1 = join(dir, 'n.json'),
        f2 = join(dir, 't.nir'),
        n2 = join(dir, 'n2.json');
      writeFileSync(n1, (await import('../src/net/json.js')).toJson(net));
      expect(run('export', '--format', 'nir', '--net', n1, '--out', f2).status).toBe(0);
      const back = (await readNir(f2)).graph;
      expect(node(back, 'th').type).toBe('Threshold');
      // the thresholds as quantised: within half a unit of the population's scale
      const scale = (net.meta as { scales: Record<string, number> }).scales.th;
      const th = Array.from((node(back, 'th').params.threshold as NirTensor).data);
      th.forEach((x, i) => expect(Math.abs(x - theta[i])).toBeLessThanOrEqual(2 ** -scale / 2));
      expect(run('import', f2, '--out', n2).status).toBe(0);
      expect(readFileSync(n2, 'utf8')).toBe(readFileSync(n1, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("every kind of .nir written here passes NIR's reader checks (test/python/nir_typecheck.py, python3-h5py)", () => {
  it('imported files exported back, a random IF network, the iP-VAE skeleton and its portable surrogate, a Threshold and a Delay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-nir-typecheck-'));
    try {
      const files: string[] = [];
      const exportNet = (net: string, name: string) => {
        const f = join(dir, `${name}.nir`);
        const r = run('export', '--format', 'nir', '--net', net, '--out', f);
        expect(r.status, r.stderr).toBe(0);
        files.push(f);
      };
      for (const name of ['lif_norse', 'braille_noDelay_bias_zero', 'braille_noDelay_noBias_subtract']) {
        const net = join(dir, `${name}.json`);
        const dt = name === 'lif_norse' ? '1e-3' : '1e-4';
        expect(run('import', join(FIX, `${name}.nir`), '--dt', dt, '--out', net).status).toBe(0);
        exportNet(net, `${name}-back`);
      }
      exportNet(join(ROOT, 'examples', 'sanafe-check', 'net.json'), 'if-net');
      const model = join(ROOT, 'models', 'patches-k512.safetensors');
      for (const extra of [[], ['--portable', '16']]) {
        const f = join(dir, `model${extra.length}.nir`);
        expect(run('export', '--format', 'nir', '--model', model, ...extra, '--out', f).status).toBe(0);
        files.push(f);
      }
      // a Threshold behind a Delay of two steps
      const g: NirGraph = {
        type: 'NIRGraph',
        nodes: new Map<string, NirNode>([
          ['input', { type: 'Input', params: { shape: tensor([3], [1], 'int', 8) } }],
          ['w', { type: 'Linear', params: { weight: tensor([1, -0.5, 0.25, 1, -1, 0.75], [2, 3], 'float', 8) } }],
          ['d', { type: 'Delay', params: { delay: tensor([2e-3, 2e-3], [2], 'float', 8) } }],
          ['th', { type: 'Threshold', params: { threshold: tensor([0.3, -0.2], [2], 'float', 8) } }],
          ['output', { type: 'Output', params: { shape: tensor([2], [1], 'int', 8) } }],
        ]),
        edges: [
          ['input', 'w'],
          ['w', 'd'],
          ['d', 'th'],
          ['th', 'output'],
        ],
      };
      const tnet = join(dir, 'threshold.json');
      writeFileSync(tnet, (await import('../src/net/json.js')).toJson(fromNir(g, 'g', { dt: 1e-3 }).net));
      exportNet(tnet, 'threshold');
      const py = spawnSync('python3', [join(ROOT, 'test', 'python', 'nir_typecheck.py'), ...files], {
        encoding: 'utf8',
        env: { ...process.env, PYENV_VERSION: 'system' },
      });
      expect(py.stderr, 'needs Debian python3-h5py and python3-numpy (.ci/run installs them)').toBe('');
      expect(py.stdout.trim().split('\n')).toEqual(files.map(() => expect.stringMatching(/^ok \d+$/)));
      // and the checker refuses what the reader refuses: a dangling edge and a shape mismatch
      const bad = await readNir(files[files.length - 1]);
      bad.graph.edges.push(['th', 'nowhere']);
      const fb = join(dir, 'bad.nir');
      await writeNir(fb, bad.graph);
      const pb = spawnSync('python3', [join(ROOT, 'test', 'python', 'nir_typecheck.py'), fb], {
        encoding: 'utf8',
        env: { ...process.env, PYENV_VERSION: 'system' },
      });
      expect(pb.stderr).toMatch(/edge th -> nowhere names a missing node/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
