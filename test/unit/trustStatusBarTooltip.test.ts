import * as assert from 'node:assert/strict';
import { escapeMarkdown, sessionTooltipMarkdown } from '../../src/core/auth/markdownText';

// A CommonMark renderer (VS Code renders tooltips with another one; both read escapes the same way).
const MarkdownIt = require('markdown-it') as new (options?: object) => { render(text: string): string };

describe('trust boundary 7: the account name in the status bar tooltip is text, not Markdown', () => {
  const hostileName = '[Session expired: click to sign in again](https://evil.example/login) ![](https://evil.example/t.png) **admin** <b>x</b> `code`';

  it('renders no link, image, emphasis or HTML from the account name', () => {
    const html = new MarkdownIt({ html: true, linkify: true }).render(
      sessionTooltipMarkdown({ clusterUrl: 'https://help.kusto.windows.net', scope: 'https://help.kusto.windows.net/.default', username: hostileName, tenantId: 't_1*' }),
    );
    assert.ok(!/<a |<img|<strong|<b>|<code/.test(html), html);
    assert.ok(html.includes('[Session expired: click to sign in again]'), 'the name is shown, as text');
    assert.ok(html.includes('t_1*'));
  });

  it('escapes each Markdown character and folds line breaks', () => {
    assert.equal(escapeMarkdown('a_b*c\n# d'), 'a\\_b\\*c \\# d');
    assert.equal(escapeMarkdown('alice@contoso.com'), 'alice@contoso\\.com');
  });
});
