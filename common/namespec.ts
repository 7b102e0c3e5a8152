/**
 * supervisord's make_namespec: a process shows as `name` when it is alone in a group of the same
 * name (`[program:x]`), else as `group:name`. The one home of that rule.
 */
export function formatNamespec(group: string, name: string): string {
  return group === name ? name : `${group}:${name}`;
}
