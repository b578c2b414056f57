// Process metrics under the names Prometheus' own client libraries use, so
// standard dashboards work: CPU, resident memory, start time.

import type { MetricsRegistry } from "../registry.ts";

export function registerProcessMetrics(registry: MetricsRegistry, startTimeMs = Date.now() - performance.now()): void {
  const cpu = registry
    .counter({ name: "process_cpu_seconds_total", help: "User and system CPU time of this process." })
    .labels();
  const rss = registry
    .gauge({ name: "process_resident_memory_bytes", help: "Resident memory of this process." })
    .labels();
  const start = registry
    .gauge({ name: "process_start_time_seconds", help: "Start time of this process, seconds since the Unix epoch." })
    .labels();
  start.set(Math.round(startTimeMs) / 1000);
  registry.onCollect("process", () => {
    const usage = process.cpuUsage();
    cpu.setTotal((usage.user + usage.system) / 1e6);
    rss.set(process.memoryUsage.rss());
  });
}
