/**
 * A2A JSON-RPC methods of v0.3 (slash names) and v1.0 (PascalCase names, sent with the
 * `A2A-Version: 1.0` header), each mapped to one operation so the rest of Belay does not
 * care which version a peer speaks.
 */

export type A2aVersion = '0.3' | '1.0';
export type A2aOp = 'send' | 'stream' | 'get' | 'list' | 'cancel' | 'subscribe' | 'push-config' | 'extended-card';

export interface A2aMethod {
  version: A2aVersion;
  op: A2aOp;
}

export const A2A_METHODS: Readonly<Record<string, A2aMethod>> = {
  'message/send': { version: '0.3', op: 'send' },
  'message/stream': { version: '0.3', op: 'stream' },
  'tasks/get': { version: '0.3', op: 'get' },
  'tasks/list': { version: '0.3', op: 'list' },
  'tasks/cancel': { version: '0.3', op: 'cancel' },
  'tasks/resubscribe': { version: '0.3', op: 'subscribe' },
  'tasks/pushNotificationConfig/set': { version: '0.3', op: 'push-config' },
  'tasks/pushNotificationConfig/get': { version: '0.3', op: 'push-config' },
  'tasks/pushNotificationConfig/list': { version: '0.3', op: 'push-config' },
  'tasks/pushNotificationConfig/delete': { version: '0.3', op: 'push-config' },
  'agent/getAuthenticatedExtendedCard': { version: '0.3', op: 'extended-card' },
  // Pre-0.3 drafts, still served by some agents.
  'tasks/send': { version: '0.3', op: 'send' },
  'tasks/sendSubscribe': { version: '0.3', op: 'stream' },
  SendMessage: { version: '1.0', op: 'send' },
  SendStreamingMessage: { version: '1.0', op: 'stream' },
  GetTask: { version: '1.0', op: 'get' },
  ListTasks: { version: '1.0', op: 'list' },
  CancelTask: { version: '1.0', op: 'cancel' },
  SubscribeToTask: { version: '1.0', op: 'subscribe' },
  CreateTaskPushNotificationConfig: { version: '1.0', op: 'push-config' },
  GetTaskPushNotificationConfig: { version: '1.0', op: 'push-config' },
  ListTaskPushNotificationConfigs: { version: '1.0', op: 'push-config' },
  ListTaskPushNotificationConfig: { version: '1.0', op: 'push-config' },
  DeleteTaskPushNotificationConfig: { version: '1.0', op: 'push-config' },
  GetExtendedAgentCard: { version: '1.0', op: 'extended-card' },
};

export function a2aMethod(method: string | undefined): A2aMethod | undefined {
  return method === undefined ? undefined : Object.prototype.hasOwnProperty.call(A2A_METHODS, method) ? A2A_METHODS[method] : undefined;
}

export function isA2aMethod(method: string | undefined): boolean {
  return a2aMethod(method) !== undefined;
}

/** The A2A-Version request header ("1.0", "1.0.2" → "1.0"); absent means 0.3 by the spec. */
export function a2aVersionFromHeader(value: string | undefined): A2aVersion | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^1(\.|$)/.test(v)) return '1.0';
  if (/^0\.3(\.|$)/.test(v)) return '0.3';
  return undefined;
}
