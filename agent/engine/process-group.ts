import { STOPPED_STATES } from '../../common/process-state.js';
import type { GroupConfig } from '../config/types.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { byPriority } from './ordering.js';

/** A group as the engine holds it: its config and one runner per process, in (priority, name) order. */
export class ProcessGroup {
  readonly runners: readonly ProcessRunner[];
  private readonly byName: ReadonlyMap<string, ProcessRunner>;

  constructor(
    readonly config: GroupConfig,
    runners: ProcessRunner[],
  ) {
    this.runners = [...runners].sort(byPriority);
    this.byName = new Map(runners.map((r) => [r.config.name, r]));
  }

  get name(): string {
    return this.config.name;
  }

  get(name: string): ProcessRunner | undefined {
    return this.byName.get(name);
  }

  /** Processes not in a stopped state (get_unstopped_processes): a group with any cannot be removed. */
  unstopped(): ProcessRunner[] {
    return this.runners.filter((r) => !STOPPED_STATES.has(r.state));
  }

  /** Closes every runner (timers and logs); children are left as they are. Idempotent. */
  async close(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.close()));
  }
}
