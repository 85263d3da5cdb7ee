// Mocha reporter for scripts/test-all.sh: prints mocha's usual spec output and appends this run's counts as one
// JSON line to the file named by KUSTO_TEST_SUMMARY_FILE, so the script can sum every mocha run into one line.
// Plain CommonJS because mocha loads a reporter by path and needs module.exports to be the reporter class.
'use strict';
const { appendFileSync } = require('node:fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  /** @param {Mocha.Runner} runner @param {Mocha.MochaOptions} options */
  constructor(runner, options) {
    super(runner, options);
    const summaryFile = process.env.KUSTO_TEST_SUMMARY_FILE;
    const label = process.env.KUSTO_TEST_SUITE_LABEL || 'mocha';
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      if (!summaryFile) {
        return;
      }
      const { passes = 0, failures = 0, pending = 0 } = this.stats;
      appendFileSync(summaryFile, JSON.stringify({ label, passed: passes, failed: failures, pending }) + '\n');
    });
  }
}

module.exports = SummaryReporter;
