/** How the CLI fails; main() turns each into its exit code. */

/** Bad usage: exit 2. */
export class UsageError extends Error {}

/** The gateway answered with an error: exit 1. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The gateway could not be reached: exit 3. */
export class Unreachable extends Error {}
