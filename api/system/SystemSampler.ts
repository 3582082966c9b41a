/**
 * CPU, memory and load of the collector host for /api/status. CPU usage is measured between
 * two consecutive samples (the first one against the process start), as the kernel only
 * keeps cumulative counters.
 */
import os from 'node:os';

export interface SystemResources {
  cpu: {
    cores: number;
    /** Busy share of all cores since the previous sample, percent. */
    hostUsagePercent: number;
    /** This process's CPU time since the previous sample, percent of one core. */
    processUsagePercent: number;
  };
  memory: {
    totalBytes: number;
    freeBytes: number;
    usedPercent: number;
    processRssBytes: number;
    processHeapUsedBytes: number;
  };
  /** 1, 5 and 15 minute load averages (zeros on Windows). */
  loadAverage: [number, number, number];
  platform: string;
  nodeVersion: string;
}

interface CpuTimes {
  idle: number;
  total: number;
}

function hostCpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    idle += cpu.times.idle;
    total += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq + cpu.times.idle;
  }
  return { idle, total };
}

export class SystemSampler {
  private lastHost = hostCpuTimes();
  private lastProcess = process.cpuUsage();
  private lastAt = process.hrtime.bigint();

  sample(): SystemResources {
    const host = hostCpuTimes();
    const processUsage = process.cpuUsage(this.lastProcess);
    const at = process.hrtime.bigint();
    const elapsedMicros = Number(at - this.lastAt) / 1000;
    const totalDelta = host.total - this.lastHost.total;
    const hostUsagePercent = totalDelta > 0 ? (100 * (totalDelta - (host.idle - this.lastHost.idle))) / totalDelta : 0;
    const processUsagePercent = elapsedMicros > 0 ? (100 * (processUsage.user + processUsage.system)) / elapsedMicros : 0;
    this.lastHost = host;
    this.lastProcess = process.cpuUsage();
    this.lastAt = at;

    const totalBytes = os.totalmem();
    const freeBytes = os.freemem();
    const memory = process.memoryUsage();
    const [one = 0, five = 0, fifteen = 0] = os.loadavg();
    return {
      cpu: { cores: os.availableParallelism(), hostUsagePercent, processUsagePercent },
      memory: {
        totalBytes,
        freeBytes,
        usedPercent: (100 * (totalBytes - freeBytes)) / totalBytes,
        processRssBytes: memory.rss,
        processHeapUsedBytes: memory.heapUsed,
      },
      loadAverage: [one, five, fifteen],
      platform: `${os.platform()} ${os.arch()}`,
      nodeVersion: process.version,
    };
  }
}
