/** The ipvae library API (the CLI is built on the same functions). */
export {
  initParams,
  prepare,
  parameterCount,
  recurrentWeights,
  type IpVaeParams,
  type Prepared,
} from './model/params.js';
export {
  evaluate,
  recordSteps,
  reduceMetrics,
  type EvalOptions,
  type EvalResult,
  type MetricRow,
} from './model/evaluate.js';
export {
  softclamp,
  softplus,
  klCode,
  klExact,
  kl,
  poissonPpf,
  poissonPmf,
  logSigmaOf,
  type KlForm,
} from './model/math.js';
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
export { Trainer, DEFAULT_TRAIN, type TrainOptions, type StepLog } from './train/trainer.js';
export { lossAndGrad64, zeroGrads, type Grads, type TrainConfig } from './train/bptt64.js';
export { relaxedCount, cumulativeExpNoise } from './train/relaxed.js';
export { Adamax, clipGradNorm } from './train/optim.js';
export { scheduleAt, type ScheduleConfig } from './train/schedule.js';
export { sparseInit, DEFAULT_SPARSE, type SparseInitOptions } from './train/sparse-init.js';
export { q, qMin, qMax, toQ, fromQ, satCounter, type QFormat, type SatCounter } from './fixed/q.js';
export { iexp, EXP_REL_BOUND } from './fixed/iexp.js';
export { isoftclamp } from './fixed/isoftclamp.js';
export { iPoisson, pmfOf } from './fixed/ipoisson.js';
export {
  csrFromDense,
  denseWeights,
  type Network,
  type Population,
  type Projection,
  type NeuronModel,
} from './net/network.js';
export { toJson as networkToJson, fromJson as networkFromJson } from './net/json.js';
export {
  fromIpVae,
  fromIpVae as quantize,
  quantizeTensor,
  DEFAULT_QUANT,
  type QuantOptions,
  type TensorReport,
} from './net/quantize.js';
export { Simulator, combineDigests, type Counters, type EngineKind, type SimOptions } from './sim/engine.js';
export { runIpVaeNet, runIpVaeNetParallel, type NetRunOptions, type NetRunResult } from './sim/run.js';
export { lifStep, lifConst, type LifArrays, type LifMode } from './sim/lif.js';
export {
  loadProfile,
  parseProfile,
  profileNumber,
  profileText,
  BUNDLED_PROFILES,
  type Profile,
  type Sourced,
} from './hardware/profile.js';
export { limitsOf, checkNetwork, type Limits, type Violation, type GradedMode } from './hardware/check.js';
export { mapNetwork, type Mapping, type MapOptions, type Totals, type Routes, type Mesh } from './hardware/mapper.js';
export { coreLoads, type Strategy } from './hardware/partition.js';
export { deploymentObject, encodeDeployment, decodeDeployment, readDeployment } from './hardware/deploy.js';
export { clusteredNetwork, type ClusteredOptions } from './net/random.js';
