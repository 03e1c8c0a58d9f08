/**
 * The amortized VAEs of the paper's comparison (model-spec section 6; Kingma & Welling 2014, "Auto-encoding
 * variational Bayes"; the Poisson VAE of Vafaii, Galor, Yates 2024, "Poisson variational autoencoder"): an encoder
 * network predicts the posterior of all K latents in one pass, the decoder is the linear Gaussian decoder every
 * compare family shares (sigma = 1), x_hat = Phi z.
 *
 *   encoder   a = x W1 + b1 (D -> H = 512),  h = silu(a),  o = h W2 + b2 (H -> K or 2K)
 *   P-VAE     log r = c tanh((log r0 + o) / c), c = 5: o is log delta r, r = r0 delta r, r0 a learned prior rate
 *             per latent;  KL(Poisson(r) || Poisson(r0)) = r0 f(r / r0),  f(y) = 1 - y + y log y
 *   G-VAE     o = (mu~, xi~),  mu = 10 tanh(mu~ / 10),  log sigma = 5 tanh(xi~ / 5);  KL(N(mu, sigma^2) || N(0, 1))
 *             = (mu^2 + sigma^2 - 1) / 2 - log sigma
 *   loss      per input: 1/2 |x - Phi z|^2 + beta KL (the Gaussian negative log-likelihood at sigma = 1 without its
 *             constant, model-spec section 3), averaged over the mini-batch
 *
 * Training samples z by reparameterisation: the P-VAE's relaxed Poisson sample (model-spec section 3: n_exp
 * exponential inter-arrival times, sum of sigmoid((1 - t_j) / tau), the WebAssembly kernel relaxedAll), the
 * G-VAE's z = mu + sigma eps. Backpropagation is written out by hand; every matrix product is a float32 GEMM in
 * the WebAssembly kernels; Adam (Kingma & Ba 2015) updates encoder, prior and decoder. Evaluation draws hard
 * Poisson counts (src/model/poisson.ts poissonDraw) or one Gaussian sample; the probe features are the rates r or
 * the means mu. The hybrid (hybrid.ts) reuses this network and its training loop.
 */
import { threefry2x32 } from '../rng/threefry.js';
import { instantiate, type WasmKernels } from '../kernels/wasm.js';
import { poissonDraw, rateOf } from '../model/poisson.js';
import { poissonPpf } from '../model/math.js';
import { decoderOf } from './decoder.js';
import { BATCH, dataAtoms, drawKey1 } from './iterative.js';
import { Adam } from '../train/optim.js';
import { RunBudget, type Codes, type Family, type InferOptions, type TrainContext, type Trained } from './family.js';

export type Posterior = 'poisson' | 'gaussian';

/** Hidden units of the encoder. */
export const HIDDEN = 512;
/** Soft clamps: log rates in (-C_LOGR, C_LOGR), means in (-C_MU, C_MU), log sigma in (-C_LOGSIG, C_LOGSIG). */
export const C_LOGR = 5;
export const C_MU = 10;
export const C_LOGSIG = 5;
/** Initial log prior rate of the P-VAE (rate e^-2 = 0.14 per latent). */
export const LOG_R0_INIT = -2;
/** Adam's peak step; the step is cosine-decayed to LR_END_FRACTION of it. */
export const LR = 1e-3;
const LR_END_FRACTION = 0.1;
/** beta and tau reach their final values at this fraction of the iterations (linear from 0 and TAU_START). */
export const ANNEAL = 0.5;
export const TAU_START = 1;
export const TAU_END = 0.05;
/** Unit-norm data atoms at the start (the VAE then learns their scale: they are not renormalised). */
export const ATOM_NORM = 1;
/**
 * Iterations run at the schedules' starting values before the count is known (so a replay gives the same bytes);
 * the ones after the first WARM (compiling, warming up) are timed to fit the budget.
 */
const TIMED = 10,
  WARM = 3;
/** Relaxed-sample noise counters allow 2048 exponentials per (sample, neuron, step). */
const NEXP_MAX = 2048;

/** Keys of the draws (distinct streams). */
const KEY_ROWS = 0x414d0000,
  KEY_RELAXED = 0x52454c58,
  KEY_NORMAL_TRAIN = 0x4e524d54,
  KEY_INIT = 0x494e4954;
/** Stream of the evaluation's Gaussian sample (drawKey1(stream, step)). */
export const STREAM_GAUSS = 3;
/** The step index the amortized families draw their evaluation codes at (the hybrid's step-0 code is the same). */
export const CODE_STEP = 1;

const tf = new Uint32Array(2);
const silu = (a: number): number => a / (1 + Math.exp(-a));

interface Buf {
  p: number;
  v: Float32Array;
}

/**
 * The encoder, the prior rates and the decoder of one amortized VAE for mini-batches of up to B inputs, every
 * array in one WebAssembly instance (allocated in the constructor, so the views stay valid).
 */
export class AmortizedNet {
  readonly wk: WasmKernels;
  /** Encoder outputs per input: K (P-VAE) or 2K (G-VAE). */
  readonly O: number;
  /** Parameters: W1 (D x H), b1 (H), W2 (H x O), b2 (O), Phi (D x K, row-major as the decoder), log r0 (K). */
  readonly W1!: Buf;
  readonly b1!: Buf;
  readonly W2!: Buf;
  readonly b2!: Buf;
  readonly phi!: Buf;
  readonly logr0!: Buf;
  /** Gradients of the mean loss over the batch, same shapes. */
  readonly gW1!: Buf;
  readonly gb1!: Buf;
  readonly gW2!: Buf;
  readonly gb2!: Buf;
  readonly gPhi!: Buf;
  readonly gLogr0!: Buf;
  /** Batch inputs (B x D), pre-activations and hidden units (B x H), encoder outputs (B x O). */
  readonly X!: Buf;
  readonly A!: Buf;
  readonly Hs!: Buf;
  readonly Out!: Buf;
  /** P-VAE: L = log r, R = r. G-VAE: L = mu, R = sigma, V = log sigma. Each B x K. */
  readonly L!: Buf;
  readonly R!: Buf;
  readonly V!: Buf;
  /** Codes (B x K), dz/d(log r) of the relaxed sample, the normals of the Gaussian sample. */
  readonly Z!: Buf;
  readonly dZ!: Buf;
  readonly Eps!: Buf;
  /** Residual x - Phi z (B x D), dLoss/dz (B x K), dLoss/do (B x O), dLoss/dh (B x H). */
  readonly E!: Buf;
  readonly gZ!: Buf;
  readonly dOut!: Buf;
  readonly dH!: Buf;
  readonly noise!: Buf;
  /** Inputs in the current batch. */
  b = 0;

  constructor(
    readonly post: Posterior,
    readonly D: number,
    readonly H: number,
    readonly K: number,
    readonly B: number,
  ) {
    const wk = (this.wk = instantiate());
    const O = (this.O = post === 'poisson' ? K : 2 * K);
    const sizes = {
      W1: D * H,
      b1: H,
      W2: H * O,
      b2: O,
      phi: D * K,
      logr0: K,
      gW1: D * H,
      gb1: H,
      gW2: H * O,
      gb2: O,
      gPhi: D * K,
      gLogr0: K,
      X: B * D,
      A: B * H,
      Hs: B * H,
      Out: B * O,
      L: B * K,
      R: B * K,
      V: B * K,
      Z: B * K,
      dZ: B * K,
      Eps: B * K,
      E: B * D,
      gZ: B * K,
      dOut: B * O,
      dH: B * H,
      noise: K + 2,
    };
    // allocate everything first (memory may grow), then make the views; +4 floats: the kernels' 4-lane tails
    const ptr: Record<string, number> = {};
    for (const [k, n] of Object.entries(sizes)) ptr[k] = wk.alloc((n + 4) * 4);
    const self = this as unknown as Record<string, Buf>;
    for (const [k, n] of Object.entries(sizes)) self[k] = { p: ptr[k], v: wk.f32(ptr[k], n) };
  }

  /** The trained tensors in Adam's order. */
  params(): Float32Array[] {
    return [this.W1.v, this.b1.v, this.W2.v, this.b2.v, this.phi.v, this.logr0.v];
  }

  grads(): Float32Array[] {
    return [this.gW1.v, this.gb1.v, this.gW2.v, this.gb2.v, this.gPhi.v, this.gLogr0.v];
  }

  /** Copy inputs i0 .. i0 + b - 1 of X into the batch. */
  load(X: Float32Array, i0: number, b: number): void {
    if (b < 1 || b > this.B) throw new Error(`AmortizedNet.load: ${b} inputs, expected 1..${this.B}`);
    this.b = b;
    this.X.v.set(X.subarray(i0 * this.D, (i0 + b) * this.D));
  }

  /** Copy the given rows of X into the batch. */
  loadRows(X: Float32Array, rows: ArrayLike<number>): void {
    const b = rows.length,
      D = this.D;
    if (b < 1 || b > this.B) throw new Error(`AmortizedNet.loadRows: ${b} inputs, expected 1..${this.B}`);
    this.b = b;
    for (let i = 0; i < b; i++) this.X.v.set(X.subarray(rows[i] * D, (rows[i] + 1) * D), i * D);
  }

  /** The encoder pass: A, Hs, Out, then L, R (and V) of the batch. */
  encode(): void {
    const { b, D, H, K, O, wk } = this;
    const A = this.A.v,
      Hs = this.Hs.v,
      Out = this.Out.v;
    A.fill(0, 0, b * H);
    wk.x.gemmNN(b, H, D, this.X.p, this.W1.p, this.A.p);
    const b1 = this.b1.v,
      b2 = this.b2.v;
    for (let i = 0; i < b; i++)
      for (let j = 0; j < H; j++) {
        const a = (A[i * H + j] += b1[j]);
        Hs[i * H + j] = silu(a);
      }
    Out.fill(0, 0, b * O);
    wk.x.gemmNN(b, O, H, this.Hs.p, this.W2.p, this.Out.p);
    const L = this.L.v,
      R = this.R.v,
      V = this.V.v;
    if (this.post === 'poisson') {
      const lr0 = this.logr0.v;
      for (let i = 0; i < b; i++)
        for (let k = 0; k < K; k++) {
          const j = i * K + k;
          const l = C_LOGR * Math.tanh((lr0[k] + Out[i * O + k] + b2[k]) / C_LOGR);
          L[j] = l;
          R[j] = Math.exp(l);
        }
    } else {
      for (let i = 0; i < b; i++)
        for (let k = 0; k < K; k++) {
          const j = i * K + k;
          L[j] = C_MU * Math.tanh((Out[i * O + k] + b2[k]) / C_MU);
          const ls = C_LOGSIG * Math.tanh((Out[i * O + K + k] + b2[K + k]) / C_LOGSIG);
          V[j] = ls;
          R[j] = Math.exp(ls);
        }
    }
  }

  /** Largest rate r of the batch (P-VAE). */
  maxRate(): number {
    let m = 0;
    const R = this.R.v;
    for (let j = 0; j < this.b * this.K; j++) if (R[j] > m) m = R[j];
    return m;
  }

  /** Relaxed Poisson samples of the batch at temperature tau: Z and dZ = dz / d(log r). Input i is sample0 + i. */
  sampleRelaxed(tau: number, nExp: number, key0: number, sample0: number): void {
    const K = this.K;
    for (let i = 0; i < this.b; i++) {
      const o = i * K * 4;
      this.wk.x.relaxedAll(this.L.p + o, K, tau, nExp, key0 >>> 0, (sample0 + i) >>> 0, 0, this.Z.p + o, this.dZ.p + o);
    }
  }

  /** Gaussian samples z = mu + sigma eps of the batch, eps keyed by (k0, k1, sample0 + i). */
  sampleNormal(k0: number, k1: number, sample0: number): void {
    const K = this.K,
      Z = this.Z.v,
      Eps = this.Eps.v,
      L = this.L.v,
      R = this.R.v,
      n = this.noise.v;
    for (let i = 0; i < this.b; i++) {
      this.wk.x.normalPairs(this.noise.p, (K + 1) & ~1, k0 >>> 0, k1 >>> 0, (sample0 + i) >>> 0);
      for (let k = 0; k < K; k++) {
        const j = i * K + k;
        Eps[j] = n[k];
        Z[j] = L[j] + R[j] * n[k];
      }
    }
  }

  /** E = X - Z Phi^T for the codes in Z; returns the batch's summed squared residual. */
  reconstruct(): number {
    const { b, D, K } = this;
    const E = this.E.v,
      X = this.X.v;
    E.fill(0, 0, b * D);
    this.wk.x.gemmNT(b, D, K, this.Z.p, this.phi.p, this.E.p);
    let sse = 0;
    for (let i = 0; i < b * D; i++) {
      const e = X[i] - E[i];
      E[i] = e;
      sse += e * e;
    }
    return sse;
  }

  /** The batch's summed KL divergence of the posterior from the prior (R and L as encode left them). */
  kl(): number {
    const { b, K } = this;
    const L = this.L.v,
      R = this.R.v,
      V = this.V.v;
    let s = 0;
    if (this.post === 'poisson') {
      const lr0 = this.logr0.v;
      for (let i = 0; i < b; i++)
        for (let k = 0; k < K; k++) {
          const j = i * K + k;
          s += poissonKl(R[j], L[j], lr0[k]);
        }
    } else for (let j = 0; j < b * K; j++) s += gaussianKl(L[j], V[j]);
    return s;
  }

  /** dPhi of the mean loss, -(1/b) E^T Z, for the residual in E and the codes in Z (overwrites gPhi). */
  decoderGradient(): void {
    const { b, D, K } = this;
    const g = this.gPhi.v;
    g.fill(0);
    this.wk.x.gemmTN(D, K, b, this.E.p, this.Z.p, this.gPhi.p);
    const s = -1 / b;
    for (let i = 0; i < D * K; i++) g[i] *= s;
  }

  /**
   * Gradients of the mean loss (1/b) sum_i [1/2 |x_i - Phi z_i|^2 + beta KL_i] after encode, a sample and
   * reconstruct. decoder = false leaves gPhi alone (the hybrid takes it at the refined state).
   */
  backward(beta: number, decoder = true): void {
    const { b, D, H, K, O, wk } = this;
    const s = 1 / b;
    // dLoss/dz = -(1/b) (x - Phi z)^T Phi
    const gZ = this.gZ.v;
    gZ.fill(0, 0, b * K);
    wk.x.gemmNN(b, K, D, this.E.p, this.phi.p, this.gZ.p);
    if (decoder) this.decoderGradient();
    const L = this.L.v,
      R = this.R.v,
      V = this.V.v,
      dZ = this.dZ.v,
      Eps = this.Eps.v,
      dOut = this.dOut.v,
      gb2 = this.gb2.v,
      gl = this.gLogr0.v;
    gb2.fill(0);
    gl.fill(0);
    if (this.post === 'poisson') {
      const lr0 = this.logr0.v;
      for (let i = 0; i < b; i++)
        for (let k = 0; k < K; k++) {
          const j = i * K + k,
            l = L[j],
            r = R[j];
          // dKL/dl = r (l - log r0);  dl/dv = 1 - (l / c)^2;  the KL's own dependence on log r0: r0 - r
          const dl = -gZ[j] * s * dZ[j] + beta * s * r * (l - lr0[k]);
          const dv = dl * (1 - (l / C_LOGR) ** 2);
          dOut[i * O + k] = dv;
          gb2[k] += dv;
          gl[k] += dv + beta * s * (Math.exp(lr0[k]) - r);
        }
    } else {
      for (let i = 0; i < b; i++)
        for (let k = 0; k < K; k++) {
          const j = i * K + k,
            mu = L[j],
            sd = R[j],
            g = -gZ[j] * s;
          const dmu = (g + beta * s * mu) * (1 - (mu / C_MU) ** 2);
          const dls = (g * sd * Eps[j] + beta * s * (sd * sd - 1)) * (1 - (V[j] / C_LOGSIG) ** 2);
          dOut[i * O + k] = dmu;
          dOut[i * O + K + k] = dls;
          gb2[k] += dmu;
          gb2[K + k] += dls;
        }
    }
    // W2: h^T dOut;  dh = dOut W2^T;  da = dh silu'(a);  W1: x^T da
    const gW2 = this.gW2.v,
      gW1 = this.gW1.v,
      gb1 = this.gb1.v,
      dH = this.dH.v,
      A = this.A.v;
    gW2.fill(0);
    wk.x.gemmTN(H, O, b, this.Hs.p, this.dOut.p, this.gW2.p);
    dH.fill(0, 0, b * H);
    wk.x.gemmNT(b, H, O, this.dOut.p, this.W2.p, this.dH.p);
    gb1.fill(0);
    for (let i = 0; i < b; i++)
      for (let j = 0; j < H; j++) {
        const a = A[i * H + j],
          sg = 1 / (1 + Math.exp(-a));
        const d = dH[i * H + j] * sg * (1 + a * (1 - sg));
        dH[i * H + j] = d;
        gb1[j] += d;
      }
    gW1.fill(0);
    wk.x.gemmTN(D, H, b, this.X.p, this.dH.p, this.gW1.p);
  }

  /** Copy the tensors of a Trained made by these families into the net. */
  setFrom(m: Trained): void {
    this.W1.v.set(m.tensors.W1);
    this.b1.v.set(m.tensors.b1);
    this.W2.v.set(m.tensors.W2);
    this.b2.v.set(m.tensors.b2);
    this.phi.v.set(m.decoder.phi);
    if (this.post === 'poisson') this.logr0.v.set(m.tensors.logr0);
  }
}

/** KL(Poisson(r) || Poisson(r0)) = r0 f(r / r0), f(y) = 1 - y + y log y, from r, log r and log r0. */
export function poissonKl(r: number, logr: number, logr0: number): number {
  return r * (logr - logr0) - r + Math.exp(logr0);
}

/** KL(N(mu, sigma^2) || N(0, 1)) from mu and log sigma. */
export function gaussianKl(mu: number, logSigma: number): number {
  return 0.5 * (mu * mu + Math.exp(2 * logSigma) - 1) - logSigma;
}

/** A keyed uniform in [-1, 1) for (seed, tensor, index). */
function keyedSym(seed: number, tensor: number, i: number): number {
  return (threefry2x32(seed, KEY_INIT + tensor, i >>> 0, 0, 20, tf)[0] >>> 8) / 8388608 - 1;
}

/**
 * Start values: W1 uniform with variance 1 / D (LeCun), W2 at a tenth of that scale (so log r starts near
 * log r0 and (mu, log sigma) near 0), biases 0, log r0 = LOG_R0_INIT, Phi the given atoms.
 */
export function initNet(net: AmortizedNet, seed: number, phi: Float32Array): void {
  const a1 = Math.sqrt(3 / net.D),
    a2 = 0.1 * Math.sqrt(3 / net.H);
  const W1 = net.W1.v,
    W2 = net.W2.v;
  for (let i = 0; i < W1.length; i++) W1[i] = a1 * keyedSym(seed, 1, i);
  for (let i = 0; i < W2.length; i++) W2[i] = a2 * keyedSym(seed, 2, i);
  net.b1.v.fill(0);
  net.b2.v.fill(0);
  net.logr0.v.fill(LOG_R0_INIT);
  net.phi.v.set(phi);
}

/** The schedules at iteration it of total: the first TIMED iterations run at the starting values. */
export function schedule(it: number, total: number, beta: number): { beta: number; tau: number; lr: number } {
  const f = it < TIMED ? 0 : it / total;
  const a = Math.min(1, f / ANNEAL);
  const cos = 0.5 * (1 + Math.cos(Math.PI * f));
  return {
    beta: beta * a,
    tau: TAU_START + (TAU_END - TAU_START) * a,
    lr: LR * (LR_END_FRACTION + (1 - LR_END_FRACTION) * cos),
  };
}

/** n_exp for the relaxed sample: PoissonPPF(0.999; largest rate of the batch) (model-spec section 3), at least 10. */
export function nExpFor(maxRate: number): number {
  return Math.min(NEXP_MAX, Math.max(10, poissonPpf(0.999, Math.min(maxRate, 700))));
}

/**
 * A hook after the encoder's gradients: the hybrid computes the decoder's gradient there (at its refined state).
 * Without one, the decoder's gradient is taken at the amortized sample.
 */
export type DecoderStep = (net: AmortizedNet, it: number, rows: Int32Array, beta: number) => void;

/**
 * Train an amortized VAE within ctx.budgetMs (or the count in ctx.replay), the TIMED/replay convention of
 * iterative.ts emTrain: the first TIMED iterations are timed and the count cut to what fits.
 */
export function trainAmortized(
  ctx: TrainContext,
  post: Posterior,
  family: string,
  decoderStep?: DecoderStep,
  hidden = HIDDEN,
): { m: Trained; net: AmortizedNet } {
  const { X, N, D } = ctx.data,
    K = ctx.K,
    B = Math.min(BATCH, N);
  const net = new AmortizedNet(post, D, hidden, K, B);
  initNet(net, ctx.seed, dataAtoms(ctx, ATOM_NORM));
  const params = net.params(),
    grads = net.grads();
  const adam = new Adam(params.map((p) => p.length));
  const rows = new Int32Array(B);
  const t0 = performance.now();
  let t1 = t0;
  const budget = new RunBudget(ctx, 1e9, t0);
  let loss = 0,
    sse = 0;
  let it = 0;
  for (; budget.runs(it, TIMED); it++) {
    const total = budget.total;
    for (let i = 0; i < B; i++) rows[i] = threefry2x32(ctx.seed, KEY_ROWS + (it >>> 16), it & 0xffff, i, 20, tf)[0] % N;
    net.loadRows(X, rows);
    net.encode();
    const sc = schedule(it, total, ctx.knob);
    if (post === 'poisson') net.sampleRelaxed(sc.tau, nExpFor(net.maxRate()), ctx.seed ^ KEY_RELAXED, it * B);
    else net.sampleNormal(ctx.seed ^ KEY_NORMAL_TRAIN, it, 0);
    sse = net.reconstruct();
    loss = (0.5 * sse + sc.beta * net.kl()) / B;
    net.backward(sc.beta, !decoderStep);
    decoderStep?.(net, it, rows, sc.beta);
    adam.update(params, grads, sc.lr);
    if (it === WARM - 1) t1 = performance.now();
    if (it === TIMED - 1) {
      const now = performance.now(),
        per = (now - t1) / (TIMED - WARM);
      budget.fit(TIMED + Math.floor((ctx.budgetMs - (now - t0)) / Math.max(per, 1e-3)), TIMED);
    }
    if ((it + 1) % 10 === 0 || it + 1 === budget.total)
      ctx.onProgress?.(
        (it + 1) / budget.total,
        `${it + 1}/${budget.total} loss ${loss.toFixed(3)} mse ${(sse / (B * D)).toFixed(4)}`,
      );
  }
  const m: Trained = {
    family,
    knob: ctx.knob,
    decoder: decoderOf(net.phi.v, D, K),
    tensors: {
      W1: Float32Array.from(net.W1.v),
      b1: Float32Array.from(net.b1.v),
      W2: Float32Array.from(net.W2.v),
      b2: Float32Array.from(net.b2.v),
      ...(post === 'poisson' ? { logr0: Float32Array.from(net.logr0.v) } : {}),
    },
    numbers: { hidden },
    info: {
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      trainLoss: loss,
      trainMse: sse / (B * D),
    },
  };
  budget.record(m.info, it);
  return { m, net };
}

/** A net holding a Trained's parameters, for inference on batches of up to B inputs. */
export function netOf(m: Trained, B: number): AmortizedNet {
  const post: Posterior = m.tensors.logr0 ? 'poisson' : 'gaussian';
  const net = new AmortizedNet(post, m.decoder.D, m.numbers.hidden, m.decoder.K, B);
  net.setFrom(m);
  return net;
}

/**
 * One encoder pass over N inputs. P-VAE: codes are hard Poisson counts at the rates (poissonDraw keyed by
 * (seed, sampleOffset + n, k, CODE_STEP)), features the rates. G-VAE: codes one sample mu + sigma eps (normals
 * keyed by (seed, drawKey1(STREAM_GAUSS, CODE_STEP), sampleOffset + n)), features the means.
 */
export function inferAmortized(m: Trained, X: Float32Array, N: number, o: InferOptions): Codes {
  const K = m.decoder.K;
  const net = netOf(m, Math.min(BATCH, N));
  const Z = new Float32Array(N * K),
    F = new Float32Array(N * K);
  const off = o.sampleOffset ?? 0;
  for (let i0 = 0; i0 < N; i0 += net.B) {
    const b = Math.min(net.B, N - i0);
    net.load(X, i0, b);
    net.encode();
    if (net.post === 'poisson') {
      const L = net.L.v;
      for (let i = 0; i < b; i++)
        for (let k = 0; k < K; k++) {
          const lam = rateOf(L[i * K + k]);
          Z[(i0 + i) * K + k] = poissonDraw(lam, o.seed, off + i0 + i, k, CODE_STEP);
          F[(i0 + i) * K + k] = lam;
        }
    } else {
      net.sampleNormal(o.seed, drawKey1(STREAM_GAUSS, CODE_STEP), off + i0);
      Z.set(net.Z.v.subarray(0, b * K), i0 * K);
      F.set(net.L.v.subarray(0, b * K), i0 * K);
    }
  }
  return { Z, features: F };
}

const COMMON_CHOICES = [
  'encoder: one hidden layer of 512 SiLU units (D -> 512 -> outputs), LeCun-uniform start, the output layer at a tenth of that scale',
  'decoder: the shared linear decoder with sigma = 1, started from unit-norm data atoms and learned freely (atoms not renormalised: the VAE learns their scale)',
  'loss per input: 1/2 |x - Phi z|^2 + beta KL (the Gaussian negative log-likelihood at sigma = 1 without its constant), averaged over mini-batches of 100',
  'beta annealed linearly from 0 to its value over the first 50 % of the iterations (the first ten, timed to fit the budget, run at 0)',
  'Adam (lr 1e-3, betas 0.9 / 0.999), cosine-decayed to 1e-4, on encoder, prior and decoder; gradients by hand, matrix products as float32 WebAssembly GEMMs',
  'trained for as many mini-batches as the budget allows (the count is recorded; a replay repeats it and gives the same bytes)',
];

/** An amortized family: its posterior, names, what beta does and the choices beyond COMMON_CHOICES. */
function amortizedFamily(post: Posterior, name: string, label: string, doc: string, choices: string[]): Family {
  return {
    name,
    label,
    kind: 'amortized',
    knob: { name: 'beta', values: { patches: [0.1, 0.3, 1], mnist: [0.1, 0.3, 1] }, doc },
    choices: [...COMMON_CHOICES, ...choices],
    async train(ctx: TrainContext) {
      return trainAmortized(ctx, post, name).m;
    },
    async infer(m, X, N, o) {
      return inferAmortized(m, X, N, o);
    },
  };
}

export const amortizedPVae: Family = amortizedFamily(
  'poisson',
  'amortized-p-vae',
  'amortized P-VAE',
  'the weight beta of the KL term in the loss: larger pulls the rates towards the sparse prior',
  [
    'the encoder predicts log delta r; rates r = r0 delta r with a learned prior rate r0 per latent (log r0 starts at -2), log r soft-clamped by 5 tanh(. / 5)',
    'KL: the exact Poisson KL r0 f(r / r0), f(y) = 1 - y + y log y',
    "training samples: the relaxed Poisson sampler of model-spec section 3 (n_exp = PoissonPPF(0.999; the batch's largest rate)), temperature annealed 1 -> 0.05 over the first 50 %",
    'codes: hard Poisson counts at the predicted rates (one draw per input); probe features: the rates',
  ],
);

export const amortizedGVae: Family = amortizedFamily(
  'gaussian',
  'amortized-g-vae',
  'amortized G-VAE',
  'the weight beta of the KL term in the loss: larger pulls the posteriors towards N(0, 1)',
  [
    'the encoder predicts mean and log sigma of a Gaussian per latent, soft-clamped by 10 tanh(. / 10) and 5 tanh(. / 5); prior N(0, 1)',
    'training samples: z = mu + sigma eps (reparameterised)',
    'codes: one sample mu + sigma eps (the paper scores Gaussian VAEs on samples, so PZ = 0); probe features: the means',
  ],
);
