/**
 * `ipvae compare` as a library function: every family (registry.ts) trained at every sweep value and seed with an
 * equal wall-clock budget per family (split over its sweep values), scored on the same held-out inputs by the same
 * code (score.ts), the best sweep value per family by the distance d to the ideal corner, and, for those, the
 * out-of-distribution sets. Jobs run `workers` at a time in worker threads, one core each, so a family's budget is
 * one core's time whatever else runs. Every run reports the iteration counts it used; `replay` repeats them, and
 * the whole result is then the same bytes for the same seeds.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { FAMILIES, findFamily } from './registry.js';
import {
  runAnalyseJob,
  runTrainJob,
  type AnalyseJob,
  type AnalyseResult,
  type Job,
  type TrainJob,
  type TrainResult,
} from './jobs.js';
import type { Trained } from './family.js';
import { UserError } from '../errors.js';
import { loadData } from '../data/datasets.js';
import { INTEGER_FAMILIES } from './integer.js';

export const COMPARE_FORMAT = 'ipvae.compare';
export const COMPARE_VERSION = 1;

/** The paper's numbers (Vafaii, Galor, Yates 2025; the authors' result tables), for the tables' last columns. */
export const PAPER: Record<
  'patches' | 'mnist',
  Record<string, { r2?: number; pz?: number; d?: number; probe?: number }>
> = {
  patches: {
    'ip-vae': { r2: 0.827, pz: 0.775, d: 0.284 },
    lca: { r2: 0.826, pz: 0.778, d: 0.282 },
    'ig-relu-vae': { d: 0.364 },
    'amortized-p-vae': { r2: 0.696, pz: 0.774, d: 0.379 },
    'ig-vae': { pz: 0, d: 1.006 },
    'amortized-g-vae': { pz: 0, d: 1.021 },
  },
  mnist: {
    'ip-vae': { r2: 0.951, pz: 0.844, probe: 0.965 },
    'ig-vae': { r2: 0.914, pz: 0, probe: 0.927 },
    'ig-relu-vae': { r2: 0.906, pz: 0.785, probe: 0.957 },
    'amortized-p-vae': { r2: 0.713, pz: 0.838, probe: 0.979 },
    'amortized-g-vae': { r2: 0.841, pz: 0, probe: 0.958 },
    pc: { r2: 0.896, pz: 0, probe: 0.907 },
  },
};

export interface CompareOptions {
  data: 'patches' | 'mnist';
  /** Wall-clock training minutes per family and seed (split over its sweep values). */
  budgetMinutes: number;
  seeds: number[];
  /** Family names (default: all). */
  families?: string[];
  K?: number;
  /** Held-out inputs scored per run (default 500). */
  evalInputs?: number;
  /** Inference steps of the iterative families (default 1000). */
  steps?: number;
  /** Worker threads (default 2); 0 runs every job in this thread. */
  workers?: number;
  /** Out-of-distribution data names, scored for each family's best sweep value. */
  ood?: string[];
  oodInputs?: number;
  /**
   * Labelled training inputs of the linear probe on each family's best models (default 2000 on mnist; 0: none;
   * patches have no labels). The probe is scored on probeTestInputs held-out inputs (default: all).
   */
  probeInputs?: number;
  probeTestInputs?: number;
  /** Weight width of the integer check of the families with an integer path (integer.ts; default 8; 0: none). */
  integerBits?: number;
  /** A previous result: its runs' counts are repeated (the same data, K, steps and sweep values needed). */
  replay?: CompareResult;
  /** Job events, for a progress display. */
  onEvent?: (e: CompareEvent) => void;
}

export type CompareEvent =
  | { kind: 'start'; jobs: number }
  | { kind: 'progress'; job: string; fraction: number; status: string }
  | { kind: 'done'; job: string; done: number; jobs: number; line: string };

export interface RunRecord {
  family: string;
  knob: number;
  seed: number;
  r2: number;
  pz: number;
  d: number;
  /** R^2 from the features (rates, means): the paper's r2_map. */
  r2Map: number;
  trainSeconds: number;
  evalSeconds: number;
  info: Trained['info'];
}

/** Mean and 95 % interval half-width over seeds (Student t; 0 with one seed). */
export interface Stat {
  mean: number;
  ci95: number;
  n: number;
}

export interface FamilySummary {
  family: string;
  label: string;
  kind: string;
  knobName: string;
  /** The sweep value with the lowest mean d over seeds. */
  bestKnob: number;
  r2: Stat;
  pz: Stat;
  d: Stat;
  r2Map: Stat;
  ood: { data: string; r2: Stat; pz: Stat }[];
  /** Held-out accuracy of the linear probe (0..1) on the features, when run. */
  probe: Stat | null;
  /** The best models quantised to `bits` and run as integer networks: R^2 and PZ on the same inputs. */
  integer: { bits: number; r2: Stat; pz: Stat } | null;
  paper: { r2?: number; pz?: number; d?: number; probe?: number } | null;
  choices: readonly string[];
}

export interface CompareResult {
  format: typeof COMPARE_FORMAT;
  version: number;
  data: 'patches' | 'mnist';
  /** K of every family. */
  latents: number;
  budgetMinutes: number;
  seeds: number[];
  steps: number;
  evalInputs: number;
  oodInputs: number;
  /** Training and held-out inputs of the linear probe (0 when it was not run). */
  probeInputs: number;
  probeTestInputs: number;
  /** Weight width of the integer check (0 when it was not run). */
  integerBits: number;
  runs: RunRecord[];
  families: FamilySummary[];
  seconds: number;
}

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (then the normal's 1.96). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Mean and the half-width of the 95 % Student-t interval of the mean. */
export function stat(values: number[]): Stat {
  const n = values.length;
  if (n === 0) return { mean: NaN, ci95: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, ci95: 0, n };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return { mean, ci95: (T975[Math.min(n - 2, T975.length - 1)] ?? 1.96) * (sd / Math.sqrt(n)), n };
}

function workerUrl(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./job-worker.js', import.meta.url);
  return new URL('../../dist/src/baselines/job-worker.js', import.meta.url);
}

function runInWorker<R>(job: Job, onProgress: (fraction: number, status: string) => void): Promise<R> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerUrl(), { workerData: job });
    let settled = false;
    w.on('message', (m: { progress?: number; status?: string; result?: R; error?: string; user?: boolean }) => {
      if (m.progress !== undefined) onProgress(m.progress, m.status ?? '');
      else {
        settled = true;
        void w.terminate();
        if (m.error !== undefined) reject(m.user ? new UserError(m.error) : new Error(m.error));
        else resolve(m.result as R);
      }
    });
    w.once('error', (e) => {
      settled = true;
      reject(e);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`compare worker exited with code ${code}`));
    });
  });
}

/** Run tasks `workers` at a time, results in task order. */
async function pool<T, R>(tasks: T[], workers: number, run: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await run(tasks[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, tasks.length)) }, lane));
  return out;
}

const jobName = (j: TrainJob) => `${j.family} ${j.knob} seed ${j.seed}`;

export async function compare(o: CompareOptions): Promise<CompareResult> {
  const t0 = performance.now();
  const K = o.K ?? 512,
    steps = o.steps ?? 1000,
    evalInputs = o.evalInputs ?? 500,
    oodInputs = o.oodInputs ?? 500,
    workers = o.workers ?? 2,
    probeInputs = o.data === 'mnist' ? (o.probeInputs ?? 2000) : 0,
    probeTestInputs = probeInputs > 0 ? (o.probeTestInputs ?? loadData(o.data, 'test').N) : 0,
    integerBits = o.integerBits ?? 8;
  const names = o.families ?? FAMILIES.map((f) => f.name);
  const fams = names.map((n) => {
    const f = findFamily(n);
    if (!f) throw new UserError(`--families: no family "${n}" (known: ${FAMILIES.map((x) => x.name).join(', ')})`);
    return f;
  });
  if (o.replay) {
    const r = o.replay;
    if (r.data !== o.data || r.latents !== K || r.steps !== steps || r.evalInputs !== evalInputs)
      throw new UserError(
        `--replay: the file compared ${r.data} (K ${r.latents}, ${r.steps} steps, ${r.evalInputs} inputs), not ${o.data} (K ${K}, ${steps} steps, ${evalInputs} inputs)`,
      );
  }
  const jobs: TrainJob[] = [];
  for (const f of fams)
    for (const seed of o.seeds)
      for (const knob of f.knob.values[o.data]) {
        const replay = o.replay?.runs.find((r) => r.family === f.name && r.knob === knob && r.seed === seed)?.info;
        if (o.replay && !replay)
          throw new UserError(`--replay: the file has no run of ${f.name} at ${f.knob.name} ${knob}, seed ${seed}`);
        jobs.push({
          kind: 'train',
          family: f.name,
          data: o.data,
          K,
          seed,
          budgetMs: (o.budgetMinutes * 60000) / f.knob.values[o.data].length,
          knob,
          replay,
          evalInputs,
          steps,
        });
      }
  o.onEvent?.({ kind: 'start', jobs: jobs.length });
  let done = 0;
  const results = await pool(jobs, workers, async (j) => {
    const progress = (fraction: number, status: string) =>
      o.onEvent?.({ kind: 'progress', job: jobName(j), fraction, status });
    const r = workers === 0 ? await runTrainJob(j, progress) : await runInWorker<TrainResult>(j, progress);
    done++;
    o.onEvent?.({
      kind: 'done',
      job: jobName(j),
      done,
      jobs: jobs.length,
      line: `${jobName(j)}: R2 ${r.r2.toFixed(3)} PZ ${r.pz.toFixed(3)} d ${r.d.toFixed(3)} (${r.trainSeconds.toFixed(0)} s training, ${r.evalSeconds.toFixed(0)} s scoring)`,
    });
    return r;
  });
  const runs: RunRecord[] = jobs.map((j, i) => ({
    family: j.family,
    knob: j.knob,
    seed: j.seed,
    r2: results[i].r2,
    pz: results[i].pz,
    d: results[i].d,
    r2Map: results[i].r2Map,
    trainSeconds: results[i].trainSeconds,
    evalSeconds: results[i].evalSeconds,
    info: results[i].trained.info,
  }));
  // the best sweep value per family: the lowest d averaged over seeds
  const best = fams.map((f) => {
    const vals = f.knob.values[o.data];
    const meanD = vals.map((v) => stat(runs.filter((r) => r.family === f.name && r.knob === v).map((r) => r.d)).mean);
    return vals[meanD.indexOf(Math.min(...meanD))];
  });
  // the out-of-distribution sets, the probe and the integer check, for each family's best models
  const analyse: { f: number; seed: number; job: AnalyseJob }[] = [];
  fams.forEach((f, fi) => {
    const ints = integerBits > 0 && INTEGER_FAMILIES.includes(f.name) ? integerBits : 0;
    if (!o.ood?.length && !probeInputs && !ints) return;
    for (const seed of o.seeds) {
      const i = jobs.findIndex((j) => j.family === f.name && j.knob === best[fi] && j.seed === seed);
      analyse.push({
        f: fi,
        seed,
        job: {
          kind: 'analyse',
          family: f.name,
          trained: results[i].trained,
          steps,
          seed,
          ood: o.ood ?? [],
          oodInputs,
          data: o.data,
          probeInputs,
          probeTestInputs,
          integerBits: ints,
          evalInputs,
        },
      });
    }
  });
  let analysedDone = 0;
  const analysed = await pool(analyse, workers, async (a) => {
    const r = workers === 0 ? await runAnalyseJob(a.job) : await runInWorker<AnalyseResult>(a.job, () => {});
    const name = `${a.job.family} ${a.job.trained.knob} seed ${a.seed}`;
    analysedDone++;
    o.onEvent?.({
      kind: 'done',
      job: name,
      done: analysedDone,
      jobs: analyse.length,
      line: `${name} analysed:${r.probe === undefined ? '' : ` probe ${(100 * r.probe).toFixed(1)} %`}${r.integer ? ` ${integerBits}-bit R2 ${r.integer.r2.toFixed(3)} PZ ${r.integer.pz.toFixed(3)}` : ''}${r.ood.map((x) => ` ${x.data} R2 ${x.r2.toFixed(3)}`).join('')} (${r.seconds.toFixed(0)} s)`,
    });
    return r;
  });
  const families: FamilySummary[] = fams.map((f, fi) => {
    const at = runs.filter((r) => r.family === f.name && r.knob === best[fi]);
    const mine = analysed.filter((_, i) => analyse[i].f === fi);
    return {
      family: f.name,
      label: f.label,
      kind: f.kind,
      knobName: f.knob.name,
      bestKnob: best[fi],
      r2: stat(at.map((r) => r.r2)),
      pz: stat(at.map((r) => r.pz)),
      d: stat(at.map((r) => r.d)),
      r2Map: stat(at.map((r) => r.r2Map)),
      ood: (o.ood ?? []).map((name, k) => ({
        data: name,
        r2: stat(mine.map((a) => a.ood[k].r2)),
        pz: stat(mine.map((a) => a.ood[k].pz)),
      })),
      probe: probeInputs > 0 && mine.length ? stat(mine.map((a) => a.probe!)) : null,
      integer: mine.some((a) => a.integer)
        ? {
            bits: integerBits,
            r2: stat(mine.map((a) => a.integer!.r2)),
            pz: stat(mine.map((a) => a.integer!.pz)),
          }
        : null,
      paper: PAPER[o.data][f.name] ?? null,
      choices: f.choices,
    };
  });
  return {
    format: COMPARE_FORMAT,
    version: COMPARE_VERSION,
    data: o.data,
    latents: K,
    budgetMinutes: o.budgetMinutes,
    seeds: o.seeds,
    steps,
    evalInputs,
    oodInputs,
    probeInputs,
    probeTestInputs,
    integerBits,
    runs,
    families,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
