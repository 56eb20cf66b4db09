// The real spawner's command line: every long-running gpiod tool runs under `setpriv --pdeathsig KILL --` so that it
// dies with node (a crash or SIGKILL must not leave a gpioset holding the relay line), the plain tool where
// /usr/bin/setpriv does not exist; the check is made once.

import { describe, expect, it } from 'vitest';
import { createSpawnTool, deathBoundCommand, SETPRIV } from '../../../hal/gpio/chardev/spawnTool.ts';
import { FakeChild } from '../support/fakeChild.ts';

function spawner(setprivThere: boolean) {
  const asked: string[] = [];
  const spawned: FakeChild[] = [];
  const spawn = createSpawnTool({
    exists: (path) => {
      asked.push(path);
      return setprivThere;
    },
    spawn: (command, args) => {
      const child = new FakeChild(command, args);
      spawned.push(child);
      return child;
    },
  });
  return { spawn, asked, spawned };
}

describe('spawnTool', () => {
  it('builds setpriv --pdeathsig KILL -- <tool> <args>, or the tool alone', () => {
    expect(deathBoundCommand('gpioset', ['-i', '-c', 'gpiochip0', '27=0'], true)).toEqual({
      command: '/usr/bin/setpriv',
      args: ['--pdeathsig', 'KILL', '--', 'gpioset', '-i', '-c', 'gpiochip0', '27=0'],
    });
    expect(deathBoundCommand('gpiomon', ['-b', 'gpiochip0', '17'], false)).toEqual({ command: 'gpiomon', args: ['-b', 'gpiochip0', '17'] });
  });

  it('with setpriv: every tool wrapped; /usr/bin/setpriv looked up once', () => {
    const { spawn, asked, spawned } = spawner(true);
    spawn('gpiomon', ['-c', 'gpiochip4', '17']);
    spawn('gpioset', ['-c', 'gpiochip4', '27=0']);
    expect(asked).toEqual([SETPRIV]);
    expect(spawned.map((c) => [c.command, ...c.args].join(' '))).toEqual([
      '/usr/bin/setpriv --pdeathsig KILL -- gpiomon -c gpiochip4 17',
      '/usr/bin/setpriv --pdeathsig KILL -- gpioset -c gpiochip4 27=0',
    ]);
  });

  it('without setpriv: the plain tool, still looked up once', () => {
    const { spawn, asked, spawned } = spawner(false);
    spawn('gpiomon', ['17']);
    spawn('gpiomon', ['17']);
    expect(asked).toHaveLength(1);
    expect(spawned.map((c) => [c.command, ...c.args])).toEqual([['gpiomon', '17'], ['gpiomon', '17']]);
  });
});
