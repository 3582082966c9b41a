/**
 * The SQLite form of the figures (collector/store/figures.ts): their columns, the upsert that
 * merges an increment into a stored row by each figure's rule, the values of an increment in
 * column order, and the figures of a stored row. Histograms are JSON text merged by the
 * `histogram_merge` SQL function (schema.ts), and so are tallies (counts per key, merged the same way).
 */
import type { LatencyHistogram } from '../../mapping/latencyHistogram.js';
import { figuresOf, isKeyedCounts, type FigureDocument, type FiguresOf, type FigureSpec } from '../figures.js';

const TYPE: Record<FigureSpec['unit'], string> = { count: 'INTEGER', ms: 'REAL' };

/** Column definitions, e.g. `requestCount INTEGER NOT NULL`. */
export function figureColumnDefinitions(document: FigureDocument): string {
  return figuresOf(document)
    .map((spec) => `${spec.name} ${isKeyedCounts(spec.merge) ? 'TEXT' : TYPE[spec.unit]} NOT NULL`)
    .join(',\n  ');
}

/** The figure columns, comma separated, in declaration order. */
export function figureColumnNames(document: FigureDocument): string {
  return figuresOf(document).map((spec) => spec.name).join(', ');
}

/** `ON CONFLICT ... DO UPDATE SET` assignments merging `excluded` (the increment) into the row. */
export function figureMergeAssignments(document: FigureDocument): string {
  return figuresOf(document).map(({ name, merge }) => {
    switch (merge) {
      case 'sum': return `${name} = ${name} + excluded.${name}`;
      case 'min': return `${name} = min(${name}, excluded.${name})`;
      case 'max': return `${name} = max(${name}, excluded.${name})`;
      case 'histogram':
      case 'tally': return `${name} = histogram_merge(${name}, excluded.${name})`;
    }
  }).join(',\n      ');
}

/** An increment's values in column order (min / max are never null in an increment: it counts at least one record). */
export function figureValues<D extends FigureDocument>(document: D, figures: FiguresOf<D>): unknown[] {
  const values = figures as unknown as Record<string, unknown>;
  return figuresOf(document).map(({ name, merge }) => (isKeyedCounts(merge) ? JSON.stringify(values[name]) : values[name]));
}

/** The figures of a stored row. */
export function figuresOfRow<D extends FigureDocument>(document: D, row: Record<string, unknown>): FiguresOf<D> {
  const figures: Record<string, unknown> = {};
  for (const { name, merge } of figuresOf(document)) {
    const value = row[name];
    if (isKeyedCounts(merge)) figures[name] = JSON.parse(String(value)) as LatencyHistogram;
    else if (merge === 'sum') figures[name] = Number(value);
    else figures[name] = value === null || value === undefined ? null : Number(value);
  }
  return figures as FiguresOf<D>;
}
