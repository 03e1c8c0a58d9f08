/**
 * if: integrate-and-fire on the Loihi register layout, without leak or current: v = v + (a_in << 6) + bias,
 * spike where v > (vth << 6), v = 0 there. It is Lava's LIF with du = 4095 (u holds one step's input) and
 * dv = 0 (v does not decay), so it runs the lif model's update with those constants.
 */
import { defineNeuron } from '../neuron.js';
import { LOIHI_PARAMS, LOIHI_SPIKING, loihiConst, loihiSanafe, type LifConst } from './lif.js';

export default defineNeuron<LifConst>({
  name: 'if',
  summary: 'integrate-and-fire on the Loihi registers (lif with du = 4095, dv = 0), binary spikes',
  doc: 'v = clip(v + (a_in << 6) + (bias_mant << bias_exp), +-(2^23 - 1)); spike where v > vth << 6, then v = 0',
  params: [LOIHI_PARAMS.vth, LOIHI_PARAMS.bias_mant, LOIHI_PARAMS.bias_exp],
  ...LOIHI_SPIKING,
  compile: (p, params, o) => loihiConst(p, params, o, { du: 4095, dv: 0 }),
  sanafe: (params, n) => loihiSanafe({ ...params, du: 4095, dv: 0 }, n),
});
