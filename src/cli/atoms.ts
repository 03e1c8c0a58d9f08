/** ipvae atoms: the dictionary Phi drawn as a mosaic of its atoms (SVG with an embedded PNG, or PNG). */
import { Command } from 'commander';
import { loadModel } from '../io/safetensors.js';
import { encodeGreyPng } from '../io/png-encode.js';
import { writeFileAtomic } from '../io/atomic.js';
import { UserError } from '../errors.js';
import { oneOf, parseIntOpt } from './common.js';
import type { IpVaeParams } from '../model/params.js';

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

export function addAtomsCommand(program: Command): void {
  program
    .command('atoms')
    .description('draw the dictionary Phi as an image mosaic of its atoms (.svg or .png)')
    .requiredOption('--model <file>', 'model checkpoint (.safetensors)')
    .requiredOption('--out <file>', 'output image: .svg (self-contained) or .png')
    .option('--shape <HxW>', 'atom shape (default: square, sqrt(D) x sqrt(D))')
    .option('--cols <n>', 'atoms per row', '32')
    .option('--zoom <n>', 'screen pixels per atom pixel', '3')
    .option('--order <o>', 'index or norm (largest first)', 'index')
    .action((o) => {
      const p = loadModel(o.model);
      let side: [number, number];
      if (o.shape) {
        const m = /^(\d+)x(\d+)$/.exec(o.shape);
        if (!m) throw new UserError(`--shape: expected HxW (e.g. 16x16), got "${o.shape}"`);
        side = [Number(m[1]), Number(m[2])];
      } else {
        const s = Math.round(Math.sqrt(p.D));
        side = [s, s];
      }
      const mos = atomMosaic(
        p,
        side,
        parseIntOpt('--cols', o.cols, 1, 4096),
        parseIntOpt('--zoom', o.zoom, 1, 64),
        oneOf('--order', o.order, ['index', 'norm'] as const),
      );
      const out: string = o.out;
      if (out.endsWith('.png')) writeFileAtomic(out, mos.png);
      else if (out.endsWith('.svg')) {
        const svg =
          `<svg xmlns="http://www.w3.org/2000/svg" width="${mos.width}" height="${mos.height + 18}" viewBox="0 0 ${mos.width} ${mos.height + 18}">` +
          `<title>iP-VAE dictionary: ${p.K} atoms of ${side[0]}x${side[1]} (${o.model})</title>` +
          `<image width="${mos.width}" height="${mos.height}" style="image-rendering:pixelated" href="data:image/png;base64,${mos.png.toString('base64')}"/>` +
          `<text x="2" y="${mos.height + 14}" font-family="sans-serif" font-size="12">${p.K} atoms, ${side[0]}x${side[1]}, each scaled to its max |value| (grey = 0); order: ${o.order}</text></svg>\n`;
        writeFileAtomic(out, svg);
      } else throw new UserError(`--out ${out}: expected a .svg or .png file name`);
      console.log(`wrote ${out} (${p.K} atoms, ${mos.width}x${mos.height} pixels)`);
    });
}
