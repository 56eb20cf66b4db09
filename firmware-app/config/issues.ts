// Field errors of the configuration as one line each, naming the field and never the value, with "did you mean" for
// a misspelt key (the schema is strict: an unknown key is an error, never a setting silently left at its default).

import { z } from 'zod';
import { ConfigObject } from './schema.ts';

/** The keys the schema knows at `path` (array indexes step into elements), or none when it is no object there. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = ConfigObject;
  for (let i = 0; ; ) {
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
      schema = schema.unwrap() as z.ZodType;
    } else if (i === path.length) {
      return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    } else if (schema instanceof z.ZodArray && typeof path[i] === 'number') {
      schema = schema.element as z.ZodType;
      i++;
    } else if (schema instanceof z.ZodObject && typeof path[i] === 'string' && Object.hasOwn(schema.shape, path[i] as string)) {
      schema = schema.shape[path[i] as string] as z.ZodType;
      i++;
    } else {
      return [];
    }
  }
}

/** Levenshtein distance, for "did you mean": config keys are short, so the quadratic table is nothing. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/** The known key a misspelt one most likely meant (same letters in another case, or at most two edits away). */
function likelyMeant(key: string, known: readonly string[]): string | undefined {
  const sameLetters = known.find((k) => k.toLowerCase() === key.toLowerCase());
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function describePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(root)';
}

/**
 * Field errors, one line each (`sip.account.password: Required`, `sip.account.tlsCA: unknown key (did you mean
 * tlsCa?)`), never the values themselves.
 */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((i) => {
    if (i.code !== 'unrecognized_keys') return [`${describePath(i.path)}: ${i.message}`];
    const known = knownKeys(i.path);
    return i.keys.map((key) => {
      const meant = likelyMeant(key, known);
      return `${describePath([...i.path, key])}: unknown key${meant === undefined ? '' : ` (did you mean ${meant}?)`}`;
    });
  });
}
