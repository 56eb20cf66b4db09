// What a form's fields are given: the section being edited, its state as loaded, the field errors of the last save.

import { getAt, type Json } from './json.ts';

export interface Form {
  /** The section as edited so far. */
  readonly draft: Json;
  /** The section as loaded: says whether a secret is set. */
  readonly original: Json;
  /** Field errors of the last save, by path inside the section. */
  readonly errors: Readonly<Record<string, string>>;
  /** Element ids start with this (the section's name), so two forms on one screen never share one. */
  readonly idPrefix: string;
  /** Sets (undefined: removes) the value at `path`. */
  set(path: string, value: Json | undefined): void;
}

/** A DOM id for the field at `path`. */
export function fieldId(form: Form, path: string): string {
  return `${form.idPrefix}-${path}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** The messages for `path` and everything below it (`targets` also shows `targets.0`'s). */
export function errorsAt(form: Form, paths: readonly string[]): string[] {
  return Object.entries(form.errors)
    .filter(([key]) => paths.some((path) => key === path || key.startsWith(`${path}.`)))
    .map(([key, message]) => (paths.includes(key) ? message : `${key.slice(key.lastIndexOf('.') + 1)}: ${message}`));
}

export function value(form: Form, path: string): Json | undefined {
  return getAt(form.draft, path);
}

/** Is the secret at `path` set on the device (`{ "set": true }` as loaded)? */
export function secretIsSet(form: Form, path: string): boolean {
  const loaded = getAt(form.original, path);
  return typeof loaded === 'object' && loaded !== null && !Array.isArray(loaded) && loaded['set'] === true;
}
