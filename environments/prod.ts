import type { EnvironmentConfig } from './config';

/** Production: a year of logs, state in Terraform Cloud. */
export const prod: EnvironmentConfig = {
  name: 'prod',
  region: 'us-east-1',
  accountId: '333333333333',
  namePrefix: 'fileflow-prod',
  backend: { type: 'cloud', organization: 'fileflow', workspace: 'fileflow-prod' },
  defaultTags: { Project: 'fileflow', Environment: 'prod', ManagedBy: 'cdktf', DataClassification: 'confidential' },
  alarmEmail: 'fileflow-prod-alarms@example.com',
  logRetentionDays: 365,
  harness: {
    schedule: 'cron(0 6 * * ? *)',
    timeZone: 'America/Los_Angeles',
    criticalSchedule: 'rate(1 hour)',
    maxConcurrency: 4,
  },
};
