/**
 * camelCase in memory, snake_case at the file boundary: key conversion for JSON outputs and protobuf field
 * names. Only keys change; values (strings, numbers, typed arrays) are left as they are.
 */

/** snake_case -> camelCase keys, recursively (values untouched). */
export function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()), camelKeys(x)]),
  );
}

/** camelCase -> snake_case keys, recursively (values untouched): the file boundary's spelling. */
export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(x)]),
  );
}
