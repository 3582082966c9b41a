/**
 * grpc-js server credentials whose certificate can be replaced while the server runs
 * (collector/net/tlsReload.ts; README "TLS"). grpc-js applies a certificate provider's updates
 * to its HTTP/2 server with setSecureContext; its plain `createSsl` credentials cannot change.
 * The provider hands over the identity (certificate and key) and, for mutual TLS, the client CA.
 * A new listener gets the current material on the next microtask, not at once: grpc-js adds the
 * provider's listeners before its own watcher, so an update given synchronously is lost (and the
 * server drops every connection for want of a certificate). Connections come later still.
 */
import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { TlsMaterial } from '../../net/TlsOptions.js';

type IdentityListener = experimental.IdentityCertificateUpdateListener;
type CaListener = experimental.CaCertificateUpdateListener;

class ReplaceableCertificates implements experimental.CertificateProvider {
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly caListeners = new Set<CaListener>();

  constructor(private material: TlsMaterial) {}

  replace(material: TlsMaterial): void {
    this.material = material;
    for (const listener of this.identityListeners) listener(this.identity());
    for (const listener of this.caListeners) listener(this.ca());
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => listener(this.identity()));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => listener(this.ca()));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  private identity(): experimental.IdentityCertificateUpdate {
    return { certificate: this.material.cert, privateKey: this.material.key };
  }

  private ca(): experimental.CaCertificateUpdate | null {
    return this.material.clientCa === null ? null : { caCertificate: this.material.clientCa };
  }
}

/** Credentials serving `material`, and the function that replaces it for new connections. */
export function reloadableServerCredentials(material: TlsMaterial): { credentials: ServerCredentials; replace: (material: TlsMaterial) => void } {
  const certificates = new ReplaceableCertificates(material);
  const mutual = material.clientCa !== null;
  // grpc-js 1.14 passes this function's first argument on as the identity provider and its
  // second as the CA provider (whose presence makes the server ask for client certificates),
  // whatever the parameter names in its typings say; the TLS tests fail if that changes.
  const credentials = experimental.createCertificateProviderServerCredentials(certificates, mutual ? certificates : null, mutual);
  return { credentials, replace: (next) => certificates.replace(next) };
}
