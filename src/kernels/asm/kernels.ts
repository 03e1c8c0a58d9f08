// WebAssembly SIMD kernels for iP-VAE inference (AssemblyScript, compiled by scripts/build-wasm.mjs).
// The algorithm mirrors src/kernels/js.ts line for line; state and weights are float32 in 4-lane vectors.
// Memory is managed by a bump allocator: the host allocates every array once with alloc() and passes pointers.

// ---------------------------------------------------------------------------------------------------------
// Memory

export { alloc, resetHeap } from './heap';

// ---------------------------------------------------------------------------------------------------------
// Vector math (float32 lanes)

// exp(x): Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, Cephes expf polynomial (rel. error ~1.2e-7).
// @ts-ignore: decorator
@inline function expf4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(0.5)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  // 2^n without a float->int conversion: n + 1.5 * 2^23 holds n in its low mantissa bits.
  const ni = i32x4.sub(f32x4.add(n, f32x4.splat(12582912.0)), i32x4.splat(0x4b400000));
  const pow2 = i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2);
}

// log1p(v) for v in [0, 1]: 2 atanh(s), s = v / (2 + v) <= 1/3, odd series to s^15 (rel. error < 3e-8).
// @ts-ignore: decorator
@inline function log1pUnit4(v: v128): v128 {
  const s = f32x4.div(v, f32x4.add(v, f32x4.splat(2.0)));
  const s2 = f32x4.mul(s, s);
  let p = f32x4.splat(<f32>(1.0 / 15.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 13.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 11.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 9.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 7.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 5.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 3.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0));
  return f32x4.mul(f32x4.mul(p, s), f32x4.splat(2.0));
}

// softclamp(y, c) = y - softplus(y - c), softplus(a) = max(a, 0) + log1p(exp(-|a|)), after the floor max(y, -8).
// Fast path when every lane is far below the clamp (a < -7, so v = e^a < 9.2e-4): log1p(v) = v - v^2/2 with an
// error below v^3/3 < 2.6e-10, far under float32 resolution of the result.
// @ts-ignore: decorator
@inline function floorSoftclamp4(y: v128, c: v128): v128 {
  y = f32x4.max(y, f32x4.splat(-8.0));
  const a = f32x4.sub(y, c);
  if (i32x4.all_true(f32x4.lt(a, f32x4.splat(-7.0)))) {
    const v = expf4(a);
    return f32x4.sub(y, f32x4.sub(v, f32x4.mul(f32x4.mul(v, v), f32x4.splat(0.5))));
  }
  const sp = f32x4.add(f32x4.max(a, f32x4.splat(0.0)), log1pUnit4(expf4(f32x4.neg(f32x4.abs(a)))));
  return f32x4.sub(y, sp);
}

// Scalar versions (tails), through the same lane code so they round identically.
function floorSoftclamp1(y: f32, c: f32): f32 {
  return f32x4.extract_lane(floorSoftclamp4(f32x4.splat(y), f32x4.splat(c)), 0);
}
function expf1(x: f32): f32 {
  return f32x4.extract_lane(expf4(f32x4.splat(x)), 0);
}

// ---------------------------------------------------------------------------------------------------------
// Threefry-2x32-20, four counters at once (lanes = four consecutive neurons), and a scalar version.

import { threefry1, threefry4, tf0, tf1, tfA, tfB } from './threefry';

export function threefryWord0(k0: u32, k1: u32, c0: u32, c1: u32): u32 {
  threefry1(k0, k1, c0, c1);
  return tf0;
}
export function threefryWord1(k0: u32, k1: u32, c0: u32, c1: u32): u32 {
  threefry1(k0, k1, c0, c1);
  return tf1;
}

// ---------------------------------------------------------------------------------------------------------
// Poisson sampler (same algorithm as src/model/poisson.ts)

const POISSON_SPLIT: f32 = 10.0;
const RATE_EPS: f32 = 1.1920928955078125e-7;

// @ts-ignore: decorator
@inline function u01(w: u32): f64 {
  return (<f64>(w >>> 8) + 0.5) * 5.9604644775390625e-8;
}

function logGamma(x: f64): f64 {
  // Lanczos, g = 7, n = 9 (x >= 1 here).
  x -= 1.0;
  let a = 0.99999999999980993;
  a += 676.5203681218851 / (x + 1.0);
  a += -1259.1392167224028 / (x + 2.0);
  a += 771.32342877765313 / (x + 3.0);
  a += -176.61502916214059 / (x + 4.0);
  a += 12.507343278686905 / (x + 5.0);
  a += -0.13857109526572012 / (x + 6.0);
  a += 9.9843695780195716e-6 / (x + 7.0);
  a += 1.5056327351493116e-7 / (x + 8.0);
  const t = x + 7.5;
  return 0.5 * Math.log(2.0 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function poissonPtrs(lambda: f64, seed: u32, sample: u32, neuron: u32, step: u32): i32 {
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2.0);
  for (let j: u32 = 1; ; j++) {
    threefry1(seed + j * 0x9e3779b9, sample, neuron, step);
    const U = u01(tf0) - 0.5;
    const V = u01(tf1);
    const us = 0.5 - Math.abs(U);
    const k = Math.floor((2.0 * a / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return <i32>k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1.0)) {
      return <i32>k;
    }
  }
  return 0;
}

// 1/k rounded to float32, k = 0..MAX_INVERSION (entry 0 unused).
const MAX_INVERSION: i32 = 100;
const INV_K = memory.data<f32>([
  0, 1, 0.5, 0.3333333432674408, 0.25, 0.20000000298023224,
  0.1666666716337204, 0.1428571492433548, 0.125, 0.1111111119389534, 0.10000000149011612, 0.09090909361839294,
  0.0833333358168602, 0.07692307978868484, 0.0714285746216774, 0.06666667014360428, 0.0625, 0.05882352963089943,
  0.0555555559694767, 0.05263157933950424, 0.05000000074505806, 0.0476190485060215, 0.04545454680919647, 0.043478261679410934,
  0.0416666679084301, 0.03999999910593033, 0.03846153989434242, 0.03703703731298447, 0.0357142873108387, 0.03448275849223137,
  0.03333333507180214, 0.032258063554763794, 0.03125, 0.03030303120613098, 0.029411764815449715, 0.02857142873108387,
  0.02777777798473835, 0.027027027681469917, 0.02631578966975212, 0.025641025975346565, 0.02500000037252903, 0.024390242993831635,
  0.02380952425301075, 0.023255813866853714, 0.022727273404598236, 0.02222222276031971, 0.021739130839705467, 0.021276595070958138,
  0.02083333395421505, 0.020408162847161293, 0.019999999552965164, 0.019607843831181526, 0.01923076994717121, 0.01886792480945587,
  0.018518518656492233, 0.0181818176060915, 0.01785714365541935, 0.017543859779834747, 0.017241379246115685, 0.016949152573943138,
  0.01666666753590107, 0.016393441706895828, 0.016129031777381897, 0.01587301678955555, 0.015625, 0.015384615398943424,
  0.01515151560306549, 0.014925372786819935, 0.014705882407724857, 0.014492753893136978, 0.014285714365541935, 0.014084506779909134,
  0.013888888992369175, 0.013698630034923553, 0.013513513840734959, 0.013333333656191826, 0.01315789483487606, 0.012987012974917889,
  0.012820512987673283, 0.012658228166401386, 0.012500000186264515, 0.012345679104328156, 0.012195121496915817, 0.012048192322254181,
  0.011904762126505375, 0.0117647061124444, 0.011627906933426857, 0.01149425283074379, 0.011363636702299118, 0.01123595517128706,
  0.011111111380159855, 0.010989011265337467, 0.010869565419852734, 0.01075268816202879, 0.010638297535479069, 0.010526316240429878,
  0.010416666977107525, 0.010309278033673763, 0.010204081423580647, 0.010101010091602802, 0.009999999776482582,
]);

// Inverse CDF in float32: the smallest k with F(k) >= U, F(k) = F(k-1) + p(k), p(k) = p(k-1) * (lambda * (1/k)),
// every operation rounded to float32. Counting also stops where F no longer grows (the tail below float32
// resolution), and at MAX_INVERSION. Mirrored operation for operation by poissonInvertF32 in src/model/poisson.ts.
function invert1(U: f32, lambda: f32, p0: f32): i32 {
  let p = p0, F = p0, prevF: f32 = -1.0, z = 0;
  for (let k = 1; k <= MAX_INVERSION; k++) {
    if (!(U > F && F > prevF)) break;
    z = k;
    prevF = F;
    p = p * (lambda * load<f32>(INV_K + (<usize>k << 2)));
    F = F + p;
  }
  return z;
}

// The same in four lanes; lanes with lambda >= POISSON_SPLIT come back as 0 and are drawn by PTRS.
// Steps k = 1..3 are straight-line code (most counts are 0..3); the loop takes over only if a lane needs more.
// m is the lane's "still counting" mask: U > F(k-1), F grew at every step so far.
// @ts-ignore: decorator
@inline function invert4(U: v128, lam: v128, p0: v128): v128 {
  let p = p0, F = p0, prevF = p0;
  let m = f32x4.gt(U, F);
  let z = i32x4.sub(i32x4.splat(0), m);
  p = f32x4.mul(p, f32x4.mul(lam, f32x4.splat(1.0)));
  F = f32x4.add(F, p);
  m = v128.and(m, v128.and(f32x4.gt(U, F), f32x4.gt(F, prevF)));
  z = i32x4.sub(z, m);
  prevF = F;
  p = f32x4.mul(p, f32x4.mul(lam, f32x4.splat(0.5)));
  F = f32x4.add(F, p);
  m = v128.and(m, v128.and(f32x4.gt(U, F), f32x4.gt(F, prevF)));
  z = i32x4.sub(z, m);
  prevF = F;
  p = f32x4.mul(p, f32x4.mul(lam, f32x4.splat(<f32>(1.0 / 3.0))));
  F = f32x4.add(F, p);
  m = v128.and(m, v128.and(f32x4.gt(U, F), f32x4.gt(F, prevF)));
  if (!v128.any_true(m)) return z;
  for (let k = 4; k <= MAX_INVERSION; k++) {
    z = i32x4.sub(z, m);
    prevF = F;
    p = f32x4.mul(p, f32x4.mul(lam, v128.load32_splat(INV_K + (<usize>k << 2))));
    F = f32x4.add(F, p);
    m = v128.and(m, v128.and(f32x4.gt(U, F), f32x4.gt(F, prevF)));
    if (!v128.any_true(m)) break;
  }
  return z;
}

// The uniform of a word: its top 23 bits m, (m + 0.5) * 2^-23, exact in float32, in [2^-24, 1 - 2^-24].
// @ts-ignore: decorator
@inline function uniform1(w: u32): f32 {
  return (<f32>(w >>> 9) + <f32>0.5) * <f32>1.1920928955078125e-7;
}

// One draw from lambda (float32, with RATE_EPS), P(0) and the uniform word w0.
function drawOne(lambda: f32, p0: f32, w0: u32, seed: u32, sample: u32, neuron: u32, step: u32): i32 {
  if (lambda >= POISSON_SPLIT) return poissonPtrs(<f64>lambda, seed, sample, neuron, step);
  return invert1(uniform1(w0), lambda, p0);
}

// Draw z ~ Poisson(exp(u) + eps) for the four neurons k..k+3 given their uniform words; append the nonzero ones
// to (active, counts) from position n; return the new n.
// @ts-ignore: decorator
@inline function sample4(u: usize, k: i32, w0: v128, seed: u32, sample: u32, step: u32, active: usize, counts: usize, n: i32): i32 {
  const lam = f32x4.add(expf4(v128.load(u + (<usize>k << 2))), f32x4.splat(RATE_EPS));
  // P(0) = exp(-lambda); for small rates (the usual case: neurons near the floor) a cubic Taylor polynomial,
  // error below lambda^4 / 24 < 4.2e-10 for lambda < 0.01, under the 2^-23 resolution of U.
  let p0: v128;
  if (i32x4.all_true(f32x4.lt(lam, f32x4.splat(0.01)))) {
    p0 = f32x4.add(f32x4.splat(1.0), f32x4.mul(lam, f32x4.add(f32x4.splat(-1.0),
      f32x4.mul(lam, f32x4.sub(f32x4.splat(0.5), f32x4.mul(lam, f32x4.splat(<f32>(1.0 / 6.0))))))));
  } else {
    p0 = expf4(f32x4.neg(lam));
  }
  const U = f32x4.mul(f32x4.add(f32x4.convert_i32x4_s(i32x4.shr_u(w0, 9)), f32x4.splat(0.5)),
    f32x4.splat(1.1920928955078125e-7));
  const big = f32x4.ge(lam, f32x4.splat(POISSON_SPLIT));
  if (!v128.any_true(v128.or(f32x4.gt(U, p0), big))) return n;
  // inversion for the lanes below the split (big lanes get U = 0, hence z = 0 here)
  let z = invert4(v128.andnot(U, big), lam, p0);
  const bigMask = i32x4.bitmask(big);
  if (bigMask) {
    if (bigMask & 1) z = i32x4.replace_lane(z, 0, poissonPtrs(<f64>f32x4.extract_lane(lam, 0), seed, sample, <u32>k, step));
    if (bigMask & 2) z = i32x4.replace_lane(z, 1, poissonPtrs(<f64>f32x4.extract_lane(lam, 1), seed, sample, <u32>(k + 1), step));
    if (bigMask & 4) z = i32x4.replace_lane(z, 2, poissonPtrs(<f64>f32x4.extract_lane(lam, 2), seed, sample, <u32>(k + 2), step));
    if (bigMask & 8) z = i32x4.replace_lane(z, 3, poissonPtrs(<f64>f32x4.extract_lane(lam, 3), seed, sample, <u32>(k + 3), step));
  }
  // branch-free append of the nonzero lanes
  const z0 = i32x4.extract_lane(z, 0), z1 = i32x4.extract_lane(z, 1);
  const z2 = i32x4.extract_lane(z, 2), z3 = i32x4.extract_lane(z, 3);
  store<i32>(active + (<usize>n << 2), k); store<i32>(counts + (<usize>n << 2), z0); n += <i32>(z0 > 0);
  store<i32>(active + (<usize>n << 2), k + 1); store<i32>(counts + (<usize>n << 2), z1); n += <i32>(z1 > 0);
  store<i32>(active + (<usize>n << 2), k + 2); store<i32>(counts + (<usize>n << 2), z2); n += <i32>(z2 > 0);
  store<i32>(active + (<usize>n << 2), k + 3); store<i32>(counts + (<usize>n << 2), z3); n += <i32>(z3 > 0);
  return n;
}

// Draw z ~ Poisson(exp(u) + eps) for all K neurons at one step; write (index, count) of the nonzero ones.
// Neurons 2m and 2m+1 take words 0 and 1 of one Threefry call with counter (m, step): eight neurons per pass.
export function sampleAll(u: usize, K: i32, seed: u32, sample: u32, step: u32, active: usize, counts: usize): i32 {
  let n = 0;
  const lane = i32x4(0, 1, 2, 3);
  let k = 0;
  for (; k + 8 <= K; k += 8) {
    threefry4(seed, sample, i32x4.add(i32x4.splat(k >> 1), lane), step);
    n = sample4(u, k, i32x4.shuffle(tfA, tfB, 0, 4, 1, 5), seed, sample, step, active, counts, n);
    n = sample4(u, k + 4, i32x4.shuffle(tfA, tfB, 2, 6, 3, 7), seed, sample, step, active, counts, n);
  }
  for (; k < K; k++) {
    const L = expf1(load<f32>(u + (<usize>k << 2))) + RATE_EPS;
    const P = expf1(-L);
    threefry1(seed, sample, <u32>(k >> 1), step);
    const z = drawOne(L, P, (k & 1) ? tf1 : tf0, seed, sample, <u32>k, step);
    if (z > 0) {
      store<i32>(active + (<usize>n << 2), k);
      store<i32>(counts + (<usize>n << 2), z);
      n++;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// Products

// out[0..width) = sum_i counts[i] * rows[active[i], :], four rows per pass over out.
export function eventAccumulate(rows: usize, width: i32, active: usize, counts: usize, n: i32, out: usize): void {
  memory.fill(out, 0, <usize>width << 2);
  const stride = <usize>width << 2;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const r0 = rows + <usize>load<i32>(active + (<usize>i << 2)) * stride;
    const r1 = rows + <usize>load<i32>(active + (<usize>(i + 1) << 2)) * stride;
    const r2 = rows + <usize>load<i32>(active + (<usize>(i + 2) << 2)) * stride;
    const r3 = rows + <usize>load<i32>(active + (<usize>(i + 3) << 2)) * stride;
    const c0s = <f32>load<i32>(counts + (<usize>i << 2));
    const c1s = <f32>load<i32>(counts + (<usize>(i + 1) << 2));
    const c2s = <f32>load<i32>(counts + (<usize>(i + 2) << 2));
    const c3s = <f32>load<i32>(counts + (<usize>(i + 3) << 2));
    const c0 = f32x4.splat(c0s), c1 = f32x4.splat(c1s), c2 = f32x4.splat(c2s), c3 = f32x4.splat(c3s);
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const o = <usize>j << 2;
      let a = v128.load(out + o);
      a = f32x4.add(a, f32x4.add(f32x4.add(f32x4.mul(c0, v128.load(r0 + o)), f32x4.mul(c1, v128.load(r1 + o))),
        f32x4.add(f32x4.mul(c2, v128.load(r2 + o)), f32x4.mul(c3, v128.load(r3 + o)))));
      v128.store(out + o, a);
    }
    for (; j < width; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + ((c0s * load<f32>(r0 + o) + c1s * load<f32>(r1 + o)) +
        (c2s * load<f32>(r2 + o) + c3s * load<f32>(r3 + o))));
    }
  }
  for (; i < n; i++) {
    const r0 = rows + <usize>load<i32>(active + (<usize>i << 2)) * stride;
    const cs = <f32>load<i32>(counts + (<usize>i << 2));
    const c = f32x4.splat(cs);
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(c, v128.load(r0 + o))));
    }
    for (; j < width; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + cs * load<f32>(r0 + o));
    }
  }
}

// out[d] = sum over all k of z[k] * phiT[k, d]: the dense decoder (every row, zero or not).
export function denseDecode(phiT: usize, K: i32, D: i32, z: usize, out: usize): void {
  memory.fill(out, 0, <usize>D << 2);
  const stride = <usize>D << 2;
  for (let k = 0; k < K; k++) {
    const row = phiT + <usize>k * stride;
    const cs = load<f32>(z + (<usize>k << 2));
    const c = f32x4.splat(cs);
    let d = 0;
    for (; d + 4 <= D; d += 4) {
      const o = <usize>d << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(c, v128.load(row + o))));
    }
    for (; d < D; d++) {
      const o = <usize>d << 2;
      store<f32>(out + o, load<f32>(out + o) + cs * load<f32>(row + o));
    }
  }
}

// out[k] = sum_d rows[k, d] * v[d]: the dense projection Phi^T e.
export function denseProject(rows: usize, K: i32, D: i32, v: usize, out: usize): void {
  const stride = <usize>D << 2;
  for (let k = 0; k < K; k++) {
    const row = rows + <usize>k * stride;
    let acc = f32x4.splat(0.0);
    let d = 0;
    for (; d + 4 <= D; d += 4) {
      const o = <usize>d << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(row + o), v128.load(v + o)));
    }
    let s: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
      (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; d < D; d++) s += load<f32>(row + (<usize>d << 2)) * load<f32>(v + (<usize>d << 2));
    store<f32>(out + (<usize>k << 2), s);
  }
}

// ---------------------------------------------------------------------------------------------------------
// One sample's inference run (see runSampleJs in src/kernels/js.ts for the contract)

const EPS32: f64 = 1.1920928955078125e-7;

function recordAt(D: i32, K: i32, phiT: usize, x: usize, ssTot: f64, n: i32, active: usize, counts: usize,
  u: usize, rate: usize, xhat: usize, duNorm: f64, out: usize): void {
  eventAccumulate(phiT, D, active, counts, n, xhat);
  let res: f64 = 0;
  for (let d = 0; d < D; d++) {
    const r = <f64>load<f32>(x + (<usize>d << 2)) - <f64>load<f32>(xhat + (<usize>d << 2));
    res += r * r;
  }
  let k = 0;
  for (; k + 4 <= K; k += 4) v128.store(rate + (<usize>k << 2), expf4(v128.load(u + (<usize>k << 2))));
  for (; k < K; k++) store<f32>(rate + (<usize>k << 2), expf1(load<f32>(u + (<usize>k << 2))));
  denseDecode(phiT, K, D, rate, xhat);
  let resMap: f64 = 0;
  for (let d = 0; d < D; d++) {
    const r = <f64>load<f32>(x + (<usize>d << 2)) - <f64>load<f32>(xhat + (<usize>d << 2));
    resMap += r * r;
  }
  store<f64>(out, 1.0 - res / (ssTot + EPS32));
  store<f64>(out + 8, 1.0 - resMap / (ssTot + EPS32));
  store<f64>(out + 16, <f64>(K - n) / <f64>K);
  store<f64>(out + 24, res);
  store<f64>(out + 32, duNorm);
  let spikes: i64 = 0;
  for (let i = 0; i < n; i++) spikes += <i64>load<i32>(counts + (<usize>i << 2));
  store<f64>(out + 40, <f64>spikes);
}

// scratch must hold 7 K-vectors (u, g, drive, zf, rate, active, counts) and 2 D-vectors (xhat, e), 16-aligned
// blocks of 4 * roundUp4(K) and 4 * roundUp4(D) bytes.
export function runSample(
  mode: i32, D: i32, K: i32, phiT: usize, invVar: usize, bias: usize, wrec: usize, eta: f32, u0: usize,
  x: usize, sample: u32, seed: u32, T: i32, c: f32, rec: usize, nRec: i32, out: usize, scratch: usize,
): void {
  const kb = <usize>((K + 3) & ~3) << 2;
  const db = <usize>((D + 3) & ~3) << 2;
  const u = scratch, g = u + kb, drive = g + kb, zf = drive + kb, rate = zf + kb;
  const active = rate + kb, counts = active + kb, xhat = counts + kb, e = xhat + db;
  memory.copy(u, u0, <usize>K << 2);
  let mean: f64 = 0;
  for (let d = 0; d < D; d++) mean += <f64>load<f32>(x + (<usize>d << 2));
  mean /= <f64>D;
  let ssTot: f64 = 0;
  for (let d = 0; d < D; d++) {
    const r = <f64>load<f32>(x + (<usize>d << 2)) - mean;
    ssTot += r * r;
  }
  if (mode == 0) {
    for (let d = 0; d < D; d++) {
      const o = <usize>d << 2;
      store<f32>(e + o, load<f32>(x + o) * load<f32>(invVar + o));
    }
    denseProject(phiT, K, D, e, drive);
    for (let k = 0; k < K; k++) {
      const o = <usize>k << 2;
      store<f32>(drive + o, load<f32>(drive + o) - load<f32>(bias + o));
    }
  }
  const eta4 = f32x4.splat(eta), c4 = f32x4.splat(c);
  let duNorm: f64 = 0;
  let ri = 0;
  for (let t = 0; t <= T; t++) {
    const needRecord = ri < nRec && load<i32>(rec + (<usize>ri << 2)) == t;
    if (t == T && !needRecord) break;
    const n = sampleAll(u, K, seed, sample, <u32>t, active, counts);
    if (needRecord) {
      recordAt(D, K, phiT, x, ssTot, n, active, counts, u, rate, xhat, duNorm, out + <usize>ri * 48);
      ri++;
    }
    if (t == T) break;
    if (mode == 0) {
      eventAccumulate(wrec, K, active, counts, n, g);
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const o = <usize>k << 2;
        v128.store(g + o, f32x4.sub(v128.load(drive + o), v128.load(g + o)));
      }
      for (; k < K; k++) {
        const o = <usize>k << 2;
        store<f32>(g + o, load<f32>(drive + o) - load<f32>(g + o));
      }
    } else {
      memory.fill(zf, 0, <usize>K << 2);
      for (let i = 0; i < n; i++) {
        store<f32>(zf + (<usize>load<i32>(active + (<usize>i << 2)) << 2), <f32>load<i32>(counts + (<usize>i << 2)));
      }
      denseDecode(phiT, K, D, zf, xhat);
      for (let d = 0; d < D; d++) {
        const o = <usize>d << 2;
        store<f32>(e + o, (load<f32>(x + o) - load<f32>(xhat + o)) * load<f32>(invVar + o));
      }
      denseProject(phiT, K, D, e, g);
      for (let k = 0; k < K; k++) {
        const o = <usize>k << 2;
        store<f32>(g + o, load<f32>(g + o) - load<f32>(bias + o));
      }
    }
    let dn4 = f32x4.splat(0.0);
    let dn: f64 = 0;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const o = <usize>k << 2;
      const uo = v128.load(u + o);
      const du = floorSoftclamp4(f32x4.mul(eta4, v128.load(g + o)), c4);
      const un = floorSoftclamp4(f32x4.add(uo, du), c4);
      const diff = f32x4.sub(un, uo);
      dn4 = f32x4.add(dn4, f32x4.mul(diff, diff));
      v128.store(u + o, un);
    }
    dn = <f64>f32x4.extract_lane(dn4, 0) + <f64>f32x4.extract_lane(dn4, 1) +
      <f64>f32x4.extract_lane(dn4, 2) + <f64>f32x4.extract_lane(dn4, 3);
    for (; k < K; k++) {
      const o = <usize>k << 2;
      const uo = load<f32>(u + o);
      const du = floorSoftclamp1(eta * load<f32>(g + o), c);
      const un = floorSoftclamp1(uo + du, c);
      const diff = <f64>(un - uo);
      dn += diff * diff;
      store<f32>(u + o, un);
    }
    duNorm = Math.sqrt(dn);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dense matrix products for training (row-major float32). Each accumulates into C (C += ...); the caller
// zeroes C first when it wants a plain product.

// C[M x N] += A[M x K] B[K x N]: register-blocked, a 4 x 8 tile of C held in eight 4-lane accumulators over
// all k (each step: two loads of B, four broadcasts of A, eight multiply-adds, no stores); the rows and
// columns outside whole tiles by plain loops.
export function gemmNN(M: i32, N: i32, K: i32, A: usize, B: usize, C: usize): void {
  const nb = <usize>N << 2, kb = <usize>K << 2;
  const M4 = M & ~3, N8 = N & ~7;
  for (let i = 0; i < M4; i += 4) {
    const a0 = A + <usize>i * kb, a1 = a0 + kb, a2 = a1 + kb, a3 = a2 + kb;
    for (let j = 0; j < N8; j += 8) {
      const jo = <usize>j << 2;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let bp = B + jo;
      for (let k = 0; k < K; k++) {
        const ko = <usize>k << 2;
        const b0 = v128.load(bp), b1 = v128.load(bp, 16);
        const x0 = v128.load32_splat(a0 + ko), x1 = v128.load32_splat(a1 + ko);
        const x2 = v128.load32_splat(a2 + ko), x3 = v128.load32_splat(a3 + ko);
        c00 = f32x4.add(c00, f32x4.mul(x0, b0)); c01 = f32x4.add(c01, f32x4.mul(x0, b1));
        c10 = f32x4.add(c10, f32x4.mul(x1, b0)); c11 = f32x4.add(c11, f32x4.mul(x1, b1));
        c20 = f32x4.add(c20, f32x4.mul(x2, b0)); c21 = f32x4.add(c21, f32x4.mul(x2, b1));
        c30 = f32x4.add(c30, f32x4.mul(x3, b0)); c31 = f32x4.add(c31, f32x4.mul(x3, b1));
        bp += nb;
      }
      const r0 = C + <usize>i * nb + jo, r1 = r0 + nb, r2 = r1 + nb, r3 = r2 + nb;
      v128.store(r0, f32x4.add(v128.load(r0), c00)); v128.store(r0, f32x4.add(v128.load(r0, 16), c01), 16);
      v128.store(r1, f32x4.add(v128.load(r1), c10)); v128.store(r1, f32x4.add(v128.load(r1, 16), c11), 16);
      v128.store(r2, f32x4.add(v128.load(r2), c20)); v128.store(r2, f32x4.add(v128.load(r2, 16), c21), 16);
      v128.store(r3, f32x4.add(v128.load(r3), c30)); v128.store(r3, f32x4.add(v128.load(r3, 16), c31), 16);
    }
  }
  // columns N8..N of the tiled rows, then the remaining rows over all columns
  for (let i = 0; i < M; i++) {
    const a0 = A + <usize>i * kb, crow = C + <usize>i * nb;
    const j0 = i < M4 ? N8 : 0;
    if (j0 >= N) continue;
    for (let k = 0; k < K; k++) {
      const s0 = load<f32>(a0 + (<usize>k << 2));
      const brow = B + <usize>k * nb;
      for (let j = j0; j < N; j++) {
        const o = <usize>j << 2;
        store<f32>(crow + o, load<f32>(crow + o) + s0 * load<f32>(brow + o));
      }
    }
  }
}

// C[M x N] += A[M x K] B[N x K]^T: dot products of contiguous rows, two rows of A by two rows of B at a time.
export function gemmNT(M: i32, N: i32, K: i32, A: usize, B: usize, C: usize): void {
  const kb = <usize>K << 2, nb = <usize>N << 2;
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const a0 = A + <usize>i * kb, a1 = a0 + kb;
    let j = 0;
    for (; j + 2 <= N; j += 2) {
      const b0 = B + <usize>j * kb, b1 = b0 + kb;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const o = <usize>k << 2;
        const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o), y0 = v128.load(b0 + o), y1 = v128.load(b1 + o);
        s00 = f32x4.add(s00, f32x4.mul(x0, y0)); s01 = f32x4.add(s01, f32x4.mul(x0, y1));
        s10 = f32x4.add(s10, f32x4.mul(x1, y0)); s11 = f32x4.add(s11, f32x4.mul(x1, y1));
      }
      let r00 = hsum(s00), r01 = hsum(s01), r10 = hsum(s10), r11 = hsum(s11);
      for (; k < K; k++) {
        const o = <usize>k << 2;
        const x0 = load<f32>(a0 + o), x1 = load<f32>(a1 + o), y0 = load<f32>(b0 + o), y1 = load<f32>(b1 + o);
        r00 += x0 * y0; r01 += x0 * y1; r10 += x1 * y0; r11 += x1 * y1;
      }
      const c0 = C + <usize>i * nb + (<usize>j << 2), c1 = c0 + nb;
      store<f32>(c0, load<f32>(c0) + r00); store<f32>(c0 + 4, load<f32>(c0 + 4) + r01);
      store<f32>(c1, load<f32>(c1) + r10); store<f32>(c1 + 4, load<f32>(c1 + 4) + r11);
    }
    for (; j < N; j++) {
      const c0 = C + <usize>i * nb + (<usize>j << 2);
      store<f32>(c0, load<f32>(c0) + dot(a0, B + <usize>j * kb, K));
      store<f32>(c0 + nb, load<f32>(c0 + nb) + dot(a1, B + <usize>j * kb, K));
    }
  }
  for (; i < M; i++) {
    const a0 = A + <usize>i * kb;
    for (let j = 0; j < N; j++) {
      const c0 = C + <usize>i * nb + (<usize>j << 2);
      store<f32>(c0, load<f32>(c0) + dot(a0, B + <usize>j * kb, K));
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

function dot(a: usize, b: usize, K: i32): f32 {
  let s = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const o = <usize>k << 2;
    s = f32x4.add(s, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let r = hsum(s);
  for (; k < K; k++) r += load<f32>(a + (<usize>k << 2)) * load<f32>(b + (<usize>k << 2));
  return r;
}

// C[M x N] += A[K x M]^T B[K x N]: rank-four updates of C by four rows of A and B at a time, so each row of C is
// loaded and stored once per four k (B's four rows stay in L1), then rank-one updates for the remaining k.
export function gemmTN(M: i32, N: i32, K: i32, A: usize, B: usize, C: usize): void {
  const mb = <usize>M << 2, nb = <usize>N << 2;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const a0 = A + <usize>k * mb, a1 = a0 + mb, a2 = a1 + mb, a3 = a2 + mb;
    const b0 = B + <usize>k * nb, b1 = b0 + nb, b2 = b1 + nb, b3 = b2 + nb;
    for (let i = 0; i < M; i++) {
      const io = <usize>i << 2;
      const s0 = load<f32>(a0 + io), s1 = load<f32>(a1 + io), s2 = load<f32>(a2 + io), s3 = load<f32>(a3 + io);
      if (s0 == 0 && s1 == 0 && s2 == 0 && s3 == 0) continue;
      const v0 = f32x4.splat(s0), v1 = f32x4.splat(s1), v2 = f32x4.splat(s2), v3 = f32x4.splat(s3);
      const crow = C + <usize>i * nb;
      let j = 0;
      for (; j + 4 <= N; j += 4) {
        const o = <usize>j << 2;
        const sum = f32x4.add(f32x4.add(f32x4.mul(v0, v128.load(b0 + o)), f32x4.mul(v1, v128.load(b1 + o))),
          f32x4.add(f32x4.mul(v2, v128.load(b2 + o)), f32x4.mul(v3, v128.load(b3 + o))));
        v128.store(crow + o, f32x4.add(v128.load(crow + o), sum));
      }
      for (; j < N; j++) {
        const o = <usize>j << 2;
        store<f32>(crow + o, load<f32>(crow + o) + ((s0 * load<f32>(b0 + o) + s1 * load<f32>(b1 + o)) +
          (s2 * load<f32>(b2 + o) + s3 * load<f32>(b3 + o))));
      }
    }
  }
  for (; k < K; k++) {
    const arow = A + <usize>k * mb, brow = B + <usize>k * nb;
    for (let i = 0; i < M; i++) {
      const s = load<f32>(arow + (<usize>i << 2));
      if (s == 0) continue;
      const v = f32x4.splat(s);
      const crow = C + <usize>i * nb;
      let j = 0;
      for (; j + 4 <= N; j += 4) {
        const o = <usize>j << 2;
        v128.store(crow + o, f32x4.add(v128.load(crow + o), f32x4.mul(v, v128.load(brow + o))));
      }
      for (; j < N; j++) {
        const o = <usize>j << 2;
        store<f32>(crow + o, load<f32>(crow + o) + s * load<f32>(brow + o));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Training: the relaxed Poisson sample (src/train/relaxed.ts) for four neurons at a time.

// log(x) for x > 0 (normal floats): x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s),
// s = (m - 1) / (m + 1), |s| <= 0.1716, odd series to s^9 (relative error < 1e-8 before float32 rounding).
// @ts-ignore: decorator
@inline function logf4(x: v128): v128 {
  const bits = x;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000)); // m in [1, 2)
  const big = f32x4.gt(m, f32x4.splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes: e + 1 (big is -1 there)
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1.0)), f32x4.add(m, f32x4.splat(1.0)));
  const s2 = f32x4.mul(s, s);
  let p = f32x4.splat(<f32>(1.0 / 9.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 7.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 5.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 3.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0));
  const logm = f32x4.mul(f32x4.mul(p, s), f32x4.splat(2.0));
  return f32x4.add(logm, f32x4.mul(f32x4.convert_i32x4_s(e), f32x4.splat(0.6931471805599453)));
}

export function logf1(x: f32): f32 {
  return f32x4.extract_lane(logf4(f32x4.splat(x)), 0);
}

// Soft counts z~ (out z) and dz~/du (out dz) for K neurons of one input at one step: lambda = e^u + eps,
// E_j = -log U_j with U_j the 23-bit uniform (as uniformOfWord) of word (j & 1) of Threefry with key
// (seed ^ stream, sample) and counter (neuron, step * 1024 + (j >> 1)), S_j = E_1 + ... + E_j,
// z~ = sum_j sigmoid((1 - S_j / lambda) / tau).
const A_MAX: f32 = 30.0;
const SIGMOID_NEG_A_MAX: f32 = 9.357623e-14; // sigmoid(-30)

export function relaxedAll(u: usize, K: i32, tau: f32, nExp: i32, key0: u32, sample: u32, step: u32, z: usize, dz: usize): void {
  const lane = i32x4(0, 1, 2, 3);
  const invTau = f32x4.splat(<f32>1.0 / tau);
  const one = f32x4.splat(1.0);
  for (let k = 0; k < K; k += 4) {
    const o = <usize>k << 2;
    const eu = expf4(v128.load(u + o));
    const lam = f32x4.add(eu, f32x4.splat(RATE_EPS));
    const invLam = f32x4.div(one, lam);
    let S = f32x4.splat(0.0), zs = f32x4.splat(0.0), ds = f32x4.splat(0.0);
    const c0 = i32x4.add(i32x4.splat(k), lane);
    for (let j = 0; j < nExp; j++) {
      // exponentials 2i and 2i+1 take words 0 and 1 of one Threefry call with counter (neuron, step * 1024 + i)
      if ((j & 1) == 0) threefry4(key0, sample, c0, step * 1024 + (<u32>j >> 1));
      const word = (j & 1) ? tfB : tfA;
      const U = f32x4.mul(f32x4.add(f32x4.convert_i32x4_s(i32x4.shr_u(word, 9)), f32x4.splat(0.5)),
        f32x4.splat(1.1920928955078125e-7));
      S = f32x4.sub(S, logf4(U));
      const a0 = f32x4.mul(f32x4.sub(one, f32x4.mul(S, invLam)), invTau);
      // S only grows: once every lane is below -A_MAX, all remaining terms are the constant sigmoid(-A_MAX)
      if (i32x4.all_true(f32x4.lt(a0, f32x4.splat(-A_MAX)))) {
        zs = f32x4.add(zs, f32x4.splat(<f32>(nExp - j) * SIGMOID_NEG_A_MAX));
        break;
      }
      // |a| <= 30 (sigmoid(-30) = 9.4e-14): keeps every value normal; a clamped term has no gradient
      const a = f32x4.min(f32x4.max(a0, f32x4.splat(-A_MAX)), f32x4.splat(A_MAX));
      const live = f32x4.eq(a, a0);
      const sg = f32x4.div(one, f32x4.add(one, expf4(f32x4.neg(a))));
      zs = f32x4.add(zs, sg);
      ds = f32x4.add(ds, v128.and(f32x4.mul(f32x4.mul(sg, f32x4.sub(one, sg)), S), live));
    }
    // dz/du = dz/dlambda * e^u = sum sigma' S / (tau lambda^2) * e^u
    const dzdu = f32x4.mul(f32x4.mul(f32x4.mul(ds, invTau), f32x4.mul(invLam, invLam)), eu);
    if (k + 4 <= K) {
      v128.store(z + o, zs);
      v128.store(dz + o, dzdu);
    } else {
      for (let l = 0; l < K - k; l++) {
        const lo = o + (<usize>l << 2);
        if (l == 0) { store<f32>(z + lo, f32x4.extract_lane(zs, 0)); store<f32>(dz + lo, f32x4.extract_lane(dzdu, 0)); }
        else if (l == 1) { store<f32>(z + lo, f32x4.extract_lane(zs, 1)); store<f32>(dz + lo, f32x4.extract_lane(dzdu, 1)); }
        else { store<f32>(z + lo, f32x4.extract_lane(zs, 2)); store<f32>(dz + lo, f32x4.extract_lane(dzdu, 2)); }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Training: the element-wise parts of one FOND step over a B x K block (rows = inputs), forward and backward.

// d floorSoftclamp(y, c) / dy = sigmoid(c - y) above the floor, 0 at or below it.
// @ts-ignore: decorator
@inline function dFloorSoftclamp4(y: v128, c: v128): v128 {
  const s = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expf4(f32x4.sub(y, c))));
  return v128.and(s, f32x4.gt(y, f32x4.splat(-8.0)));
}

// duRaw = eta (G - bias[k]); Y = u + sc(max(duRaw, -8)); U1 = sc(max(Y, -8)). Returns sum of KL(U1, u) (form 0:
// coded, 1: exact) over the block, in float64.
export function fondForward(B: i32, K: i32, u: usize, G: usize, bias: usize, eta: f32, c: f32, form: i32,
  duRaw: usize, Y: usize, U1: usize): f64 {
  const eta4 = f32x4.splat(eta), c4 = f32x4.splat(c), one = f32x4.splat(1.0);
  let klSum: f64 = 0;
  for (let b = 0; b < B; b++) {
    const row = <usize>b * (<usize>K << 2);
    let k = 0;
    let acc = f32x4.splat(0.0);
    for (; k + 4 <= K; k += 4) {
      const o = row + (<usize>k << 2);
      const dr = f32x4.mul(eta4, f32x4.sub(v128.load(G + o), v128.load(bias + (<usize>k << 2))));
      const uu = v128.load(u + o);
      const y = f32x4.add(uu, floorSoftclamp4(dr, c4));
      const un = floorSoftclamp4(y, c4);
      v128.store(duRaw + o, dr); v128.store(Y + o, y); v128.store(U1 + o, un);
      const d = f32x4.sub(un, uu), ed = expf4(d);
      const base = form == 0 ? expf4(un) : expf4(uu);
      acc = f32x4.add(acc, f32x4.mul(base, f32x4.add(one, f32x4.mul(ed, f32x4.sub(d, one)))));
    }
    klSum += <f64>hsum(acc);
    for (; k < K; k++) {
      const o = row + (<usize>k << 2);
      const dr = eta * (load<f32>(G + o) - load<f32>(bias + (<usize>k << 2)));
      const uu = load<f32>(u + o);
      const y = uu + floorSoftclamp1(dr, c);
      const un = floorSoftclamp1(y, c);
      store<f32>(duRaw + o, dr); store<f32>(Y + o, y); store<f32>(U1 + o, un);
      const d = un - uu, ed = expf1(d);
      klSum += <f64>((form == 0 ? expf1(un) : expf1(uu)) * (<f32>1.0 + ed * (d - <f32>1.0)));
    }
  }
  return klSum;
}

// Backward of fondForward plus the KL term: with gU = dL/dU1 (in/out, consumed), writes gPrev = dL/du (the
// part through this step's clamps and KL), dG = dL/dG, accumulates dLogBias[k]; returns dL/deta (float64).
// ks = beta * loss scale.
export function fondBackward(B: i32, K: i32, u: usize, U1: usize, G: usize, bias: usize, duRaw: usize, Y: usize,
  eta: f32, c: f32, form: i32, ks: f32, gU: usize, gPrev: usize, dG: usize, dLogBias: usize): f64 {
  const eta4 = f32x4.splat(eta), c4 = f32x4.splat(c), ks4 = f32x4.splat(ks), one = f32x4.splat(1.0);
  let dEta: f64 = 0;
  for (let b = 0; b < B; b++) {
    const row = <usize>b * (<usize>K << 2);
    let acc = f32x4.splat(0.0);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const o = row + (<usize>k << 2), ko = <usize>k << 2;
      const uu = v128.load(u + o), un = v128.load(U1 + o);
      const d = f32x4.sub(un, uu), ed = expf4(d);
      let gdu: v128, gdp: v128;
      if (form == 0) {
        const eu = expf4(un), f = f32x4.mul(eu, f32x4.add(one, f32x4.mul(ed, f32x4.sub(d, one))));
        const t = f32x4.mul(f32x4.mul(eu, ed), d);
        gdu = f32x4.add(f, t); gdp = f32x4.neg(t);
      } else {
        const ep = expf4(uu), t = f32x4.mul(f32x4.mul(ep, ed), d);
        gdu = t; gdp = f32x4.sub(f32x4.mul(ep, f32x4.add(one, f32x4.mul(ed, f32x4.sub(d, one)))), t);
      }
      const g = f32x4.add(v128.load(gU + o), f32x4.mul(ks4, gdu));
      const dy = f32x4.mul(g, dFloorSoftclamp4(v128.load(Y + o), c4));
      v128.store(gPrev + o, f32x4.add(f32x4.mul(ks4, gdp), dy));
      const dr = v128.load(duRaw + o);
      const dd = f32x4.mul(dy, dFloorSoftclamp4(dr, c4));
      const bk = v128.load(bias + ko);
      acc = f32x4.add(acc, f32x4.mul(dd, f32x4.sub(v128.load(G + o), bk)));
      v128.store(dLogBias + ko, f32x4.sub(v128.load(dLogBias + ko), f32x4.mul(f32x4.mul(eta4, dd), bk)));
      v128.store(dG + o, f32x4.mul(eta4, dd));
    }
    dEta += <f64>hsum(acc);
    for (; k < K; k++) {
      const o = row + (<usize>k << 2), ko = <usize>k << 2;
      const uu = load<f32>(u + o), un = load<f32>(U1 + o);
      const d = un - uu, ed = expf1(d);
      let gdu: f32, gdp: f32;
      if (form == 0) {
        const eu = expf1(un), f = eu * (<f32>1.0 + ed * (d - <f32>1.0)), t = eu * ed * d;
        gdu = f + t; gdp = -t;
      } else {
        const ep = expf1(uu), t = ep * ed * d;
        gdu = t; gdp = ep * (<f32>1.0 + ed * (d - <f32>1.0)) - t;
      }
      const g = load<f32>(gU + o) + ks * gdu;
      const y = load<f32>(Y + o);
      const dy = g * (y > <f32>-8.0 ? <f32>1.0 / (<f32>1.0 + expf1(y - c)) : <f32>0.0);
      store<f32>(gPrev + o, ks * gdp + dy);
      const dr = load<f32>(duRaw + o);
      const dd = dy * (dr > <f32>-8.0 ? <f32>1.0 / (<f32>1.0 + expf1(dr - c)) : <f32>0.0);
      const bk = load<f32>(bias + ko);
      dEta += <f64>(dd * (load<f32>(G + o) - bk));
      store<f32>(dLogBias + ko, load<f32>(dLogBias + ko) - eta * dd * bk);
      store<f32>(dG + o, eta * dd);
    }
  }
  return dEta;
}

// ---------------------------------------------------------------------------------------------------------
// Gaussian noise for the iterative Gaussian baselines (src/baselines/ig.ts)

// @ts-ignore: decorator
@inline function boxMuller(w0: u32, w1: u32, out: usize): void {
  const u1 = (<f64>w0 + 0.5) * 2.3283064365386963e-10; // 2^-32
  const u2 = (<f64>w1 + 0.5) * 2.3283064365386963e-10;
  const r = Math.sqrt(-2.0 * Math.log(u1));
  const a = 6.283185307179586 * u2;
  store<f32>(out, <f32>(r * Math.cos(a)));
  store<f32>(out + 4, <f32>(r * Math.sin(a)));
}

// n standard normals (n even) into out: values 2m and 2m + 1 are r cos and r sin of the Box-Muller pair made
// from the two words of Threefry counter (m, c1) under key (k0, k1). Four pairs per Threefry pass.
export function normalPairs(out: usize, n: i32, k0: u32, k1: u32, c1: u32): void {
  const lane = i32x4(0, 1, 2, 3);
  const pairs = n >> 1;
  let m = 0;
  for (; m + 4 <= pairs; m += 4) {
    threefry4(k0, k1, i32x4.add(i32x4.splat(m), lane), c1);
    const o = out + (<usize>m << 3);
    boxMuller(i32x4.extract_lane(tfA, 0), i32x4.extract_lane(tfB, 0), o);
    boxMuller(i32x4.extract_lane(tfA, 1), i32x4.extract_lane(tfB, 1), o + 8);
    boxMuller(i32x4.extract_lane(tfA, 2), i32x4.extract_lane(tfB, 2), o + 16);
    boxMuller(i32x4.extract_lane(tfA, 3), i32x4.extract_lane(tfB, 3), o + 24);
  }
  for (; m < pairs; m++) {
    threefry1(k0, k1, <u32>m, c1);
    boxMuller(tf0, tf1, out + (<usize>m << 3));
  }
}
