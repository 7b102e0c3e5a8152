/**
 * The one splitter of network addresses: `host:port`, `[v6]:port`, `host` alone and `:port`.
 * It only takes the text apart; each user judges the parts (a default port, whether an empty
 * host means every interface) and words its own error.
 */
export interface HostPort {
  /** Without the brackets of an IPv6 literal; '' for `:port`. */
  host: string;
  /** null when the text has no `:port`. */
  port: number | null;
  /** Whether the host was an IPv6 literal in brackets. */
  bracketed: boolean;
}

/** The parts, or null when the text is not of one of those shapes. */
export function splitHostPort(text: string): HostPort | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]]*))(?::(\d{1,5}))?$/.exec(text);
  if (!match) return null;
  return { host: match[1] ?? match[2] ?? '', port: match[3] === undefined ? null : Number(match[3]), bracketed: match[1] !== undefined };
}
