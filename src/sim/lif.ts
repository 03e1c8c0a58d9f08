/**
 * Loihi-style fixed-point LIF (Lava's PyLifModelBitAcc, lava-nc/lava src/lava/proc/lif/models.py; facts in
 * hardware-spec section 2), per step for a whole population on typed arrays:
 *   u = trunc0(u * (4096 - (du + 1)) / 4096) + (a_in << 6)        trunc0: |x| >> 12 with the sign restored
 *   v = trunc0(v * (4096 - dv) / 4096) + u + (bias_mant << bias_exp), clipped to +-(2^23 - 1)
 *   spike where v > (vth << 6); v = 0 there
 * u is a 24-bit register. Default: it saturates to [-2^23, 2^23 - 1] and every clip is counted. Mode
 * 'lava-wrap' reproduces Lava's wrap instead (u - 2^24 above 2^23, u + 2^24 at or below -2^23, so -2^23 becomes
 * +2^23). v's clip is Lava's own behaviour; it is counted as a saturation too.
 *
 * IF (integrate-and-fire) is the same register layout without leak or current: v = v + (a_in << 6) + bias,
 * spike where v > (vth << 6), v = 0 there (Lava's LIF with du = 4095, dv = 0).
 */
import type { SatCounter } from '../fixed/q.js';

export type LifMode = 'saturate' | 'lava-wrap';

/** Per-neuron parameters (arrays) of a LIF or IF population. */
export interface LifArrays {
  du: Int32Array;
  dv: Int32Array;
  vth: Int32Array;
  biasMant: Int32Array;
  biasExp: Int32Array;
}

const U_MAX = 2 ** 23 - 1, U_MIN = -(2 ** 23), V_LIM = 2 ** 23 - 1;

function trunc12(x: number): number {
  const m = Math.floor(Math.abs(x) / 4096);
  return x < 0 ? -m : m;
}

/**
 * One step. aIn: synaptic input of this step (integers); out: spikes (1/0) written per neuron.
 * Returns the number of spikes.
 */
export function lifStep(n: number, u: Int32Array, v: Int32Array, aIn: ArrayLike<number>, p: LifArrays, mode: LifMode,
  sat: SatCounter, out: Int32Array, leak = true): number {
  let spikes = 0;
  for (let i = 0; i < n; i++) {
    let uu = (leak ? trunc12(u[i] * (4096 - (p.du[i] + 1))) : 0) + aIn[i] * 64;
    if (mode === 'lava-wrap') {
      if (uu > 2 ** 23) uu -= 2 ** 24;
      else if (uu <= -(2 ** 23)) uu += 2 ** 24;
    } else if (uu > U_MAX) { uu = U_MAX; sat[0]++; } else if (uu < U_MIN) { uu = U_MIN; sat[0]++; }
    u[i] = uu;
    let vv = (leak ? trunc12(v[i] * (4096 - p.dv[i])) : v[i]) + uu + p.biasMant[i] * 2 ** p.biasExp[i];
    if (vv > V_LIM) { vv = V_LIM; sat[0]++; } else if (vv < -V_LIM) { vv = -V_LIM; sat[0]++; }
    if (vv > p.vth[i] * 64) { out[i] = 1; spikes++; vv = 0; } else out[i] = 0;
    v[i] = vv;
  }
  return spikes;
}
