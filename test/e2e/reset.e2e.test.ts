// Factory reset from the maintenance screen in a real headless Chromium: typed confirmation, then the setup screen
// again with a new one-time code printed by the door.

import { describe, expect, it } from 'vitest';
import { screenshots, setupLine } from '../support/browser.ts';
import { completeSetup, eventually, openScreen, startWithBrowser } from './flows.ts';

describe('factory reset', () => {
  it('typing RESET resets the door: the setup screen comes back, a new code is printed and works', async () => {
    const { door, page, url, setupCode } = await startWithBrowser();
    await completeSetup(page, url, setupCode);
    await openScreen(page, 'Maintenance');
    const reset = page.getByRole('button', { name: 'Reset to factory settings' });
    expect(await reset.isDisabled(), 'no reset without the typed confirmation').toBe(true);
    await page.locator('#reset-confirm').fill('reset');
    expect(await reset.isDisabled()).toBe(true);
    await page.locator('#reset-confirm').fill('RESET');
    await screenshots(page, 'maintenance');
    const mark = door.lines().length;
    await reset.click();

    await page.locator('#setup-code').waitFor();
    await door.waitForLine(/ factoryReset\b/, 5000, mark);
    const again = await setupLine(door, mark, 5000);
    expect(again.setupCode).not.toBe(setupCode);
    await screenshots(page, 'setup-after-reset');
    // The old session is over: a reload still shows setup, not the device's screens.
    await page.reload();
    await page.locator('#setup-code').waitFor();
    expect(await page.locator('#registration-state').count()).toBe(0);
    // The old code no longer works; the new one does.
    await page.locator('#setup-code').fill(setupCode);
    await page.locator('#setup-password').fill('another good password');
    await page.locator('#setup-repeat').fill('another good password');
    await page.getByRole('button', { name: 'Set password' }).click();
    await eventually(() => page.locator('form p.error[role=alert]').textContent()).toMatch(/wrong setup code/);
    await door.waitForLine(/ loginFailed .*what=setupCode/, 5000, mark);
    await completeSetup(page, url, again.setupCode);
  }, 30_000);
});
