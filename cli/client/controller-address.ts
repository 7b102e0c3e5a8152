/**
 * `--controller` / FLEET_CONTROLLER: where fleet-controller's gRPC listens, as `host:port`,
 * `[v6]:port`, or a host alone (port 7400, the controller's default). Checked when the command
 * line is parsed, so a typo is a usage error before anything is loaded or dialled.
 */

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
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]]+))(?::(\d{1,5}))?$/.exec(text);
  if (!match) return new Error(`not a controller address: ${JSON.stringify(text)} ${examples}`);
  const port = match[3] === undefined ? DEFAULT_CONTROLLER_PORT : Number(match[3]);
  if (port < 1 || port > 65535) return new Error(`port ${match[3]} is out of range in ${JSON.stringify(text)} ${examples}`);
  return { text, host: match[1] ?? match[2]!, port };
}
