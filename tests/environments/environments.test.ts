import { expect } from 'chai';
import { ENVIRONMENTS } from '../../environments';
import { InvalidEnvironmentError, parseEnvironmentConfig } from '../../environments/config';
import { dev } from '../../environments/dev';

describe('Environment configuration', () => {
  describe('GIVEN the shipped environments', () => {
    it('THEN dev, test and prod are all valid and named after their file', () => {
      expect(Object.keys(ENVIRONMENTS)).to.deep.equal(['dev', 'test', 'prod']);
      for (const [file, raw] of Object.entries(ENVIRONMENTS)) {
        expect(parseEnvironmentConfig(raw, file).name).to.equal(file);
      }
    });

    it('THEN every environment runs the harness daily at 06:00 Los Angeles time, and only prod runs the critical group hourly', () => {
      for (const [name, config] of Object.entries(ENVIRONMENTS)) {
        expect(config.harness, name).to.include({ schedule: 'cron(0 6 * * ? *)', timeZone: 'America/Los_Angeles' });
        expect(config.harness.criticalSchedule, name).to.equal(name === 'prod' ? 'rate(1 hour)' : undefined);
      }
    });

    it('THEN no two environments share a name prefix', () => {
      const configs = Object.values(ENVIRONMENTS);
      expect(new Set(configs.map((c) => c.namePrefix)).size).to.equal(configs.length);
    });
  });

  describe('GIVEN an environment with a bad field', () => {
    it('WHEN parsed THEN the error names the environment and the field', () => {
      const broken = { ...dev, accountId: '1234' };
      expect(() => parseEnvironmentConfig(broken, 'dev'))
        .to.throw(InvalidEnvironmentError)
        .with.property('message')
        .that.matches(/environment 'dev'/)
        .and.matches(/accountId: an AWS account id has 12 digits/);
    });

    it('WHEN several fields are wrong THEN every one is listed', () => {
      const broken = {
        ...dev,
        alarmEmail: 'not-an-address',
        logRetentionDays: 10,
        harness: { schedule: '0 6 * * *', timeZone: 'Mars/Olympus' },
      };
      let message = '';
      try {
        parseEnvironmentConfig(broken, 'dev');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).to.match(/alarmEmail:/);
      expect(message).to.match(/logRetentionDays: one of 1, 3, 5/);
      expect(message).to.match(/harness\.schedule: an EventBridge Scheduler expression/);
      expect(message).to.match(/harness\.timeZone: not an IANA time zone/);
    });

    it('WHEN the harness concurrency or critical schedule is wrong THEN each harness field is named', () => {
      const broken = { ...dev, harness: { ...dev.harness, maxConcurrency: 0, criticalSchedule: 'hourly' } };
      expect(() => parseEnvironmentConfig(broken, 'dev'))
        .to.throw(InvalidEnvironmentError)
        .with.property('message')
        .that.matches(/harness\.maxConcurrency:/)
        .and.matches(/harness\.criticalSchedule: an EventBridge Scheduler expression/);
    });

    it('WHEN the backend mixes both kinds THEN the backend field is named', () => {
      const broken = { ...dev, backend: { type: 's3', organization: 'x', workspace: 'y' } };
      expect(() => parseEnvironmentConfig(broken, 'dev')).to.throw(/backend\.bucket/);
    });

    it('WHEN an unknown field is present THEN it is refused rather than ignored', () => {
      expect(() => parseEnvironmentConfig({ ...dev, regoin: 'us-east-1' }, 'dev')).to.throw(/regoin/);
    });
  });
});
