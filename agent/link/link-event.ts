/**
 * What the link spools and sends: the host's fleet events (common/fleet-event.ts) without the
 * host, which the link adds when it sends. A transition carries what the edge left on the
 * process (its times, exit status and spawn error), so the controller's current view can follow it.
 */
import type { ExitEvent, GapEvent, TransitionEvent } from '../../common/fleet-event.js';
import type { TransitionDetail } from '../../common/process-info.js';

export type SpooledTransition = Omit<TransitionEvent, 'host'> & {
  /** Right after the edge; null if the engine no longer knew the process. */
  detail: TransitionDetail | null;
};
export type SpooledExit = Omit<ExitEvent, 'host'>;
export type SpooledGap = Omit<GapEvent, 'host'>;

/** One spooled event: `seq` is the host's own counter (see Spool). */
export type SpooledEvent = SpooledTransition | SpooledExit | SpooledGap;

type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

/** An event before the spool has numbered it. */
export type NewEvent = WithoutSeq<SpooledEvent>;
