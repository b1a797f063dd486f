import { expect } from 'chai';
import {
  InvalidKeyError,
  auditSortKey,
  canonicalTimestamp,
  claimSortKey,
  customerDatePrefix,
  customerDateSortKey,
  customerKey,
  failureKey,
  fileKey,
  formatFileId,
  notificationKey,
  parseAuditSortKey,
  parseClaimSortKey,
  parseCustomerDateSortKey,
  parseCustomerKey,
  parseFailureKey,
  parseFileId,
  parseFileKey,
  parseNotificationKey,
  parseStatusSortKey,
  parseWorkflowKey,
  pollFingerprint,
  statusSortKey,
  workflowKey,
  workflowStatusSortKey,
} from '../../functions/core/tracking/keys';

const file = { customerId: 'bankpacific', fileName: 'bankpacific_transactions_2025-06-28.csv' };

describe('tracking keys', () => {
  describe('GIVEN the seed example file', () => {
    it('THEN its status partition is FILE#<customer>#<file> and parses back', () => {
      const key = fileKey(file);
      expect(key).to.equal('FILE#bankpacific#bankpacific_transactions_2025-06-28.csv');
      expect(parseFileKey(key)).to.deep.equal(file);
    });

    it('THEN its failure and notification partitions round-trip', () => {
      expect(failureKey(file)).to.equal('FAILURE#bankpacific#bankpacific_transactions_2025-06-28.csv');
      expect(parseFailureKey(failureKey(file))).to.deep.equal(file);
      expect(notificationKey(file)).to.equal('NOTIFY#bankpacific#bankpacific_transactions_2025-06-28.csv');
      expect(parseNotificationKey(notificationKey(file))).to.deep.equal(file);
    });

    it('THEN its customer-index key is CUSTOMER#<id> / DATE#<day>#<file> and parses back', () => {
      expect(customerKey('bankpacific')).to.equal('CUSTOMER#bankpacific');
      expect(parseCustomerKey('CUSTOMER#bankpacific')).to.equal('bankpacific');
      const sortKey = customerDateSortKey('2025-06-28', file.fileName);
      expect(sortKey).to.equal('DATE#2025-06-28#bankpacific_transactions_2025-06-28.csv');
      expect(parseCustomerDateSortKey(sortKey)).to.deep.equal({ date: '2025-06-28', fileName: file.fileName });
      expect(customerDatePrefix('2025-06-28')).to.equal('DATE#2025-06-28#');
      expect(customerDatePrefix()).to.equal('DATE#');
    });
  });

  describe('GIVEN a file name containing the separator', () => {
    it('THEN it still round-trips, because the file name is always the last segment', () => {
      const odd = { customerId: 'clientX', fileName: 'report#2 final/v1.csv' };
      expect(parseFileKey(fileKey(odd))).to.deep.equal(odd);
      expect(parseFileId(formatFileId(odd))).to.deep.equal(odd);
      expect(parseCustomerDateSortKey(customerDateSortKey('2025-01-31', odd.fileName)).fileName).to.equal(odd.fileName);
    });
  });

  describe('GIVEN timestamps written in different ISO forms', () => {
    it('THEN keys use one canonical form, so string order is time order', () => {
      expect(statusSortKey('2025-06-28T22:01:34Z', 'SUCCESS')).to.equal('TS#2025-06-28T22:01:34.000Z#SUCCESS');
      const earlier = statusSortKey('2025-06-28T22:01:34Z', 'PENDING');
      const later = statusSortKey('2025-06-28T22:01:34.500Z', 'PENDING');
      expect(earlier < later).to.equal(true);
      expect(parseStatusSortKey(later)).to.deep.equal({ timestamp: '2025-06-28T22:01:34.500Z', status: 'PENDING' });
    });

    it('THEN a value that is not a time is refused', () => {
      expect(() => canonicalTimestamp('yesterday')).to.throw(InvalidKeyError);
    });
  });

  describe('GIVEN the other sort keys', () => {
    it('THEN audit, claim, workflow and workflow-status keys round-trip', () => {
      const audit = auditSortKey(new Date('2025-06-28T21:02:55Z'), 'exec-1:Copy');
      expect(audit).to.equal('TS#2025-06-28T21:02:55.000Z#exec-1:Copy');
      expect(parseAuditSortKey(audit)).to.deep.equal({ timestamp: '2025-06-28T21:02:55.000Z', eventId: 'exec-1:Copy' });
      expect(parseClaimSortKey(claimSortKey('0055AED6DCD90281E5'))).to.equal('0055AED6DCD90281E5');
      expect(parseWorkflowKey(workflowKey('copy-sftp-to-s3'))).to.equal('copy-sftp-to-s3');
      expect(workflowStatusSortKey('FAILED', '2025-06-28T22:15:03Z')).to.equal(
        'STATUS#FAILED#TS#2025-06-28T22:15:03.000Z',
      );
      expect(pollFingerprint(42, '2025-06-28T22:00:00Z')).to.equal('size=42,mtime=2025-06-28T22:00:00.000Z');
    });
  });

  describe('GIVEN malformed parts or keys', () => {
    it('THEN a customer id with a separator is refused before any key is built', () => {
      expect(() => fileKey({ customerId: 'a#b', fileName: 'x' })).to.throw(InvalidKeyError, /customer id "a#b"/);
      expect(() => customerKey('a/b')).to.throw(InvalidKeyError);
      expect(() => fileKey({ customerId: 'a', fileName: '' })).to.throw(InvalidKeyError, /file name/);
    });

    it('THEN keys of the wrong kind or shape do not parse', () => {
      expect(() => parseFileKey('FAILURE#a#b')).to.throw(InvalidKeyError, /does not start with FILE#/);
      expect(() => parseFileKey('FILE#onlycustomer')).to.throw(InvalidKeyError);
      expect(() => parseCustomerDateSortKey('DATE#2025-02-30#x')).to.throw(InvalidKeyError, /calendar day/);
      expect(() => parseStatusSortKey('TS#not-a-time#SUCCESS')).to.throw(InvalidKeyError);
      expect(() => parseFileId('no-slash')).to.throw(InvalidKeyError, /<customer>\/<file name>/);
    });
  });
});
