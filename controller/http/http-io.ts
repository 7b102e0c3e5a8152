/**
 * The small pieces of HTTP the controller's HTTP side needs: bounded request bodies (JSON or a
 * form), cookies, the request's own origin, and answers (JSON, HTML, errors as JSON with the
 * fault name), every answer with the same security headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { FleetError, isFleetError, type ErrorCode } from '../../common/errors.js';

export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The largest request body accepted (a sign-in, a control request). */
export const MAX_BODY_BYTES = 64 * 1024;

export function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | string[]> = {}): void {
  send(res, status, 'application/json', `${JSON.stringify(value)}\n`, headers);
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RATE_LIMITED: 429,
  BAD_ADDRESS: 400,
  BAD_ARGUMENTS: 400,
  INCORRECT_PARAMETERS: 400,
  BAD_SIGNAL: 400,
  NO_SUCH_HOST: 404,
  BAD_NAME: 404,
  SHUTDOWN_STATE: 503,
};

/** A failure as JSON `{"error": {"fault", "message"}}` with the status its code means over HTTP. */
export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string | string[]> = {}): void {
  const fault = isFleetError(err) ? err : new FleetError('INTERNAL', err instanceof Error ? err.message : String(err));
  sendJson(res, HTTP_STATUS[fault.code] ?? 500, { error: { fault: fault.code, message: fault.message } }, headers);
}

/** Whether the request came over TLS (then cookies are Secure). */
export function isHttps(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/** `http://host:port` as the client addressed this server (its Host header). */
export function ownOrigin(req: IncomingMessage): string {
  return `${isHttps(req) ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}

/**
 * Where a browser says the request comes from: its Origin header, else the origin of its
 * Referer; null when it sent neither (a script, curl, or a browser's same-origin GET).
 */
export function claimedOrigin(req: IncomingMessage): string | null {
  const origin = req.headers.origin;
  if (origin !== undefined) return origin;
  const referer = req.headers.referer;
  if (referer === undefined) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return 'invalid';
  }
}

export function parseCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name !== '' && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** The request's body as text, at most MAX_BODY_BYTES (INCORRECT_PARAMETERS beyond). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new FleetError('INCORRECT_PARAMETERS', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object or a urlencoded form, by the request's content type, as string fields. */
export async function readFields(req: IncomingMessage): Promise<{ fields: Record<string, unknown>; form: boolean }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await readBody(req);
  if (type === 'application/x-www-form-urlencoded') return { fields: Object.fromEntries(new URLSearchParams(text)), form: true };
  if (type !== 'application/json') throw new FleetError('INCORRECT_PARAMETERS', 'send application/json (or a form, for sign-in and sign-out)');
  let value: unknown;
  try {
    value = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new FleetError('INCORRECT_PARAMETERS', 'the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FleetError('INCORRECT_PARAMETERS', 'the request body must be a JSON object');
  return { fields: value as Record<string, unknown>, form: false };
}
