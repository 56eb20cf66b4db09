// Plain-text tables and number formats for benchmark output.

export type Align = 'left' | 'right';

/** Lays out rows in columns (first row is the header), two spaces apart, indented. */
export function table(rows: readonly (readonly string[])[], align: readonly Align[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      indent +
      row
        .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Nanoseconds with one decimal (`1234.5`), grouped thousands for readability. */
export function ns(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** A ratio such as `12.3×`. */
export function times(value: number): string {
  return `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)}×`;
}

export function bytes(value: number): string {
  return `${Math.round(value).toLocaleString('en-US')} B`;
}

export function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
