/**
 * The event queue of the integer simulator: per-step ring buffers (one slot per step of delay, NEST's approach;
 * what src/sim/engine.ts uses) against a binary heap (fastpriorityqueue 0.8.0, the brief's suggestion), on the
 * same stream of delayed synaptic events: 10,000 targets, 15,000 events per step with delays uniform in
 * [1, 16] steps, 2,000 steps. Both deliver the same per-step input sums (checked).
 *
 *   npm run bench -- queue
 */
import FastPriorityQueue from 'fastpriorityqueue';
import { report, type BenchRecord } from './common.js';

const N = 10_000,
  PER_STEP = 15_000,
  MAXD = 16,
  STEPS = 2_000;
let s = 12345;
const rnd = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s;
};
const tgt = new Int32Array(PER_STEP * STEPS),
  del = new Int32Array(PER_STEP * STEPS),
  w = new Int32Array(PER_STEP * STEPS);
for (let i = 0; i < tgt.length; i++) {
  tgt[i] = rnd() % N;
  del[i] = 1 + (rnd() % MAXD);
  w[i] = (rnd() % 255) - 127;
}

function ring(): { sec: number; check: number } {
  const L = MAXD + 1,
    buf = new Float64Array(L * N),
    inp = new Float64Array(N);
  let check = 0;
  const t0 = performance.now();
  for (let t = 0; t < STEPS; t++) {
    const base = (t % L) * N;
    for (let k = 0; k < N; k++) {
      const r = buf[base + k];
      inp[k] = r;
      if (r !== 0) buf[base + k] = 0;
    }
    check += inp[t % N];
    for (let e = t * PER_STEP, end = e + PER_STEP; e < end; e++) buf[((t + del[e]) % L) * N + tgt[e]] += w[e];
  }
  return { sec: (performance.now() - t0) / 1000, check };
}

function heap(): { sec: number; check: number } {
  // key = arrival step * 2^26 + event index (unique, ordered by time); no object per event
  const q = new FastPriorityQueue<number>((a, b) => a < b);
  const inp = new Float64Array(N),
    SH = 2 ** 26;
  let check = 0;
  const t0 = performance.now();
  for (let t = 0; t < STEPS; t++) {
    inp.fill(0);
    const lim = (t + 1) * SH;
    while (!q.isEmpty() && (q.peek() as number) < lim) {
      const key = q.poll() as number,
        e = key % SH;
      inp[tgt[e]] += w[e];
    }
    check += inp[t % N];
    for (let e = t * PER_STEP, end = e + PER_STEP; e < end; e++) q.add((t + del[e]) * SH + e);
  }
  return { sec: (performance.now() - t0) / 1000, check };
}

const rows: BenchRecord[] = [];
const a = ring(),
  b = heap();
if (a.check !== b.check) throw new Error(`the two queues disagree: ${a.check} vs ${b.check}`);
const events = PER_STEP * STEPS;
rows.push({
  case: 'ring buffers (one slot per delay step)',
  metric: 'events per second',
  value: events / a.sec,
  unit: '1/s',
});
rows.push({
  case: 'fastpriorityqueue 0.8.0 (binary heap)',
  metric: 'events per second',
  value: events / b.sec,
  unit: '1/s',
});
rows.push({ case: 'ring / heap', metric: 'speed ratio', value: b.sec / a.sec, unit: 'x' });
report('queue', rows);
