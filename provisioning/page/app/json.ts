// JSON values and dotted paths (`account.password`, `0.plan.1.ringSec`): the form edits a section as plain JSON and
// the API names field errors by the same paths.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keys(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

/** The value at `path`, or undefined when any step is missing. */
export function getAt(value: Json | undefined, path: string): Json | undefined {
  let here = value;
  for (const key of keys(path)) {
    if (Array.isArray(here)) here = here[Number(key)];
    else if (isObject(here)) here = Object.hasOwn(here, key) ? here[key] : undefined;
    else return undefined;
  }
  return here;
}

/**
 * A copy of `value` with `next` at `path` (undefined removes the key, or the element from an array); the objects
 * on the way are copied, missing ones created (an array where the next key is a number).
 */
export function setAt(value: Json | undefined, path: string, next: Json | undefined): Json {
  const [key, ...rest] = keys(path);
  if (key === undefined) return next ?? null;
  const child = (container: Json | undefined): Json | undefined =>
    rest.length === 0 ? next : setAt(getAt(container, key), rest.join('.'), next);
  if (Array.isArray(value) || (value === undefined && /^\d+$/.test(key))) {
    const copy = Array.isArray(value) ? [...value] : [];
    const index = Number(key);
    const updated = child(value);
    if (updated === undefined) copy.splice(index, 1);
    else copy[index] = updated;
    return copy;
  }
  const copy: JsonObject = isObject(value) ? { ...value } : {};
  const updated = child(value);
  if (updated === undefined) delete copy[key];
  else copy[key] = updated;
  return copy;
}

/** `path` and `key` joined with a dot (either may be empty). */
export function join(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

export function asArray(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: Json | undefined): string {
  return typeof value === 'string' ? value : '';
}

export function asNumber(value: Json | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
