/**
 * Integer against float, per weight width: the float iP-VAE and its quantised integer network on the same
 * inputs, steps and seed; R^2 and PZ of both at the last step, the correlation of their final rates, the share
 * of latents on the same side of ln 2 (active or not) and the saturations. `ipvae validate`, the report and the
 * demo run it. compareWidths is the model-independent part (LCA's validateLca in src/baselines/integer.ts uses it).
 */
import { fromIpVae, type QuantOptions } from '../frontends/ipvae.js';
import { evaluate } from '../model/evaluate.js';
import type { IpVaeParams } from '../model/params.js';
import { probeResult, runNetwork } from '../sim/run.js';

export interface ValidationRow {
  bits: number;
  float: { r2: number; pz: number };
  int: { r2: number; pz: number };
  /** Correlation of the final float and integer values per latent: rates exp(u) (iP-VAE), codes (LCA). */
  rateCorr: number;
  activeAgreement: number;
  saturations: number;
  networkSaturations: number;
  inputSaturations: number;
  /** ok, degraded or failed against the float model (verdictOf), and why. */
  verdict: Verdict;
  reason: string;
}

/** How far the integer network may fall short of the float model and still be called ok or degraded. */
export const VERDICT_LIMITS = {
  /** ok: int R^2 at most this below float, PZ within pzOk, rate correlation at least corrOk. */
  r2Ok: 0.02,
  pzOk: 0.05,
  corrOk: 0.95,
  /** failed: int R^2 below 0 (worse than the mean input) or more than this below float. */
  r2Failed: 0.1,
} as const;

export type Verdict = 'ok' | 'degraded' | 'failed';

/** A width's verdict, with the reason in a few words (VERDICT_LIMITS has the thresholds). */
export function verdictOf(r: Pick<ValidationRow, 'float' | 'int' | 'rateCorr'>): { verdict: Verdict; reason: string } {
  const L = VERDICT_LIMITS,
    drop = r.float.r2 - r.int.r2,
    dpz = Math.abs(r.int.pz - r.float.pz);
  const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(3));
  if (!(r.int.r2 >= 0)) return { verdict: 'failed', reason: `int R^2 ${f(r.int.r2)} < 0: worse than the mean input` };
  if (drop > L.r2Failed)
    return { verdict: 'failed', reason: `int R^2 ${f(drop)} below float (more than ${L.r2Failed})` };
  if (drop > L.r2Ok) return { verdict: 'degraded', reason: `int R^2 ${f(drop)} below float (more than ${L.r2Ok})` };
  if (dpz > L.pzOk) return { verdict: 'degraded', reason: `PZ differs by ${f(dpz)} (more than ${L.pzOk})` };
  if (!(r.rateCorr >= L.corrOk))
    return { verdict: 'degraded', reason: `rate correlation ${r.rateCorr.toFixed(4)} (below ${L.corrOk})` };
  return { verdict: 'ok', reason: `within ${L.r2Ok} R^2 and ${L.pzOk} PZ of float, rate correlation >= ${L.corrOk}` };
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

/** One side of a comparison: R^2, PZ and the final per-latent values (N x K: rates exp(u), or codes). */
export interface SideResult {
  r2: number;
  pz: number;
  final: ArrayLike<number>;
}

/** One integer width's run: its side, and the saturations inside the network and of its inputs. */
export interface WidthRun extends SideResult {
  networkSaturations: number;
  inputSaturations: number;
}

/**
 * The rows of a float model against its integer networks, one per width, for any model: `float` is the float
 * side, `runWidth` quantises to a width and runs it; `active` says whether a latent's final value counts as
 * active (the iP-VAE: rate >= ln 2; LCA: code > 0). rateCorr is the correlation of the final values.
 */
export async function compareWidths(
  float: SideResult,
  bits: number[],
  runWidth: (bits: number) => Promise<WidthRun>,
  active: (v: number) => boolean,
  onRow?: (row: ValidationRow) => void,
): Promise<ValidationRow[]> {
  const fr = float.final;
  const rows: ValidationRow[] = [];
  for (const b of bits) {
    const r = await runWidth(b);
    const ir = r.final;
    let agree = 0;
    for (let i = 0; i < fr.length; i++) if (active(fr[i]) === active(ir[i])) agree++;
    const base = {
      bits: b,
      float: { r2: float.r2, pz: float.pz },
      int: { r2: r.r2, pz: r.pz },
      rateCorr: correlation(fr, ir),
      activeAgreement: agree / fr.length,
      saturations: r.networkSaturations + r.inputSaturations,
      networkSaturations: r.networkSaturations,
      inputSaturations: r.inputSaturations,
    };
    const row: ValidationRow = { ...base, ...verdictOf(base) };
    rows.push(row);
    onRow?.(row);
  }
  return rows;
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
  return compareWidths(
    { r2: fm.r2, pz: fm.pz, final: fr },
    bits,
    async (b) => {
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
      return {
        r2: r.metrics[0].r2,
        pz: r.metrics[0].pz,
        final: r.finalRates!,
        networkSaturations: run.counters.saturations,
        inputSaturations: run.inputSaturations,
      };
    },
    (rate) => rate >= Math.LN2,
    o.onRow,
  );
}
