/**
 * The rates file, the chip profile and the drive file as documents (docs/formats/{rates,profile,drive}.md):
 * each JSON Schema is what its generator writes, accepts every file ipvae writes or ships, and agrees with the
 * loader. A second validator (Ajv, draft 2020-12, strict) is the independent judge: on random mutations of valid
 * files (a value replaced, a field deleted, renamed or added, an element removed), a file the schema rejects is
 * refused by the loader naming exactly one of the fields the schema's errors point at, and a file the schema
 * accepts either loads or is refused for one of the rules the page lists beyond the schema.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { parseProfile, PROFILE_FIELDS, profileNumber } from '../src/hardware/profile.js';
import { limitsOf } from '../src/hardware/check.js';
import { mapNetwork } from '../src/hardware/mapper.js';
import { PRICE_EVENTS } from '../src/energy/prices.js';
import { fromJson } from '../src/net/json.js';
import { profileSchema } from '../src/hardware/profile-schema.js';
import { RATES_KEYS, readRates, writeRates } from '../src/sim/rates.js';
import { ratesSchema } from '../src/sim/rates-schema.js';
import { parseDriveFile } from '../src/sim/drive-file.js';
import { driveSchema } from '../src/sim/drive-schema.js';
import { probeResult, runPart } from '../src/sim/run.js';
import { randomDrivenNetwork } from '../src/net/random.js';
import { fromIpVae } from '../src/frontends/ipvae.js';
import type { Network } from '../src/net/network.js';
import { UserError } from '../src/errors.js';
import { randomModel, type Json } from './helpers.js';
import { errorFields } from './schema-fields.js';

const ROOT = join(__dirname, '..');
const FORMATS = join(ROOT, 'docs', 'formats');
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const FILE = 'f.json';
/** One compiled validator per schema (Ajv keeps each $id once). */
const VALIDATE: Record<string, ValidateFunction> = {
  profile: ajv.compile(profileSchema()),
  rates: ajv.compile(ratesSchema()),
  drive: ajv.compile(driveSchema()),
};

/** Every field the schema's errors point at (a missing or unknown property by its own path). */
const schemaFields = (v: ValidateFunction): string[] => errorFields(v.errors).map((f) => f.path);

/**
 * The field a loader's message names: "f.json: rates.a.spikes[2] is not ..." -> rates.a.spikes[2];
 * "f.json: rates.z: 3 values ..." -> rates.z; the whole file ("the file must be", "expected ...") -> ''.
 */
function loaderField(msg: string): string {
  expect(msg.startsWith(`${FILE}: `), msg).toBe(true);
  const token = msg.slice(FILE.length + 2).split(' ')[0];
  return token === 'the' || token === 'expected' ? '' : token.replace(/:$/, '');
}

type Outcome = { ok: true } | { ok: false; msg: string };
const attempt = (f: () => void): Outcome => {
  try {
    f();
    return { ok: true };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { ok: false, msg: e.message };
  }
};

/** Every node of a parsed JSON value as [parent, key] (the root as [null, '']), depth first. */
function nodes(v: Json): [Json, string | number][] {
  const out: [Json, string | number][] = [[null, '']];
  const walk = (x: Json) => {
    if (x === null || typeof x !== 'object') return;
    for (const k of Array.isArray(x) ? x.keys() : Object.keys(x)) {
      out.push([x, k]);
      walk(x[k]);
    }
  };
  walk(v);
  return out;
}

/**
 * A copy of v with one mutation at node `at` (of all its nodes, so deep fields are as likely as shallow ones):
 * kind 0 deletes the field (or removes the element), 1 adds a field `extra1` (or appends an element) to the
 * node, 2 renames the field (a misspelling), 3 .. 5 replace the value.
 */
function mutate(v: Json, at: number, kind: number, wrong: unknown): Json {
  const root = structuredClone(v);
  const all = nodes(root);
  const [parent, key] = all[at % all.length];
  const node = parent === null ? root : parent[key];
  const isObject = (x: Json) => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (parent === null || kind === 1) {
    if (isObject(node)) node[`extra${kind}`] = wrong;
    else if (Array.isArray(node)) node.push(wrong);
    else parent[key] = wrong;
  } else if (kind === 0) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (kind === 2 && isObject(parent)) {
    parent[`${key}x`] = node;
    delete parent[key];
  } else parent[key] = wrong;
  return root;
}

interface Format {
  name: string;
  schema: () => Record<string, unknown>;
  /** Valid files. */
  bases: Json[];
  /** The loader on a file's text (base index b), throwing a UserError naming the file FILE. */
  load(text: string, b: number): void;
  /** Replacement values for the mutations. */
  wrong: unknown[];
  /** The rules beyond the schema (the page's "What the schema does not check"), as the loader words them. */
  crossField: RegExp[];
  /** The validator for a file (the drive picks its form's branch, so errors name the form's fields). */
  validator?: (f: Json) => ValidateFunction;
  /** How many of each outcome 3,000 mutations must reach at least. */
  least: { rejectedBoth: number; crossField: number; acceptedBoth: number };
}

// ---- the rates file: real runs written by the library, and the hand-written short forms

const driven = randomDrivenNetwork({
  inputs: 5,
  neurons: 6,
  fanInInput: 3,
  fanInRecurrent: 2,
  steps: 12,
  pSpike: 0.5,
  vth: 40,
  seed: 5,
});
const ipvae = fromIpVae(randomModel(4, 3, 0.3, 7)).net;

function measured(net: Network, inputs: Parameters<typeof runPart>[1], steps: number): Json {
  const r = runPart(net, inputs, { steps, seed: 3, engine: 'event', probes: [{ kind: 'rates' }] });
  return JSON.parse(writeRates(probeResult(r, 'rates'), { net: `${net.name}.json`, data: 'test', seed: 3 }));
}
const RATES_NETS: Network[] = [driven.net, ipvae, driven.net, driven.net];
const RATES_BASES: Json[] = [
  measured(driven.net, { drives: { in: driven.drive } }, driven.drive.length),
  measured(ipvae, { data: Float32Array.from({ length: 3 * 4 }, (_, i) => Math.sin(i)), n: 3 }, 6),
  { rates: { if: [0.25, 0, 1.5, 0.75, 0, 2] } },
  { version: 1, rates: { if: { spikes: [0.5, 0, 1, 0, 0, 0.25], events: [0.5, 0, 1, 0, 0, 0.25] } } },
];

// ---- the profiles: every shipped one

const PROFILE_DIR = join(ROOT, 'hardware', 'profiles');
const SHIPPED: Json[] = readdirSync(PROFILE_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(PROFILE_DIR, f), 'utf8')));
const shipped = (name: string) => SHIPPED.find((p) => p.name === name);
const head = (p: Json) => ({ format: p.format, version: p.version, name: p.name });
const loihi1 = shipped('loihi1');
/**
 * The shipped profiles, and parts of loihi1 (valid profiles too) where the cross-field rules live: its ranged
 * prices and barrier, its chip (a mesh of 4-core tiles that must hold cores_per_chip).
 */
const PROFILE_BASES: Json[] = [
  ...SHIPPED,
  {
    ...head(loihi1),
    prices: Object.fromEntries(
      Object.entries(loihi1.prices as Json).filter(([k, v]) => k === 'barrier' || 'energy_range_pj' in (v as Json)),
    ),
  },
  { ...head(loihi1), chip: loihi1.chip },
];

// ---- the drive files: the driven network's input spikes, with and without currents into its neurons

const DRIVE_BASES: Json[] = [
  driven.drive,
  { in: driven.drive.slice(0, 4) },
  {
    in: driven.drive.slice(0, 3),
    if: [
      [0, 5, -3, 0, 100, 1],
      [2, 0, 0, 0, 0, -7],
      [0, 0, 1, 1, 0, 0],
    ],
  },
];
const driveNames = driven.net.populations.map((p) => p.name);
/** The drive loaded as simulate --drive does: read, then run (which checks widths and spikes). */
function loadDrive(text: string): void {
  const drives = parseDriveFile(text, FILE, { fallback: () => 'in', names: driveNames });
  runPart(driven.net, { drives }, { steps: Object.values(drives)[0].length, seed: 0, engine: 'event' });
}
const driveArray = ajv.compile((driveSchema().oneOf as Json[])[0]);
const driveObject = ajv.compile((driveSchema().oneOf as Json[])[1]);

const FORMATS_UNDER_TEST: Format[] = [
  {
    name: 'rates',
    schema: ratesSchema,
    bases: RATES_BASES,
    load: (text, b) => {
      // both kinds check the whole file: one verdict, whichever chip reads it
      const s = attempt(() => readRates(text, FILE, RATES_NETS[b], 'spikes'));
      const e = attempt(() => readRates(text, FILE, RATES_NETS[b], 'events'));
      expect(e).toEqual(s);
      if (!s.ok) throw new UserError(s.msg);
    },
    wrong: ['x', '', -1, 0, 0.5, 1, 1.5, 7, 2 ** 40, null, true, [], {}, [0.5], 'ipvae.rates'],
    crossField: [/the network has no population of that name/, /values, expected \d+ \(one per neuron\)/],
    least: { rejectedBoth: 1000, crossField: 100, acceptedBoth: 300 },
  },
  {
    name: 'profile',
    schema: profileSchema,
    bases: PROFILE_BASES,
    load: (text) => void parseProfile(text, FILE),
    // '\uD800x': a lone surrogate, valid JSON and accepted by the schema, but not Unicode text
    wrong: ['x', '', ' ', -1, 0, 1, 1.5, 8, 300, 2 ** 40, null, true, [], {}, [2, 2], 'graded', 'published', '\uD800x'],
    crossField: [
      /fewer than chip\.cores_per_chip/,
      /must have low <= high/,
      /must contain the value/,
      /must increase/,
      /must be 1 \(the barrier of one tile\)/,
      /lone UTF-16 surrogate/,
    ],
    least: { rejectedBoth: 1000, crossField: 20, acceptedBoth: 300 },
  },
  {
    name: 'drive',
    schema: driveSchema,
    bases: DRIVE_BASES,
    load: (text) => loadDrive(text),
    validator: (f) => (Array.isArray(f) ? driveArray : driveObject),
    wrong: ['x', -1, 0, 1, 2, 1.5, 2 ** 53, null, true, [], {}, [0, 1], [[1, 0, 0, 1, 0]]],
    crossField: [
      /is not a population of the network/,
      /every population needs the same number of steps/,
      /has \d+ neurons, got \d+ values/,
      /feeds a binary projection, so its values are spikes/,
    ],
    least: { rejectedBoth: 800, crossField: 300, acceptedBoth: 300 },
  },
];

for (const F of FORMATS_UNDER_TEST) {
  describe(`${F.name}.schema.json`, () => {
    const validate = VALIDATE[F.name];

    it('is what the generator writes (npm run schemas)', () => {
      const file = JSON.parse(readFileSync(join(FORMATS, `${F.name}.schema.json`), 'utf8'));
      expect(file).toEqual(JSON.parse(JSON.stringify(F.schema())));
    });

    it('accepts every file ipvae writes or ships, and they load', () => {
      expect(F.bases.length).toBeGreaterThanOrEqual(F.name === 'profile' ? SHIPPED.length : 3);
      F.bases.forEach((b, i) => {
        expect(validate(b), JSON.stringify(validate.errors)).toBe(true);
        expect(attempt(() => F.load(JSON.stringify(b), i))).toEqual({ ok: true });
      });
    });

    it('and the loader agree on 3,000 random mutations of valid files, naming the same field', () => {
      const seen = { rejectedBoth: 0, crossField: 0, acceptedBoth: 0 };
      const rules = new Set<string>();
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: F.bases.length - 1 }),
          fc.nat(100_000),
          fc.integer({ min: 0, max: 5 }),
          fc.constantFrom(...F.wrong),
          (b, at, kind, wrong) => {
            const m = mutate(F.bases[b], at, kind, wrong);
            const okSchema = validate(m);
            const v = F.validator?.(m) ?? validate;
            if (v !== validate) expect(v(m)).toBe(okSchema);
            const r = attempt(() => F.load(JSON.stringify(m), b));
            if (!okSchema) {
              // the schema's rejection is the loader's too, for one of the fields the schema names
              expect(r.ok, `schema rejects ${JSON.stringify(v.errors)} but the loader accepts`).toBe(false);
              const msg = (r as { msg: string }).msg;
              expect(schemaFields(v), `loader: ${msg}\nschema: ${JSON.stringify(v.errors)}`).toContain(
                loaderField(msg),
              );
              seen.rejectedBoth++;
            } else if (!r.ok) {
              // accepted by the schema, refused by the loader: only for a rule the page lists beyond the schema
              expect(
                F.crossField.some((re) => re.test(r.msg)),
                `schema accepts, loader refuses: ${r.msg}`,
              ).toBe(true);
              seen.crossField++;
              for (const re of F.crossField) if (re.test(r.msg)) rules.add(re.source);
            } else seen.acceptedBoth++;
          },
        ),
        { numRuns: 3000, seed: 23 },
      );
      // the mutations reach all three outcomes, and every rule beyond the schema
      expect([...rules].sort()).toEqual(F.crossField.map((re) => re.source).sort());
      expect(seen.rejectedBoth).toBeGreaterThanOrEqual(F.least.rejectedBoth);
      expect(seen.crossField).toBeGreaterThanOrEqual(F.least.crossField);
      expect(seen.acceptedBoth).toBeGreaterThanOrEqual(F.least.acceptedBoth);
    });
  });
}

// ---- the pages

const page = (name: string) => readFileSync(join(FORMATS, `${name}.md`), 'utf8');
/** A page's example blocks, with the words of their markers. */
const examples = (text: string) =>
  [...text.matchAll(/<!-- example(?:: ([^>]*?))? -->\n```json\n([\s\S]*?)```/g)].map((m) => ({
    tag: m[1] ?? '',
    json: JSON.parse(m[2]) as Json,
  }));
const tinyLif = fromJson(readFileSync(join(ROOT, 'examples', 'tiny-lif.json'), 'utf8'), 'tiny-lif.json');
const BIN = join(ROOT, 'bin', 'ipvae.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });

describe('docs/formats/profile.md', () => {
  const text = page('profile');
  const [ex] = examples(text);
  const validate = VALIDATE.profile;

  it('its example loads as written, and tiny-lif maps onto it', () => {
    expect(examples(text)).toHaveLength(1);
    expect(validate(ex.json), JSON.stringify(validate.errors)).toBe(true);
    const p = parseProfile(JSON.stringify(ex.json), 'my-chip.json');
    expect(p.name).toBe('my-chip');
    expect(profileNumber(p, 'core', 'neurons')).toBe(256);
    expect(p.prices.events.synapse_sparse).toMatchObject({ energyPj: 12, energyRangePj: [10, 15] });
    const L = limitsOf(p);
    // 64 KiB of memory per core, 256 neurons; not stated (so not checked): state widths, fan-in and fan-out
    expect([L.neurons, L.memoryBits, L.coresPerChip, L.graded]).toEqual([256, 65536 * 8, 16, false]);
    expect(L.unchecked).toEqual(expect.arrayContaining(['fan-in', 'fan-out', 'state width']));
    const m = mapNetwork(tinyLif, p);
    expect(m.violations).toEqual([]);
  });

  it("its example error is the loader's message", () => {
    const line = text.split('\n').find((l) => l.includes('`profile.json: prices.'))!;
    const shownMsg = line.match(/`(profile\.json: [^`]*)`/)![1];
    const bad = structuredClone(ex.json);
    bad.prices.synapse_sparse.energy_pj = 40;
    expect(() => parseProfile(JSON.stringify(bad), 'profile.json')).toThrow(shownMsg);
    expect(shownMsg).toBe('profile.json: prices.synapse_sparse.energy_range_pj must contain the value 40');
  });

  it("lists every section field, every event, and the loader's sections", () => {
    const fields = new Set<string>();
    for (const l of text.split('\n').filter((x) => /^\| `[a-z_]+\.[a-z_]+`/.test(x))) {
      const cell = l.split('|')[1];
      const [first, ...rest] = [...cell.matchAll(/`\.?([a-z_.]+)`/g)].map((m) => m[1]);
      const sec = first.split('.')[0];
      fields.add(first);
      for (const r of rest) fields.add(`${sec}.${r}`);
    }
    const want = Object.entries(PROFILE_FIELDS).flatMap(([sec, f]) => Object.keys(f).map((k) => `${sec}.${k}`));
    expect([...fields].sort()).toEqual(want.sort());
    const events = text.split('\n').filter((l) => /^\| `(soma|spike|message|synapse|hop)/.test(l));
    const named = events.flatMap((l) => [...l.split('|')[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
    expect(named.sort()).toEqual([...PRICE_EVENTS].sort());
  });
});

describe('docs/formats/rates.md', () => {
  const text = page('rates');
  const [ex] = examples(text);

  it('its example is what simulate --rates-out writes for tiny-lif, and the page computes it by hand', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipvae-rates-doc-'));
    const out = join(dir, 'rates.json');
    const r = cli(
      'simulate',
      '--net',
      'examples/tiny-lif.json',
      '--drive',
      'examples/tiny-lif-drive.json',
      '--rates-out',
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(ex.json);
    // the spikes the probe prints, over the 11 emissions (none at step 0): the page's 3/11 and 2/11
    const p = cli(
      'simulate',
      '--net',
      'examples/tiny-lif.json',
      '--drive',
      'examples/tiny-lif-drive.json',
      '--probe',
      'hidden.spikes,out.spikes',
    );
    expect(p.status, p.stderr).toBe(0);
    const rows = p.stdout
      .split('\n')
      .filter((l) => /^\s*\d+\s/.test(l))
      .map((l) => l.trim().split(/\s+/).slice(1).map(Number));
    expect(rows).toHaveLength(10);
    const count = (j: number) => rows.reduce((a, row) => a + row[j], 0);
    expect([0, 1, 2, 3].map(count)).toEqual([3, 3, 2, 3]);
    expect(ex.json.rates.hidden.spikes).toEqual([3 / 11, 3 / 11, 2 / 11].map((x) => Number(x.toPrecision(6))));
    expect(ex.json.rates.out.events).toEqual([Number((3 / 11).toPrecision(6))]);
    expect(readRates(JSON.stringify(ex.json), 'rates.json', tinyLif, 'events').hidden[2]).toBe(0.181818);
  });

  it("lists the reader's fields", () => {
    const rows = text.split('\n').filter((l) => /^\| `[a-z]+` \|/.test(l));
    expect(rows.map((l) => l.match(/`([a-z]+)`/)![1]).sort()).toEqual([...RATES_KEYS].sort());
  });
});

describe('docs/formats/drive.md', () => {
  const text = page('drive');
  const blocks = examples(text);
  const validate = VALIDATE.drive;

  it('its examples are valid drives of tiny-lif, and the two forms of the same spikes run alike', () => {
    expect(blocks.map((b) => b.tag)).toEqual(['tiny-lif', 'tiny-lif --population in', 'tiny-lif']);
    expect(blocks[0].json).toEqual(JSON.parse(readFileSync(join(ROOT, 'examples', 'tiny-lif-drive.json'), 'utf8')));
    const digests = blocks.map((b) => {
      expect(validate(b.json), JSON.stringify(validate.errors)).toBe(true);
      const population = b.tag.match(/--population (\S+)/)?.[1];
      const drives = parseDriveFile(JSON.stringify(b.json), 'drive.json', {
        population,
        fallback: () => 'hidden',
        names: tinyLif.populations.map((p) => p.name),
      });
      const steps = Object.values(drives)[0].length;
      return runPart(tinyLif, { drives }, { steps, seed: 0, engine: 'event' }).spikesSha256;
    });
    expect(digests[1]).toBe(digests[0]);
    expect(digests[2]).not.toBe(digests[0]);
  });

  it("its example error is the loader's message", () => {
    const shownMsg = text.match(/`(drive\.json: in\[3\]\[1\][^`]*)`/)![1];
    const bad = {
      in: [
        [1, 0],
        [1, 0],
        [0, 0],
        [1, 0.5],
      ],
    };
    expect(() => parseDriveFile(JSON.stringify(bad), 'drive.json', {})).toThrow(shownMsg);
  });
});

// ---- what the loaders refused or named loosely before the schemas (each case checked by hand)

describe('the loaders name the field at fault', () => {
  const entry = { value: 1, source: 's', confidence: 'published' };
  const profile = (extra: Json) =>
    attempt(() => parseProfile(JSON.stringify({ format: 'ipvae.profile', version: 1, name: 'x', ...extra }), FILE));
  const rates = (o: Json, kind: 'spikes' | 'events' = 'spikes') =>
    attempt(() => readRates(JSON.stringify(o), FILE, tinyLif, kind));

  it('profile: inherited names are not fields, a description is text, a note is text, names are one line', () => {
    expect(profile({ core: { toString: entry } })).toEqual({
      ok: false,
      msg: expect.stringMatching(/^f\.json: core\.toString is not a field of core \(neurons, /),
    });
    expect(profile({ constructor: { name: entry } })).toEqual({
      ok: false,
      msg: expect.stringMatching(/^f\.json: constructor is not a profile section \(/),
    });
    expect(profile({ description: 5 })).toEqual({ ok: false, msg: 'f.json: description = 5, expected a string' });
    const barrier = { latency_ns_by_tiles: [[1, 5]], source: 's', confidence: 'published' };
    expect(profile({ prices: { barrier: { ...barrier, note: 5 } } })).toEqual({
      ok: false,
      msg: 'f.json: prices.barrier.note must be a string',
    });
    expect(profile({ prices: { barrier: { ...barrier, latency_ns_by_tiles: [[1.5, 5]] } } })).toEqual({
      ok: false,
      msg: 'f.json: prices.barrier.latency_ns_by_tiles[0][0] = 1.5, expected an integer >= 1 (minimum tiles)',
    });
    expect(
      profile({ prices: { static_power: { power_mw: 1, source: 's', confidence: 'published', note: [] } } }),
    ).toEqual({ ok: false, msg: 'f.json: prices.static_power.note must be a string' });
    expect(profile({ chip: { mesh: { ...entry, value: [4, 0] } } })).toEqual({
      ok: false,
      msg: 'f.json: chip.mesh.value[1] = 0, expected a positive integer up to 65536',
    });
    expect(profile({ name: 'a\nb' })).toMatchObject({
      ok: false,
      msg: expect.stringMatching(/^f\.json: name has a control/),
    });
    // 200 characters (code points, as the schema counts: an emoji is one) load, 201 do not
    expect(profile({ name: '\u{1F600}'.repeat(200) })).toEqual({ ok: true });
    expect(profile({ name: 'x'.repeat(201) })).toEqual({
      ok: false,
      msg: 'f.json: name is 201 characters long; a name has at most 200',
    });
  });

  it('rates: unknown fields refused, provenance typed, both kinds checked whichever is read', () => {
    const ok = { hidden: [0.5, 0, 1], out: { spikes: [2], events: [1] } };
    expect(rates({ rates: ok })).toEqual({ ok: true });
    expect(rates({ sample: 3, rates: ok })).toEqual({
      ok: false,
      msg: 'f.json: sample is not a field of a rates file (format, version, net, data, samples, steps, seed, unit, rates)',
    });
    expect(rates({ format: 'ipvae.rates', rates: ok })).toEqual({
      ok: false,
      msg: 'f.json: version = undefined, this ipvae reads 1',
    });
    expect(rates({ version: 2, rates: ok })).toEqual({ ok: false, msg: 'f.json: version = 2, this ipvae reads 1' });
    expect(rates({ seed: -1, rates: ok })).toEqual({
      ok: false,
      msg: 'f.json: seed = -1, expected an integer from 0 to 2^32 - 1',
    });
    expect(rates({ steps: 0, rates: ok })).toEqual({ ok: false, msg: 'f.json: steps = 0, expected an integer >= 1' });
    // a spikes-reading chip is refused a file whose events are wrong: one verdict per file
    const badEvents = { out: { spikes: [2], events: [1.5] } };
    for (const kind of ['spikes', 'events'] as const)
      expect(rates({ rates: badEvents }, kind)).toEqual({
        ok: false,
        msg: 'f.json: rates.out.events[0] = 1.5 is not a fraction from 0 to 1 (of the emissions with a nonzero value)',
      });
    expect(rates({ rates: { out: { spikes: [2] } } }, 'spikes')).toEqual({
      ok: false,
      msg: 'f.json: rates.out.events must be an array of 1 number',
    });
    expect(rates({ rates: { out: { spikes: [2], events: [1], counts: [2] } } })).toEqual({
      ok: false,
      msg: 'f.json: rates.out.counts is not allowed (spikes, events)',
    });
    expect(rates({ rates: { out: 5 } })).toMatchObject({
      ok: false,
      msg: expect.stringMatching(/^f\.json: rates\.out = 5, expected/),
    });
  });

  it('drive: a value, a row and a population by their place in the file', () => {
    const drive = (o: Json) =>
      attempt(() => parseDriveFile(JSON.stringify(o), FILE, { fallback: () => 'in', names: ['in', 'hidden'] }));
    expect(
      drive([
        [1, 0],
        [0, 2 ** 53],
      ]),
    ).toEqual({
      ok: false,
      msg: 'f.json: [1][1] = 9007199254740992, expected an integer (at most 2^53 - 1 in magnitude; step 2, neuron 1)',
    });
    expect(drive({ in: [[1, 0], []] })).toEqual({
      ok: false,
      msg: 'f.json: in[1] = [], expected a non-empty row of integers (step 2)',
    });
    expect(drive({ in: [] })).toEqual({
      ok: false,
      msg: 'f.json: in must be a non-empty array of per-step rows (one row of integers per step)',
    });
    expect(
      drive({
        in: [[1, 0]],
        hidden: [
          [0, 0, 0],
          [1, 1, 1],
        ],
      }),
    ).toEqual({
      ok: false,
      msg: 'f.json: every population needs the same number of steps (rows): in has 1, hidden has 2',
    });
    expect(drive({ inn: [[1, 0]] })).toEqual({
      ok: false,
      msg: 'f.json: inn is not a population of the network (in, hidden)',
    });
    expect(drive({})).toMatchObject({ ok: false, msg: expect.stringMatching(/^f\.json: expected a non-empty array/) });
  });
});
