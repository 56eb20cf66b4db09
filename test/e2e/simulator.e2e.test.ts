// The simulator's screens in a real headless Chromium: the virtual bell button rings baresip registered as `flat`,
// which answers; the relay self-test pulses the simulated relay and the page shows it live.

import { describe, expect, it, onTestFinished } from 'vitest';
import { startBaresip } from '../support/baresip.ts';
import { screenshots } from '../support/browser.ts';
import { listenerPort } from '../support/ports.ts';
import { FLAT_PASSWORD, completeSetup, eventually, openScreen, standaloneConfig, startWithBrowser } from './flows.ts';

describe('simulator screen', () => {
  it('the virtual bell button rings baresip registered as flat, which answers', async () => {
    const { door, page, url, setupCode } = await startWithBrowser();
    const sipPort = await door.port('udp');
    const phone = startBaresip({
      port: await listenerPort('127.0.0.1', 2),
      account: `<sip:flat@127.0.0.1:${sipPort};transport=udp>;auth_pass=${FLAT_PASSWORD};answermode=auto;regint=60`,
      toneSeconds: 20,
    });
    onTestFinished(() => phone.stop());
    await completeSetup(page, url, setupCode);
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000);
    await openScreen(page, 'Simulator');
    await screenshots(page, 'simulator');

    const mark = door.lines().length;
    const phoneMark = phone.mark();
    await page.getByRole('button', { name: 'Ring button 1' }).click();
    await door.waitForLine(/ info buttonPressed .*button=1\b/, 5000, mark);
    // The press lights the indicator (for 3 s), live.
    await eventually(() => page.locator('#button-indicator').getAttribute('class'), 3000).toMatch(/\bon\b/);
    expect(await page.locator('#button-indicator').textContent()).toMatch(/button 1/);
    const started = await door.waitForLine(/ info callStarted /, 5000, mark);
    expect(started).toMatch(/\bbutton=1\b/);
    await phone.waitFor(/Call established/, 10_000, phoneMark);
    await door.waitForLine(/ mediaStarted /, 10_000, mark);
    // The door's state shows the call, live.
    await eventually(() => page.getByText(/Door state: .*\(call /).count(), 5000).toBe(1);
    await screenshots(page, 'simulator-call');
    // The status screen's event log lists the press and the answered call.
    await openScreen(page, 'Status');
    const calls = page.locator('section.card', { has: page.getByRole('heading', { name: 'Last calls' }) });
    await eventually(() => calls.textContent()).toMatch(/Call answered/);
    expect(await calls.textContent()).toMatch(/Bell pressed/);
    phone.command('/hangup');
  }, 30_000);

  it('the relay self-test pulses the door relay: logged as a self-test, shown on while it is driven', async () => {
    const { door, page, url, setupCode } = await startWithBrowser(standaloneConfig());
    await completeSetup(page, url, setupCode);
    await openScreen(page, 'Self-test');
    const lamp = page.locator('li[data-relay=door]');
    expect(await lamp.getAttribute('class')).not.toMatch(/\bon\b/);
    expect(await page.locator('#pulse-relay').inputValue()).toBe('door');
    await page.locator('#pulse-ms').fill('3000');
    const mark = door.lines().length;
    await page.getByRole('button', { name: 'Pulse relay' }).click();
    const pulsed = await door.waitForLine(/ info relayPulsed /, 5000, mark);
    expect(pulsed).toMatch(/\brelay=door\b/);
    expect(pulsed).toMatch(/\bms=3000\b/);
    expect(pulsed).toMatch(/\bfor=selfTest\b/);
    await eventually(() => lamp.getAttribute('class'), 3000).toMatch(/\bon\b/);
    expect(await lamp.textContent()).toMatch(/on/);
    await screenshots(page, 'selftest-relay-on');
    // Released after the pulse: the lamp goes off again by itself.
    await door.waitForLine(/ info relayReleased .*relay=door/, 7000, mark);
    await eventually(() => lamp.getAttribute('class'), 3000).not.toMatch(/\bon\b/);
  }, 30_000);
});
