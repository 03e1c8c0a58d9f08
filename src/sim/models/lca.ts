/**
 * lca: the integer neuron of the locally competitive algorithm (Rozell, Johnson, Baraniuk, Olshausen, "Sparse
 * coding via thresholding and local competition in neural circuits", Neural Computation 2008), the Euler step of
 * tau du/dt = b - u - (Phi^T Phi - I) a with a non-negative threshold a = max(u - lambda, 0), on a fixed-point
 * membrane as Loihi keeps its registers (hardware-spec section 2: Lava's PyLifModelBitAcc, a 12-bit decay
 * factor over 4096 and a product truncated toward zero). Per step, with `drive` the static input b = Phi^T x and
 * `inp` the recurrent input -(Phi^T Phi - I) a_{t-1} (a one-step delay), both in Q(fu) (formats.u):
 *   u = u + trunc0(h * (drive + inp - u) / 4096)           saturated to formats.u (counted)
 *   a = floor(max(u - lambda, 0) x 2^(fc - fu))            the code in Q(fc), capped at the format's top (counted)
 * and a is emitted as a graded value standing for a * 2^-fc (fc = formats.code.frac); a cap hit is counted. The
 * step h = dt / tau is h / 4096, as Loihi's du and dv are fractions of 4096; h = 4096 moves u straight to its
 * target. Nothing is random: the same input gives the same bytes in any engine. u starts at 0 (a = 0: nothing is
 * emitted at step 0), as the float LCA of src/baselines/lca.ts does.
 */
import { q, qMax, qMin, sat } from '../../fixed/q.js';
import { defineNeuron, perNeuron, scalar } from '../neuron.js';

const I32 = 2 ** 31 - 1;
const DEFAULT_CODE = q(16, 8, false);

interface LcaConst {
  /** Fraction bits of u, and the right shift from Q(fu) to the code's Q(fc) (negative: a left shift). */
  fu: number;
  shift: number;
  uMin: number;
  uMax: number;
  h: number;
  lambda: Int32Array;
  /** The largest code (the code format's top). */
  cap: number;
}

const codeFormat = (p: { formats: Record<string, ReturnType<typeof q>> }) => p.formats.code ?? DEFAULT_CODE;

export default defineNeuron<LcaConst>({
  name: 'lca',
  summary:
    'LCA sparse-coding neuron (Rozell et al. 2008): a leaky integrator emitting the graded code max(u - lambda, 0)',
  doc:
    'u = sat(u + trunc0(h * (drive + inp - u) / 4096)); a = min(floor(max(u - lambda, 0) * 2^(code.frac - u.frac)), ' +
    'top of code); emits a (a value stands for a * 2^-code.frac); the Euler step of Rozell et al. 2008 on Loihi-style registers',
  params: [
    {
      name: 'h',
      shape: 'scalar',
      min: 0,
      max: 4096,
      doc: 'Euler step dt / tau = h / 4096 (a 12-bit fraction, as Loihi decays)',
    },
    {
      name: 'lambda',
      shape: 'either',
      min: 0,
      max: I32,
      default: 0,
      doc: 'threshold lambda of a = max(u - lambda, 0), in Q(u)',
    },
  ],
  state: [{ name: 'u', format: 'u', doc: 'membrane potential, in Q(u)' }],
  formats: [
    { name: 'u', doc: 'format of u and lambda (e.g. s24.16)', maxBits: 32 },
    {
      name: 'code',
      doc: 'format of the emitted code a (default u16.8)',
      default: DEFAULT_CODE,
      maxBits: 32,
    },
  ],
  payload: 'graded',
  spiking: false,
  host: false,
  potential: 'u',
  inputFrac: (p) => p.formats.u?.frac ?? 0,
  payloadFrac: (p) => codeFormat(p).frac,
  payloadBound: (p) => qMax(codeFormat(p)),
  counters: [{ name: 'code_cap_hits', doc: 'codes cut to the top of the code format (also in saturations)' }],
  compile(p, params) {
    const f = p.formats.u;
    return {
      fu: f.frac,
      shift: f.frac - codeFormat(p).frac,
      uMin: qMin(f),
      uMax: qMax(f),
      h: scalar(params, 'h'),
      lambda: perNeuron(params, 'lambda', p.size),
      cap: qMax(codeFormat(p)),
    };
  },
  reset: () => false,
  step(c, s, ctx) {
    const { h, lambda, uMin, uMax, cap } = c;
    const div = 2 ** c.shift;
    const u = s.state.u,
      drive = s.drive,
      inp = s.inp,
      out = s.out,
      fired = s.fired,
      hits = s.counters[0];
    let nf = 0;
    for (let k = 0; k < s.n; k++) {
      // exact in float64 while |delta| < 2^41 (h <= 2^12): any delta a u register and a 32-bit input can make
      const p = h * (drive[k] + inp[k] - u[k]);
      const du = p < 0 ? -Math.floor(-p / 4096) : Math.floor(p / 4096);
      const uu = sat(u[k] + du, uMin, uMax, ctx.sat);
      u[k] = uu;
      let a = uu - lambda[k];
      if (a <= 0) {
        out[k] = 0;
        continue;
      }
      a = Math.floor(a / div); // exact: a power of two
      if (a > cap) {
        a = cap;
        hits[0]++;
        ctx.sat[0]++;
      }
      out[k] = a;
      if (a !== 0) fired[nf++] = k;
    }
    s.nFired = nf;
  },
});
