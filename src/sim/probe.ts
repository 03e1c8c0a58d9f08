/**
 * Probes: measurements plugged into the runner (runNetwork). Each probe kind is one file under src/sim/probes/
 * exporting (default) a ProbeSpec. A run asks for probes by request ({kind, ...options}, plain data so it can
 * cross into worker threads); every worker builds its own instances for its share of the inputs, and the
 * parts' results are merged in input order, so a result is the same for any number of workers.
 */
import type { Network } from '../net/network.js';
import type { Simulator } from './engine.js';

/**
 * Result types by probe kind. Each probe file adds its own entry by declaration merging
 * (`declare module '../probe.js' { interface ProbeResults { rates: RatesResult } }`), so probeResult is typed
 * for every registered probe without a central list.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by each probe file (declaration merging)
export interface ProbeResults {}

/** A probe as a run asks for it: its kind, an optional name (default: the kind) and its options. */
export interface ProbeRequest {
  kind: string;
  name?: string;
  [option: string]: unknown;
}

export interface ProbeContext {
  net: Network;
  sim: Simulator;
  /** Steps per input. */
  steps: number;
  /** Inputs in this part of the run, and the index of its first input. */
  inputs: number;
  sampleOffset: number;
  /** Whether inputs are data rows (start receives x) or per-step drives. */
  data: boolean;
}

export interface ProbeInstance<R> {
  /** A new input, after its reset (step 0 emitted): i indexes this part's inputs; x its real values on data. */
  start?(i: number, x: Float32Array | undefined): void;
  /** After reset (t = 0) and after every step t = 1 .. steps. */
  step(t: number): void;
  /** The input's last step is done. */
  end?(i: number): void;
  /** Plain data (typed arrays allowed): it crosses threads by structured clone. */
  result(): R;
}

export interface ProbeSpec<R = unknown> {
  kind: string;
  /** One line for --help and the README. */
  doc: string;
  /** The options a request may give (anything else is refused, so a typo is not silently ignored). */
  options: string[];
  /**
   * The populations whose state (variables, synaptic input) the probe reads; absent: every population. The
   * runner skips the steps of a stateless population nobody reads (SimOptions.reads). Emissions are always
   * computed.
   */
  reads?(request: ProbeRequest, net: Network): string[];
  /** Check the request's options and the network; throw a UserError naming what to fix. */
  create(ctx: ProbeContext, request: ProbeRequest): ProbeInstance<R>;
  /** The parts' results, in input order, as one. */
  merge(parts: R[], request: ProbeRequest): R;
}

export function defineProbe<R>(spec: ProbeSpec<R>): ProbeSpec<R> {
  return spec;
}

/** Element-wise sum of same-length typed arrays. */
export function sumArrays(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts[0]?.length ?? 0);
  for (const p of parts) for (let i = 0; i < out.length; i++) out[i] += p[i];
  return out;
}

/** Concatenate typed arrays in order. */
export function concatArrays<T extends Float64Array | Int32Array>(parts: T[]): T {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new (parts[0].constructor as new (n: number) => T)(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
