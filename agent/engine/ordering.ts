/**
 * Orders and pacing for operations over many processes (reference section 2.4).
 */
import { compareNames } from '../../common/process-info.js';
import type { GroupConfig, ProcessConfig } from '../config/types.js';


/** (priority, name) ascending: the order supervisord starts groups in, and processes inside one. */
export function byPriority<T extends { config: Pick<GroupConfig | ProcessConfig, 'priority' | 'name'> }>(a: T, b: T): number {
  return a.config.priority - b.config.priority || compareNames(a.config.name, b.config.name);
}

/** Splits items sorted by priority into runs of equal priority, keeping their order. */
export function priorityWaves<T>(items: readonly T[], priority: (item: T) => number): T[][] {
  const waves: T[][] = [];
  for (const item of items) {
    const last = waves[waves.length - 1];
    if (last && priority(last[0]!) === priority(item)) last.push(item);
    else waves.push([item]);
  }
  return waves;
}

/** Spawns started between two yields to the event loop during a bulk start. */
export const DEFAULT_SPAWN_BATCH = 16;

/** Lets exits, signals and RPCs that arrived meanwhile be served before the next batch. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Keeps runs of items apart: the work `step` started for items of one key (a spawn) is complete
 * before `step` runs for the first item of the next key. Items of one key may overlap.
 */
export interface Waves<T> {
  key(item: T): string;
  /** Settles when the work `step` started for the item is complete. */
  settled(item: T): Promise<unknown>;
}

/**
 * Runs `step` over `items` in order, yielding to the event loop after every `batch` steps that
 * did real work (returned true), so a long run of spawns never holds the loop for long. With
 * `waves`, waits at every change of key for the work of the previous run of items.
 */
export async function paced<T>(items: readonly T[], batch: number, step: (item: T) => boolean, waves?: Waves<T>): Promise<void> {
  let done = 0;
  let key: string | undefined;
  let wave: T[] = [];
  for (const item of items) {
    if (waves) {
      const next = waves.key(item);
      if (next !== key) {
        if (wave.length > 0) await Promise.all(wave.map((w) => waves.settled(w)));
        wave = [];
        key = next;
      }
    }
    if (!step(item)) continue;
    if (waves) wave.push(item);
    done += 1;
    if (done % batch === 0) await yieldToEventLoop();
  }
}
