/**
 * An integer Network as a NIR graph (ipvae export --format nir): the import's discretisation inverted, so that
 * `ipvae import` of the file gives the same Network back (its scales and exponents travel in the nodes'
 * metadata, under ipvae_* keys NIR readers ignore).
 *   input                  Input (shape [n])
 *   lif, du = 4095         LIF: tau from the voltage retention a = (4096 - dv) / 4096 (tau = -dt / ln a, or
 *                          dt / (1 - a) for Euler), r = 1 / (1 - a) so the input gain is 1; dv = 0: IF
 *   lif, du < 4095         CubaLIF: tau_syn from b = (4095 - du) / 4096, w_in = 1 / (1 - b)
 *   if                     IF with r = 1 / dt
 *   li                     LI / CubaLI / I likewise, without threshold
 *   threshold              Threshold (vth - bias, over 2^scale)
 *   constant -> population an Affine bias on the population's incoming Linear (a current-based bias)
 *   a projection           a Linear node "source->target" with the real weights w 2^exponent / (gain 2^scale)
 * Thresholds are vth / 2^scale, v_leak is the Loihi bias over (1 - a). Graded (li) sources carry their own scale.
 */
import { UserError } from '../errors.js';
import { h5group, h5numbers, h5string, type H5Node } from '../io/hdf5.js';
import { tensor, type NirGraph, type NirNode } from '../nir/ir.js';
import type { Network, Population } from '../net/network.js';
import { resolvePopulation } from '../sim/registry.js';
import { perNeuron } from '../sim/neuron.js';
import type { Discretisation } from '../frontends/nir.js';
import type { IpVaeParams } from '../model/params.js';
import {
  PORTABLE_DEFAULTS,
  portableThresholds,
  skeletonOf,
  type PortableOptions,
  type Skeleton,
} from '../model/portable.js';

export interface NirExportOptions {
  dt: number;
  discretisation?: Discretisation;
  /** The scale (power of two) of each population: from the network's meta (an import), else chosen here. */
  scales?: Record<string, number>;
}

const meta = (entries: Record<string, number>) =>
  h5group(Object.entries(entries).map(([k, v]) => [k, h5numbers([v], [], 'int', 8)]));

export function nirFromNetwork(net: Network, file: string, o: NirExportOptions): NirGraph {
  const { dt } = o;
  if (!(dt > 0 && Number.isFinite(dt))) throw new UserError(`--dt: ${dt} must be a positive time step`);
  const disc = o.discretisation ?? 'zoh';
  const dirac = (net.meta as { spikes?: unknown }).spikes === 'dirac';
  const tauOf = (keep: number) => (disc === 'zoh' ? -dt / Math.log(keep) : dt / (1 - keep));
  const nodes = new Map<string, NirNode | NirGraph>();
  const edges: [string, string][] = [];
  const byName = new Map(net.populations.map((p) => [p.name, p]));
  const scale = new Map<string, number>();
  const scales = (net.meta as { scales?: Record<string, number> }).scales ?? o.scales ?? {};
  const constants = net.populations.filter((p) => p.model === 'constant').map((p) => p.name);
  for (const p of net.populations) {
    const r = resolvePopulation(p);
    if ('problem' in r) throw new UserError(`${file}: population ${JSON.stringify(p.name)}: ${r.problem.what}`);
    const n = p.size;
    const f = (v: ArrayLike<number>) => tensor(v, [n], 'float', 8);
    if (p.model === 'input') {
      nodes.set(p.name, { type: 'Input', params: { shape: tensor([n], [1], 'int', 8) } });
      continue;
    }
    if (p.model === 'constant') continue;
    if (p.model === 'threshold') {
      // H(x - threshold) with x in real units: v = x 2^scale + bias spikes where v > vth
      const k = scales[p.name] ?? 0;
      scale.set(p.name, k);
      const vth = perNeuron(r.params, 'vth', n),
        bm = perNeuron(r.params, 'bias_mant', n),
        be = perNeuron(r.params, 'bias_exp', n);
      const th = Float64Array.from(vth, (v, i) => (v - (bm[i] * 2 ** be[i]) / 64) / 2 ** k);
      nodes.set(p.name, { type: 'Threshold', params: { threshold: f(th) }, metadata: meta({ ipvae_scale: k }) });
      continue;
    }
    if (!['lif', 'if', 'li'].includes(p.model))
      throw new UserError(
        `${file}: population ${JSON.stringify(p.name)} (model ${p.model}) has no NIR equivalent here (lif, if, li, threshold; the iP-VAE exports with --model)`,
      );
    const du = p.model === 'if' ? new Int32Array(n).fill(4095) : perNeuron(r.params, 'du', n);
    const dv = p.model === 'if' ? new Int32Array(n) : perNeuron(r.params, 'dv', n);
    const bm = perNeuron(r.params, 'bias_mant', n),
      be = perNeuron(r.params, 'bias_exp', n);
    const k = scales[p.name] ?? 0;
    scale.set(p.name, k);
    const s = 2 ** k;
    const biasReal = Float64Array.from(bm, (m, i) => (m * 2 ** be[i]) / 64 / s);
    const current = du.some((d) => d !== 4095);
    if (current && du.some((d) => d === 4095))
      throw new UserError(
        `${file}: population ${JSON.stringify(p.name)} mixes neurons with and without a current decay`,
      );
    const leaky = dv.some((d) => d !== 0);
    if (leaky && dv.some((d) => d === 0))
      throw new UserError(
        `${file}: population ${JSON.stringify(p.name)} mixes neurons with and without a voltage decay`,
      );
    const a = Float64Array.from(dv, (d) => (4096 - d) / 4096),
      b = Float64Array.from(du, (d) => (4095 - d) / 4096);
    const vth = p.model === 'li' ? undefined : Float64Array.from(perNeuron(r.params, 'vth', n), (v) => v / s);
    const params: Record<string, ReturnType<typeof tensor>> = {};
    let type: string;
    if (!leaky && !current) {
      // no decay at all: IF (or I), input gain dt r = 1
      type = vth ? 'IF' : 'I';
      params.r = f(new Float64Array(n).fill(dirac ? 1 : 1 / dt));
      if (vth) {
        params.v_threshold = f(vth);
        params.v_reset = f(new Float64Array(n));
      }
      if (bm.some((x) => x !== 0))
        throw new UserError(
          `${file}: population ${JSON.stringify(p.name)}: a bias without a leak has no NIR field (an IF has no v_leak)`,
        );
    } else if (!current) {
      type = vth ? 'LIF' : 'LI';
      params.tau = f(Array.from(a, tauOf));
      params.r = f(Array.from(a, (x) => (dirac ? tauOf(x) : 1 / (1 - x))));
      params.v_leak = f(Array.from(biasReal, (x, i) => x / (1 - a[i])));
      if (vth) {
        params.v_threshold = f(vth);
        params.v_reset = f(new Float64Array(n));
      }
    } else {
      if (!leaky)
        throw new UserError(
          `${file}: population ${JSON.stringify(p.name)}: a current decay without a voltage decay has no NIR type`,
        );
      type = vth ? 'CubaLIF' : 'CubaLI';
      params.tau_syn = f(Array.from(b, tauOf));
      params.tau_mem = f(Array.from(a, tauOf));
      params.r = f(Array.from(a, (x) => 1 / (1 - x)));
      params.v_leak = f(Array.from(biasReal, (x, i) => x / (1 - a[i])));
      if (vth) {
        params.v_threshold = f(vth);
        params.v_reset = f(new Float64Array(n));
      }
      params.w_in = f(Array.from(b, (x) => 1 / (1 - x)));
    }
    nodes.set(p.name, { type, params, metadata: meta({ ipvae_scale: k }) });
  }
  // projections: one Linear (Affine where a constant source feeds the same target) per (source, target)
  const constBias = new Map<string, Float64Array>();
  for (const q of net.projections)
    if (constants.includes(q.source)) {
      const T = byName.get(q.target)!;
      const bias = constBias.get(q.target) ?? new Float64Array(T.size);
      for (let j = q.indptr[0]; j < q.indptr[1]; j++)
        bias[q.indices[j]] += (q.weights[j] * 2 ** q.exponent) / 2 ** scale.get(q.target)!;
      constBias.set(q.target, bias);
    }
  const biasPlaced = new Set<string>();
  for (const q of net.projections) {
    if (constants.includes(q.source)) continue;
    if (!(q.delay >= 1)) throw new UserError(`${file}: projection ${JSON.stringify(q.name)} has delay ${q.delay}`);
    if (q.static) throw new UserError(`${file}: projection ${JSON.stringify(q.name)} is static; NIR has no such edge`);
    const S = byName.get(q.source)! as Population,
      T = byName.get(q.target)! as Population;
    const sT = 2 ** (scale.get(T.name) ?? 0);
    const fromS = S.model === 'li' ? 2 ** (scale.get(S.name) ?? 0) : 1;
    const W = new Float64Array(T.size * S.size);
    for (let a = 0; a < S.size; a++)
      for (let j = q.indptr[a]; j < q.indptr[a + 1]; j++)
        W[q.indices[j] * S.size + a] += (q.weights[j] * 2 ** q.exponent * fromS) / sT;
    const late = q.delay - 1; // NIR edges take no time; ipvae's one step per edge is implied, the rest a Delay
    const name = late ? `${q.source}->${q.target}@${late}` : `${q.source}->${q.target}`;
    if (nodes.has(name)) throw new UserError(`${file}: two projections from ${q.source} to ${q.target}`);
    const bias = constBias.get(T.name);
    // w 2^e / 2^scale is exact in float32 unless the scales are extreme: the smaller type when it is exact
    const f32 = W.every((x) => Math.fround(x) === x);
    const params: NirNode['params'] = { weight: tensor(W, [T.size, S.size], 'float', f32 ? 4 : 8) };
    let type = 'Linear';
    if (bias && !biasPlaced.has(T.name)) {
      type = 'Affine';
      params.bias = tensor(bias, [T.size], 'float', 8);
      biasPlaced.add(T.name);
    }
    nodes.set(name, { type, params, metadata: meta({ ipvae_exponent: q.exponent, ipvae_weight_bits: q.weightBits }) });
    if (late) {
      nodes.set(`${name}.delay`, {
        type: 'Delay',
        params: { delay: tensor(new Float64Array(T.size).fill(late * dt), [T.size], 'float', 8) },
      });
      edges.push([q.source, name], [name, `${name}.delay`], [`${name}.delay`, q.target]);
    } else edges.push([q.source, name], [name, q.target]);
  }
  for (const t of constBias.keys())
    if (!biasPlaced.has(t))
      throw new UserError(
        `${file}: population ${JSON.stringify(t)} takes a constant input but no other input to carry it`,
      );
  // the Outputs: those an import recorded (meta.outputs), else one per population that feeds nothing
  const recorded = (net.meta as { outputs?: Record<string, string[]> }).outputs;
  const chip = net.populations.filter((p) => !['input', 'constant'].includes(p.model));
  let outs: [string, string[]][] = recorded
    ? Object.entries(recorded)
    : chip.filter((p) => !net.projections.some((q) => q.source === p.name)).map((p) => [`${p.name}.output`, [p.name]]);
  // every population feeds another (recurrent networks): each gets an Output, as NIR's type check needs one
  if (!outs.length) outs = chip.map((p) => [`${p.name}.output`, [p.name]]);
  for (const [name, srcs] of outs) {
    const size = byName.get(srcs[0])?.size;
    if (size === undefined || nodes.has(name)) throw new UserError(`${file}: meta.outputs names an unknown population`);
    nodes.set(name, { type: 'Output', params: { shape: tensor([size], [1], 'int', 8) } });
    for (const src of srcs) edges.push([src, name]);
  }
  return {
    type: 'NIRGraph',
    nodes,
    edges,
    metadata: h5group([
      ['dt', h5numbers([dt], [], 'float', 8)],
      ['ipvae_discretisation', h5string(disc)],
      ['ipvae_spikes', h5string(dirac ? 'dirac' : 'held')],
    ]),
  };
}

/**
 * The float iP-VAE as NIR: its deterministic skeleton, which NIR can express, with everything it cannot in the
 * root graph's metadata (NIR has no Poisson neurons, no exp, no graded counts on edges):
 *   x -> Affine(W_ff = Phi^T Sigma^-1, bias -b) -> I (membrane u; r = eta / dt, so u gains eta I per step)
 *   u -> Linear(-W_rec = -Phi^T Sigma^-1 Phi) -> back into u
 *   u -> Linear(Phi) -> Output (the reconstruction)
 * In the real model the feedback and the decoder carry z_t ~ Poisson(exp(u_t)) (integer counts), not u; each
 * update is soft-clamped at c with a floor of -8, and u starts at u0 (metadata: ipvae_sampler, ipvae_u0,
 * ipvae_clamp, ipvae_floor).
 */
export function nirFromIpVae(p: IpVaeParams, o: { dt: number; clamp?: number }): NirGraph {
  const sk = skeletonOf(p);
  const u: NirNode = { type: 'I', params: { r: tensor(new Float64Array(p.K).fill(sk.eta / o.dt), [p.K], 'float', 8) } };
  return latentLoop(sk, o.dt, ['u', u], 1, [
    ['ipvae_model', h5string('iP-VAE (Vafaii, Galor, Yates, NeurIPS 2025), its deterministic skeleton')],
    [
      'ipvae_sampler',
      h5string(
        'z_t ~ Poisson(exp(u_t)) per latent and step: W_rec and Phi act on the counts z_t, not on u; du = eta (W_ff x - W_rec z_t - b), then u = softclamp(max(u + du, -8), c)',
      ),
    ],
    ['ipvae_u0', h5numbers(p.u0, [p.K], 'float', 4)],
    ['ipvae_clamp', h5numbers([o.clamp ?? 10], [], 'float', 8)],
    ['ipvae_floor', h5numbers([-8], [], 'float', 8)],
    ['ipvae_eta', h5numbers([sk.eta], [], 'float', 8)],
  ]);
}

/**
 * The iP-VAE's loop as NIR, around a latent node: x -> Affine(W_ff, -b) -> latent, latent -> Linear(-count W_rec)
 * -> latent, latent -> Linear(count Phi) -> xhat (float32 weights), with dt and `meta` in the root's metadata.
 */
function latentLoop(sk: Skeleton, dt: number, latent: [string, NirNode], count: number, meta: [string, H5Node][]) {
  if (!(dt > 0 && Number.isFinite(dt))) throw new UserError(`--dt: ${dt} must be a positive time step`);
  const { D, K } = sk;
  const z = latent[0];
  const f32 = (a: ArrayLike<number>, shape: number[]) => tensor(a, shape, 'float', 4);
  const nodes = new Map<string, NirNode>([
    ['x', { type: 'Input', params: { shape: tensor([D], [1], 'int', 8) } }],
    [
      'W_ff',
      {
        type: 'Affine',
        params: {
          weight: f32(sk.wff, [K, D]),
          bias: f32(
            Array.from(sk.b, (b) => -b),
            [K],
          ),
        },
      },
    ],
    latent,
    [
      'W_rec',
      {
        type: 'Linear',
        params: {
          weight: f32(
            Float64Array.from(sk.wrec, (w) => -count * w),
            [K, K],
          ),
        },
      },
    ],
    [
      'Phi',
      {
        type: 'Linear',
        params: {
          weight: f32(
            Float64Array.from(sk.phi, (w) => count * w),
            [D, K],
          ),
        },
      },
    ],
    ['xhat', { type: 'Output', params: { shape: tensor([D], [1], 'int', 8) } }],
  ]);
  const g: NirGraph = {
    type: 'NIRGraph',
    nodes,
    edges: [
      ['x', 'W_ff'],
      ['W_ff', z],
      [z, 'W_rec'],
      ['W_rec', z],
      [z, 'Phi'],
      ['Phi', 'xhat'],
    ],
    metadata: h5group([['dt', h5numbers([dt], [], 'float', 8)], ...meta]),
  };
  return g;
}

/**
 * The iP-VAE's portable surrogate as NIR (src/model/portable.ts): IF neurons, Affine and Linear only, which
 * every NIR backend runs. A spike stands for `count` Poisson counts:
 *   x -> Affine(W_ff, -b) -> IF z (r = eta / dt, so v gains eta I per step; threshold theta_k; reset to 0)
 *   z -> Linear(-count W_rec) -> back into z
 *   z -> Linear(count Phi) -> Output (the reconstruction at each step: average it over a window)
 */
export function nirPortable(p: IpVaeParams, o: { dt: number } & PortableOptions): NirGraph {
  const { K } = p;
  const count = o.count ?? PORTABLE_DEFAULTS.count;
  const thetaFrac = o.thetaFrac ?? PORTABLE_DEFAULTS.thetaFrac;
  const sk = skeletonOf(p);
  const f64 = (a: ArrayLike<number>) => tensor(a, [K], 'float', 8);
  const z: NirNode = {
    type: 'IF',
    params: {
      r: f64(new Float64Array(K).fill(sk.eta / o.dt)),
      v_threshold: f64(portableThresholds(sk, { count, thetaFrac })),
      v_reset: f64(new Float64Array(K)),
    },
  };
  return latentLoop(sk, o.dt, ['z', z], count, [
    ['ipvae_model', h5string('iP-VAE (Vafaii, Galor, Yates, NeurIPS 2025), portable IF surrogate of its sampler')],
    [
      'ipvae_portable',
      h5string(
        `each latent is an IF neuron whose spike stands for ${count} Poisson counts (Phi and W_rec carry the factor); present x at every step and average xhat over a window (ipvae measures the last half of 1000 steps); the real model's z ~ Poisson(exp(u)) is replaced by integrate-and-fire, so rates are capped at ${count} counts per step`,
      ),
    ],
    ['ipvae_count', h5numbers([count], [], 'float', 8)],
    ['ipvae_theta_frac', h5numbers([thetaFrac], [], 'float', 8)],
    ['ipvae_eta', h5numbers([sk.eta], [], 'float', 8)],
  ]);
}
