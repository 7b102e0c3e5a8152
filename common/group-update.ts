/**
 * What `update` did to one process group, shared by the agent's control server and fleetctl.
 * supervisorctl's lines follow from `action` and `code`:
 *
 * | action          | code    | lines                                                  |
 * |-----------------|---------|--------------------------------------------------------|
 * | `no-such-group` | BAD_NAME| `ERROR: no such group: g`                              |
 * | `removed`       | SUCCESS | `g: stopped`, `g: removed process group`               |
 * | `removed`       | FAILED  | `g: stopped`, `g: has problems; not removing`          |
 * | `changed`       | SUCCESS | `g: stopped`, `g: updated process group`               |
 * | `added`         | SUCCESS | `g: added process group`                               |
 *
 * Any other code is a fault that kept the step from completing (a log file that cannot be
 * opened for an added group, STILL_RUNNING...), with its fault string in `description`.
 *
 * Unlike supervisord (issue #591), a changed group is not stopped as a whole: only the processes
 * in `restarted` (their effective config changed) were stopped and started again, `added` ones
 * were added and autostarted, `removed` ones stopped and dropped; the rest kept running.
 */
import type { ErrorCode } from './errors.js';

export type GroupUpdateAction = 'no-such-group' | 'removed' | 'changed' | 'added';

export interface ProcessRefName {
  group: string;
  name: string;
}

export interface GroupUpdate {
  group: string;
  action: GroupUpdateAction;
  code: 'SUCCESS' | ErrorCode;
  /** `OK`, or the fault string (`FAILED: ...`). */
  description: string;
  restarted: ProcessRefName[];
  added: ProcessRefName[];
  removed: ProcessRefName[];
}
