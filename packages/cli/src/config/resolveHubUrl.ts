/** The hub a command talks to when neither `--hub` nor `PROOFGRID_HUB` says otherwise. */
export const DEFAULT_HUB_URL = 'http://127.0.0.1:8080';

/**
 * The hub URL: `--hub`, then `PROOFGRID_HUB`, then the default. Normalized (no trailing slash) because it
 * is also the key under which logins are kept.
 */
export function resolveHubUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = flag ?? env.PROOFGRID_HUB ?? DEFAULT_HUB_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not a URL. Give the hub as --hub http://host:port (or PROOFGRID_HUB).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`"${raw}" is not an http(s) URL. Give the hub as --hub http://host:port.`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}
