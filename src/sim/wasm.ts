/**
 * The integer simulator's WebAssembly backend (src/sim/asm/engine.ts, built into wasm-sim-binary.ts): one
 * instance per Simulator, its memory reserved once, every array the engine and the models use allocated in it,
 * so that JavaScript views (the engine's typed arrays) and WebAssembly loops share them. A view's byteOffset is
 * its address. Growing the memory would detach the views, so it never grows after the reservation.
 */
import { WASM_BASE64 } from './wasm-sim-binary.js';
import { POW2 } from '../fixed/q.js';
import { expTable, LOG2E_Q24 } from '../fixed/iexp.js';
import { log1pTable } from '../fixed/isoftclamp.js';
import { UserError } from '../errors.js';
import type { StepContext } from './neuron.js';

export interface SimExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  setTables(pow2: number, texp: number, tlog: number, log2eQ24: number): void;
  countsAddress(): number;
  drain(): void;
  ipvaeEmit(
    n: number,
    u: number,
    out: number,
    fired: number,
    fu: number,
    countCap: number,
    seed: number,
    sample: number,
    step: number,
  ): number;
  buildSoftplus(f: number, table: number): number;
  ipvaeStepEmit(
    n: number,
    u: number,
    drive: number,
    inp: number,
    bias: number,
    fu: number,
    etaMant: number,
    etaShift: number,
    clamp: number,
    floor: number,
    uMax: number,
    uMin: number,
    countCap: number,
    seed: number,
    sample: number,
    step: number,
    out: number,
    fired: number,
    table: number,
  ): number;
  lifStep(
    n: number,
    u: number,
    v: number,
    aIn: number,
    decU: number,
    decV: number,
    bias: number,
    thr: number,
    wrap: number,
    out: number,
    fired: number,
  ): number;
  lifStepUniform(
    n: number,
    u: number,
    v: number,
    aIn: number,
    decU: number,
    decV: number,
    bias: number,
    thr: number,
    out: number,
    fired: number,
  ): number;
  inputStep(
    n: number,
    driven: number,
    hasHeld: number,
    ext: number,
    held: number,
    out: number,
    fired: number,
    lo: number,
    hi: number,
  ): number;
  readoutStep(n: number, inp: number, drive: number, v: number, lo: number, hi: number): void;
  liStep(
    n: number,
    u: number,
    v: number,
    aIn: number,
    decU: number,
    decV: number,
    bias: number,
    wrap: number,
    out: number,
    fired: number,
  ): number;
  deliver(
    out: number,
    fired: number,
    nFired: number,
    ptr: number,
    idx: number,
    idxKind: number,
    w: number,
    wKind: number,
    ring: number,
    ringKind: number,
    dense: number,
    lo: number,
    hi: number,
    counts: number,
    binary: number,
    unit: number,
    nnzRow: number,
  ): void;
  deliverMatrix(
    out: number,
    fired: number,
    nFired: number,
    ptr: number,
    matrix: number,
    nT: number,
    ring: number,
    lo: number,
    hi: number,
    counts: number,
    binary: number,
    unit: number,
    nnzRow: number,
  ): void;
  gather(ring: number, ringKind: number, inp: number, n: number, sh: number): void;
  countEvents(
    out: number,
    fired: number,
    nFired: number,
    ptr: number,
    lo: number,
    hi: number,
    counts: number,
    binary: number,
    unit: number,
    nnzRow: number,
  ): number;
  lazyBound(out: number, fired: number, nFired: number, rowMax: number, cap: number): number;
}

let compiled: WebAssembly.Module | undefined;

/** 32-bit memory: the most one simulator reserves. */
export const SIM_WASM_MAX_BYTES = 2 ** 32 - 2 ** 24;

type Ctor<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

export class SimWasm {
  readonly x: SimExports;
  /** The drained counters (see settle). */
  readonly counts: Float64Array;
  private next: number;
  private readonly end: number;

  /** An instance with `bytes` reserved for arrays (plus the tables). */
  constructor(bytes: number) {
    if (!(bytes >= 0 && bytes + 2 ** 20 <= SIM_WASM_MAX_BYTES))
      throw new UserError(
        `network: the WebAssembly backend needs ${Math.ceil(bytes / 2 ** 20)} MiB, more than 32-bit memory holds; use --backend js`,
      );
    compiled ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    const inst = new WebAssembly.Instance(compiled, {
      env: {
        abort: () => {
          throw new Error('wasm abort');
        },
      },
    });
    this.x = inst.exports as unknown as SimExports;
    const tables = 129 * 8 + 2 * 257 * 8 + 64;
    this.next = this.x.alloc(bytes + tables + 64);
    this.end = this.next + bytes + tables + 64;
    const pow2 = this.array(Float64Array, 129),
      texp = this.array(Float64Array, 257),
      tlog = this.array(Float64Array, 257);
    pow2.set(POW2);
    texp.set(expTable());
    tlog.set(log1pTable());
    this.x.setTables(pow2.byteOffset, texp.byteOffset, tlog.byteOffset, LOG2E_Q24);
    this.counts = new Float64Array(this.x.memory.buffer, this.x.countsAddress(), 7);
  }

  /** A zeroed array of n elements in the reserved memory (16-byte aligned). */
  array<T>(C: Ctor<T>, n: number): T {
    const p = this.next;
    this.next = p + ((n * C.BYTES_PER_ELEMENT + 15) & ~15);
    if (this.next > this.end) throw new Error('SimWasm: the reservation is too small (an engine bug)');
    return new C(this.x.memory.buffer, p, n);
  }

  /** A copy of src in the reserved memory. */
  copy<T extends { length: number; set(a: ArrayLike<number>): void }>(C: Ctor<T>, src: ArrayLike<number>): T {
    const a = this.array(C, src.length);
    a.set(src);
    return a;
  }

  /**
   * What the calls since the last settle counted (drained into `counts`, then cleared): saturations and spikes
   * go into ctx; the rest stay readable in counts (2: the iP-VAE's count caps, 3: its rate caps, 4: synaptic
   * events, 5: effective operations, 6: 1 when a value was not +-unit) until the next settle.
   */
  settle(ctx?: StepContext): Float64Array {
    this.x.drain();
    const c = this.counts;
    if (ctx) {
      ctx.sat[0] += c[0];
      ctx.spikes += c[1];
    }
    return c;
  }

  /** Bytes an array of n elements takes in the reservation. */
  static bytes(n: number, perElement: number): number {
    return (n * perElement + 15) & ~15;
  }
}
