import { describe, expect, it } from 'vitest';
import { atomMosaic } from '../src/model/atoms.js';
import { decodePng } from '../src/data/png.js';
import { initParams } from '../src/model/params.js';

describe('atom mosaic', () => {
  it('draws each atom scaled to its max |value|, mid-grey = 0, in a grid with 1-pixel gaps', () => {
    const p = initParams(4, 3, 0); // 2x2 atoms
    p.phi.fill(0);
    // atom 1: pixel (0,0) = +2, pixel (1,1) = -2; atom 2: pixel (0,1) = 0.5
    p.phi[0 * 3 + 1] = 2;
    p.phi[3 * 3 + 1] = -2;
    p.phi[1 * 3 + 2] = 0.5;
    const m = atomMosaic(p, [2, 2], 2, 1, 'index');
    expect([m.width, m.height]).toEqual([2 * 3 + 1, 2 * 3 + 1]);
    const img = decodePng(m.png);
    const at = (x: number, y: number) => Math.round(img.data[y * img.width + x] * 255);
    expect(at(0, 0)).toBe(255); // gap
    expect(at(1, 1)).toBe(128); // atom 0, all zero: mid-grey
    expect(at(4, 1)).toBe(255); // atom 1 (second column) pixel (0,0): +max
    expect(at(5, 2)).toBe(0); // atom 1 pixel (1,1): -max
    expect(at(2, 4)).toBe(255); // atom 2 (second row) pixel (0,1): its own max
  });
  it('refuses a shape that does not match D', () => {
    expect(() => atomMosaic(initParams(6, 2, 0), [2, 2], 2, 1, 'index')).toThrow(/D=6 is not 2x2/);
  });
});
