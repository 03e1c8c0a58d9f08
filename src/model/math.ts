/**
 * Scalar building blocks of the iP-VAE (model-spec sections 1-3), in float64.
 * Everything else (kernels, the batched engine, the tests' references) is checked against these.
 */

/** softplus(x) = log(1 + e^x), computed without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * Smooth upper bound: softclamp(y, c) = c - softplus(c - y).
 * Algebraically equal to y - softplus(y - c), the form used here (exact for y far below c).
 */
export function softclamp(y: number, c: number): number {
  return y - softplus(y - c);
}

/** The membrane floor of the FOND update (model-spec section 2). */
export const U_FLOOR = -8;

/** softclamp(max(y, -8), c): the floor, then the smooth upper bound, as every FOND update applies them. */
export function floorSoftclamp(y: number, c: number): number {
  return softclamp(Math.max(y, U_FLOOR), c);
}

/** One clamped update of a membrane: returns [u_next, du_clamped]. */
export function fondUpdate(u: number, duRaw: number, c: number): [number, number] {
  const du = floorSoftclamp(duRaw, c);
  return [floorSoftclamp(u + du, c), du];
}

/** KL as coded by the authors: exp(u) * (1 + exp(d) * (d - 1)), d = u - uPrev. */
export function klCode(u: number, uPrev: number): number {
  const d = u - uPrev;
  return Math.exp(u) * (1 + Math.exp(d) * (d - 1));
}

/** The true Poisson KL(Pois(e^u) || Pois(e^uPrev)) = exp(uPrev) * (1 + exp(d) * (d - 1)). */
export function klExact(u: number, uPrev: number): number {
  const d = u - uPrev;
  return Math.exp(uPrev) * (1 + Math.exp(d) * (d - 1));
}

export type KlForm = 'code' | 'exact';
export function kl(form: KlForm, u: number, uPrev: number): number {
  return form === 'code' ? klCode(u, uPrev) : klExact(u, uPrev);
}

/** [dKL/du, dKL/du_prev] of either KL form. */
export function klGrad(form: KlForm, u: number, uPrev: number): [number, number] {
  const d = u - uPrev,
    ed = Math.exp(d);
  if (form === 'code') {
    const eu = Math.exp(u);
    return [eu * (1 + ed * (d - 1)) + eu * ed * d, -eu * ed * d];
  }
  const ep = Math.exp(uPrev);
  return [ep * ed * d, ep * (1 + ed * (d - 1)) - ep * ed * d];
}

/** d softclamp(max(y, -8), c) / dy = 1 - sigmoid(y - c) above the floor, 0 below it. */
export function dFloorSoftclamp(y: number, c: number): number {
  if (y <= U_FLOOR) return 0;
  const a = y - c;
  return a >= 0 ? Math.exp(-a) / (1 + Math.exp(-a)) : 1 / (1 + Math.exp(a));
}

/** log sigma = 3.45 * tanh(s / 3.45) (the authors' symmetric soft clamp of dec_log_sigma). */
export function logSigmaOf(s: number): number {
  return 3.45 * Math.tanh(s / 3.45);
}

const LOG_2PI = Math.log(2 * Math.PI);
/** Gaussian negative log likelihood of one pixel, including log sigma and 0.5 log 2 pi. */
export function gaussNll(x: number, mean: number, logSigma: number): number {
  const r = (x - mean) * Math.exp(-logSigma);
  return 0.5 * r * r + logSigma + 0.5 * LOG_2PI;
}

/** log Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-14 on the positive axis). */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Poisson pmf P(k; lambda), in float64. */
export function poissonPmf(k: number, lambda: number): number {
  if (lambda === 0) return k === 0 ? 1 : 0;
  return Math.exp(k * Math.log(lambda) - lambda - logGamma(k + 1));
}

/** Poisson quantile: the smallest k with CDF(k; lambda) >= q (scipy's poisson.ppf), for lambda up to 700. */
export function poissonPpf(q: number, lambda: number): number {
  if (!(lambda >= 0 && lambda <= 700))
    throw new Error(`poissonPpf: lambda ${lambda} outside [0, 700] (exp(-lambda) would underflow)`);
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (cdf < q) {
    k++;
    p *= lambda / k;
    cdf += p;
    if (k > 100000) throw new Error(`poissonPpf did not converge for lambda=${lambda}`);
  }
  return k;
}
