/**
 * The linear probe of model-spec section 6: multinomial logistic regression on a model's features (the rates
 * exp(u) of the iP-VAE, the codes of the other families), fit on the train split and scored on the test split.
 *
 * Why written here rather than taken from a package: it is small (one objective, one L-BFGS loop), exact (the
 * gradient is analytic and checked against finite differences and scikit-learn in test/probe.test.ts), float64
 * throughout, and it minimises exactly the objective of scikit-learn's default
 * `LogisticRegression(penalty='l2', C=1.0, solver='lbfgs')` with 3 or more classes (multinomial), so the
 * paper's probe protocol (Vafaii, Galor & Yates, NeurIPS 2025, which reports probe accuracies from
 * scikit-learn's defaults) is reproduced without a Python dependency:
 *
 *   f(W, b) = C * sum_n [ logsumexp_c (W_c . x_n + b_c) - (W_{y_n} . x_n + b_{y_n}) ] + 0.5 * |W|_F^2,
 *
 * the intercepts b not penalised (scikit-learn's `fit_intercept=True`). With 2 classes scikit-learn fits one
 * binary weight vector instead; this probe stays multinomial there (scikit-learn's `multi_class='multinomial'`).
 * Features are NOT standardised, as scikit-learn does not standardise; a caller that wants standardised
 * features transforms F itself (the paper's protocol uses the features as they are).
 *
 * Optimiser: L-BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithm 7.4, the two-loop
 * recursion; memory 10 like scipy's L-BFGS-B `maxcor`) from W = 0, b = 0, with a backtracking line search
 * satisfying the Armijo condition (c1 = 1e-4; the step shrinks by safeguarded quadratic interpolation, at most 50
 * trials like scikit-learn's `maxls`). The objective is convex, so s.y >= 0 on every step and the curvature
 * pairs are kept whenever s.y > 0. It stops when the largest absolute gradient entry is <= tol (scipy's
 * `pgtol`: with no bounds the projected gradient is the gradient), when the relative decrease of f in one step
 * is <= 64 machine epsilons (the `ftol` scikit-learn passes to scipy), or after maxIter iterations
 * (scikit-learn's defaults: tol = 1e-4, max_iter = 100). Note that tol applies to the gradient of f as written
 * above; recent scikit-learn versions scale their objective by 1 / (C N) before applying tol, so equal tol
 * values are not equally tight, but the minimiser is the same.
 *
 * Cost: two passes over the N x K features per evaluation (logits, then the gradient), ~2 N K classes
 * multiply-adds; bench/probe.ts times 8000 x 512 features.
 */

export interface ProbeOptions {
  /** Inverse regularisation strength (scikit-learn's C; default 1). */
  C?: number;
  /** L-BFGS iterations at most (default 100, scikit-learn's max_iter). */
  maxIter?: number;
  /** Stop when max |gradient| <= tol (default 1e-4, scikit-learn's tol). */
  tol?: number;
  /** Number of classes (default: the largest label + 1). */
  classes?: number;
}

export interface Probe {
  /** Features per input. */
  K: number;
  classes: number;
  /** classes x K, row-major. */
  W: Float64Array;
  /** Intercepts, one per class. */
  b: Float64Array;
  /** L-BFGS iterations done. */
  iterations: number;
  /** True if a stopping test (gradient or relative decrease) ended the fit, false if maxIter or the line search did. */
  converged: boolean;
  /** f(W, b) at the returned solution. */
  objective: number;
  /** max |gradient| at the returned solution. */
  gradMax: number;
}

const MEMORY = 10;
const MAX_LINE_SEARCH = 50;
const ARMIJO = 1e-4;
const FTOL = 64 * Number.EPSILON;

function checkShape(F: ArrayLike<number>, N: number, K: number, labels: ArrayLike<number> | undefined): void {
  if (!(Number.isInteger(N) && N >= 1)) throw new RangeError(`probe: N = ${N}, expected a positive integer`);
  if (!(Number.isInteger(K) && K >= 1)) throw new RangeError(`probe: K = ${K}, expected a positive integer`);
  if (F.length < N * K) throw new RangeError(`probe: ${F.length} features, expected N x K = ${N * K}`);
  if (labels && labels.length < N) throw new RangeError(`probe: ${labels.length} labels for ${N} inputs`);
}

function intLabels(labels: ArrayLike<number>, N: number, classes: number): Int32Array {
  const y = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const v = labels[n];
    if (!(Number.isInteger(v) && v >= 0 && v < classes))
      throw new RangeError(`probe: label ${v} of input ${n} is not an integer in [0, ${classes})`);
    y[n] = v;
  }
  return y;
}

/**
 * The objective f(W, b) (see the file comment) and, when gW and gb are given, its gradient written into them.
 * W is classes x K row-major; y holds integer labels in [0, classes). Exported for the tests.
 */
export function probeObjective(
  F: ArrayLike<number>,
  N: number,
  K: number,
  y: ArrayLike<number>,
  classes: number,
  C: number,
  W: Float64Array,
  b: Float64Array,
  gW?: Float64Array,
  gb?: Float64Array,
): number {
  // Samples go in blocks of 4 (a remainder one by one): each weight read serves 4 samples in the logits, and each
  // gradient entry is read and written once per 4 samples, which halves the time of a plain loop.
  const z = new Float64Array(4 * classes);
  const grad = gW !== undefined && gb !== undefined;
  if (grad) {
    gW.fill(0);
    gb.fill(0);
  }
  let loss = 0;
  // softmax of the logits in z[j*classes ...] for sample n: adds its loss, leaves C (p - onehot) in z
  const soft = (j: number, n: number): void => {
    const zo = j * classes;
    let m = -Infinity;
    for (let c = 0; c < classes; c++) if (z[zo + c] > m) m = z[zo + c];
    const yn = y[n],
      zy = z[zo + yn];
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(z[zo + c] - m);
      z[zo + c] = e;
      sum += e;
    }
    loss += m + Math.log(sum) - zy; // logsumexp - logit_y
    if (grad)
      for (let c = 0; c < classes; c++) {
        const r = C * (z[zo + c] / sum - (c === yn ? 1 : 0));
        z[zo + c] = r;
        gb[c] += r;
      }
  };
  const N4 = N - (N % 4);
  for (let n = 0; n < N4; n += 4) {
    const o0 = n * K,
      o1 = o0 + K,
      o2 = o1 + K,
      o3 = o2 + K;
    for (let c = 0; c < classes; c++) {
      const wo = c * K;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0; k < K; k++) {
        const w = W[wo + k];
        s0 += w * F[o0 + k];
        s1 += w * F[o1 + k];
        s2 += w * F[o2 + k];
        s3 += w * F[o3 + k];
      }
      z[c] = b[c] + s0;
      z[classes + c] = b[c] + s1;
      z[2 * classes + c] = b[c] + s2;
      z[3 * classes + c] = b[c] + s3;
    }
    for (let j = 0; j < 4; j++) soft(j, n + j);
    if (grad)
      for (let c = 0; c < classes; c++) {
        const wo = c * K,
          r0 = z[c],
          r1 = z[classes + c],
          r2 = z[2 * classes + c],
          r3 = z[3 * classes + c];
        for (let k = 0; k < K; k++) gW[wo + k] += r0 * F[o0 + k] + r1 * F[o1 + k] + r2 * F[o2 + k] + r3 * F[o3 + k];
      }
  }
  for (let n = N4; n < N; n++) {
    const off = n * K;
    for (let c = 0; c < classes; c++) {
      const wo = c * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += W[wo + k] * F[off + k];
      z[c] = b[c] + s;
    }
    soft(0, n);
    if (grad)
      for (let c = 0; c < classes; c++) {
        const wo = c * K,
          r = z[c];
        for (let k = 0; k < K; k++) gW[wo + k] += r * F[off + k];
      }
  }
  let reg = 0;
  for (let i = 0; i < W.length; i++) {
    reg += W[i] * W[i];
    if (grad) gW[i] += W[i];
  }
  return C * loss + 0.5 * reg;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

/** Fit the probe on N inputs of K features (F row-major, N x K) with integer labels in [0, classes). */
export function fitProbe(
  F: ArrayLike<number>,
  N: number,
  K: number,
  labels: ArrayLike<number>,
  o: ProbeOptions = {},
): Probe {
  checkShape(F, N, K, labels);
  const C = o.C ?? 1,
    maxIter = o.maxIter ?? 100,
    tol = o.tol ?? 1e-4;
  if (!(C > 0 && Number.isFinite(C))) throw new RangeError(`probe: C = ${C}, expected a positive number`);
  if (!(Number.isInteger(maxIter) && maxIter >= 0)) throw new RangeError(`probe: maxIter = ${maxIter}`);
  if (!(tol >= 0)) throw new RangeError(`probe: tol = ${tol}`);
  let classes = o.classes;
  if (classes === undefined) {
    classes = 0;
    for (let n = 0; n < N; n++) classes = Math.max(classes, labels[n] + 1);
  }
  if (!(Number.isInteger(classes) && classes >= 2))
    throw new RangeError(`probe: ${classes} classes, expected an integer >= 2`);
  const y = intLabels(labels, N, classes);
  const cK = classes * K,
    P = cK + classes;
  // x = [W (classes x K), b]: one buffer, so the L-BFGS vectors are plain Float64Arrays of length P
  let x = new Float64Array(P),
    g = new Float64Array(P),
    xn = new Float64Array(P),
    gn = new Float64Array(P);
  const evaluate = (v: Float64Array, gv: Float64Array): number =>
    probeObjective(F, N, K, y, classes, C, v.subarray(0, cK), v.subarray(cK), gv.subarray(0, cK), gv.subarray(cK));
  let f = evaluate(x, g);
  const S: Float64Array[] = [],
    Y: Float64Array[] = [],
    rho: number[] = [];
  const alpha = new Float64Array(MEMORY);
  const d = new Float64Array(P);
  let iterations = 0,
    converged = false;
  for (; ; iterations++) {
    if (maxAbs(g) <= tol) {
      converged = true;
      break;
    }
    if (iterations >= maxIter) break;
    // two-loop recursion: d = -H g
    d.set(g);
    for (let i = S.length - 1; i >= 0; i--) {
      const a = rho[i] * dot(S[i], d);
      alpha[i] = a;
      const yi = Y[i];
      for (let j = 0; j < P; j++) d[j] -= a * yi[j];
    }
    let step = 1;
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = 1 / (rho[last] * dot(Y[last], Y[last])); // s.y / y.y
      for (let j = 0; j < P; j++) d[j] *= gamma;
      for (let i = 0; i < S.length; i++) {
        const beta = rho[i] * dot(Y[i], d);
        const si = S[i],
          c = alpha[i] - beta;
        for (let j = 0; j < P; j++) d[j] += c * si[j];
      }
    } else step = 1 / Math.sqrt(dot(g, g)); // first step (or after a reset): length 1 along -g, as scipy does
    for (let j = 0; j < P; j++) d[j] = -d[j];
    let gd = dot(g, d);
    if (!(gd < 0)) {
      // not a descent direction (rounding): forget the memory and go down the gradient
      S.length = Y.length = rho.length = 0;
      for (let j = 0; j < P; j++) d[j] = -g[j];
      gd = dot(g, d);
      step = 1 / Math.sqrt(-gd);
    }
    // backtracking line search (Armijo), safeguarded quadratic interpolation
    let fn = NaN,
      ok = false;
    for (let ls = 0; ls < MAX_LINE_SEARCH; ls++) {
      for (let j = 0; j < P; j++) xn[j] = x[j] + step * d[j];
      fn = evaluate(xn, gn);
      if (fn <= f + ARMIJO * step * gd) {
        ok = true;
        break;
      }
      const q = Number.isFinite(fn) ? (-gd * step * step) / (2 * (fn - f - gd * step)) : 0.1 * step;
      step = Math.min(0.5 * step, Math.max(0.1 * step, q));
    }
    if (!ok) break; // no decrease found: x is as good as this precision allows
    // curvature pair
    const s = S.length === MEMORY ? S.shift()! : new Float64Array(P);
    const yv = Y.length === MEMORY ? Y.shift()! : new Float64Array(P);
    if (rho.length === MEMORY) rho.shift();
    for (let j = 0; j < P; j++) {
      s[j] = xn[j] - x[j];
      yv[j] = gn[j] - g[j];
    }
    const sy = dot(s, yv);
    if (sy > 0) {
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    const decrease = (f - fn) / Math.max(Math.abs(f), Math.abs(fn), 1);
    [x, xn] = [xn, x];
    [g, gn] = [gn, g];
    f = fn;
    if (decrease <= FTOL) {
      iterations++;
      converged = true;
      break;
    }
  }
  return {
    K,
    classes,
    W: x.slice(0, cK),
    b: x.slice(cK),
    iterations,
    converged,
    objective: f,
    gradMax: maxAbs(g),
  };
}

/** The predicted class of each of N inputs: argmax_c W_c . x + b_c (the lowest index on ties). */
export function probePredict(p: Probe, F: ArrayLike<number>, N: number): Int32Array {
  checkShape(F, N, p.K, undefined);
  const { K, classes, W, b } = p;
  const out = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const off = n * K;
    let best = -Infinity,
      arg = 0;
    for (let c = 0; c < classes; c++) {
      const wo = c * K;
      let s = b[c];
      for (let k = 0; k < K; k++) s += W[wo + k] * F[off + k];
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    out[n] = arg;
  }
  return out;
}

/** The fraction (0..1) of N inputs whose predicted class equals the label. */
export function probeAccuracy(p: Probe, F: ArrayLike<number>, N: number, labels: ArrayLike<number>): number {
  checkShape(F, N, p.K, labels);
  const pred = probePredict(p, F, N);
  let right = 0;
  for (let n = 0; n < N; n++) if (pred[n] === labels[n]) right++;
  return right / N;
}
