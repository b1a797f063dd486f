import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** The S3 error bodies the proxy answers with, as S3 writes them. */
const S3_ERRORS: Record<number, { code: string; message: string }> = {
  500: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  503: { code: 'ServiceUnavailable', message: 'Service is unable to handle request.' },
};

/** An HTTP proxy in front of the local S3 server that answers errors or cuts downloads on demand. */
export interface S3FaultProxy {
  /** `http://127.0.0.1:<port>`: give this to the S3 client under test. */
  readonly endpoint: string;
  /** Where requests go; set once the S3 server is up. */
  setUpstream(endpoint: string): void;
  /** The next `requests` requests are answered with these statuses in turn (500 and 503 by default). */
  failNext(requests: number, statuses?: readonly number[]): void;
  /** The next `downloads` GETs with a body are cut after `afterBytes` bytes of it. */
  cutNextDownloads(downloads: number, afterBytes: number): void;
  /** Disarms every fault not yet spent. */
  heal(): void;
  /** Requests answered with an error so far, by status. */
  readonly failed: () => Record<number, number>;
  /** Downloads cut so far. */
  readonly cuts: () => number;
  /** Requests seen so far, by method. */
  readonly requests: () => Record<string, number>;
  stop(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 at a free port. Requests keep their Host header, so signatures stay valid. */
export function startS3FaultProxy(): Promise<S3FaultProxy> {
  let upstream: URL | undefined;
  const statuses: number[] = [];
  const downloadCuts: number[] = [];
  const failed: Record<number, number> = {};
  const requests: Record<string, number> = {};
  let cuts = 0;
  const sockets = new Set<Socket>();

  const answerError = (req: IncomingMessage, res: ServerResponse, status: number): void => {
    failed[status] = (failed[status] ?? 0) + 1;
    const error = S3_ERRORS[status] ?? { code: 'InternalError', message: `status ${status}` };
    const body =
      req.method === 'HEAD'
        ? ''
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${error.message}</Message><RequestId>fault</RequestId></Error>`;
    // Drain the request first: an unread upload body would stall the client.
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  };

  const server = createServer((req, res) => {
    requests[req.method ?? '?'] = (requests[req.method ?? '?'] ?? 0) + 1;
    const status = statuses.shift();
    if (status !== undefined) return answerError(req, res, status);
    if (!upstream) return answerError(req, res, 503);
    const cutAfter = req.method === 'GET' && downloadCuts.length > 0 ? downloadCuts[0] : undefined;
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const hasBody = Number(answer.headers['content-length'] ?? 0) > 0 && answer.statusCode === 200;
        const cut = cutAfter !== undefined && hasBody && !isListing(req.url) ? downloadCuts.shift() : undefined;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (cut === undefined) {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent + chunk.length > cut) {
            res.write(chunk.subarray(0, Math.max(0, cut - sent)));
            cuts += 1;
            answer.destroy();
            res.socket?.destroy();
            return;
          }
          sent += chunk.length;
          res.write(chunk);
        });
        answer.on('end', () => res.end());
      },
    );
    forwarded.on('error', () => res.socket?.destroy());
    req.pipe(forwarded);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        setUpstream: (endpoint) => {
          upstream = new URL(endpoint);
        },
        failNext: (count, cycle = [500, 503]) => {
          for (let i = 0; i < count; i++) statuses.push(cycle[i % cycle.length]!);
        },
        cutNextDownloads: (count, afterBytes) => {
          for (let i = 0; i < count; i++) downloadCuts.push(afterBytes);
        },
        heal: () => {
          statuses.length = 0;
          downloadCuts.length = 0;
        },
        failed: () => ({ ...failed }),
        cuts: () => cuts,
        requests: () => ({ ...requests }),
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A bucket listing (`GET /bucket?list-type=2…`) carries no file bytes, so it is never cut. */
function isListing(url: string | undefined): boolean {
  return /[?&]list-type=|\?location|\?versioning/.test(url ?? '');
}
