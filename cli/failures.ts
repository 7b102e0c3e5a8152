/**
 * What fleetctl prints when a command meets an error it has no message of its own for. The
 * text follows supervisorctl's catch-all (`error: <class>, <value>`) so that tools matching the
 * prefix keep working; the trailing `: file: <python file> line: <n>` has no meaning for fleetctl
 * and is left out.
 */
import { ErrorCodes, FleetError } from '../common/errors.js';
import { pyRepr } from '../common/python-repr.js';

/** supervisorctl raises ValueError for a result code it has no text for (`_startresult`). */
export class UnknownResultCode extends Error {
  constructor(code: string, name: string) {
    super(`Unknown result code ${faultNumber(code)} for ${name}`);
    this.name = 'ValueError';
  }
}

/** Supervisor's numeric fault code for one of ours (SUCCESS is 80, as in xmlrpc.Faults). */
export function faultNumber(code: string): number | string {
  if (code === 'SUCCESS') return 80;
  return (ErrorCodes as Record<string, number>)[code] ?? code;
}

/** str() of an xmlrpclib.Fault: `<Fault 10: 'BAD_NAME: web'>`. */
export function faultRepr(err: Pick<FleetError, 'code' | 'faultString'>): string {
  return `<Fault ${faultNumber(err.code)}: ${pyRepr(err.faultString)}>`;
}

/** The catch-all line, ending in a newline. */
export function describeUnexpected(err: unknown): string {
  if (err instanceof FleetError) return `error: <class 'xmlrpc.client.Fault'>, ${faultRepr(err)}\n`;
  if (err instanceof Error) return `error: <class '${err.name}'>, ${err.message}\n`;
  return `error: <class 'Error'>, ${String(err)}\n`;
}
