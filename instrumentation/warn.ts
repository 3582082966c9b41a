/**
 * The instrumentation's only voice: one line on stderr per problem, prefixed so an operator
 * can grep for it. Never throws (stderr may be closed), never logs through the host's logger.
 */
export function warn(message: string): void {
  try {
    process.stderr.write(`spanpulse: ${message}\n`);
  } catch {
    // A closed stderr must not become the host's problem.
  }
}
