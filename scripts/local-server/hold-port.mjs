// Holds the server's port while it starts (seconds: loading Miniflare, migrating, starting workerd), so
// a client's request made meanwhile waits instead of being refused. Without it, agents and flow-run
// processes spend their retries on refusals during a restart and give up (the fault suite's server
// restarts); `wrangler dev`'s proxy held requests the same way. Held connections are never read: they
// are closed unanswered once workerd listens, and clients retry into it (safe: nothing was processed).
import { createServer } from 'node:net';

/**
 * Listens on host:port and keeps every connection open; resolves once listening, so await it before
 * anything that keeps the event loop busy. `release()` stops listening so workerd can bind the port;
 * `dropHeld()` closes the connections kept so far. If the port cannot be held (in use), both do
 * nothing and workerd reports the conflict itself.
 */
export async function holdPort(host, port) {
  const held = new Set();
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    held.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => held.delete(socket));
  });
  const listening = new Promise((done) => {
    server.once('listening', () => done(true));
    server.once('error', () => done(false));
  });
  server.listen(port, host);
  const holding = await listening;
  return {
    async release() {
      if (!holding) return;
      // Stops accepting at once (the held connections stay); the socket is gone by the next turn.
      server.close();
      await new Promise((done) => setImmediate(done));
    },
    dropHeld() {
      for (const socket of held) socket.destroy();
      held.clear();
    },
  };
}
