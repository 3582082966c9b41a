// The live "last 60 minutes" chart of /status and of each endpoint of /status/api-status,
// drawn from a GET /api/status/minutes answer: requests and errors per UTC minute with p95,
// or "No data yet" while the minutes hold no request.
import { trendChart } from './charts.js';
import { fmt, h } from './common.js';

/** `label` names the chart for screen readers (names in it already passed through displayName). */
export function minuteChart(label) {
  const canvas = h('canvas', { role: 'img', 'aria-label': label });
  const box = h('div', { class: 'chart-box', hidden: true }, canvas);
  const empty = h('p', { class: 'muted', 'data-testid': 'minutes-empty' }, 'Loading…');
  const summary = h('p', { class: 'muted', 'data-testid': 'minutes-summary', hidden: true });
  const chart = trendChart(canvas);
  return {
    el: h('div', { class: 'minute-chart' }, summary, box, empty),
    canvas,
    /** `data` null: the minutes could not be loaded (the page's banner says why); the chart is hidden until they can. */
    update(data) {
      if (data === null) {
        empty.textContent = 'The last 60 minutes could not be loaded';
        box.hidden = summary.hidden = true;
        empty.hidden = false;
        return;
      }
      const minutes = data.minutes;
      const requests = minutes.reduce((n, m) => n + m.requests, 0);
      const errors = minutes.reduce((n, m) => n + m.errors, 0);
      const shown = minutes.length === 0 ? '' : `${fmt.dateTime(minutes[0].start).slice(11, 16)}–${fmt.dateTime(data.to).slice(11)}`;
      const count = (n, what) => `${fmt.int(n)} ${what}${n === 1 ? '' : 's'}`;
      summary.textContent = `${count(requests, 'request')}, ${count(errors, 'error')} in the last ${minutes.length} minutes (${shown})`;
      empty.textContent = 'No data yet: no requests in the last 60 minutes';
      box.hidden = requests === 0;
      empty.hidden = requests > 0;
      summary.hidden = requests === 0;
      // Drawn only once there is something to draw; Chart.js may be missing (blocked script): the summary stays.
      if (requests > 0 && typeof Chart !== 'undefined') chart.show(minutes.map((m) => m.start.slice(11, 16)), minutes);
    },
    destroy: () => chart.destroy(),
  };
}
