/**
 * The `tls` section of a listener in otel-config.yaml, named as in the OpenTelemetry
 * Collector's configtls (`cert_file`, `key_file`, `client_ca_file`). All empty (the default):
 * the listener speaks plain text. Reusable by any listener's schema.
 */
import { z } from 'zod';
import type { TlsOptions } from '../net/TlsOptions.js';

export const tlsConfig = z
  .strictObject({
    /** PEM certificate file; with key_file, the listener speaks TLS. */
    cert_file: z.string().default(''),
    key_file: z.string().default(''),
    /** PEM CA file; when set, clients must present a certificate it signed (mTLS). */
    client_ca_file: z.string().default(''),
  })
  .prefault({})
  .superRefine((tls, ctx) => {
    if (tls.cert_file !== '' && tls.key_file === '') ctx.addIssue({ code: 'custom', path: ['key_file'], message: 'is required with cert_file' });
    if (tls.key_file !== '' && tls.cert_file === '') ctx.addIssue({ code: 'custom', path: ['cert_file'], message: 'is required with key_file' });
    if (tls.client_ca_file !== '' && tls.cert_file === '') {
      ctx.addIssue({ code: 'custom', path: ['client_ca_file'], message: 'needs cert_file and key_file: mutual TLS is TLS first' });
    }
  });

export type TlsConfig = z.output<typeof tlsConfig>;

/** Null when TLS is off. */
export function tlsOptionsOf(tls: TlsConfig): TlsOptions | null {
  if (tls.cert_file === '') return null;
  return { certFile: tls.cert_file, keyFile: tls.key_file, clientCaFile: tls.client_ca_file };
}
