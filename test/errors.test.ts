// errorMessage: a log field that names the error (class and code), so a line says what failed, not just how.
import { describe, expect, it } from 'vitest';
import { DoorbellError, InternalError, errorMessage } from '../firmware-app/errors.ts';
import { TransportError } from '../firmware-app/sip/transport/types.ts';

describe('errorMessage', () => {
  it('names our errors by class and code before the message', () => {
    expect(errorMessage(new TransportError('CONNECT_FAILED', 'cannot connect to 10.0.0.1:5061'))).toBe(
      'TransportError CONNECT_FAILED: cannot connect to 10.0.0.1:5061',
    );
    expect(errorMessage(new InternalError('BUG', 'the call ended'))).toBe('InternalError BUG: the call ended');
    expect(errorMessage(new DoorbellError('CONFIG_INVALID', ''))).toBe('DoorbellError CONFIG_INVALID');
  });

  it('names built-in errors by class, and says a code the message already starts with once', () => {
    expect(errorMessage(new SyntaxError('Unexpected token } in JSON'))).toBe('SyntaxError: Unexpected token } in JSON');
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), { code: 'ENOENT' });
    expect(errorMessage(enoent)).toBe("Error: ENOENT: no such file or directory, open '/x'");
  });

  it('writes anything else thrown as text', () => {
    expect(errorMessage('gone')).toBe('gone');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
