/** Dataset names the CLI accepts: patches | mnist | idx:PATH. */
import { loadPatches } from './patches.js';
import { loadMnist } from './mnist.js';
import { readIdxImages } from '../io/idx.js';
import { UserError } from '../errors.js';

export type Split = 'train' | 'test';

export interface DataMatrix {
  /** The name as given (patches, mnist, idx:PATH). */
  name: string;
  D: number;
  width: number;
  height: number;
  X: Float32Array;
  N: number;
  split: Split | 'all';
  labels?: Float32Array;
}

/**
 * A data set by name. `maxSamples` bounds what an IDX file is read for (the first maxSamples images; the
 * bundled sets are in memory anyway), so asking for 2 samples of a huge file reads 2.
 */
export function loadData(spec: string, split: Split = 'test', maxSamples?: number): DataMatrix {
  if (spec === 'patches') {
    const p = loadPatches();
    const X = split === 'train' ? p.train : p.val;
    return { name: spec, D: p.D, width: 16, height: 16, X, N: X.length / p.D, split };
  }
  if (spec === 'mnist') {
    const m = loadMnist();
    return split === 'train'
      ? { name: spec, D: 784, width: 28, height: 28, X: m.train, N: m.nTrain, split, labels: m.trainLabels }
      : { name: spec, D: 784, width: 28, height: 28, X: m.test, N: m.nTest, split, labels: m.testLabels };
  }
  if (spec.startsWith('idx:')) {
    const path = spec.slice(4);
    if (!path) throw new UserError('--data idx:PATH needs a path after "idx:"');
    const im = readIdxImages(path, { maxImages: maxSamples });
    return {
      name: spec,
      D: im.height * im.width,
      width: im.width,
      height: im.height,
      X: im.data,
      N: im.n,
      split: 'all',
    };
  }
  throw new UserError(`--data: unknown dataset "${spec}" (expected patches, mnist or idx:PATH)`);
}
