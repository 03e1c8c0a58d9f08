// The integer simulator's hot loops in WebAssembly (AssemblyScript, compiled by scripts/build-wasm.mjs into
// src/sim/wasm-sim-binary.ts). Each function mirrors a JavaScript function of the event engine line for line
// with the same float64 operations in the same order, so results are bit-identical (IEEE-754 arithmetic is
// the same in both; every value is an exact integer below 2^53):
//   iexp, isoftplus, isoftclamp          src/fixed/iexp.ts, src/fixed/isoftclamp.ts
//   queueChunks, runTasks                src/fixed/ipoisson.ts iPoisson, chunkCount (Threefry: kernels/asm/threefry.ts)
//   ipvaeStepEmit, ipvaeEmit             src/sim/models/ipvae.ts (step, and the emission of step 0)
//   lifStep(Uniform), liStep             src/sim/models/lif.ts (lif, if, threshold), li.ts
//   inputStep, readoutStep               src/sim/models/input.ts, readout.ts
//   deliver, deliverMatrix, gather       src/sim/engine.ts (deliverAll, gather)
// Where a loop works on two neurons at once (f64x2), or takes a shortcut (a table, an early exit), the comment
// there says why the bits stay the same. Counts that JavaScript keeps in counters (saturations, model counters,
// spikes, synaptic events) accumulate in globals that the host drains after each call. Memory: a bump
// allocator; the host reserves everything once.

import { threefry1, threefry8, tf0, tf1, tfA, tfB, tfC, tfD } from '../../kernels/asm/threefry';

export { alloc } from '../../kernels/asm/heap';

// 64 bytes of scratch for vector lanes
const scratch = memory.data(64, 16);


// ---------------------------------------------------------------------------------------------------------
// Tables, given by the host from the JavaScript modules (the same numbers, not recomputed here)

let POW2: usize = 0; // 129 f64: 2^(i - 64)
let TEXP: usize = 0; // 257 f64: round(2^(j/256) 2^30)
let TLOG: usize = 0; // 257 f64: round(log1p(j/256) 2^24)
let LOG2E_Q24: f64 = 0;

export function setTables(pow2: usize, texp: usize, tlog: usize, log2eQ24: f64): void {
  POW2 = pow2;
  TEXP = texp;
  TLOG = tlog;
  LOG2E_Q24 = log2eQ24;
  buildLines();
}

// @ts-ignore: decorator
@inline function P2(i: i32): f64 {
  return load<f64>(POW2 + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function shiftRight(v: f64, s: i32): f64 {
  return s >= 0 ? Math.floor(v * P2(64 - s)) : v * P2(64 - s);
}

// @ts-ignore: decorator
@inline function shiftRightRound(v: f64, s: i32): f64 {
  return s > 0 ? Math.floor((v + P2(63 + s)) * P2(64 - s)) : v * P2(64 - s);
}

// ---------------------------------------------------------------------------------------------------------
// Counters, read by the host through drain()

let gSat: f64 = 0; // saturations (ctx.sat)
let gSpikes: f64 = 0; // ctx.spikes
let gCapHits: f64 = 0; // ipvae counter 0
let gRateHits: f64 = 0; // ipvae counter 1
let gSyn: f64 = 0; // deliver: synaptic events
let gEff: f64 = 0; // deliver: NeuroBench effective operations
let gMac: i32 = 0; // deliver: 1 when any value was outside {-unit, unit}


// The counters as the host reads them: drain() copies them here (7 f64s: saturations, spikes, count caps, rate
// caps, synaptic events, effective operations, 1 if a value was not +-unit) and clears them. One call and a
// typed array, instead of a getter per exported global.
const COUNTS = memory.data(64, 16);

export function countsAddress(): usize {
  return COUNTS;
}

export function drain(): void {
  store<f64>(COUNTS, gSat);
  store<f64>(COUNTS + 8, gSpikes);
  store<f64>(COUNTS + 16, gCapHits);
  store<f64>(COUNTS + 24, gRateHits);
  store<f64>(COUNTS + 32, gSyn);
  store<f64>(COUNTS + 40, gEff);
  store<f64>(COUNTS + 48, <f64>gMac);
  gSat = 0;
  gSpikes = 0;
  gCapHits = 0;
  gRateHits = 0;
  gSyn = 0;
  gEff = 0;
  gMac = 0;
}

// ---------------------------------------------------------------------------------------------------------
// Integer exp, soft clamp (src/fixed/iexp.ts, src/fixed/isoftclamp.ts)

const I32MAX: f64 = 2147483647;
let expHits: f64 = 0;

function iexp(u: f64, fin: i32, fout: i32, maxOut: f64): f64 {
  const YF = fin + 16;
  const y = shiftRightRound(u * LOG2E_Q24, 8);
  const i = Math.floor(y * P2(64 - YF));
  const f = y - i * P2(64 + YF);
  const sh = YF - 8;
  const j = Math.floor(f * P2(64 - sh)),
    r = f - j * P2(64 + sh);
  const ji = <i32>j;
  const t0 = load<f64>(TEXP + (<usize>ji << 3)),
    t1 = load<f64>(TEXP + (<usize>(ji + 1) << 3));
  const m = t0 + shiftRightRound((t1 - t0) * r, sh);
  const e = <i32>i + fout - 30;
  if (e >= 0) {
    const v = m * P2(64 + (e < 64 ? e : 64));
    if (v > maxOut) {
      expHits++;
      return maxOut;
    }
    return v;
  }
  if (e < -62) return 0;
  const v = shiftRightRound(m, -e);
  if (v > maxOut) {
    expHits++;
    return maxOut;
  }
  return v;
}

function isoftplus(d: f64, f: i32): f64 {
  const a = Math.abs(d);
  const pos = d > 0 ? d : 0;
  if (a >= 12 * P2(64 + f)) return pos;
  const e = <i32>iexp(-a, f, 16, I32MAX);
  const j = e >> 8,
    r = <f64>(e & 255);
  const j1: i32 = j + 1 < 256 ? j + 1 : 256;
  const t0 = load<f64>(TLOG + (<usize>j << 3)),
    t1 = load<f64>(TLOG + (<usize>j1 << 3));
  const l = t0 + shiftRightRound((t1 - t0) * r, 8);
  return pos + shiftRightRound(l, 24 - f);
}

// @ts-ignore: decorator
@inline function isoftclamp(y: f64, c: f64, f: i32): f64 {
  return c - isoftplus(c - y, f);
}

/**
 * iexp on two lanes (maxOut 2^31 - 1), the same operations lane by lane; the table lookups one lane at a time.
 * Where the result is capped, the lane's bit is set in expMask. Both of iexp's shifts of m are one expression
 * here: floor((m + h) 2^e) with h = 2^(-e - 1) for e < 0 (round half up) and 0 for e >= 0 (exact), e clamped
 * to [-64, 64] (below -62 the result is 0 either way; above 64, capped either way).
 */
// @ts-ignore: decorator
@inline function iexp2(u: v128, fin: i32, fout: i32): v128 {
  const YF = fin + 16,
    sh = YF - 8;
  const y = f64x2.floor(f64x2.mul(f64x2.add(f64x2.mul(u, f64x2.splat(LOG2E_Q24)), f64x2.splat(128)),
    f64x2.splat(1.0 / 256)));
  const i = f64x2.floor(f64x2.mul(y, f64x2.splat(P2(64 - YF))));
  const f = f64x2.sub(y, f64x2.mul(i, f64x2.splat(P2(64 + YF))));
  const j = f64x2.floor(f64x2.mul(f, f64x2.splat(P2(64 - sh))));
  const r = f64x2.sub(f, f64x2.mul(j, f64x2.splat(P2(64 + sh))));
  const J = i32x4.trunc_sat_f64x2_s_zero(j);
  const a0 = TEXP + (<usize>i32x4.extract_lane(J, 0) << 3),
    a1 = TEXP + (<usize>i32x4.extract_lane(J, 1) << 3);
  const t0 = f64x2.replace_lane(f64x2.splat(load<f64>(a0)), 1, load<f64>(a1)),
    t1 = f64x2.replace_lane(f64x2.splat(load<f64>(a0 + 8)), 1, load<f64>(a1 + 8));
  const m = f64x2.add(t0, f64x2.floor(f64x2.mul(f64x2.add(f64x2.mul(f64x2.sub(t1, t0), r), f64x2.splat(P2(63 + sh))),
    f64x2.splat(P2(64 - sh)))));
  const e = f64x2.pmin(f64x2.pmax(f64x2.add(i, f64x2.splat(<f64>(fout - 30))), f64x2.splat(-64)), f64x2.splat(64));
  const E = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(e));
  const scale = i64x2.shl(i64x2.add(E, i64x2.splat(1023)), 52); // 2^e
  const neg = i64x2.lt_s(E, i64x2.splat(0));
  const h = v128.and(i64x2.shl(i64x2.sub(i64x2.splat(1022), E), 52), neg); // 2^(-e - 1) where e < 0, else 0
  const v = f64x2.floor(f64x2.mul(f64x2.add(m, h), scale));
  const over = f64x2.gt(v, f64x2.splat(I32MAX));
  expMask = i64x2.bitmask(over);
  return v128.bitselect(f64x2.splat(I32MAX), v, over);
}
let expMask: i32 = 0;

// ---------------------------------------------------------------------------------------------------------
// Threefry-2x32-20 (src/rng/threefry.ts) and the integer Poisson sampler (src/fixed/ipoisson.ts)


const CHUNK: f64 = 8;
const KMAX: i32 = 60;

// ---------------------------------------------------------------------------------------------------------
// The iP-VAE neuron (src/sim/models/ipvae.ts)

const RATE_FRAC: i32 = 16;

/** Counts from the membranes into out/fired (the draws of ipvaeStepEmit, one neuron at a time); returns nFired. */
export function ipvaeEmit(n: i32, u: usize, out: usize, fired: usize, fu: i32, countCap: f64, seed: u32, sample: u32,
  step: u32): i32 {
  nTasks = 0;
  let nx = 0;
  for (let k = 0; k < n; k++) {
    store<i32>(out + (<usize>k << 2), 0);
    expHits = 0;
    const rate = iexp(<f64>load<i32>(u + (<usize>k << 2)), fu, RATE_FRAC, I32MAX);
    gRateHits += expHits;
    gSat += expHits;
    if (rate <= 0) continue;
    threefry1(seed, sample, <u32>k, step * 65536);
    nx = exactDraw(rate, seed, sample, k, step, tf0, tf1, out, fired, nx);
  }
  return finishDraws(out, fired, nx, countCap);
}


// ---------------------------------------------------------------------------------------------------------
// The iP-VAE step and emission fused, with shortcuts that give the same bits:
// - softplus near the clamp: for D0 = 8 2^f <= d < D1 = 12 2^f, isoftplus(d) = d + res[E(d)] where
//   E(d) = iexp(-d, f, 16) takes at most 23 values; a table per format holds the d where E steps down
//   (firstBelow[v]: the smallest d with E(d) < v) and res[e]; buildSoftplus checks that E never rises.
// - the draw: count 0 without the integer exp where the word is below P(0) of an upper bound of the rate
//   (LINES), four neurons at a time;
// - Threefry for eight neurons at once; the exact draws' inversions four at a time (runTasks).

/**
 * Build the softplus table for fraction f at tbl: over D0 <= d < D1 in 256 buckets of width 2^(f - 6), per
 * bucket (32 bytes) the one d inside it where E drops by one (D1 when none) and the correction res[E] before
 * and after it; res[e] follows the buckets. Returns 1, or 0 when E(d) rises anywhere or a bucket holds two
 * steps (the table is then not used).
 */
export function buildSoftplus(f: i32, tbl: usize): i32 {
  if (f < 6) return 0;
  const D0 = 8 * P2(64 + f),
    D1 = 12 * P2(64 + f),
    W = P2(64 + f - 6);
  const emax = <i32>iexp(-D0, f, 16, I32MAX);
  if (emax > 60) return 0;
  // res[e] = the soft plus's correction for E = e, after the buckets
  const t1 = load<f64>(TLOG + 8) - load<f64>(TLOG);
  const res = tbl + 8192;
  for (let e = 0; e <= emax; e++)
    store<f64>(res + (<usize>e << 3), shiftRightRound(load<f64>(TLOG) + shiftRightRound(t1 * <f64>e, 8), 24 - f));
  let prev = emax;
  for (let bk = 0; bk < 256; bk++) {
    const start = D0 + <f64>bk * W;
    const at = tbl + (<usize>bk << 5);
    store<f64>(at, D1);
    store<f64>(at + 8, load<f64>(res + (<usize>prev << 3)));
    store<f64>(at + 16, load<f64>(res + (<usize>prev << 3)));
    let steps = 0;
    for (let d = start; d < start + W; d++) {
      const e = <i32>iexp(-d, f, 16, I32MAX);
      if (e > prev) return 0;
      if (e < prev) {
        if (e < prev - 1 || ++steps > 1) return 0;
        store<f64>(at, d);
        store<f64>(at + 16, load<f64>(res + (<usize>e << 3)));
      }
      prev = e;
    }
  }
  return 1;
}

// 2^(j/16), j = 0..16, rounded up: an upper bound of 2^x is 2^floor(x) times the entry for a sixteenth step at
// or above x's fraction
const SIXTEENTH = memory.data<f64>([
  1, 1.044273782427414, 1.090507732665258, 1.1387886347566918, 1.1892071150027212, 1.2418578120734842,
  1.2968395546510099, 1.3542555469368929, 1.4142135623730954, 1.4768261459394996, 1.5422108254079412,
  1.6104903319492545, 1.6817928305074294, 1.7562521603732997, 1.8340080864093427, 1.9152065613971476, 2,
]);

const LOG2E: f64 = 1.4426950408889634;

// The early-exit line of the draw for each q = ceil(16 u log2 e) in [Q_LO, Q_HI], as an integer: the draw is 0
// when (word >>> 1) < LINES[q]; 0 (no exit) where the rate bound passes one chunk. The rate is at most
// B = 2^(q / 16) 2^16 (1 + 1e-5) + 1, so one chunk of cq <= ceil(B) counts 0 when U < P(0) of ceil(B):
// chunkCount's count (src/fixed/ipoisson.ts) is 0 exactly when U < iexp(-cq, 16, 31), which does not rise with cq (test/fixed.test.ts
// checks every cq of a chunk).
const Q_LO: i32 = -640,
  Q_HI: i32 = 160;
const LINES = memory.data(4 * (Q_HI - Q_LO + 1), 16);

function buildLines(): void {
  for (let q = Q_LO; q <= Q_HI; q++) {
    const bound = Math.ceil(P2(64 + 16 + (q >> 4)) * load<f64>(SIXTEENTH + (<usize>(q & 15) << 3)) * (1 + 1e-5) + 1);
    store<i32>(LINES + (<usize>(q - Q_LO) << 2), bound <= CHUNK * 65536 ? <i32>iexp(-bound, RATE_FRAC, 31, I32MAX) : 0);
  }
}

// per neuron of an 8-neuron group, q - Q_LO (the line's index)
const QIDX = memory.data(32, 16);

/**
 * Two integer-valued f64 lanes (|x| < 2^31) as the low two i32 lanes: x + 1.5 2^52 holds x in its low 32 bits
 * (two's complement), one add and one shuffle instead of a saturating conversion.
 */
// @ts-ignore: decorator
@inline function toI32x2(x: v128): v128 {
  const m = f64x2.add(x, f64x2.splat(6755399441055744.0));
  return i8x16.shuffle(m, m, 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11);
}

/** The soft clamp on two lanes from the table: its lookups lane by lane, the rest in f64x2 (the same operations). */
// @ts-ignore: decorator
@inline function softclamp2(Y: v128, C: v128, c: f64, f: i32, tbl: usize, D0: f64, D1v: v128, D0v: v128,
  invWv: v128): v128 {
  const Dd = f64x2.sub(C, Y);
  const far = f64x2.ge(Dd, D1v);
  if (i64x2.all_true(far)) return f64x2.sub(C, Dd); // both far below the clamp: softplus(d) = d
  if (i64x2.bitmask(f64x2.lt(Dd, D0v))) {
    // rare: a lane within 8 of the clamp
    const y0 = f64x2.extract_lane(Y, 0),
      y1 = f64x2.extract_lane(Y, 1);
    return f64x2.replace_lane(f64x2.splat(isoftclamp(y0, c, f)), 1, isoftclamp(y1, c, f));
  }
  const B = f64x2.pmin(f64x2.mul(f64x2.sub(Dd, D0v), invWv), f64x2.splat(255));
  const I = i32x4.trunc_sat_f64x2_s_zero(B);
  const d0 = f64x2.extract_lane(Dd, 0),
    d1 = f64x2.extract_lane(Dd, 1);
  // per bucket: the d where E steps down (D1 if none), the correction before it and after it
  const at0 = tbl + (<usize>i32x4.extract_lane(I, 0) << 5),
    at1 = tbl + (<usize>i32x4.extract_lane(I, 1) << 5);
  const r0 = select<f64>(load<f64>(at0 + 16), load<f64>(at0 + 8), d0 >= load<f64>(at0)),
    r1 = select<f64>(load<f64>(at1 + 16), load<f64>(at1 + 8), d1 >= load<f64>(at1));
  const R = f64x2.replace_lane(f64x2.splat(r0), 1, r1);
  return v128.bitselect(f64x2.sub(C, Dd), f64x2.sub(C, f64x2.add(Dd, R)), far);
}

/**
 * ipvaeStep then ipvaeEmit, four neurons at a time (the same bits): the updates two by two in f64x2, then
 * each neuron's draw with the words of one Threefry call for the four; returns nFired, spikes in gSpikes.
 */
export function ipvaeStepEmit(n: i32, u: usize, drive: usize, inp: usize, bias: usize, fu: i32, etaMant: f64,
  etaShift: i32, clamp: f64, floor: f64, uMax: f64, uMin: f64, countCap: f64, seed: u32, sample: u32, step: u32,
  out: usize, fired: usize, tbl: usize): i32 {
  const D0 = 8 * P2(64 + fu),
    D1 = 12 * P2(64 + fu),
    invW = P2(64 - fu + 6);
  const toLog2x16 = 16 * LOG2E * P2(64 - fu);
  const lanes = scratch;
  const c1 = step * 65536;
  const ETA = f64x2.splat(etaMant),
    HALF = f64x2.splat(etaShift > 0 ? P2(63 + etaShift) : 0),
    INV = f64x2.splat(P2(64 - etaShift)),
    FLOOR = f64x2.splat(floor),
    C = f64x2.splat(clamp),
    UMAXv = f64x2.splat(uMax),
    UMINv = f64x2.splat(uMin),
    D0v = f64x2.splat(D0),
    D1v = f64x2.splat(D1),
    invWv = f64x2.splat(invW),
    TOQ = f64x2.splat(toLog2x16),
    QEPS = f64x2.splat(1e-6),
    QLO = f64x2.splat(<f64>Q_LO),
    QHI = f64x2.splat(<f64>Q_HI);
  const simd = tbl != 0;
  let nx = 0; // neurons with an exact draw, listed in fired
  nTasks = 0;
  // a neuron waiting for a second one, to compute their rates together
  let pk = -1,
    pw0: u32 = 0,
    pw1: u32 = 0;
  for (let k0 = 0; k0 < n; k0 += 8) {
    threefry8(seed, sample, i32x4.add(i32x4.splat(k0), i32x4(0, 1, 2, 3)), c1);
    // word 0 of neurons k0..k0+7, then word 1
    v128.store(lanes, tfA);
    v128.store(lanes + 16, tfC);
    v128.store(lanes + 32, tfB);
    v128.store(lanes + 48, tfD);
    const m = n - k0 < 8 ? n - k0 : 8;
    let i0 = 0;
    if (simd) {
      // pairs of neurons: a = drive + inp - bias; du = shiftRightRound(eta a, etaShift); floor; soft clamp;
      // u + du; floor; soft clamp; the register's range (clips counted); the line index of the new u
      for (; i0 + 2 <= m; i0 += 2) {
        const k = k0 + i0;
        const o8 = <usize>k << 3,
          o4 = <usize>k << 2;
        const A = f64x2.sub(f64x2.add(v128.load(drive + o8), v128.load(inp + o8)),
          f64x2.convert_low_i32x4_s(v128.load64_zero(bias + o4)));
        let du = f64x2.mul(ETA, A);
        du = etaShift > 0 ? f64x2.floor(f64x2.mul(f64x2.add(du, HALF), INV)) : f64x2.mul(du, INV);
        du = f64x2.pmax(du, FLOOR);
        du = softclamp2(du, C, clamp, fu, tbl, D0, D1v, D0v, invWv);
        let uu = f64x2.add(f64x2.convert_low_i32x4_s(v128.load64_zero(u + o4)), du);
        uu = f64x2.pmax(uu, FLOOR);
        uu = softclamp2(uu, C, clamp, fu, tbl, D0, D1v, D0v, invWv);
        const cl = i64x2.bitmask(v128.or(f64x2.gt(uu, UMAXv), f64x2.lt(uu, UMINv)));
        if (cl) {
          gSat += <f64>((cl & 1) + (cl >> 1));
          uu = f64x2.pmin(f64x2.pmax(uu, UMINv), UMAXv);
        }
        v128.store64_lane(u + o4, toI32x2(uu), 0);
        const Q = f64x2.pmin(f64x2.pmax(f64x2.ceil(f64x2.add(f64x2.mul(uu, TOQ), QEPS)), QLO), QHI);
        v128.store64_lane(QIDX + (<usize>i0 << 2), toI32x2(f64x2.sub(Q, QLO)), 0);
      }
    }
    for (let i = i0; i < m; i++) {
      const k = k0 + i;
      const o8 = <usize>k << 3;
      const a = load<f64>(drive + o8) + load<f64>(inp + o8) - <f64>load<i32>(bias + (<usize>k << 2));
      let du = shiftRightRound(etaMant * a, etaShift);
      if (du < floor) du = floor;
      du = isoftclamp(du, clamp, fu);
      let uu = <f64>load<i32>(u + (<usize>k << 2)) + du;
      if (uu < floor) uu = floor;
      uu = isoftclamp(uu, clamp, fu);
      if (uu > uMax) {
        uu = uMax;
        gSat++;
      } else if (uu < uMin) {
        uu = uMin;
        gSat++;
      }
      store<i32>(u + (<usize>k << 2), <i32>uu);
      let q = <i32>Math.ceil(uu * toLog2x16 + 1e-6);
      q = q < Q_LO ? Q_LO : q > Q_HI ? Q_HI : q;
      store<i32>(QIDX + (<usize>i << 2), q - Q_LO);
    }
    // the draws: the count is 0 where U = word >>> 1 is below the line of q = ceil(16 u log2 e) (see LINES);
    // four neurons at a time, the exact draw only where U reaches it
    for (let i4 = 0; i4 < m; i4 += 4) {
      let need: i32;
      if (m - i4 >= 4) {
        let L = i32x4.splat(0);
        L = v128.load32_lane(LINES + (<usize>load<i32>(QIDX + (<usize>i4 << 2)) << 2), L, 0);
        L = v128.load32_lane(LINES + (<usize>load<i32>(QIDX + (<usize>(i4 + 1) << 2)) << 2), L, 1);
        L = v128.load32_lane(LINES + (<usize>load<i32>(QIDX + (<usize>(i4 + 2) << 2)) << 2), L, 2);
        L = v128.load32_lane(LINES + (<usize>load<i32>(QIDX + (<usize>(i4 + 3) << 2)) << 2), L, 3);
        need = i32x4.bitmask(i32x4.ge_s(i32x4.shr_u(v128.load(lanes + (<usize>i4 << 2)), 1), L));
        v128.store(out + (<usize>(k0 + i4) << 2), i32x4.splat(0));
      } else {
        need = 0;
        for (let i = i4; i < m; i++) {
          store<i32>(out + (<usize>(k0 + i) << 2), 0);
          if (<i32>(load<u32>(lanes + (<usize>i << 2)) >>> 1) >= load<i32>(LINES + (<usize>load<i32>(QIDX + (<usize>i << 2)) << 2)))
            need |= 1 << (i - i4);
        }
      }
      while (need) {
        const i = i4 + ctz(need);
        need &= need - 1;
        const k = k0 + i;
        const w0 = load<u32>(lanes + (<usize>i << 2)),
          w1 = load<u32>(lanes + 32 + (<usize>i << 2));
        if (pk < 0) {
          // the first of two: its rate waits for the next one's
          pk = k;
          pw0 = w0;
          pw1 = w1;
          continue;
        }
        const R = iexp2(f64x2.replace_lane(f64x2.splat(<f64>load<i32>(u + (<usize>pk << 2))), 1,
          <f64>load<i32>(u + (<usize>k << 2))), fu, RATE_FRAC);
        const hits = <f64>((expMask & 1) + (expMask >> 1));
        gRateHits += hits;
        gSat += hits;
        nx = exactDraw(f64x2.extract_lane(R, 0), seed, sample, pk, step, pw0, pw1, out, fired, nx);
        nx = exactDraw(f64x2.extract_lane(R, 1), seed, sample, k, step, w0, w1, out, fired, nx);
        pk = -1;
      }
    }
  }
  if (pk >= 0) {
    expHits = 0;
    const rate = iexp(<f64>load<i32>(u + (<usize>pk << 2)), fu, RATE_FRAC, I32MAX);
    gRateHits += expHits;
    gSat += expHits;
    nx = exactDraw(rate, seed, sample, pk, step, pw0, pw1, out, fired, nx);
  }
  return finishDraws(out, fired, nx, countCap);
}

/**
 * The counts of the nx neurons listed in fired (their chunks queued, summed into out), capped as iPoisson caps its
 * running total (the total only grows, so capping the sum counts the same hits); fired compacted to those that
 * emit, in order. Returns nFired (spikes in gSpikes).
 */
function finishDraws(out: usize, fired: usize, nx: i32, countCap: f64): i32 {
  if (nTasks > 0) runTasks(out);
  let total: f64 = 0,
    nf = 0;
  for (let x = 0; x < nx; x++) {
    const k = load<i32>(fired + (<usize>x << 2));
    let z = <f64>load<i32>(out + (<usize>k << 2));
    if (z > countCap) {
      z = countCap;
      gCapHits++;
      gSat++;
      store<i32>(out + (<usize>k << 2), <i32>z);
    }
    total += z;
    if (z != 0) {
      store<i32>(fired + (<usize>nf << 2), k);
      nf++;
    }
  }
  gSpikes += total;
  return nf;
}

// The exact draws' chunks (src/fixed/ipoisson.ts iPoisson: the rate in n chunks, chunk j of base + 1 for j < rem
// and of base after, each a count by inversion against its own uniform): they are independent, so their
// inversions run four at a time in f64x2 lanes (each a chain of dependent divisions), and each neuron's counts
// are summed into out.

/** Neuron k's exact draw from its rate: listed in fired at nx and its chunks queued; returns the new nx. */
// @ts-ignore: decorator
@inline function exactDraw(rate: f64, seed: u32, sample: u32, k: i32, step: u32, w0: u32, w1: u32, out: usize,
  fired: usize, nx: i32): i32 {
  if (rate <= 0) return nx;
  store<i32>(fired + (<usize>nx << 2), k);
  queueChunks(rate, seed, sample, k, step, w0, w1, out);
  return nx + 1;
}

/** Queue the chunks of one draw (the first counter's two words given); chunks under the line count 0. */
function queueChunks(lq: f64, seed: u32, sample: u32, k: i32, step: u32, w0: u32, w1: u32, out: usize): void {
  const cmax = CHUNK * 65536;
  if (lq <= cmax) {
    // one chunk (most draws): no divisions
    const U = <f64>(w0 >>> 1);
    if (U >= (1 - lq * (1.0 / 65536) - 1e-5) * 2147483648) pushTask(lq, U, k, out);
    return;
  }
  const n = Math.ceil(lq / cmax),
    base = Math.floor(lq / n),
    rem = lq - base * n;
  let a = w0,
    b = w1;
  for (let j = 0; <f64>j < n; j++) {
    if ((j & 1) == 0 && j > 0) {
      threefry1(seed, sample, <u32>k, step * 65536 + (<u32>j >> 1));
      a = tf0;
      b = tf1;
    }
    const U = <f64>((j & 1 ? b : a) >>> 1);
    const hi = <f64>j < rem;
    const cq = base + (hi ? 1 : 0);
    if (U < (1 - cq * (1.0 / 65536) - 1e-5) * 2147483648) continue; // chunkCount's own early exit
    pushTask(cq, U, k, out);
  }
}

// Queued chunks, in pairs: per task cq, U, P(0) (f64) and the neuron (i32), 32 bytes; P(0) is computed for
// each pair as it fills (iexp2)
const QCAP: i32 = 64;
const TASKS = memory.data(32 * QCAP, 16);
let nTasks = 0;

// @ts-ignore: decorator
@inline function pushTask(cq: f64, U: f64, k: i32, out: usize): void {
  const t = TASKS + (<usize>nTasks << 5);
  store<f64>(t, cq);
  store<f64>(t + 8, U);
  store<i32>(t + 24, k);
  nTasks++;
  if ((nTasks & 1) == 0) {
    const P = iexp2(f64x2.neg(f64x2.replace_lane(f64x2.splat(load<f64>(t - 32)), 1, cq)), RATE_FRAC, 31);
    store<f64>(t - 16, f64x2.extract_lane(P, 0));
    store<f64>(t + 16, f64x2.extract_lane(P, 1));
    if (nTasks == QCAP) runTasks(out);
  }
}

/**
 * chunkCount on the queued chunks, each count added to out[neuron]. Two f64x2 vectors hold a pair of chunks
 * each and run side by side; a vector whose two inversions are done takes the next pair, so a long inversion
 * holds back only its partner. Each lane has its own k: 1 / (k 2^16) by division (rounded as 2^-16 (1/k) is:
 * scaling by a power of two is exact).
 */
function runTasks(out: usize): void {
  const n = nTasks;
  if (n & 1) {
    // an odd last chunk: its P(0) alone
    const t = TASKS + (<usize>(n - 1) << 5);
    store<f64>(t + 16, iexp(-load<f64>(t), RATE_FRAC, 31, I32MAX));
  }
  const ONE = f64x2.splat(1),
    ZERO = f64x2.splat(0),
    NEVER = f64x2.splat(-1), // an empty lane: U = -1 is below any cdf
    SCALE = f64x2.splat(1.0 / 65536),
    KCAP = f64x2.splat(<f64>KMAX);
  let head = 0;
  // per vector: cq, U, p, cdf, k, the running lanes, 1 / ((k + 1) 2^16) ready for the next step, its first task
  let CQa = ONE, Ua = NEVER, Pa = ONE, Ca = ONE, Ka = ZERO, actA = ZERO, Na = SCALE, ia = -1;
  let CQb = ONE, Ub = NEVER, Pb = ONE, Cb = ONE, Kb = ZERO, actB = ZERO, Nb = SCALE, ib = -1;
  while (true) {
    // a vector with no lane running: its counts out, the next pair in
    if (!v128.any_true(actA)) {
      if (ia >= 0) {
        addCount(out, TASKS + (<usize>ia << 5), f64x2.extract_lane(Ka, 0));
        if (ia + 1 < n) addCount(out, TASKS + (<usize>(ia + 1) << 5), f64x2.extract_lane(Ka, 1));
        ia = -1;
      }
      if (head < n) {
        const t = TASKS + (<usize>head << 5),
          two = head + 1 < n;
        CQa = f64x2.replace_lane(f64x2.splat(load<f64>(t)), 1, two ? load<f64>(t + 32) : 1);
        Ua = f64x2.replace_lane(f64x2.splat(load<f64>(t + 8)), 1, two ? load<f64>(t + 40) : -1);
        Pa = f64x2.replace_lane(f64x2.splat(load<f64>(t + 16)), 1, two ? load<f64>(t + 48) : 1);
        Ca = Pa;
        Ka = ZERO;
        Na = SCALE;
        actA = f64x2.ge(Ua, Ca);
        ia = head;
        head += 2;
      }
    }
    if (!v128.any_true(actB)) {
      if (ib >= 0) {
        addCount(out, TASKS + (<usize>ib << 5), f64x2.extract_lane(Kb, 0));
        if (ib + 1 < n) addCount(out, TASKS + (<usize>(ib + 1) << 5), f64x2.extract_lane(Kb, 1));
        ib = -1;
      }
      if (head < n) {
        const t = TASKS + (<usize>head << 5),
          two = head + 1 < n;
        CQb = f64x2.replace_lane(f64x2.splat(load<f64>(t)), 1, two ? load<f64>(t + 32) : 1);
        Ub = f64x2.replace_lane(f64x2.splat(load<f64>(t + 8)), 1, two ? load<f64>(t + 40) : -1);
        Pb = f64x2.replace_lane(f64x2.splat(load<f64>(t + 16)), 1, two ? load<f64>(t + 48) : 1);
        Cb = Pb;
        Kb = ZERO;
        Nb = SCALE;
        actB = f64x2.ge(Ub, Cb);
        ib = head;
        head += 2;
      }
    }
    if (ia < 0 && ib < 0) break;
    // one step of the reference loop in every running lane:
    // while (U >= cdf && k < KMAX) { k++; p = idivK(p cq, k); if (p == 0) break; cdf += p }
    Ka = f64x2.add(Ka, v128.and(actA, ONE));
    Kb = f64x2.add(Kb, v128.and(actB, ONE));
    // 1 / (k 2^16) of a running lane was divided out a step ahead, off the chain of p
    const Ra = Na,
      Rb = Nb;
    Na = f64x2.div(SCALE, f64x2.add(Ka, ONE));
    Nb = f64x2.div(SCALE, f64x2.add(Kb, ONE));
    const Ba = f64x2.mul(Ka, f64x2.splat(65536)),
      Bb = f64x2.mul(Kb, f64x2.splat(65536));
    // idivK, lane by lane: the estimate, then one step down or up
    const Aa = f64x2.mul(Pa, CQa),
      Ab = f64x2.mul(Pb, CQb);
    let qa = f64x2.floor(f64x2.mul(Aa, Ra)),
      qb = f64x2.floor(f64x2.mul(Ab, Rb));
    const dnA = f64x2.gt(f64x2.mul(qa, Ba), Aa),
      dnB = f64x2.gt(f64x2.mul(qb, Bb), Ab);
    const upA = v128.andnot(f64x2.le(f64x2.mul(f64x2.add(qa, ONE), Ba), Aa), dnA),
      upB = v128.andnot(f64x2.le(f64x2.mul(f64x2.add(qb, ONE), Bb), Ab), dnB);
    qa = f64x2.add(f64x2.sub(qa, v128.and(dnA, ONE)), v128.and(upA, ONE));
    qb = f64x2.add(f64x2.sub(qb, v128.and(dnB, ONE)), v128.and(upB, ONE));
    Pa = v128.bitselect(qa, Pa, actA);
    Pb = v128.bitselect(qb, Pb, actB);
    // a lane whose p is 0 stops with this k; the others add p and go on while U >= cdf and k < KMAX
    actA = v128.andnot(actA, f64x2.eq(qa, ZERO));
    actB = v128.andnot(actB, f64x2.eq(qb, ZERO));
    Ca = v128.bitselect(f64x2.add(Ca, qa), Ca, actA);
    Cb = v128.bitselect(f64x2.add(Cb, qb), Cb, actB);
    actA = v128.and(actA, v128.and(f64x2.ge(Ua, Ca), f64x2.lt(Ka, KCAP)));
    actB = v128.and(actB, v128.and(f64x2.ge(Ub, Cb), f64x2.lt(Kb, KCAP)));
  }
  nTasks = 0;
}

// @ts-ignore: decorator
@inline function addCount(out: usize, t: usize, z: f64): void {
  const at = out + (<usize>load<i32>(t + 24) << 2);
  store<i32>(at, load<i32>(at) + <i32>z);
}

// ---------------------------------------------------------------------------------------------------------
// Loihi registers (src/sim/models/lif.ts lifStep; li.ts)

const U_MAX: f64 = 8388607,
  U_MIN: f64 = -8388608,
  V_LIM: f64 = 8388607;

// @ts-ignore: decorator
@inline function trunc4096(x: f64): f64 {
  // (x / 4096) | 0 in JavaScript: |x / 4096| < 2^31 here; x / 4096 = x * 2^-12 exactly
  return Math.trunc(x * 0.000244140625);
}

// @ts-ignore: decorator
@inline function registerU(u: usize, decU: usize, aIn: usize, i: i32, wrap: i32): f64 {
  let uu = trunc4096(<f64>load<i32>(u + (<usize>i << 2)) * <f64>load<i32>(decU + (<usize>i << 2)));
  uu += load<f64>(aIn + (<usize>i << 3)) * 64;
  if (wrap) {
    if (uu > 8388608) uu -= 16777216;
    else if (uu <= -8388608) uu += 16777216;
    if (uu > 8388608 || uu < -8388608) {
      uu = uu > 0 ? U_MAX : U_MIN;
      gSat++;
    }
  } else if (uu > U_MAX) {
    uu = U_MAX;
    gSat++;
  } else if (uu < U_MIN) {
    uu = U_MIN;
    gSat++;
  }
  store<i32>(u + (<usize>i << 2), <i32>uu);
  return uu;
}

/** lif/if/threshold: binary spikes into out/fired; returns the number of spikes (also in gSpikes). Without the
 * wrap, two neurons at a time (f64x2: the same operations in the same order, clips counted per lane). */
export function lifStep(n: i32, u: usize, v: usize, aIn: usize, decU: usize, decV: usize, bias: usize, thr: usize,
  wrap: i32, out: usize, fired: usize): i32 {
  let spikes = 0,
    i = 0;
  if (!wrap) {
    const K = f64x2.splat(0.000244140625),
      S64 = f64x2.splat(64),
      UMAXv = f64x2.splat(U_MAX),
      UMINv = f64x2.splat(U_MIN),
      VMAXv = f64x2.splat(V_LIM),
      VMINv = f64x2.splat(-V_LIM),
      ONE = f64x2.splat(1);
    for (; i + 2 <= n; i += 2) {
      const o4 = <usize>i << 2,
        o8 = <usize>i << 3;
      const U = f64x2.convert_low_i32x4_s(v128.load64_zero(u + o4)),
        DU = f64x2.convert_low_i32x4_s(v128.load64_zero(decU + o4));
      let uu = f64x2.add(f64x2.trunc(f64x2.mul(f64x2.mul(U, DU), K)), f64x2.mul(v128.load(aIn + o8), S64));
      const cu = i64x2.bitmask(v128.or(f64x2.gt(uu, UMAXv), f64x2.lt(uu, UMINv)));
      if (cu) {
        gSat += <f64>((cu & 1) + (cu >> 1));
        uu = f64x2.pmin(f64x2.pmax(uu, UMINv), UMAXv);
      }
      v128.store64_lane(u + o4, i32x4.trunc_sat_f64x2_s_zero(uu), 0);
      const V = f64x2.convert_low_i32x4_s(v128.load64_zero(v + o4)),
        DV = f64x2.convert_low_i32x4_s(v128.load64_zero(decV + o4));
      let vv = f64x2.add(f64x2.add(f64x2.trunc(f64x2.mul(f64x2.mul(V, DV), K)), uu), v128.load(bias + o8));
      const cv = i64x2.bitmask(v128.or(f64x2.gt(vv, VMAXv), f64x2.lt(vv, VMINv)));
      if (cv) {
        gSat += <f64>((cv & 1) + (cv >> 1));
        vv = f64x2.pmin(f64x2.pmax(vv, VMINv), VMAXv);
      }
      const sp = f64x2.gt(vv, v128.load(thr + o8));
      v128.store64_lane(out + o4, i32x4.trunc_sat_f64x2_s_zero(v128.and(sp, ONE)), 0);
      v128.store64_lane(v + o4, i32x4.trunc_sat_f64x2_s_zero(v128.andnot(vv, sp)), 0);
      const m = i64x2.bitmask(sp);
      if (m) {
        if (m & 1) {
          store<i32>(fired + (<usize>spikes << 2), i);
          spikes++;
        }
        if (m & 2) {
          store<i32>(fired + (<usize>spikes << 2), i + 1);
          spikes++;
        }
      }
    }
  }
  for (; i < n; i++) {
    const uu = registerU(u, decU, aIn, i, wrap);
    let vv = trunc4096(<f64>load<i32>(v + (<usize>i << 2)) * <f64>load<i32>(decV + (<usize>i << 2))) + uu +
      load<f64>(bias + (<usize>i << 3));
    if (vv > V_LIM) {
      vv = V_LIM;
      gSat++;
    } else if (vv < -V_LIM) {
      vv = -V_LIM;
      gSat++;
    }
    if (vv > load<f64>(thr + (<usize>i << 3))) {
      store<i32>(out + (<usize>i << 2), 1);
      store<i32>(fired + (<usize>spikes << 2), i);
      spikes++;
      vv = 0;
    } else store<i32>(out + (<usize>i << 2), 0);
    store<i32>(v + (<usize>i << 2), <i32>vv);
  }
  gSpikes += <f64>spikes;
  return spikes;
}

/**
 * lifStep for a population whose decays and threshold are one value for all (the usual case): those as
 * scalars, the bias as int32 (mant << exp < 2^20), so a neuron reads 20 bytes instead of 40. Same operations.
 */
export function lifStepUniform(n: i32, u: usize, v: usize, aIn: usize, decU: f64, decV: f64, bias: usize,
  thr: f64, out: usize, fired: usize): i32 {
  let spikes = 0,
    i = 0;
  const K = f64x2.splat(0.000244140625),
    S64 = f64x2.splat(64),
    DU = f64x2.splat(decU),
    DV = f64x2.splat(decV),
    TH = f64x2.splat(thr),
    UMAXv = f64x2.splat(U_MAX),
    UMINv = f64x2.splat(U_MIN),
    VMAXv = f64x2.splat(V_LIM),
    VMINv = f64x2.splat(-V_LIM),
    ONE = f64x2.splat(1);
  for (; i + 2 <= n; i += 2) {
    const o4 = <usize>i << 2,
      o8 = <usize>i << 3;
    const U = f64x2.convert_low_i32x4_s(v128.load64_zero(u + o4));
    let uu = f64x2.add(f64x2.trunc(f64x2.mul(f64x2.mul(U, DU), K)), f64x2.mul(v128.load(aIn + o8), S64));
    const cu = i64x2.bitmask(v128.or(f64x2.gt(uu, UMAXv), f64x2.lt(uu, UMINv)));
    if (cu) {
      gSat += <f64>((cu & 1) + (cu >> 1));
      uu = f64x2.pmin(f64x2.pmax(uu, UMINv), UMAXv);
    }
    v128.store64_lane(u + o4, i32x4.trunc_sat_f64x2_s_zero(uu), 0);
    const V = f64x2.convert_low_i32x4_s(v128.load64_zero(v + o4));
    const B = f64x2.convert_low_i32x4_s(v128.load64_zero(bias + o4));
    let vv = f64x2.add(f64x2.add(f64x2.trunc(f64x2.mul(f64x2.mul(V, DV), K)), uu), B);
    const cv = i64x2.bitmask(v128.or(f64x2.gt(vv, VMAXv), f64x2.lt(vv, VMINv)));
    if (cv) {
      gSat += <f64>((cv & 1) + (cv >> 1));
      vv = f64x2.pmin(f64x2.pmax(vv, VMINv), VMAXv);
    }
    const sp = f64x2.gt(vv, TH);
    v128.store64_lane(out + o4, i32x4.trunc_sat_f64x2_s_zero(v128.and(sp, ONE)), 0);
    v128.store64_lane(v + o4, i32x4.trunc_sat_f64x2_s_zero(v128.andnot(vv, sp)), 0);
    const m = i64x2.bitmask(sp);
    if (m) {
      if (m & 1) {
        store<i32>(fired + (<usize>spikes << 2), i);
        spikes++;
      }
      if (m & 2) {
        store<i32>(fired + (<usize>spikes << 2), i + 1);
        spikes++;
      }
    }
  }
  for (; i < n; i++) {
    let uu = trunc4096(<f64>load<i32>(u + (<usize>i << 2)) * decU) + load<f64>(aIn + (<usize>i << 3)) * 64;
    if (uu > U_MAX) {
      uu = U_MAX;
      gSat++;
    } else if (uu < U_MIN) {
      uu = U_MIN;
      gSat++;
    }
    store<i32>(u + (<usize>i << 2), <i32>uu);
    let vv = trunc4096(<f64>load<i32>(v + (<usize>i << 2)) * decV) + uu + <f64>load<i32>(bias + (<usize>i << 2));
    if (vv > V_LIM) {
      vv = V_LIM;
      gSat++;
    } else if (vv < -V_LIM) {
      vv = -V_LIM;
      gSat++;
    }
    if (vv > thr) {
      store<i32>(out + (<usize>i << 2), 1);
      store<i32>(fired + (<usize>spikes << 2), i);
      spikes++;
      vv = 0;
    } else store<i32>(out + (<usize>i << 2), 0);
    store<i32>(v + (<usize>i << 2), <i32>vv);
  }
  gSpikes += <f64>spikes;
  return spikes;
}

/**
 * input (src/sim/models/input.ts): this step's emission, from the drive (saturated to [lo, hi], clips counted)
 * when driven, else the held values, else zeros; the nonzero ones listed in fired. Returns nFired.
 */
export function inputStep(n: i32, driven: i32, hasHeld: i32, ext: usize, held: usize, out: usize, fired: usize,
  lo: f64, hi: f64): i32 {
  let nf = 0;
  if (driven) {
    for (let k = 0; k < n; k++) {
      let x = load<f64>(ext + (<usize>k << 3));
      if (x > hi) {
        x = hi;
        gSat++;
      } else if (x < lo) {
        x = lo;
        gSat++;
      }
      const xi = <i32>x;
      store<i32>(out + (<usize>k << 2), xi);
      if (xi != 0) {
        store<i32>(fired + (<usize>nf << 2), k);
        nf++;
      }
    }
  } else if (hasHeld) {
    memory.copy(out, held, <usize>n << 2);
    for (let k = 0; k < n; k++)
      if (load<i32>(held + (<usize>k << 2)) != 0) {
        store<i32>(fired + (<usize>nf << 2), k);
        nf++;
      }
  } else memory.fill(out, 0, <usize>n << 2);
  return nf;
}

/** readout (src/sim/models/readout.ts): v = inp + drive saturated to [lo, hi] (clips counted), two at a time. */
export function readoutStep(n: i32, inp: usize, drive: usize, v: usize, lo: f64, hi: f64): void {
  const LO = f64x2.splat(lo),
    HI = f64x2.splat(hi);
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const o8 = <usize>k << 3;
    let x = f64x2.add(v128.load(inp + o8), v128.load(drive + o8));
    const c = i64x2.bitmask(v128.or(f64x2.gt(x, HI), f64x2.lt(x, LO)));
    if (c) {
      gSat += <f64>((c & 1) + (c >> 1));
      x = f64x2.pmax(f64x2.pmin(x, HI), LO);
    }
    v128.store64_lane(v + (<usize>k << 2), i32x4.trunc_sat_f64x2_s_zero(x), 0);
  }
  for (; k < n; k++) {
    let x = load<f64>(inp + (<usize>k << 3)) + load<f64>(drive + (<usize>k << 3));
    if (x > hi) {
      x = hi;
      gSat++;
    } else if (x < lo) {
      x = lo;
      gSat++;
    }
    store<i32>(v + (<usize>k << 2), <i32>x);
  }
}

/** li: emits v (graded) every step; returns nFired (nonzero values). */
export function liStep(n: i32, u: usize, v: usize, aIn: usize, decU: usize, decV: usize, bias: usize, wrap: i32,
  out: usize, fired: usize): i32 {
  let nf = 0;
  for (let i = 0; i < n; i++) {
    const uu = registerU(u, decU, aIn, i, wrap);
    let vv = trunc4096(<f64>load<i32>(v + (<usize>i << 2)) * <f64>load<i32>(decV + (<usize>i << 2))) + uu +
      load<f64>(bias + (<usize>i << 3));
    if (vv > V_LIM) {
      vv = V_LIM;
      gSat++;
    } else if (vv < -V_LIM) {
      vv = -V_LIM;
      gSat++;
    }
    store<i32>(v + (<usize>i << 2), <i32>vv);
    store<i32>(out + (<usize>i << 2), <i32>vv);
    if (vv != 0) {
      store<i32>(fired + (<usize>nf << 2), i);
      nf++;
    }
  }
  return nf;
}

// ---------------------------------------------------------------------------------------------------------
// Event delivery and gathering (src/sim/engine.ts deliverAll, gather)

/**
 * One projection's delivery of a source's emissions into ring slot `ring`: ringKind 1 = i32 sums (when the
 * projection's bound fits), 2 = f64; idxKind 1 = u16, 2 = i32; wKind 1 = i8, 2 = i16, 4 = i32. A row whose
 * targets are consecutive (dense[s] = 1) is added 8 synapses at a time (i8 weights into i32 sums). Values
 * outside [lo, hi] saturate (counted). Synaptic events, effective operations and whether a value was not
 * +-unit go to gSyn, gEff, gMac.
 */
export function deliver(out: usize, fired: usize, nFired: i32, ptr: usize, idx: usize, idxKind: i32, w: usize,
  wKind: i32, ring: usize, ringKind: i32, dense: usize, lo: f64, hi: f64, counts: i32, binary: i32, unit: f64,
  nnzRow: usize): void {
  let syn: f64 = 0,
    eff: f64 = 0,
    mac = 0;
  for (let f = 0; f < nFired; f++) {
    const s = load<i32>(fired + (<usize>f << 2));
    let c = <f64>load<i32>(out + (<usize>s << 2));
    if (c > hi || c < lo) {
      c = c > hi ? hi : lo;
      gSat++;
    }
    const a = load<i32>(ptr + (<usize>s << 2)),
      b = load<i32>(ptr + (<usize>(s + 1) << 2));
    syn += counts ? c * <f64>(b - a) : <f64>(b - a);
    eff += <f64>load<i32>(nnzRow + (<usize>s << 2));
    if (!binary && c != unit && c != -unit) mac = 1;
    if (ringKind == 1) {
      const ci = <i32>c;
      let j = a;
      if (wKind == 1 && dense != 0 && load<u8>(dense + <usize>s) != 0 && b > a) {
        const t0 = idxKind == 1 ? <i32>load<u16>(idx + (<usize>a << 1)) : load<i32>(idx + (<usize>a << 2));
        const base = ring + (<usize>t0 << 2) - (<usize>a << 2);
        const cv = i32x4.splat(ci);
        for (; j + 8 <= b; j += 8) {
          const w8 = v128.load8x8_s(w + <usize>j);
          const t = base + (<usize>j << 2);
          v128.store(t, i32x4.add(v128.load(t), i32x4.mul(i32x4.extend_low_i16x8_s(w8), cv)));
          v128.store(t + 16, i32x4.add(v128.load(t + 16), i32x4.mul(i32x4.extend_high_i16x8_s(w8), cv)));
        }
        for (; j < b; j++) {
          const t = base + (<usize>j << 2);
          store<i32>(t, load<i32>(t) + <i32>load<i8>(w + <usize>j) * ci);
        }
      } else if (idxKind == 1 && wKind == 1 && ci == 1) {
        for (; j < b; j++) {
          const t = ring + (<usize>load<u16>(idx + (<usize>j << 1)) << 2);
          store<i32>(t, load<i32>(t) + <i32>load<i8>(w + <usize>j));
        }
      } else if (idxKind == 1 && wKind == 1) {
        for (; j < b; j++) {
          const t = ring + (<usize>load<u16>(idx + (<usize>j << 1)) << 2);
          store<i32>(t, load<i32>(t) + <i32>load<i8>(w + <usize>j) * ci);
        }
      } else {
        for (; j < b; j++) {
          const tix = idxKind == 1 ? <i32>load<u16>(idx + (<usize>j << 1)) : load<i32>(idx + (<usize>j << 2));
          const wj =
            wKind == 1
              ? <i32>load<i8>(w + <usize>j)
              : wKind == 2
                ? <i32>load<i16>(w + (<usize>j << 1))
                : load<i32>(w + (<usize>j << 2));
          const t = ring + (<usize>tix << 2);
          store<i32>(t, load<i32>(t) + wj * ci);
        }
      }
    } else {
      for (let j = a; j < b; j++) {
        const tix = idxKind == 1 ? <i32>load<u16>(idx + (<usize>j << 1)) : load<i32>(idx + (<usize>j << 2));
        const wj =
          wKind == 1
            ? <f64>load<i8>(w + <usize>j)
            : wKind == 2
              ? <f64>load<i16>(w + (<usize>j << 1))
              : <f64>load<i32>(w + (<usize>j << 2));
        const t = ring + (<usize>tix << 3);
        store<f64>(t, load<f64>(t) + wj * c);
      }
    }
  }
  gSyn = syn;
  gEff = eff;
  gMac = mac;
}

/**
 * deliver for a projection kept as a dense nS x nT matrix of i8 weights (zeros where the network has no
 * synapse) into an int32 ring slot: each emitting row is added 16 targets at a time. The counts (events,
 * effective operations) come from the network's own rows (ptr, nnzRow), as in deliver.
 */
/**
 * The counters of one emission through a projection (values saturated to the payload, clips counted), without
 * delivering it (deliverMatrix's first pass; alone, for a target nobody reads). Returns 1 when a |value| passes
 * 255.
 */
export function countEvents(out: usize, fired: usize, nFired: i32, ptr: usize, lo: f64, hi: f64, counts: i32,
  binary: i32, unit: f64, nnzRow: usize): i32 {
  let syn: f64 = 0,
    eff: f64 = 0,
    mac = 0,
    big = 0;
  for (let f = 0; f < nFired; f++) {
    const s = load<i32>(fired + (<usize>f << 2));
    let c = <f64>load<i32>(out + (<usize>s << 2));
    if (c > hi || c < lo) {
      c = c > hi ? hi : lo;
      gSat++;
    }
    const a = load<i32>(ptr + (<usize>s << 2)),
      b = load<i32>(ptr + (<usize>(s + 1) << 2));
    syn += select<f64>(c, 1, counts) * <f64>(b - a);
    eff += <f64>load<i32>(nnzRow + (<usize>s << 2));
    // without branches: whether a value was not +-unit, and whether one passes 255
    mac |= <i32>(c != unit) & <i32>(c != -unit);
    big |= <i32>(Math.abs(c) > 255);
  }
  gSyn = syn;
  gEff = eff;
  gMac = binary ? 0 : mac;
  return big;
}

/** sum over the emission of min(|value|, cap) x rowMax[source]: what it can add to a target at most. */
export function lazyBound(out: usize, fired: usize, nFired: i32, rowMax: usize, cap: f64): f64 {
  let raw: f64 = 0;
  for (let f = 0; f < nFired; f++) {
    const s = load<i32>(fired + (<usize>f << 2));
    raw += Math.min(Math.abs(<f64>load<i32>(out + (<usize>s << 2))), cap) * <f64>load<i32>(rowMax + (<usize>s << 2));
  }
  return raw;
}

export function deliverMatrix(out: usize, fired: usize, nFired: i32, ptr: usize, matrix: usize, nT: i32,
  ring: usize, lo: f64, hi: f64, counts: i32, binary: i32, unit: f64, nnzRow: usize): void {
  // the counters, then the rows: in 16-bit sums 64 targets at a time when every |value| is at most 255, else
  // two rows at a time in 32-bit sums
  if (!countEvents(out, fired, nFired, ptr, lo, hi, counts, binary, unit, nnzRow)) {
    // the rows whose value is 1 first (added without a multiply), then the others (up to ROWS_MAX; past it, all
    // in fired order): blocks of rows whose |values| sum to at most 255 (|w| <= 128: sums within 16 bits)
    let list = fired,
      nOne = 0;
    if (nFired <= ROWS_MAX) {
      list = ROWS;
      let nOther = 0;
      for (let f = 0; f < nFired; f++) {
        const s = load<i32>(fired + (<usize>f << 2));
        const one = clampValue(load<i32>(out + (<usize>s << 2)), lo, hi) == 1;
        // both slots written, one kept: no branch on the value
        store<i32>(ROWS + (<usize>nOne << 2), s);
        store<i32>(ROWS_OTHER + (<usize>nOther << 2), s);
        nOne += <i32>one;
        nOther += <i32>!one;
      }
      memory.copy(ROWS + (<usize>nOne << 2), ROWS_OTHER, <usize>nOther << 2);
      for (let f0 = 0; f0 < nOne; f0 += 255) addOnes(ROWS, f0, min(f0 + 255, nOne), matrix, nT, ring);
    }
    let f0 = nOne;
    while (f0 < nFired) {
      let f1 = f0,
        tot = 0;
      while (f1 < nFired) {
        const c = clampValue(load<i32>(out + (<usize>load<i32>(list + (<usize>f1 << 2)) << 2)), lo, hi);
        if (tot + abs<i32>(c) > 255) break;
        tot += abs<i32>(c);
        f1++;
      }
      addBlock(list, out, f0, f1, lo, hi, matrix, nT, ring);
      f0 = f1;
    }
  } else {
    const rows = scratchRows;
    let nr = 0;
    for (let f = 0; f < nFired; f++) {
      const s = load<i32>(fired + (<usize>f << 2));
      store<i32>(rows + (<usize>nr << 3), s);
      store<i32>(rows + (<usize>nr << 3) + 4, clampValue(load<i32>(out + (<usize>s << 2)), lo, hi));
      nr++;
      if (nr == 2 || f == nFired - 1) {
        addRows(rows, nr, matrix, nT, ring);
        nr = 0;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function clampValue(c: i32, lo: f64, hi: f64): i32 {
  return <f64>c > hi ? <i32>hi : <f64>c < lo ? <i32>lo : c;
}

// the rows of one delivery, those with value 1 first (ROWS_OTHER: the others while partitioning)
const ROWS_MAX: i32 = 2048;
const ROWS = memory.data(4 * ROWS_MAX, 16),
  ROWS_OTHER = memory.data(4 * ROWS_MAX, 16);

/**
 * ring[j] += sum over the rows rows[f0 .. f1) of matrix[row][j] * value (saturated), the sums in 16 bits (the
 * caller keeps them in range): per tile of 64 targets, eight 16-bit accumulators over all the rows, then added
 * into the 32-bit ring; the targets past the last whole tile one by one. ones (a constant where inlined): every
 * value is 1, so the weights are added as they are.
 */
// @ts-ignore: decorator
@inline function addTiles(rows: usize, out: usize, f0: i32, f1: i32, lo: f64, hi: f64, matrix: usize, nT: i32,
  ring: usize, ones: bool): void {
  let j = 0;
  for (; j + 64 <= nT; j += 64) {
    let a0 = i16x8.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (let f = f0; f < f1; f++) {
      const s = load<i32>(rows + (<usize>f << 2));
      const r = matrix + <usize>s * <usize>nT + <usize>j;
      const w0 = v128.load(r),
        w1 = v128.load(r + 16),
        w2 = v128.load(r + 32),
        w3 = v128.load(r + 48);
      if (ones) {
        a0 = i16x8.add(a0, i16x8.extend_low_i8x16_s(w0));
        a1 = i16x8.add(a1, i16x8.extend_high_i8x16_s(w0));
        a2 = i16x8.add(a2, i16x8.extend_low_i8x16_s(w1));
        a3 = i16x8.add(a3, i16x8.extend_high_i8x16_s(w1));
        a4 = i16x8.add(a4, i16x8.extend_low_i8x16_s(w2));
        a5 = i16x8.add(a5, i16x8.extend_high_i8x16_s(w2));
        a6 = i16x8.add(a6, i16x8.extend_low_i8x16_s(w3));
        a7 = i16x8.add(a7, i16x8.extend_high_i8x16_s(w3));
      } else {
        const c = i16x8.splat(<i16>clampValue(load<i32>(out + (<usize>s << 2)), lo, hi));
        a0 = i16x8.add(a0, i16x8.mul(i16x8.extend_low_i8x16_s(w0), c));
        a1 = i16x8.add(a1, i16x8.mul(i16x8.extend_high_i8x16_s(w0), c));
        a2 = i16x8.add(a2, i16x8.mul(i16x8.extend_low_i8x16_s(w1), c));
        a3 = i16x8.add(a3, i16x8.mul(i16x8.extend_high_i8x16_s(w1), c));
        a4 = i16x8.add(a4, i16x8.mul(i16x8.extend_low_i8x16_s(w2), c));
        a5 = i16x8.add(a5, i16x8.mul(i16x8.extend_high_i8x16_s(w2), c));
        a6 = i16x8.add(a6, i16x8.mul(i16x8.extend_low_i8x16_s(w3), c));
        a7 = i16x8.add(a7, i16x8.mul(i16x8.extend_high_i8x16_s(w3), c));
      }
    }
    const t = ring + (<usize>j << 2);
    flush16(t, a0);
    flush16(t + 32, a1);
    flush16(t + 64, a2);
    flush16(t + 96, a3);
    flush16(t + 128, a4);
    flush16(t + 160, a5);
    flush16(t + 192, a6);
    flush16(t + 224, a7);
  }
  for (; j < nT; j++) {
    let acc = 0;
    for (let f = f0; f < f1; f++) {
      const s = load<i32>(rows + (<usize>f << 2));
      const w = <i32>load<i8>(matrix + <usize>s * <usize>nT + <usize>j);
      acc += ones ? w : w * clampValue(load<i32>(out + (<usize>s << 2)), lo, hi);
    }
    const t = ring + (<usize>j << 2);
    store<i32>(t, load<i32>(t) + acc);
  }
}

function addBlock(rows: usize, out: usize, f0: i32, f1: i32, lo: f64, hi: f64, matrix: usize, nT: i32,
  ring: usize): void {
  addTiles(rows, out, f0, f1, lo, hi, matrix, nT, ring, false);
}

function addOnes(rows: usize, f0: i32, f1: i32, matrix: usize, nT: i32, ring: usize): void {
  addTiles(rows, 0, f0, f1, 0, 0, matrix, nT, ring, true);
}

// @ts-ignore: decorator
@inline function flush16(t: usize, a: v128): void {
  v128.store(t, i32x4.add(v128.load(t), i32x4.extend_low_i16x8_s(a)));
  v128.store(t + 16, i32x4.add(v128.load(t + 16), i32x4.extend_high_i16x8_s(a)));
}

// (row, count) pairs for addRows
const scratchRows = memory.data(16, 16);

/** ring[j] += sum over the nr rows of matrix[row][j] * count, 16 targets at a time. */
function addRows(rows: usize, nr: i32, matrix: usize, nT: i32, ring: usize): void {
  const s0 = load<i32>(rows),
    c0 = load<i32>(rows + 4);
  const r0 = matrix + <usize>s0 * <usize>nT,
    v0 = i32x4.splat(c0);
  let j = 0;
  if (nr == 2) {
    const s1 = load<i32>(rows + 8),
      c1 = load<i32>(rows + 12);
    const r1 = matrix + <usize>s1 * <usize>nT,
      v1 = i32x4.splat(c1);
    for (; j + 16 <= nT; j += 16) {
      const a = v128.load(r0 + <usize>j),
        b = v128.load(r1 + <usize>j);
      const al = i16x8.extend_low_i8x16_s(a),
        ah = i16x8.extend_high_i8x16_s(a),
        bl = i16x8.extend_low_i8x16_s(b),
        bh = i16x8.extend_high_i8x16_s(b);
      const t = ring + (<usize>j << 2);
      v128.store(t, i32x4.add(v128.load(t), i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_s(al), v0), i32x4.mul(i32x4.extend_low_i16x8_s(bl), v1))));
      v128.store(t + 16, i32x4.add(v128.load(t + 16), i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_s(al), v0), i32x4.mul(i32x4.extend_high_i16x8_s(bl), v1))));
      v128.store(t + 32, i32x4.add(v128.load(t + 32), i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_s(ah), v0), i32x4.mul(i32x4.extend_low_i16x8_s(bh), v1))));
      v128.store(t + 48, i32x4.add(v128.load(t + 48), i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_s(ah), v0), i32x4.mul(i32x4.extend_high_i16x8_s(bh), v1))));
    }
    for (; j < nT; j++) {
      const t = ring + (<usize>j << 2);
      store<i32>(t, load<i32>(t) + <i32>load<i8>(r0 + <usize>j) * c0 + <i32>load<i8>(r1 + <usize>j) * c1);
    }
    return;
  }
  for (; j + 16 <= nT; j += 16) {
    const w16 = v128.load(r0 + <usize>j);
    const lo8 = i16x8.extend_low_i8x16_s(w16),
      hi8 = i16x8.extend_high_i8x16_s(w16);
    const t = ring + (<usize>j << 2);
    v128.store(t, i32x4.add(v128.load(t), i32x4.mul(i32x4.extend_low_i16x8_s(lo8), v0)));
    v128.store(t + 16, i32x4.add(v128.load(t + 16), i32x4.mul(i32x4.extend_high_i16x8_s(lo8), v0)));
    v128.store(t + 32, i32x4.add(v128.load(t + 32), i32x4.mul(i32x4.extend_low_i16x8_s(hi8), v0)));
    v128.store(t + 48, i32x4.add(v128.load(t + 48), i32x4.mul(i32x4.extend_high_i16x8_s(hi8), v0)));
  }
  for (; j < nT; j++) {
    const t = ring + (<usize>j << 2);
    store<i32>(t, load<i32>(t) + <i32>load<i8>(r0 + <usize>j) * c0);
  }
}

/**
 * A ring slot's sums (ringKind 1: i32, 2: f64) into inp (times 2^sh, or floor(sum / 2^-sh)), the slot cleared.
 * Adding a zero sum leaves inp as it was, so the int32 case adds every entry, four at a time, without a branch.
 */
export function gather(ring: usize, ringKind: i32, inp: usize, n: i32, sh: i32): void {
  const f = P2(64 + sh);
  let k = 0;
  if (ringKind == 1) {
    const fv = f64x2.splat(f);
    const zero = i32x4.splat(0);
    for (; k + 4 <= n; k += 4) {
      const r = v128.load(ring + (<usize>k << 2));
      v128.store(ring + (<usize>k << 2), zero);
      let lo = f64x2.mul(f64x2.convert_low_i32x4_s(r), fv),
        hi = f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(r, r, 2, 3, 0, 1)), fv);
      if (sh < 0) {
        lo = f64x2.floor(lo);
        hi = f64x2.floor(hi);
      }
      const p = inp + (<usize>k << 3);
      v128.store(p, f64x2.add(v128.load(p), lo));
      v128.store(p + 16, f64x2.add(v128.load(p + 16), hi));
    }
  }
  for (; k < n; k++) {
    const r = ringKind == 1 ? <f64>load<i32>(ring + (<usize>k << 2)) : load<f64>(ring + (<usize>k << 3));
    if (r != 0) {
      store<f64>(inp + (<usize>k << 3), load<f64>(inp + (<usize>k << 3)) + (sh >= 0 ? r * f : Math.floor(r * f)));
      if (ringKind == 1) store<i32>(ring + (<usize>k << 2), 0);
      else store<f64>(ring + (<usize>k << 3), 0);
    }
  }
}
