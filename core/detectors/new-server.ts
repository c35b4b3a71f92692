import type { Finding, GuardAction } from '../pipeline/action.js';
import type { Detector } from './types.js';

/** The first time a client talks to an MCP server (the door knows from the inventory). */
export function newServerDetector(): Detector {
  return {
    name: 'new-server',
    appliesTo: ['mcp.initialize', 'mcp.tools_list', 'mcp.tool_call', 'mcp.resource_read', 'mcp.prompt_get'],
    detect(action: GuardAction): Finding[] {
      if (action.newServer !== true) return [];
      return [{
        detector: 'new-server',
        severity: 'medium',
        ruleId: 'first-use',
        where: action.server,
        message: `${action.client} is using the MCP server ${action.server ?? '(unnamed)'} for the first time.`,
      }];
    },
  };
}
