// GET /api/events: a `status` event at connect and after each change, a heartbeat comment every 15 s (fake clock),
// the subscription dropped when the stream ends.
import { afterEach, expect, it } from 'vitest';
import { setUpHarness, type Harness } from './support/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The `status` events' door states in a stream's text. */
function doorStates(text: string): string[] {
  return text.split('\n\n').filter((block) => block.startsWith('event: status\n'))
    .map((block) => (JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { door: { state: string } }).door.state);
}

it('sends the snapshot, a status event per change (none for no change), and heartbeats every 15 s', async () => {
  let admin;
  ({ h, admin } = await setUpHarness());
  const stream = h.server.app.inject({ method: 'GET', url: '/api/events', headers: { cookie: admin.cookie! } });
  await h.status.subscribed();
  h.status.setDoor('calling');
  h.status.setDoor('calling');
  h.clock.advance(15_000);
  h.status.setDoor('connected');
  h.clock.advance(15_000);
  expect(h.status.listeners).toBe(1);
  await h.server.close();
  const response = await stream;
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  expect(response.headers['content-security-policy']).toContain("default-src 'self'");
  expect(doorStates(response.body)).toEqual(['idle', 'calling', 'connected']);
  expect(response.body.match(/^: heartbeat$/gm)).toHaveLength(2);
  expect(h.status.listeners).toBe(0);
  expect(h.clock.pending).toBe(0);
});
