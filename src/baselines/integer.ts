/**
 * Does the ranking of `ipvae compare` survive integers? (issue 16, part 5.) The compare families that have an
 * integer path - the iP-VAE (src/frontends/ipvae.ts) and LCA (src/frontends/lca.ts) - quantised to a weight
 * width, run on the integer simulator (src/sim/, the event engine), and their final integer codes scored by the
 * one scoring function of every family (score.ts), so integer R^2 and PZ sit next to the float ones:
 *   iP-VAE: the counts emitted at step T (the float family's codes are the counts drawn at T);
 *   LCA:    the codes a = max(u - lambda, 0) emitted at step T, dequantised (the float family's code at T).
 * The reconstruction is Phi z in float64 outside the chip, as the iP-VAE's integer R^2 is computed
 * (src/sim/probes/ipvae-metrics.ts): with the network's dequantised decoder projection by default, or with the
 * float decoder (decoder: 'float'). validateLca is `ipvae validate` for LCA: float against integer per width,
 * through the same rows and verdicts as the iP-VAE's (compareWidths in src/net/validate.ts).
 */
import { UserError } from '../errors.js';
import { fromIpVae, type QuantOptions } from '../frontends/ipvae.js';
import { fromLca, type LcaQuantOptions } from '../frontends/lca.js';
import { denseWeights, population, type Network } from '../net/network.js';
import { compareWidths, type ValidationRow } from '../net/validate.js';
import { probeResult, runNetwork, type RunResult } from '../sim/run.js';
import { neuronModel } from '../sim/registry.js';
import { decoderOf, type LinearDecoder } from './decoder.js';
import type { Trained } from './family.js';
import { ipvaeParams } from './ipvae.js';
import { runIterative } from './iterative.js';
import { lcaRule } from './lca.js';
import { score, type Scores } from './score.js';

/** The families with an integer path. */
export const INTEGER_FAMILIES: readonly string[] = Object.freeze(['ip-vae', 'lca']);

export interface IntegerOptions {
  /** Signed weight width of every projection. */
  bits: number;
  /** Inference steps per input (the float family's steps). */
  steps: number;
  /** Seed of the draws (the iP-VAE's sampler; LCA draws nothing). */
  seed: number;
  /** Worker threads of the simulation (default 1; the result is the same for any number). */
  workers?: number;
  /** Reconstruct with the network's dequantised decoder ('network', default) or the float one ('float'). */
  decoder?: 'network' | 'float';
  /** Quantiser options besides the weight width (the family's front end's; defaults otherwise). */
  quant?: Partial<QuantOptions> | Partial<LcaQuantOptions>;
}

export interface IntegerScores extends Scores {
  bits: number;
  /** Saturations inside the network and of the inputs (clipped to the input format). */
  networkSaturations: number;
  inputSaturations: number;
}

/** The decoder z -> readout of an integer network, dequantised (the sum of every such projection), as D x K. */
export function networkDecoder(net: Network, source: string): LinearDecoder {
  const dec = net.projections.filter((p) => p.source === source && population(net, p.target).model === 'readout');
  if (dec.length === 0) throw new UserError(`network: no decoder projection from "${source}" to a readout`);
  const D = population(net, dec[0].target).size,
    K = population(net, source).size;
  const phi = new Float64Array(D * K);
  for (const p of dec) if (p.target === dec[0].target) denseWeights(net, p).forEach((w, i) => (phi[i] += w));
  return decoderOf(Float32Array.from(phi), D, K);
}

/**
 * Run a network on N data rows and keep the emission of population `code` at the last step, as real values
 * (N x size: value x 2^-payload_frac).
 */
export async function integerCodes(
  net: Network,
  code: string,
  X: Float32Array,
  N: number,
  o: { steps: number; seed: number; workers?: number },
): Promise<{ Z: Float32Array; run: RunResult }> {
  const run = await runNetwork(
    net,
    { data: X, n: N },
    {
      steps: o.steps,
      seed: o.seed,
      engine: 'event',
      workers: o.workers ?? 1,
      probes: [{ kind: 'final-emission', population: code }],
    },
  );
  const P = population(net, code);
  const unit = 2 ** -neuronModel(P.model).payloadFrac(P);
  const v = probeResult(run, 'final-emission').values;
  return { Z: Float32Array.from(v, (c) => c * unit), run };
}

/** The integer network of a trained family at a weight width, and the population whose emission is its code. */
export function integerNetwork(
  family: string,
  m: Trained,
  bits: number,
  quant: IntegerOptions['quant'] = {},
): { net: Network; code: string } {
  if (family === 'ip-vae')
    return { net: fromIpVae(ipvaeParams(m), { ...(quant as Partial<QuantOptions>), weightBits: bits }).net, code: 'z' };
  if (family === 'lca') {
    const { D, K, phi, invVar } = m.decoder;
    const ones = invVar.every((v) => v === 1);
    const net = fromLca(phi, D, K, m.numbers.lambda, m.numbers.h, {
      ...(quant as Partial<LcaQuantOptions>),
      weightBits: bits,
      ...(ones ? {} : { invVar }),
    }).net;
    return { net, code: 'a' };
  }
  throw new UserError(`integer: family "${family}" has no integer path (${INTEGER_FAMILIES.join(', ')})`);
}

/** integerScores with the integer codes it scored (N x K, real values). */
export async function integerRun(
  family: string,
  m: Trained,
  X: Float32Array,
  N: number,
  o: IntegerOptions,
): Promise<{ scores: IntegerScores; Z: Float32Array }> {
  const { net, code } = integerNetwork(family, m, o.bits, o.quant);
  const { Z, run } = await integerCodes(net, code, X, N, o);
  const dec = (o.decoder ?? 'network') === 'network' ? networkDecoder(net, code) : m.decoder;
  const scores = {
    ...score(X, Z, N, dec),
    bits: o.bits,
    networkSaturations: run.counters.saturations,
    inputSaturations: run.inputSaturations,
  };
  return { scores, Z };
}

/**
 * R^2 and PZ (and d, per-input R^2) of a trained family's integer network at `bits` bits on N inputs X, scored
 * as compare scores the float codes (score.ts). Families: ip-vae (a Trained of src/baselines/ipvae.ts) and lca.
 */
export async function integerScores(
  family: string,
  m: Trained,
  X: Float32Array,
  N: number,
  o: IntegerOptions,
): Promise<IntegerScores> {
  return (await integerRun(family, m, X, N, o)).scores;
}

/** A float LCA as the compare family holds it (sigma = 1 unless invVar is given). */
export function lcaTrained(
  phi: ArrayLike<number>,
  D: number,
  K: number,
  lambda: number,
  h: number,
  invVar?: Float32Array,
): Trained {
  return {
    family: 'lca',
    knob: lambda,
    decoder: decoderOf(Float32Array.from(phi), D, K, invVar),
    tensors: {},
    numbers: { lambda, h },
    info: {},
  };
}

export interface ValidateLcaOptions {
  /** Weight widths, one row each. */
  bits: number[];
  steps: number;
  seed?: number;
  workers?: number;
  /** Quantiser options besides the weight width. */
  quant?: Partial<Omit<LcaQuantOptions, 'weightBits'>>;
  /** 1 / sigma^2 per pixel (default 1). */
  invVar?: Float32Array;
  onRow?: (row: ValidationRow) => void;
}

/**
 * `ipvae validate` for LCA: the float LCA (lcaRule, src/baselines/lca.ts) and its integer network per weight
 * width on the same N inputs and steps; R^2 and PZ of both at the last step (the integer one through the
 * network's dequantised decoder, as the iP-VAE's), the correlation of the final codes, the share of latents
 * active (code > 0) in both or neither, the saturations and the verdict (verdictOf).
 */
export async function validateLca(
  phi: ArrayLike<number>,
  D: number,
  K: number,
  lambda: number,
  h: number,
  X: Float32Array,
  N: number,
  o: ValidateLcaOptions,
): Promise<ValidationRow[]> {
  const m = lcaTrained(phi, D, K, lambda, h, o.invVar);
  const seed = o.seed ?? 0;
  const fl = runIterative(lcaRule, m, X, N, { steps: o.steps, seed });
  const fs = score(X, fl.Z, N, m.decoder);
  return compareWidths(
    { r2: fs.r2, pz: fs.pz, final: fl.Z },
    o.bits,
    async (bits) => {
      const r = await integerRun('lca', m, X, N, { bits, steps: o.steps, seed, workers: o.workers, quant: o.quant });
      return { ...r.scores, final: r.Z };
    },
    (a) => a > 0,
    o.onRow,
  );
}
