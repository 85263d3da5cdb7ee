// Which of the service's diagnostics reach the editor. While the schema a block resolves names against is loading,
// failed or unknown, "no such table/column/function/database" is what the service must say about every name: those
// are held back (never a wall of false squiggles) and appear once the schema arrives.
import type { DiagnosticSeverityName, LanguageDiagnostic, SchemaState } from './languageProtocol';

/** Kusto.Language codes that mean "this name is not in the schema" (12.4.1 DiagnosticFacts). */
export const UNKNOWN_NAME_CODES: ReadonlySet<string> = new Set([
  'KS142', // The name 'x' does not refer to any known column, table, variable or function.
  'KS143', // The function 'x' is not defined.
  'KS204', // The name 'x' does not refer to any known table, tabular variable or function.
  'KS205', // The fuzzy name does not refer to any known or currently accessible entity.
  'KS207', // The name either does not refer to a reachable cluster or no schema from it is available.
  'KS208', // The name 'x' does not refer to any known database.
  'KS209', // ... known external table.
  'KS210', // ... known materialized view.
  'KS211', // ... known function.
]);

export interface ServiceDiagnostic {
  readonly Code: string | null;
  readonly Severity: string | null;
  readonly Message: string | null;
  readonly Start: number;
  readonly Length: number;
  readonly HasLocation: boolean;
}

export function severityName(severity: string | null): DiagnosticSeverityName {
  switch ((severity ?? '').toLowerCase()) {
    case 'warning':
      return 'warning';
    case 'suggestion':
    case 'information':
      return 'information';
    case 'hidden':
    case 'hint':
      return 'hint';
    default:
      return 'error';
  }
}

export interface FilterContext {
  /** State of the block's own database and of every database it names. */
  readonly schemaState: SchemaState;
  /** Added to the service's block-relative offsets. */
  readonly blockStart: number;
  readonly blockLength: number;
}

export interface FilteredDiagnostics {
  readonly diagnostics: LanguageDiagnostic[];
  readonly heldBack: number;
}

/**
 * Maps a block's diagnostics to document offsets, clamps them into the block, drops duplicates and holds back
 * unknown-name errors unless the schema is loaded.
 */
export function filterDiagnostics(items: readonly ServiceDiagnostic[], context: FilterContext): FilteredDiagnostics {
  const diagnostics: LanguageDiagnostic[] = [];
  const seen = new Set<string>();
  let heldBack = 0;
  for (const item of items) {
    const code = item.Code ?? '';
    if (context.schemaState !== 'loaded' && UNKNOWN_NAME_CODES.has(code)) {
      heldBack++;
      continue;
    }
    const relativeStart = item.HasLocation ? Math.min(Math.max(item.Start, 0), context.blockLength) : 0;
    const relativeEnd = item.HasLocation ? Math.min(relativeStart + Math.max(item.Length, 0), context.blockLength) : 0;
    const diagnostic: LanguageDiagnostic = {
      start: context.blockStart + relativeStart,
      end: context.blockStart + relativeEnd,
      message: item.Message ?? code,
      code,
      severity: severityName(item.Severity),
    };
    const identity = `${diagnostic.start}:${diagnostic.end}:${code}:${diagnostic.message}`;
    if (!seen.has(identity)) {
      seen.add(identity);
      diagnostics.push(diagnostic);
    }
  }
  return { diagnostics, heldBack };
}

/** The weakest of several schema states: one database still loading holds the block back. */
export function combinedSchemaState(states: readonly SchemaState[]): SchemaState {
  for (const state of ['unknown', 'loading', 'failed'] as const) {
    if (states.includes(state)) {
      return state;
    }
  }
  return 'loaded';
}
