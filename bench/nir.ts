/**
 * NIR import speed: reading, checking, folding and quantising Conv2d networks of about 0.25, 1 and 4 million
 * synapses (Input -> Conv2d 3x3 -> IF, channel counts chosen for the size), written with ipvae's own NIR writer.
 * The bar: a 1 M-synapse Conv2d network in under 5 s. Each size is read and imported 3 times; the table
 * gives the best and the median.
 *
 *   npm run bench -- nir
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNir, writeNir } from '../src/nir/file.js';
import { tensor, type NirGraph, type NirNode } from '../src/nir/ir.js';
import { fromNir } from '../src/frontends/nir.js';
import { report, type BenchRecord } from './common.js';

function convNet(channels: number, side: number): NirGraph {
  const k = 3,
    cin = channels,
    cout = channels;
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const n = cout * side * side;
  const nodes = new Map<string, NirNode>([
    ['input', { type: 'Input', params: { shape: tensor([cin, side, side], [3], 'int', 8) } }],
    [
      'conv',
      {
        type: 'Conv2d',
        params: {
          weight: tensor(Float32Array.from({ length: cout * cin * k * k }, rnd), [cout, cin, k, k]),
          bias: tensor(new Float32Array(cout), [cout]),
          stride: tensor([1, 1], [2], 'int', 8),
          padding: tensor([1, 1], [2], 'int', 8),
          dilation: tensor([1, 1], [2], 'int', 8),
          groups: tensor([1], [], 'int', 8),
          input_shape: tensor([side, side], [2], 'int', 8),
        },
      },
    ],
    [
      'if',
      {
        type: 'IF',
        params: {
          r: tensor(new Float32Array(n).fill(1), [cout, side, side]),
          v_threshold: tensor(new Float32Array(n).fill(1), [cout, side, side]),
        },
      },
    ],
    ['output', { type: 'Output', params: { shape: tensor([cout, side, side], [3], 'int', 8) } }],
  ]);
  return {
    type: 'NIRGraph',
    nodes,
    edges: [
      ['input', 'conv'],
      ['conv', 'if'],
      ['if', 'output'],
    ],
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ipvae-bench-nir-'));
const rows: BenchRecord[] = [];
try {
  for (const [channels, side] of [
    [8, 20],
    [16, 22],
    [32, 22],
  ]) {
    const file = join(dir, `conv-${channels}-${side}.nir`);
    await writeNir(file, convNet(channels, side));
    const times: number[] = [];
    let synapses = 0;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      const { graph } = await readNir(file);
      const { net } = fromNir(graph, file, { dt: 1 });
      times.push((performance.now() - t0) / 1000);
      synapses = net.projections.reduce((a, p) => a + p.indices.length, 0);
    }
    times.sort((a, b) => a - b);
    const name = `Conv2d ${channels}->${channels} 3x3 on ${side}x${side}: ${synapses.toLocaleString('en-US')} synapses`;
    console.error(`${name}: best ${times[0].toFixed(2)} s, median ${times[1].toFixed(2)} s`);
    rows.push({ case: name, metric: 'read + import + quantise, best of 3', value: times[0], unit: 's' });
    rows.push({ case: name, metric: 'read + import + quantise, median of 3', value: times[1], unit: 's' });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
report('nir', rows);
