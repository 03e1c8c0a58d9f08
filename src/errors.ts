/**
 * An error caused by the user's input (a file, a flag, a value): the CLI prints its message as one line and
 * exits with code 2. Messages name the file, the field and what was expected.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
