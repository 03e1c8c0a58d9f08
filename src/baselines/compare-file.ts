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
    for (const k of ['r2', 'pz', 'd']) real(x[k], `${f}.${k}`);
    if (x.info === null || typeof x.info !== 'object' || Array.isArray(x.info))
      bad(`${f}.info`, 'is not an object', x.info);
    for (const [k, val] of Object.entries(x.info as object))
      if (typeof val === 'number') {
        if (!Number.isFinite(val)) bad(`${f}.info.${keyName(k)}`, 'is not finite', val);
      } else if (typeof val !== 'string' || val.length > 1000)
        bad(`${f}.info.${keyName(k)}`, 'is not a number or a short string', val);
  });
  if (o.families !== undefined && !Array.isArray(o.families)) bad('families', 'is not an array', o.families);
  return camelKeys(o) as CompareResult;
}
