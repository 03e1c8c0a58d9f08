/**
 * Dataset names the CLI accepts: patches | mnist | idx:PATH, and the out-of-distribution sets of src/data/ood.ts
 * (fashion-mnist | mnist-rotated[:DEG] | mnist-inverted | natural28).
 */
import { loadPatches } from './patches.js';
import { loadMnist } from './mnist.js';
import { readIdxImages } from '../io/idx.js';
import { UserError } from '../errors.js';
import { loadOod, OOD_NAMES } from './ood.js';

/** The data set names every --data accepts, for help texts. */
export const DATA_NAMES =
  'patches | mnist | idx:PATH | fashion-mnist | mnist-rotated[:DEG] | mnist-inverted | natural28';

export type Split = 'train' | 'test';

export interface DataMatrix {
  /** The name as given (patches, mnist, idx:PATH, or an out-of-distribution set's name). */
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
 * A data set by name: its held-out split by default ('test'; an IDX file is one split, 'all'). `maxSamples`
 * keeps the first maxSamples inputs (default: all of them), N and X (and labels) alike; an IDX file is then read
 * only that far, so asking for 2 samples of a huge file reads 2.
 */
export function loadData(spec: string, split: Split = 'test', maxSamples?: number): DataMatrix {
  if (maxSamples !== undefined && !(Number.isInteger(maxSamples) && maxSamples >= 1))
    throw new RangeError(`loadData: maxSamples = ${maxSamples}, expected a positive integer`);
  if (split !== 'test' && split !== 'train')
    throw new RangeError(`loadData: split = ${JSON.stringify(split)}, expected 'test' or 'train'`);
  const first = (d: DataMatrix): DataMatrix => {
    if (maxSamples === undefined || maxSamples >= d.N) return d;
    const n = maxSamples;
    return { ...d, N: n, X: d.X.subarray(0, n * d.D), ...(d.labels ? { labels: d.labels.subarray(0, n) } : {}) };
  };
  if (spec === 'patches') {
    const p = loadPatches();
    const X = split === 'train' ? p.train : p.val;
    return first({ name: spec, D: p.D, width: 16, height: 16, X, N: X.length / p.D, split });
  }
  if (spec === 'mnist') {
    const m = loadMnist();
    return first(
      split === 'train'
        ? { name: spec, D: 784, width: 28, height: 28, X: m.train, N: m.nTrain, split, labels: m.trainLabels }
        : { name: spec, D: 784, width: 28, height: 28, X: m.test, N: m.nTest, split, labels: m.testLabels },
    );
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
  const ood = loadOod(spec, split, maxSamples);
  if (ood) return first(ood);
  throw new UserError(
    `--data: unknown dataset "${spec}" (expected patches, mnist, ${OOD_NAMES.join(', ')} or idx:PATH)`,
  );
}
