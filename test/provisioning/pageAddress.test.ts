// The page's own address after a change of `web.listen`, as the Network screen names it: a wildcard address becomes
// the host the browser uses now; port 0 and text that is no URL give none (the schema says what is wrong).
import { describe, expect, it } from 'vitest';
import { defaultPageListen, pageUrlAfter } from '../../provisioning/page/app/address.ts';

describe('the page address after a change', () => {
  it('keeps a given address and port', () => {
    expect(pageUrlAfter('http://192.168.1.20:8081', 'door.local')).toBe('http://192.168.1.20:8081/');
    expect(pageUrlAfter('https://192.168.1.20:8443/', 'door.local')).toBe('https://192.168.1.20:8443/');
    expect(pageUrlAfter(' http://[fe80::1]:8080 ', 'door.local')).toBe('http://[fe80::1]:8080/');
  });

  it('puts the host the browser uses now in place of a wildcard address', () => {
    expect(pageUrlAfter('http://0.0.0.0:9000', 'door.local')).toBe('http://door.local:9000/');
    expect(pageUrlAfter('https://[::]:8443', '192.168.1.20')).toBe('https://192.168.1.20:8443/');
    expect(pageUrlAfter('http://0.0.0.0:9000', 'fe80::2')).toBe('http://[fe80::2]:9000/');
  });

  it('names none for port 0 or text that is no http(s) URL', () => {
    expect(pageUrlAfter('http://127.0.0.1:0', 'door.local')).toBeUndefined();
    expect(pageUrlAfter('http://127.0.0.1:0/', 'door.local')).toBeUndefined();
    expect(pageUrlAfter('door:8080 please', 'door.local')).toBeUndefined();
    expect(pageUrlAfter('ftp://127.0.0.1:21', 'door.local')).toBeUndefined();
  });

  it('knows the addresses used when the config names none', () => {
    expect(pageUrlAfter(defaultPageListen(false), 'door.local')).toBe('http://door.local:8080/');
    expect(pageUrlAfter(defaultPageListen(true), 'localhost')).toBe('http://127.0.0.1:8080/');
  });
});
