// A table artifact's data as columns and rows, whichever of Prefect's three forms it came in, and
// sorted by a column for the page's sortable headers (docs/artifacts.md).
import { parsedJson } from '../artifacts';

export interface ArtifactTable {
  columns: string[];
  rows: unknown[][];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rows of objects, an object of columns, or a list of lists (the first row is not a header). */
export function tableOf(data: unknown): ArtifactTable | null {
  // Prefect's client stores a table as its JSON text.
  if (typeof data === 'string') return tableOf(parsedJson(data) ?? null);
  if (Array.isArray(data) && data.every(isRecord)) {
    const columns = [...new Set(data.flatMap((row) => Object.keys(row)))];
    return { columns, rows: data.map((row) => columns.map((column) => row[column])) };
  }
  if (Array.isArray(data) && data.every(Array.isArray)) {
    const width = Math.max(0, ...data.map((row) => row.length));
    return { columns: Array.from({ length: width }, (_, i) => String(i + 1)), rows: data };
  }
  if (isRecord(data) && Object.values(data).every(Array.isArray)) {
    const columns = Object.keys(data);
    const lists = Object.values(data) as unknown[][];
    const height = Math.max(0, ...lists.map((list) => list.length));
    return { columns, rows: Array.from({ length: height }, (_, i) => lists.map((list) => list[i])) };
  }
  return null;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** The rows sorted by `column` (ascending unless `descending`); an unknown column keeps the order. */
export function sortedRows(
  table: ArtifactTable,
  column: string | undefined,
  descending: boolean,
): unknown[][] {
  const index = column === undefined ? -1 : table.columns.indexOf(column);
  if (index < 0) return table.rows;
  const sorted = [...table.rows].sort((a, b) => compare(a[index], b[index]));
  return descending ? sorted.reverse() : sorted;
}

/** A cell as text: strings as they are, anything else as its JSON. */
export const cellText = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
