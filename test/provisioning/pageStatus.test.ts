// The status screen's notice for a door that could not start (DeviceStatus.notRunning): the sentence it reads at a
// given browser time, the countdown never negative, a red alert box, and shown first on the screen only when the
// status has notRunning. Rendered to a preact element tree (no DOM in these tests) and read as text.
import { describe, expect, it } from 'vitest';
import type { VNode } from 'preact';
import type { DeviceStatus, NotRunning } from '../../provisioning/ports.ts';
import { NotRunningBanner, StatusScreen, secondsUntil } from '../../provisioning/page/app/screens/status.ts';
import type { ScreenProps } from '../../provisioning/page/app/App.ts';

type Node = VNode | string | number | boolean | null | undefined | Node[];

/** The text a browser would show for `node`; components without hooks are rendered on the way. */
function textOf(node: Node): string {
  if (node === null || node === undefined || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (typeof node.type === 'function') return textOf((node.type as (props: unknown) => Node)(node.props));
  return textOf((node.props as { children?: Node }).children);
}

/** The element nodes of a tree, depth first (components not rendered). */
function elements(node: Node): VNode[] {
  if (node === null || node === undefined || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(elements);
  return [node, ...elements((node.props as { children?: Node }).children)];
}

const props = (node: VNode): Record<string, unknown> => node.props as Record<string, unknown>;

const DOWN: NotRunning = { reason: 'SIP port 5060 is taken (EADDRINUSE).', since: 1_700_000_000_000, nextTry: 1_700_000_030_000, attempts: 2 };

describe('the not-running notice', () => {
  it('says why the door is down and counts down to the next try by the browser clock', () => {
    const banner = NotRunningBanner({ notRunning: DOWN, now: DOWN.nextTry - 12_300 }) as VNode;
    const first = textOf(elements(banner).find((node) => node.type === 'strong'));
    expect(first).toBe('The door is not running: SIP port 5060 is taken (EADDRINUSE). Next try in 13 s (attempt 3).');
    expect(props(banner)['class']).toBe('error-box');
    expect(props(banner)['role']).toBe('alert');
    expect(textOf(banner)).toContain('keeps trying on its own');
  });

  it('never counts below 0 s, however late the next try or fast the browser clock', () => {
    expect(secondsUntil(10_000, 10_000)).toBe(0);
    expect(secondsUntil(10_000, 9_001)).toBe(1);
    expect(secondsUntil(10_000, 75_000)).toBe(0);
    const late = textOf(NotRunningBanner({ notRunning: DOWN, now: DOWN.nextTry + 60_000 }) as VNode);
    expect(late).toContain('Next try in 0 s (attempt 3).');
    expect(late).not.toMatch(/-\d/);
  });

  it('names a reason that is missing instead of leaving a gap', () => {
    const text = textOf(NotRunningBanner({ notRunning: { ...DOWN, reason: ' ' }, now: DOWN.nextTry }) as VNode);
    expect(text).toContain('The door is not running: no reason given. Next try in 0 s');
  });
});

describe('the status screen', () => {
  const status = {
    version: '0.1.0', mode: 'device', sipMode: 'standalone', registration: { state: 'standalone' }, door: { state: 'idle' },
    refused: {}, recentEvents: [], relays: [], leds: [], startedFromBackup: false, configOrigin: { from: 'file', problems: [] },
  } satisfies DeviceStatus;
  const screen = (device: DeviceStatus): Node => StatusScreen({ status: device } as unknown as ScreenProps) as Node;
  const noticeOf = (tree: Node): VNode | undefined => elements(tree).find((node) => typeof node.type === 'function' && node.type.name === 'NotRunningNotice');

  it('shows the notice right under the title while the door is not running', () => {
    const tree = screen({ ...status, notRunning: DOWN });
    const notice = noticeOf(tree);
    expect(notice, 'a notice').toBeDefined();
    expect(props(notice!)['notRunning']).toEqual(DOWN);
    // Nothing but the title comes before it.
    const top = (Array.isArray(tree) ? tree : [tree]).filter((node) => typeof node === 'object' && node !== null);
    expect((top[0] as VNode).type).toBe('h1');
    expect(top[1]).toBe(notice);
  });

  it('shows no notice while the door runs', () => {
    expect(noticeOf(screen(status))).toBeUndefined();
  });
});
