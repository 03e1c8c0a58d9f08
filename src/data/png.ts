/**
 * A small PNG decoder for 8-bit, non-interlaced images (grey, grey+alpha, RGB, RGBA), enough for the bundled
 * natural images. Returns luminance in [0, 1] (RGB -> 0.2125 R + 0.7154 G + 0.0721 B, scikit-image's rgb2gray
 * weights, ITU-R BT.709), alpha ignored. Anything else is rejected with a clear error.
 */
import { inflateSync } from 'node:zlib';
import { UserError } from '../errors.js';

export interface GreyImage {
  width: number;
  height: number;
  /** Row-major luminance, float64 in [0, 1]. */
  data: Float64Array;
}

const SIG = [137, 80, 78, 71, 13, 10, 26, 10];

export function decodePng(buf: Uint8Array, name = 'PNG'): GreyImage {
  for (let i = 0; i < 8; i++) if (buf[i] !== SIG[i]) throw new UserError(`${name}: not a PNG file (bad signature)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8;
  let width = 0,
    height = 0,
    depth = 0,
    ctype = 0,
    interlace = 0;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= buf.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(buf[pos + 4], buf[pos + 5], buf[pos + 6], buf[pos + 7]);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (body.length !== len) throw new UserError(`${name}: truncated PNG chunk ${type}`);
    if (type === 'IHDR') {
      width = dv.getUint32(pos + 8);
      height = dv.getUint32(pos + 12);
      depth = buf[pos + 16];
      ctype = buf[pos + 17];
      interlace = buf[pos + 20];
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (!width || !height) throw new UserError(`${name}: PNG has no IHDR chunk`);
  if (depth !== 8) throw new UserError(`${name}: PNG bit depth ${depth} not supported (expected 8)`);
  if (interlace !== 0) throw new UserError(`${name}: interlaced PNG not supported`);
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[ctype];
  if (!channels) throw new UserError(`${name}: PNG colour type ${ctype} not supported (expected 0, 2, 4 or 6)`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new UserError(`${name}: PNG image data is truncated`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? px[dst + i - channels] : 0;
      const b = y > 0 ? px[dst - stride + i] : 0;
      const c = y > 0 && i >= channels ? px[dst - stride + i - channels] : 0;
      let pred: number;
      switch (f) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c,
            pa = Math.abs(p - a),
            pb = Math.abs(p - b),
            pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new UserError(`${name}: bad PNG filter type ${f} in row ${y}`);
      }
      px[dst + i] = (raw[src + i] + pred) & 255;
    }
  }
  const data = new Float64Array(width * height);
  for (let i = 0; i < width * height; i++) {
    if (channels <= 2) data[i] = px[i * channels] / 255;
    else {
      const o = i * channels;
      data[i] = (0.2125 * px[o] + 0.7154 * px[o + 1] + 0.0721 * px[o + 2]) / 255;
    }
  }
  return { width, height, data };
}
