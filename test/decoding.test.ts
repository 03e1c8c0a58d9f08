/**
 * docs/decoding.md runs: every snippet it marks with `<!-- decoding-test: NAME -->` is taken from the page as
 * written (files saved under NAME, build and run blocks run with bash) in a temporary directory, against a
 * deployment file `ipvae map` writes. The Python (protoc + python3-protobuf) and C++ (protoc + libprotobuf +
 * OpenSSL) readers must print exactly what ipvae's own decoder reads from the file, the TypeScript and shell
 * checks the same digest, and every reader must refuse the file with one byte flipped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomDrivenNetwork } from '../src/net/random.js';
import { toJson } from '../src/net/json.js';
import { decodeDeployment } from '../src/hardware/deploy.js';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'ipvae.js');
const DOC = join(ROOT, 'docs', 'decoding.md');

/** The marked fenced blocks of the page: name -> text (the block's lines, without the fences). */
function markedBlocks(md: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of md.matchAll(/<!-- decoding-test: (\S+) -->\n```[\w-]*\n([\s\S]*?)\n```\n/g)) {
    if (out.has(m[1])) throw new Error(`docs/decoding.md: two blocks named ${m[1]}`);
    out.set(m[1], m[2] + '\n');
  }
  return out;
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}
/** A script run with bash -e in `cwd` (pyenv's python3 is Debian's), without blocking the other runs. */
function sh(script: string, cwd: string): Promise<Ran> {
  return new Promise((done) => {
    const p = spawn('bash', ['-e', '-c', script], { cwd, env: { ...process.env, PYENV_VERSION: 'system' } });
    let stdout = '',
      stderr = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    p.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    p.on('error', (error) => done({ status: null, stdout, stderr, error }));
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
}

describe('docs/decoding.md: its Python, C++, TypeScript and shell readers of the deployment file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-decoding-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const blocks = markedBlocks(readFileSync(DOC, 'utf8'));
  const block = (name: string): string => {
    const b = blocks.get(name);
    if (b === undefined) throw new Error(`docs/decoding.md has no block marked <!-- decoding-test: ${name} -->`);
    return b;
  };

  // The working directory as the page describes it: the schema in proto/, the snippets' files, deploy.pb.
  cpSync(join(ROOT, 'proto'), join(dir, 'proto'), { recursive: true });
  for (const [name, text] of blocks) if (name.includes('.')) writeFileSync(join(dir, name), text);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'ipvae'), 'dir'); // import ... from 'ipvae' as after npm install

  // A network with host inputs over several cores, and rates that make the doubles non-integers.
  const { net } = randomDrivenNetwork({
    inputs: 64,
    neurons: 600,
    fanInInput: 8,
    fanInRecurrent: 12,
    steps: 1,
    pSpike: 0.1,
    vth: 50,
    seed: 3,
  });
  const netFile = join(dir, 'net.json'),
    ratesFile = join(dir, 'rates.json'),
    pb = join(dir, 'deploy.pb');
  writeFileSync(netFile, toJson(net));
  const rate = (i: number) => 0.01 + ((i * 7919) % 1000) / 3333;
  writeFileSync(
    ratesFile,
    JSON.stringify({
      format: 'ipvae.rates',
      version: 1,
      rates: {
        in: Array.from({ length: 64 }, (_, i) => rate(i + 600)),
        if: Array.from({ length: 600 }, (_, i) => rate(i)),
      },
    }),
  );
  const mapped = spawnSync(
    process.execPath,
    [
      BIN,
      'map',
      '--net',
      netFile,
      '--profile',
      'loihi1',
      '--rates',
      ratesFile,
      '--max-neurons-per-core',
      '128',
      '--out',
      pb,
    ],
    { encoding: 'utf8' },
  );
  const bytes = mapped.status === 0 ? readFileSync(pb) : new Uint8Array(0);

  const built = new Map<string, Promise<Ran>>();
  /** Runs a build block once (the C++ compile takes seconds) and asserts it worked. */
  const build = async (name: string) => {
    if (!built.has(name)) built.set(name, sh(block(name), dir));
    const r = await built.get(name)!;
    expect(r.status, `${name} (${r.error ?? ''}): ${r.stderr}`).toBe(0);
  };
  /** A run block on `file` in place of deploy.pb. */
  const runOn = (name: string, file = 'deploy.pb') => sh(block(name).replaceAll('deploy.pb', file), dir);
  // The compile starts now and runs while the Python reader is tested (once the file is written).
  if (mapped.status === 0) void build('cpp-build').catch(() => {});

  /** What ipvae's own decoder reads from the file, as the Python and C++ readers print it (token by token). */
  const expected = (): (string | number)[][] => {
    const d = decodeDeployment(bytes, pb);
    const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return [
      ['sha256', Buffer.from(d.checksum, 'base64').toString('hex')],
      ['network', d.provenance.networkName],
      ['profile', d.profile.name],
      ['cores', d.cores.length],
      ['routes', d.routes.length],
      ...d.cores.map((c) => [
        'core',
        c.index,
        'chip',
        c.chip,
        'x',
        c.x,
        'y',
        c.y,
        'neurons',
        c.neuronCount,
        'synapses',
        c.synapseCount,
        'spikes_out_per_step',
        c.spikesOutPerStep,
      ]),
      ...Object.entries(d.totals).map(([k, v]) => [`totals.${snake(k)}`, v]),
    ];
  };
  /** The printed lines, numbers parsed where the expectation has a number (%.17g gives the double back exactly). */
  const parsed = (stdout: string, like: (string | number)[][]) =>
    stdout
      .trimEnd()
      .split('\n')
      .map((line, i) =>
        line.split(' ').map((tok, j) => (typeof like[i]?.[j] === 'number' && /^-?[0-9]/.test(tok) ? Number(tok) : tok)),
      );

  it('the page marks the blocks this test runs; the file has several cores, host routes, fractional rates', () => {
    expect([...blocks.keys()].sort()).toEqual(
      ['by-eye', 'check_sum.sh', 'cpp-build', 'cpp-run', 'python-build', 'python-run', 'read_deploy.cc']
        .concat(['read_deploy.mjs', 'read_deploy.py', 'sh-run', 'ts-run'])
        .sort(),
    );
    expect(mapped.status, mapped.stderr).toBe(0);
    const d = decodeDeployment(bytes, pb);
    expect(d.cores.length).toBeGreaterThan(2);
    expect(d.routes.some((r) => r.src === -1)).toBe(true);
    expect(Number.isInteger(d.totals.interCoreSpikesPerStep)).toBe(false);
    expect(Number.isInteger(d.totals.hostSpikesPerStep)).toBe(false);
    // The layout the page describes: 7a 20 and the SHA-256 of the body as the last 34 bytes.
    expect([bytes[bytes.length - 34], bytes[bytes.length - 33]]).toEqual([0x7a, 0x20]);
  });

  it('Python (protoc --python_out, hashlib) prints what ipvae decodes', async () => {
    await build('python-build');
    const r = await runOn('python-run');
    expect(r.status, `python3 with google.protobuf (Debian: python3-protobuf): ${r.stderr}`).toBe(0);
    expect(r.stderr).toBe('');
    const want = expected();
    expect(parsed(r.stdout, want)).toEqual(want);
  });

  it('C++ (protoc --cpp_out, libprotobuf, OpenSSL EVP) prints what ipvae decodes, the same bytes as Python', async () => {
    await build('cpp-build');
    const r = await runOn('cpp-run');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const want = expected();
    expect(parsed(r.stdout, want)).toEqual(want);
    await build('python-build');
    expect(r.stdout).toBe((await runOn('python-run')).stdout);
  });

  it('TypeScript (readDeployment from ipvae) and coreutils show the same digest', async () => {
    const d = decodeDeployment(bytes, pb);
    const hex = Buffer.from(d.checksum, 'base64').toString('hex');
    const ts = await runOn('ts-run');
    expect(ts.status, ts.stderr).toBe(0);
    const lines = ts.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([`sha256 ${hex}`, `profile ${d.profile.name}`, `cores ${d.cores.length}`]);
    expect(JSON.parse(lines[3].replace(/^totals /, ''))).toEqual(d.totals);
    const script = await runOn('sh-run');
    expect(script.status, script.stderr).toBe(0);
    expect(script.stdout).toBe(`sha256 ${hex}\n`);
    const eye = await runOn('by-eye');
    expect(eye.status, eye.stderr).toBe(0);
    expect(eye.stdout).toBe(`${hex}  -\n${hex}\n`);
  });

  it('every reader refuses the file with one flipped byte: exit status nonzero, one line naming the file', async () => {
    await build('python-build');
    await build('cpp-build');
    const n = bytes.length;
    const check = async (at: number, mask: number) => {
      const name = `flipped-${at}-${mask}.pb`;
      writeFileSync(
        join(dir, name),
        Uint8Array.from(bytes, (b, i) => (i === at ? b ^ mask : b)),
      );
      const readers = ['python-run', 'cpp-run', 'ts-run', 'sh-run'];
      const runs = await Promise.all(readers.map((reader) => runOn(reader, name)));
      runs.forEach((r, k) => {
        const what = `${readers[k]}, byte ${at} ^ ${mask}`;
        expect(r.status, what).not.toBe(0);
        expect(r.status, what).not.toBeNull();
        expect(r.stdout, what).toBe('');
        expect(r.stderr.trimEnd().split('\n'), `${what}: ${r.stderr}`).toHaveLength(1);
        expect(r.stderr, what).toMatch(
          new RegExp(`${name.replace('.', '\\.')}: .*(checksum mismatch|no checksum at the end)`),
        );
      });
    };
    // A byte of the body (the first, the middle), the tag of field 15, the digest's last byte; one bit, the top
    // bit, all bits. All at once: each run is mostly a process start.
    const cases: [number, number][] = [
      [0, 0x01],
      [n >> 1, 0x80],
      [n - 34, 0x01],
      [n - 1, 0xff],
    ];
    await Promise.all(cases.map(([at, mask]) => check(at, mask)));
  });
});
