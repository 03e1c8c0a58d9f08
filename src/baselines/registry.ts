/**
 * The families `ipvae compare` knows, in the order of its tables. Adding a family is writing its file
 * (family.ts describes what it provides) and adding it here.
 */
import type { Family } from './family.js';
import { ipvae } from './ipvae.js';
import { lca } from './lca.js';
import { igVae, igReluVae } from './ig.js';
import { pc } from './pc.js';
import { amortizedPVae, amortizedGVae } from './amortized.js';
import { hybrid } from './hybrid.js';

export const FAMILIES: readonly Family[] = Object.freeze([
  ipvae,
  lca,
  igReluVae,
  igVae,
  pc,
  amortizedPVae,
  amortizedGVae,
  hybrid,
]);

export const FAMILY_NAMES: readonly string[] = FAMILIES.map((f) => f.name);

/** A family by its command-line name (undefined when there is none). */
export function findFamily(name: string): Family | undefined {
  return FAMILIES.find((f) => f.name === name);
}
