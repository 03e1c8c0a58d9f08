/**
 * Quantiser: a float iP-VAE -> an integer Network (builder fromIpVae). Weights become signed integers of
 * `weightBits` bits with one power-of-two exponent per projection, chosen so the largest magnitude uses the full
 * symmetric range (mantissa = round(w / 2^e), |mantissa| <= 2^(bits-1) - 1, so nothing clips):
 *   W_ff  = Phi^T diag(1/sigma^2)           input x -> neurons z, applied once per input (static)
 *   -W_rec = -Phi^T diag(1/sigma^2) Phi     z -> z, delay 1, graded counts
 *   Phi                                     z -> readout xhat (the decoder), delay 1
 * Membranes u, the thresholds b, u0, the clamp c and the -8 floor are in Q(uFrac) in a uBits register; eta is a
 * mantissa of etaBits bits and a shift; inputs x are in Q(inputFrac) of inputBits bits. The report gives each
 * tensor's exponent and its quantisation error.
 */
import type { IpVaeParams } from '../model/params.js';
import { logSigmaOf } from '../model/math.js';
import { toQ, q, type QFormat } from '../fixed/q.js';
import { csrFromDense, type Network, type Projection } from './network.js';

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
}

export const DEFAULT_QUANT: QuantOptions = {
  weightBits: 8,
  inputBits: 12,
  uBits: 24,
  uFrac: 16,
  etaBits: 16,
  countBits: 8,
  clamp: 10,
};

export interface TensorReport {
  name: string;
  bits: number;
  exponent: number;
  maxAbs: number;
  /** RMS and max absolute error of the dequantised tensor, and RMS error relative to the tensor's RMS. */
  rmsError: number;
  maxError: number;
  relRmsError: number;
}

/** Integer mantissas and exponent of a real tensor at `bits` bits (symmetric range). */
export function quantizeTensor(
  w: ArrayLike<number>,
  bits: number,
): { m: Int32Array; exponent: number; report: Omit<TensorReport, 'name'> } {
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) maxAbs = Math.max(maxAbs, Math.abs(w[i]));
  const top = 2 ** (bits - 1) - 1;
  const exponent = maxAbs > 0 ? Math.ceil(Math.log2(maxAbs / top)) : 0;
  const f = 2 ** exponent,
    m = new Int32Array(w.length);
  let se = 0,
    sw = 0,
    me = 0;
  for (let i = 0; i < w.length; i++) {
    let v = Math.round(w[i] / f);
    if (v > top) v = top;
    else if (v < -top) v = -top; // only reachable through floating rounding at the edge
    m[i] = v;
    const e = Math.abs(v * f - w[i]);
    se += e * e;
    sw += w[i] * w[i];
    me = Math.max(me, e);
  }
  const n = Math.max(1, w.length);
  return {
    m,
    exponent,
    report: {
      bits,
      exponent,
      maxAbs,
      rmsError: Math.sqrt(se / n),
      maxError: me,
      relRmsError: sw > 0 ? Math.sqrt(se / sw) : 0,
    },
  };
}

export function inputFormat(o: QuantOptions): QFormat {
  return q(o.inputBits, o.inputFrac ?? o.inputBits - 5, true);
}

/** The integer Network of a float iP-VAE, and the quantisation report. */
export function fromIpVae(p: IpVaeParams, opts: Partial<QuantOptions> = {}): { net: Network; report: TensorReport[] } {
  const o = { ...DEFAULT_QUANT, ...opts };
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
  const qf = quantizeTensor(wff, o.weightBits),
    qr = quantizeTensor(negRec, o.weightBits),
    qd = quantizeTensor(phi, o.weightBits);
  const fu = o.uFrac,
    uf = q(o.uBits, fu),
    xf = inputFormat(o);
  const eta = Math.exp(p.logLr);
  const etaShift = o.etaBits - 1 - Math.floor(Math.log2(eta));
  const etaMant = Math.min(2 ** o.etaBits - 1, Math.round(eta * 2 ** etaShift));
  const floor = -8 * 2 ** fu;
  const proj = (
    name: string,
    source: string,
    target: string,
    mq: { m: Int32Array; exponent: number },
    nT: number,
    nS: number,
    extra: Partial<Projection>,
  ): Projection => ({
    name,
    source,
    target,
    ...csrFromDense(mq.m, nT, nS),
    weightBits: o.weightBits,
    exponent: mq.exponent,
    delay: 1,
    payload: 'graded',
    payloadBits: o.countBits,
    static: false,
    ...extra,
  });
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
      { name: 'xhat', model: 'readout', size: D, params: {}, formats: { out: q(32, fu) } },
    ],
    projections: [
      proj('W_ff', 'x', 'z', qf, K, D, { static: true, delay: 0, payloadBits: o.inputBits }),
      proj('W_rec', 'z', 'z', qr, K, K, {}),
      proj('Phi', 'z', 'xhat', qd, D, K, {}),
    ],
    meta: {
      source: 'iP-VAE (Vafaii, Galor, Yates 2025), quantised by ipvae',
      sampler:
        'integer Poisson: rate = iexp(u) in Q16, chunked inverse CDF on Threefry-2x32-20 words keyed (seed, sample), counter (neuron, step)',
      quant: o,
    },
  };
  const scalarReport = (
    name: string,
    real: ArrayLike<number>,
    q: ArrayLike<number>,
    f: number,
    bits: number,
    exponent: number,
  ): TensorReport => {
    let se = 0,
      sw = 0,
      me = 0,
      ma = 0;
    for (let i = 0; i < real.length; i++) {
      const e = Math.abs(q[i] * f - real[i]);
      se += e * e;
      sw += real[i] ** 2;
      me = Math.max(me, e);
      ma = Math.max(ma, Math.abs(real[i]));
    }
    return {
      name,
      bits,
      exponent,
      maxAbs: ma,
      rmsError: Math.sqrt(se / real.length),
      maxError: me,
      relRmsError: sw > 0 ? Math.sqrt(se / sw) : 0,
    };
  };
  const zp = net.populations[1].params;
  const report: TensorReport[] = [
    { name: 'W_ff', ...qf.report },
    { name: 'W_rec (negated)', ...qr.report },
    { name: 'Phi (decoder)', ...qd.report },
    scalarReport('eta', [eta], [etaMant], 2 ** -etaShift, o.etaBits, -etaShift),
    scalarReport('b', Array.from(p.logBias, Math.exp), zp.bias as Int32Array, 2 ** -fu, o.uBits, -fu),
    scalarReport(
      'u0',
      Array.from(p.u0, (u) => Math.max(-8, u)),
      zp.u0 as Int32Array,
      2 ** -fu,
      o.uBits,
      -fu,
    ),
  ];
  return { net, report };
}
