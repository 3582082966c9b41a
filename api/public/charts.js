// The pages' charts (Chart.js, served from this origin as chart.umd.min.js and loaded by a
// <script> before the page's module): one set of colours and options, and the trend chart
// of requests and errors (bars) with p95 (a line on its own axis) per period, shared by the
// daily trend of /status/analytics and the last-60-minutes charts.

export const CHART_COLORS = { requests: '#2f5bd3', errors: '#c53030', p95: '#b7791f', cost: '#2f855a' };

/** Fresh options on every call: Chart.js keeps and resolves the object it is given. */
export function chartOptions(scales) {
  return { responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false }, scales };
}

/**
 * A trend chart on `canvas`, drawn by `show(labels, rows)` (rows of { requests, errors,
 * p95ResponseTime }; a null p95 leaves a gap) and redrawn in place by later calls.
 */
export function trendChart(canvas) {
  let chart = null;
  return {
    show(labels, rows) {
      const data = {
        labels,
        datasets: [
          { type: 'bar', label: 'Requests', data: rows.map((r) => r.requests), backgroundColor: CHART_COLORS.requests, yAxisID: 'y' },
          { type: 'bar', label: 'Errors', data: rows.map((r) => r.errors), backgroundColor: CHART_COLORS.errors, yAxisID: 'y' },
          { type: 'line', label: 'p95 (ms)', data: rows.map((r) => r.p95ResponseTime), borderColor: CHART_COLORS.p95, backgroundColor: CHART_COLORS.p95, yAxisID: 'ms', spanGaps: false, tension: 0.2 },
        ],
      };
      if (chart === null) {
        chart = new Chart(canvas, {
          data,
          options: chartOptions({
            y: { beginAtZero: true, position: 'left' },
            ms: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'ms' } },
          }),
        });
      } else {
        chart.data = data;
        chart.update('none');
      }
    },
    destroy() {
      chart?.destroy();
      chart = null;
    },
  };
}
