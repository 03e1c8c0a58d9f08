/**
 * threshold: a stateless Heaviside step on the Loihi register layout (NIR's Threshold node): v = (a_in << 6) +
 * (bias_mant << bias_exp), a spike where v > vth << 6, and v holds nothing into the next step. It is the lif
 * update with u keeping nothing (du = 4095) and v keeping nothing (a voltage decay of 4096, one past Loihi's
 * 12-bit dv: on a chip, a LIF with dv = 4095 keeps v / 4096, which this model does not).
 */
import { defineNeuron } from '../neuron.js';
import { LOIHI_PARAMS, LOIHI_SPIKING, loihiConst, loihiSoma, type LifConst } from './lif.js';

export default defineNeuron<LifConst>({
  name: 'threshold',
  summary: "a stateless step (NIR's Threshold): a spike where this step's input plus bias exceeds vth",
  doc: 'v = (a_in << 6) + (bias_mant << bias_exp); spike where v > vth << 6; v is forgotten after the step',
  params: [LOIHI_PARAMS.vth, LOIHI_PARAMS.bias_mant, LOIHI_PARAMS.bias_exp],
  ...LOIHI_SPIKING,
  compile: (p, params, o) => loihiConst(p, params, o, { du: 4095, dv: 4096 }),
  // SANA-FE's leaky_integrate_fire with leak_decay 0 keeps nothing of v: the same step, exactly
  sanafe: (params, n) => loihiSoma(params, n, 0),
});
