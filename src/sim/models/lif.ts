/**
 * lif: Loihi-style fixed-point leaky integrate-and-fire (Lava's PyLifModelBitAcc, lava-nc/lava
 * src/lava/proc/lif/models.py; facts in hardware-spec section 2), per step for a whole population:
 *   u = trunc0(u * (4096 - (du + 1)) / 4096) + (a_in << 6)        trunc0: |x| >> 12 with the sign restored
 *   v = trunc0(v * (4096 - dv) / 4096) + u + (bias_mant << bias_exp), clipped to +-(2^23 - 1)
 *   spike where v > (vth << 6); v = 0 there
 * u is a 24-bit register. Default: it saturates to [-2^23, 2^23 - 1] and every clip is counted. Mode
 * 'lava-wrap' reproduces Lava's wrap instead (u - 2^24 above 2^23, u + 2^24 at or below -2^23, so -2^23 becomes
 * +2^23). v's clip is Lava's own behaviour; it is counted as a saturation too.
 */
import { q, type SatCounter } from '../../fixed/q.js';
import type { Population } from '../../net/network.js';
import {
  defineNeuron,
  perNeuron,
  type ModelOptions,
  type Params,
  type ParamSpec,
  type PopulationState,
  type StepContext,
  type NeuronSpec,
  type SanafeSoma,
  type WasmNeuron,
} from '../neuron.js';
import { SimWasm } from '../wasm.js';

export type LifMode = 'saturate' | 'lava-wrap';

/** Per-neuron parameters (arrays) of a LIF or IF population. */
export interface LifArrays {
  du: Int32Array;
  dv: Int32Array;
  vth: Int32Array;
  biasMant: Int32Array;
  biasExp: Int32Array;
}

const U_MAX = 2 ** 23 - 1,
  U_MIN = -(2 ** 23),
  V_LIM = 2 ** 23 - 1;

/** Per-neuron constants of the update: decay factors 4096 - (du + 1) and 4096 - dv, bias_mant << bias_exp. */
export interface LifConst {
  decU: Int32Array;
  decV: Int32Array;
  bias: Float64Array;
  thr: Float64Array;
  wrap: boolean;
}

export function lifConst(p: LifArrays, mode: LifMode = 'saturate'): LifConst {
  const n = p.du.length;
  return {
    decU: Int32Array.from(p.du, (d) => 4096 - (d + 1)),
    decV: Int32Array.from(p.dv, (d) => 4096 - d),
    bias: Float64Array.from({ length: n }, (_, i) => p.biasMant[i] * 2 ** p.biasExp[i]),
    thr: Float64Array.from(p.vth, (v) => v * 64),
    wrap: mode === 'lava-wrap',
  };
}

/**
 * One step. aIn: synaptic input of this step (integers); out: spikes (1/0) written per neuron.
 * Returns the number of spikes; their indices go to fired[0 .. spikes) when given. trunc0(x / 4096) is
 * (x / 4096) | 0: the division by a power of two is exact and |x / 4096| < 2^31 for 24-bit registers.
 */
export function lifStep(
  n: number,
  u: Int32Array,
  v: Int32Array,
  aIn: Float64Array,
  c: LifConst,
  sat: SatCounter,
  out: Int32Array,
  fired?: Int32Array,
): number {
  let spikes = 0,
    clips = 0;
  const { decU, decV, bias, thr, wrap } = c;
  for (let i = 0; i < n; i++) {
    let uu = ((u[i] * decU[i]) / 4096) | 0;
    uu += aIn[i] * 64;
    if (wrap) {
      if (uu > 8388608) uu -= 16777216;
      else if (uu <= -8388608) uu += 16777216;
      // Lava corrects once; what one correction cannot bring back is beyond its model: saturate, counted
      if (uu > 8388608 || uu < -8388608) {
        uu = uu > 0 ? U_MAX : U_MIN;
        clips++;
      }
    } else if (uu > U_MAX) {
      uu = U_MAX;
      clips++;
    } else if (uu < U_MIN) {
      uu = U_MIN;
      clips++;
    }
    u[i] = uu;
    let vv = (((v[i] * decV[i]) / 4096) | 0) + uu + bias[i];
    if (vv > V_LIM) {
      vv = V_LIM;
      clips++;
    } else if (vv < -V_LIM) {
      vv = -V_LIM;
      clips++;
    }
    if (vv > thr[i]) {
      out[i] = 1;
      if (fired) fired[spikes] = i;
      spikes++;
      vv = 0;
    } else out[i] = 0;
    v[i] = vv;
  }
  sat[0] += clips;
  return spikes;
}

/** Parameters shared by the Loihi-style models (lif, if, li). */
export const LOIHI_PARAMS: Record<'du' | 'dv' | 'vth' | 'bias_mant' | 'bias_exp', ParamSpec> = {
  du: {
    name: 'du',
    shape: 'either',
    min: 0,
    max: 4095,
    default: 0,
    doc: 'current decay: u keeps (4096 - (du + 1)) / 4096 per step',
  },
  dv: {
    name: 'dv',
    shape: 'either',
    min: 0,
    max: 4095,
    default: 0,
    doc: 'voltage decay: v keeps (4096 - dv) / 4096 per step',
  },
  vth: { name: 'vth', shape: 'either', min: 0, max: 2 ** 17, doc: 'threshold: a spike when v > vth << 6' },
  bias_mant: {
    name: 'bias_mant',
    shape: 'either',
    min: -4096,
    max: 4095,
    default: 0,
    doc: 'bias current mantissa (13-bit signed)',
  },
  bias_exp: {
    name: 'bias_exp',
    shape: 'either',
    min: 0,
    max: 7,
    default: 0,
    doc: 'bias exponent: v gains bias_mant << bias_exp per step',
  },
};

/** The 24-bit u and v registers of the Loihi-style models. */
export const LOIHI_STATE = [
  { name: 'u', format: q(24, 0), doc: 'synaptic current (24-bit register, input << 6)' },
  { name: 'v', format: q(24, 0), doc: 'membrane voltage (24-bit register, clipped to +-(2^23 - 1))' },
];

/**
 * The Loihi-style models' constants from resolved parameters; `fixed` pins a decay for models that have no
 * such parameter (if: du = 4095, dv = 0; li has no threshold).
 */
export function loihiConst(
  p: Population,
  params: Params,
  o: ModelOptions,
  fixed: { du?: number; dv?: number } = {},
): LifConst {
  const n = p.size;
  const pick = (name: 'du' | 'dv') =>
    fixed[name] !== undefined ? new Int32Array(n).fill(fixed[name]) : perNeuron(params, name, n);
  return lifConst(
    {
      du: pick('du'),
      dv: pick('dv'),
      vth: params.vth === undefined ? new Int32Array(n) : perNeuron(params, 'vth', n),
      biasMant: perNeuron(params, 'bias_mant', n),
      biasExp: perNeuron(params, 'bias_exp', n),
    },
    o.lifMode,
  );
}

/** The spiking Loihi step (lif, if): binary spikes into out/fired, counted. */
export function loihiSpikingStep(c: LifConst, s: PopulationState, ctx: StepContext): void {
  const k = lifStep(s.n, s.state.u, s.state.v, s.inp, c, ctx.sat, s.out, s.fired);
  ctx.spikes += k;
  s.nFired = k;
}

/** The spiking Loihi step in WebAssembly (lif, if, threshold): lifStep there, bit-identical. */
export const LOIHI_WASM: WasmNeuron<LifConst> = {
  bytes: (n) => 2 * SimWasm.bytes(n, 4) + 2 * SimWasm.bytes(n, 8),
  compile(c, w) {
    const same = (a: ArrayLike<number>) => Array.prototype.every.call(a, (x: number) => x === a[0]);
    // one decay pair and one threshold for all (without Lava's wrap): scalars, and the bias as int32
    if (!c.wrap && same(c.decU) && same(c.decV) && same(c.thr) && c.bias.length > 0)
      return { uniform: true, decU: c.decU[0], decV: c.decV[0], thr: c.thr[0], bias: w.copy(Int32Array, c.bias) };
    return {
      uniform: false,
      decU: w.copy(Int32Array, c.decU),
      decV: w.copy(Int32Array, c.decV),
      bias: w.copy(Float64Array, c.bias),
      thr: w.copy(Float64Array, c.thr),
    };
  },
  step(compiled, c, s, ctx, w) {
    const k = compiled as
      | { uniform: true; decU: number; decV: number; thr: number; bias: Int32Array }
      | { uniform: false; decU: Int32Array; decV: Int32Array; bias: Float64Array; thr: Float64Array };
    s.nFired = k.uniform
      ? w.x.lifStepUniform(
          s.n,
          s.state.u.byteOffset,
          s.state.v.byteOffset,
          s.inp.byteOffset,
          k.decU,
          k.decV,
          k.bias.byteOffset,
          k.thr,
          s.out.byteOffset,
          s.fired.byteOffset,
        )
      : w.x.lifStep(
          s.n,
          s.state.u.byteOffset,
          s.state.v.byteOffset,
          s.inp.byteOffset,
          k.decU.byteOffset,
          k.decV.byteOffset,
          k.bias.byteOffset,
          k.thr.byteOffset,
          c.wrap ? 1 : 0,
          s.out.byteOffset,
          s.fired.byteOffset,
        );
    w.settle(ctx);
  },
};

/** What lif and if share: the 24-bit registers, binary spikes, no step-0 emission, the spiking step. */
export const LOIHI_SPIKING = {
  state: LOIHI_STATE,
  potential: 'v',
  alwaysUpdated: (c: LifConst) => c.bias,
  formats: [],
  payload: 'binary',
  spiking: true,
  host: false,
  inputFrac: () => 0,
  payloadFrac: () => 0,
  payloadBound: () => 1,
  counters: [],
  reset: () => false,
  step: loihiSpikingStep,
  wasm: LOIHI_WASM,
} satisfies Partial<NeuronSpec<LifConst>>;

/**
 * SANA-FE's leaky_integrate_fire with its defaults (hard reset to 0, fire where v > threshold, input_decay 0, v
 * kept to 1/64) is this register layout exactly when u holds one step's input (du = 4095) and v does not decay
 * (dv = 0): v/64 is SANA-FE's v, vth its threshold, (bias_mant << bias_exp) / 64 its bias. A decay is not
 * exact (Loihi truncates the product; SANA-FE multiplies floats), so it is refused.
 */
export function loihiSanafe(params: Params, n: number): SanafeSoma | string {
  const du = perNeuron(params, 'du', n),
    dv = perNeuron(params, 'dv', n);
  if (du.some((d) => d !== 4095) || dv.some((d) => d !== 0))
    return 'only du = 4095 and dv = 0 (integrate-and-fire) are exact in SANA-FE: a Loihi decay truncates, SANA-FE multiplies floats';
  return { ...loihiSoma(params, n, 1), note: 'v saturates at +-(2^23 - 1)/64 in ipvae and has no bound in SANA-FE' };
}

/** SANA-FE's soma attributes of a Loihi register population: threshold vth, bias (mant << exp) / 64. */
export function loihiSoma(params: Params, n: number, leakDecay: number): SanafeSoma {
  const vth = perNeuron(params, 'vth', n),
    bm = perNeuron(params, 'bias_mant', n),
    be = perNeuron(params, 'bias_exp', n);
  return {
    threshold: Float64Array.from(vth),
    bias: Float64Array.from({ length: n }, (_, i) => (bm[i] * 2 ** be[i]) / 64),
    leakDecay,
  };
}

export default defineNeuron<LifConst>({
  name: 'lif',
  sanafe: loihiSanafe,
  summary: "Loihi fixed-point leaky integrate-and-fire (Lava's PyLifModelBitAcc), binary spikes",
  doc:
    'u = trunc0(u * (4096 - (du + 1)) / 4096) + (a_in << 6); v = clip(trunc0(v * (4096 - dv) / 4096) + u + ' +
    '(bias_mant << bias_exp), +-(2^23 - 1)); spike where v > vth << 6, then v = 0 (lava-nc/lava src/lava/proc/lif/models.py)',
  params: [LOIHI_PARAMS.du, LOIHI_PARAMS.dv, LOIHI_PARAMS.vth, LOIHI_PARAMS.bias_mant, LOIHI_PARAMS.bias_exp],
  ...LOIHI_SPIKING,
  compile: (p, params, o) => loihiConst(p, params, o),
});
