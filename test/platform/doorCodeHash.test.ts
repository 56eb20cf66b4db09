// scrypt door-code hashes: the stored format the schema accepts, verify in constant time, malformed hashes are "no".
import { describe, expect, it } from 'vitest';
import { DOOR_CODE_HASH, DoorCodeSchema } from '../../firmware-app/config/schema.ts';
import { createScryptCodeHasher } from '../../firmware-app/platform/doorCodeHash.ts';

const hasher = createScryptCodeHasher({ log2N: 10 });

describe('createScryptCodeHasher', () => {
  it('writes scrypt$log2N$r$p$salt$key with a 16-byte salt and a 32-byte key, accepted by the config schema', async () => {
    const hash = await hasher.hash('4711');
    const parts = hash.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', '10', '8', '1']);
    expect(Buffer.from(parts[4]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5]!, 'base64')).toHaveLength(32);
    expect(hash).toMatch(DOOR_CODE_HASH);
    expect(DoorCodeSchema.safeParse({ name: 'family', hash }).success).toBe(true);
    expect(hash).not.toContain('4711');
  });

  it('uses log2N 14, r 8, p 1 by default and salts every hash', async () => {
    const defaults = createScryptCodeHasher();
    const a = await defaults.hash('0000');
    const b = await defaults.hash('0000');
    expect(a.startsWith('scrypt$14$8$1$')).toBe(true);
    expect(a).not.toBe(b);
    expect(await defaults.verify('0000', b)).toBe(true);
  });

  it('verifies the right code and refuses others, including a prefix and a longer code', async () => {
    const hash = await hasher.hash('123456');
    expect(await hasher.verify('123456', hash)).toBe(true);
    expect(await hasher.verify('123457', hash)).toBe(false);
    expect(await hasher.verify('12345', hash)).toBe(false);
    expect(await hasher.verify('1234567', hash)).toBe(false);
  });

  it('checks a hash with the parameters written in it, not its own', async () => {
    const strong = createScryptCodeHasher({ log2N: 11, r: 4, p: 2 });
    const hash = await strong.hash('2580');
    expect(hash.startsWith('scrypt$11$4$2$')).toBe(true);
    expect(await hasher.verify('2580', hash)).toBe(true);
  });

  it('resolves false, never throws, for malformed hashes and a key of another length', async () => {
    const good = await hasher.hash('9999');
    const [, , , , salt, key] = good.split('$');
    const shortKey = Buffer.from(key!, 'base64').subarray(0, 20).toString('base64');
    const malformed = [
      '',
      'plain-text-code',
      good.replace('scrypt$', 'bcrypt$'),
      good.replace('$10$', '$9$'),
      good.replace('$10$', '$21$'),
      good.replace('$8$', '$17$'),
      good.replace('$1$', '$5$'),
      `scrypt$10$8$1$${salt}`,
      `scrypt$10$8$1$${salt}$${key}$extra`,
      `scrypt$10$8$1$${salt}$!!!${key!.slice(3)}`,
    ];
    for (const hash of malformed) expect(await hasher.verify('9999', hash), hash).toBe(false);
    // A shorter stored key is derived at its own length and compared without timingSafeEqual throwing: still a match
    // for the right code (scrypt's output is a prefix-stable stream), a miss for a wrong one.
    expect(await hasher.verify('9999', `scrypt$10$8$1$${salt}$${shortKey}`)).toBe(true);
    expect(await hasher.verify('9998', `scrypt$10$8$1$${salt}$${shortKey}`)).toBe(false);
  });

  it('resolves false for a typed code that is not 1 to 16 digits', async () => {
    const hash = await hasher.hash('1234');
    for (const code of ['', '12a4', '1234 ', '12345678901234567']) expect(await hasher.verify(code, hash)).toBe(false);
  });

  it('refuses to hash anything but 1 to 16 digits with DOOR_CODE_INVALID', async () => {
    for (const code of ['', '12a4', '*123', '12345678901234567', '１２３']) {
      await expect(hasher.hash(code)).rejects.toMatchObject({ name: 'DoorbellError', code: 'DOOR_CODE_INVALID' });
    }
    expect(await hasher.hash('1234567890123456')).toMatch(DOOR_CODE_HASH);
  });

  it('refuses cost parameters outside what the schema accepts', () => {
    expect(() => createScryptCodeHasher({ log2N: 9 })).toThrow(expect.objectContaining({ code: 'DOOR_CODE_HASH_PARAMETERS' }));
    expect(() => createScryptCodeHasher({ log2N: 21 })).toThrow(expect.objectContaining({ code: 'DOOR_CODE_HASH_PARAMETERS' }));
    expect(() => createScryptCodeHasher({ r: 0 })).toThrow(expect.objectContaining({ code: 'DOOR_CODE_HASH_PARAMETERS' }));
  });

  it("raises maxmem past node's 32 MiB default, so costly hashes (here N = 2^17, 128 MiB) work", async () => {
    const costly = createScryptCodeHasher({ log2N: 17 });
    const hash = await costly.hash('31337');
    expect(hash.startsWith('scrypt$17$8$1$')).toBe(true);
    expect(await hasher.verify('31337', hash)).toBe(true);
  });
});
