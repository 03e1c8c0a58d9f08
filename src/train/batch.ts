/**
 * Training loss and gradient for a mini-batch in float32, with the nine matrix products of every step
 * (forward: Z Phi^T, Q Phi, Z~ Phi^T; backward: three TN, two NN, one NT) on the WebAssembly SIMD kernels and
 * the element-wise work in JavaScript. Same mathematics as the float64 reference (bptt64.ts), which the tests
 * compare it against; the loss is the batch mean of the per-input losses.
 */
import { instantiate, type WasmKernels } from '../kernels/wasm.js';
import { dFloorSoftclamp, floorSoftclamp, kl, klGrad, logSigmaOf } from '../model/math.js';
import { RATE_EPS } from '../model/poisson.js';
import { relaxedCount, NOISE_DRIVE, NOISE_LOSS } from './relaxed.js';
import type { IpVaeParams } from '../model/params.js';
import type { Grads, TrainConfig } from './bptt64.js';

/** Cumulative Exp(1) noise for (stream, step, batch row, neuron) into out[0..n). */
export type BatchNoiseFn = (stream: 0 | 1, step: number, row: number, neuron: number, n: number, out: Float64Array) => void;

/**
 * Where the relaxed samples' noise comes from: a JavaScript function (tests), or the WebAssembly sampler
 * keyed by seed and each row's global sample index (cumulativeExpNoise's definition, in float32).
 */
export type BatchNoise = BatchNoiseFn | { seed: number; samples: ArrayLike<number> };

export class BatchGradient {
  private readonly w: WasmKernels;
  private readonly pPhi: number;
  private readonly pX: number;
  /** Per step, in wasm memory: drive and loss samples (B x K), Q = (x - Phi z) / sigma^2 and x - Phi z~ (B x D). */
  private readonly bufs: { Z: number; Zl: number; Q: number; Rl: number }[];
  /** Per step, in JS memory: sample derivatives, x - Phi z, the drive g, du_raw, u + du, u_{t+1}. */
  private readonly step: {
    dZ: Float32Array; dZl: Float32Array; R: Float32Array; G: Float32Array; DuRaw: Float32Array; Y: Float32Array; U1: Float32Array;
  }[];
  private readonly pScratch: { M: number; G: number; dM: number; dZ: number; dG: number; dQ: number; dPhi: number; U: number; dZs: number };

  /** Largest rate exp(u_t) seen at each step t in the last call (drives the n_exp rule). */
  readonly maxRate: Float64Array;

  constructor(readonly D: number, readonly K: number, readonly B: number, readonly T: number) {
    this.maxRate = new Float64Array(T);
    const w = (this.w = instantiate());
    const f = (n: number) => w.alloc(n * 4);
    this.pPhi = f(D * K);
    this.pX = f(B * D);
    // per step: Z, Zl (B x K), Q = (x - M) w, Rl (B x D) live in wasm memory for the products
    this.bufs = Array.from({ length: T }, () => ({ Z: f(B * K), Zl: f(B * K), Q: f(B * D), Rl: f(B * D) }));
    this.pScratch = { M: f(B * D), G: f(B * K), dM: f(B * D), dZ: f(B * K), dG: f(B * K), dQ: f(B * D), dPhi: f(D * K), U: f(B * K), dZs: f(B * K) };
    this.step = Array.from({ length: T }, () => ({
      dZ: new Float32Array(B * K), dZl: new Float32Array(B * K), R: new Float32Array(B * D), G: new Float32Array(B * K),
      DuRaw: new Float32Array(B * K), Y: new Float32Array(B * K), U1: new Float32Array(B * K),
    }));
  }

  /** Mean loss over the batch rows of X (B x D) and its gradient (accumulated into grads). */
  lossAndGrad(p: IpVaeParams, X: Float32Array, noise: BatchNoise, cfg: TrainConfig, grads: Grads): number {
    const { D, K, B, T, w } = this;
    const x = w.x;
    const form = cfg.klForm ?? 'code';
    const { beta, tau, clamp: c } = cfg;
    const nAt = (t: number) => (typeof cfg.nExp === 'number' ? cfg.nExp : cfg.nExp[t]);
    const scale = 256 / D / T / B;
    w.f32(this.pPhi, D * K).set(p.phi);
    w.f32(this.pX, B * D).set(X.subarray(0, B * D));
    const logSig = new Float64Array(D), wv = new Float64Array(D);
    for (let d = 0; d < D; d++) { logSig[d] = logSigmaOf(p.s[d]); wv[d] = Math.exp(-2 * logSig[d]); }
    const bias = new Float64Array(K);
    for (let k = 0; k < K; k++) bias[k] = Math.exp(p.logBias[k]);
    const eta = Math.exp(p.logLr);
    const S = new Float64Array(4096), zz = new Float64Array(2);
    const sc = this.pScratch;
    const Xv = w.f32(this.pX, B * D);
    let u: Float32Array = new Float32Array(B * K);
    for (let b = 0; b < B; b++) u.set(p.u0, b * K);
    const U0 = u;
    let loss = 0;
    const relaxed = (t: number, stream: 0 | 1, step: number, uu: Float32Array, Zp: number, dZ: Float32Array) => {
      const n = nAt(t);
      if (typeof noise !== 'function') {
        w.f32(sc.U, B * K).set(uu);
        const key0 = (noise.seed ^ (stream === 0 ? NOISE_DRIVE : NOISE_LOSS)) >>> 0;
        for (let b = 0; b < B; b++) {
          x.relaxedAll(sc.U + b * K * 4, K, tau, n, key0, noise.samples[b], step, Zp + b * K * 4, sc.dZs + b * K * 4);
        }
        dZ.set(w.f32(sc.dZs, B * K));
        return;
      }
      const Z = w.f32(Zp, B * K);
      for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) {
        const i = b * K + k, eu = Math.exp(uu[i]);
        noise(stream, step, b, k, n, S);
        relaxedCount(eu + RATE_EPS, tau, S, n, zz);
        Z[i] = zz[0];
        dZ[i] = zz[1] * eu;
      }
    };
    const Us: Float32Array[] = [U0];
    for (let t = 0; t < T; t++) {
      const st = this.step[t], bf = this.bufs[t];
      let umax = -Infinity;
      for (let i = 0; i < B * K; i++) if (u[i] > umax) umax = u[i];
      this.maxRate[t] = Math.exp(umax);
      relaxed(t, 0, t, u, bf.Z, st.dZ);
      w.f32(sc.M, B * D).fill(0);
      x.gemmNT(B, D, K, bf.Z, this.pPhi, sc.M);
      const M = w.f32(sc.M, B * D), Q = w.f32(bf.Q, B * D);
      for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) {
        const i = b * D + d;
        st.R[i] = Xv[i] - M[i];
        Q[i] = st.R[i] * wv[d];
      }
      w.f32(sc.G, B * K).fill(0);
      x.gemmNN(B, K, D, bf.Q, this.pPhi, sc.G);
      const G = w.f32(sc.G, B * K);
      const un = st.U1;
      for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) {
        const i = b * K + k;
        st.G[i] = G[i];
        st.DuRaw[i] = eta * (G[i] - bias[k]);
        st.Y[i] = u[i] + floorSoftclamp(st.DuRaw[i], c);
        un[i] = floorSoftclamp(st.Y[i], c);
      }
      relaxed(t, 1, t + 1, un, bf.Zl, st.dZl);
      w.f32(sc.M, B * D).fill(0);
      x.gemmNT(B, D, K, bf.Zl, this.pPhi, sc.M);
      const Ml = w.f32(sc.M, B * D), Rl = w.f32(bf.Rl, B * D);
      let Lt = 0;
      for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) {
        const i = b * D + d;
        Rl[i] = Xv[i] - Ml[i];
        Lt += 0.5 * Rl[i] * Rl[i] * wv[d] + logSig[d] + 0.5 * Math.log(2 * Math.PI);
      }
      for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) Lt += beta * kl(form, un[b * K + k], u[b * K + k]);
      loss += Lt * scale;
      u = un;
      Us.push(un);
    }

    // backward
    const dPhi = w.f32(sc.dPhi, D * K);
    dPhi.fill(0);
    let gU = new Float64Array(B * K);
    const dW = new Float64Array(D), dLogSig = new Float64Array(D);
    let dEta = 0;
    for (let t = T - 1; t >= 0; t--) {
      const st = this.step[t], bf = this.bufs[t];
      const gPrev = new Float64Array(B * K);
      // NLL through z~_{t+1}: dM~ = -(x - M~) w scale
      const Rl = w.f32(bf.Rl, B * D), dM = w.f32(sc.dM, B * D);
      for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) {
        const i = b * D + d;
        dM[i] = -Rl[i] * wv[d] * scale;
        dW[d] += 0.5 * Rl[i] * Rl[i] * scale;
        dLogSig[d] += scale;
      }
      x.gemmTN(D, K, B, sc.dM, bf.Zl, sc.dPhi);
      w.f32(sc.dZ, B * K).fill(0);
      x.gemmNN(B, K, D, sc.dM, this.pPhi, sc.dZ);
      let dZ = w.f32(sc.dZ, B * K);
      for (let i = 0; i < B * K; i++) gU[i] += dZ[i] * st.dZl[i];
      // KL(u_{t+1}, u_t)
      const uPrev = Us[t], uNext = Us[t + 1];
      for (let i = 0; i < B * K; i++) {
        const [du, dup] = klGrad(form, uNext[i], uPrev[i]);
        gU[i] += beta * scale * du;
        gPrev[i] += beta * scale * dup;
      }
      // clamps and du_raw = eta (g - b)
      const dG = w.f32(sc.dG, B * K);
      for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) {
        const i = b * K + k;
        const y = st.Y[i], dr = st.DuRaw[i];
        const dy = gU[i] * dFloorSoftclamp(y, c);
        gPrev[i] += dy;
        const dd = dy * dFloorSoftclamp(dr, c);
        dEta += dd * (st.G[i] - bias[k]);
        grads.logBias[k] += -eta * dd * bias[k];
        dG[i] = eta * dd;
      }
      // g = Q Phi: dPhi += Q^T dG, dQ = dG Phi^T
      x.gemmTN(D, K, B, bf.Q, sc.dG, sc.dPhi);
      w.f32(sc.dQ, B * D).fill(0);
      x.gemmNT(B, D, K, sc.dG, this.pPhi, sc.dQ);
      const dQ = w.f32(sc.dQ, B * D), dM2 = w.f32(sc.dM, B * D);
      for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) {
        const i = b * D + d;
        dW[d] += dQ[i] * st.R[i];
        dM2[i] = -dQ[i] * wv[d]; // dR = dQ w, M = x - R
      }
      // M = Z Phi^T: dPhi += dM^T Z, dZ = dM Phi
      x.gemmTN(D, K, B, sc.dM, bf.Z, sc.dPhi);
      w.f32(sc.dZ, B * K).fill(0);
      x.gemmNN(B, K, D, sc.dM, this.pPhi, sc.dZ);
      dZ = w.f32(sc.dZ, B * K);
      for (let i = 0; i < B * K; i++) gPrev[i] += dZ[i] * st.dZ[i];
      gU = gPrev;
    }
    const dPhiOut = w.f32(sc.dPhi, D * K);
    for (let i = 0; i < D * K; i++) grads.phi[i] += dPhiOut[i];
    for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) grads.u0[k] += gU[b * K + k];
    grads.logLr += dEta * eta;
    for (let d = 0; d < D; d++) {
      const th = Math.tanh(p.s[d] / 3.45);
      grads.s[d] += (dLogSig[d] + dW[d] * -2 * wv[d]) * (1 - th * th);
    }
    return loss;
  }
}
