/** The ipvae library API (the CLI is built on the same functions). */
export { initParams, prepare, parameterCount, recurrentWeights, type IpVaeParams, type Prepared } from './model/params.js';
export { evaluate, recordSteps, reduceMetrics, type EvalOptions, type EvalResult, type MetricRow } from './model/evaluate.js';
export { softclamp, softplus, klCode, klExact, kl, poissonPpf, poissonPmf, logSigmaOf, type KlForm } from './model/math.js';
export { freeEnergyStep, trainingLoss, lossScale } from './model/free-energy.js';
export { poissonDraw, rateOf } from './model/poisson.js';
export { referenceRun, referenceMetrics } from './model/reference.js';
export { loadModel, saveModel, encodeModel, decodeModel } from './io/safetensors.js';
export { readIdxImages, encodeIdxImages } from './io/idx.js';
export { loadData, type DataMatrix } from './data/datasets.js';
export { loadPatches, DEFAULT_RECIPE, type PatchRecipe, type PatchSet } from './data/patches.js';
export { loadMnist } from './data/mnist.js';
export { threefry2x32 } from './rng/threefry.js';
export { makeRunner, type Backend, type RunConfig } from './kernels/runner.js';
export { UserError } from './errors.js';
