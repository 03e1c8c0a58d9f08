/**
 * The LCA front end: a float LCA (Rozell, Johnson, Baraniuk, Olshausen, Neural Computation 2008; the compare
 * family of src/baselines/lca.ts) -> an integer Network (fromLca), so the integer simulator runs it as it runs
 * the iP-VAE (src/frontends/ipvae.ts). The weights go through the generic projection quantiser
 * (src/net/quantize.ts), signed integers of `weightBits` bits with a power-of-two exponent per projection:
 *   W_ff  = Phi^T Sigma^-1                 input x -> neurons a, applied once per input (the drive b, static)
 *   W_rec = -(Phi^T Sigma^-1 Phi - I)      a -> a, delay 1, graded codes (the lateral inhibition)
 *   Phi                                    a -> readout xhat (the decoder), delay 1
 * The neurons are the `lca` model (src/sim/models/lca.ts): a membrane u in Q(uFrac) of uBits bits, the step
 * h as a 12-bit fraction h_int / 4096, the threshold lambda in Q(uFrac), and the code a = max(u - lambda, 0)
 * emitted in Q(codeFrac) of codeBits bits (unsigned). With Sigma = I (sigma = 1, as the LCA family trains) the
 * update is the family's Euler step u += h (Phi^T x - u - (Phi^T Phi - I) a) exactly, up to the roundings.
 * Inputs x are in Q(inputFrac) of inputBits bits, as the iP-VAE's (inputFormat).
 */
import { q, toQ } from '../fixed/q.js';
import type { Network } from '../net/network.js';
import { snakeKeys } from '../io/json-case.js';
import { DEFAULTS, withDefaults } from '../defaults.js';
import { errorReport, type TensorReport } from '../net/quantize.js';
import { coderProjections, inputFormat } from './ipvae.js';

export interface LcaQuantOptions {
  weightBits: number;
  inputBits: number;
  /** Fraction bits of x (default inputBits - 5: range +-16, as the iP-VAE's). */
  inputFrac?: number;
  uBits: number;
  uFrac: number;
  /** Width and fraction bits of the emitted code a (unsigned). */
  codeBits: number;
  codeFrac: number;
  /** One weight exponent per projection ('shared', default) or per target neuron ('per-row'). */
  exponent?: 'shared' | 'per-row';
  /** 1 / sigma^2 per pixel (D; default all 1, as the LCA family's decoder). */
  invVar?: ArrayLike<number>;
}

/** What fromLca applies to every option left out. */
export const DEFAULT_LCA_QUANT: Readonly<Omit<LcaQuantOptions, 'invVar'>> = Object.freeze({
  weightBits: DEFAULTS.weightBits,
  inputBits: 12,
  uBits: 24,
  uFrac: 16,
  codeBits: 16,
  codeFrac: 10,
});

/** The step h as the lca model holds it: round(h x 4096), at least 1 and at most 4096. */
export function lcaStepInt(h: number): number {
  if (!(h > 0 && h <= 1)) throw new RangeError(`fromLca: step h = ${h}, expected 0 < h <= 1`);
  return Math.min(4096, Math.max(1, Math.round(h * 4096)));
}

/**
 * The integer Network of a float LCA: dictionary phi (D x K, row-major phi[d * K + k]), threshold lambda and
 * Euler step h of a = max(u - lambda, 0), u += h (b - u - (Phi^T Phi - I) a). Populations x (input), a (lca),
 * xhat (readout); options left out take DEFAULT_LCA_QUANT's. Returns the network and the quantisation report.
 */
export function fromLca(
  phi: ArrayLike<number>,
  D: number,
  K: number,
  lambda: number,
  h: number,
  opts: Partial<LcaQuantOptions> = {},
): { net: Network; report: TensorReport[] } {
  if (!(Number.isInteger(D) && D > 0 && Number.isInteger(K) && K > 0))
    throw new RangeError(`fromLca: D = ${D}, K = ${K}, expected positive integers`);
  if (phi.length !== D * K) throw new RangeError(`fromLca: phi has ${phi.length} values, expected D x K = ${D * K}`);
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new RangeError(`fromLca: lambda = ${lambda}, expected >= 0`);
  const o = withDefaults<LcaQuantOptions>(DEFAULT_LCA_QUANT, opts);
  if (!(Number.isInteger(o.codeFrac) && o.codeFrac >= 0 && o.codeFrac <= o.uFrac))
    throw new RangeError(`fromLca: codeFrac = ${o.codeFrac}, expected an integer in 0 .. uFrac = ${o.uFrac}`);
  const iv = o.invVar ?? new Float64Array(D).fill(1);
  if (iv.length !== D) throw new RangeError(`fromLca: invVar has ${iv.length} values, expected D = ${D}`);
  const uf = q(o.uBits, o.uFrac),
    cf = q(o.codeBits, o.codeFrac, false),
    xf = inputFormat(o);
  const {
    ff: qf,
    rec: qr,
    dec: qd,
  } = coderProjections(phi, D, K, iv, 'a', {
    ...o,
    // the unsigned code travels as a signed graded value: one bit more
    payloadBits: o.codeBits + 1,
    selfWeight: 1,
  });
  const hInt = lcaStepInt(h),
    lamQ = toQ(lambda, uf);
  const { invVar: _iv, ...recorded } = o;
  const net: Network = {
    name: 'lca',
    populations: [
      { name: 'x', model: 'input', size: D, params: {}, formats: { x: xf } },
      { name: 'a', model: 'lca', size: K, params: { h: hInt, lambda: lamQ }, formats: { u: uf, code: cf } },
      { name: 'xhat', model: 'readout', size: D, params: {}, formats: { out: q(o.uBits, o.uFrac) } },
    ],
    projections: [...qf.projections, ...qr.projections, ...qd.projections],
    meta: {
      source: 'LCA (Rozell, Johnson, Baraniuk, Olshausen 2008), quantised by ipvae (src/frontends/lca.ts)',
      quant: snakeKeys(recorded),
      ...(opts.invVar ? { inv_var: Array.from(iv) } : {}),
    },
  };
  const report: TensorReport[] = [
    qf.report,
    { ...qr.report, name: 'W_rec (-(Phi^T Phi - I))' },
    { ...qd.report, name: 'Phi (decoder)' },
    errorReport('h', [h], [hInt], 13, -12),
    errorReport('lambda', [lambda], [lamQ], o.uBits, -o.uFrac),
  ];
  return { net, report };
}
