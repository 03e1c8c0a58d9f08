/**
 * WebAssembly SIMD matrix products at the training shapes (batch B = 200, K = 512, D = 256 / 784), one thread,
 * in GFLOP/s (2 flops per multiply-add), against plain-JS loops of the same products.
 *
 *   npm run bench -- gemm
 */
import { instantiate } from '../src/kernels/wasm.js';
import { report, type BenchRecord } from './common.js';

const rows: BenchRecord[] = [];
const w = instantiate();

function jsNN(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array) {
  for (let i = 0; i < M; i++)
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k];
      for (let j = 0; j < N; j++) C[i * N + j] += a * B[k * N + j];
    }
}

function time(fn: () => void, minMs = 400): number {
  fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return (performance.now() - t0) / 1000 / n;
}

for (const D of [256, 784]) {
  const B = 200,
    K = 512;
  const shapes = [
    { name: `NT  Z Phi^T      [${B}x${K}] [${D}x${K}]^T`, f: 'gemmNT', M: B, N: D, Kd: K },
    { name: `NN  R Phi        [${B}x${D}] [${D}x${K}]`, f: 'gemmNN', M: B, N: K, Kd: D },
    { name: `TN  dM^T Z       [${B}x${D}]^T [${B}x${K}]`, f: 'gemmTN', M: D, N: K, Kd: B },
  ] as const;
  for (const s of shapes) {
    w.reset();
    const a = new Float32Array(s.M * s.Kd).map((_, i) => Math.sin(i));
    const b = new Float32Array(s.Kd * s.N).map((_, i) => Math.cos(i));
    const pA = w.putF32(a),
      pB = w.putF32(b),
      pC = w.alloc(s.M * s.N * 4);
    const sec = time(() => w.x[s.f](s.M, s.N, s.Kd, pA, pB, pC));
    rows.push({ case: `wasm ${s.name}`, metric: 'speed', value: (2 * s.M * s.N * s.Kd) / sec / 1e9, unit: 'GFLOP/s' });
  }
  const A = new Float32Array(B * D).map((_, i) => Math.sin(i)),
    Bm = new Float32Array(D * K).map((_, i) => Math.cos(i));
  const C = new Float32Array(B * K);
  const sec = time(() => jsNN(B, K, D, A, Bm, C));
  rows.push({
    case: `js   NN  R Phi        [${B}x${D}] [${D}x${K}]`,
    metric: 'speed',
    value: (2 * B * K * D) / sec / 1e9,
    unit: 'GFLOP/s',
  });
}
report('gemm', rows);
