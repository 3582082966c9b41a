/**
 * TLS certificates re-read without a restart (README "TLS"): on `reloadTlsFiles()` (SIGHUP, in
 * main.ts) every TLS listener reads its files again and serves new connections with them;
 * connections already open keep theirs. Files that cannot be read, or a key that does not
 * match its certificate, leave that listener on its current certificate with an error in the
 * log, so a half-finished certificate rotation never takes a listener down.
 */
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import { log } from '../log.js';
import { readTlsMaterial, secureContextOptions, type TlsMaterial, type TlsOptions } from './TlsOptions.js';

const reloads = new Set<() => void>();

/** Re-reads the files of every TLS listener registered with whenTlsReloads. */
export function reloadTlsFiles(): void {
  for (const reload of reloads) reload();
}

/**
 * Calls `apply` with the files of `options` read again, checked as a secure context first, on
 * every reloadTlsFiles(); returns what unregisters it (the listener's shutdown calls it).
 */
export function whenTlsReloads(listener: string, options: TlsOptions, apply: (material: TlsMaterial) => void): () => void {
  const reload = () => {
    let material: TlsMaterial;
    try {
      material = readTlsMaterial(options);
      createSecureContext(secureContextOptions(material));
    } catch (error) {
      log.error('TLS files not reloaded: the listener keeps its current certificate', { listener, error });
      return;
    }
    apply(material);
    log.info('TLS certificate reloaded', { listener, certFile: options.certFile });
  };
  reloads.add(reload);
  return () => reloads.delete(reload);
}

/** whenTlsReloads for a node:https server: new connections get the new secure context. */
export function reloadHttpsServerTls(listener: string, options: TlsOptions, server: HttpsServer): () => void {
  return whenTlsReloads(listener, options, (material) => server.setSecureContext(secureContextOptions(material)));
}
