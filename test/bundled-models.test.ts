/** Bundled models by name: from the library and the CLI, from any directory (issue 15). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../src/io/safetensors.js';
import { BUNDLED_MODELS, bundledModelPath, resolveModelPath } from '../src/model/bundled.js';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'ipvae.js');
function ipvae(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, IPVAE_CACHE: join(ROOT, '.cache', 'test') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('bundled models by name', () => {
  it('loadModel takes a bundled name (with or without .safetensors) and gives the packaged file', () => {
    for (const m of BUNDLED_MODELS) {
      const byName = loadModel(m.name),
        byFile = loadModel(join(ROOT, 'models', `${m.name}.safetensors`));
      expect([byName.D, byName.K]).toEqual([m.D, m.K]);
      expect(Array.from(byName.phi.subarray(0, 50))).toEqual(Array.from(byFile.phi.subarray(0, 50)));
      expect(loadModel(`${m.name}.safetensors`).D).toBe(m.D);
      expect(bundledModelPath(m)).toBe(join(ROOT, 'models', `${m.name}.safetensors`));
    }
  });

  it("the table's held-out numbers are models/README.md's", () => {
    const readme = readFileSync(join(ROOT, 'models', 'README.md'), 'utf8');
    for (const m of BUNDLED_MODELS) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${m.name}.safetensors\``));
      expect(row, m.name).toBeDefined();
      const nums = row!.match(/R\^2 ([\d.]+), r2_map ([\d.]+), PZ ([\d.]+), d ([\d.]+) on the ([\d,]+) held-out/)!;
      expect(nums.slice(1, 5).map(Number)).toEqual([m.heldOut.r2, m.heldOut.r2Map, m.heldOut.pz, m.heldOut.d]);
      expect(Number(nums[5].replace(',', ''))).toBe(m.heldOut.inputs);
    }
  });

  it('a file that exists wins over a bundled name; anything else is read as given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-bundled-'));
    copyFileSync(join(ROOT, 'models', 'mnist-k512.safetensors'), join(dir, 'patches-k512.safetensors'));
    const local = join(dir, 'patches-k512.safetensors');
    expect(resolveModelPath(local)).toBe(local);
    expect(loadModel(local).D).toBe(784); // the local file, not the bundled patch model
    expect(resolveModelPath('models/none.safetensors')).toBe('models/none.safetensors');
  });

  it('ipvae infer --model mnist-k512 --data mnist works from an empty directory; ipvae models lists them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-empty-'));
    const r = ipvae(dir, 'infer', '--model', 'mnist-k512', '--data', 'mnist', '--samples', '20', '--steps', '100');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const last = r.out.split('\n').find((l) => /^\s*100\s/.test(l))!;
    expect(Number(last.trim().split(/\s+/)[1])).toBeGreaterThan(0.7); // R^2 at t = 100 on 20 held-out digits
    const j = JSON.parse(ipvae(dir, 'models', '--json').out) as {
      name: string;
      path: string;
      held_out: { r2: number };
    }[];
    expect(j.map((m) => m.name)).toEqual(BUNDLED_MODELS.map((m) => m.name));
    expect(j[0].path).toBe(bundledModelPath(BUNDLED_MODELS[0]));
    expect(ipvae(dir, 'models').out).toMatch(/patches-k512\s+patches\s+256\s+512\s+4312\s+0\.826/);
  });

  it('a name that is neither a file nor a bundled model: one line naming the bundled ones, exit 2', () => {
    const r = ipvae(tmpdir(), 'infer', '--model', 'mnist-k51', '--data', 'mnist', '--samples', '2');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([
      'ipvae: mnist-k51: model file not found or unreadable (expected a .safetensors checkpoint, or a bundled model: patches-k512, mnist-k512)',
    ]);
  });
});
