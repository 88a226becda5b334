// A local TCP proxy between agents and the server that drops connections, delays data and cuts
// connections mid-request and mid-response, at seeded random.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Chaos {
  /** Share of new connections reset at once. */
  drop: number;
  /** Share of data chunks (either way) after which both sides are cut. */
  cut: number;
  /** Share of data chunks held back before they are passed on. */
  delay: number;
  maxDelayMs: number;
}

export interface ProxyStats {
  connections: number;
  dropped: number;
  cutRequests: number;
  cutResponses: number;
  delayed: number;
}

export class ChaosProxy {
  readonly stats: ProxyStats = { connections: 0, dropped: 0, cutRequests: 0, cutResponses: 0, delayed: 0 };
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly targetPort: number;
  private readonly chaos: Chaos;
  private readonly random: () => number;
  /** Off while the scenario drains, so the last runs finish without faults in the way. */
  enabled = true;

  constructor(targetPort: number, chaos: Chaos, random: () => number) {
    this.targetPort = targetPort;
    this.chaos = chaos;
    this.random = random;
    this.server = createServer((client) => this.accept(client));
  }

  listen(): Promise<string> {
    return new Promise((done) => {
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        done(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
      });
    });
  }

  private accept(client: Socket): void {
    this.stats.connections++;
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.enabled && this.random() < this.chaos.drop) {
      this.stats.dropped++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    this.pipe(client, upstream, 'request');
    this.pipe(upstream, client, 'response');
  }

  /** Passes chunks on in order; each may be held back, or end the connection after it (cut). */
  private pipe(from: Socket, to: Socket, direction: 'request' | 'response'): void {
    let chain = Promise.resolve();
    from.on('data', (chunk) => {
      const delayMs =
        this.enabled && this.random() < this.chaos.delay ? this.random() * this.chaos.maxDelayMs : 0;
      const cut = this.enabled && this.random() < this.chaos.cut;
      if (delayMs > 0) this.stats.delayed++;
      chain = chain.then(async () => {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (to.destroyed) return;
        if (cut) {
          // Part of the chunk goes through, then both sides are reset: a request or answer cut mid-way.
          to.write(chunk.subarray(0, Math.floor(chunk.length / 2)));
          if (direction === 'request') this.stats.cutRequests++;
          else this.stats.cutResponses++;
          from.resetAndDestroy();
          to.resetAndDestroy();
          return;
        }
        to.write(chunk);
      });
    });
    from.on('end', () => {
      chain = chain.then(() => {
        if (!to.destroyed) to.end();
      });
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((done) => this.server.close(() => done(undefined)));
  }
}
