import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { threefry2x32, u01f, drawKey } from '../src/rng/threefry.js';
import { instantiate } from '../src/kernels/wasm.js';

// Random123 kat_vectors: threefry2x32 R ctr0 ctr1 key0 key1 -> out0 out1
const KAT: [number, number, number, number, number, number, number][] = [
  [13, 0, 0, 0, 0, 0x9d1c5ec6, 0x8bd50731],
  [13, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xfd36d048, 0x2d17272c],
  [13, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xba3e4725, 0xf27d669e],
  [20, 0, 0, 0, 0, 0x6b200159, 0x99ba4efe],
  [20, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x1cb996fc, 0xbb002be7],
  [20, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xc4923a9c, 0x483df7a0],
];

describe('Threefry-2x32', () => {
  for (const [R, c0, c1, k0, k1, o0, o1] of KAT) {
    it(`Random123 known answer, ${R} rounds, ctr ${c0.toString(16)} ${c1.toString(16)}`, () => {
      const out = threefry2x32(k0, k1, c0, c1, R);
      expect(out[0]).toBe(o0);
      expect(out[1]).toBe(o1);
    });
  }
  it('the WebAssembly scalar generator gives the same words (property)', () => {
    const w = instantiate();
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffffffff), (k0, k1, c0, c1) => {
        const js = threefry2x32(k0, k1, c0, c1);
        return w.x.threefryWord0(k0, k1, c0, c1) >>> 0 === js[0] && w.x.threefryWord1(k0, k1, c0, c1) >>> 0 === js[1];
      }),
      { numRuns: 300 },
    );
  });
  it('u01f maps every word into the open interval (0, 1)', () => {
    expect(u01f(0)).toBeGreaterThan(0);
    expect(u01f(0xffffffff)).toBeLessThan(1);
    expect(u01f(0x80000000)).toBeCloseTo(0.5, 6);
  });
  it('draw keys differ from the seed for j > 0', () => {
    expect(drawKey(7, 0)).toBe(7);
    expect(drawKey(7, 1)).not.toBe(7);
  });
  it('output bits are balanced over many counters', () => {
    let ones = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      let w = threefry2x32(1, 2, i, 0)[0];
      while (w) {
        ones += w & 1;
        w >>>= 1;
      }
    }
    const mean = ones / (n * 32);
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / (n * 32)));
  });
});
