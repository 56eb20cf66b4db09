// parseConfigText: a file that is not JSON is refused with where the mistake is, never with the text around it.
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../firmware-app/config/configText.ts';

describe('parseConfigText', () => {
  it('parses JSON', () => {
    expect(parseConfigText('{"sip": {"mode": "standalone"}}\n')).toEqual({ ok: true, value: { sip: { mode: 'standalone' } } });
  });

  it.each([
    ['{\n  "sip": {\n    "mode": "standalone",\n  }\n}', 'not JSON: a mistake at line 4, column 3'],
    ['{"account": {"password": hunter2}}', 'not JSON: a mistake at line 1, column 26'],
    ['{"a": "x"\n "b": 2}', 'not JSON: a mistake at line 2, column 2'],
    ['{"a": 1}}', 'not JSON: a mistake at line 1, column 9'],
    ['{"sip": {"users": [', 'not JSON: the text ends too early (line 1, column 20)'],
    ['  \n', 'empty, not JSON'],
  ])('says where %j breaks', (text, problem) => {
    expect(parseConfigText(text)).toEqual({ ok: false, problem });
  });

  it('never quotes the text, which may hold a password', () => {
    const result = parseConfigText('{"password": hunter2-secret}');
    expect(JSON.stringify(result)).not.toMatch(/hunter|secret/);
  });
});
