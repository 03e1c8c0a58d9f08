/**
 * trace: one population's state variables and emission at every step of every input, as integers: what
 * `ipvae simulate --drive --probe` prints. Options: population (required), variables (default: the model's
 * state variables and "out", its emission).
 */
import { UserError } from '../../errors.js';
import { concatArrays, defineProbe } from '../probe.js';

export interface TraceResult {
  population: string;
  variables: string[];
  /** Per variable: inputs x (steps + 1) x size values (step 0 is the state after reset). */
  values: Record<string, Int32Array>;
  size: number;
  steps: number;
}

declare module '../probe.js' {
  interface ProbeResults {
    trace: TraceResult;
  }
}

export default defineProbe<TraceResult>({
  kind: 'trace',
  doc: "a population's state variables and emission at every step (integers)",
  options: ['population', 'variables'],
  reads: (req) => (typeof req.population === 'string' ? [req.population] : []),
  create(ctx, req) {
    if (typeof req.population !== 'string') throw new UserError('probe trace: give the population to trace');
    const P = ctx.sim.pop(req.population);
    const avail = [...Object.keys(P.state), 'out'];
    const vars = (req.variables as string[] | undefined) ?? avail;
    for (const v of vars)
      if (!avail.includes(v))
        throw new UserError(
          `probe trace: population "${P.name}" (${P.spec.name}) has no variable "${v}" (${avail.join(', ')})`,
        );
    const per = (ctx.steps + 1) * P.n;
    if (ctx.inputs * per * vars.length > 2 ** 28)
      throw new UserError(
        `probe trace: ${ctx.inputs} inputs x ${ctx.steps + 1} steps x ${P.n} neurons is too much to keep; trace fewer`,
      );
    const values = vars.map(() => new Int32Array(ctx.inputs * per));
    let base = 0;
    return {
      start(i) {
        base = i * per;
      },
      step(t) {
        vars.forEach((v, j) => values[j].set(v === 'out' ? P.out : P.state[v], base + t * P.n));
      },
      result: () => ({
        population: P.name,
        variables: vars,
        values: Object.fromEntries(vars.map((v, j) => [v, values[j]])),
        size: P.n,
        steps: ctx.steps,
      }),
    };
  },
  merge: (parts) => ({
    ...parts[0],
    values: Object.fromEntries(parts[0].variables.map((v) => [v, concatArrays(parts.map((p) => p.values[v]))])),
  }),
});
