/** Write a file atomically: to a temporary name in the same folder, then rename. A crash leaves no partial file. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { UserError } from '../errors.js';

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${path}: cannot write the file (${code === 'EISDIR' ? 'it is a directory' : (code ?? (e as Error).message)})`,
    );
  }
}

/**
 * Write several files all or none: each to a temporary name beside it (its folder is made), then each renamed
 * into place; on a failure the temporary files are removed and the one-line error is `failure (code)`.
 */
export function writeFilesAtomic(files: [string, Uint8Array | string][], failure: string): void {
  const tmp = files.map(([f]) => join(dirname(f), `.${basename(f)}.${process.pid}.${Date.now()}.tmp`));
  try {
    files.forEach(([f, data], i) => {
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(tmp[i], data);
    });
    files.forEach(([f], i) => renameSync(tmp[i], f));
  } catch (e) {
    for (const t of tmp) rmSync(t, { force: true });
    throw new UserError(`${failure} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
