/**
 * li: a non-spiking leaky integrator on the Loihi registers: lif's current and voltage decays without a
 * threshold, emitting its voltage every step as a graded value. It is what NIR's LI nodes and the readouts of
 * snnTorch/Norse networks become.
 *   u = trunc0(u * (4096 - (du + 1)) / 4096) + (a_in << 6)           saturated to 24 bits (counted)
 *   v = trunc0(v * (4096 - dv) / 4096) + u + (bias_mant << bias_exp), clipped to +-(2^23 - 1) (counted)
 *   emit v (every step; nonzero values are messages)
 * v carries the input scaled by 2^6, so an emitted v stands for v * 2^-6 in input units (payload fraction 6).
 * With --lava-wrap, u wraps at 24 bits as Lava's LIF does.
 */
import { defineNeuron } from '../neuron.js';
import { SimWasm } from '../wasm.js';
import { LOIHI_PARAMS, LOIHI_STATE, loihiConst, type LifConst } from './lif.js';

const U_MAX = 2 ** 23 - 1,
  U_MIN = -(2 ** 23),
  V_LIM = 2 ** 23 - 1;

export default defineNeuron<LifConst>({
  name: 'li',
  summary: 'leaky integrator on the Loihi registers (lif without a threshold), emits its voltage (graded)',
  doc:
    'u = trunc0(u * (4096 - (du + 1)) / 4096) + (a_in << 6); v = clip(trunc0(v * (4096 - dv) / 4096) + u + ' +
    '(bias_mant << bias_exp), +-(2^23 - 1)); emits v every step (a value v stands for v * 2^-6)',
  params: [LOIHI_PARAMS.du, LOIHI_PARAMS.dv, LOIHI_PARAMS.bias_mant, LOIHI_PARAMS.bias_exp],
  state: LOIHI_STATE,
  potential: 'v',
  alwaysUpdated: (c) => c.bias,
  formats: [],
  payload: 'graded',
  spiking: false,
  host: false,
  inputFrac: () => 0,
  payloadFrac: () => 6,
  payloadBound: () => V_LIM,
  counters: [],
  compile: (p, params, o) => loihiConst(p, params, o),
  reset: () => false,
  wasm: {
    bytes: (n) => 2 * SimWasm.bytes(n, 4) + SimWasm.bytes(n, 8),
    compile: (c, w) => ({
      decU: w.copy(Int32Array, c.decU),
      decV: w.copy(Int32Array, c.decV),
      bias: w.copy(Float64Array, c.bias),
    }),
    step(compiled, c, s, ctx, w) {
      const k = compiled as { decU: Int32Array; decV: Int32Array; bias: Float64Array };
      s.nFired = w.x.liStep(
        s.n,
        s.state.u.byteOffset,
        s.state.v.byteOffset,
        s.inp.byteOffset,
        k.decU.byteOffset,
        k.decV.byteOffset,
        k.bias.byteOffset,
        c.wrap ? 1 : 0,
        s.out.byteOffset,
        s.fired.byteOffset,
      );
      w.settle(ctx);
    },
  },
  // Its own loop rather than lifStep with a voltage-output switch: that switch cost LIF 2-3 % in the
  // per-neuron loop (same-run A/B).
  step(c, s, ctx) {
    const { decU, decV, bias, wrap } = c;
    const u = s.state.u,
      v = s.state.v,
      inp = s.inp,
      out = s.out,
      fired = s.fired;
    let nf = 0;
    for (let i = 0; i < s.n; i++) {
      let uu = ((u[i] * decU[i]) / 4096) | 0;
      uu += inp[i] * 64;
      if (wrap) {
        if (uu > 8388608) uu -= 16777216;
        else if (uu <= -8388608) uu += 16777216;
        // Lava corrects once; what one correction cannot bring back is beyond its model: saturate, counted
        if (uu > 8388608 || uu < -8388608) {
          uu = uu > 0 ? U_MAX : U_MIN;
          ctx.sat[0]++;
        }
      } else if (uu > U_MAX) {
        uu = U_MAX;
        ctx.sat[0]++;
      } else if (uu < U_MIN) {
        uu = U_MIN;
        ctx.sat[0]++;
      }
      u[i] = uu;
      let vv = (((v[i] * decV[i]) / 4096) | 0) + uu + bias[i];
      if (vv > V_LIM) {
        vv = V_LIM;
        ctx.sat[0]++;
      } else if (vv < -V_LIM) {
        vv = -V_LIM;
        ctx.sat[0]++;
      }
      v[i] = vv;
      out[i] = vv;
      if (vv !== 0) fired[nf++] = i;
    }
    s.nFired = nf;
  },
});
