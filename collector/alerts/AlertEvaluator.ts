/**
 * The `alerts` extension (README "Alerts"), a lifecycle Component: every `intervalMs` (and
 * once at start) each enabled rule is computed per group (alertGroups.ts), the state machine
 * (nextEvent.ts) decides, and the transitions are stored. A stored transition is the one
 * decision point: the store takes transition n of a rule and group once (alertTypes.ts), and
 * only the collector whose add succeeded notifies, so N collectors on one database notify each
 * transition once, and a restarted one, reading its state back, sends nothing again.
 *
 * Cycles never overlap; one that fails (store unreachable) is counted and logged, and the next
 * interval tries again. The timer does not keep the process alive. `now` is injectable, and
 * `evaluate()` runs one cycle, for tests and the bench.
 */
import { performance } from 'node:perf_hooks';
import type { Component } from '../lifecycle/Component.js';
import { log } from '../log.js';
import type { AlertEvent, AlertStore, AlertValueNote } from '../store/alertTypes.js';
import type { StoreReader } from '../store/types.js';
import type { AlertCounters } from '../telemetry/AlertCounters.js';
import { MINUTE_MS } from '../time/utcTime.js';
import { readGroups, windowFigures, windowStart, type EndpointFigures } from './alertGroups.js';
import { metricDeclaration } from './alertMetrics.js';
import type { AlertRule } from './AlertRule.js';
import { nextEvent } from './nextEvent.js';
import { webhookPayload } from './notification.js';
import { silenceCovers } from './silences.js';
import type { WebhookSender } from './WebhookSender.js';

export interface AlertEvaluatorOptions {
  rules: readonly AlertRule[];
  intervalMs: number;
  /** The minute rollups' retention: how far back a service counts as one that was sending. */
  minuteRetentionMs: number;
  /** Where people reach the status pages (the webhooks' links), without a trailing slash; null without the status API. */
  pageUrl: () => string | null;
  /** Default `() => new Date()`. */
  now?: () => Date;
}

export interface EvaluationSummary {
  /** Transitions this collector stored (others may have been made by another collector). */
  transitions: AlertEvent[];
  pending: number;
  firing: number;
}

type EvaluatorStore = Pick<StoreReader, 'findMinuteRollups' | 'listServices' | 'countSessions' | 'sumModelCalls'> & AlertStore;

export class AlertEvaluator implements Component {
  readonly name = 'extension/alerts';
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly store: EvaluatorStore,
    private readonly webhooks: WebhookSender,
    private readonly counters: AlertCounters,
    private readonly options: AlertEvaluatorOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    if (this.timer !== null || this.options.rules.length === 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  /** Stops the schedule, waits for a cycle in flight, then lets the webhooks finish what they can. */
  async shutdown(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.webhooks.shutdown();
  }

  /** A scheduled cycle: skipped while one runs, its failure logged and counted. */
  private runOnce(): void {
    if (this.running !== null) return;
    this.evaluate().catch((error: unknown) => {
      this.counters.evaluationFailed();
      log.warn('alerts: evaluation failed; will retry at the next interval', { error });
    });
  }

  /** One evaluation cycle at `now()`, after the one running (if any); rejects when the store does. */
  async evaluate(): Promise<EvaluationSummary> {
    while (this.running !== null) await this.running;
    const cycle = this.cycle();
    const tracked = cycle.then(() => undefined, () => undefined).finally(() => { if (this.running === tracked) this.running = null; });
    this.running = tracked;
    return cycle;
  }

  private async cycle(): Promise<EvaluationSummary> {
    const started = performance.now();
    const now = this.now();
    const { rules, minuteRetentionMs } = this.options;
    const longest = Math.max(MINUTE_MS, ...rules.map((rule) => rule.windowMs));
    const nextMinute = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
    const [current, services, silences, minutes] = await Promise.all([
      this.store.currentAlertEvents(),
      this.store.listServices(),
      this.store.listSilences(now),
      this.store.findMinuteRollups({ level: 'endpoint', from: windowStart(now, longest), to: nextMinute }),
    ]);
    // The model calls of each distinct window of the rules on cost and tokens, read once a cycle.
    const modelWindows = [...new Set(rules.filter((rule) => metricDeclaration(rule.metric).source === 'model_calls').map((rule) => rule.windowMs))];
    const modelCalls = new Map(await Promise.all(modelWindows.map(async (windowMs) =>
      [windowMs, await this.store.sumModelCalls({ from: windowStart(now, windowMs), to: nextMinute })] as const)));
    const states = new Map(current.map((event) => [JSON.stringify([event.rule, event.groupKey]), event]));
    const transitions: AlertEvent[] = [];
    const notes: AlertValueNote[] = [];
    const planned: AlertEvent[] = [];
    const windows = new Map<number, EndpointFigures[]>();
    for (const rule of rules) {
      if (!windows.has(rule.windowMs)) windows.set(rule.windowMs, windowFigures(minutes, windowStart(now, rule.windowMs)));
      const mine = current.filter((event) => event.rule === rule.name && (event.state === 'pending' || event.state === 'firing'));
      const readings = await readGroups(rule, {
        now, endpoints: windows.get(rule.windowMs)!, services, minuteRetentionMs, activeKeys: new Set(mine.map((event) => event.groupKey)),
        countSessions: async (from, to, serviceName) => (await this.store.countSessions({ from, to, serviceName })).sessions,
        modelCalls: modelCalls.get(rule.windowMs) ?? [],
      });
      for (const reading of readings) {
        const key = JSON.stringify([rule.name, reading.key]);
        const state = states.get(key);
        const silenced = silences.some((silence) => silenceCovers(silence, now, { rule: rule.name, ...reading.group }));
        const step = nextEvent(rule, reading, state, now, () => this.webhooks.plan(silenced, now));
        if (step.kind === 'note') {
          notes.push({ key: { rule: state!.rule, groupKey: state!.groupKey, seq: state!.seq }, value: step.value, peakValue: step.peakValue });
          states.set(key, { ...state!, value: step.value, peakValue: step.peakValue });
        } else if (step.kind === 'transition') {
          planned.push(step.event);
        }
      }
    }
    // One write for the cycle's transitions; false: another collector made that one first (its event is read next cycle).
    const added = await this.store.addAlertEvents(planned);
    planned.forEach((event, i) => {
      if (!added[i]) return;
      states.set(JSON.stringify([event.rule, event.groupKey]), event);
      transitions.push(event);
      if (event.state === 'firing' || event.state === 'resolved') {
        this.webhooks.send(event, webhookPayload({ ...event, state: event.state }, this.options.pageUrl()), event.deliveries);
      }
      log.info('alert transition', { rule: event.rule, state: event.state, service: event.service, endpoint: event.endpoint, agent: event.agent, model: event.model, value: event.value });
    });
    await this.store.updateAlertValues(notes);
    const after = [...states.values()].filter((event) => rules.some((rule) => rule.name === event.rule));
    const summary = {
      transitions,
      pending: after.filter((event) => event.state === 'pending').length,
      firing: after.filter((event) => event.state === 'firing').length,
    };
    this.counters.evaluated((performance.now() - started) / 1000, summary);
    return summary;
  }
}

