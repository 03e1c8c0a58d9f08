/**
 * The network file as a document: docs/formats/network.md's example loads and runs as the page says, the JSON
 * Schema (docs/formats/network.schema.json) is what the generator writes, and the schema and the loader agree.
 * A second validator (Ajv, draft 2020-12) is the independent judge: on random mutations of valid files, a file
 * the schema rejects is refused by the loader naming one of the schema's fields, and a file the schema accepts
 * either loads or is refused for one of the cross-field rules the page lists.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fromJson, toJson } from '../src/net/json.js';
import { networkSchema } from '../src/net/schema.js';
import { neuronModelNames } from '../src/sim/registry.js';
import { clusteredNetwork, randomDrivenNetwork } from '../src/net/random.js';
import { fromIpVae } from '../src/frontends/ipvae.js';
import { UserError } from '../src/errors.js';
import { randomModel, type Json } from './helpers.js';
import { errorFields } from './schema-fields.js';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'ipvae.js');
const doc = readFileSync(join(ROOT, 'docs', 'formats', 'network.md'), 'utf8');

/** The page's example blocks by the file they stand for. */
function examples(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of doc.matchAll(/<!-- example: (\S+) -->\n```json\n([\s\S]*?)```/g)) out[m[1]] = m[2];
  return out;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile(networkSchema());

/** Every field the schema's errors point at, and whether the error is about a subtree (a compound keyword). */
const schemaFields = (): { path: string; subtree: boolean }[] =>
  errorFields(validate.errors).map(({ path, keyword }) => ({
    path,
    subtree: ['not', 'anyOf', 'oneOf', 'if', 'allOf'].includes(keyword),
  }));

/** The field a loader message names: "network: projections[0].delay = 0, expected ..." -> projections[0].delay. */
const loaderField = (msg: string) => msg.replace(/^network: /, '').split(' ')[0];

/** Rules the schema cannot state (docs/formats/network.md, "What the schema does not check"). */
const CROSS_FIELD = [
  /names no population/,
  /is used twice/,
  /values for a population of size/,
  /expected a neuron index in/,
  /expected an integer in \[0, \d+\]$/, // indices against the target's size
  /entries; the source/,
  /must start at 0 and end at/,
  /decreases/,
  /values but indices has/,
  /is outside the \d+-bit range/,
  /expected an integer weight in the \d+-bit range/,
  /is not an input population/,
  /emits (binary|graded) values/,
  /for an unsigned format/,
  /lone UTF-16 surrogate/,
  /nested more than 32 levels/,
  /count_cap/, // the iP-VAE model's own rule: its count cap fits its count format
];

function load(text: string): { ok: true } | { ok: false; msg: string } {
  try {
    fromJson(text);
    return { ok: true };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { ok: false, msg: e.message };
  }
}

const BASES: Json[] = [
  JSON.parse(examples()['examples/tiny-lif.json']),
  JSON.parse(toJson(clusteredNetwork({ neurons: 12, clusters: 2, fanIn: 3, pWithin: 0.5, seed: 3 }))),
  JSON.parse(
    toJson(
      randomDrivenNetwork({
        inputs: 3,
        neurons: 4,
        fanInInput: 2,
        fanInRecurrent: 1,
        steps: 3,
        pSpike: 0.5,
        vth: 5,
        seed: 2,
      }).net,
    ),
  ),
  JSON.parse(toJson(fromIpVae(randomModel(4, 3, 0.3, 7)).net)),
];

const WRONG: unknown[] = ['x', '', -1, 0, 1, 1.5, 300, -300, 65537, 2 ** 40, null, true, [], {}, 'binary', [0, 0, 1]];

/** A copy of v with one mutation at a random place (a path of choices walked from the root). */
function mutate(v: Json, choices: number[], kind: number, wrong: unknown): Json {
  const root = structuredClone(v);
  let parent: Json = null,
    key: string | number = '',
    node: Json = root;
  for (const c of choices) {
    if (node === null || typeof node !== 'object') break;
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    // stop early sometimes, so that shallow fields are mutated too
    if (parent !== null && c % 5 === 0) break;
    parent = node;
    key = keys[c % keys.length];
    node = node[key];
  }
  if (parent === null) {
    root[`extra${kind}`] = wrong;
    return root;
  }
  if (kind === 0 && !Array.isArray(parent)) delete parent[key];
  else if (kind === 1 && node && typeof node === 'object' && !Array.isArray(node)) node.extra = wrong;
  else if (kind === 2 && Array.isArray(parent)) parent.splice(Number(key), 1);
  else parent[key] = wrong;
  return root;
}

describe('docs/formats/network.md', () => {
  it('its example blocks are the example files, and the network loads as written', () => {
    const ex = examples();
    expect(Object.keys(ex).sort()).toEqual(['examples/tiny-lif-drive.json', 'examples/tiny-lif.json']);
    for (const [file, text] of Object.entries(ex))
      expect(JSON.parse(readFileSync(join(ROOT, file), 'utf8'))).toEqual(JSON.parse(text));
    const net = fromJson(ex['examples/tiny-lif.json'], 'tiny-lif.json');
    expect(validate(JSON.parse(ex['examples/tiny-lif.json'])), JSON.stringify(validate.errors)).toBe(true);
    // the defaults the page states, and the triples as CSR by source neuron
    const [a, b] = net.projections;
    expect(a).toMatchObject({ name: 'in->hidden', delay: 1, weightBits: 8, exponent: 0, payload: 'binary' });
    expect(a.payloadBits).toBe(1);
    expect(a.static).toBe(false);
    expect([...a.indptr]).toEqual([0, 2, 4]);
    expect([...a.indices]).toEqual([0, 1, 1, 2]);
    expect([...a.weights]).toEqual([40, 25, 25, 40]);
    expect(b).toMatchObject({ name: 'hidden->out', payload: 'binary', payloadBits: 1 });
    expect([...b.indptr]).toEqual([0, 1, 2, 3]);
    expect([...b.weights]).toEqual([90, 90, -60]);
    // its JSON image (everything explicit) loads to the same network
    expect(toJson(fromJson(toJson(net)))).toBe(toJson(net));
  });

  it("the page's run prints the rows it shows (checked by hand there)", () => {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'simulate',
        '--net',
        join(ROOT, 'examples', 'tiny-lif.json'),
        '--drive',
        join(ROOT, 'examples', 'tiny-lif-drive.json'),
        '--probe',
        'in.out,hidden.spikes,out.u,out.v,out.spikes',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const shownRows = doc
      .split('\n')
      .filter((l) => /^\s*[56]\s{4}/.test(l))
      .map((l) => l.trim().split(/\s+/));
    expect(shownRows.length).toBe(2);
    const printed = r.stdout.split('\n').map((l) => l.trim().split(/\s+/));
    for (const row of shownRows) expect(printed).toContainEqual(row);
    // the hand computation: out.u = 2878 + 5760, out.v = 5580 + 8638 > 7680, so it spikes and resets
    expect(shownRows[1]).toEqual(['6', '0', '1', '0', '0', '0', '8638', '0', '1']);
  });

  it("a graded payload defaults to the narrowest width that holds the source's values", () => {
    const net = (model: string, params: Json, formats: Json = {}) =>
      fromJson(
        JSON.stringify({
          format: 'ipvae.network',
          version: 1,
          populations: [
            { name: 's', model, size: 2, params, formats },
            { name: 't', model: 'readout', size: 1 },
          ],
          projections: [{ source: 's', target: 't', synapses: [[0, 0, 1]] }],
        }),
      ).projections[0].payloadBits;
    // li emits its voltage, clipped to +-(2^23 - 1): 23 bits and a sign
    expect(net('li', {})).toBe(24);
    // an iP-VAE population emits counts up to count_cap (unsigned): 255 -> 8 bits, 256 -> 9
    const ip = (cap: number) =>
      net(
        'ipvae',
        { eta_mant: 1, eta_shift: 0, bias: 0, u0: 0, clamp: 1, floor: 0, count_cap: cap },
        { u: { bits: 24, frac: 16, signed: true }, rate: { bits: 24, frac: 16, signed: false } },
      );
    expect(ip(255)).toBe(8);
    expect(ip(256)).toBe(9);
    // an input in u8.0: 0 .. 255, its largest magnitude 255 needs 8 bits and a sign; s8.0 (magnitude 128) 9;
    // the default s32.0 is capped at 32
    expect(net('input', {}, { x: { bits: 8, frac: 0, signed: false } })).toBe(9);
    expect(net('input', {}, { x: { bits: 8, frac: 0, signed: true } })).toBe(9);
    expect(net('input', {}, { x: { bits: 7, frac: 0, signed: true } })).toBe(8);
    expect(net('input', {})).toBe(32);
  });

  it('lists every registered neuron model', () => {
    const line = doc.split('\n').find((l) => l.startsWith('| `model` |'))!;
    const listed = [...line.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]).filter((n) => n !== 'model');
    expect(listed).toEqual(neuronModelNames().sort());
  });
});

describe('network.schema.json', () => {
  it('is what the generator writes (npm run schemas)', () => {
    const file = JSON.parse(readFileSync(join(ROOT, 'docs', 'formats', 'network.schema.json'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(networkSchema())));
  });

  it('accepts every file ipvae writes', () => {
    for (const b of BASES) {
      expect(validate(b), JSON.stringify(validate.errors)).toBe(true);
      expect(load(JSON.stringify(b))).toEqual({ ok: true });
    }
  });

  it('and the loader agree on random mutations of valid files, naming the same field', () => {
    const seen = { rejectedBoth: 0, crossField: 0, acceptedBoth: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: BASES.length - 1 }),
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom(...WRONG),
        (b, choices, kind, wrong) => {
          const m = mutate(BASES[b], choices, kind, wrong);
          const okSchema = validate(m);
          const r = load(JSON.stringify(m));
          if (!okSchema) {
            // the schema's rejection is the loader's too, for one of the fields the schema names
            expect(r.ok, `schema rejects ${JSON.stringify(validate.errors)} but the loader accepts`).toBe(false);
            const f = loaderField((r as { msg: string }).msg);
            const fields = schemaFields();
            expect(
              fields.some((x) => x.path === f || (x.subtree && (x.path === '' || f.startsWith(x.path)))),
              `loader: ${(r as { msg: string }).msg}\nschema: ${JSON.stringify(fields)}`,
            ).toBe(true);
            seen.rejectedBoth++;
          } else if (!r.ok) {
            // accepted by the schema, refused by the loader: only for a rule the page lists beyond the schema
            expect(
              CROSS_FIELD.some((re) => re.test(r.msg)),
              `schema accepts, loader refuses: ${r.msg}`,
            ).toBe(true);
            seen.crossField++;
          } else seen.acceptedBoth++;
        },
      ),
      { numRuns: 3000, seed: 11 },
    );
    // the mutations reach all three outcomes
    expect(seen.rejectedBoth).toBeGreaterThan(500);
    expect(seen.crossField).toBeGreaterThan(20);
    expect(seen.acceptedBoth).toBeGreaterThan(20);
  });
});
