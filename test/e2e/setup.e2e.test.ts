// The configuration page in a real headless Chromium: first-start setup with the code the door printed, logout and
// login, the live status; and every screen rendered (screenshots at a phone's and a desktop's viewport).

import { describe, expect, it } from 'vitest';
import { STEP_MS, screenshots } from '../support/browser.ts';
import { ADMIN_PASSWORD, completeSetup, eventually, openScreen, startWithBrowser } from './flows.ts';

describe('first start and login', () => {
  it('setup with the code from the log, then logout and login; the status shows standalone and, live, the bell press in the event log', async () => {
    const { door, page, url, setupCode } = await startWithBrowser();
    await page.goto(url);
    await page.locator('#setup-code').waitFor();
    expect(await page.locator('#registration-state').count(), 'nothing but setup before setup').toBe(0);
    await screenshots(page, 'setup');

    // A wrong code first: refused beside the field, the device still waits for setup.
    await page.locator('#setup-code').fill('not-the-code');
    await page.locator('#setup-password').fill(ADMIN_PASSWORD);
    await page.locator('#setup-repeat').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await eventually(() => page.locator('form p.error[role=alert]').textContent()).toMatch(/wrong setup code/);
    await door.waitForLine(/ loginFailed .*what=setupCode/, 5000);
    expect(await page.locator('#registration-state').count()).toBe(0);

    await completeSetup(page, url, setupCode);
    await door.waitForLine(/ setupCompleted\b/, 5000);
    await eventually(() => page.locator('#registration-state').textContent()).toMatch(/Standalone/);
    await eventually(() => page.getByRole('status').filter({ hasText: 'live' }).count(), STEP_MS, 'the event stream is connected').toBe(1);

    // The bell pressed at the door (stdin of the simulator): the status screen shows it without a reload.
    const calls = page.locator('section.card', { has: page.getByRole('heading', { name: 'Last calls' }) });
    expect(await calls.textContent()).not.toMatch(/Bell pressed/);
    door.ring();
    await eventually(() => calls.textContent(), 5000).toMatch(/Bell pressed/);
    await screenshots(page, 'status');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-password').waitFor();
    await door.waitForLine(/ loggedOut\b/, 5000);
    await screenshots(page, 'login');
    await page.locator('#login-password').fill('wrong password!');
    await page.getByRole('button', { name: 'Log in' }).click();
    await eventually(() => page.locator('#login-password-error').textContent()).toBeTruthy();
    await page.locator('#login-password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await eventually(() => page.locator('#registration-state').textContent()).toMatch(/Standalone/);
    await door.waitForLine(/ loggedIn\b/, 5000);
    // A reload keeps the session (the cookie), and the status is still live.
    await page.reload();
    await eventually(() => page.locator('#registration-state').textContent()).toMatch(/Standalone/);
  }, 30_000);

  it('every screen renders on a phone and a desktop without errors in the page', async () => {
    const { page, url, setupCode, session } = await startWithBrowser();
    await completeSetup(page, url, setupCode);
    const since = session.console.length; // before setup, /api/status answered 401 as it must
    const labels = await page.getByRole('navigation', { name: 'Screens' }).getByRole('link').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['Status', 'SIP', 'Buttons', 'Self-test', 'Maintenance', 'Simulator']));
    for (const label of labels) {
      await openScreen(page, label);
      // Forms have loaded their section (no "Loading…" left).
      await eventually(() => page.getByText('Loading…').count()).toBe(0);
      await screenshots(page, `screen-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`);
    }
    expect(session.console.slice(since).filter((line) => /^(error|pageerror)/.test(line))).toEqual([]);
  }, 40_000);
});
