/** A .nir file from disk: its bytes, read as HDF5, parsed and checked as NIR (one UserError naming the file). */
import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { isHdf5, readHdf5, writeHdf5 } from '../io/hdf5.js';
import { writeFileAtomic } from '../io/atomic.js';
import { nirFromHdf5, nirToHdf5, type NirGraph } from './ir.js';

/** Files above this are refused before reading (NIR graphs of the field are kilobytes to a few megabytes). */
export const NIR_MAX_BYTES = 1 << 30;

export async function readNir(file: string): Promise<{ version: string; graph: NirGraph }> {
  let bytes: Uint8Array;
  try {
    const size = statSync(file).size;
    if (size > NIR_MAX_BYTES)
      throw new UserError(`${file}: ${size} bytes, more than a NIR file may have (${NIR_MAX_BYTES})`);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return nirFromHdf5(await readHdf5(bytes, file), file);
}

/** Whether a file starts with HDF5's signature (a .nir file). */
export function looksLikeHdf5(file: string): boolean {
  try {
    const fd = readFileSync(file).subarray(0, 8);
    return isHdf5(fd);
  } catch {
    return false;
  }
}

export async function writeNir(file: string, graph: NirGraph): Promise<void> {
  writeFileAtomic(file, await writeHdf5(nirToHdf5(graph)));
}
