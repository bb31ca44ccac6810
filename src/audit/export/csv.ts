/**
 * RFC 4180 CSV with fixed choices so the same rows always give the same bytes: CRLF line ends, a
 * header row, fields quoted only when they contain a comma, quote, CR or LF. Values are written
 * as given: callers format numbers and times themselves (integers, ISO-8601 UTC) so nothing here
 * depends on locale.
 */
export type CsvValue = string | number | boolean | null | undefined;

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`csv: non-finite number ${v}`);
    s = Number.isInteger(v) ? v.toFixed(0) : String(v);
  } else if (typeof v === 'boolean') s = v ? 'true' : 'false';
  else s = v;
  // Cells beginning with =, +, - or @ are executed as formulas by spreadsheets; prefix them so an
  // auditor opening the file cannot be attacked through PR-controlled text.
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) {
    if (r.length !== header.length) throw new Error(`csv: row has ${r.length} fields, header has ${header.length}`);
    lines.push(r.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** Parses what toCsv writes (used by verification and tests). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      field += c;
      i++;
    }
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
