/**
 * A problem found in a configuration file, and where: what every reader of INI files here
 * (supervisord.conf for the agent, fleetctl's and fleet-controller's own files) reports as
 * `file:line: message`.
 */

/** Where a diagnostic points. `line` is 1-based; 0 when the problem has no single line. */
export interface ConfigLocation {
  file: string;
  line: number;
  section?: string;
  key?: string;
}

export interface ConfigDiagnostic extends ConfigLocation {
  message: string;
}
