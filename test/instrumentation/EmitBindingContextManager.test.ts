/**
 * The context manager spanpulse installs: what the HTTP instrumentation and app helpers rely
 * on (the active context inside `with`, across awaits and timers, in bound functions and in
 * every listener of a bound emitter), and that binding an emitter leaves its listener API as
 * the app knows it.
 */
import { EventEmitter } from 'node:events';
import { ROOT_CONTEXT, createContextKey, type Context } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { EmitBindingContextManager } from '../../instrumentation/EmitBindingContextManager.js';

const KEY = createContextKey('test');
const named = (name: string): Context => ROOT_CONTEXT.setValue(KEY, name);
const nameOf = (manager: EmitBindingContextManager): unknown => manager.active().getValue(KEY);

describe('EmitBindingContextManager', () => {
  it('makes a context active inside with(), across awaits and timers, and restores the outer one', async () => {
    const manager = new EmitBindingContextManager();
    expect(manager.active()).toBe(ROOT_CONTEXT);
    const seen = await manager.with(named('request'), async function (this: { tag: string }, suffix: string) {
      const inner = manager.with(named('inner'), () => nameOf(manager));
      await new Promise((resolve) => setTimeout(resolve, 1));
      const afterTimer = await new Promise((resolve) => setTimeout(() => resolve(nameOf(manager)), 1));
      return [this.tag + suffix, inner, nameOf(manager), afterTimer];
    }, { tag: 'this' }, '!');
    expect(seen).toEqual(['this!', 'inner', 'request', 'request']);
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('runs a bound function in its context, with its this, arguments, result and arity', () => {
    const manager = new EmitBindingContextManager();
    const target = function (this: { base: number }, a: number, b: number): [number, unknown] {
      return [this.base + a + b, nameOf(manager)];
    };
    const bound = manager.bind(named('bound'), target);
    expect(bound.length).toBe(2);
    expect(manager.with(named('caller'), () => bound.call({ base: 1 }, 2, 3))).toEqual([6, 'bound']);
  });

  it('runs every listener of a bound emitter in the bound context, whoever emits', () => {
    const manager = new EmitBindingContextManager();
    const emitter = new EventEmitter();
    const seen: unknown[] = [];
    emitter.on('data', () => seen.push(['before binding', nameOf(manager)]));
    manager.bind(named('request'), emitter);
    emitter.on('data', (chunk: string) => seen.push([chunk, nameOf(manager)]));
    emitter.once('data', () => seen.push(['once', nameOf(manager)]));
    emitter.prependListener('data', () => seen.push(['first', nameOf(manager)]));
    expect(manager.with(named('socket'), () => emitter.emit('data', 'chunk'))).toBe(true);
    expect(emitter.emit('data', 'again')).toBe(true);
    expect(emitter.emit('nothing')).toBe(false);
    expect(seen).toEqual([
      ['first', 'request'],
      ['before binding', 'request'],
      ['chunk', 'request'],
      ['once', 'request'],
      ['first', 'request'],
      ['before binding', 'request'],
      ['again', 'request'],
    ]);
  });

  it('leaves the listener API of a bound emitter as the app knows it, and keeps the first binding', () => {
    const manager = new EmitBindingContextManager();
    const emitter = new EventEmitter();
    manager.bind(named('first'), emitter);
    manager.bind(named('second'), emitter);
    const seen: unknown[] = [];
    const listener = (): void => {
      seen.push(nameOf(manager));
    };
    emitter.on('end', listener);
    expect(emitter.listeners('end')).toEqual([listener]);
    emitter.emit('end');
    emitter.off('end', listener);
    expect(emitter.listenerCount('end')).toBe(0);
    emitter.emit('end');
    expect(seen).toEqual(['first']);
  });

  it('returns other values unchanged', () => {
    const manager = new EmitBindingContextManager();
    const value = { on: () => undefined };
    expect(manager.bind(named('x'), value)).toBe(value);
  });
});
