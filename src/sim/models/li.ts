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
import { LOIHI_PARAMS, LOIHI_STATE, lifStep, loihiConst, type LifConst } from './lif.js';

/** v is clipped to +-(2^23 - 1): the largest value li emits. */
const V_LIM = 2 ** 23 - 1;

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
  step(c, s, ctx) {
    // lif's update with no threshold; the emission is v (not spikes, so ctx.spikes is left alone)
    s.nFired = lifStep(s.n, s.state.u, s.state.v, s.inp, c, ctx.sat, s.out, s.fired, true);
  },
});
