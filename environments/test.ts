import type { EnvironmentConfig } from './config';

/** Integration test environment: state in an S3 backend with a lock table. */
export const test: EnvironmentConfig = {
  name: 'test',
  region: 'us-west-2',
  accountId: '222222222222',
  namePrefix: 'fileflow-test',
  backend: {
    type: 's3',
    bucket: 'fileflow-terraform-state-222222222222',
    key: 'fileflow/test.tfstate',
    region: 'us-west-2',
    lockTable: 'fileflow-terraform-locks',
  },
  defaultTags: { Project: 'fileflow', Environment: 'test', ManagedBy: 'cdktf' },
  alarmEmail: 'fileflow-test-alarms@example.com',
  logRetentionDays: 30,
  harness: { schedule: 'cron(0 6 * * ? *)', timeZone: 'America/Los_Angeles', maxConcurrency: 4 },
};
