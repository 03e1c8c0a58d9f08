/**
 * Plugin folders: every module in a folder (its .js in dist, its .ts under a TypeScript runner) exports one
 * thing by default. Neuron models (src/sim/models/) and probes (src/sim/probes/) are found this way, so adding
 * one is adding one file.
 */
import { readdirSync } from 'node:fs';

/** The default exports of the modules in `dir`, in file-name order, each checked by `isOne`. */
export async function loadPlugins<T>(dir: URL, what: string, isOne: (x: unknown) => x is T): Promise<T[]> {
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !/\.d\.ts$/.test(f))
    .sort();
  const out: T[] = [];
  for (const f of files) {
    const mod = (await import(new URL(f, dir).href)) as { default?: unknown };
    if (!isOne(mod.default)) throw new Error(`${dir.pathname}${f}: the default export is not a ${what}`);
    out.push(mod.default);
  }
  return out;
}
