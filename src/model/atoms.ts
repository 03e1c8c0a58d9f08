/** The dictionary Phi drawn as a grey mosaic of its atoms (ipvae atoms, the report). */
import { encodeGreyPng } from '../io/png-encode.js';
import { UserError } from '../errors.js';
import type { IpVaeParams } from './params.js';

/**
 * The atoms as one grey mosaic: each atom scaled to its own maximum |value| (mid-grey = 0), a 1-pixel gap,
 * `cols` atoms per row, each pixel magnified `zoom` times. Order: index, or decreasing norm.
 */
export function atomMosaic(
  p: IpVaeParams,
  side: [number, number],
  cols: number,
  zoom: number,
  order: 'index' | 'norm',
) {
  const { D, K } = p;
  const [h, w] = side;
  if (h * w !== D) throw new UserError(`atoms: D=${D} is not ${h}x${w}; give --shape HxW`);
  const idx = Array.from({ length: K }, (_, k) => k);
  if (order === 'norm') {
    const norm = idx.map((k) => {
      let s = 0;
      for (let d = 0; d < D; d++) s += p.phi[d * K + k] ** 2;
      return s;
    });
    idx.sort((a, b) => norm[b] - norm[a]);
  }
  const rows = Math.ceil(K / cols);
  const cw = w * zoom + 1,
    ch = h * zoom + 1;
  const W = cols * cw + 1,
    H = rows * ch + 1;
  const px = new Uint8Array(W * H).fill(255);
  idx.forEach((k, slot) => {
    let m = 0;
    for (let d = 0; d < D; d++) m = Math.max(m, Math.abs(p.phi[d * K + k]));
    const x0 = (slot % cols) * cw + 1,
      y0 = Math.floor(slot / cols) * ch + 1;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = m > 0 ? p.phi[(y * w + x) * K + k] / m : 0;
        const g = Math.max(0, Math.min(255, Math.round(127.5 + 127.5 * v)));
        for (let dy = 0; dy < zoom; dy++)
          for (let dx = 0; dx < zoom; dx++) px[(y0 + y * zoom + dy) * W + x0 + x * zoom + dx] = g;
      }
  });
  return { width: W, height: H, png: encodeGreyPng(W, H, px) };
}
