/**
 * Reading a user's JSON file: parse errors become one UserError line naming the file (the parser's message
 * cut to its first line, without the file's own text), so every decoder reports bad JSON the same way.
 */
import { UserError } from '../errors.js';

/** JSON.parse, or a UserError `FILE: not JSON (<why>)` on one line. */
export function parseJson(text: string, file: string, what = 'not JSON'): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const why = String((e as Error).message)
      .split('\n')[0]
      .slice(0, 200);
    throw new UserError(`${file}: ${what} (${why})`);
  }
}
