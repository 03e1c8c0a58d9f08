/**
 * Training loss and gradient for a mini-batch in float32 on the WebAssembly SIMD kernels, in pixel space (the
 * authors' form; used when D <= K, where it is faster than the latent-space form of batch.ts: patches, D = 256,
 * K = 512, 0.63 s against 0.74 s per iteration on 2 workers). The nine matrix products of every step (forward: Z Phi^T, Q Phi, Z~ Phi^T; backward: three TN, two NN, one NT), the relaxed
 * samples, and the clamped update with its KL term forward and backward. JavaScript keeps the per-pixel work
 * (residuals, the Gaussian NLL and its sigma gradient). Same mathematics as the float64 reference
 * (bptt64.ts), which the tests compare it against; the loss is the batch mean of the per-input losses.
 */
import { instantiate, type WasmKernels } from '../kernels/wasm.js';
import type { IpVaeParams } from '../model/params.js';
import type { Grads, TrainConfig } from './bptt64.js';
import { addTailGrads, maxRateOf, relaxedRows, stepConstants, type BatchNoise } from './batch-common.js';

interface StepBufs {
  /** B x K: drive sample z_t, its derivative, loss sample z~_{t+1}, its derivative, G, du_raw, u + du. */
  Z: number;
  dZ: number;
  Zl: number;
  dZl: number;
  G: number;
  DuRaw: number;
  Y: number;
  /** B x D: Q = (x - Phi z_t) / sigma^2, x - Phi z~_{t+1}. */
  Q: number;
  Rl: number;
}

export class BatchGradientPixel {
  private readonly w: WasmKernels;
  private readonly pPhi: number;
  private readonly pX: number;
  private readonly pBias: number;
  /** u_0 .. u_T (B x K each). */
  private readonly pU: number[];
  private readonly bufs: StepBufs[];
  private readonly sc: {
    M: number;
    dM: number;
    dZ: number;
    dG: number;
    dQ: number;
    dPhi: number;
    gU: number;
    gPrev: number;
    dLogBias: number;
  };
  /** x - Phi z_t per step (JS, for the sigma gradient). */
  private readonly R: Float32Array[];
  /** Largest rate exp(u_t) seen at each step t in the last call (drives the n_exp rule). */
  readonly maxRate: Float64Array;

  constructor(
    readonly D: number,
    readonly K: number,
    readonly B: number,
    readonly T: number,
  ) {
    this.maxRate = new Float64Array(T);
    const w = (this.w = instantiate());
    const f = (n: number) => w.alloc(n * 4);
    const BK = B * K,
      BD = B * D;
    this.pPhi = f(D * K);
    this.pX = f(BD);
    this.pBias = f(K);
    this.pU = Array.from({ length: T + 1 }, () => f(BK));
    this.bufs = Array.from({ length: T }, () => ({
      Z: f(BK),
      dZ: f(BK),
      Zl: f(BK),
      dZl: f(BK),
      G: f(BK),
      DuRaw: f(BK),
      Y: f(BK),
      Q: f(BD),
      Rl: f(BD),
    }));
    this.sc = {
      M: f(BD),
      dM: f(BD),
      dZ: f(BK),
      dG: f(BK),
      dQ: f(BD),
      dPhi: f(D * K),
      gU: f(BK),
      gPrev: f(BK),
      dLogBias: f(K),
    };
    this.R = Array.from({ length: T }, () => new Float32Array(BD));
  }

  /** Mean loss over the batch rows of X (B x D) and its gradient (accumulated into grads). */
  lossAndGrad(p: IpVaeParams, X: Float32Array, noise: BatchNoise, cfg: TrainConfig, grads: Grads): number {
    const { D, K, B, T, w, sc } = this;
    const x = w.x;
    const BK = B * K,
      BD = B * D;
    const form = (cfg.klForm ?? 'code') === 'code' ? 0 : 1;
    const { beta, tau, clamp: c } = cfg;
    const nAt = (t: number) => (typeof cfg.nExp === 'number' ? cfg.nExp : cfg.nExp[t]);
    const scale = 256 / D / T / B;
    w.f32(this.pPhi, D * K).set(p.phi);
    w.f32(this.pX, BD).set(X.subarray(0, BD));
    const { wv, logSigSum, eta } = stepConstants(w, p, this.pBias, this.pU[0], B);
    const Xv = w.f32(this.pX, BD);

    const relaxed = (t: number, stream: 0 | 1, step: number, pu: number, pz: number, pdz: number) =>
      relaxedRows(w, noise, B, K, tau, nAt(t), stream, step, pu, pz, pdz);

    let loss = 0;
    for (let t = 0; t < T; t++) {
      const bf = this.bufs[t];
      this.maxRate[t] = maxRateOf(w.f32(this.pU[t], BK));
      relaxed(t, 0, t, this.pU[t], bf.Z, bf.dZ);
      w.f32(sc.M, BD).fill(0);
      x.gemmNT(B, D, K, bf.Z, this.pPhi, sc.M);
      const M = w.f32(sc.M, BD),
        Q = w.f32(bf.Q, BD),
        R = this.R[t];
      for (let b = 0; b < B; b++)
        for (let d = 0; d < D; d++) {
          const i = b * D + d;
          R[i] = Xv[i] - M[i];
          Q[i] = R[i] * wv[d];
        }
      w.f32(bf.G, BK).fill(0);
      x.gemmNN(B, K, D, bf.Q, this.pPhi, bf.G);
      const klSum = x.fondForward(B, K, this.pU[t], bf.G, this.pBias, eta, c, form, bf.DuRaw, bf.Y, this.pU[t + 1]);
      relaxed(t, 1, t + 1, this.pU[t + 1], bf.Zl, bf.dZl);
      w.f32(sc.M, BD).fill(0);
      x.gemmNT(B, D, K, bf.Zl, this.pPhi, sc.M);
      const Ml = w.f32(sc.M, BD),
        Rl = w.f32(bf.Rl, BD);
      let nll = 0;
      for (let b = 0; b < B; b++)
        for (let d = 0; d < D; d++) {
          const i = b * D + d;
          Rl[i] = Xv[i] - Ml[i];
          nll += 0.5 * Rl[i] * Rl[i] * wv[d];
        }
      loss += (nll + B * logSigSum + beta * klSum) * scale;
    }

    // backward
    w.f32(sc.dPhi, D * K).fill(0);
    w.f32(sc.dLogBias, K).fill(0);
    w.f32(sc.gU, BK).fill(0);
    let pgU = sc.gU,
      pgPrev = sc.gPrev;
    const dW = new Float64Array(D),
      dLogSig = new Float64Array(D);
    let dEta = 0;
    for (let t = T - 1; t >= 0; t--) {
      const bf = this.bufs[t];
      // NLL through z~_{t+1}: dM~ = -(x - M~) w scale
      const Rl = w.f32(bf.Rl, BD),
        dM = w.f32(sc.dM, BD);
      for (let b = 0; b < B; b++)
        for (let d = 0; d < D; d++) {
          const i = b * D + d;
          dM[i] = -Rl[i] * wv[d] * scale;
          dW[d] += 0.5 * Rl[i] * Rl[i] * scale;
        }
      for (let d = 0; d < D; d++) dLogSig[d] += B * scale;
      x.gemmTN(D, K, B, sc.dM, bf.Zl, sc.dPhi);
      w.f32(sc.dZ, BK).fill(0);
      x.gemmNN(B, K, D, sc.dM, this.pPhi, sc.dZ);
      {
        const dZ = w.f32(sc.dZ, BK),
          dZl = w.f32(bf.dZl, BK),
          gU = w.f32(pgU, BK);
        for (let i = 0; i < BK; i++) gU[i] += dZ[i] * dZl[i];
      }
      // clamps, du_raw = eta (g - b) and beta KL(u_{t+1}, u_t)
      dEta += x.fondBackward(
        B,
        K,
        this.pU[t],
        this.pU[t + 1],
        bf.G,
        this.pBias,
        bf.DuRaw,
        bf.Y,
        eta,
        c,
        form,
        beta * scale,
        pgU,
        pgPrev,
        sc.dG,
        sc.dLogBias,
      );
      // g = Q Phi: dPhi += Q^T dG, dQ = dG Phi^T
      x.gemmTN(D, K, B, bf.Q, sc.dG, sc.dPhi);
      w.f32(sc.dQ, BD).fill(0);
      x.gemmNT(B, D, K, sc.dG, this.pPhi, sc.dQ);
      const dQ = w.f32(sc.dQ, BD),
        dM2 = w.f32(sc.dM, BD),
        R = this.R[t];
      for (let b = 0; b < B; b++)
        for (let d = 0; d < D; d++) {
          const i = b * D + d;
          dW[d] += dQ[i] * R[i];
          dM2[i] = -dQ[i] * wv[d]; // dR = dQ w, M = x - R
        }
      // M = Z Phi^T: dPhi += dM^T Z, dZ = dM Phi
      x.gemmTN(D, K, B, sc.dM, bf.Z, sc.dPhi);
      w.f32(sc.dZ, BK).fill(0);
      x.gemmNN(B, K, D, sc.dM, this.pPhi, sc.dZ);
      {
        const dZ = w.f32(sc.dZ, BK),
          dZt = w.f32(bf.dZ, BK),
          gPrev = w.f32(pgPrev, BK);
        for (let i = 0; i < BK; i++) gPrev[i] += dZ[i] * dZt[i];
      }
      const tmp = pgU;
      pgU = pgPrev;
      pgPrev = tmp;
    }
    const dPhiOut = w.f32(sc.dPhi, D * K);
    for (let i = 0; i < D * K; i++) grads.phi[i] += dPhiOut[i];
    addTailGrads(grads, p, B, w.f32(pgU, BK), w.f32(sc.dLogBias, K), dEta, eta, dLogSig, dW, wv);
    return loss;
  }
}
