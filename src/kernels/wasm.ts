/**
 * Loads the WebAssembly SIMD kernels (built from src/kernels/asm/kernels.ts) and gives typed access to them.
 * Each instance owns its own linear memory; arrays are copied in once (weights) or per sample (inputs).
 */
import { WASM_BASE64 } from './wasm-binary.js';
import { UserError } from '../errors.js';

export interface WasmExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  resetHeap(): void;
  threefryWord0(k0: number, k1: number, c0: number, c1: number): number;
  threefryWord1(k0: number, k1: number, c0: number, c1: number): number;
  sampleAll(u: number, K: number, seed: number, sample: number, step: number, active: number, counts: number): number;
  eventAccumulate(rows: number, width: number, active: number, counts: number, n: number, out: number): void;
  denseDecode(phiT: number, K: number, D: number, z: number, out: number): void;
  denseProject(rows: number, K: number, D: number, v: number, out: number): void;
  /** C[M x N] += A[M x K] B[K x N] (row-major float32). */
  gemmNN(M: number, N: number, K: number, A: number, B: number, C: number): void;
  /** C[M x N] += A[M x K] B[N x K]^T. */
  gemmNT(M: number, N: number, K: number, A: number, B: number, C: number): void;
  /** C[M x N] += A[K x M]^T B[K x N]. */
  gemmTN(M: number, N: number, K: number, A: number, B: number, C: number): void;
  /** n standard normals (n even) from Threefry counters (pair, c1) under key (k0, k1), Box-Muller pairs. */
  normalPairs(out: number, n: number, k0: number, k1: number, c1: number): void;
  /** log(x) in float32 lanes (training noise). */
  logf1(x: number): number;
  /** Relaxed soft counts and dz/du for K neurons of one input at one step (see relaxedCount). */
  relaxedAll(
    u: number,
    K: number,
    tau: number,
    nExp: number,
    key0: number,
    sample: number,
    step: number,
    z: number,
    dz: number,
  ): void;
  fondForward(
    B: number,
    K: number,
    u: number,
    G: number,
    bias: number,
    eta: number,
    c: number,
    form: number,
    duRaw: number,
    Y: number,
    U1: number,
  ): number;
  fondBackward(
    B: number,
    K: number,
    u: number,
    U1: number,
    G: number,
    bias: number,
    duRaw: number,
    Y: number,
    eta: number,
    c: number,
    form: number,
    ks: number,
    gU: number,
    gPrev: number,
    dG: number,
    dLogBias: number,
  ): number;
  runSample(
    mode: number,
    D: number,
    K: number,
    phiT: number,
    invVar: number,
    bias: number,
    wrec: number,
    eta: number,
    u0: number,
    x: number,
    sample: number,
    seed: number,
    T: number,
    c: number,
    rec: number,
    nRec: number,
    out: number,
    scratch: number,
  ): void;
}

let compiled: WebAssembly.Module | undefined;

/** True when this runtime supports WebAssembly SIMD (the module fails to compile otherwise). */
export function wasmAvailable(): boolean {
  try {
    module();
    return true;
  } catch {
    return false;
  }
}

function module(): WebAssembly.Module {
  if (!compiled) compiled = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  return compiled;
}

/** A fresh kernel instance with its own memory. */
export function instantiate(): WasmKernels {
  const inst = new WebAssembly.Instance(module(), {
    env: {
      abort: () => {
        throw new Error('wasm abort');
      },
    },
  });
  return new WasmKernels(inst.exports as unknown as WasmExports);
}

/** WebAssembly memory is 32-bit: the kernels refuse to allocate more than this in one instance. */
export const WASM_MAX_BYTES = 2 ** 31 - 2 ** 20;

export class WasmKernels {
  private used = 0;
  constructor(readonly x: WasmExports) {}

  /** Allocate bytes in the instance's memory (16-byte aligned); refuses what 32-bit memory cannot hold. */
  alloc(bytes: number): number {
    this.used += bytes + 16;
    if (!(bytes >= 0) || this.used > WASM_MAX_BYTES) {
      throw new UserError(
        `the WebAssembly kernels cannot hold ${(this.used / 2 ** 30).toFixed(2)} GiB ` +
          `(32-bit memory, at most ${(WASM_MAX_BYTES / 2 ** 30).toFixed(2)} GiB); use --backend js or a smaller model`,
      );
    }
    return this.x.alloc(bytes);
  }

  /** Free everything allocated so far (pointers become invalid). */
  reset(): void {
    this.x.resetHeap();
    this.used = 0;
  }

  /** Allocate and copy a float32 array; returns its pointer. */
  putF32(a: Float32Array): number {
    const p = this.alloc(a.length * 4);
    new Float32Array(this.x.memory.buffer, p, a.length).set(a);
    return p;
  }
  putI32(a: Int32Array): number {
    const p = this.alloc(a.length * 4);
    new Int32Array(this.x.memory.buffer, p, a.length).set(a);
    return p;
  }
  f32(p: number, n: number): Float32Array {
    return new Float32Array(this.x.memory.buffer, p, n);
  }
  i32(p: number, n: number): Int32Array {
    return new Int32Array(this.x.memory.buffer, p, n);
  }
  f64(p: number, n: number): Float64Array {
    return new Float64Array(this.x.memory.buffer, p, n);
  }
}
