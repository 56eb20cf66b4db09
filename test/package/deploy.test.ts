// scripts/deploy.ts: what `npm run deploy -- user@host …` accepts and the scp/ssh commands it would run (no ssh here).
import { describe, expect, it } from 'vitest';
import { archQuery, deployCommands, parseDeployArgs } from '../../scripts/deploy.ts';

describe('npm run deploy arguments', () => {
  it('takes [user@]host with defaults: ask the device its architecture, build, ssh port 22', () => {
    expect(parseDeployArgs(['pi@doorbell.local'])).toEqual({ target: 'pi@doorbell.local', arch: undefined, port: undefined, build: true, dryRun: false });
    expect(parseDeployArgs(['192.168.1.20']).target).toBe('192.168.1.20');
    expect(parseDeployArgs(['pi@[fe80::1]']).target).toBe('pi@[fe80::1]');
  });

  it('takes --arch, --port, --no-build and --dry-run in any order', () => {
    expect(parseDeployArgs(['--arch', 'armhf', 'pi@door', '--port', '2222', '--no-build', '--dry-run']))
      .toEqual({ target: 'pi@door', arch: 'armhf', port: 2222, build: false, dryRun: true });
  });

  it.each([
    [[], /which device/],
    [['pi@a', 'pi@b'], /one device at a time/],
    [['--arch', 'mips', 'pi@door'], /unknown architecture mips/],
    [['pi@door', '--arch'], /--arch needs a value/],
    [['pi@door', '--port', '70000'], /not a port number/],
    [['pi@door', '--port', '22x'], /not a port number/],
    [['pi@door', '--force'], /unknown option --force/],
    [['-oProxyCommand=touch /tmp/x'], /unknown option/],
    [['pi@door;reboot'], /is not a \[user@\]host/],
    [['pi@door rm'], /is not a \[user@\]host/],
  ])('refuses %j with the usage', (args, message) => {
    expect(() => parseDeployArgs(args)).toThrow(message);
    expect(() => parseDeployArgs(args)).toThrow(/usage: npm run deploy -- \[user@\]host/);
  });

  it('copies the .deb to /tmp on the device and installs it there with sudo apt-get, then removes the copy', () => {
    const options = parseDeployArgs(['pi@door', '--port', '2222']);
    const [scp, ssh] = deployCommands(options, '/src/dist/deb/sip-doorbell_0.1.0_arm64.deb');
    expect(scp).toEqual(['scp', '-P', '2222', '/src/dist/deb/sip-doorbell_0.1.0_arm64.deb', 'pi@door:/tmp/sip-doorbell_0.1.0_arm64.deb']);
    expect(ssh!.slice(0, 5)).toEqual(['ssh', '-t', '-p', '2222', 'pi@door']);
    expect(ssh![5]).toMatch(/^sudo apt-get install -y --reinstall \/tmp\/sip-doorbell_0\.1\.0_arm64\.deb; status=\$\?; rm -f \/tmp\/sip-doorbell_0\.1\.0_arm64\.deb; exit \$status$/);
    expect(archQuery(parseDeployArgs(['pi@[fd00::5]']))).toEqual(['ssh', 'pi@fd00::5', 'dpkg --print-architecture']);
  });
});
