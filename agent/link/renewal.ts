/**
 * Renews the agent's certificate at two thirds of its lifetime, whether or not the stream is
 * up at that moment (Renew is a call of its own, over mutual TLS with the current certificate).
 * A failed renewal is logged and tried again after a tenth of the time left (between 10 s and
 * an hour), so a controller that is down for a while is caught up with well before expiry.
 * The new certificate is used from the next connection on; the old one stays valid meanwhile.
 */
import type { Logger } from '../logs/logger.js';
import { renewalTime, type AgentCredentials } from './agent-credentials.js';

/** The longest a timer may wait in Node (24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MIN_RETRY_MS = 10_000;
const MAX_RETRY_MS = 3_600_000;

export interface RenewalOptions {
  /** Carries out one renewal and returns the new credentials (enrollment.ts renewCertificate). */
  renew(current: AgentCredentials): Promise<AgentCredentials>;
  logger: Logger;
  /** Ends the schedule (the link closes). */
  signal: AbortSignal;
  now?: () => number;
}

export class CertificateRenewal {
  private timer: NodeJS.Timeout | undefined;
  private current: AgentCredentials | null = null;
  private readonly now: () => number;

  constructor(private readonly options: RenewalOptions) {
    this.now = options.now ?? Date.now;
    options.signal.addEventListener('abort', () => clearTimeout(this.timer), { once: true });
  }

  /** Schedules the renewal of `credentials` (replacing any earlier schedule). */
  schedule(credentials: AgentCredentials): void {
    if (this.options.signal.aborted) return;
    if (this.current?.certificatePem === credentials.certificatePem && this.timer !== undefined) return;
    this.current = credentials;
    this.wakeAt(renewalTime(credentials));
  }

  private wakeAt(time: number): void {
    clearTimeout(this.timer);
    const wait = Math.max(0, time - this.now());
    this.timer = setTimeout(() => (wait > MAX_TIMER_MS ? this.wakeAt(time) : void this.renew()), Math.min(wait, MAX_TIMER_MS));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const current = this.current;
    if (current === null || this.options.signal.aborted) return;
    const { logger } = this.options;
    try {
      const renewed = await this.options.renew(current);
      if (this.options.signal.aborted) return;
      logger.info(`certificate of host ${renewed.host} renewed: valid until ${new Date(renewed.notAfter).toISOString()} (the next connection uses it)`);
      this.current = null;
      this.schedule(renewed);
    } catch (err) {
      if (this.options.signal.aborted) return;
      const left = current.notAfter - this.now();
      const retry = Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, Math.floor(left / 10)));
      logger.warn(
        `certificate renewal failed: ${(err as Error).message}; the certificate expires at ${new Date(current.notAfter).toISOString()}, retrying in ${Math.round(retry / 1000)} s`,
      );
      this.wakeAt(this.now() + retry);
    }
  }
}
