// The setup line names an address a phone can open, not 0.0.0.0.
import { describe, expect, it } from 'vitest';
import { addressForPeople } from '../../firmware-app/platform/pageAddress.ts';

describe('addressForPeople', () => {
  it('names the machine on the local network for a page on every address', () => {
    expect(addressForPeople('http://0.0.0.0:8080/', 'doorpi')).toBe('http://doorpi.local:8080/');
    expect(addressForPeople('https://[::]:8443/', 'doorpi')).toBe('https://doorpi.local:8443/');
  });

  it('leaves a page on one address alone, and a name mDNS cannot carry', () => {
    expect(addressForPeople('http://127.0.0.1:8080/', 'doorpi')).toBeUndefined();
    expect(addressForPeople('http://192.168.1.20:8080/', 'doorpi')).toBeUndefined();
    expect(addressForPeople('http://0.0.0.0:8080/', 'door.example.org')).toBeUndefined();
    expect(addressForPeople('http://0.0.0.0:8080/', '')).toBeUndefined();
  });
});
