import type { Destination } from '../config.js';
import type { DestinationSecrets } from '../secrets.js';
import type { EventSender } from '../types.js';
import { ElasticSender } from './elastic.js';
import { SplunkHecSender } from './splunk-hec.js';
import { SyslogSender } from './syslog.js';
import { WebhookSender } from './webhook.js';

/** The sender for a destination; throws (with a message to act on) when its config cannot work, e.g. an unreadable CA file. */
export function createSender(dest: Destination, secrets: DestinationSecrets | undefined): EventSender {
  switch (dest.type) {
    case 'splunk-hec':
      return new SplunkHecSender(dest, secrets);
    case 'elastic':
      return new ElasticSender(dest, secrets);
    case 'syslog':
      return new SyslogSender(dest);
    case 'webhook':
      return new WebhookSender(dest, secrets);
  }
}
