/**
 * How a per-host error reads, in every cluster command alike: `host: ERROR (host unreachable:
 * ...)` for a host that is down, `ERROR (no such process: web:x)` for an address that reached
 * nothing, `host: ERROR (CODE: message)` for anything else; its JSON form; and its exit code
 * from the one fault table (exit-codes.ts).
 */
import type { HostError } from '../client/controller-client.js';
import { exitForFault } from '../exit-codes.js';

/** The message without a leading `host: ` (the controller names the host in some messages). */
function detail(error: HostError): string {
  const prefix = `${error.host}: `;
  return error.host && error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

export function hostErrorLine(error: HostError): string {
  const who = error.host ? `${error.host}: ` : '';
  switch (error.code) {
    case 'HOST_UNREACHABLE':
      return `${who}ERROR (host unreachable: ${detail(error)})`;
    case 'BAD_NAME':
    case 'NO_SUCH_HOST':
      return `${who}ERROR (${detail(error)})`;
    default:
      return `${who}ERROR (${error.code}${error.message ? `: ${detail(error)}` : ''})`;
  }
}

export function hostErrorJson(error: HostError): { host: string; fault: string; error: string } {
  return { host: error.host, fault: error.code, error: error.message };
}

/** The exit status after a host error: the fault table's code for it (HOST_UNREACHABLE is 4). */
export function exitForHostError(current: number, error: HostError): number {
  return exitForFault(current, error.code);
}
