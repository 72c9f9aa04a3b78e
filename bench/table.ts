/** Markdown rendering for the bench report. */

export type Row = readonly string[];

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export function markdownTable(header: Row, rows: readonly Row[]): string {
  const lines = [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

export function seconds(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return 'never';
  if (!Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(1)} s`;
}

export function usd(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `$${value.toFixed(value < 0.01 ? 6 : 4)}`;
}

export function percent(ratio: number): string {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)} %` : 'n/a';
}

/** The "Goal met" column: yes, or no with the reasons. */
export function verdict(failures: readonly string[]): string {
  return failures.length === 0 ? 'yes' : `NO: ${failures.join('; ')}`;
}
