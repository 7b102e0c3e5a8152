// What a scenario is: a set of metric definitions and a function that measures them once.
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, readFileSync } from 'node:fs';
import type { Impl } from './impls.js';
import type { Daemon, Workspace } from './processes.js';
import type { Options } from './options.js';
import { monoMs } from './clock.js';

export type ScenarioName = 'spawn' | 'respawn' | 'logs';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['spawn', 'respawn', 'logs'];

/** One measured value per metric key, for one rep of one implementation. */
export type Values = Record<string, number>;

export interface Target {
  op: '<=' | '>=' | '==';
  value: number;
  /** As printed, e.g. "≤ 1.0 s". */
  text: string;
}

export interface MetricDef {
  key: string;
  label: string;
  /** Decimals when printed; 'bool' prints yes/no; 'int' prints a grouped integer. */
  format: number | 'bool' | 'int';
  /** How reps combine: the median (min–max shown), or the worst rep for correctness figures. */
  agg: 'median' | 'max' | 'min';
  /** Print supervisord ÷ fleet-agent for this row. */
  ratio?: boolean;
  target?: Target;
  /** supervisord's figure in reference/baseline-supervisord.md for these parameters, if it has one. */
  baseline?: number;
}

export interface RunContext {
  impl: Impl;
  /** This run's own directory inside the workspace; everything it writes goes there. */
  dir: string;
  workspace: Workspace;
  options: Options;
  /** Reports a step on stderr, prefixed with the scenario, implementation and rep. */
  step(message: string): void;
  /** Records the daemon so the caller can clean up after a failure. */
  setDaemon(d: Daemon): void;
}

export interface Scenario {
  name: ScenarioName;
  /** One line that states the parameters, for the report. */
  describe(options: Options): string;
  metrics(options: Options): MetricDef[];
  run(ctx: RunContext): Promise<Values>;
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined. Fails after
 * `timeoutMs`, or as soon as the daemon exits, with `what` in the message.
 */
export async function waitFor<T>(
  what: string,
  daemon: Daemon,
  check: () => T | undefined,
  opts: { timeoutMs: number; intervalMs: number; describe?: () => string },
): Promise<T> {
  const deadline = monoMs() + opts.timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    daemon.assertAlive(`waiting for ${what}`);
    if (monoMs() > deadline) {
      const state = opts.describe ? ` (${opts.describe()})` : '';
      throw new Error(`timed out after ${(opts.timeoutMs / 1000).toFixed(0)} s waiting for ${what}${state}; daemon output:\n${daemon.outputTail()}`);
    }
    await sleep(opts.intervalMs);
  }
}

export function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}
