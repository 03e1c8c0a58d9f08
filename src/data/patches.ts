/**
 * Whitened 16x16 natural-image patches (model-spec section 4), from the seven bundled images in
 * data/natural-images/ (CC0 / public domain, see data/natural-images/LICENSES.md).
 *
 * Recipe, per image:
 * 1. Fourier whitening: multiply the 2-D FFT by R(f) = f exp(-(f / f0)^4), f = sqrt(fx^2 + fy^2) the radial
 *    frequency in cycles per pixel, built in the FFT's own (unshifted) bin layout: fx = k / W for k < W/2,
 *    (k - W) / W above (Olshausen & Field 1996). f0 = 0.4 cycles/pixel (Nyquist = 0.5). Real part of the inverse.
 * 2. Local contrast normalisation (the authors' LocContrastNorm): a 13 x 13 Gaussian g = exp(-r^2 / 0.5) on a
 *    linspace(-1, 1, 13) grid (that is, a standard deviation of 3 pixels), normalised to sum 1, zero-padded;
 *    y = x - blur(x); s = sqrt(blur(y^2)); out = y / max(s, mean(s)).
 * 3. Per-image z-score (unbiased standard deviation).
 * 4. Crop 4 pixels at every border.
 * 5. Cut 16 x 16 patches at stride 8, in raster order; the last 20 % of each image's patches go to validation.
 *    Training patches that share pixels with a validation patch (the guard band along the split: at stride 8,
 *    neighbouring 16-pixel patches overlap) are dropped, so no held-out pixel is ever trained on.
 * 6. Drop near-flat patches: pixel variance below minContrast (5 %) of the median patch's. The bundled photos
 *    have saturated and featureless regions (sky, background) that whitening and LCN leave at ~0; on such a
 *    patch the per-sample R^2 has a ~0 denominator and one spike sends it to -1000. (Not in the authors'
 *    recipe; minContrast = 0 turns it off.)
 * Then a global z-score (population standard deviation) over all patches of all images.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { decodePng, type GreyImage } from './png.js';
import { fft2, fftFreq } from './fft.js';
import { packageRoot } from '../paths.js';
import { cacheKey, readCache, writeCache } from './cache.js';
import { UserError } from '../errors.js';

export const NATURAL_IMAGES = ['astronaut', 'brick', 'camera', 'chelsea', 'coffee', 'grass', 'gravel'];

export interface PatchRecipe {
  patch: number;
  stride: number;
  crop: number;
  f0: number;
  lcnSize: number;
  lcnSigma: number;
  valFraction: number;
  /** Drop patches whose pixel variance is below this fraction of the median patch's (0 keeps all). */
  minContrast: number;
}

/** The recipe of the bundled patch set (loadPatches() and --data patches; frozen). */
export const DEFAULT_RECIPE: PatchRecipe = Object.freeze({
  patch: 16,
  stride: 8,
  crop: 4,
  f0: 0.4,
  lcnSize: 13,
  lcnSigma: 0.5,
  valFraction: 0.2,
  minContrast: 0.05,
});

export interface PatchSet {
  D: number;
  train: Float32Array;
  nTrain: number;
  val: Float32Array;
  nVal: number;
  /** Index into NATURAL_IMAGES of each patch (train then val). */
  trainImage: Float32Array;
  valImage: Float32Array;
  recipe: PatchRecipe;
}

export function imagesDir(): string {
  return join(packageRoot(), 'data', 'natural-images');
}

export function loadImage(name: string): GreyImage {
  const path = join(imagesDir(), `${name}.png`);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new UserError(`${path}: bundled image is missing (reinstall the package)`);
  }
  return decodePng(buf, path);
}

/** Step 1: Fourier whitening with R(f) = f exp(-(f/f0)^4). */
export function whiten(img: GreyImage, f0: number): GreyImage {
  const { width: w, height: h } = img;
  const re = Float64Array.from(img.data),
    im = new Float64Array(w * h);
  fft2(re, im, h, w, -1);
  for (let y = 0; y < h; y++) {
    const fy = fftFreq(y, h);
    for (let x = 0; x < w; x++) {
      const fx = fftFreq(x, w);
      const f = Math.sqrt(fx * fx + fy * fy);
      const r = f * Math.exp(-Math.pow(f / f0, 4));
      re[y * w + x] *= r;
      im[y * w + x] *= r;
    }
  }
  fft2(re, im, h, w, 1);
  const data = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) data[i] = re[i] / (w * h);
  return { width: w, height: h, data };
}

/** 'same'-size 2-D convolution with zero padding by a separable kernel. */
function blurSep(src: Float64Array, w: number, h: number, k1: Float64Array): Float64Array {
  const r = (k1.length - 1) >> 1;
  const tmp = new Float64Array(w * h),
    out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let j = -r; j <= r; j++) {
        const xx = x + j;
        if (xx >= 0 && xx < w) acc += k1[j + r] * src[y * w + xx];
      }
      tmp[y * w + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let j = -r; j <= r; j++) {
        const yy = y + j;
        if (yy >= 0 && yy < h) acc += k1[j + r] * tmp[yy * w + x];
      }
      out[y * w + x] = acc;
    }
  }
  return out;
}

/** The 1-D factor of the authors' Gaussian: exp(-t^2 / sigma) on linspace(-1, 1, size), normalised. */
export function lcnKernel1d(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  let s = 0;
  for (let i = 0; i < size; i++) {
    const t = size === 1 ? 0 : -1 + (2 * i) / (size - 1);
    k[i] = Math.exp(-(t * t) / sigma);
    s += k[i];
  }
  for (let i = 0; i < size; i++) k[i] /= s;
  return k;
}

/** Step 2: local contrast normalisation. */
export function localContrastNorm(img: GreyImage, size: number, sigma: number): GreyImage {
  const { width: w, height: h } = img;
  const k = lcnKernel1d(size, sigma);
  const m = blurSep(img.data, w, h, k);
  const y = new Float64Array(w * h),
    y2 = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) {
    y[i] = img.data[i] - m[i];
    y2[i] = y[i] * y[i];
  }
  const s = blurSep(y2, w, h, k);
  let mean = 0;
  for (let i = 0; i < w * h; i++) {
    s[i] = Math.sqrt(s[i]);
    mean += s[i];
  }
  mean /= w * h;
  const data = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) data[i] = y[i] / Math.max(s[i], mean);
  return { width: w, height: h, data };
}

/** Step 3: z-score with the unbiased standard deviation. */
export function zscoreImage(img: GreyImage): GreyImage {
  const n = img.data.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += img.data[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (img.data[i] - mean) ** 2;
  const sd = Math.sqrt(v / (n - 1));
  return { ...img, data: img.data.map((x) => (x - mean) / sd) };
}

export function crop(img: GreyImage, c: number): GreyImage {
  const w = img.width - 2 * c,
    h = img.height - 2 * c;
  const data = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = img.data[(y + c) * img.width + x + c];
  return { width: w, height: h, data };
}

/** Cut p x p patches at the given stride, in raster order of their top-left corners. */
export function cutPatches(img: GreyImage, p: number, stride: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let y = 0; y + p <= img.height; y += stride) {
    for (let x = 0; x + p <= img.width; x += stride) {
      const patch = new Float64Array(p * p);
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) patch[i * p + j] = img.data[(y + i) * img.width + x + j];
      out.push(patch);
    }
  }
  return out;
}

/** Patch grid of an image: rows and columns of top-left corners at the given stride. */
export function patchGrid(width: number, height: number, p: number, stride: number): { rows: number; cols: number } {
  return { rows: Math.floor((height - p) / stride) + 1, cols: Math.floor((width - p) / stride) + 1 };
}

/**
 * Split a rows x cols patch grid (raster order): the last nVal patches are validation; a training patch is
 * kept only if no validation patch is fewer than `guard` grid steps away in both directions: with
 * guard = ceil(p / stride), exactly the patches that would share pixels with a validation patch are dropped.
 */
export function splitPatchGrid(
  rows: number,
  cols: number,
  nVal: number,
  guard: number,
): { train: number[]; val: number[] } {
  const n = rows * cols;
  const first = n - nVal;
  const train: number[] = [],
    val: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i >= first) {
      val.push(i);
      continue;
    }
    const r = Math.floor(i / cols),
      c = i % cols;
    let near = false;
    for (let dr = -guard + 1; dr < guard && !near; dr++) {
      for (let dc = -guard + 1; dc < guard && !near; dc++) {
        const rr = r + dr,
          cc = c + dc;
        if (rr >= 0 && rr < rows && cc >= 0 && cc < cols && rr * cols + cc >= first) near = true;
      }
    }
    if (!near) train.push(i);
  }
  return { train, val };
}

/** Raw (unwhitened) patches of one image at the same positions, for spectrum comparisons. */
export function rawPatches(name: string, r: PatchRecipe = DEFAULT_RECIPE): Float64Array[] {
  return cutPatches(crop(loadImage(name), r.crop), r.patch, r.stride);
}

function buildPatches(r: PatchRecipe): PatchSet {
  const trainL: Float64Array[] = [],
    valL: Float64Array[] = [];
  const trainI: number[] = [],
    valI: number[] = [];
  NATURAL_IMAGES.forEach((name, idx) => {
    let img = loadImage(name);
    img = whiten(img, r.f0);
    img = localContrastNorm(img, r.lcnSize, r.lcnSigma);
    img = zscoreImage(img);
    img = crop(img, r.crop);
    const ps = cutPatches(img, r.patch, r.stride);
    const g = patchGrid(img.width, img.height, r.patch, r.stride);
    const split = splitPatchGrid(g.rows, g.cols, Math.round(r.valFraction * ps.length), Math.ceil(r.patch / r.stride));
    for (const i of split.train) {
      trainL.push(ps[i]);
      trainI.push(idx);
    }
    for (const i of split.val) {
      valL.push(ps[i]);
      valI.push(idx);
    }
  });
  const D = r.patch * r.patch;
  if (r.minContrast > 0) {
    // drop near-flat patches (saturated or featureless regions): their R^2 denominator is ~0
    const variance = (p: Float64Array) => {
      let m = 0;
      for (const v of p) m += v;
      m /= p.length;
      let q = 0;
      for (const v of p) q += (v - m) ** 2;
      return q / p.length;
    };
    const all = [...trainL, ...valL].map(variance).sort((a, b) => a - b);
    const threshold = r.minContrast * all[Math.floor(all.length / 2)];
    const keep = (L: Float64Array[], I: number[]) => {
      const kl: Float64Array[] = [],
        ki: number[] = [];
      L.forEach((p, i) => {
        if (variance(p) >= threshold) {
          kl.push(p);
          ki.push(I[i]);
        }
      });
      return [kl, ki] as const;
    };
    const [tl, ti] = keep(trainL, trainI),
      [vl, vi] = keep(valL, valI);
    trainL.length = 0;
    trainL.push(...tl);
    trainI.length = 0;
    trainI.push(...ti);
    valL.length = 0;
    valL.push(...vl);
    valI.length = 0;
    valI.push(...vi);
  }
  let sum = 0,
    n = 0;
  for (const p of [...trainL, ...valL])
    for (const v of p) {
      sum += v;
      n++;
    }
  const mean = sum / n;
  let ss = 0;
  for (const p of [...trainL, ...valL]) for (const v of p) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / n);
  const pack = (L: Float64Array[]) => {
    const a = new Float32Array(L.length * D);
    L.forEach((p, i) => {
      for (let d = 0; d < D; d++) a[i * D + d] = (p[d] - mean) / sd;
    });
    return a;
  };
  return {
    D,
    train: pack(trainL),
    nTrain: trainL.length,
    val: pack(valL),
    nVal: valL.length,
    trainImage: Float32Array.from(trainI),
    valImage: Float32Array.from(valI),
    recipe: r,
  };
}

/** The whitened patch set, from the on-disk cache when the recipe and the images are unchanged. */
export function loadPatches(r: PatchRecipe = DEFAULT_RECIPE): PatchSet {
  const hashes = NATURAL_IMAGES.map((n) =>
    createHash('sha256')
      .update(readFileSync(join(imagesDir(), `${n}.png`)))
      .digest('hex'),
  );
  const key = cacheKey({ v: 3, recipe: r, hashes });
  const c = readCache('patches', key);
  if (c) {
    const a = c.arrays;
    return {
      D: r.patch * r.patch,
      train: a.train,
      nTrain: a.train.length / (r.patch * r.patch),
      val: a.val,
      nVal: a.val.length / (r.patch * r.patch),
      trainImage: a.trainImage,
      valImage: a.valImage,
      recipe: r,
    };
  }
  const set = buildPatches(r);
  writeCache('patches', key, {
    meta: { recipe: r },
    arrays: { train: set.train, val: set.val, trainImage: set.trainImage, valImage: set.valImage },
  });
  return set;
}
