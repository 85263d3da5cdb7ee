import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_TOOL_DEFINITIONS } from '../../src/core/agents/agentTools';

interface ToolContribution {
  name: string;
  toolReferenceName?: string;
  displayName?: string;
  modelDescription?: string;
  userDescription?: string;
  canBeReferencedInPrompt?: boolean;
  inputSchema?: unknown;
}

describe('Agent tools declared in package.json', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    contributes: { languageModelTools: ToolContribution[]; mcpServerDefinitionProviders: Array<{ id: string }> };
    activationEvents: string[];
  };
  const declared = manifest.contributes.languageModelTools;

  it('declares exactly the tools the core serves (VS Code tools and MCP describe the same inputs to models)', () => {
    assert.deepEqual(declared.map((tool) => tool.name), AGENT_TOOL_DEFINITIONS.map((tool) => tool.name));
    for (const definition of AGENT_TOOL_DEFINITIONS) {
      const tool = declared.find((candidate) => candidate.name === definition.name)!;
      assert.equal(tool.modelDescription, definition.description, definition.name);
      assert.deepEqual(tool.inputSchema, definition.inputSchema, definition.name);
    }
  });

  it('each tool can be referenced in chat as #kusto… with a name and a description for people', () => {
    for (const tool of declared) {
      assert.equal(tool.canBeReferencedInPrompt, true, tool.name);
      assert.match(tool.toolReferenceName ?? '', /^kusto[A-Z]\w+$/, tool.name);
      assert.ok(tool.displayName && tool.userDescription, tool.name);
      assert.ok(manifest.activationEvents.includes(`onLanguageModelTool:${tool.name}`), tool.name);
    }
    assert.deepEqual(manifest.contributes.mcpServerDefinitionProviders.map((p) => p.id), ['kusto.agentTools']);
  });
});
