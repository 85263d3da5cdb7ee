// A stand-in for an AI agent: invokes a language model tool the way any extension can (vscode.lm.invokeTool, no chat
// session), reading what to call from probe-request.json in the workspace and writing what came back to
// probe-result.json. Plain JavaScript, packaged on the fly by test/e2e/agentTools.test.ts.
const vscode = require('vscode');
const path = require('path');
const fs = require('fs');

function workspaceFile(name) {
  return path.join(vscode.workspace.workspaceFolders[0].uri.fsPath, name);
}

function write(result) {
  fs.writeFileSync(workspaceFile('probe-result.json.tmp'), JSON.stringify(result, null, 2));
  fs.renameSync(workspaceFile('probe-result.json.tmp'), workspaceFile('probe-result.json'));
}

exports.activate = function (context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('kustoAgentProbe.listTools', () => {
      write({ ok: true, tools: vscode.lm.tools.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema })) });
    }),
    vscode.commands.registerCommand('kustoAgentProbe.invoke', async () => {
      const request = JSON.parse(fs.readFileSync(workspaceFile('probe-request.json'), 'utf8'));
      try {
        const result = await vscode.lm.invokeTool(request.name, { input: request.input, toolInvocationToken: undefined });
        const text = result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : JSON.stringify(part))).join('\n');
        write({ ok: true, id: request.id, text });
      } catch (error) {
        write({ ok: false, id: request.id, errorName: error && error.name, error: String(error && error.message) });
      }
    }),
  );
};

exports.deactivate = function () {};
