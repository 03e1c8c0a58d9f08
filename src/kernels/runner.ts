/**
 * Per-sample inference runners over the two backends. A runner evaluates samples [i0, i1) of a data matrix and
 * writes REC_FIELDS metrics per recorded step per sample into a shared output array; the sample's global index
 * keys its random draws, so the result does not depend on how samples are split among runners or workers.
 */
import { JsScratch, REC_FIELDS, runSampleJs, type Mode, type RunModel } from './js.js';
import { instantiate } from './wasm.js';

export type Backend = 'js' | 'wasm';

export interface RunConfig {
  backend: Backend;
  mode: Mode;
  seed: number;
  steps: number;
  clamp: number;
  recSteps: Int32Array;
  /** Added to a row's index to form its sample key (default 0). */
  sampleOffset?: number;
}

export interface Runner {
  /**
   * Run samples i0..i1-1 of X (N x D, row-major); out has N * recSteps.length * REC_FIELDS slots.
   * If uOut is given (N x K), the final membranes u_T of each sample are written there.
   */
  run(X: Float32Array, i0: number, i1: number, out: Float64Array, onSample?: () => void, uOut?: Float32Array): void;
}

export function makeRunner(m: RunModel, cfg: RunConfig): Runner {
  if (cfg.mode === 'event' && !m.wrec) throw new Error('makeRunner: the event-driven mode needs W_rec');
  const nRec = cfg.recSteps.length;
  const per = nRec * REC_FIELDS;
  const { D, K } = m;
  const off = cfg.sampleOffset ?? 0;
  if (cfg.backend === 'js') {
    const scratch = new JsScratch(D, K);
    return {
      run(X, i0, i1, out, onSample, uOut) {
        for (let i = i0; i < i1; i++) {
          runSampleJs(
            m,
            cfg.mode,
            X,
            i * D,
            off + i,
            cfg.seed,
            cfg.steps,
            cfg.clamp,
            cfg.recSteps,
            out,
            i * per,
            scratch,
          );
          if (uOut) uOut.set(scratch.u, i * K);
          onSample?.();
        }
      },
    };
  }
  const w = instantiate();
  const pPhiT = w.putF32(m.phiT);
  const pInvVar = w.putF32(m.invVar);
  const pBias = w.putF32(m.bias);
  const pWrec = cfg.mode === 'event' ? w.putF32(m.wrec!) : 0;
  const pU0 = w.putF32(m.u0);
  const pRec = w.putI32(cfg.recSteps);
  const pX = w.alloc(D * 4);
  const pOut = w.alloc(per * 8);
  const kb = ((K + 3) & ~3) * 4,
    db = ((D + 3) & ~3) * 4;
  const pScratch = w.alloc(7 * kb + 2 * db);
  const modeId = cfg.mode === 'event' ? 0 : 1;
  return {
    run(X, i0, i1, out, onSample, uOut) {
      for (let i = i0; i < i1; i++) {
        w.f32(pX, D).set(X.subarray(i * D, (i + 1) * D));
        w.x.runSample(
          modeId,
          D,
          K,
          pPhiT,
          pInvVar,
          pBias,
          pWrec,
          m.eta,
          pU0,
          pX,
          off + i,
          cfg.seed,
          cfg.steps,
          cfg.clamp,
          pRec,
          nRec,
          pOut,
          pScratch,
        );
        out.set(w.f64(pOut, per), i * per);
        if (uOut) uOut.set(w.f32(pScratch, K), i * K); // u is the first block of the scratch area
        onSample?.();
      }
    },
  };
}
