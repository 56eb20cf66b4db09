// parseConfigText: a file that is not JSON is refused with where the mistake is, never with the text around it.
import { describe, expect, it } from 'vitest';
import { blankComments, parseConfigText } from '../../firmware-app/config/configText.ts';

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

describe('comments in a config file', () => {
  it('takes // and /* */ comments outside strings, and keeps // inside strings', () => {
    const text = '{\n  // the PBX\n  "registrar": "sip://pbx", /* a block\n comment */ "n": 1\n}\n';
    expect(parseConfigText(text)).toEqual({ ok: true, value: { registrar: 'sip://pbx', n: 1 } });
  });

  it('keeps a quote escaped inside a string from ending it', () => {
    expect(parseConfigText('{ "a": "x\\" // y" }')).toEqual({ ok: true, value: { a: 'x" // y' } });
  });

  it('reports a mistake after a comment at the line and column of the file', () => {
    expect(parseConfigText('{\n  // note\n  "a": 1,,\n}')).toEqual({ ok: false, problem: 'not JSON: a mistake at line 3, column 10' });
  });

  it('blanks comments with spaces, keeping line breaks', () => {
    expect(blankComments('1 /* a\nb */ // c\n2')).toBe(`1     \n${' '.repeat(9)}\n2`);
  });
});
