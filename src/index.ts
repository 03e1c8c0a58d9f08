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
export {
  BUNDLED_MODELS,
  bundledModel,
  bundledModelPath,
  resolveModelPath,
  type BundledModel,
} from './model/bundled.js';
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
  quantizeTensor,
  quantizeProjection,
  errorReport,
  exponentFor,
  type TensorReport,
  type ProjectionShape,
  type ProjectionQuantOptions,
} from './net/quantize.js';
export { fromIpVae, fromIpVae as quantize, inputFormat, DEFAULT_QUANT, type QuantOptions } from './frontends/ipvae.js';
export {
  Simulator,
  combineDigests,
  type Counters,
  type ProjectionCounters,
  type PopulationCounters,
  type EngineKind,
  type SimOptions,
} from './sim/engine.js';
export {
  runNetwork,
  runPart,
  probeResult,
  inputPopulation,
  probeKinds,
  type RunInputs,
  type RunOptions,
  type RunResult,
} from './sim/run.js';
export {
  defineProbe,
  type ProbeResults,
  type ProbeSpec,
  type ProbeRequest,
  type ProbeContext,
  type ProbeInstance,
} from './sim/probe.js';
export type { RatesResult } from './sim/probes/rates.js';
export type { SpikeCountsResult } from './sim/probes/spike-counts.js';
export type { TraceResult } from './sim/probes/trace.js';
export { ipvaeShape, isIpVaeNetwork, type IpVaeMetricsResult, type NetMetrics } from './sim/probes/ipvae-metrics.js';
export { writeRates, readRates, rateKind, RATES_FORMAT, RATES_VERSION, type RateKind } from './sim/rates.js';
export {
  defineNeuron,
  type NeuronSpec,
  type ParamSpec,
  type StateSpec,
  type FormatSpec,
  type PayloadKind,
  type PopulationState,
  type StepContext,
  type Params,
} from './sim/neuron.js';
export { neuronModel, neuronModels, neuronModelNames, resolvePopulation } from './sim/registry.js';
export { lifStep, lifConst, type LifArrays, type LifMode, type LifConst } from './sim/models/lif.js';
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
export {
  mapNetwork,
  type Mapping,
  type MapOptions,
  type Totals,
  type Routes,
  type Mesh,
  type SplitterReport,
} from './hardware/mapper.js';
export { coreLoads, type Strategy } from './hardware/partition.js';
export {
  deploymentObject,
  deploymentJson,
  encodeDeployment,
  decodeDeployment,
  readDeployment,
  type Deployment,
  type DeployCore,
  type DeployRoute,
  type DeployTotals,
  type DeployPopulation,
  type DeployProjection,
  type DeploySynapseBlock,
  type DeployParam,
  type DeployNeuronRange,
  type DeployMesh,
  type DeployProfile,
  type DeployProfileValue,
  type DeployProvenance,
  type DeployFormat,
} from './hardware/deploy.js';
export { camelKeys, snakeKeys } from './io/json-case.js';
export { clusteredNetwork, randomDrivenNetwork, type ClusteredOptions, type DrivenOptions } from './net/random.js';
