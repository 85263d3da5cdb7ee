// Signature help: the signatures of the function call the cursor is in (read from Kusto.Language's analysis of
// the block), and which argument is being typed.

import type { KustoFunctionCall, KustoLanguageLibrary, KustoSyntaxNode, KustoSyntaxToken } from './kustoLanguageLibrary';
import type { SignatureHelpResult } from './languageProtocol';

/** The signature help at `position` of an analysed block (`code`), or undefined when it is not inside a known call. */
export function signatureHelpAt(library: KustoLanguageLibrary, code: { readonly Syntax: KustoSyntaxNode }, position: number): SignatureHelpResult | undefined {
  const language = library.language;
  let token: KustoSyntaxToken | null = code.Syntax.GetTokenAt(position);
  if (token && (token.TextStart >= position || token.IsMissing)) {
    token = token.GetPreviousToken();
  }
  const call = enclosingCall(token, position, language.Syntax.SyntaxKind.FunctionCallExpression);
  const symbol = call?.ReferencedSymbol;
  if (!call || !symbol) {
    return undefined;
  }
  const signatures = library.toArray(symbol.Signatures).map((signature) => {
    const parameters = library.toArray(signature.Parameters).map((parameter) => {
      const types = library.toArray(parameter.DeclaredTypes).map((type) => type.Name);
      const type = types.length > 0 && types.length <= 3 ? `: ${types.join(' | ')}` : '';
      const label = `${parameter.IsOptional ? '[' : ''}${parameter.Name}${type}${parameter.IsOptional ? ']' : ''}${parameter.MaxOccurring > 1 ? ', ...' : ''}`;
      return parameter.Description ? { label, documentation: parameter.Description } : { label };
    });
    const returns = signature.ReturnType?.Name ? `: ${signature.ReturnType.Name}` : '';
    return {
      label: `${symbol.Name}(${parameters.map((parameter) => parameter.label).join(', ')})${returns}`,
      parameters,
      ...(symbol.Description ? { documentation: symbol.Description } : {}),
    };
  });
  if (signatures.length === 0) {
    return undefined;
  }
  const argumentIndex = commasBefore(token, call);
  const activeSignature = Math.max(
    0,
    signatures.findIndex((signature) => signature.parameters.length > argumentIndex || signature.parameters.some((p) => p.label.endsWith('...'))),
  );
  const parameterCount = signatures[activeSignature].parameters.length;
  return { signatures, activeSignature, activeParameter: Math.min(argumentIndex, Math.max(parameterCount - 1, 0)) };
}

/** The innermost function call whose parentheses hold `position`. */
function enclosingCall(token: KustoSyntaxToken | null, position: number, callKind: number): KustoFunctionCall | undefined {
  for (let node = token?.Parent ?? null; node; node = node.Parent) {
    if (node.Kind !== callKind) {
      continue;
    }
    const call = node as KustoFunctionCall;
    const open = call.ArgumentList.OpenParen;
    const close = call.ArgumentList.CloseParen;
    if (open.TextStart < position && (close.IsMissing || position <= close.TextStart)) {
      return call;
    }
  }
  return undefined;
}

/** Commas between the call's `(` and `token` at the call's own nesting level: the index of the argument typed. */
function commasBefore(token: KustoSyntaxToken | null, call: KustoFunctionCall): number {
  const open = call.ArgumentList.OpenParen;
  let depth = 0;
  let commas = 0;
  for (let current = token; current && current.TextStart > open.TextStart; current = current.GetPreviousToken()) {
    const text = current.Text;
    if (text === ')' || text === ']' || text === '}') {
      depth++;
    } else if (text === '(' || text === '[' || text === '{') {
      depth--;
    } else if (text === ',' && depth === 0) {
      commas++;
    }
  }
  return commas;
}
