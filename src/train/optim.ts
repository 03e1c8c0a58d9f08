/**
 * Adamax (Kingma & Ba 2015, section 7.1) as in torch.optim.Adamax, with L2 weight decay added to the gradient
 * of every parameter (model-spec section 3) and bias correction of the first moment only:
 *   g <- g + wd * theta;  m <- b1 m + (1 - b1) g;  u <- max(b2 u, |g| + eps);  theta <- theta - lr / (1 - b1^t) * m / u
 * Plus global gradient-norm clipping. Parameters and state are flat Float64Arrays (one per tensor). Adam, for the
 * amortized baselines of ipvae compare (src/baselines/amortized.ts), is here too.
 */

export interface AdamaxOptions {
  /** First-moment decay (default 0.9, as torch.optim.Adamax). */
  beta1?: number;
  /** Infinity-norm decay (default 0.999, as torch.optim.Adamax). */
  beta2?: number;
  /** Added to |g| (default 1e-8, as torch.optim.Adamax). */
  eps?: number;
  /** L2 weight decay (default 3e-4, model-spec section 3; torch's default is 0). */
  weightDecay?: number;
}

export class Adamax {
  readonly m: Float64Array[];
  readonly u: Float64Array[];
  step = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(sizes: number[], o: AdamaxOptions = {}) {
    this.m = sizes.map((n) => new Float64Array(n));
    this.u = sizes.map((n) => new Float64Array(n));
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 3e-4;
  }

  /** One update of every tensor in params (in place) from grads, at learning rate lr. */
  update(params: (Float64Array | Float32Array)[], grads: Float64Array[], lr: number): void {
    this.step++;
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    const clr = lr / (1 - Math.pow(b1, this.step));
    for (let i = 0; i < params.length; i++) {
      const th = params[i],
        g = grads[i],
        m = this.m[i],
        u = this.u[i];
      for (let j = 0; j < th.length; j++) {
        const gj = g[j] + wd * th[j];
        m[j] = b1 * m[j] + (1 - b1) * gj;
        u[j] = Math.max(b2 * u[j], Math.abs(gj) + eps);
        th[j] -= (clr * m[j]) / u[j];
      }
    }
  }
}

/** Scale all gradients so that their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(grads: Float64Array[], maxNorm: number): number {
  let s = 0;
  for (const g of grads) for (let j = 0; j < g.length; j++) s += g[j] * g[j];
  const norm = Math.sqrt(s);
  if (norm > maxNorm && norm > 0) {
    const f = maxNorm / (norm + 1e-6); // torch.nn.utils.clip_grad_norm_ uses max_norm / (total_norm + 1e-6)
    for (const g of grads) for (let j = 0; j < g.length; j++) g[j] *= f;
  }
  return norm;
}

/** Adam (Kingma & Ba 2015) with bias correction, betas (0.9, 0.999), eps 1e-8, on float32 tensors. */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;
  constructor(sizes: number[]) {
    this.m = sizes.map((n) => new Float64Array(n));
    this.v = sizes.map((n) => new Float64Array(n));
  }
  update(params: Float32Array[], grads: Float32Array[], lr: number): void {
    this.t++;
    const b1 = 0.9,
      b2 = 0.999;
    const c1 = 1 - b1 ** this.t,
      c2 = 1 - b2 ** this.t;
    for (let p = 0; p < params.length; p++) {
      const th = params[p],
        g = grads[p],
        m = this.m[p],
        v = this.v[p];
      for (let i = 0; i < th.length; i++) {
        const gi = g[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        th[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
      }
    }
  }
}
