/**
 * final-emission: one population's emission at the last step of every input (inputs x size integers): the code
 * a network ends on, for scoring it as the float model's code is scored (src/baselines/integer.ts scores the
 * integer iP-VAE's counts and the integer LCA's codes with src/baselines/score.ts). Option: population
 * (required). The trace probe keeps every step; this keeps one, so it fits runs of thousands of steps.
 */
import { UserError } from '../../errors.js';
import { concatArrays, defineProbe } from '../probe.js';

export interface FinalEmissionResult {
  population: string;
  size: number;
  inputs: number;
  /** inputs x size: the emission at step `steps` of each input (a value v stands for v x 2^-payload_frac). */
  values: Int32Array;
}

declare module '../probe.js' {
  interface ProbeResults {
    'final-emission': FinalEmissionResult;
  }
}

export default defineProbe<FinalEmissionResult>({
  kind: 'final-emission',
  doc: "a population's emission at the last step of every input (integers, inputs x size)",
  options: ['population'],
  reads: (req) => (typeof req.population === 'string' ? [req.population] : []),
  create(ctx, req) {
    if (typeof req.population !== 'string')
      throw new UserError('probe final-emission: give the population whose emission to keep');
    const P = ctx.sim.pop(req.population);
    if (ctx.inputs * P.n > 2 ** 28)
      throw new UserError(`probe final-emission: ${ctx.inputs} inputs x ${P.n} neurons is too much to keep`);
    const values = new Int32Array(ctx.inputs * P.n);
    let n = 0;
    return {
      start(i) {
        n = i;
      },
      step(t) {
        if (t === ctx.steps) values.set(P.out, n * P.n);
      },
      result: () => ({ population: P.name, size: P.n, inputs: ctx.inputs, values }),
    };
  },
  merge(parts) {
    return {
      population: parts[0].population,
      size: parts[0].size,
      inputs: parts.reduce((a, p) => a + p.inputs, 0),
      values: concatArrays(parts.map((p) => p.values)),
    };
  },
});
