import type { EnvironmentConfig } from './config';

/** Development: short log retention, state in Terraform Cloud. */
export const dev: EnvironmentConfig = {
  name: 'dev',
  region: 'us-west-2',
  accountId: '111111111111',
  namePrefix: 'fileflow-dev',
  backend: { type: 'cloud', organization: 'fileflow', workspace: 'fileflow-dev' },
  defaultTags: { Project: 'fileflow', Environment: 'dev', ManagedBy: 'cdktf' },
  alarmEmail: 'fileflow-dev-alarms@example.com',
  logRetentionDays: 14,
  harness: { schedule: 'cron(0 6 * * ? *)', timeZone: 'America/Los_Angeles', maxConcurrency: 2 },
};
