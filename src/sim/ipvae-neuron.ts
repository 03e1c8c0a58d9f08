/**
 * The integer iP-VAE neuron (model "ipvae" of the Network IR): the FOND update of model-spec section 2 with
 * every quantity an integer. Membrane u in Q(fu). Per step, with `drive` the static feedforward input W_ff x and
 * `inp` the recurrent input -W_rec z_{t-1}, both already in Q(fu):
 *   a  = drive + inp - b
 *   du = round(eta_mant * a / 2^eta_shift);  du = max(du, -8);  du = softclamp(du, c)
 *   u  = max(u + du, -8);  u = softclamp(u, c)                (integer soft clamp, src/fixed/isoftclamp.ts)
 *   rate = iexp(u) in Q16;  z = integer Poisson(rate), saturating at count_cap (src/fixed/ipoisson.ts)
 * Parameters (Network IR names): eta_mant, eta_shift, bias[K], u0[K], clamp, floor (all in Q(fu) except
 * eta), count_cap; format u = s{bits}.{fu}. The u register saturates to its format (counted).
 */
import { isoftclamp } from '../fixed/isoftclamp.js';
import { iexp } from '../fixed/iexp.js';
import { iPoisson } from '../fixed/ipoisson.js';
import { shiftRightRound, type SatCounter } from '../fixed/q.js';

export const RATE_FRAC = 16;

export interface IpVaeNeuronParams {
  fu: number;
  uMin: number;
  uMax: number;
  etaMant: number;
  etaShift: number;
  bias: Int32Array;
  u0: Int32Array;
  clamp: number;
  floor: number;
  countCap: number;
}

/** Sample counts from the current membranes (neuron k's draw keyed by (seed, sample, k, step)); the indices
 *  of the neurons with a nonzero count go to fired[0 .. nFired) when given. */
export function ipvaeEmit(
  n: number,
  u: Int32Array,
  p: IpVaeNeuronParams,
  seed: number,
  sample: number,
  step: number,
  counts: Int32Array,
  sat: SatCounter,
  w: Uint32Array,
  fired?: Int32Array,
): { spikes: number; nFired: number } {
  let total = 0,
    nf = 0;
  for (let k = 0; k < n; k++) {
    const rate = iexp(u[k], p.fu, RATE_FRAC, 2 ** 31 - 1, sat);
    const z = iPoisson(rate, RATE_FRAC, seed, sample, k, step, p.countCap, sat, w);
    counts[k] = z;
    total += z;
    if (z !== 0 && fired) fired[nf++] = k;
  }
  return { spikes: total, nFired: nf };
}

/** The membrane update from this step's inputs (drive and inp in Q(fu)). */
export function ipvaeUpdate(
  n: number,
  u: Int32Array,
  drive: ArrayLike<number>,
  inp: ArrayLike<number>,
  p: IpVaeNeuronParams,
  sat: SatCounter,
): void {
  const { fu, clamp, floor } = p;
  for (let k = 0; k < n; k++) {
    const a = drive[k] + inp[k] - p.bias[k];
    let du = shiftRightRound(p.etaMant * a, p.etaShift);
    if (du < floor) du = floor;
    du = isoftclamp(du, clamp, fu);
    let uu = u[k] + du;
    if (uu < floor) uu = floor;
    uu = isoftclamp(uu, clamp, fu);
    if (uu > p.uMax) {
      uu = p.uMax;
      sat[0]++;
    } else if (uu < p.uMin) {
      uu = p.uMin;
      sat[0]++;
    }
    u[k] = uu;
  }
}
