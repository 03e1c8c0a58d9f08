/**
 * ipvae: the integer iP-VAE neuron, the FOND update of model-spec section 2 with every quantity an integer.
 * Membrane u in Q(fu) (formats.u). Per step, with `drive` the static feedforward input W_ff x and `inp` the
 * recurrent input -W_rec z_{t-1}, both already in Q(fu):
 *   a  = drive + inp - b
 *   du = round(eta_mant * a / 2^eta_shift);  du = max(du, floor);  du = softclamp(du, clamp)
 *   u  = max(u + du, floor);  u = softclamp(u, clamp)          (integer soft clamp, src/fixed/isoftclamp.ts)
 *   rate = iexp(u) in Q16;  z = integer Poisson(rate), saturating at count_cap (src/fixed/ipoisson.ts)
 * The u register saturates to its format (counted). Step 0 emits counts drawn from u0. Neuron k's draw at step t
 * of input n is keyed (seed, n, k, t) on Threefry-2x32-20, so any engine or split of inputs gives the same counts.
 */
import { isoftclamp } from '../../fixed/isoftclamp.js';
import { iexp } from '../../fixed/iexp.js';
import { iPoisson } from '../../fixed/ipoisson.js';
import { q, qMax, qMin, shiftRightRound, type SatCounter } from '../../fixed/q.js';
import { defineNeuron, perNeuron, scalar, type PopulationState, type StepContext } from '../neuron.js';
import { SimWasm } from '../wasm.js';

/** Float64s of the WebAssembly soft-clamp table (src/sim/asm/engine.ts buildSoftplus). */
const SOFTPLUS_TABLE = 1024 + 64;

/** Fraction bits of the rate exp(u) handed to the sampler. */
export const RATE_FRAC = 16;
const I32 = 2 ** 31 - 1;

interface IpVaeConst {
  fu: number;
  uMin: number;
  uMax: number;
  etaMant: number;
  etaShift: number;
  bias: Int32Array;
  u0: Int32Array;
  clamp: number;
  floor: number;
  countCap: number;
}

/** Sample this step's counts from the membranes; rate and count saturations go to the model counters and sat. */
function emit(c: IpVaeConst, s: PopulationState, ctx: StepContext): void {
  const u = s.state.u,
    out = s.out,
    fired = s.fired;
  const rateHits = s.counters[1],
    capHits = s.counters[0];
  const r0 = rateHits[0],
    c0 = capHits[0];
  let total = 0,
    nf = 0;
  for (let k = 0; k < s.n; k++) {
    const rate = iexp(u[k], c.fu, RATE_FRAC, I32, rateHits);
    const z = iPoisson(rate, RATE_FRAC, ctx.seed, ctx.sample, k, ctx.t, c.countCap, capHits as SatCounter, ctx.words);
    out[k] = z;
    total += z;
    if (z !== 0) fired[nf++] = k;
  }
  ctx.sat[0] += rateHits[0] - r0 + (capHits[0] - c0);
  ctx.spikes += total;
  s.nFired = nf;
}

export default defineNeuron<IpVaeConst>({
  name: 'ipvae',
  summary: 'iP-VAE membrane (natural-gradient FOND step, soft clamp) with integer exp and Poisson counts',
  doc:
    'a = drive + inp - bias; du = softclamp(max(round(eta_mant * a / 2^eta_shift), floor), clamp); ' +
    'u = softclamp(max(u + du, floor), clamp); z ~ Poisson(iexp(u)) capped at count_cap (README: What is computed, exactly)',
  params: [
    {
      name: 'eta_mant',
      shape: 'scalar',
      min: 0,
      max: 2 ** 24,
      doc: 'step size eta = eta_mant / 2^eta_shift (mantissa)',
    },
    { name: 'eta_shift', shape: 'scalar', min: 0, max: 62, doc: 'step size eta = eta_mant / 2^eta_shift (shift)' },
    { name: 'bias', shape: 'either', min: -I32 - 1, max: I32, doc: 'threshold b = exp(log_bias), in Q(u)' },
    { name: 'u0', shape: 'either', min: -I32 - 1, max: I32, doc: 'initial membrane, in Q(u)' },
    { name: 'clamp', shape: 'scalar', min: 0, max: I32, doc: 'soft-clamp level c of u and du, in Q(u)' },
    { name: 'floor', shape: 'scalar', min: -I32 - 1, max: 0, doc: 'lower bound of u and du (the -8 floor), in Q(u)' },
    {
      name: 'count_cap',
      shape: 'scalar',
      min: 0,
      max: I32,
      doc: 'largest count a neuron emits in one step (2^count_bits - 1)',
    },
  ],
  alwaysUpdated: (c) => c.bias, // the threshold b = exp(log_bias) > 0: every neuron updates every step
  state: [{ name: 'u', format: 'u', doc: 'membrane potential, log-rate: rate = exp(u)' }],
  formats: [
    { name: 'u', doc: 'format of u, the bias, u0, clamp and floor (e.g. s24.16)', maxBits: 32 },
    {
      name: 'rate',
      doc: 'format of the rate handed to the sampler (informational: the sampler uses Q16)',
      default: q(32, RATE_FRAC, false),
    },
  ],
  payload: 'graded',
  spiking: true,
  host: false,
  inputFrac: (p) => p.formats.u?.frac ?? 0,
  payloadFrac: () => 0,
  payloadBound: (_p, params) => scalar(params, 'count_cap'),
  counters: [
    { name: 'count_cap_hits', doc: 'draws that reached count_cap and were cut to it (also in saturations)' },
    { name: 'rate_cap_hits', doc: 'rates iexp(u) that saturated at 2^31 - 1 (also in saturations)' },
  ],
  check(p) {
    const fu = p.formats.u.frac;
    if (fu < 8 || fu > 20)
      return { field: 'formats.u.frac', what: `= ${fu}: the integer exp needs 8 to 20 fraction bits` };
    return undefined;
  },
  compile(p, params) {
    const f = p.formats.u;
    return {
      fu: f.frac,
      uMin: qMin(f),
      uMax: qMax(f),
      etaMant: scalar(params, 'eta_mant'),
      etaShift: scalar(params, 'eta_shift'),
      bias: perNeuron(params, 'bias', p.size),
      u0: perNeuron(params, 'u0', p.size),
      clamp: scalar(params, 'clamp'),
      floor: scalar(params, 'floor'),
      countCap: scalar(params, 'count_cap'),
    };
  },
  reset(c, s, ctx) {
    s.state.u.set(c.u0);
    emit(c, s, ctx);
    return true;
  },
  wasm: {
    bytes: (n) => SimWasm.bytes(n, 4) + SimWasm.bytes(SOFTPLUS_TABLE, 8),
    compile(c, w) {
      const table = w.array(Float64Array, SOFTPLUS_TABLE);
      return {
        bias: w.copy(Int32Array, c.bias),
        table: w.x.buildSoftplus(c.fu, table.byteOffset) ? table.byteOffset : 0,
      };
    },
    reset(_compiled, c, s, ctx, w) {
      s.state.u.set(c.u0);
      s.nFired = w.x.ipvaeEmit(
        s.n,
        s.state.u.byteOffset,
        s.out.byteOffset,
        s.fired.byteOffset,
        c.fu,
        c.countCap,
        ctx.seed >>> 0,
        ctx.sample >>> 0,
        ctx.t >>> 0,
      );
      const h = w.settle(ctx);
      s.counters[0][0] += h[2];
      s.counters[1][0] += h[3];
      return true;
    },
    step(compiled, c, s, ctx, w) {
      const k = compiled as { bias: Int32Array; table: number };
      s.nFired = w.x.ipvaeStepEmit(
        s.n,
        s.state.u.byteOffset,
        s.drive.byteOffset,
        s.inp.byteOffset,
        k.bias.byteOffset,
        c.fu,
        c.etaMant,
        c.etaShift,
        c.clamp,
        c.floor,
        c.uMax,
        c.uMin,
        c.countCap,
        ctx.seed >>> 0,
        ctx.sample >>> 0,
        ctx.t >>> 0,
        s.out.byteOffset,
        s.fired.byteOffset,
        k.table,
      );
      const h = w.settle(ctx);
      s.counters[0][0] += h[2];
      s.counters[1][0] += h[3];
    },
  },
  step(c, s, ctx) {
    const { fu, clamp, floor, bias, etaMant, etaShift, uMax, uMin } = c;
    const u = s.state.u,
      drive = s.drive,
      inp = s.inp;
    for (let k = 0; k < s.n; k++) {
      const a = drive[k] + inp[k] - bias[k];
      let du = shiftRightRound(etaMant * a, etaShift);
      if (du < floor) du = floor;
      du = isoftclamp(du, clamp, fu);
      let uu = u[k] + du;
      if (uu < floor) uu = floor;
      uu = isoftclamp(uu, clamp, fu);
      if (uu > uMax) {
        uu = uMax;
        ctx.sat[0]++;
      } else if (uu < uMin) {
        uu = uMin;
        ctx.sat[0]++;
      }
      u[k] = uu;
    }
    emit(c, s, ctx);
  },
});
