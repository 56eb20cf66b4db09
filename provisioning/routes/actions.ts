// What the page may make the device do: open the door, a test call, the hardware self-tests (a relay pulse, the LEDs,
// the speaker's tone, the microphone's level), and in the simulator a virtual bell press (`/api/actions/*`,
// `/api/simulate/button/<id>`).

import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { ActionResult, MicTestResult } from '../ports.ts';

const ID = /^[A-Za-z0-9_.-]{1,32}$/;

/** An optional id field of the body: absent, or a short id. */
function optionalId(body: unknown, name: string): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !ID.test(value)) throw new ApiError(400, 'INVALID', `${name} is not a valid id`, { fields: { [name]: 'letters, digits, . _ -' } });
  return value;
}

function answer(result: ActionResult): { ok: true; detail?: string } {
  if (!result.ok) throw new ApiError(409, result.code, result.message);
  return result.detail === undefined ? { ok: true } : { ok: true, detail: result.detail };
}

export function actionRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/api/actions/open-door', async (request) => {
    const relay = optionalId(request.body, 'relay');
    ctx.logger.info('webOpenDoor', { from: request.ip, ...(relay === undefined ? {} : { relay }) });
    return answer(ctx.actions.openDoor(relay));
  });

  app.post('/api/actions/test-call', async (request) => answer(ctx.actions.testCall(optionalId(request.body, 'button'))));

  app.post('/api/actions/pulse-relay', async (request) => {
    const relay = optionalId(request.body, 'relay');
    if (relay === undefined) throw new ApiError(400, 'INVALID', 'name the relay', { fields: { relay: 'required' } });
    const ms = (request.body as { ms?: unknown }).ms;
    if (ms !== undefined && (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 1 || ms > 60_000)) {
      throw new ApiError(400, 'INVALID', 'ms is 1 to 60000', { fields: { ms: 'a whole number of milliseconds, 1 to 60000' } });
    }
    return answer(ctx.actions.pulseRelay(relay, ms));
  });

  app.post('/api/actions/led-test', async () => answer(ctx.actions.ledTest()));

  app.post('/api/actions/speaker-test', async () => answer(ctx.actions.speakerTest()));

  app.post('/api/actions/mic-test', async (): Promise<{ ok: true; detail: string; levelDbfs: number }> => {
    const result: MicTestResult = await ctx.actions.micTest();
    if (!result.ok) throw new ApiError(409, result.code, result.message);
    return { ok: true, detail: result.detail, levelDbfs: result.levelDbfs };
  });

  app.post('/api/simulate/button/:id', async (request) => {
    const press = ctx.actions.pressButton;
    if (press === undefined) throw new ApiError(404, 'NOT_FOUND', 'virtual buttons exist only in the simulator');
    const id = (request.params as { id: string }).id;
    if (!ID.test(id)) throw new ApiError(400, 'INVALID', 'not a valid button id');
    return answer(press(id));
  });
}
