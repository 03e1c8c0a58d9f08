/** Locations the toolkit reads from and writes to. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The installed package's root folder (works from src/ under tests and from dist/ when built). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if (JSON.parse(readFileSync(pj, 'utf8')).name === 'ipvae') return (root = dir);
      } catch {
        /* keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the ipvae package root');
    dir = up;
  }
}

/** The package's version (package.json), or 0.0.0 if it cannot be read. */
export function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
}

/** Cache folder: $IPVAE_CACHE, else $XDG_CACHE_HOME/ipvae, else ~/.cache/ipvae. */
export function cacheDir(): string {
  if (process.env.IPVAE_CACHE) return process.env.IPVAE_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'ipvae');
}
