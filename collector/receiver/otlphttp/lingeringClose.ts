/**
 * Closing a connection whose request body was not read to the end (refused mid-body: too
 * large, over the bytes-in-flight budget, memory short). Node would destroy the socket as soon
 * as the answer is written; the client, still sending its body, then gets a TCP reset that can
 * arrive before it has read the answer, and sees EPIPE / ECONNRESET instead of the 413 or the
 * 429 with its Retry-After. As Go's net/http does, the answer is followed by a half-close (FIN)
 * and the socket is destroyed a moment later. Meanwhile nothing more is read: the client's
 * writes stall on a full TCP window, so the wait costs no memory.
 */
import type { Socket } from 'node:net';

const LINGER_MS = 2000;

/** Makes node's close after this response a lingering one (node calls `destroySoon` when it has one). */
export function lingeringClose(socket: Socket): void {
  (socket as Socket & { destroySoon?: () => void }).destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}
