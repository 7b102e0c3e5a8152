/**
 * What the link spools and sends: the host's fleet events (common/fleet-event.ts) without the
 * host, which the link adds when it sends. A transition carries the process as it was right
 * after the edge, so the controller's current view can follow it.
 */
import type { ExitEvent, GapEvent, TransitionEvent } from '../../common/fleet-event.js';
import type { ProcessInfo } from '../../common/process-info.js';

export type SpooledTransition = Omit<TransitionEvent, 'host'> & {
  /** The process right after the edge; null if the engine no longer knew it. */
  info: ProcessInfo | null;
};
export type SpooledExit = Omit<ExitEvent, 'host'>;
export type SpooledGap = Omit<GapEvent, 'host'>;

/** One spooled event: `seq` is the host's own counter (see Spool). */
export type SpooledEvent = SpooledTransition | SpooledExit | SpooledGap;

type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

/** An event before the spool has numbered it. */
export type NewEvent = WithoutSeq<SpooledEvent>;
