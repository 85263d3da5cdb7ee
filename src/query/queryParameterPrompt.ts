// Asks for the values of a query's `declare query_parameters(...)` before it runs: one input box per parameter,
// with its declared type, prefilled with the value last used in this document (else the declared default), checked
// as it is typed. The values travel as request parameters (properties.Parameters), never spliced into the text.

import * as vscode from 'vscode';
import {
  ParameterDeclarationError,
  defaultInputText,
  parameterRequestValue,
  parseQueryParameters,
} from '../core/kql/queryParameters';

const STATE_KEY = 'kusto.queryParameters';
/** Documents whose last values are remembered (the oldest are forgotten first). */
const REMEMBERED_DOCUMENTS = 200;

type Remembered = Record<string, Record<string, string>>;

/**
 * Parameters for the request: `{}` when the query declares none, `{ parameters }` with the values, or undefined when
 * the user cancelled or the declaration cannot be read (they were told why).
 */
export async function askQueryParameters(
  state: vscode.Memento,
  documentUri: string,
  text: string,
): Promise<{ parameters?: Record<string, string | number> } | undefined> {
  let declared;
  try {
    declared = parseQueryParameters(text);
  } catch (error) {
    if (error instanceof ParameterDeclarationError) {
      void vscode.window.showErrorMessage(`The query's declare query_parameters(...) cannot be read: ${error.message}`);
      return undefined;
    }
    throw error;
  }
  if (!declared || declared.length === 0) return {};

  const remembered = state.get<Remembered>(STATE_KEY) ?? {};
  const last = remembered[documentUri] ?? {};
  const inputs: Record<string, string> = {};
  const parameters: Record<string, string | number> = {};
  for (const [index, parameter] of declared.entries()) {
    const fallback = defaultInputText(parameter);
    const input = await vscode.window.showInputBox({
      title: `Query parameter ${index + 1} of ${declared.length}`,
      prompt: `${parameter.name} (${parameter.type})${parameter.defaultLiteral !== undefined ? ` · default ${parameter.defaultLiteral}` : ''}`,
      value: last[parameter.name] ?? fallback ?? '',
      ignoreFocusOut: true,
      validateInput: (value) => {
        if (value === '' && parameter.type !== 'string') {
          return parameter.defaultLiteral !== undefined ? undefined : `'${parameter.name}' has no default: give a value.`;
        }
        const result = parameterRequestValue(parameter, value);
        return 'error' in result ? result.error : undefined;
      },
    });
    if (input === undefined) return undefined;
    inputs[parameter.name] = input;
    // Left at the declared default (or empty): the server applies the default itself.
    if ((input === '' && parameter.type !== 'string') || (fallback !== undefined && input === fallback)) continue;
    const result = parameterRequestValue(parameter, input);
    if ('error' in result) return undefined;
    parameters[parameter.name] = result.value;
  }

  const next: Remembered = { ...remembered };
  delete next[documentUri];
  next[documentUri] = inputs;
  const keys = Object.keys(next);
  for (const key of keys.slice(0, Math.max(0, keys.length - REMEMBERED_DOCUMENTS))) delete next[key];
  await state.update(STATE_KEY, next);
  return { parameters };
}
