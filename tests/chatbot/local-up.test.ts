import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { localEndpointsSchema } from '../../cli/runtime/endpoints-file';
import { slackSignature } from '../../functions/core/chatbot/signature';
import { fileflow } from '../runtime/helpers';

describe('fileflow local up: the chat bot endpoint', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fileflow-chatbot-up-'));
  });

  after(async () => {
    await fileflow('local', 'down', '--dir', dir);
    await rm(dir, { recursive: true, force: true });
  });

  it('GIVEN `local up --detach` WHEN it returns THEN endpoints.json names the bot and its signing secret, and a request signed with it is answered', async () => {
    const up = await fileflow('local', 'up', '--detach', '--json', '--dir', dir);
    expect(up.code, up.stderr).to.equal(0);
    const { chatbot } = localEndpointsSchema.parse(JSON.parse(up.stdout));
    expect(chatbot?.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);

    const body = new URLSearchParams({
      command: '/transfer-failed-notifications',
      user_id: 'U0ALICE',
      channel_id: 'C0GENERAL',
      response_url: 'http://127.0.0.1:9/unused',
    }).toString();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(`${chatbot!.url}/slack/commands`, {
      method: 'POST',
      headers: {
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature(chatbot!.slackSigningSecret, timestamp, body),
      },
      body,
    });
    expect(response.status).to.equal(200);
    expect(await response.json()).to.include({ text: 'No failed notifications' });
  });
});
