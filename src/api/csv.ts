/** One flat table: what every list or series endpoint answers with `Accept: text/csv`. */
export interface CsvTable {
  columns: string[];
  rows: (string | number | boolean | null | undefined)[][];
}

/**
 * RFC 4180 text with a header line. Text cells that a spreadsheet would run as a formula (starting with
 * = + - @ or a control character) get a leading apostrophe; numbers are written as they are.
 */
export function toCsv(table: CsvTable): string {
  const lines = [table.columns.map(cell).join(','), ...table.rows.map((r) => r.map(cell).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** One RFC 4180 line (no line break) of cells, by the same rules as toCsv: for files written a batch at a time. */
export function csvRow(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return cells.map(cell).join(',');
}

function cell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
