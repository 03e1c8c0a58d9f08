/**
 * The linear Gaussian decoder every family shares, p(x | z) = N(x; Phi z, diag(sigma^2)), and the two products
 * every iterative family needs, run as float32 GEMMs in the WebAssembly kernels for a batch of B inputs:
 *   the likelihood gradient  G = Phi^T Sigma^-1 (x - Phi z)  = C - Z W,  C = X Sigma^-1 Phi, W = Phi^T Sigma^-1 Phi
 *   the decoder gradient     dPhi = Sigma^-1 (X - Z Phi^T)^T Z   (the M-step of variational EM)
 * Phi is D x K row-major (phi[d * K + k], as the iP-VAE parameters).
 */
import { instantiate, type WasmKernels } from '../kernels/wasm.js';

export interface LinearDecoder {
  D: number;
  K: number;
  /** D x K, row-major. */
  phi: Float32Array;
  /** 1 / sigma^2 per pixel (D). */
  invVar: Float32Array;
}

/** A decoder with sigma = 1 and the given dictionary (copied). */
export function decoderOf(phi: Float32Array, D: number, K: number, invVar?: Float32Array): LinearDecoder {
  if (phi.length !== D * K) throw new Error(`decoderOf: phi has ${phi.length} values, expected D x K = ${D * K}`);
  return {
    D,
    K,
    phi: Float32Array.from(phi),
    invVar: invVar ? Float32Array.from(invVar) : new Float32Array(D).fill(1),
  };
}

/** Scale every atom (column of Phi) to the given L2 norm (an all-zero atom stays zero). */
export function normaliseAtoms(phi: Float32Array, D: number, K: number, norm = 1): void {
  const s = new Float64Array(K);
  for (let d = 0; d < D; d++) for (let k = 0; k < K; k++) s[k] += phi[d * K + k] ** 2;
  for (let k = 0; k < K; k++) s[k] = s[k] > 0 ? norm / Math.sqrt(s[k]) : 0;
  for (let d = 0; d < D; d++) for (let k = 0; k < K; k++) phi[d * K + k] *= s[k];
}

/** Largest eigenvalue of W = Phi^T Sigma^-1 Phi (K x K, symmetric PSD) by power iteration from a fixed start. */
export function largestEigen(W: Float32Array, K: number, iters = 60): number {
  let v = new Float64Array(K).fill(1 / Math.sqrt(K)),
    lam = 0;
  const w = new Float64Array(K);
  for (let it = 0; it < iters; it++) {
    let n = 0;
    for (let i = 0; i < K; i++) {
      let s = 0;
      const r = i * K;
      for (let j = 0; j < K; j++) s += W[r + j] * v[j];
      w[i] = s;
      n += s * s;
    }
    n = Math.sqrt(n);
    if (n === 0) return 0;
    lam = n;
    for (let i = 0; i < K; i++) w[i] /= n;
    v = Float64Array.from(w);
  }
  return lam;
}

/**
 * Batched products of one decoder on up to B inputs at a time. All buffers live in one WebAssembly instance and
 * are allocated in the constructor, so the views stay valid. Call setDecoder after changing Phi or sigma.
 */
export class Drive {
  readonly wk: WasmKernels;
  private readonly pPhi: number;
  private readonly pPhiS: number;
  private readonly pW: number;
  private readonly pX: number;
  private readonly pC: number;
  private readonly pZ: number;
  private readonly pG: number;
  private readonly pE: number;
  private readonly pDphi: number;
  /** K floats of keyed noise (iterative.ts Draw.normals writes them). */
  readonly pNoise: number;
  readonly noise: Float32Array;
  /** One input's membranes (K floats) and the nonzero counts sampleAll writes (indices and counts, K each). */
  private readonly pU: number;
  private readonly pAct: number;
  private readonly pCnt: number;
  private readonly uRow: Float32Array;
  private readonly act: Int32Array;
  private readonly cnt: Int32Array;
  /** The batch's inputs (B x D), codes (B x K), drive C and gradient G (B x K), residual E (B x D). */
  readonly X: Float32Array;
  readonly Z: Float32Array;
  readonly C: Float32Array;
  readonly G: Float32Array;
  readonly E: Float32Array;
  readonly W: Float32Array;
  readonly dPhi: Float32Array;
  private readonly phi: Float32Array;
  private readonly phiS: Float32Array;
  /** Inputs in the current batch (<= B). */
  b = 0;
  /** Largest eigenvalue of W (set by setDecoder). */
  lmax = 0;

  constructor(
    readonly D: number,
    readonly K: number,
    readonly B: number,
  ) {
    const wk = (this.wk = instantiate());
    this.pPhi = wk.alloc(D * K * 4);
    this.pPhiS = wk.alloc(D * K * 4);
    this.pW = wk.alloc(K * K * 4);
    this.pX = wk.alloc(B * D * 4);
    this.pC = wk.alloc(B * K * 4);
    this.pZ = wk.alloc(B * K * 4);
    this.pG = wk.alloc(B * K * 4);
    this.pE = wk.alloc(B * D * 4);
    this.pDphi = wk.alloc(D * K * 4);
    this.pNoise = wk.alloc(K * 4 + 4);
    this.pU = wk.alloc(K * 4);
    this.pAct = wk.alloc(K * 4);
    this.pCnt = wk.alloc(K * 4);
    this.phi = wk.f32(this.pPhi, D * K);
    this.phiS = wk.f32(this.pPhiS, D * K);
    this.W = wk.f32(this.pW, K * K);
    this.X = wk.f32(this.pX, B * D);
    this.C = wk.f32(this.pC, B * K);
    this.Z = wk.f32(this.pZ, B * K);
    this.G = wk.f32(this.pG, B * K);
    this.E = wk.f32(this.pE, B * D);
    this.dPhi = wk.f32(this.pDphi, D * K);
    this.noise = wk.f32(this.pNoise, K);
    this.uRow = wk.f32(this.pU, K);
    this.act = new Int32Array(wk.x.memory.buffer, this.pAct, K);
    this.cnt = new Int32Array(wk.x.memory.buffer, this.pCnt, K);
  }

  /**
   * Hard Poisson counts at rates exp(u) + eps for one input's K membranes u, keyed by (seed, sample, neuron, step)
   * as src/model/poisson.ts poissonDraw (the iP-VAE's sampler, the WebAssembly kernel sampleAll), into out (K).
   */
  poissonCounts(u: Float32Array, seed: number, sample: number, step: number, out: Float32Array): void {
    this.uRow.set(u);
    const n = this.wk.x.sampleAll(this.pU, this.K, seed >>> 0, sample >>> 0, step >>> 0, this.pAct, this.pCnt);
    out.fill(0);
    for (let j = 0; j < n; j++) out[this.act[j]] = this.cnt[j];
  }

  /** Load Phi and sigma: W = Phi^T Sigma^-1 Phi and its largest eigenvalue. */
  setDecoder(dec: LinearDecoder, eigen = true): void {
    const { D, K } = this;
    if (dec.D !== D || dec.K !== K) throw new Error(`Drive: decoder is ${dec.D} x ${dec.K}, expected ${D} x ${K}`);
    this.phi.set(dec.phi);
    for (let d = 0; d < D; d++) {
      const s = dec.invVar[d];
      for (let k = 0; k < K; k++) this.phiS[d * K + k] = s * dec.phi[d * K + k];
    }
    this.W.fill(0);
    this.wk.x.gemmTN(K, K, D, this.pPhi, this.pPhiS, this.pW);
    if (eigen) this.lmax = largestEigen(this.W, K);
  }

  /** Copy inputs i0 .. i0 + b - 1 of X (row-major, D wide) into the batch and compute C = X Sigma^-1 Phi. */
  load(X: Float32Array, i0: number, b: number): void {
    if (b > this.B || b < 1) throw new Error(`Drive.load: ${b} inputs, expected 1..${this.B}`);
    this.b = b;
    this.X.set(X.subarray(i0 * this.D, (i0 + b) * this.D));
    this.C.fill(0, 0, b * this.K);
    this.wk.x.gemmNN(b, this.K, this.D, this.pX, this.pPhiS, this.pC);
  }

  /** Load given rows of X (indices into X), for a shuffled mini-batch. */
  loadRows(X: Float32Array, rows: ArrayLike<number>): void {
    const b = rows.length;
    if (b > this.B || b < 1) throw new Error(`Drive.loadRows: ${b} inputs, expected 1..${this.B}`);
    this.b = b;
    for (let i = 0; i < b; i++) this.X.set(X.subarray(rows[i] * this.D, (rows[i] + 1) * this.D), i * this.D);
    this.C.fill(0, 0, b * this.K);
    this.wk.x.gemmNN(b, this.K, this.D, this.pX, this.pPhiS, this.pC);
  }

  /** G = Phi^T Sigma^-1 (x - Phi z) for the batch's codes in Z: C - Z W. */
  gradient(): Float32Array {
    const n = this.b * this.K;
    this.G.fill(0, 0, n);
    this.wk.x.gemmNN(this.b, this.K, this.K, this.pZ, this.pW, this.pG);
    const { G, C } = this;
    for (let i = 0; i < n; i++) G[i] = C[i] - G[i];
    return G;
  }

  /**
   * The residual E = X - Z Phi^T and the decoder gradient dPhi = Sigma^-1 E^T Z (summed over the batch) for the
   * codes in Z. Returns the batch's summed squared residual.
   */
  decoderGradient(invVar: Float32Array): number {
    const { b, D, K } = this;
    this.E.fill(0, 0, b * D);
    this.wk.x.gemmNT(b, D, K, this.pZ, this.pPhi, this.pE);
    let sse = 0;
    for (let i = 0; i < b * D; i++) {
      const e = this.X[i] - this.E[i];
      this.E[i] = e;
      sse += e * e;
    }
    this.dPhi.fill(0);
    this.wk.x.gemmTN(D, K, b, this.pE, this.pZ, this.pDphi);
    for (let d = 0; d < D; d++) {
      const s = invVar[d];
      if (s !== 1) for (let k = 0; k < K; k++) this.dPhi[d * K + k] *= s;
    }
    return sse;
  }
}
