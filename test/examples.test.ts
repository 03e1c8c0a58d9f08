/** The library examples run from any directory and write only where told (issue 15). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDeployment } from '../src/hardware/deploy.js';

const EX = join(__dirname, '..', 'dist', 'examples');
const run = (cwd: string, file: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(EX, file), ...args], {
    cwd,
    encoding: 'utf8',
    // the test cache by its absolute path (vitest.config's is relative to the working directory)
    env: { ...process.env, IPVAE_CACHE: join(__dirname, '..', '.cache', 'test') },
  });

describe('examples', () => {
  it('infer-api and integer-api run from an empty directory (the bundled model by name) and write nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-ex-'));
    const a = run(dir, 'infer-api.js');
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/t=1000\tR2=0\.8\d\d\tPZ=0\.8\d\d/);
    const b = run(dir, 'integer-api.js');
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/integer R2 0\.8\d\d PZ 0\.8\d\d/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('map-api writes its rates and deployment file only into the folder it is given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-ex-'));
    const a = run(dir, 'map-api.js', 'loihi1');
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/traffic: \d+ cores, .* 0 violations/);
    expect(readdirSync(dir)).toEqual([]);
    const out = join(dir, 'out');
    mkdirSync(out);
    const b = run(dir, 'map-api.js', 'loihi1', out);
    expect(b.status, b.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['patches.pb', 'patches.rates.json']);
    expect(readdirSync(dir)).toEqual(['out']);
    const d = decodeDeployment(readFileSync(join(out, 'patches.pb')), 'patches.pb');
    expect(b.stdout).toContain(`${d.cores.length} cores, ${d.routes.length} routes`);
  });
});
