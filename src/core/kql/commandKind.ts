// Kusto decides between a query and a management command by the first significant character of the text:
// management commands start with a dot. Leading whitespace and `//` line comments do not count.

/** True when `text` is a management command (`.show databases`), false for a query (`StormEvents | take 10`). */
export function isManagementCommand(text: string): boolean {
  let index = 0;
  const length = text.length;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === 0x2f /* / */ && text.charCodeAt(index + 1) === 0x2f) {
      const lineEnd = text.indexOf('\n', index + 2);
      if (lineEnd < 0) {
        return false;
      }
      index = lineEnd + 1;
      continue;
    }
    // Unicode whitespace (incl. BOM and non-breaking space) is not significant either.
    if (code <= 0x20 || code === 0xfeff || /\s/.test(text[index])) {
      index++;
      continue;
    }
    return code === 0x2e /* . */;
  }
  return false;
}

/**
 * True for management commands that only read (`.show …`): safe to send again when a connection dropped before
 * the answer. Anything else (`.set-or-append`, `.drop`, `.ingest`, …) may have run already and must not be re-sent.
 */
export function isReadOnlyCommand(text: string): boolean {
  const body = text.replace(/^(?:\s|\uFEFF|\/\/[^\n]*(?:\n|$))*/, '');
  return /^\.show\b/i.test(body);
}
