/**
 * TLS for a listener (both OTLP receivers and the status API), with the OpenTelemetry
 * Collector's meaning of its `tls` settings: a server certificate and key, and optionally a
 * client CA, which turns on mutual TLS (clients without a certificate it signed are refused
 * during the handshake). The files are PEM and are read when the listener starts, so a missing
 * or unreadable file is a start-up error that names it; SIGHUP reads them again (tlsReload.ts).
 */
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { SecureContextOptions } from 'node:tls';

export interface TlsOptions {
  /** PEM certificate (chain) the listener presents. */
  certFile: string;
  /** PEM private key of that certificate. */
  keyFile: string;
  /** PEM CA bundle that client certificates must chain to; empty (the default) means no client certificate is asked for. */
  clientCaFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  clientCa: Buffer | null;
}

export function readTlsMaterial(options: TlsOptions): TlsMaterial {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
    }
  };
  return {
    cert: read(options.certFile, 'certificate'),
    key: read(options.keyFile, 'key'),
    clientCa: options.clientCaFile ? read(options.clientCaFile, 'client CA') : null,
  };
}

/** The material as node:tls secure context options (the client CA verifies client certificates). */
export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return { cert: material.cert, key: material.key, ca: material.clientCa ?? undefined };
}

/** node:https server options for the material (mTLS when there is a client CA). */
export function httpsServerOptions(material: TlsMaterial): ServerOptions {
  const mutual = material.clientCa !== null;
  return { ...secureContextOptions(material), requestCert: mutual, rejectUnauthorized: mutual };
}
