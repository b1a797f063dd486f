import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { postJson, redactedUrl } from '../../functions/core/webhook';

describe('webhook posts (notifications, harness alerts, chat bot replies)', () => {
  let server: Server;
  let url: string;
  const received: { method?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  let answer = 200;

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        received.push({ method: request.method, headers: request.headers, body });
        response.writeHead(answer, { 'content-type': 'text/plain' });
        response.end('x'.repeat(64 * 1024));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0?token=secret`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    received.length = 0;
    answer = 200;
  });

  it('GIVEN a body and extra headers WHEN posted THEN the webhook receives one JSON POST with them, and the status comes back', async () => {
    const outcome = await postJson(url, { text: 'payroll.csv failed' }, { authorization: 'Bearer t' });

    expect(outcome).to.deep.equal({ status: 200, ok: true });
    expect(received).to.have.length(1);
    expect(received[0]).to.deep.include({ method: 'POST', body: '{"text":"payroll.csv failed"}' });
    expect(received[0]!.headers).to.include({ 'content-type': 'application/json', authorization: 'Bearer t' });
  });

  it('GIVEN a webhook that answers 500 with a long body WHEN posted THEN the status is reported as not ok, and the next post goes through', async () => {
    answer = 500;
    expect(await postJson(url, { n: 1 })).to.deep.equal({ status: 500, ok: false });
    answer = 200;
    expect(await postJson(url, { n: 2 })).to.deep.equal({ status: 200, ok: true });
    expect(received.map((request) => request.body)).to.deep.equal(['{"n":1}', '{"n":2}']);
  });

  it('GIVEN nothing listening WHEN posted THEN it fails instead of hanging', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const failure = await postJson(`http://127.0.0.1:${port}/`, {}).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(Error);
  });

  it('GIVEN a webhook URL with credentials and a token in its query WHEN logged THEN only scheme, host and path remain', () => {
    expect(redactedUrl('https://user:pass@hooks.example.com:8443/services/T0/B1?token=secret#x')).to.equal(
      'https://hooks.example.com:8443/services/T0/B1',
    );
  });
});
