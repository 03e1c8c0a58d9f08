/**
 * The runner: any Network, driven by data rows for its one input population or by per-step drives, on either
 * engine and any number of worker threads, with measurements plugged in as probes (src/sim/probes/). It does
 * the input quantisation, the step loop, the spike digest and the counter merge; it knows no model.
 *
 * Data: row i of X (the input population's size wide, real values) is quantised to the input's format,
 * presented with setInput, and run for `steps` steps after a reset keyed by its index (sampleOffset + i), so
 * any split of the rows over workers gives the same counts, counters, digest and probe results.
 * Drives: one run of `steps` steps; per population, one row of integers per step: a current into a model
 * population, the emitted values (spikes or graded payloads) of an input population.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Simulator, combineDigests, type Counters, type EngineKind, type SimBackend } from './engine.js';
import type { Network, Population } from '../net/network.js';
import { toQ, satCounter, q } from '../fixed/q.js';
import { UserError } from '../errors.js';
import { loadPlugins } from '../plugins.js';
import type { ModelOptions } from './neuron.js';
import { isNeuronModel, neuronModel } from './registry.js';
import { DEFAULTS } from '../defaults.js';
import type { ProbeContext, ProbeInstance, ProbeRequest, ProbeResults, ProbeSpec } from './probe.js';

const PROBES = await loadPlugins(
  new URL('./probes/', import.meta.url),
  'ProbeSpec (export default defineProbe({...}))',
  (x): x is ProbeSpec =>
    !!x && typeof (x as ProbeSpec).kind === 'string' && typeof (x as ProbeSpec).create === 'function',
);

/** The registered probe kinds. */
export function probeKinds(): { kind: string; doc: string }[] {
  return PROBES.map((p) => ({ kind: p.kind, doc: p.doc }));
}

function probeSpec(kind: string): ProbeSpec {
  const s = PROBES.find((p) => p.kind === kind);
  if (!s) throw new UserError(`no probe "${kind}" (${PROBES.map((p) => p.kind).join(', ')})`);
  return s;
}

/** Rows of real values for the one input population, or per-step integer drives by population. */
export type RunInputs =
  | {
      data: Float32Array;
      n: number;
      /** The rows' width, checked against the input population's size when given. */
      width?: number;
    }
  | { drives: Record<string, ArrayLike<ArrayLike<number>>> };

/** Options of a run; every one has a default, the CLI's (`ipvae simulate`, src/defaults.ts). */
export interface RunOptions extends ModelOptions {
  /** Steps per input (default: 1000 on data rows; with drives, their number of rows). */
  steps?: number;
  /** Seed of every random draw (default 0). */
  seed?: number;
  /** 'event' (default) or 'clock': the same bytes. */
  engine?: EngineKind;
  /** Where the loops run (default 'wasm'; 'js' is the readable reference; both give the same bytes). */
  backend?: SimBackend;
  /** Worker threads over the data rows (results are identical for any number); drives run in one. */
  workers?: number;
  probes?: ProbeRequest[];
  /** Index of the first data row (keys its draws). */
  sampleOffset?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RunResult {
  inputs: number;
  steps: number;
  counters: Counters;
  spikesSha256: string;
  /** Per-input digests (32 bytes each), in input order. */
  digests: Uint8Array[];
  /** Input values clipped by the input format during quantisation. */
  inputSaturations: number;
  /** Each probe's result, by its name (default: its kind). */
  probes: Record<string, unknown>;
  /** Each probe's kind, by its name. */
  probeKinds: Record<string, string>;
}

/**
 * A probe's result from a run, typed by its kind (name: the request's name when it gave one). Throws when the
 * run had no such probe.
 */
export function probeResult<K extends keyof ProbeResults>(
  r: RunResult,
  kind: K,
  name: string = kind as string,
): ProbeResults[K] {
  if (!(name in r.probes))
    throw new UserError(`run: no probe named "${name}" (${Object.keys(r.probes).join(', ') || 'none'})`);
  if (r.probeKinds[name] !== kind)
    throw new UserError(`run: probe "${name}" is a ${r.probeKinds[name]} probe, not ${String(kind)}`);
  return r.probes[name] as ProbeResults[K];
}

/** The input population the data feeds (exactly one). */
export function inputPopulation(net: Network): Population {
  const ins = net.populations.filter((p) => isNeuronModel(p.model) && neuronModel(p.model).host);
  if (ins.length !== 1)
    throw new UserError(`network: ${ins.length} input populations; running on data needs exactly one`);
  return ins[0];
}

/** Refuse data rows whose width is not the input population's size. */
function checkWidth(net: Network, inputs: RunInputs): void {
  if (!('data' in inputs) || inputs.width === undefined) return;
  const x = inputPopulation(net);
  if (inputs.width !== x.size)
    throw new UserError(
      `data: rows of ${inputs.width} values, but the input population "${x.name}" has ${x.size} neurons`,
    );
}

const probeName = (r: ProbeRequest): string => r.name ?? r.kind;

/**
 * The populations no probe reads and no drive feeds, as SimOptions.reads (never): the simulator skips the steps
 * of the stateless ones among them (a decoder readout nobody looks at), counting the same events.
 */
function unread(net: Network, inputs: RunInputs, requests: ProbeRequest[]): Record<string, number[]> {
  const read = new Set<string>('drives' in inputs ? Object.keys(inputs.drives) : []);
  for (const r of requests) {
    const spec = probeSpec(r.kind);
    if (!spec.reads) return {};
    for (const name of spec.reads(r, net)) read.add(name);
  }
  return Object.fromEntries(net.populations.filter((p) => !read.has(p.name)).map((p) => [p.name, []]));
}

/** RunOptions with every default applied (steps: 1000 on data, the drives' row count with drives). */
type Resolved<T extends Partial<RunOptions>> = T & Required<Pick<RunOptions, 'steps' | 'seed' | 'engine'>>;
function resolve<T extends Partial<RunOptions>>(inputs: RunInputs, o: T): Resolved<T> {
  const rows = 'drives' in inputs ? Object.values(inputs.drives)[0]?.length : undefined;
  return {
    ...o,
    steps: o.steps ?? rows ?? DEFAULTS.steps,
    seed: o.seed ?? DEFAULTS.seed,
    engine: o.engine ?? DEFAULTS.engine,
  };
}

/** One thread's share: the rows [0, n) of the data (or the one drive run). Defaults as runNetwork's. */
export function runPart(
  net: Network,
  inputs: RunInputs,
  options: Omit<RunOptions, 'workers' | 'onProgress'> = {},
  onInput?: (done: number) => void,
): RunResult {
  const o = resolve(inputs, options);
  checkWidth(net, inputs);
  const data = 'data' in inputs;
  const N = data ? inputs.n : 1;
  const requests = o.probes ?? [];
  const sim = new Simulator(net, {
    engine: o.engine,
    seed: o.seed,
    hash: true,
    lifMode: o.lifMode,
    backend: o.backend ?? 'wasm',
    reads: unread(net, inputs, requests),
  });
  const names = requests.map(probeName);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UserError(`probes: two probes named "${dup}" (give one a name)`);
  const ctx: ProbeContext = { net, sim, steps: o.steps, inputs: N, sampleOffset: o.sampleOffset ?? 0, data };
  const probes: ProbeInstance<unknown>[] = requests.map((r) => {
    const spec = probeSpec(r.kind);
    const unknown = Object.keys(r).find((k) => k !== 'kind' && k !== 'name' && !spec.options.includes(k));
    if (unknown !== undefined)
      throw new UserError(`probe ${r.kind}: no option "${unknown}" (${spec.options.join(', ') || 'it takes none'})`);
    return spec.create(ctx, r);
  });
  const inSat = satCounter();
  if (data) {
    const xPop = inputPopulation(net),
      D = xPop.size;
    if (inputs.data.length < N * D)
      throw new UserError(`data: ${Math.floor(inputs.data.length / D)} samples of D=${D}, asked for ${N}`);
    const xf = xPop.formats.x ?? q(32, 0);
    const xq = new Int32Array(D);
    for (let n = 0; n < N; n++) {
      const x = inputs.data.subarray(n * D, (n + 1) * D);
      for (let d = 0; d < D; d++) xq[d] = toQ(x[d], xf, inSat);
      sim.setInput(xPop.name, xq);
      sim.reset((o.sampleOffset ?? 0) + n);
      for (const p of probes) p.start?.(n, x);
      for (const p of probes) p.step(0);
      for (let t = 1; t <= o.steps; t++) {
        sim.step();
        for (const p of probes) p.step(t);
      }
      for (const p of probes) p.end?.(n);
      onInput?.(n + 1);
    }
  } else {
    const drives = Object.entries(inputs.drives).map(([name, rows]) => {
      const P = sim.pop(name);
      if (rows.length !== o.steps)
        throw new UserError(
          `drive: population "${name}" has ${rows.length} rows for ${o.steps} steps (one row per step)`,
        );
      return { name, rows, n: P.n };
    });
    sim.reset(o.sampleOffset ?? 0);
    for (const p of probes) p.start?.(0, undefined);
    for (const p of probes) p.step(0);
    for (let t = 1; t <= o.steps; t++) {
      for (const d of drives)
        try {
          sim.setDrive(d.name, d.rows[t - 1]);
        } catch (e) {
          // say which row: "drive: step 3: ..."
          if (e instanceof UserError) throw new UserError(e.message.replace(/^drive: /, `drive: step ${t}: `));
          throw e;
        }
      sim.step();
      for (const p of probes) p.step(t);
    }
    for (const p of probes) p.end?.(0);
    onInput?.(1);
  }
  return {
    inputs: N,
    steps: o.steps,
    counters: sim.counters,
    spikesSha256: sim.digest(),
    digests: sim.digests(),
    inputSaturations: inSat[0],
    probes: Object.fromEntries(probes.map((p, i) => [names[i], p.result()])),
    probeKinds: Object.fromEntries(requests.map((r, i) => [names[i], r.kind])),
  };
}

/** Sum counters of the same network part by part: numbers add, names stay (arrays by index, objects by key). */
export function addCounters<T>(a: T, b: T): T {
  if (typeof a === 'number') return ((a as number) + (b as number)) as T;
  if (Array.isArray(a)) return a.map((x, i) => addCounters(x, (b as unknown[])[i])) as T;
  if (a && typeof a === 'object')
    return Object.fromEntries(
      Object.entries(a).map(([k, v]) => [k, addCounters(v, (b as Record<string, unknown>)[k])]),
    ) as T;
  return a;
}

function workerUrl(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./sim-worker.js', import.meta.url);
  return new URL('../../dist/src/sim/sim-worker.js', import.meta.url);
}

/** What a worker thread runs: its rows and the run's options. */
export interface SimJob {
  net: Network;
  inputs: RunInputs;
  opts: Omit<RunOptions, 'workers' | 'onProgress'>;
}

/**
 * Run a network: data rows over `workers` threads (each a contiguous range of rows), or per-step drives in
 * this thread. Counters, spikes_sha256 and probe results are identical for any number of workers. Without
 * options: 1000 steps per data row (with drives: one step per row), seed 0, the event engine, WebAssembly, one
 * thread, no probes.
 */
export async function runNetwork(net: Network, inputs: RunInputs, options: RunOptions = {}): Promise<RunResult> {
  const { onProgress, workers, ...opts } = resolve(inputs, options);
  checkWidth(net, inputs);
  if (!('data' in inputs)) return runPart(net, inputs, opts, (d) => onProgress?.(d, 1));
  const N = inputs.n;
  const W = Math.max(1, Math.min(workers ?? 1, N));
  if (W === 1) return runPart(net, inputs, opts, (d) => onProgress?.(d, N));
  const D = inputPopulation(net).size;
  if (inputs.data.length < N * D)
    throw new UserError(`data: ${Math.floor(inputs.data.length / D)} samples of D=${D}, asked for ${N}`);
  new Simulator(net, { engine: opts.engine, seed: opts.seed }); // refuse a bad network here, not in a worker
  const done = new Array<number>(W).fill(0);
  const parts = await Promise.all(
    Array.from({ length: W }, (_, w) => {
      const i0 = Math.floor((w * N) / W),
        i1 = Math.floor(((w + 1) * N) / W);
      const job: SimJob = {
        net,
        inputs: { data: inputs.data.slice(i0 * D, i1 * D), n: i1 - i0 },
        opts: { ...opts, sampleOffset: (opts.sampleOffset ?? 0) + i0 },
      };
      return new Promise<RunResult>((resolve, reject) => {
        const wk = new Worker(workerUrl(), { workerData: job });
        wk.on('message', (m: { progress?: number; result?: RunResult; userError?: string }) => {
          if (m.progress !== undefined) {
            done[w] = m.progress;
            onProgress?.(
              done.reduce((a, b) => a + b, 0),
              N,
            );
          }
          if (m.userError !== undefined) {
            reject(new UserError(m.userError));
            void wk.terminate();
          }
          if (m.result) {
            resolve(m.result);
            void wk.terminate();
          }
        });
        wk.once('error', reject);
        wk.once('exit', (code) => {
          if (code !== 0 && code !== 1) reject(new Error(`simulation worker exited with code ${code}`));
        });
      });
    }),
  );
  const digests = parts.flatMap((p) => p.digests);
  const requests = opts.probes ?? [];
  return {
    inputs: N,
    steps: opts.steps,
    counters: parts.slice(1).reduce((a, p) => addCounters(a, p.counters), parts[0].counters),
    digests,
    spikesSha256: combineDigests(digests),
    inputSaturations: parts.reduce((a, p) => a + p.inputSaturations, 0),
    probes: Object.fromEntries(
      requests.map((r) => [
        probeName(r),
        probeSpec(r.kind).merge(
          parts.map((p) => p.probes[probeName(r)]),
          r,
        ),
      ]),
    ),
    probeKinds: parts[0].probeKinds,
  };
}
