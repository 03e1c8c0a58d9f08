/**
 * Integer against float, per weight width: the float iP-VAE and its quantised integer network on the same
 * inputs, steps and seed; R^2 and PZ of both at the last step, the correlation of their final rates, the share
 * of latents on the same side of ln 2 (active or not) and the saturations. `ipvae validate`, the report and the
 * demo run it.
 */
import { fromIpVae, type QuantOptions } from '../frontends/ipvae.js';
import { evaluate } from '../model/evaluate.js';
import type { IpVaeParams } from '../model/params.js';
import { probeResult, runNetwork } from '../sim/run.js';

export interface ValidationRow {
  bits: number;
  float: { r2: number; pz: number };
  int: { r2: number; pz: number };
  rateCorr: number;
  activeAgreement: number;
  saturations: number;
  networkSaturations: number;
  inputSaturations: number;
}

export interface ValidateOptions {
  steps: number;
  seed: number;
  workers: number;
  /** Quantiser options besides the weight width (which each row sets). */
  quant?: Partial<QuantOptions>;
  exponent?: 'shared' | 'per-row';
  /** Called before each width's integer run; returns its progress callback. */
  onWidth?: (bits: number) => ((done: number, total: number) => void) | undefined;
  /** Called after each width's row. */
  onRow?: (row: ValidationRow) => void;
}

/** Pearson correlation of two equal-length arrays. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sa = 0,
    sb = 0,
    saa = 0,
    sbb = 0,
    sab = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
    saa += a[i] * a[i];
    sbb += b[i] * b[i];
    sab += a[i] * b[i];
  }
  const cov = sab / n - (sa / n) * (sb / n),
    va = saa / n - (sa / n) ** 2,
    vb = sbb / n - (sb / n) ** 2;
  return cov / Math.sqrt(va * vb);
}

export async function validateWidths(
  p: IpVaeParams,
  X: Float32Array,
  N: number,
  bits: number[],
  o: ValidateOptions,
): Promise<ValidationRow[]> {
  const { steps, seed, workers } = o;
  const fl = await evaluate(p, X, N, { steps, seed, workers, record: [steps], keepFinalU: true });
  const fm = fl.metrics[0];
  const fr = Float64Array.from(fl.finalU!, (u) => Math.exp(u));
  const rows: ValidationRow[] = [];
  for (const b of bits) {
    const { net } = fromIpVae(p, { ...o.quant, weightBits: b, exponent: o.exponent ?? 'shared' });
    const run = await runNetwork(
      net,
      { data: X, n: N },
      {
        steps,
        seed,
        engine: 'event',
        probes: [{ kind: 'ipvae-metrics', record: [steps], keepFinal: true }],
        workers,
        onProgress: o.onWidth?.(b),
      },
    );
    const r = probeResult(run, 'ipvae-metrics');
    const ir = r.finalRates!;
    let agree = 0;
    for (let i = 0; i < fr.length; i++) if (fr[i] >= Math.LN2 === ir[i] >= Math.LN2) agree++;
    const row: ValidationRow = {
      bits: b,
      float: { r2: fm.r2, pz: fm.pz },
      int: { r2: r.metrics[0].r2, pz: r.metrics[0].pz },
      rateCorr: correlation(fr, ir),
      activeAgreement: agree / fr.length,
      saturations: run.counters.saturations + run.inputSaturations,
      networkSaturations: run.counters.saturations,
      inputSaturations: run.inputSaturations,
    };
    rows.push(row);
    o.onRow?.(row);
  }
  return rows;
}
