/**
 * The page at `/`: every host with its liveness, labels, agent version and counts by state,
 * then every process, server-rendered from the core's listings and refreshed every few
 * seconds. A placeholder that shows something real until the dashboard arrives; it uses no
 * script and loads nothing else. In secure mode it names who is signed in, with a sign-out form.
 */
import type { HostInfo } from '../../common/host.js';
import { formatNamespec } from '../../common/namespec.js';
import type { ProcessInfo } from '../../common/process-info.js';

export interface HostsPageData {
  hosts: HostInfo[];
  processes: { host: string; info: ProcessInfo }[];
  /** Epoch ms, for "last seen" ages. */
  now: number;
  version: string;
  /** Who is signed in (secure mode), with the CSRF token the sign-out form carries. */
  session?: { name: string; role: string; csrf: string };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function age(now: number, then: number): string {
  if (then === 0) return 'never';
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:2em}
th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}th{background:#f4f4f4}
.connected{color:#16722b}.stale{color:#a66a00}.disconnected{color:#b3261e}.RUNNING{color:#16722b}.FATAL,.BACKOFF,.EXITED{color:#b3261e}
code{font-size:13px}small{color:#666}`;

export function renderHostsPage(data: HostsPageData): string {
  const hostRows = data.hosts
    .map((h) => {
      const labels = Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(', ');
      const counts = Object.entries(h.counts).map(([state, n]) => `<span class="${state}">${n} ${state}</span>`).join(', ');
      return `<tr><td><code>${escapeHtml(h.name)}</code></td><td class="${h.liveness}">${h.liveness}</td><td>${escapeHtml(labels)}</td>` +
        `<td>${escapeHtml(h.agentVersion)}</td><td>${age(data.now, h.lastSeen)}</td><td>${counts || '-'}</td></tr>`;
    })
    .join('\n');
  const processRows = data.processes
    .map(({ host, info }) =>
      `<tr><td><code>${escapeHtml(host)}/${escapeHtml(formatNamespec(info.group, info.name))}</code></td>` +
      `<td class="${info.statename}">${info.statename}</td><td>${escapeHtml(info.description)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>fleetvisor: ${data.hosts.length} hosts</title><style>${STYLE}</style></head>
<body>
<h1>fleetvisor</h1>
<p><small>controller ${escapeHtml(data.version)}; this page refreshes every 5 seconds</small></p>
${data.session ? signedIn(data.session) : ''}
<h2>Hosts (${data.hosts.length})</h2>
${data.hosts.length === 0 ? '<p>No agent has connected yet. Point an agent at this controller with <code>[fleet] controller = HOST:PORT</code>.</p>' : `<table><thead><tr><th>host</th><th>liveness</th><th>labels</th><th>agent</th><th>last seen</th><th>processes</th></tr></thead><tbody>
${hostRows}
</tbody></table>`}
<h2>Processes (${data.processes.length})</h2>
${data.processes.length === 0 ? '<p>No processes reported.</p>' : `<table><thead><tr><th>process</th><th>state</th><th>description</th></tr></thead><tbody>
${processRows}
</tbody></table>`}
</body></html>
`;
}

function signedIn(session: { name: string; role: string; csrf: string }): string {
  return `<form method="post" action="/sign-out"><small>signed in as <b>${escapeHtml(session.name)}</b> (${escapeHtml(session.role)})</small>
<input type="hidden" name="csrf_token" value="${escapeHtml(session.csrf)}"> <button type="submit">Sign out</button></form>`;
}
