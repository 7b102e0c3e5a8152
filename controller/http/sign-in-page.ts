/**
 * The page a browser gets at `/` in secure mode before it has signed in: one form that posts
 * an API token to /sign-in (which answers with the session cookie and a redirect to `/`). No
 * script, nothing loaded from elsewhere.
 */
import { escapeHtml } from './hosts-page.js';

export function renderSignInPage(data: { version: string; problem?: string }): string {
  const problem = data.problem ? `<p class="problem">${escapeHtml(data.problem)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fleetvisor: sign in</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}input{font:inherit;width:40em;max-width:100%}.problem{color:#b3261e}small{color:#666}</style></head>
<body>
<h1>fleetvisor</h1>
<p><small>controller ${escapeHtml(data.version)}</small></p>
${problem}<form method="post" action="/sign-in">
<p><label>API token<br><input type="password" name="token" autocomplete="off" required></label></p>
<p><button type="submit">Sign in</button></p>
</form>
<p><small>An admin makes tokens with <code>fleetctl token create --role viewer</code>; the first one comes from <code>fleet-controller bootstrap</code>.</small></p>
</body></html>
`;
}
