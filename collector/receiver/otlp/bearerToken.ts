/**
 * The ingest token check of the OTLP receivers: `Authorization: Bearer <token>`, an HTTP
 * header or gRPC `authorization` metadata. The scheme is case-insensitive (RFC 9110 §11.1);
 * the token is compared in constant time, so response times tell nothing about how much of a
 * guess was right.
 */
import { timingSafeEqual } from 'node:crypto';

const BEARER = /^bearer[ ]+(\S+)[ ]*$/i;

/** A check of an `Authorization` value against `token`; an empty token lets every request through. */
export function bearerTokenCheck(token: string): (authorization: string | undefined) => boolean {
  if (token === '') return () => true;
  const expected = Buffer.from(token);
  return (authorization) => {
    const given = Buffer.from(BEARER.exec(authorization ?? '')?.[1] ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
