// Names other sections define, offered as choices: schedules, relays, indoor users, buttons.

import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.ts';
import { asArray, asString, getAt, isObject, type Json } from './json.ts';

/**
 * Another section as loaded (undefined while loading or when it cannot be read); loaded again whenever `refresh`
 * changes (a screen counts its saves there, so what one form shows of another follows it).
 */
export function useSection(api: Api, section: string, refresh = 0): Json | undefined {
  const [data, setData] = useState<Json | undefined>(undefined);
  useEffect(() => {
    let current = true;
    void api.get(`/api/config/${section}`).then((result) => {
      if (current && result.ok) setData(result.data);
    });
    return () => {
      current = false;
    };
  }, [api, section, refresh]);
  return data;
}

export type Options = ReadonlyArray<readonly [string, string]>;

/** The schedules' names (the `schedules` section is a record by name). */
export function scheduleOptions(schedules: Json | undefined): Options {
  return isObject(schedules) ? Object.keys(schedules).map((name) => [name, name] as const) : [];
}

/** The `id`s of a list section (relays, leds, buttons). */
export function idOptions(list: Json | undefined): Options {
  return asArray(list).map((item) => asString(getAt(item, 'id'))).filter((id) => id !== '').map((id) => [id, id] as const);
}
