/**
 * readout: an accumulator that reads a projection's sum each step (e.g. the iP-VAE's decoder output
 * xhat = Phi z). v = inp + drive in Q(formats.out), saturated to that format (counted). It emits nothing.
 */
import { q, qMax, qMin, sat } from '../../fixed/q.js';
import { defineNeuron } from '../neuron.js';

const DEFAULT_OUT = q(32, 0);
const fmt = (p: { formats: Record<string, ReturnType<typeof q>> }) => p.formats.out ?? DEFAULT_OUT;

export default defineNeuron<{ lo: number; hi: number }>({
  name: 'readout',
  summary: 'reads the sum of its inputs each step (a decoder output); emits nothing',
  doc: 'v = saturate(inp + drive) in Q(formats.out), every step',
  params: [],
  state: [{ name: 'v', format: 'out', doc: "this step's summed input" }],
  formats: [{ name: 'out', doc: 'format of v (default s32.0)', default: DEFAULT_OUT, maxBits: 32 }],
  payload: 'graded',
  spiking: false,
  host: false,
  inputFrac: (p) => fmt(p).frac,
  payloadFrac: () => 0,
  payloadBound: () => 0,
  counters: [],
  compile: (p) => ({ lo: qMin(fmt(p)), hi: qMax(fmt(p)) }),
  reset: () => false,
  skippable: (c, bound) => -bound >= c.lo && bound <= c.hi,
  wasm: {
    bytes: () => 0,
    compile: () => null,
    step(_w, c, s, ctx, w) {
      w.x.readoutStep(s.n, s.inp.byteOffset, s.drive.byteOffset, s.state.v.byteOffset, c.lo, c.hi);
      s.nFired = 0;
      w.settle(ctx);
    },
  },
  step(c, s, ctx) {
    const v = s.state.v,
      inp = s.inp,
      drive = s.drive;
    for (let k = 0; k < s.n; k++) {
      v[k] = sat(inp[k] + drive[k], c.lo, c.hi, ctx.sat);
    }
    s.nFired = 0;
  },
});
