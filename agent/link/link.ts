/**
 * The agent's link to fleet-controller ([fleet] controller=): numbers every transition and exit
 * into the spool as the engine reports them, whether or not the controller is reachable, and
 * keeps one stream to the controller open (link-session.ts), dialling again with jittered
 * backoff (backoff.ts) whenever it ends. The agent stays authoritative: losing the controller
 * changes nothing about its processes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FleetError, isFleetError } from '../../common/errors.js';
import type { FleetSettings } from '../config/types.js';
import type { Logger } from '../logs/logger.js';
import type { EngineEvent } from '../process/events.js';
import { backoffDelay, LINK_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { CommandHost } from './commands.js';
import { readCredentials, type AgentCredentials } from './agent-credentials.js';
import { joinController, renewCertificate } from './enrollment.js';
import { openLinkStream, type LinkStream } from './grpc-stream.js';
import { toHostEvent } from './host-events.js';
import { LinkSession, type AgentIdentity, type SessionEnd } from './link-session.js';
import { CertificateRenewal } from './renewal.js';
import { Spool } from './spool.js';

export interface LinkOptions {
  fleet: FleetSettings;
  /** The spool's directory: one per config file under state_dir. */
  spoolDir: string;
  /** The engine of the moment, the agent's state and the config read again (commands). */
  host: CommandHost;
  /** The activity log: link up and down at INFO. */
  logger: Logger;
  /** Constant for the agent process: its id and start time. */
  instanceId: string;
  startedMs: number;
  backoff?: BackoffPolicy;
  /** The transport; grpc-js by default. */
  connect?: (address: string) => LinkStream;
}

export class ControllerLink implements AsyncDisposable {
  private readonly lifetime = new AbortController();
  private readonly spool: Spool;
  private readonly identity: AgentIdentity;
  private readonly renewal: CertificateRenewal;
  private session: LinkSession | null = null;
  private running: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  /**
   * Opens the spool; events recorded from now on are numbered and kept. Dialling waits for
   * start(). Throws CONFIG_INVALID when the settings cannot be served: mutual TLS without a
   * certificate in state_dir and no [fleet] join_token to get one, or a certificate for another
   * host; and what the file system throws for the spool.
   */
  static open(options: LinkOptions): ControllerLink {
    const { controller, insecure, stateDir, host, joinToken } = options.fleet;
    if (controller === null) throw new FleetError('CONFIG_INVALID', '[fleet] controller is not set');
    if (!insecure && options.connect === undefined) {
      const credentials = readCredentials(stateDir);
      if (credentials === null && joinToken === null) {
        throw new FleetError(
          'CONFIG_INVALID',
          `[fleet] controller = ${controller}: this agent has no certificate in ${stateDir} yet; enroll it once with ` +
            `fleet-agent join --controller ${controller} --token JOIN_TOKEN --ca-fingerprint sha256:... ` +
            '(or set join_token and ca_fingerprint in [fleet]); for a controller started with --insecure, set insecure = true instead',
        );
      }
      if (credentials !== null && credentials.host !== host) {
        throw new FleetError(
          'CONFIG_INVALID',
          `the certificate in ${stateDir} is for host ${JSON.stringify(credentials.host)}, but [fleet] host is ${JSON.stringify(host)}; ` +
            'the controller takes the host name from the certificate: join again as this host (fleet-agent join), or set host back',
        );
      }
    }
    return new ControllerLink(options, controller);
  }

  private constructor(
    private readonly options: LinkOptions,
    readonly address: string,
  ) {
    this.spool = Spool.open(options.spoolDir, { maxBytes: options.fleet.spoolMaxBytes, logger: options.logger });
    this.identity = {
      host: options.fleet.host,
      labels: options.fleet.labels,
      instanceId: options.instanceId,
      pid: process.pid,
      startedMs: options.startedMs,
    };
    this.renewal = new CertificateRenewal({
      renew: (current) => renewCertificate(this.address, options.fleet.stateDir, current),
      logger: options.logger,
      signal: this.lifetime.signal,
    });
  }

  /** Starts dialling the controller (once the engine exists: the first message is its snapshot). Idempotent. */
  start(): void {
    if (this.running === null && !this.lifetime.signal.aborted) this.running = this.run();
  }

  /** The highest seq given out so far. */
  get lastSeq(): number {
    return this.spool.lastSeq;
  }

  /** The highest seq the controller has acked (and the spool trimmed up to). */
  get ackedSeq(): number {
    return this.spool.ackedSeq;
  }

  /**
   * The engine's event sink: transitions and exits are numbered and spooled now, in the
   * engine's turn; a change of the process set asks for a new snapshot.
   */
  record(event: EngineEvent): void {
    if (this.lifetime.signal.aborted) return;
    if (event.type === 'groups') {
      this.session?.processesChanged();
      return;
    }
    const hostEvent = toHostEvent(event, (group, name) => {
      try {
        return this.options.host.engine().getProcessInfo({ group, name });
      } catch {
        return null;
      }
    });
    if (hostEvent !== null) this.spool.append(hostEvent);
  }

  /** The agent rebuilt its engine (reload): the controller gets a new snapshot. */
  engineReplaced(): void {
    this.session?.processesChanged();
  }

  /** Ends the stream and closes the spool (everything spooled stays for the next run). Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.lifetime.abort();
      this.session?.end('the agent is stopping');
      this.closing = (this.running ?? Promise.resolve()).then(() => this.spool.close());
    }
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    const signal = this.lifetime.signal;
    const policy = this.options.backoff ?? LINK_BACKOFF;
    let attempt = 0;
    let quiet = false;
    while (!signal.aborted) {
      const stream = await this.dial();
      let end: SessionEnd;
      if (typeof stream === 'string') end = { up: false, reason: stream };
      else {
        const session = new LinkSession({
          stream,
          identity: this.identity,
          spool: this.spool,
          host: this.options.host,
          logger,
          lifetime: signal,
          onUp: ({ ackedSeq, heartbeatMs }) => {
            attempt = 0;
            quiet = false;
            logger.info(
              `controller link up: ${this.address} (controller has seq ${ackedSeq}, this host is at ${this.spool.lastSeq}; heartbeat ${heartbeatMs} ms)`,
            );
          },
        });
        this.session = session;
        end = await session.run();
        this.session = null;
      }
      if (signal.aborted) break;
      const delay = backoffDelay(attempt++, policy, Math.random);
      if (end.up) logger.info(`controller link down: ${this.address}: ${end.reason}; reconnecting in ${delay} ms`);
      else if (isRefusal(end.reason)) logger.warn(`controller link to ${this.address} refused: ${end.reason}; retrying in ${delay} ms`);
      else if (!quiet) logger.info(`controller link to ${this.address} not established: ${end.reason}; retrying with backoff`);
      else logger.debug(`controller link to ${this.address} not established: ${end.reason}; retrying in ${delay} ms`);
      quiet = true;
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        break; // closed
      }
    }
    if (this.session) this.session.end('the agent is stopping');
  }

  /**
   * The transport for one attempt, or why there is none this time: plaintext in insecure mode;
   * otherwise mutual TLS with the credentials in state_dir, enrolling first with [fleet]
   * join_token when there are none (never when a certificate exists: a revoked host must not
   * come back on its own).
   */
  private async dial(): Promise<LinkStream | string> {
    const { fleet, logger } = this.options;
    if (this.options.connect) return this.options.connect(this.address);
    if (fleet.insecure) return openLinkStream(this.address, { insecure: true });
    let credentials: AgentCredentials | null;
    try {
      credentials = readCredentials(fleet.stateDir);
      if (credentials === null) {
        credentials = await joinController({
          controller: this.address,
          token: fleet.joinToken!,
          caFingerprint: fleet.caFingerprint!,
          host: fleet.host,
          stateDir: fleet.stateDir,
        });
        logger.info(`joined ${this.address} as host ${credentials.host}: certificate valid until ${new Date(credentials.notAfter).toISOString()}, stored in ${fleet.stateDir}`);
      }
    } catch (err) {
      // A controller that cannot be reached yet is retried quietly, as a stream that cannot be opened; a refusal is warned about.
      return `${isFleetError(err, 'HOST_UNREACHABLE') ? 'enrollment not possible yet' : 'enrollment refused'}: ${(err as Error).message}`;
    }
    if (credentials.notAfter <= Date.now()) {
      return `UNAUTHENTICATED: the certificate in ${fleet.stateDir} expired at ${new Date(credentials.notAfter).toISOString()}; join again (fleet-agent join with a new join token)`;
    }
    this.renewal.schedule(credentials);
    return openLinkStream(this.address, { credentials });
  }
}

/** Whether a session ended because the controller refused this agent's credentials (worth a warning on every attempt). */
function isRefusal(reason: string): boolean {
  return /^(UNAUTHENTICATED|PERMISSION_DENIED|INVALID_ARGUMENT)\b|^enrollment refused/.test(reason);
}
