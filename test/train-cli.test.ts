import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdxImages } from '../src/io/idx.js';
import { parseSafetensors } from '../src/io/safetensors.js';

const BIN = join(__dirname, '..', 'bin', 'ipvae.js');
const env = { ...process.env, IPVAE_CACHE: join(__dirname, '..', '.cache', 'test') };
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8', env });

describe('ipvae train', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-train-'));
  const idx = join(dir, 'd.idx');
  writeFileSync(
    idx,
    encodeIdxImages(
      40,
      4,
      4,
      Uint8Array.from({ length: 640 }, (_, i) => (i * 37 + (i >> 4) * 11) & 255),
    ),
  );
  const base = [
    'train',
    '--data',
    `idx:${idx}`,
    '--latents',
    '8',
    '--t-train',
    '3',
    '--batch',
    '10',
    '--beta',
    '1',
    '--init',
    'data',
    '--eval-every',
    '4',
    '--quiet',
  ];

  it('writes a checkpoint and a learning-curve log; resuming an interrupted run gives the same bytes', () => {
    const full = join(dir, 'full.safetensors');
    expect(run(...base, '--iterations', '300', '--out', full).status).toBe(0);
    const log = JSON.parse(readFileSync(join(dir, 'full.log.json'), 'utf8'));
    expect(log.length).toBe(300);
    expect(typeof log[3].val_r2).toBe('number');
    const st = JSON.parse(parseSafetensors(readFileSync(full), full).metadata.ipvae_train_state);
    expect(st.iteration).toBe(300);
    // interrupted after 117 iterations (as Ctrl-C would), then resumed
    const part = join(dir, 'part.safetensors');
    const r1 = run(...base, '--iterations', '300', '--out', part, '--stop-after', '117');
    expect(r1.status).toBe(130);
    expect(JSON.parse(parseSafetensors(readFileSync(part), part).metadata.ipvae_train_state).iteration).toBe(117);
    const r2 = run(...base, '--iterations', '300', '--out', part, '--resume');
    expect(r2.status).toBe(0);
    expect(readFileSync(part).equals(readFileSync(full))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'part.log.json'), 'utf8')).length).toBe(300);
  });

  it('Ctrl-C (SIGINT) saves a checkpoint and exits with 130', async () => {
    const ck = join(dir, 'sig.safetensors');
    const child = spawn(
      process.execPath,
      [BIN, ...base, '--iterations', '10000000', '--out', ck, '--checkpoint-every', '0'],
      { env },
    );
    const code = await new Promise<number | null>((resolve) => {
      const t = setInterval(() => {
        if (existsSync(ck)) {
          clearInterval(t);
          child.kill('SIGINT');
        }
      }, 20);
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000); // never leave a runaway trainer behind
      child.on('exit', (c) => {
        clearInterval(t);
        clearTimeout(guard);
        resolve(c);
      });
    });
    expect(code).toBe(130);
    const it = JSON.parse(parseSafetensors(readFileSync(ck), ck).metadata.ipvae_train_state).iteration;
    expect(it).toBeGreaterThan(0);
    expect(it).toBeLessThan(10000000);
  });

  it('a checkpoint of another K or an unknown file: one line, exit 2', () => {
    const full = join(dir, 'full.safetensors');
    const r = run(...base.map((a) => (a === '8' ? '9' : a)), '--iterations', '300', '--out', full, '--resume');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').length).toBe(1);
    expect(r.stderr).toMatch(/K=8 but the run has D=16, K=9/);
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'junk');
    expect(run(...base, '--out', junk, '--resume').status).toBe(2);
  });

  it('--init sparse: sparse coding then BPTT; its options are kept in the checkpoint, also across --resume', () => {
    const sp = [
      '--init',
      'sparse',
      '--sparse-iters',
      '5',
      '--sparse-etas',
      '0.1,0.2',
      '--sparse-u0',
      '-1',
      '--iterations',
      '6',
    ];
    const ck = join(dir, 'sparse.safetensors');
    const args = [...base.filter((a, i) => a !== '--init' && base[i - 1] !== '--init'), ...sp, '--out', ck];
    expect(run(...args, '--stop-after', '3').status).toBe(130);
    expect(run(...args, '--resume').status).toBe(0);
    const meta = parseSafetensors(readFileSync(ck), ck).metadata;
    const init = JSON.parse(meta.ipvae_init);
    expect(init.kind).toBe('sparse');
    expect(init.options.iters).toBe(5);
    expect(init.options.u0).toBe(-1);
    expect(init.calibration.map((c: { eta: number }) => c.eta)).toEqual([0.1, 0.2]);
    expect(JSON.parse(meta.ipvae_train_state).iteration).toBe(6);
    const both = run(...args, '--init-from', ck);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--init sparse and --init-from exclude each other/);
    expect(run(...args.map((a) => (a === '0.1,0.2' ? '0.1,x' : a))).stderr).toMatch(/--sparse-etas\[1\]/);
  });
});
