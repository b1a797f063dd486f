import { connect, createServer, type Socket } from 'node:net';

/** Which way bytes are counted: client→server (uploads) or server→client (downloads). */
export type Direction = 'upstream' | 'downstream';

/** A TCP proxy on 127.0.0.1 in front of one server, whose faults a scenario arms while it runs. */
export interface TcpFaultProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  /** Connections cut mid-stream so far. */
  readonly cuts: () => number;
  /** Connections refused so far. */
  readonly refusals: () => number;
  /**
   * Cuts `times` connections: whichever connection carries the `afterBytes`-th byte in
   * `direction` (counted over all connections from now, pooled ones included) is cut, then
   * the count starts again for the next cut.
   */
  cutAfter(times: number, afterBytes: number, direction: Direction): void;
  /** The next `connections` connections are closed as soon as they are accepted (the server looks down). */
  refuseNext(connections: number): void;
  /** Runs `action` once, when `afterBytes` have passed in `direction` (over all connections, from now). */
  onceAfter(afterBytes: number, direction: Direction, action: () => void): void;
  stop(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`targetPort` that passes everything until a fault is armed. */
export function startTcpFaultProxy(targetPort: number): Promise<TcpFaultProxy> {
  let accepted = 0;
  let cuts = 0;
  let refusals = 0;
  let toRefuse = 0;
  let cutPlan: { times: number; afterBytes: number; direction: Direction; counted: number } | undefined;
  let trigger: { afterBytes: number; direction: Direction; action: () => void; counted: number } | undefined;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };

  const server = createServer((client) => {
    accepted += 1;
    track(client);
    if (toRefuse > 0) {
      toRefuse -= 1;
      refusals += 1;
      client.destroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    client.setNoDelay(true);
    track(upstream);
    const forward = (from: Socket, to: Socket, direction: Direction): void => {
      from.on('data', (chunk: Buffer) => {
        if (cutPlan?.direction === direction && (cutPlan.counted += chunk.length) > cutPlan.afterBytes) {
          cuts += 1;
          cutPlan = --cutPlan.times > 0 ? { ...cutPlan, counted: 0 } : undefined;
          client.destroy();
          upstream.destroy();
          return;
        }
        if (trigger?.direction === direction && (trigger.counted += chunk.length) > trigger.afterBytes) {
          const { action } = trigger;
          trigger = undefined;
          action();
        }
        // Back-pressure, so a byte count means bytes the server really received.
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      from.on('end', () => to.end());
      from.on('close', () => to.destroy());
    };
    forward(client, upstream, 'upstream');
    forward(upstream, client, 'downstream');
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as { port: number }).port,
        accepted: () => accepted,
        cuts: () => cuts,
        refusals: () => refusals,
        cutAfter: (times, afterBytes, direction) => {
          cutPlan = times > 0 ? { times, afterBytes, direction, counted: 0 } : undefined;
        },
        refuseNext: (connections) => {
          toRefuse += connections;
        },
        onceAfter: (afterBytes, direction, action) => {
          trigger = { afterBytes, direction, action, counted: 0 };
        },
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
