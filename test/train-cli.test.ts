import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdxImages } from '../src/io/idx.js';
import { encodeSafetensors, parseSafetensors, type OutTensor } from '../src/io/safetensors.js';

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

  it('ends with a held-out evaluation at t = 1000, and a one-line warning when R^2 stays below 0.1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-train-end-'));
    const r = run(
      'train',
      '--data',
      'patches',
      '--out',
      join(dir, 'm.safetensors'),
      '--latents',
      '16',
      '--iterations',
      '3',
      '--recipe',
      'authors',
    );
    expect(r.status, r.stderr).toBe(0);
    const m = r.stdout.match(
      /^held-out: R\^2 (-?[\d.]+), PZ ([\d.]+) at t = 1000 \(100 patches inputs not trained on\)$/m,
    );
    expect(m).not.toBeNull();
    // three iterations of a 16-latent model from the authors' start do not reconstruct
    expect(Number(m![1])).toBeLessThan(0.1);
    const warn = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warn).toEqual([
      `warning: held-out R^2 ${m![1]} is below 0.1: the model has not learned to reconstruct; likely cause: the authors' initialisation needs far more iterations than 3 (--recipe patches trains in minutes)`,
    ]);
    expect(r.stderr).toMatch(/val R2@16, PZ: on 100 held-out inputs at t = 16/);
  });

  it('a recipe fills every option the command line leaves open, and an explicit option wins', () => {
    const opts = (extra: string[]) => {
      const out = join(dir, `recipe-${extra.join('')}.safetensors`);
      const r = run(
        'train',
        '--data',
        `idx:${idx}`,
        '--latents',
        '8',
        '--batch',
        '10',
        '--iterations',
        '1',
        '--quiet',
        '--out',
        out,
        ...extra,
      );
      expect(r.status, r.stderr).toBe(0);
      const meta = parseSafetensors(readFileSync(out), out).metadata;
      return { ...JSON.parse(meta.ipvae_train_state).options, sparse: meta.ipvae_init && JSON.parse(meta.ipvae_init) };
    };
    // idx data: auto picks the MNIST recipe (models/README.md: T 64, lr 1e-5, a sparse start with penalty 0.05)
    const auto = opts(['--sparse-iters', '2']);
    expect(auto).toMatchObject({ tTrain: 64, lr: 1e-5, batch: 10 });
    expect(auto.sparse).toMatchObject({
      kind: 'sparse',
      options: { iters: 2, penalty: 0.05, scale: 0.1, etas: [0.4] },
    });
    // the authors' recipe: T 16, lr 5e-3, their initialisation (no sparse start)
    const authors = opts(['--recipe', 'authors']);
    expect(authors).toMatchObject({ tTrain: 16, lr: 5e-3, init: 'authors' });
    expect(authors.sparse).toBeUndefined();
    // the patches recipe on image data, with --lr and --t-train given
    const mixed = opts(['--recipe', 'patches', '--sparse-iters', '2', '--lr', '3e-4', '--t-train', '5']);
    expect(mixed).toMatchObject({ tTrain: 5, lr: 3e-4 });
    expect(mixed.sparse.options).toMatchObject({ penalty: 0.5, scale: 0.2, u0: 0, etas: [0.1, 0.2, 0.4] });
    const bad = run('train', '--data', `idx:${idx}`, '--out', join(dir, 'x.safetensors'), '--recipe', 'fast');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([
      'ipvae: --recipe: "fast" is not one of auto, patches, mnist, authors',
    ]);
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

  it('--resume on a damaged checkpoint or log: one line naming the file and the field, exit 2 (issue 11, class 3)', () => {
    const good = join(dir, 'good.safetensors');
    expect(run(...base, '--iterations', '8', '--out', good).status).toBe(0);
    const f = parseSafetensors(readFileSync(good), good);
    const state = JSON.parse(f.metadata.ipvae_train_state);
    /** The checkpoint rebuilt with edited tensors and training state. */
    const write = (name: string, edit: (t: Map<string, OutTensor>, st: Record<string, unknown>) => string | void) => {
      const t = new Map<string, OutTensor>(
        [...f.tensors].map(([k, v]) => [k, { dtype: v.dtype === 'F64' ? 'F64' : 'F32', shape: v.shape, data: v.data }]),
      );
      const st = structuredClone(state);
      const text = edit(t, st) ?? JSON.stringify(st);
      const file = join(dir, `${name}.safetensors`);
      writeFileSync(file, encodeSafetensors([...t], { ...f.metadata, ipvae_train_state: text }));
      return file;
    };
    const m0 = 'ipvae.adamax.m.phi';
    const cases: [string, string, RegExp][] = [
      [write('unparsed', () => '{"iteration": 8,'), 'unparsed', /training state \(ipvae_train_state\) is not JSON/],
      [
        write('no-options', (_t, st) => void delete st.options),
        'no-options',
        /training state options must be an object/,
      ],
      [write('no-tensor', (t) => void t.delete(m0)), 'no-tensor', /tensor ipvae\.adamax\.m\.phi is missing/],
      [
        write(
          'long-tensor',
          (t) =>
            void t.set(m0, {
              ...t.get(m0)!,
              shape: [t.get(m0)!.data.length + 1],
              data: [...Array.from(t.get(m0)!.data), 0],
            }),
        ),
        'long-tensor',
        /ipvae\.adamax\.m\.phi has \d+ values, expected \d+/,
      ],
      [
        write('short-tensor', (t) => void t.set(m0, { ...t.get(m0)!, shape: [1], data: [0] })),
        'short-tensor',
        /ipvae\.adamax\.m\.phi has 1 values, expected \d+/,
      ],
      [
        write('iteration', (_t, st) => void (st.iteration = -(2 ** 31))),
        'iteration',
        /training state iteration = -2147483648, expected an integer/,
      ],
    ];
    for (const [file, name, msg] of cases) {
      const r = run(...base, '--iterations', '8', '--out', file, '--resume');
      expect(r.status, name).toBe(2);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toContain(file);
      expect(r.stderr, name).toMatch(msg);
    }
    // a log that is not an array
    const withLog = write('withlog', () => undefined);
    writeFileSync(withLog.replace(/\.safetensors$/, '.log.json'), '{"not": "an array"}');
    const r = run(...base, '--iterations', '8', '--out', withLog, '--resume');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/withlog\.log\.json: a training log must be a JSON array/);
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
