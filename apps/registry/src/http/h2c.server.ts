import { createServer as createHttp1Server, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

type Handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

/** What an HTTP/2 client sends first when it speaks HTTP/2 without asking (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * http.h2c.enabled: one cleartext port that serves HTTP/1.1 and HTTP/2 with prior knowledge (what
 * load balancers such as Cloud Run speak to their backends), as registry:2's h2c handler does. Each
 * connection's first bytes decide: the HTTP/2 preface goes to an HTTP/2 server, anything else to
 * the HTTP/1.1 server that Fastify drives. Node's HTTP/2 session reads from the socket's native
 * handle, so the bytes already read are replayed through a stream wrapper. (An HTTP/1.1
 * `Upgrade: h2c` request is answered in HTTP/1.1, which the protocol allows.)
 */
export function cleartextHttp2ServerFactory(options: Record<string, unknown>): (handler: Handler) => Server {
  return (handler) => {
    const http1 = createHttp1Server(options, handler as (req: IncomingMessage, res: ServerResponse) => void);
    const http2 = createHttp2Server({}, handler as (req: Http2ServerRequest, res: Http2ServerResponse) => void);
    const sessions = new Set<ServerHttp2Session>();
    const peers = new WeakMap<ServerHttp2Session, Socket>();
    let connecting: Socket | undefined;
    http2.on('session', (session) => {
      sessions.add(session);
      if (connecting !== undefined) peers.set(session, connecting);
      session.once('close', () => sessions.delete(session));
    });
    // The compat request's socket is the stream wrapper: give it the real peer (req.ip, access log, events).
    http2.prependListener('request', (req: Http2ServerRequest) => {
      const peer = peers.get(req.stream.session as ServerHttp2Session);
      if (peer !== undefined) Object.defineProperty(req, 'socket', { value: withPeer(req.socket, peer) });
    });

    const http1Listeners = http1.listeners('connection') as ((socket: Socket) => void)[];
    http1.removeAllListeners('connection');
    http1.on('connection', (socket: Socket) => {
      let head = Buffer.alloc(0);
      const sniff = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const n = Math.min(head.length, PREFACE.length);
        if (head.length < PREFACE.length && head.subarray(0, n).equals(PREFACE.subarray(0, n))) return;
        socket.off('data', sniff);
        socket.pause();
        if (head.subarray(0, PREFACE.length).equals(PREFACE)) {
          connecting = socket;
          http2.emit('connection', replaying(socket, head));
          connecting = undefined;
        } else {
          socket.unshift(head);
          for (const listener of http1Listeners) listener.call(http1, socket);
          socket.resume();
        }
      };
      socket.on('data', sniff);
    });

    // Closing the port also ends the HTTP/2 sessions: GOAWAY, then their streams finish.
    const close = http1.close.bind(http1);
    http1.close = ((callback?: (err?: Error) => void) => {
      for (const session of sessions) session.close();
      return close(callback);
    }) as typeof http1.close;
    return http1;
  };
}

/** The connection as a plain stream that first yields `head` (already read) and then the rest. */
function replaying(socket: Socket, head: Buffer): Duplex {
  const stream = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, _encoding, done) => void socket.write(chunk, done),
    final: (done) => void socket.end(done),
    destroy: (err, done) => {
      socket.destroy(err ?? undefined);
      done(err);
    },
  });
  stream.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.once('end', () => stream.push(null));
  socket.once('close', () => stream.destroy());
  socket.on('error', (err) => stream.destroy(err));
  return stream;
}

function withPeer(socket: object, peer: Socket): object {
  return new Proxy(socket, {
    get(target, property) {
      if (property === 'remoteAddress') return peer.remoteAddress;
      if (property === 'remotePort') return peer.remotePort;
      if (property === 'remoteFamily') return peer.remoteFamily;
      return Reflect.get(target, property) as unknown;
    },
  });
}
