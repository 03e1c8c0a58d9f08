/** ipvae atoms: the dictionary Phi drawn as a mosaic of its atoms (SVG with an embedded PNG, or PNG). */
import { Command } from 'commander';
import { loadModel } from '../io/safetensors.js';
import { atomMosaic } from '../model/atoms.js';
import { writeFileAtomic } from '../io/atomic.js';
import { UserError } from '../errors.js';
import { oneOf, parseIntOpt } from './common.js';
import { modelHelp } from './models.js';

export function addAtomsCommand(program: Command): void {
  program
    .command('atoms')
    .description('draw the dictionary Phi as an image mosaic of its atoms (.svg or .png)')
    .requiredOption('--model <file|name>', modelHelp('model checkpoint'))
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
