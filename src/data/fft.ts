/**
 * Complex FFT of any length in float64: iterative radix-2 for powers of two, Bluestein's chirp-z algorithm
 * (through a power-of-two convolution) otherwise. Plus a 2-D transform over rows then columns.
 * Tested against a direct O(n^2) DFT in test/fft.test.ts.
 */

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** In-place radix-2 FFT; sign -1 forward, +1 inverse (unnormalised). */
function fftPow2(re: Float64Array, im: Float64Array, sign: number): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang),
      wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1,
        ci = 0;
      for (let j = 0; j < len >> 1; j++) {
        const a = i + j,
          b = a + (len >> 1);
        const xr = re[b] * cr - im[b] * ci,
          xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/** In-place FFT of any length; sign -1 forward, +1 inverse (unnormalised). */
export function fft(re: Float64Array, im: Float64Array, sign = -1): void {
  const n = re.length;
  if (n <= 1) return;
  if (isPow2(n)) {
    fftPow2(re, im, sign);
    return;
  }
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const cr = new Float64Array(n),
    ci = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = (sign * Math.PI * ((k * k) % (2 * n))) / n;
    cr[k] = Math.cos(a);
    ci[k] = Math.sin(a);
  }
  const ar = new Float64Array(m),
    ai = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    ar[k] = re[k] * cr[k] - im[k] * ci[k];
    ai[k] = re[k] * ci[k] + im[k] * cr[k];
  }
  const br = new Float64Array(m),
    bi = new Float64Array(m);
  br[0] = cr[0];
  bi[0] = -ci[0];
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = cr[k];
    bi[k] = bi[m - k] = -ci[k];
  }
  fftPow2(ar, ai, -1);
  fftPow2(br, bi, -1);
  for (let k = 0; k < m; k++) {
    const r = ar[k] * br[k] - ai[k] * bi[k];
    ai[k] = ar[k] * bi[k] + ai[k] * br[k];
    ar[k] = r;
  }
  fftPow2(ar, ai, 1);
  for (let k = 0; k < n; k++) {
    const xr = ar[k] / m,
      xi = ai[k] / m;
    re[k] = xr * cr[k] - xi * ci[k];
    im[k] = xr * ci[k] + xi * cr[k];
  }
}

/** In-place 2-D FFT of an h x w row-major complex array. */
export function fft2(re: Float64Array, im: Float64Array, h: number, w: number, sign = -1): void {
  const rr = new Float64Array(w),
    ri = new Float64Array(w);
  for (let y = 0; y < h; y++) {
    rr.set(re.subarray(y * w, (y + 1) * w));
    ri.set(im.subarray(y * w, (y + 1) * w));
    fft(rr, ri, sign);
    re.set(rr, y * w);
    im.set(ri, y * w);
  }
  const cr = new Float64Array(h),
    ci = new Float64Array(h);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      cr[y] = re[y * w + x];
      ci[y] = im[y * w + x];
    }
    fft(cr, ci, sign);
    for (let y = 0; y < h; y++) {
      re[y * w + x] = cr[y];
      im[y * w + x] = ci[y];
    }
  }
}

/** Frequency of FFT bin k of an n-point transform, in cycles per sample: k/n for k < n/2, (k - n)/n above. */
export function fftFreq(k: number, n: number): number {
  return (k < Math.ceil(n / 2) ? k : k - n) / n;
}
