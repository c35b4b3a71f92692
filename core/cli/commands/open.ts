import type { Command } from 'commander';
import { connectControl } from '../../control/client.js';
import { openInBrowser, writeDashboardOpener } from '../../control/open-dashboard.js';
import { dashboardUrl } from '../../control/urls.js';
import { belayPaths } from '../../paths.js';

export function register(program: Command): void {
  program
    .command('open')
    .description('Open the dashboard of the running Belay in your browser (prints the URL when no browser can be opened).')
    .option('--print', 'only print the dashboard URL (it carries the access token: do not share it)')
    .action(async (opts: { print?: boolean }) => {
      const paths = belayPaths();
      const client = await connectControl(paths);
      if (!client) {
        throw new Error('Belay is not running, so there is no dashboard to open. Start it with `belay serve` (or `npm start` for the tray app), then run `belay open`.');
      }
      const url = dashboardUrl(client.control);
      if (opts.print) {
        process.stdout.write(`${url}\n`);
        return;
      }
      const opened = await openInBrowser(writeDashboardOpener(paths, url));
      if (opened.ok) process.stdout.write(`Opened the Belay dashboard (${client.url}) in your browser.\n`);
      else process.stdout.write(`Could not open a browser (${opened.reason}). Open this URL (it carries the access token: do not share it):\n${url}\n`);
    });
}
