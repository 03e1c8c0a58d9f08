/** Ajv's errors as the loaders name fields, shared by the format tests (test/formats*.test.ts). */
import type { ErrorObject } from 'ajv';

/** JSON pointer -> the loaders' field notation: /projections/1/weights/17 -> projections[1].weights[17]. */
export const pointerField = (pointer: string): string =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');

/** The field each error points at (a missing or unknown property by its own path), with the error's keyword. */
export function errorFields(errors: ErrorObject[] | null | undefined): { path: string; keyword: string }[] {
  return (errors ?? []).map((e) => {
    const at = pointerField(e.instancePath);
    const params = e.params as { missingProperty?: string; additionalProperty?: string };
    const child = params.missingProperty ?? params.additionalProperty;
    return { path: child === undefined ? at : at ? `${at}.${child}` : String(child), keyword: e.keyword };
  });
}
