// The parts of the official MCP SDK the agent server uses, in one module: the build bundles this file alone into
// dist/vendor/mcp-sdk.js, loaded only when agent access over MCP starts (never at activation).
export { Server } from '@modelcontextprotocol/sdk/server/index.js';
export { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
export { CallToolRequestSchema, ListToolsRequestSchema, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
