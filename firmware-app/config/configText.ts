// Reads a config file's text as JSON (with // and /* */ comments, as in the commented example), and when it is not
// JSON says where, without quoting the text (it holds passwords).

export type ConfigTextResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/**
 * JSON.parse, with a failure told as `not JSON: a mistake at line 3, column 14` instead of V8's message, which
 * quotes the text around the mistake (`Unexpected token 'h', ..."assword": hunter2}"…`).
 */
export function parseConfigText(source: string): ConfigTextResult {
  const text = blankComments(source);
  if (text.trim() === '') return { ok: false, problem: 'empty, not JSON' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const at = mistakeAt(text);
    if (at === undefined) return { ok: false, problem: `not JSON: the text ends too early (${lineAndColumn(text, text.length)})` };
    return { ok: false, problem: `not JSON: a mistake at ${lineAndColumn(text, at)}` };
  }
}

/** Does this prefix of a JSON text break, rather than merely stop early? */
function breaks(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (message.includes('end of JSON input')) return false;
    const position = /at position (\d+)/.exec(message);
    return position === null || Number(position[1]) < prefix.length;
  }
}

/**
 * The index of the first character that makes `text` invalid JSON, or undefined when it is only cut short. A prefix
 * that breaks stays broken when it grows, so the shortest broken prefix is found by bisection (a few parses).
 */
function mistakeAt(text: string): number | undefined {
  if (!breaks(text)) return undefined;
  let good = 0; // the longest prefix known not to break
  let bad = text.length; // the shortest prefix known to break
  while (bad - good > 1) {
    const middle = (good + bad) >>> 1;
    if (breaks(text.slice(0, middle))) bad = middle;
    else good = middle;
  }
  return bad - 1;
}

function lineAndColumn(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/**
 * The text with every `//` and `/* *\/` comment outside strings replaced by spaces (line breaks kept), so that a
 * mistake's line and column stay those of the file. An unterminated block comment runs to the end.
 */
export function blankComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const block = text[i + 1] === '*';
      const end = block ? text.indexOf('*/', i + 2) : text.indexOf('\n', i);
      const stop = end === -1 ? text.length : block ? end + 2 : end;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
