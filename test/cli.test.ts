import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdxImages } from '../src/io/idx.js';
import { decodeModel, encodeModel } from '../src/io/safetensors.js';
import { initParams } from '../src/model/params.js';

const BIN = join(__dirname, '..', 'bin', 'ipvae.js');
function ipvae(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, IPVAE_CACHE: join(__dirname, '..', '.cache', 'test') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
/** One clear line on stderr, exit code 2, no stack trace. */
function expectUserError(r: ReturnType<typeof ipvae>, pattern: RegExp) {
  expect(r.code).toBe(2);
  const lines = r.err.trim().split('\n');
  expect(lines.length).toBe(1);
  expect(lines[0]).toMatch(/^ipvae: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at /);
}

describe('ipvae CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-cli-'));
  const model = join(dir, 'm.safetensors');
  const idx = join(dir, 'tiny.idx');
  writeFileSync(
    idx,
    encodeIdxImages(
      5,
      4,
      4,
      Uint8Array.from({ length: 80 }, (_, i) => (i * 29) & 255),
    ),
  );

  it('--help documents every command and option', () => {
    const r = ipvae('--help');
    expect(r.code).toBe(0);
    for (const c of ['demo', 'infer', 'init']) expect(r.out).toContain(c);
    const h = ipvae('infer', '--help');
    for (const o of [
      '--model',
      '--data',
      '--samples',
      '--steps',
      '--json',
      '--seed',
      '--workers',
      '--backend',
      '--mode',
    ])
      expect(h.out).toContain(o);
    expect(ipvae('init', '--help').out).toContain('--out');
  });

  it("init writes a model with the authors' initialisation; the same seed gives the same bytes", () => {
    const r = ipvae('init', '--d', '16', '--latents', '8', '--seed', '4', '--out', model);
    expect(r.code).toBe(0);
    expect(r.out).toContain('161 parameters'); // 16*8 + 16 + 2*8 + 1
    const m = decodeModel(readFileSync(model), model);
    expect([m.D, m.K]).toEqual([16, 8]);
    for (const u of m.u0) {
      expect(u).toBeGreaterThanOrEqual(-6);
      expect(u).toBeLessThanOrEqual(-4);
    }
    expect(Array.from(m.logBias)).toEqual(Array(8).fill(-3));
    const again = join(dir, 'm2.safetensors');
    ipvae('init', '--d', '16', '--latents', '8', '--seed', '4', '--out', again);
    expect(readFileSync(again).equals(readFileSync(model))).toBe(true);
  });

  it('infer --json prints one object whose metrics are {t, r2, r2_map, pz, mse, du_norm}', () => {
    const r = ipvae('infer', '--model', model, '--data', `idx:${idx}`, '--samples', '3', '--steps', '16', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.metrics.map((m: { t: number }) => m.t)).toEqual([1, 2, 4, 8, 16]);
    for (const m of j.metrics)
      for (const k of ['t', 'r2', 'r2_map', 'pz', 'mse', 'du_norm']) expect(typeof m[k]).toBe('number');
    expect(j.samples).toBe(3);
    // Phi ~ N(0, 1e-4^2) reconstructs ~0, so R^2 = 1 - sum x^2 / sum (x - mean)^2 per sample
    const px = Uint8Array.from({ length: 80 }, (_, i) => (i * 29) & 255);
    let want = 0;
    for (let n = 0; n < 3; n++) {
      const x = Array.from(px.subarray(n * 16, n * 16 + 16), (v) => Math.fround(v / 255));
      const mean = x.reduce((a, b) => a + b, 0) / 16;
      want += 1 - x.reduce((a, v) => a + v * v, 0) / x.reduce((a, v) => a + (v - mean) ** 2, 0);
    }
    expect(j.metrics[4].r2).toBeCloseTo(want / 3, 3);
    expect(j.metrics[4].pz).toBeGreaterThan(0.95);
  });

  it('infer prints the convergence table and timing', () => {
    const r = ipvae('infer', '--model', model, '--data', `idx:${idx}`, '--steps', '8', '--workers', '1');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/t\s+R2\s+r2_map\s+PZ\s+MSE\s+du_norm/);
    expect(r.out).toMatch(/samples x steps per second/);
  });

  describe('bad input: one clear line, exit 2', () => {
    it('a missing model file', () =>
      expectUserError(
        ipvae('infer', '--model', join(dir, 'nope.safetensors'), '--data', 'patches'),
        /nope\.safetensors: model file not found/,
      ));
    it('a truncated model file', () => {
      const f = join(dir, 'trunc.safetensors');
      writeFileSync(f, readFileSync(model).subarray(0, 200));
      expectUserError(ipvae('infer', '--model', f, '--data', 'patches'), /trunc\.safetensors: .*truncated/);
    });
    it('a file that is not safetensors', () => {
      const f = join(dir, 'text.safetensors');
      writeFileSync(f, 'this is a text file, not a checkpoint');
      expectUserError(ipvae('infer', '--model', f, '--data', 'patches'), /not a safetensors file/);
    });
    it('a model whose D does not match the data', () =>
      expectUserError(
        ipvae('infer', '--model', model, '--data', 'patches'),
        /model has D=16 .* data patches has D=256/,
      ));
    it('NaN in a weight', () => {
      const p = initParams(16, 8, 0);
      p.phi[5] = NaN;
      const f = join(dir, 'nan.safetensors');
      writeFileSync(f, encodeModel(p));
      expectUserError(
        ipvae('infer', '--model', f, '--data', `idx:${idx}`),
        /layer\.phi\.weight has a non-finite value \(NaN\) at element 5/,
      );
    });
    it('an unknown dataset name', () =>
      expectUserError(ipvae('infer', '--model', model, '--data', 'cifar10'), /unknown dataset "cifar10"/));
    it('a bad option value, and no partial output file', () => {
      const out = join(dir, 'never.safetensors');
      expectUserError(ipvae('init', '--d', 'abc', '--latents', '8', '--out', out), /--d: expected an integer/);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).some((f) => f.includes('never'))).toBe(false);
    });
    it('a clamp above 20', () =>
      expectUserError(
        ipvae('infer', '--model', model, '--data', `idx:${idx}`, '--clamp', '50'),
        /--clamp: 50 is out of range/,
      ));
    it('an unknown option', () => {
      const r = ipvae('infer', '--bogus');
      expect(r.code).toBe(2);
    });
  });
});
