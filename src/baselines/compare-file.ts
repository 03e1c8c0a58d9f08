/**
 * compare.json: the CompareResult with snake_case keys (the project's file spelling). Read back for
 * `compare --replay` and `report --compare`: every field this toolkit uses is checked, sizes before use, and an
 * error names the field, never echoing the file's structures.
 */
import { UserError } from '../errors.js';
import { camelKeys, snakeKeys } from '../io/json-case.js';
import { jsonDepth, keyName, parseJson, shown } from '../io/json-read.js';
import { COMPARE_FORMAT, COMPARE_VERSION, type CompareResult } from './compare.js';

/** At most this many runs in a file (families x sweep values x seeds; 8 x 8 x 100 is far below). */
export const MAX_RUNS = 100000;

export function compareJson(r: CompareResult): string {
  return JSON.stringify(snakeKeys(r), null, 1);
}

export function readCompare(text: string, file: string): CompareResult {
  const v = parseJson(text, file);
  if (jsonDepth(v, 12) > 12) throw new UserError(`${file}: nested too deeply for a compare file`);
  const bad = (field: string, what: string, got?: unknown): never => {
    throw new UserError(`${file}: ${field} ${what}${got === undefined ? '' : ` (got ${shown(got)})`}`);
  };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad('the file', 'is not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.format !== COMPARE_FORMAT) bad('format', `is not "${COMPARE_FORMAT}" (not a file of ipvae compare)`, o.format);
  if (o.version !== COMPARE_VERSION) bad('version', `is not ${COMPARE_VERSION}`, o.version);
  if (o.data !== 'patches' && o.data !== 'mnist') bad('data', 'is not patches or mnist', o.data);
  const int = (x: unknown, field: string, min: number, max: number) => {
    if (!(typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max))
      bad(field, `is not an integer in ${min}..${max}`, x);
    return x as number;
  };
  const real = (x: unknown, field: string) => {
    if (!(typeof x === 'number' && Number.isFinite(x))) bad(field, 'is not a finite number', x);
    return x as number;
  };
  int(o.latents, 'latents', 1, 1 << 16);
  int(o.steps, 'steps', 0, 1 << 24);
  int(o.eval_inputs, 'eval_inputs', 1, 1 << 24);
  if (!Array.isArray(o.runs)) bad('runs', 'is not an array', o.runs);
  const runs = o.runs as unknown[];
  if (runs.length > MAX_RUNS) bad('runs', `has more than ${MAX_RUNS} entries`);
  runs.forEach((r, i) => {
    const f = `runs[${i}]`;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) bad(f, 'is not an object', r);
    const x = r as Record<string, unknown>;
    if (typeof x.family !== 'string' || x.family.length > 100) bad(`${f}.family`, 'is not a short string', x.family);
    real(x.knob, `${f}.knob`);
    int(x.seed, `${f}.seed`, 0, 0xffffffff);
    for (const k of ['r2', 'pz', 'd', 'r2_map']) real(x[k], `${f}.${k}`);
    if (x.info === null || typeof x.info !== 'object' || Array.isArray(x.info))
      bad(`${f}.info`, 'is not an object', x.info);
    for (const [k, val] of Object.entries(x.info as object))
      if (typeof val === 'number') {
        if (!Number.isFinite(val)) bad(`${f}.info.${keyName(k)}`, 'is not finite', val);
      } else if (typeof val !== 'string' || val.length > 1000)
        bad(`${f}.info.${keyName(k)}`, 'is not a number or a short string', val);
  });
  for (const k of ['budget_minutes', 'seconds']) real(o[k], k);
  int(o.ood_inputs, 'ood_inputs', 1, 1 << 24);
  int(o.probe_inputs, 'probe_inputs', 0, 1 << 24);
  int(o.probe_test_inputs, 'probe_test_inputs', 0, 1 << 24);
  int(o.integer_bits, 'integer_bits', 0, 32);
  if (!Array.isArray(o.seeds) || o.seeds.length > 1000) bad('seeds', 'is not an array of at most 1000 seeds', o.seeds);
  (o.seeds as unknown[]).forEach((x, i) => int(x, `seeds[${i}]`, 0, 0xffffffff));
  if (!Array.isArray(o.families) || o.families.length > 100)
    bad('families', 'is not an array of at most 100', o.families);
  const statOf = (x: unknown, field: string) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) bad(field, 'is not an object', x);
    const t = x as Record<string, unknown>;
    real(t.mean, `${field}.mean`);
    if (!(typeof t.ci95 === 'number' && t.ci95 >= 0)) bad(`${field}.ci95`, 'is not a number >= 0', t.ci95);
    int(t.n, `${field}.n`, 1, 1000);
  };
  (o.families as unknown[]).forEach((x, i) => {
    const f = `families[${i}]`;
    if (x === null || typeof x !== 'object' || Array.isArray(x)) bad(f, 'is not an object', x);
    const t = x as Record<string, unknown>;
    for (const k of ['family', 'label', 'kind', 'knob_name'])
      if (typeof t[k] !== 'string' || (t[k] as string).length > 100) bad(`${f}.${k}`, 'is not a short string', t[k]);
    real(t.best_knob, `${f}.best_knob`);
    for (const k of ['r2', 'pz', 'd', 'r2_map']) statOf(t[k], `${f}.${k}`);
    if (!Array.isArray(t.ood) || t.ood.length > 100) bad(`${f}.ood`, 'is not an array of at most 100', t.ood);
    (t.ood as unknown[]).forEach((y, j) => {
      if (y === null || typeof y !== 'object' || Array.isArray(y)) bad(`${f}.ood[${j}]`, 'is not an object', y);
      const u = y as Record<string, unknown>;
      if (typeof u.data !== 'string' || u.data.length > 300)
        bad(`${f}.ood[${j}].data`, 'is not a short string', u.data);
      statOf(u.r2, `${f}.ood[${j}].r2`);
      statOf(u.pz, `${f}.ood[${j}].pz`);
    });
    if (t.probe !== null) statOf(t.probe, `${f}.probe`);
    if (t.integer !== null) {
      if (typeof t.integer !== 'object' || Array.isArray(t.integer))
        bad(`${f}.integer`, 'is not an object or null', t.integer);
      const g = t.integer as Record<string, unknown>;
      int(g.bits, `${f}.integer.bits`, 1, 32);
      statOf(g.r2, `${f}.integer.r2`);
      statOf(g.pz, `${f}.integer.pz`);
    }
    if (t.paper !== null) {
      if (typeof t.paper !== 'object' || Array.isArray(t.paper)) bad(`${f}.paper`, 'is not an object or null', t.paper);
      for (const [k, v] of Object.entries(t.paper as object)) real(v, `${f}.paper.${keyName(k)}`);
    }
    if (!Array.isArray(t.choices) || t.choices.some((c) => typeof c !== 'string' || c.length > 2000))
      bad(`${f}.choices`, 'is not an array of sentences', t.choices);
  });
  return camelKeys(o) as CompareResult;
}
