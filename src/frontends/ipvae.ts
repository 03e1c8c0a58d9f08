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
import {
  errorReport,
  quantizeProjection,
  type ProjectionQuantOptions,
  type ProjectionShape,
  type TensorReport,
} from '../net/quantize.js';

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

type Quantised = ReturnType<typeof quantizeProjection>;

/**
 * The three projections of a recurrent linear coder over a dictionary Phi (D x K, row-major) and input weights w
 * (the diagonal of Sigma^-1): x -> hidden, W_ff = Phi^T diag(w) (static, no delay, inputBits payload); hidden ->
 * hidden, W_rec = -(Phi^T diag(w) Phi) + selfWeight I; hidden -> xhat, Phi (the readout); graded payloads of
 * payloadBits, each computed in float64 and quantised to weightBits. The iP-VAE (selfWeight 0) and LCA
 * (selfWeight 1, src/frontends/lca.ts) networks are built on it.
 */
export function coderProjections(
  phi: ArrayLike<number>,
  D: number,
  K: number,
  w: ArrayLike<number>,
  hidden: string,
  o: {
    weightBits: number;
    exponent?: ProjectionQuantOptions['exponent'];
    inputBits: number;
    payloadBits: number;
    selfWeight: number;
  },
): { ff: Quantised; rec: Quantised; dec: Quantised } {
  const wff = new Float64Array(K * D),
    dec = new Float64Array(D * K);
  for (let d = 0; d < D; d++)
    for (let k = 0; k < K; k++) {
      wff[k * D + d] = phi[d * K + k] * w[d];
      dec[d * K + k] = phi[d * K + k];
    }
  const rec = new Float64Array(K * K);
  for (let d = 0; d < D; d++)
    for (let i = 0; i < K; i++) {
      const a = dec[d * K + i] * w[d];
      if (a === 0) continue;
      for (let j = 0; j < K; j++) rec[i * K + j] -= a * dec[d * K + j];
    }
  if (o.selfWeight !== 0) for (let k = 0; k < K; k++) rec[k * K + k] += o.selfWeight;
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
    payloadBits: o.payloadBits,
    static: false,
    ...extra,
  });
  const qo = { weightBits: o.weightBits, exponent: o.exponent ?? 'shared' };
  return {
    ff: quantizeProjection(
      shape('W_ff', 'x', hidden, { static: true, delay: 0, payloadBits: o.inputBits }),
      wff,
      K,
      D,
      qo,
    ),
    rec: quantizeProjection(shape('W_rec', hidden, hidden), rec, K, K, qo),
    dec: quantizeProjection(shape('Phi', hidden, 'xhat'), dec, D, K, qo),
  };
}

/** The integer Network of a float iP-VAE, and the quantisation report; options left out take DEFAULT_QUANT's. */
export function fromIpVae(p: IpVaeParams, opts: Partial<QuantOptions> = {}): { net: Network; report: TensorReport[] } {
  const o = withDefaults(DEFAULT_QUANT, opts);
  const { D, K } = p;
  const wv = Float64Array.from(p.s, (s) => Math.exp(-2 * logSigmaOf(s)));
  const fu = o.uFrac,
    uf = q(o.uBits, fu),
    xf = inputFormat(o);
  const eta = Math.exp(p.logLr);
  const etaShift = o.etaBits - 1 - Math.floor(Math.log2(eta));
  const etaMant = Math.min(2 ** o.etaBits - 1, Math.round(eta * 2 ** etaShift));
  const floor = -8 * 2 ** fu;
  const {
    ff: qf,
    rec: qr,
    dec: qd,
  } = coderProjections(p.phi, D, K, wv, 'z', { ...o, payloadBits: o.countBits, selfWeight: 0 });
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
