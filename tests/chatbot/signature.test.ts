import { expect } from 'chai';
import {
  ReplayGuard,
  SignatureError,
  slackSignature,
  teamsSignature,
  verifySlackRequest,
  verifyTeamsRequest,
} from '../../functions/core/chatbot/signature';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const BODY = Buffer.from('token=x&team_id=T1&user_id=U1&command=%2Ftransfer-status&text=orders.csv');
const NOW = new Date('2025-06-28T22:01:35Z');
const NOW_SECONDS = String(NOW.getTime() / 1000);

function slackHeaders(timestamp: string, body: Buffer = BODY, secret = SECRET) {
  return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(secret, timestamp, body) };
}

function reasonOf(verify: () => void): string | undefined {
  try {
    verify();
    return undefined;
  } catch (error) {
    expect(error).to.be.instanceOf(SignatureError);
    return (error as SignatureError).reason;
  }
}

describe('chat bot: request signatures', () => {
  describe('Slack (v0 HMAC-SHA256 over v0:<timestamp>:<body>)', () => {
    const verify =
      (headers: Record<string, string>, guard = new ReplayGuard(), now = NOW, body = BODY) =>
      () =>
        verifySlackRequest({ headers, rawBody: body, signingSecret: SECRET, now, replayGuard: guard });

    it("GIVEN Slack's documented example WHEN it is signed THEN the signature is the documented one", () => {
      // https://api.slack.com/authentication/verifying-requests-from-slack (example secret, timestamp and body)
      const body =
        'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
      expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', '1531420618', body)).to.equal(
        'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      );
    });

    it('GIVEN a request signed with the signing secret now WHEN it is verified THEN it is accepted', () => {
      expect(reasonOf(verify(slackHeaders(NOW_SECONDS)))).to.equal(undefined);
    });

    it('GIVEN a request signed with another secret WHEN it is verified THEN it is refused as forged', () => {
      expect(reasonOf(verify(slackHeaders(NOW_SECONDS, BODY, 'another-secret-entirely')))).to.equal('forged');
    });

    it('GIVEN a signed body changed on the way WHEN it is verified THEN it is refused as forged', () => {
      const tampered = Buffer.from(BODY.toString().replace('orders.csv', 'payroll.csv'));
      expect(reasonOf(verify(slackHeaders(NOW_SECONDS), new ReplayGuard(), NOW, tampered))).to.equal('forged');
    });

    it('GIVEN a signature of the right length but wrong bytes WHEN it is verified THEN it is refused as forged', () => {
      const headers = slackHeaders(NOW_SECONDS);
      headers['x-slack-signature'] = headers['x-slack-signature'].replace(/.$/, (c) => (c === '0' ? '1' : '0'));
      expect(reasonOf(verify(headers))).to.equal('forged');
    });

    it('GIVEN a request signed six minutes ago WHEN it is verified THEN it is refused as stale', () => {
      expect(reasonOf(verify(slackHeaders(String(Number(NOW_SECONDS) - 360))))).to.equal('stale');
    });

    it('GIVEN a request dated six minutes ahead WHEN it is verified THEN it is refused as stale', () => {
      expect(reasonOf(verify(slackHeaders(String(Number(NOW_SECONDS) + 360))))).to.equal('stale');
    });

    it('GIVEN a request signed four minutes ago WHEN it is verified THEN it is inside the window and accepted', () => {
      expect(reasonOf(verify(slackHeaders(String(Number(NOW_SECONDS) - 240))))).to.equal(undefined);
    });

    it('GIVEN a valid request WHEN the same request arrives again THEN the second one is refused as replayed', () => {
      const guard = new ReplayGuard();
      const headers = slackHeaders(NOW_SECONDS);
      expect(reasonOf(verify(headers, guard))).to.equal(undefined);
      expect(reasonOf(verify(headers, guard, new Date(NOW.getTime() + 2000)))).to.equal('replayed');
    });

    it('GIVEN a request without the signature or the timestamp header WHEN it is verified THEN it is refused', () => {
      const headers = slackHeaders(NOW_SECONDS);
      expect(reasonOf(verify({ 'x-slack-signature': headers['x-slack-signature'] }))).to.equal('missing-headers');
      expect(reasonOf(verify({ 'x-slack-request-timestamp': NOW_SECONDS }))).to.equal('missing-headers');
      expect(reasonOf(verify({}))).to.equal('missing-headers');
    });

    it('GIVEN a timestamp that is not a number WHEN it is verified THEN it is refused', () => {
      expect(reasonOf(verify(slackHeaders('soon')))).to.equal('forged');
    });
  });

  describe('Teams outgoing webhook (HMAC-SHA256 of the body, base64 key)', () => {
    const TOKEN = Buffer.from('teams-outgoing-webhook-security-token').toString('base64');
    const MESSAGE = Buffer.from(JSON.stringify({ type: 'message', text: '<at>Fileflow</at> transfer-status a.csv' }));
    const verify =
      (authorization: string | undefined, guard = new ReplayGuard(), body = MESSAGE) =>
      () =>
        verifyTeamsRequest({
          headers: authorization === undefined ? {} : { authorization },
          rawBody: body,
          securityToken: TOKEN,
          now: NOW,
          replayGuard: guard,
        });

    it('GIVEN a message signed with the security token WHEN it is verified THEN it is accepted', () => {
      expect(teamsSignature(TOKEN, MESSAGE)).to.match(/^HMAC [A-Za-z0-9+/]{43}=$/);
      expect(reasonOf(verify(teamsSignature(TOKEN, MESSAGE)))).to.equal(undefined);
    });

    it('GIVEN a message signed with another token WHEN it is verified THEN it is refused as forged', () => {
      const other = Buffer.from('another token').toString('base64');
      expect(reasonOf(verify(teamsSignature(other, MESSAGE)))).to.equal('forged');
    });

    it('GIVEN a signed message WHEN it arrives twice THEN the second is refused as replayed', () => {
      const guard = new ReplayGuard();
      expect(reasonOf(verify(teamsSignature(TOKEN, MESSAGE), guard))).to.equal(undefined);
      expect(reasonOf(verify(teamsSignature(TOKEN, MESSAGE), guard))).to.equal('replayed');
    });

    it('GIVEN a message without Authorization WHEN it is verified THEN it is refused', () => {
      expect(reasonOf(verify(undefined))).to.equal('missing-headers');
    });
  });
});
