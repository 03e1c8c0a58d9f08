import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusteredNetwork } from '../src/net/random.js';
import { toJson } from '../src/net/json.js';
import { encodeIdxImages } from '../src/io/idx.js';
import { encodeDeployment, type Deployment } from '../src/hardware/deploy.js';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'ipvae.js');
const env = { ...process.env, IPVAE_CACHE: join(ROOT, '.cache', 'test') };
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8', env });

describe('ipvae map / inspect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvae-map-'));
  const netFile = join(dir, 'clustered.json');
  writeFileSync(netFile, toJson(clusteredNetwork({ neurons: 600, clusters: 6, fanIn: 12, pWithin: 0.9, seed: 4 })));
  const ipvae = join(dir, 'ipvae.json');
  const pb = join(dir, 'd.pb');

  it('map --json: cores and totals; the deployment file is byte-identical on a second run', () => {
    const r = run('map', '--net', netFile, '--profile', 'generic', '--out', pb, '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j.totals)).toEqual(
      expect.arrayContaining(['cores', 'chips', 'inter_core_spikes_per_step', 'hop_weighted_traffic']),
    );
    expect(j.cores).toHaveLength(j.totals.cores);
    expect(j.cores.reduce((a: number, c: { neurons: number }) => a + c.neurons, 0)).toBe(600);
    expect(j.cores.reduce((a: number, c: { synapses: number }) => a + c.synapses, 0)).toBe(600 * 12);
    const first = readFileSync(pb);
    expect(run('map', '--net', netFile, '--profile', 'generic', '--out', pb, '--json').status).toBe(0);
    expect(readFileSync(pb).equals(first)).toBe(true);
    // The table form names the profile, the strategy and the totals.
    const t = run('map', '--net', netFile, '--profile', 'generic', '--strategy', 'fill');
    expect(t.status, t.stderr).toBe(0);
    // the headline says which limits it could not check (the generic profile states no synapses per core)
    expect(t.stdout).toMatch(/generic, fill: 1 core on 1 chip \(synapses unchecked: the profile does not state them\)/);
  });

  it('profiles lists the bundled chips, marking secondary (*), assumed (?) and unpublished (-) numbers', () => {
    const r = run('profiles');
    expect(r.status, r.stderr).toBe(0);
    const row = (name: string) =>
      r.stdout
        .split('\n')
        .find((l) => l.trim().startsWith(name))!
        .trim()
        .split(/\s+/);
    expect(row('loihi1').slice(0, 6)).toEqual(['loihi1', '128', '8x4', '1,024', '131,072', '4,096']);
    expect(row('loihi2').slice(0, 5)).toEqual(['loihi2', '128*', '-', '8,192*', '-']);
    expect(row('truenorth')[3]).toBe('256');
    expect(row('generic')[1]).toBe('64?');
    const j = JSON.parse(run('profiles', '--json').stdout);
    expect(j.map((p: { name: string }) => p.name)).toEqual(['loihi1', 'loihi2', 'truenorth', 'spinnaker2', 'generic']);
  });

  it('inspect pretty-prints the file; --json renders every field', () => {
    const r = run('inspect', pb);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ipvae\.deploy v1/);
    expect(r.stdout).toMatch(/profile generic, strategy traffic/);
    const j = JSON.parse(run('inspect', pb, '--json').stdout);
    expect(j.format).toBe('ipvae.deploy');
    expect(j.cores[0].synapses[0].projection).toBe('rec');
  });

  it('map, inspect and profiles explain every column; map and inspect show memory, fan-in and fan-out alike', () => {
    // Every header of a table is explained as "header:" in the lines printed under it and in --help.
    const headers = (out: string, first: string): string[] =>
      out
        .split('\n')
        .find((l) => l.trim().startsWith(first))!
        .trim()
        .split(/\s{2,}/);
    const explained = (text: string, h: string) => text.includes(`${h}:`) || text.includes(`${h}, `);
    const m = run('map', '--net', netFile, '--profile', 'loihi1');
    const i = run('inspect', pb);
    const p = run('profiles');
    for (const [out, first, cmd] of [
      [m.stdout, 'core', 'map'],
      [i.stdout, 'core', 'inspect'],
      [i.stdout, 'route', 'inspect'],
      [p.stdout, 'profile', 'profiles'],
    ] as const) {
      const help = run(cmd, '--help').stdout;
      for (const h of headers(out, first).filter((x) => x !== 'profile'))
        for (const [where, text] of [
          ['output', out],
          ['--help', help],
        ])
          expect(explained(text, h), `${cmd} ${where}: ${h}`).toBe(true);
    }
    // loihi1 states 4,096 input axons and 131,072 B per core: the share is the count over the limit.
    const j = JSON.parse(run('map', '--net', netFile, '--profile', 'loihi1', '--json').stdout);
    const c0 = j.cores[0];
    const row0 = m.stdout.split('\n').find((l) => /^\s*0\s/.test(l))!;
    expect(row0).toContain(`${c0.fan_in.toLocaleString('en-US')} (${((100 * c0.fan_in) / 4096).toFixed(1)}%)`);
    expect(row0).toContain(
      `${c0.memory_bytes.toLocaleString('en-US')} (${((100 * c0.memory_bytes) / 131072).toFixed(1)}%)`,
    );
    // inspect on a generic mapping: the same count (share) form as map on generic, core by core
    const g = run('map', '--net', netFile, '--profile', 'generic', '--rows', 'all');
    const cells = (out: string, n: number) =>
      out
        .split('\n')
        .filter((l) => /^\s*\d+\s+\d+\s+\d+,\d+/.test(l))
        .slice(0, n)
        .map((l) => (l.match(/[\d,]+ \(\d+\.\d%\)/g) ?? []).join(' | '));
    const gj = JSON.parse(run('map', '--net', netFile, '--profile', 'generic', '--json').stdout);
    const inspected = cells(run('inspect', pb, '--rows', 'all').stdout, gj.totals.cores);
    expect(inspected).toEqual(cells(g.stdout, gj.totals.cores));
    expect(inspected[0].split(' | ')).toHaveLength(3); // generic states memory, fan-in and fan-out
  });

  it('another protobuf implementation (protoc + Python) decodes the same content', () => {
    const py = join(dir, 'py');
    mkdirSync(py, { recursive: true });
    const protoc = spawnSync(
      'protoc',
      [
        '--proto_path',
        join(ROOT, 'proto'),
        '--python_out',
        py,
        join(ROOT, 'proto', 'ipvae', 'deploy', 'v1', 'deploy.proto'),
      ],
      { encoding: 'utf8' },
    );
    expect(protoc.status, `protoc (Debian: protobuf-compiler): ${protoc.error ?? protoc.stderr}`).toBe(0);
    const script = [
      'import sys, json',
      `sys.path.insert(0, ${JSON.stringify(py)})`,
      'from ipvae.deploy.v1 import deploy_pb2',
      'from google.protobuf.json_format import MessageToDict',
      'd = deploy_pb2.Deployment()',
      'd.ParseFromString(open(sys.argv[1], "rb").read())',
      'try: out = MessageToDict(d, preserving_proto_field_name=True, including_default_value_fields=True)',
      'except TypeError: out = MessageToDict(d, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)',
      'print(json.dumps(out))',
    ].join('\n');
    const p = spawnSync('python3', ['-c', script, pb], {
      encoding: 'utf8',
      env: { ...process.env, PYENV_VERSION: 'system' },
      maxBuffer: 1 << 28,
    });
    expect(p.status, `python3 with google.protobuf (Debian: python3-protobuf): ${p.error ?? p.stderr}`).toBe(0);
    expect(JSON.parse(p.stdout)).toEqual(JSON.parse(run('inspect', pb, '--json').stdout));
  });

  it('a corrupted, truncated or foreign file given to inspect: one line, exit 2', () => {
    const bytes = readFileSync(pb);
    const bad: [string, Uint8Array][] = [
      ['trunc.pb', bytes.subarray(0, bytes.length - 40)],
      ['flip.pb', Uint8Array.from(bytes, (b, i) => (i === 50 ? b ^ 0x80 : b))],
      ['empty.pb', new Uint8Array(0)],
      ['net.pb', readFileSync(netFile)],
    ];
    for (const [name, b] of bad) {
      const f = join(dir, name);
      writeFileSync(f, b);
      const r = run('inspect', f);
      expect(r.status, name).toBe(2);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr).toContain(f);
      expect(r.stdout).toBe('');
    }
    // A well-formed file (checksum and all) that lacks a required part.
    const partial = join(dir, 'partial.pb');
    writeFileSync(partial, encodeDeployment({ format: 'ipvae.deploy', schemaVersion: 1 } as Deployment));
    const p = run('inspect', partial);
    expect(p.status).toBe(2);
    expect(p.stderr.trim()).toMatch(/partial\.pb: not a valid ipvae deployment file \(provenance is missing\)/);
    const missing = run('inspect', join(dir, 'nope.pb'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
  });

  it('bad input to map: one line naming what is wrong, exit 2, nothing written', () => {
    const sur = join(dir, 'surrogate.json');
    writeFileSync(
      sur,
      readFileSync(netFile, 'utf8')
        .replace('"name":"lif"', '"name":"bad\\ud800name"')
        .replace(/"(source|target)":"lif"/g, '"$1":"bad\\ud800name"'),
    );
    const a = run('map', '--net', sur, '--out', join(dir, 'sur.pb'));
    expect(a.status).toBe(2);
    expect(a.stderr.trim()).toMatch(/surrogate\.json: populations\[0\]\.name has a lone UTF-16 surrogate/);
    expect(existsSync(join(dir, 'sur.pb'))).toBe(false);
    const b = run('map', '--net', netFile, '--profile', 'generic', '--out', dir);
    expect(b.status).toBe(2);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toMatch(/cannot write the file \(it is a directory\)/);
    const noNeurons = join(dir, 'noneurons.json');
    writeFileSync(
      noNeurons,
      JSON.stringify({
        format: 'ipvae.profile',
        version: 1,
        name: 'nn',
        chip: { cores_per_chip: { value: 4, source: 't', confidence: 'assumption' } },
      }),
    );
    const c = run('map', '--net', netFile, '--profile', noNeurons);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/core\.neurons is missing/);
  });

  it('an unfit network fails naming each constraint and its numbers; no file is left behind', () => {
    const m = join(ROOT, 'models', 'patches-k512.safetensors');
    expect(run('quantize', '--model', m, '--out', ipvae).status).toBe(0);
    const out = join(dir, 'tn.pb');
    const r = run('map', '--net', ipvae, '--profile', 'truenorth', '--out', out);
    expect(r.status).toBe(2);
    // one line on stderr naming the file and the broken constraints; the list with its numbers on stdout
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^ipvae: .*ipvae\.json: ipvae does not fit truenorth \(\d+ violated constraints: .*core\.fan_in_axons/,
    );
    expect(r.stdout).toMatch(/core\.fan_in_axons .*population z: .*max \d+ > 256 on truenorth, over by \d+/);
    expect(r.stdout).toMatch(/precision\.weight_levels .*population z: .* more than 4 distinct weights/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.tmp`)).toBe(false);
  });

  it('simulate --rates-out feeds map --rates; a rates file of the wrong shape is refused naming the field', () => {
    const idx = join(dir, 'd.idx');
    writeFileSync(
      idx,
      encodeIdxImages(
        4,
        16,
        16,
        Uint8Array.from({ length: 4 * 256 }, (_, i) => (i * 37 + (i >> 4) * 11) & 255),
      ),
    );
    const rates = join(dir, 'rates.json');
    const s = run(
      'simulate',
      '--net',
      ipvae,
      '--data',
      `idx:${idx}`,
      '--samples',
      '2',
      '--steps',
      '10',
      '--workers',
      '1',
      '--rates-out',
      rates,
      '--json',
    );
    expect(s.status, s.stderr).toBe(0);
    const rj = JSON.parse(readFileSync(rates, 'utf8'));
    expect(rj.rates.z.spikes).toHaveLength(512);
    expect(rj.rates.xhat.events).toHaveLength(256);
    // Total spikes per emission from the rates = the simulator's spike counter / (samples x (steps + 1)).
    const counters = JSON.parse(s.stdout).counters;
    const sum = [...rj.rates.z.spikes, ...rj.rates.xhat.spikes].reduce((a: number, b: number) => a + b, 0);
    expect(sum).toBeCloseTo(counters.spikes / 22, 2);
    const a = JSON.parse(
      run('map', '--net', ipvae, '--profile', 'loihi1', '--rates', rates, '--strategy', 'fill', '--json').stdout,
    );
    const u = JSON.parse(run('map', '--net', ipvae, '--profile', 'loihi1', '--strategy', 'fill', '--json').stdout);
    expect(a.rate_source).toMatch(/^rates\.json \(sha256 [0-9a-f]{16}; spikes per step\)$/);
    expect(a.totals.cores).toBe(u.totals.cores);
    // Dense recurrent weights: every z spike reaches every other core, so traffic = rate sum x (cores - 1) for z.
    const zSum = rj.rates.z.spikes.reduce((x: number, y: number) => x + y, 0);
    expect(a.totals.inter_core_spikes_per_step).toBeLessThanOrEqual(zSum * (a.totals.cores - 1) + 1e-6);
    const badRates = join(dir, 'bad-rates.json');
    writeFileSync(badRates, JSON.stringify({ rates: { z: [1, 2, 3] } }));
    const b = run('map', '--net', ipvae, '--rates', badRates);
    expect(b.status).toBe(2);
    expect(b.stderr.trim()).toMatch(/bad-rates\.json: rates\.z: 3 values, expected 512/);
  });
});
