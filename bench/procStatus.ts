/** Memory figures of a process, read from Linux's /proc/<pid>/status (every bench reports them the same way). */
import { readFileSync } from 'node:fs';

/** A memory figure of a process, in bytes (VmHWM: peak RSS; VmRSS: RSS now). */
export function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
}
