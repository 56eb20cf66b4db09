// Weekly windows read as local wall time in an IANA zone: edges, overnight windows, DST days, zones west of UTC.
import { describe, expect, it, vi } from 'vitest';
import type { TimeWindow } from '../../firmware-app/config/schema.ts';
import { isWithin, localTime, Schedules, systemTimeZone } from '../../firmware-app/doorbell/schedule.ts';

const at = (iso: string): number => Date.parse(iso);
const BERLIN = 'Europe/Berlin';
const OFFICE: TimeWindow[] = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }];

describe('isWithin, Mon–Fri 08:00–18:00 in Europe/Berlin', () => {
  it('opens at 08:00 local (07:00 UTC in winter) and closes at 18:00, from inclusive, to exclusive', () => {
    // 2026-01-05 is a Monday; Berlin is UTC+1 in January.
    expect(isWithin(OFFICE, at('2026-01-05T06:59:59.999Z'), BERLIN)).toBe(false);
    expect(isWithin(OFFICE, at('2026-01-05T07:00:00Z'), BERLIN)).toBe(true);
    expect(isWithin(OFFICE, at('2026-01-05T16:59:59.999Z'), BERLIN)).toBe(true);
    expect(isWithin(OFFICE, at('2026-01-05T17:00:00Z'), BERLIN)).toBe(false);
  });

  it('is open on Friday afternoon and closed all Saturday and Sunday', () => {
    expect(isWithin(OFFICE, at('2026-01-09T16:30:00Z'), BERLIN)).toBe(true);
    expect(isWithin(OFFICE, at('2026-01-10T09:00:00Z'), BERLIN)).toBe(false);
    expect(isWithin(OFFICE, at('2026-01-11T12:00:00Z'), BERLIN)).toBe(false);
  });

  it('follows summer time: 08:00 local is 06:00 UTC in July', () => {
    expect(isWithin(OFFICE, at('2026-07-06T05:59:00Z'), BERLIN)).toBe(false);
    expect(isWithin(OFFICE, at('2026-07-06T06:00:00Z'), BERLIN)).toBe(true);
    expect(isWithin(OFFICE, at('2026-07-06T15:59:00Z'), BERLIN)).toBe(true);
    expect(isWithin(OFFICE, at('2026-07-06T16:00:00Z'), BERLIN)).toBe(false);
  });

  it('is never open with no windows', () => {
    expect(isWithin([], at('2026-01-05T10:00:00Z'), BERLIN)).toBe(false);
  });
});

describe('isWithin, windows past midnight', () => {
  const SATURDAY_NIGHT: TimeWindow[] = [{ days: ['sat'], from: '22:00', to: '06:00' }];

  it('belongs to the day it starts: Saturday 22:00 to Sunday 06:00', () => {
    expect(isWithin(SATURDAY_NIGHT, at('2026-01-10T20:59:00Z'), BERLIN)).toBe(false); // Sat 21:59
    expect(isWithin(SATURDAY_NIGHT, at('2026-01-10T21:00:00Z'), BERLIN)).toBe(true); // Sat 22:00
    expect(isWithin(SATURDAY_NIGHT, at('2026-01-10T23:30:00Z'), BERLIN)).toBe(true); // Sun 00:30
    expect(isWithin(SATURDAY_NIGHT, at('2026-01-11T04:59:00Z'), BERLIN)).toBe(true); // Sun 05:59
    expect(isWithin(SATURDAY_NIGHT, at('2026-01-11T05:00:00Z'), BERLIN)).toBe(false); // Sun 06:00
  });

  it('does not open on the night after a day that is not listed', () => {
    expect(isWithin(SATURDAY_NIGHT, at('2026-01-11T21:30:00Z'), BERLIN)).toBe(false); // Sun 22:30
    expect(isWithin(SATURDAY_NIGHT, at('2026-01-09T23:00:00Z'), BERLIN)).toBe(false); // Sat 00:00, Friday's night
    expect(isWithin(SATURDAY_NIGHT, at('2026-01-12T00:00:00Z'), BERLIN)).toBe(false); // Mon 01:00
  });

  it('reads 24:00 as the end of the day and a window ending at 00:00 as ending at midnight', () => {
    const lateFriday: TimeWindow[] = [{ days: ['fri'], from: '20:00', to: '24:00' }];
    expect(isWithin(lateFriday, at('2026-01-09T22:59:00Z'), BERLIN)).toBe(true); // Fri 23:59
    expect(isWithin(lateFriday, at('2026-01-09T23:00:00Z'), BERLIN)).toBe(false); // Sat 00:00
    const lateMonday: TimeWindow[] = [{ days: ['mon'], from: '22:00', to: '00:00' }];
    expect(isWithin(lateMonday, at('2026-01-05T22:59:00Z'), BERLIN)).toBe(true); // Mon 23:59
    expect(isWithin(lateMonday, at('2026-01-05T23:00:00Z'), BERLIN)).toBe(false); // Tue 00:00
    const allDay: TimeWindow[] = [{ days: ['sun'], from: '00:00', to: '24:00' }];
    expect(isWithin(allDay, at('2026-01-10T23:00:00Z'), BERLIN)).toBe(true); // Sun 00:00
    expect(isWithin(allDay, at('2026-01-11T22:59:59Z'), BERLIN)).toBe(true); // Sun 23:59:59
    expect(isWithin(allDay, at('2026-01-11T23:00:00Z'), BERLIN)).toBe(false); // Mon 00:00
  });
});

describe('isWithin on DST days in Europe/Berlin', () => {
  it('spring (29 March 2026, 02:00 → 03:00): a window in the skipped hour never opens, one around it opens at 03:00', () => {
    const skipped: TimeWindow[] = [{ days: ['sun'], from: '02:00', to: '03:00' }];
    for (const iso of ['2026-03-29T00:59:59Z', '2026-03-29T01:00:00Z', '2026-03-29T01:30:00Z']) {
      expect(isWithin(skipped, at(iso), BERLIN)).toBe(false);
    }
    const across: TimeWindow[] = [{ days: ['sun'], from: '02:30', to: '04:00' }];
    expect(isWithin(across, at('2026-03-29T00:59:59Z'), BERLIN)).toBe(false); // 01:59:59 CET
    expect(isWithin(across, at('2026-03-29T01:00:00Z'), BERLIN)).toBe(true); // 03:00 CEST
    expect(isWithin(across, at('2026-03-29T01:59:00Z'), BERLIN)).toBe(true); // 03:59 CEST
    expect(isWithin(across, at('2026-03-29T02:00:00Z'), BERLIN)).toBe(false); // 04:00 CEST
  });

  it('spring: the Monday after opens at 08:00 CEST, 06:00 UTC', () => {
    expect(isWithin(OFFICE, at('2026-03-30T05:59:00Z'), BERLIN)).toBe(false);
    expect(isWithin(OFFICE, at('2026-03-30T06:00:00Z'), BERLIN)).toBe(true);
  });

  it('autumn (25 October 2026, 03:00 → 02:00): a window over the repeated hour is open both times round', () => {
    const repeated: TimeWindow[] = [{ days: ['sun'], from: '02:00', to: '03:00' }];
    expect(isWithin(repeated, at('2026-10-24T23:59:00Z'), BERLIN)).toBe(false); // 01:59 CEST
    expect(isWithin(repeated, at('2026-10-25T00:00:00Z'), BERLIN)).toBe(true); // 02:00 CEST
    expect(isWithin(repeated, at('2026-10-25T00:59:00Z'), BERLIN)).toBe(true); // 02:59 CEST
    expect(isWithin(repeated, at('2026-10-25T01:00:00Z'), BERLIN)).toBe(true); // 02:00 CET, again
    expect(isWithin(repeated, at('2026-10-25T01:59:00Z'), BERLIN)).toBe(true); // 02:59 CET
    expect(isWithin(repeated, at('2026-10-25T02:00:00Z'), BERLIN)).toBe(false); // 03:00 CET
  });

  it('autumn: the Monday after opens at 08:00 CET, 07:00 UTC', () => {
    expect(isWithin(OFFICE, at('2026-10-26T06:30:00Z'), BERLIN)).toBe(false);
    expect(isWithin(OFFICE, at('2026-10-26T07:00:00Z'), BERLIN)).toBe(true);
  });
});

describe('isWithin west of UTC', () => {
  it('uses the local weekday in America/Los_Angeles, not the UTC one', () => {
    // 2026-01-06T04:00Z is Tuesday in UTC but Monday 20:00 PST.
    const instant = at('2026-01-06T04:00:00Z');
    expect(localTime(instant, 'America/Los_Angeles')).toEqual({ day: 'mon', minute: 20 * 60 });
    expect(isWithin([{ days: ['mon'], from: '18:00', to: '22:00' }], instant, 'America/Los_Angeles')).toBe(true);
    expect(isWithin([{ days: ['tue'], from: '00:00', to: '24:00' }], instant, 'America/Los_Angeles')).toBe(false);
    expect(isWithin([{ days: ['tue'], from: '00:00', to: '24:00' }], instant, 'UTC')).toBe(true);
  });
});

describe('Schedules', () => {
  const schedules = { office: OFFICE, weekend: [{ days: ['sat', 'sun'], from: '00:00', to: '24:00' }] } satisfies Record<string, TimeWindow[]>;

  it('allows anything without a schedule name, nothing for an unknown name, and the named one by the wall clock', () => {
    let wall = at('2026-01-05T10:00:00Z'); // Monday 11:00 in Berlin
    const s = new Schedules({ schedules, timeZone: BERLIN, wallClock: () => wall });
    expect(s.allows(undefined)).toBe(true);
    expect(s.allows('office')).toBe(true);
    expect(s.allows('weekend')).toBe(false);
    expect(s.allows('holidays')).toBe(false);
    expect(s.allows('constructor')).toBe(false);
    wall = at('2026-01-10T10:00:00Z'); // Saturday
    expect(s.allows('office')).toBe(false);
    expect(s.allows('weekend')).toBe(true);
  });

  it('refuses an unknown time zone at construction', () => {
    expect(() => new Schedules({ schedules, timeZone: 'Mars/Olympus_Mons', wallClock: () => 0 })).toThrow(RangeError);
  });

  it('without schedules asks Intl nothing at start, and takes the system zone when no zone is configured', () => {
    const formats = vi.spyOn(Intl, 'DateTimeFormat');
    try {
      const s = new Schedules({ schedules: {}, wallClock: () => 0 });
      expect(formats).not.toHaveBeenCalled();
      expect(s.allows(undefined)).toBe(true);
      expect(formats).not.toHaveBeenCalled();
      expect(s.timeZone).toBe(systemTimeZone());
    } finally {
      formats.mockRestore();
    }
  });
});

describe('systemTimeZone', () => {
  it('names a zone Intl accepts', () => {
    const zone = systemTimeZone();
    expect(zone).not.toBe('');
    expect(() => isWithin(OFFICE, 0, zone)).not.toThrow();
  });
});
