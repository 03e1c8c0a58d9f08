import { describe, it } from 'vitest';
import fc from 'fast-check';
import { instantiate } from '../src/kernels/wasm.js';

const mat = (n: number) =>
  fc
    .array(fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n })
    .map((a) => Float32Array.from(a));
const dims = fc.record({
  M: fc.integer({ min: 1, max: 13 }),
  N: fc.integer({ min: 1, max: 11 }),
  K: fc.integer({ min: 1, max: 17 }),
});

/** float64 reference of C0 + op(A) op(B) with element accessors; mag = sum of |terms| for the tolerance. */
function ref(
  M: number,
  N: number,
  K: number,
  a: (i: number, k: number) => number,
  b: (k: number, j: number) => number,
  C0: Float32Array,
) {
  const out = new Float64Array(M * N),
    mag = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = C0[i * N + j],
        m = Math.abs(C0[i * N + j]);
      for (let k = 0; k < K; k++) {
        s += a(i, k) * b(k, j);
        m += Math.abs(a(i, k) * b(k, j));
      }
      out[i * N + j] = s;
      mag[i * N + j] = m;
    }
  return { out, mag };
}

describe('WebAssembly SIMD matrix products against a float64 reference (C += op(A) op(B))', () => {
  const variants = [
    [
      'NN',
      (M: number, K: number, A: Float32Array) => (i: number, k: number) => A[i * K + k],
      (K: number, N: number, B: Float32Array) => (k: number, j: number) => B[k * N + j],
    ],
    [
      'NT',
      (M: number, K: number, A: Float32Array) => (i: number, k: number) => A[i * K + k],
      (K: number, N: number, B: Float32Array) => (k: number, j: number) => B[j * K + k],
    ],
    [
      'TN',
      (M: number, K: number, A: Float32Array) => (i: number, k: number) => A[k * M + i],
      (K: number, N: number, B: Float32Array) => (k: number, j: number) => B[k * N + j],
    ],
  ] as const;
  for (const [name, acc, bcc] of variants) {
    it(`gemm${name}`, () => {
      fc.assert(
        fc.property(
          dims.chain(({ M, N, K }) =>
            fc.tuple(fc.constant(M), fc.constant(N), fc.constant(K), mat(M * K), mat(K * N), mat(M * N)),
          ),
          ([M, N, K, A, B, C0]) => {
            const w = instantiate();
            const pA = w.putF32(A),
              pB = w.putF32(B),
              pC = w.putF32(C0);
            w.x[`gemm${name}`](M, N, K, pA, pB, pC);
            const { out, mag } = ref(M, N, K, acc(M, K, A), bcc(K, N, B), C0);
            const got = w.f32(pC, M * N);
            for (let i = 0; i < M * N; i++) if (Math.abs(got[i] - out[i]) > 1e-6 * (1 + mag[i])) return false;
            return true;
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});
