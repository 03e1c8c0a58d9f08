/**
 * ipvae-metrics: what the float evaluator measures (model-spec section 5), from the integer counts of an
 * iP-VAE network (an input, an ipvae and a readout population with a decoder projection): at the recorded
 * steps, R^2 of the reconstruction Phi z_t (the dequantised decoder) against the input, PZ (the share of
 * silent latents) and spikes; means over inputs are summed in input order. Options: record (steps, default
 * 1, 2, 4, ..., T), keepFinal (final integer rates exp(u_T) and counts, for comparisons with the float model).
 */
import { UserError } from '../../errors.js';
import { recordSteps } from '../../model/evaluate.js';
import { denseWeights, population, type Network } from '../../net/network.js';
import { concatArrays, defineProbe } from '../probe.js';

export interface NetMetrics {
  t: number;
  r2: number;
  pz: number;
  spikes: number;
}

export interface IpVaeMetricsResult {
  metrics: NetMetrics[];
  /** Per input and recorded step: r2, pz, spikes (N x record x 3). */
  perSample: Float64Array;
  record: number[];
  inputs: number;
  /** With keepFinal: exp(u_T) (N x K, float) and the last counts. */
  finalRates?: Float64Array;
  finalCounts?: Int32Array;
}

/**
 * The iP-VAE shape of a Network: input x (D), latents z (K), the decoder z -> xhat as a dense D x K matrix (the
 * sum of every z -> readout projection: a per-row quantised decoder is several).
 */
export function ipvaeShape(net: Network): { x: string; z: string; D: number; K: number; phi: Float64Array } {
  const x = net.populations.find((p) => p.model === 'input'),
    z = net.populations.find((p) => p.model === 'ipvae');
  const dec = net.projections.filter((p) => z && p.source === z.name && population(net, p.target).model === 'readout');
  if (!x || !z || dec.length === 0)
    throw new UserError(
      'network: not an iP-VAE network (needs an input, an ipvae and a readout population with a decoder projection)',
    );
  const phi = new Float64Array(x.size * z.size);
  for (const p of dec) if (p.target === dec[0].target) denseWeights(net, p).forEach((w, i) => (phi[i] += w));
  return { x: x.name, z: z.name, D: x.size, K: z.size, phi };
}

/** Whether a network has the iP-VAE's shape (an input, an ipvae and a readout population). */
export function isIpVaeNetwork(net: Network): boolean {
  return ['input', 'ipvae', 'readout'].every((m) => net.populations.some((p) => p.model === m));
}

/** Means over inputs, summed in input order (the same bits for any split over workers). */
function metricsOf(per: Float64Array, N: number, rec: number[]): NetMetrics[] {
  const R = rec.length;
  return rec.map((t, ri) => {
    let a = 0,
      b = 0,
      c = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * R + ri) * 3;
      a += per[o];
      b += per[o + 1];
      c += per[o + 2];
    }
    return { t, r2: a / N, pz: b / N, spikes: c / N };
  });
}

declare module '../probe.js' {
  interface ProbeResults {
    'ipvae-metrics': IpVaeMetricsResult;
  }
}

export default defineProbe<IpVaeMetricsResult>({
  kind: 'ipvae-metrics',
  doc: 'R^2 of the reconstruction from integer counts, PZ and spikes at recorded steps (iP-VAE networks on data)',
  options: ['record', 'keepFinal'],
  reads: (_req, net) => net.populations.filter((p) => p.model === 'ipvae').map((p) => p.name),
  create(ctx, req) {
    if (!ctx.data) throw new UserError('probe ipvae-metrics: needs data inputs (R^2 compares with the input)');
    const { z, D, K, phi } = ipvaeShape(ctx.net);
    const rec = (req.record as number[] | undefined) ?? recordSteps(ctx.steps);
    if (
      !Array.isArray(rec) ||
      rec.some((t, i) => !Number.isInteger(t) || t < 1 || t > ctx.steps || (i > 0 && t <= rec[i - 1]))
    )
      throw new UserError(`probe ipvae-metrics: record must be increasing steps in 1 .. ${ctx.steps}`);
    const R = rec.length,
      N = ctx.inputs;
    const per = new Float64Array(N * R * 3),
      xhat = new Float64Array(D);
    const keep = req.keepFinal === true;
    const finalRates = keep ? new Float64Array(N * K) : undefined,
      finalCounts = keep ? new Int32Array(N * K) : undefined;
    const zp = ctx.sim.pop(z);
    const fu = ctx.net.populations.find((p) => p.name === z)!.formats.u.frac;
    let x: Float32Array = new Float32Array(D),
      n = 0,
      ri = 0,
      sst = 0;
    return {
      start(i, xi) {
        n = i;
        ri = 0;
        x = xi!;
        let mean = 0;
        for (let d = 0; d < D; d++) mean += x[d];
        mean /= D;
        sst = 0;
        for (let d = 0; d < D; d++) sst += (x[d] - mean) ** 2;
      },
      step(t) {
        if (ri >= R || rec[ri] !== t) return;
        const zc = zp.out;
        xhat.fill(0);
        let zeros = 0,
          spikes = 0;
        for (let k = 0; k < K; k++) {
          const c = zc[k];
          if (c === 0) {
            zeros++;
            continue;
          }
          spikes += c;
          for (let d = 0; d < D; d++) xhat[d] += phi[d * K + k] * c;
        }
        let sse = 0;
        for (let d = 0; d < D; d++) sse += (x[d] - xhat[d]) ** 2;
        const o3 = (n * R + ri) * 3;
        per[o3] = sst > 0 ? 1 - sse / sst : 0;
        per[o3 + 1] = zeros / K;
        per[o3 + 2] = spikes;
        ri++;
      },
      end(i) {
        if (!finalRates || !finalCounts) return;
        const u = zp.state.u;
        for (let k = 0; k < K; k++) {
          finalRates[i * K + k] = Math.exp(u[k] / 2 ** fu);
          finalCounts[i * K + k] = zp.out[k];
        }
      },
      result: () => ({
        metrics: metricsOf(per, N, rec),
        perSample: per,
        record: rec,
        inputs: N,
        finalRates,
        finalCounts,
      }),
    };
  },
  merge(parts) {
    const perSample = concatArrays(parts.map((p) => p.perSample));
    const rec = parts[0].record,
      N = parts.reduce((a, p) => a + p.inputs, 0);
    return {
      metrics: metricsOf(perSample, N, rec),
      perSample,
      record: rec,
      inputs: N,
      finalRates: parts[0].finalRates ? concatArrays(parts.map((p) => p.finalRates!)) : undefined,
      finalCounts: parts[0].finalCounts ? concatArrays(parts.map((p) => p.finalCounts!)) : undefined,
    };
  },
});
