// Where Kusto.Language's scripts are in a source checkout (tests and benchmarks load them from the package;
// the shipped extension from dist/vendor/kusto-language).
import * as path from 'node:path';

export function kustoLanguagePackageDirectory(): string {
  return path.dirname(require.resolve('@kusto/language-service-next/package.json'));
}
