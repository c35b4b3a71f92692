import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventsResponse } from '../../shared/api.js';
import { streamExport } from './export.js';
import { parseEventsQuery } from './events-query.js';
import { HttpError, readJsonBody, sendJson } from './http-util.js';
import type { LiveHub } from './live-hub.js';
import { checkJsonContentType } from './request-checks.js';
import { askBody, decisionBody, extendBody, doctorFixBody, dryRunBody, parseBody, pauseBody, policyBody, reapproveBody, settingsBody } from './schemas.js';
import type { ControlServices } from './services.js';
import { buildStatus } from './status.js';

export interface RouteContext {
  services: ControlServices;
  hub: LiveHub;
  controlUrl: string;
}

function need<T>(service: T | undefined, what: string): T {
  if (!service) throw new HttpError(501, `${what} is not available in this Belay (the part that provides it is not running).`);
  return service;
}

function segment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'Bad URL encoding in the path.');
  }
}

/**
 * Dispatches one authenticated /api request. Returns false when no route matches.
 * Each write is checked for a JSON content type before its body is read.
 */
export async function handleApi(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const { services } = ctx;
  const method = req.method ?? 'GET';
  const parts = url.pathname.replace(/\/+$/, '').split('/').slice(2); // after "/api"
  const route = `${method} /${parts.join('/')}`;
  const body = async () => {
    checkJsonContentType(req);
    return readJsonBody(req);
  };

  switch (route) {
    case 'GET /status':
      sendJson(res, 200, buildStatus(services, ctx.controlUrl));
      return true;
    case 'GET /events': {
      const q = parseEventsQuery(url.searchParams);
      const events = services.events.query(q);
      const out: EventsResponse = { events };
      if (events.length === q.limit && events.length > 0) out.nextBeforeSeq = events[events.length - 1].seq;
      sendJson(res, 200, out);
      return true;
    }
    case 'GET /events/stream': {
      const header = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
      const last = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
      ctx.hub.add(req, res, last);
      return true;
    }
    case 'GET /approvals':
      sendJson(res, 200, { approvals: need(services.approvals, 'Approvals').list() });
      return true;
    case 'GET /approvals/history': {
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 200) || 200, 1000);
      sendJson(res, 200, { approvals: need(services.approvals, 'Approvals').history(limit) });
      return true;
    }
    case 'POST /approvals/ask': {
      const approvals = need(services.approvals, 'Approvals');
      const ask = parseBody(askBody, await body());
      // The asker (e.g. `belay mcp-wrap`) holds this request open; if it goes away, stop holding.
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableEnded) abort.abort();
      });
      const outcome = await approvals.ask(ask, abort.signal);
      if (!res.destroyed) sendJson(res, 200, outcome);
      return true;
    }
    case 'GET /approvals/remembered': {
      const approvals = need(services.approvals, 'Approvals');
      sendJson(res, 200, { remembered: need(approvals.remembered?.bind(approvals), 'Remembered decisions')() });
      return true;
    }
    case 'POST /pause': {
      const pause = need(services.pause, 'Pause');
      const b = parseBody(pauseBody, await body());
      pause.pause(b.minutes);
      ctx.hub.checkStatus();
      sendJson(res, 200, pause.state());
      return true;
    }
    case 'POST /resume': {
      const pause = need(services.pause, 'Pause');
      await body();
      pause.resume();
      ctx.hub.checkStatus();
      sendJson(res, 200, pause.state());
      return true;
    }
    case 'GET /policy': {
      const policy = need(services.policy, 'The policy editor');
      sendJson(res, 200, { text: policy.sourceText(), ...(policy.path ? { path: policy.path } : {}) });
      return true;
    }
    case 'PUT /policy': {
      const policy = need(services.policy, 'The policy editor');
      const b = parseBody(policyBody, await body());
      const result = policy.save(b.text);
      // Invalid policy: nothing saved, the errors (with line numbers) go back to the editor.
      sendJson(res, result.ok ? 200 : 422, result);
      return true;
    }
    case 'POST /policy/validate': {
      const b = parseBody(policyBody, await body());
      sendJson(res, 200, need(services.policy, 'The policy editor').validate(b.text));
      return true;
    }
    case 'POST /policy/dry-run': {
      const policy = need(services.policy, 'The policy editor');
      const b = parseBody(dryRunBody, await body());
      sendJson(res, 200, need(policy.dryRun?.bind(policy), 'Policy dry-run')(b.text, b.limit ?? 500));
      return true;
    }
    case 'GET /inventory':
      sendJson(res, 200, need(services.inventory, 'The inventory').snapshot());
      return true;
    case 'POST /inventory/reapprove': {
      const inv = need(services.inventory, 'The inventory');
      const b = parseBody(reapproveBody, await body());
      const ok = need(inv.reapprove?.bind(inv), 'Re-approving tools')(b.serverId, b.tool);
      if (!ok) throw new HttpError(404, `No changed tool "${b.tool}" on server "${b.serverId}".`);
      sendJson(res, 200, { ok });
      return true;
    }
    case 'GET /usage': {
      const raw = url.searchParams.get('days');
      const days = raw === null ? 30 : Number(raw);
      if (!Number.isInteger(days) || days < 1 || days > 366) throw new HttpError(400, `"days" must be a whole number from 1 to 366 (got "${raw}").`);
      sendJson(res, 200, need(services.usage, 'Usage').usage(days));
      return true;
    }
    case 'GET /doctor':
      sendJson(res, 200, await need(services.doctor, 'Client checks (doctor)').run());
      return true;
    case 'POST /doctor/fix': {
      const doctor = need(services.doctor, 'Client checks (doctor)');
      const b = parseBody(doctorFixBody, await body());
      sendJson(res, 200, await need(doctor.fix?.bind(doctor), 'Fixing clients')(b));
      return true;
    }
    case 'GET /settings':
      sendJson(res, 200, need(services.settings, 'Settings').get());
      return true;
    case 'PUT /settings': {
      const settings = need(services.settings, 'Settings');
      const b = parseBody(settingsBody, await body());
      try {
        sendJson(res, 200, settings.update(b));
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      return true;
    }
    case 'GET /export':
      await streamExport(need(services.exports, 'The audit export'), url.searchParams, res);
      return true;
    // Issue 9: alerts and the review.
    case 'GET /alerts': {
      const alerts = need(services.alerts, 'Alerts');
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 200) || 200, 1000);
      sendJson(res, 200, { alerts: alerts.list({ includeAcked: url.searchParams.get('all') === '1', limit }), open: alerts.openCount() });
      return true;
    }
    case 'POST /alerts/ack-all': {
      const alerts = need(services.alerts, 'Alerts');
      await body();
      sendJson(res, 200, { acked: alerts.ackAll('dashboard') });
      return true;
    }
    case 'GET /review': {
      const review = need(services.review, 'The review');
      const time = (name: string): number | undefined => {
        const raw = url.searchParams.get(name);
        if (raw === null || raw === '') return undefined;
        const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
        if (!Number.isFinite(t)) throw new HttpError(400, `"${name}" must be an ISO time or ms since epoch (got "${raw}").`);
        return t;
      };
      try {
        sendJson(res, 200, review.review({ since: time('since'), until: time('until') }));
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw new HttpError(400, (err as Error).message);
      }
      return true;
    }
  }

  // Routes with an id in the path.
  if (method === 'GET' && parts.length === 2 && parts[0] === 'events') {
    const event = services.events.get(segment(parts[1]));
    if (!event) throw new HttpError(404, `No event with id "${segment(parts[1])}".`);
    sendJson(res, 200, event);
    return true;
  }
  if (method === 'POST' && parts.length === 3 && parts[0] === 'approvals' && parts[2] === 'decision') {
    const approvals = need(services.approvals, 'Approvals');
    const b = parseBody(decisionBody, await body());
    const id = segment(parts[1]);
    if (!approvals.decide(id, { ...b, by: b.by ?? 'dashboard' })) {
      throw new HttpError(409, `Approval "${id}" is not pending (already decided, expired, or unknown).`);
    }
    sendJson(res, 200, { ok: true });
    return true;
  }
  if (method === 'POST' && parts.length === 3 && parts[0] === 'approvals' && parts[2] === 'extend') {
    const approvals = need(services.approvals, 'Approvals');
    const b = parseBody(extendBody, await body());
    const id = segment(parts[1]);
    const updated = need(approvals.extend?.bind(approvals), 'Pausing an approval countdown')(id, b.ms);
    if (!updated) throw new HttpError(409, `Approval "${id}" is not pending.`);
    sendJson(res, 200, updated);
    return true;
  }
  if (method === 'POST' && parts.length === 2 && parts[0] === 'approvals' && parts[1] === 'seen') {
    await body();
    services.approvals?.clearMissed?.();
    ctx.hub.checkStatus();
    sendJson(res, 200, { ok: true });
    return true;
  }
  if (method === 'POST' && parts.length === 3 && parts[0] === 'alerts' && parts[2] === 'ack') {
    const alerts = need(services.alerts, 'Alerts');
    await body();
    const id = segment(parts[1]);
    if (!alerts.ack(id, 'dashboard')) throw new HttpError(409, `Alert "${id}" is unknown or already acknowledged.`);
    sendJson(res, 200, { ok: true });
    return true;
  }
  if (method === 'DELETE' && parts.length === 3 && parts[0] === 'approvals' && parts[1] === 'remembered') {
    const approvals = need(services.approvals, 'Approvals');
    const id = segment(parts[2]);
    if (!need(approvals.forget?.bind(approvals), 'Remembered decisions')(id)) throw new HttpError(404, `No remembered decision "${id}".`);
    sendJson(res, 200, { ok: true });
    return true;
  }
  return false;
}
