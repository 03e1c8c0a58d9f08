/**
 * The iP-VAE front end: a float iP-VAE -> an integer Network (fromIpVae). Weights go through the generic
 * projection quantiser (src/net/quantize.ts): signed integers of `weightBits` bits with one power-of-two
 * exponent per projection, chosen so the largest magnitude uses the full symmetric range:
 *   W_ff  = Phi^T diag(1/sigma^2)           input x -> neurons z, applied once per input (static)
 *   -W_rec = -Phi^T diag(1/sigma^2) Phi     z -> z, delay 1, graded counts
 *   Phi                                     z -> readout xhat (the decoder), delay 1
 * Membranes u, the thresholds b, u0, the clamp c and the -8 floor are in Q(uFrac) in a uBits register; eta is a
 * mantissa of etaBits bits and a shift; inputs x are in Q(inputFrac) of inputBits bits; the readout xhat is a
 * uBits register in Q(uFrac). The report gives each tensor's exponent and its quantisation error.
 */
import type { IpVaeParams } from '../model/params.js';
import { logSigmaOf } from '../model/math.js';
import { toQ, q, type QFormat } from '../fixed/q.js';
import type { Network } from '../net/network.js';
import { camelKeys, snakeKeys } from '../io/json-case.js';
import { DEFAULTS, withDefaults } from '../defaults.js';
import { errorReport, quantizeProjection, type ProjectionShape, type TensorReport } from '../net/quantize.js';

export type { TensorReport };

export interface QuantOptions {
  weightBits: number;
  inputBits: number;
  /** Fraction bits of x (default inputBits - 5: range +-16). */
  inputFrac?: number;
  uBits: number;
  uFrac: number;
  etaBits: number;
  /** Width of a graded count (the sampler saturates at 2^countBits - 1). */
  countBits: number;
  clamp: number;
  /** One weight exponent per projection ('shared', default) or per target neuron ('per-row'). */
  exponent?: 'shared' | 'per-row';
}

/** What fromIpVae and inputFormat apply to every option left out (the CLI's ipvae quantize defaults). */
export const DEFAULT_QUANT: QuantOptions = Object.freeze({
  weightBits: DEFAULTS.weightBits,
  inputBits: 12,
  uBits: 24,
  uFrac: 16,
  etaBits: 16,
  countBits: 8,
  clamp: DEFAULTS.clamp,
});

/** The fixed-point format of the inputs x: inputBits signed, inputFrac fraction bits (defaults: s12.7). */
export function inputFormat(opts: Partial<QuantOptions> = {}): QFormat {
  const o = withDefaults(DEFAULT_QUANT, opts);
  return q(o.inputBits, o.inputFrac ?? o.inputBits - 5, true);
}

/** The integer Network of a float iP-VAE, and the quantisation report; options left out take DEFAULT_QUANT's. */
export function fromIpVae(p: IpVaeParams, opts: Partial<QuantOptions> = {}): { net: Network; report: TensorReport[] } {
  const o = withDefaults(DEFAULT_QUANT, opts);
  const { D, K } = p;
  const wv = Float64Array.from(p.s, (s) => Math.exp(-2 * logSigmaOf(s)));
  const wff = new Float64Array(K * D),
    phi = new Float64Array(D * K);
  for (let d = 0; d < D; d++)
    for (let k = 0; k < K; k++) {
      wff[k * D + d] = p.phi[d * K + k] * wv[d];
      phi[d * K + k] = p.phi[d * K + k];
    }
  // -W_rec = -Phi^T diag(w) Phi in float64
  const negRec = new Float64Array(K * K),
    row = new Float64Array(K);
  for (let d = 0; d < D; d++) {
    for (let k = 0; k < K; k++) row[k] = phi[d * K + k];
    for (let i = 0; i < K; i++) {
      const a = row[i] * wv[d];
      if (a === 0) continue;
      for (let j = 0; j < K; j++) negRec[i * K + j] -= a * row[j];
    }
  }
  const fu = o.uFrac,
    uf = q(o.uBits, fu),
    xf = inputFormat(o);
  const eta = Math.exp(p.logLr);
  const etaShift = o.etaBits - 1 - Math.floor(Math.log2(eta));
  const etaMant = Math.min(2 ** o.etaBits - 1, Math.round(eta * 2 ** etaShift));
  const floor = -8 * 2 ** fu;
  const shape = (
    name: string,
    source: string,
    target: string,
    extra: Partial<ProjectionShape> = {},
  ): ProjectionShape => ({
    name,
    source,
    target,
    delay: 1,
    payload: 'graded',
    payloadBits: o.countBits,
    static: false,
    ...extra,
  });
  const qo = { weightBits: o.weightBits, exponent: o.exponent ?? 'shared' };
  const qf = quantizeProjection(
      shape('W_ff', 'x', 'z', { static: true, delay: 0, payloadBits: o.inputBits }),
      wff,
      K,
      D,
      qo,
    ),
    qr = quantizeProjection(shape('W_rec', 'z', 'z'), negRec, K, K, qo),
    qd = quantizeProjection(shape('Phi', 'z', 'xhat'), phi, D, K, qo);
  const net: Network = {
    name: 'ipvae',
    populations: [
      { name: 'x', model: 'input', size: D, params: {}, formats: { x: xf } },
      {
        name: 'z',
        model: 'ipvae',
        size: K,
        params: {
          eta_mant: etaMant,
          eta_shift: etaShift,
          bias: Int32Array.from(p.logBias, (b) => toQ(Math.exp(b), uf)),
          u0: Int32Array.from(p.u0, (u) => Math.max(floor, toQ(u, uf))),
          clamp: o.clamp * 2 ** fu,
          floor,
          count_cap: 2 ** o.countBits - 1,
        },
        formats: { u: uf, rate: q(32, 16, false) },
      },
      { name: 'xhat', model: 'readout', size: D, params: {}, formats: { out: q(o.uBits, fu) } },
    ],
    projections: [...qf.projections, ...qr.projections, ...qd.projections],
    meta: {
      source: 'iP-VAE (Vafaii, Galor, Yates 2025), quantised by ipvae',
      sampler:
        'integer Poisson: rate = iexp(u) in Q16, chunked inverse CDF on Threefry-2x32-20 words keyed (seed, sample), counter (neuron, step)',
      quant: snakeKeys(o), // snake_case at the file boundary
    },
  };
  const zp = net.populations[1].params;
  const report: TensorReport[] = [
    qf.report,
    { ...qr.report, name: 'W_rec (negated)' },
    { ...qd.report, name: 'Phi (decoder)' },
    errorReport('eta', [eta], [etaMant], o.etaBits, -etaShift),
    errorReport('b', Array.from(p.logBias, Math.exp), zp.bias as Int32Array, o.uBits, -fu),
    errorReport(
      'u0',
      Array.from(p.u0, (u) => Math.max(-8, u)),
      zp.u0 as Int32Array,
      o.uBits,
      -fu,
    ),
  ];
  return { net, report };
}

/**
 * Whether a float model is the one an integer network was quantised from: quantised again with the options the
 * network records (meta.quant), it gives the same integer weights and exponents. A network requantised to
 * another width (ipvae quantize --net) records that width too.
 */
export function quantisedFrom(p: IpVaeParams, net: Network): boolean {
  const quant = (net.meta as { quant?: unknown }).quant;
  if (!quant || typeof quant !== 'object') return false;
  let again: Network;
  try {
    again = fromIpVae(p, camelKeys(quant) as Partial<QuantOptions>).net;
  } catch {
    return false;
  }
  if (again.projections.length !== net.projections.length) return false;
  return net.projections.every((q, i) => {
    const r = again.projections[i];
    return (
      r.name === q.name &&
      r.exponent === q.exponent &&
      r.weights.length === q.weights.length &&
      r.weights.every((w, j) => w === q.weights[j]) &&
      r.indices.every((x, j) => x === q.indices[j])
    );
  });
}
