/** What a one-shot command (`spanpulse export`, `spanpulse archive verify`) reads and writes; its result is its exit status. */
import type { Writable } from 'node:stream';

export interface CommandIo {
  stdout: Writable;
  stderr: Writable;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
}

export type Command = (args: readonly string[], io: CommandIo) => Promise<number>;
