import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
// @ts-expect-error: plain ESM build script without type declarations
import { buildWasm } from '../scripts/build-wasm.mjs';
import { WASM_BASE64, WASM_SHA256 } from '../src/kernels/wasm-binary.js';

describe('the committed WebAssembly artefact', () => {
  it('is exactly what the AssemblyScript source compiles to (npm run build:wasm after editing src/kernels/asm/)', () => {
    const fresh: Buffer = buildWasm();
    const committed = Buffer.from(WASM_BASE64, 'base64');
    expect(createHash('sha256').update(committed).digest('hex')).toBe(WASM_SHA256);
    expect(fresh.equals(committed)).toBe(true);
  });
  it('uses WebAssembly SIMD', () => {
    const bytes = Buffer.from(WASM_BASE64, 'base64');
    expect(WebAssembly.validate(bytes)).toBe(true);
    // the SIMD prefix byte 0xfd followed by f32x4.mul (0xe6 0x01) occurs in the code section
    expect(bytes.includes(Buffer.from([0xfd, 0xe6, 0x01]))).toBe(true);
  });
});
