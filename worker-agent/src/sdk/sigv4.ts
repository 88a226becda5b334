// AWS Signature Version 4 for S3-compatible requests, with node:crypto: canonical request, string to
// sign, signing key (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
import { createHash, createHmac } from 'node:crypto';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  /** `s3` for buckets. */
  service: string;
}

export interface SigV4Request {
  method: string;
  url: URL;
  /** Headers to sign and send (host is taken from the URL). */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

export const EMPTY_PAYLOAD_HASH = createHash('sha256').update('').digest('hex');

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ is %XX, upper case. */
export function awsEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** S3's canonical URI: each segment of the path encoded once, not normalized. */
export function canonicalPath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => awsEncode(decode(segment)))
    .join('/');
}

/** Parameters encoded, sorted by name then value; a name without a value signs as `name=`. */
export function canonicalQuery(search: string): string {
  const text = search.startsWith('?') ? search.slice(1) : search;
  if (text === '') return '';
  return text
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const equals = part.indexOf('=');
      const name = equals < 0 ? part : part.slice(0, equals);
      const value = equals < 0 ? '' : part.slice(equals + 1);
      return [awsEncode(decode(name.replace(/\+/g, ' '))), awsEncode(decode(value.replace(/\+/g, ' ')))];
    })
    .sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : x! > y! ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** `20150830T123600Z`. */
export function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * The headers to add to the request: `authorization`, `x-amz-date` and, with temporary credentials,
 * `x-amz-security-token`. Every header in `request.headers` is signed.
 */
export function signRequest(
  request: SigV4Request,
  credentials: SigV4Credentials,
  now: Date,
): Record<string, string> {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const added: Record<string, string> = { 'x-amz-date': date };
  if (credentials.sessionToken) added['x-amz-security-token'] = credentials.sessionToken;
  const all = new Map<string, string>();
  for (const [name, value] of Object.entries({ ...request.headers, ...added, host: request.url.host })) {
    all.set(name.toLowerCase(), value.trim().replace(/\s+/g, ' '));
  }
  const names = [...all.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.url.pathname || '/'),
    canonicalQuery(request.url.search),
    names.map((name) => `${name}:${all.get(name)}\n`).join(''),
    signedHeaders,
    request.payloadHash,
  ].join('\n');
  const scope = `${day}/${credentials.region}/${credentials.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), credentials.region), credentials.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return {
    ...added,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
