/**
 * `fileflow dashboards grafana [--out FILE] [--name-prefix P]`: writes the importable Grafana
 * dashboard of transfer notifications, generated from the metric catalogue. The committed
 * `dashboards/grafana/notifications.json` is this command's output; a spec regenerates it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { prod } from '../../environments/prod';
import { notificationDashboardJson } from '../../functions/core/metrics/grafana';

/** Where the committed dashboard lives, relative to the repository. */
export const GRAFANA_NOTIFICATIONS_FILE = 'dashboards/grafana/notifications.json';

/** Registers `dashboards` and its `grafana` sub-command. */
export function register(program: Command): void {
  const dashboards = program.command('dashboards').description('Generate dashboards from the metric catalogue');
  dashboards
    .command('grafana')
    .description('Write the Grafana notifications dashboard (CloudWatch data source) as importable JSON')
    .option('--out <file>', 'where to write it', GRAFANA_NOTIFICATIONS_FILE)
    .option(
      '--name-prefix <prefix>',
      "the environment shown on import (the dashboard's prefix variable)",
      prod.namePrefix,
    )
    .action((options: { out: string; namePrefix: string }) => {
      const out = resolve(options.out);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, notificationDashboardJson({ defaultNamePrefix: options.namePrefix }));
      process.stdout.write(`wrote ${relative(process.cwd(), out)}\n`);
    });
}
