// Reads a config file's text as JSON, and when it is not JSON says where, without quoting the text (it holds passwords).

export type ConfigTextResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/**
 * JSON.parse, with a failure told as `not JSON: a mistake at line 3, column 14` instead of V8's message, which
 * quotes the text around the mistake (`Unexpected token 'h', ..."assword": hunter2}"…`).
 */
export function parseConfigText(text: string): ConfigTextResult {
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
