/**
 * The document an upsert would create when nothing matches its `_id`, computed here so the
 * FerretDB 1.x mode can insert it instead. FerretDB 1.x with SQLite looks a document up by
 * `_id` with an expression its `_id` index does not cover: every update scans the whole
 * collection (twice: to read the document and to write it back), while an insert is checked
 * by the unique index alone. New documents are the bulk of a unit's counters, so inserting
 * them and updating only the ones that already exist avoids most of those scans.
 *
 * Covers the operators counterUpdates uses on an empty document: `$setOnInsert` / `$set`
 * store their value, `$inc` stores the increment, `$min` / `$max` store the operand; dotted
 * paths become nested documents, as MongoDB does.
 */
import type { Document } from 'mongodb';
import type { Keyed } from './documents.js';

const CREATING_OPERATORS = ['$setOnInsert', '$set', '$inc', '$min', '$max'] as const;

export function upsertedDocument(id: string, update: Document): Keyed {
  const doc: Keyed = { _id: id };
  for (const [operator, fields] of Object.entries(update)) {
    if (!(CREATING_OPERATORS as readonly string[]).includes(operator)) {
      // Refusing beats silently inserting a document that differs from the upsert's.
      throw new Error(`upsertedDocument: unsupported update operator ${operator}`);
    }
    for (const [path, value] of Object.entries(fields as Document)) setPath(doc, path, value);
  }
  return doc;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    if (typeof next === 'object' && next !== null && !(next instanceof Date)) target = next as Document;
    else target = target[part] = {};
  }
  target[parts[parts.length - 1]!] = value;
}
