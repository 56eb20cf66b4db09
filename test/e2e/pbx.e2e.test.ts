// A PBX account entered on the SIP screen in a real headless Chromium, against a real Kamailio: saved, applied live
// (the door re-registers without a restart), and the status screen turns to "Registered".

import { describe, expect, it } from 'vitest';
import { screenshots } from '../support/browser.ts';
import { startKamailio } from '../support/kamailio.ts';
import { doorBound } from '../interop/kamailio/rig.ts';
import { completeSetup, eventually, openScreen, startWithBrowser } from './flows.ts';

const DOOR_PASSWORD = 'door-Pa55word';

describe('PBX account', () => {
  it('entering the Kamailio account on the SIP screen registers the door live; the status shows registered', async () => {
    const [kamailio, started] = await Promise.all([
      startKamailio({ users: { door: DOOR_PASSWORD, flat: 'flat-Pa55word' } }),
      startWithBrowser(),
    ]);
    const { door, page, url, setupCode } = started;
    await completeSetup(page, url, setupCode);
    await eventually(() => page.locator('#registration-state').textContent()).toMatch(/Standalone/);

    await openScreen(page, 'SIP');
    await page.locator('#sip-mode').selectOption('registered');
    await page.locator('#sip-account-registrar').fill(`sip:127.0.0.1:${kamailio.ports.udp}`);
    await page.locator('#sip-account-user').fill('door');
    await page.locator('#sip-account-password').fill(DOOR_PASSWORD);
    await page.locator('#sip-account-transport').selectOption('udp');
    await screenshots(page, 'sip-pbx-account');
    const mark = door.lines().length;
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByRole('status').filter({ hasText: 'Saved and applied.' }).count(), 5000).toBe(1);
    await door.waitForLine(/ configSaved section=sip\b/, 5000, mark);
    // The password is write-only: after the save the form says it is set, and shows no value.
    await eventually(() => page.locator('label[for=sip-account-password]').textContent()).toMatch(/\(set\)/);
    expect(await page.locator('#sip-account-password').inputValue()).toBe('');

    await door.waitForLine(/ info registered /, 10_000, mark);
    await doorBound(kamailio, 5000);
    await openScreen(page, 'Status');
    await eventually(() => page.locator('#registration-state').textContent(), 5000).toBe('Registered');
    expect(await page.locator('dl').first().textContent()).toMatch(/PBX account/);
    await screenshots(page, 'status-registered');
    // Applied live: the same process went on (no second start, no stop), the SIP stack re-registered inside it.
    await door.waitForLine(/ info configApplied\b/, 5000, mark);
    expect(door.lines().slice(mark).filter((line) => / info (started|stopping|stopped)\b/.test(line))).toEqual([]);
  }, 40_000);
});
