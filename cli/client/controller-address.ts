/**
 * `--controller` / FLEET_CONTROLLER: where fleet-controller's gRPC listens, as `host:port`,
 * `[v6]:port`, or a host alone (port 7400, the controller's default). Checked when the command
 * line is parsed, so a typo is a usage error before anything is loaded or dialled.
 */
import { splitHostPort } from '../../common/host-port.js';

/** fleet-controller's default gRPC port (its --listen default is 127.0.0.1:7400). */
export const DEFAULT_CONTROLLER_PORT = 7400;

export interface ControllerAddress {
  /** As given. */
  text: string;
  /** Without brackets for IPv6. */
  host: string;
  port: number;
}

/** The address, or an Error whose message says what is wrong, with examples. */
export function parseControllerAddress(text: string): ControllerAddress | Error {
  const examples = '(examples: 127.0.0.1:7400, ctl.internal, [::1]:7400)';
  const parts = splitHostPort(text);
  if (parts === null || parts.host === '') return new Error(`not a controller address: ${JSON.stringify(text)} ${examples}`);
  const port = parts.port ?? DEFAULT_CONTROLLER_PORT;
  if (port < 1 || port > 65535) return new Error(`port ${parts.port} is out of range in ${JSON.stringify(text)} ${examples}`);
  return { text, host: parts.host, port };
}
