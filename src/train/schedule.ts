/**
 * Training schedules as fractions of the total number of iterations N (model-spec section 3), evaluated per
 * iteration i = 0 .. N-1:
 * - beta: 1e-4 for the first 0.1 %, a linear ramp to beta over the next 10 %, then constant;
 * - clamp c: the same shape, from 2 to 10;
 * - tau: linear from 1.0 to 0.01 over the first 50 %, then 0.01;
 * - learning rate: linear warm-up over the first 0.5 % (reaching lr at the end of warm-up), then a per-batch
 *   cosine from lr down to 1e-5 at the last iteration;
 * - gradient-norm clip: 3x during warm-up.
 */

export interface ScheduleConfig {
  iterations: number;
  lr: number;
  lrMin?: number;
  beta: number;
  betaStart?: number;
  clampStart?: number;
  clampEnd?: number;
  tauStart?: number;
  tauEnd?: number;
  clip: number;
  warmupFraction?: number;
  holdFraction?: number;
  rampFraction?: number;
  tauFraction?: number;
}

export interface ScheduleAt {
  lr: number;
  beta: number;
  clamp: number;
  tau: number;
  clip: number;
  warmup: boolean;
}

function ramp(i: number, N: number, hold: number, rampF: number, from: number, to: number): number {
  const h = hold * N,
    r = rampF * N;
  if (i < h) return from;
  if (i >= h + r) return to;
  return from + ((to - from) * (i - h)) / r;
}

export function scheduleAt(i: number, c: ScheduleConfig): ScheduleAt {
  const N = c.iterations;
  const W = Math.max(1, Math.ceil((c.warmupFraction ?? 0.005) * N));
  const lrMin = c.lrMin ?? 1e-5;
  const warmup = i < W;
  const lr = warmup
    ? (c.lr * (i + 1)) / W
    : lrMin + 0.5 * (c.lr - lrMin) * (1 + Math.cos((Math.PI * (i - W)) / Math.max(1, N - 1 - W)));
  const hold = c.holdFraction ?? 0.001,
    rampF = c.rampFraction ?? 0.1;
  const tauF = (c.tauFraction ?? 0.5) * N;
  const t0 = c.tauStart ?? 1,
    t1 = c.tauEnd ?? 0.01;
  return {
    lr,
    beta: ramp(i, N, hold, rampF, c.betaStart ?? 1e-4, c.beta),
    clamp: ramp(i, N, hold, rampF, c.clampStart ?? 2, c.clampEnd ?? 10),
    tau: i >= tauF ? t1 : t0 + ((t1 - t0) * i) / tauF,
    clip: warmup ? 3 * c.clip : c.clip,
    warmup,
  };
}
