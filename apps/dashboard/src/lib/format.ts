/*
 * Display formats. Times are shown in UTC so the server's first paint and the browser's render agree
 * (no hydration mismatch between time zones); the full instant is in each element's title.
 */

export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso.slice(0, 10);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit++;
  } while (value >= 1024 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '';
  const [algorithm, hex] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}

/** null: not counted (the API has no database), shown as a dash rather than a misleading 0. */
export function formatCount(count: number | null): string {
  if (count === null) return '—';
  return count.toLocaleString('en-US');
}

/** The repository page's path: nested names keep their slashes. */
export function repositoryHref(name: string): string {
  return `/repositories/${name.split('/').map(encodeURIComponent).join('/')}`;
}
