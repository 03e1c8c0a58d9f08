/**
 * input: values that enter the network from the host. Not updated by the chip and not placed on cores.
 * - setInput presents values (integers in Q(formats.x)) held for the whole input: static projections apply
 *   them once per input, and dynamic projections receive them at every step (step 0 included).
 * - A per-step drive (setDrive, ipvae simulate --drive) replaces the emission of that step: spike trains (0/1)
 *   or graded payloads, as NIR graphs and SANA-FE networks are driven. Values are saturated to formats.x
 *   (counted).
 */
import { q, qMax, qMin, sat } from '../../fixed/q.js';
import { defineNeuron } from '../neuron.js';

const DEFAULT_X = q(32, 0);

interface InputConst {
  lo: number;
  hi: number;
}

export default defineNeuron<InputConst>({
  name: 'input',
  summary: 'values from the host (data or spike trains): no update, not placed on a core',
  doc: 'emits the values presented with setInput at every step (step 0 included), or the per-step drive when one is set',
  params: [],
  state: [],
  formats: [
    {
      name: 'x',
      doc: 'format of the presented values (default s32.0); a value v stands for v * 2^-frac',
      default: DEFAULT_X,
      maxBits: 32,
    },
  ],
  payload: 'graded',
  spiking: false,
  host: true,
  inputFrac: () => 0,
  payloadFrac: (p) => (p.formats.x ?? DEFAULT_X).frac,
  payloadBound: (p) => Math.max(-qMin(p.formats.x ?? DEFAULT_X), qMax(p.formats.x ?? DEFAULT_X)),
  counters: [],
  compile: (p) => ({ lo: qMin(p.formats.x ?? DEFAULT_X), hi: qMax(p.formats.x ?? DEFAULT_X) }),
  hostRange: (c) => c,
  // held values were saturated (and counted) by setInput; a drive, which could saturate, is refused when skipped
  skippable: () => true,
  reset(_c, s) {
    if (!s.hasHeld) return false;
    s.out.set(s.held);
    let nf = 0;
    for (let k = 0; k < s.n; k++) if (s.held[k] !== 0) s.fired[nf++] = k;
    s.nFired = nf;
    return true;
  },
  wasm: {
    bytes: () => 0,
    compile: () => null,
    step(_w, c, s, ctx, w) {
      s.nFired = w.x.inputStep(
        s.n,
        ctx.driven ? 1 : 0,
        s.hasHeld ? 1 : 0,
        s.ext.byteOffset,
        s.held.byteOffset,
        s.out.byteOffset,
        s.fired.byteOffset,
        c.lo,
        c.hi,
      );
      w.settle(ctx);
    },
  },
  step(c, s, ctx) {
    const { out, fired } = s;
    let nf = 0;
    if (ctx.driven) {
      const ext = s.ext;
      for (let k = 0; k < s.n; k++) {
        const v = sat(ext[k], c.lo, c.hi, ctx.sat);
        out[k] = v;
        if (v !== 0) fired[nf++] = k;
      }
    } else if (s.hasHeld) {
      const held = s.held;
      for (let k = 0; k < s.n; k++) {
        const v = held[k];
        out[k] = v;
        if (v !== 0) fired[nf++] = k;
      }
    } else out.fill(0);
    s.nFired = nf;
  },
});
