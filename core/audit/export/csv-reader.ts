/**
 * A streaming RFC 4180 reader for Belay's own CSV exports: fed text chunks, returns
 * the complete rows so far (quoted cells may span chunks and lines).
 */
export class CsvReader {
  private cell = '';
  private row: string[] = [];
  private quoted = false;
  private quoteSeen = false;
  private pendingCr = false;

  push(text: string): string[][] {
    const rows: string[][] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === '\n') {
          this.endRow(rows);
          continue;
        }
        this.cell += '\r';
      }
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === '"') {
            this.cell += '"';
            continue;
          }
          this.quoted = false;
          // fall through: c is the character after a closing quote
        } else {
          if (c === '"') this.quoteSeen = true;
          else this.cell += c;
          continue;
        }
      }
      if (c === '"' && this.cell === '') this.quoted = true;
      else if (c === ',') {
        this.row.push(this.cell);
        this.cell = '';
      } else if (c === '\r') this.pendingCr = true;
      else if (c === '\n') this.endRow(rows);
      else this.cell += c;
    }
    return rows;
  }

  /** The last row when the text did not end with a line break. */
  end(): string[][] {
    if (this.quoteSeen) {
      this.quoteSeen = false;
      this.quoted = false;
    }
    if (this.pendingCr) this.cell += '\r';
    this.pendingCr = false;
    if (this.cell === '' && this.row.length === 0) return [];
    const rows: string[][] = [];
    this.endRow(rows);
    return rows;
  }

  private endRow(rows: string[][]): void {
    this.row.push(this.cell);
    rows.push(this.row);
    this.row = [];
    this.cell = '';
  }
}

/** Undoes csvCell's formula guard: one leading apostrophe before a guarded start. */
export function unguardCell(cell: string): string {
  return /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}
