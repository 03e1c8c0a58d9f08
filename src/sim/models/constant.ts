/**
 * constant: a host population that emits 1 from every neuron at every step (step 0 included): the always-on
 * source that carries a constant input (a NIR Affine bias into a synaptic current, which a Loihi bias on v
 * cannot express) through ordinary weights. Not updated by the chip and not placed on a core.
 */
import { defineNeuron } from '../neuron.js';

export default defineNeuron<null>({
  name: 'constant',
  summary: 'emits 1 from every neuron at every step (a bias carried by weights), not placed on a core',
  doc: 'out = 1 at every step, step 0 included; takes no input',
  params: [],
  state: [],
  formats: [],
  payload: 'binary',
  spiking: false,
  host: true,
  inputFrac: () => 0,
  payloadFrac: () => 0,
  payloadBound: () => 1,
  counters: [],
  compile: () => null,
  hostRange: () => ({ lo: 1, hi: 1 }),
  reset(_c, s) {
    s.out.fill(1);
    for (let k = 0; k < s.n; k++) s.fired[k] = k;
    s.nFired = s.n;
    return true;
  },
  step(_c, s) {
    s.out.fill(1);
    for (let k = 0; k < s.n; k++) s.fired[k] = k;
    s.nFired = s.n;
  },
});
