import type { Finding, GuardAction } from '../pipeline/action.js';
import type { Detector } from './types.js';

/**
 * A tool whose description, schema or hints changed since the user approved it (a "rug
 * pull"): the door puts the current pin in toolPin, the approved one in approvedPin and a
 * readable diff in toolChange.
 */
export function toolChangedDetector(): Detector {
  return {
    name: 'tool-changed',
    appliesTo: ['mcp.tool_call', 'mcp.tools_list', 'llm.tool_use'],
    detect(action: GuardAction): Finding[] {
      if (!action.toolPin || !action.approvedPin || action.toolPin === action.approvedPin) return [];
      return [{
        detector: 'tool-changed',
        severity: 'high',
        ruleId: 'pin-changed',
        where: action.tool ? `tool ${action.tool}` : undefined,
        evidence: action.toolChange ? action.toolChange.slice(0, 2000) : undefined,
        message: `The tool ${action.tool ?? ''} on ${action.server ?? 'this server'} changed since you approved it.`.replace('  ', ' '),
      }];
    },
  };
}
