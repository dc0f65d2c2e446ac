import Link from 'next/link';
import { Suspense } from 'react';
import { ApiError, describeError } from '../../../lib/api-error';
import { apiGet } from '../../../lib/api.server';
import type { ManifestDetails, Platform, RepositoryDetails, Session, TagsPage } from '../../../lib/api-types';
import { CopyButton } from '../../../lib/copy-button';
import { CountersNote } from '../../../lib/counters-note';
import { DeleteButton } from '../../../lib/delete-button';
import { ErrorMessage } from '../../../lib/error-message';
import { formatBytes, formatCount, formatDay, formatTime, repositoryHref, shortDigest } from '../../../lib/format';
import { nameFromSegments, repositoryApiPath } from '../../../lib/repository-path';
import { getSession, isAdmin } from '../../../lib/session.server';
import { deleteManifest, deleteTag } from '../actions';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ name: string[] }>; searchParams: Promise<Record<string, string | string[] | undefined>> };
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';

export async function generateMetadata({ params }: Props) {
  return { title: nameFromSegments((await params).name) };
}

/** One repository: its counters, its tags with their manifests and downloads, and one tag's layers. */
export default async function RepositoryPage({ params, searchParams }: Props) {
  const name = nameFromSegments((await params).name);
  const query = await searchParams;
  const tag = one(query.tag);
  const cursor = one(query.cursor);
  const deleted = one(query.deleted);

  let repository: RepositoryDetails | undefined;
  let tags: TagsPage | undefined;
  let session: Session | undefined;
  let error: string | undefined;
  try {
    [repository, tags, session] = await Promise.all([
      apiGet<RepositoryDetails>(repositoryApiPath(name)),
      apiGet<TagsPage>(`${repositoryApiPath(name)}/tags?size=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
      getSession().catch(() => undefined),
    ]);
  } catch (err) {
    error = err instanceof ApiError && err.status === 404 ? `No repository named ${name} has been pushed or pulled.` : describeError(err);
  }
  const admin = isAdmin(session);
  // a deleted tag keeps its counters: listed apart, as history
  const stored = tags?.items.filter((row) => row.digest !== null) ?? [];
  const gone = tags?.items.filter((row) => row.digest === null) ?? [];

  return (
    <>
      <p className="muted">
        <Link href="/repositories">Repositories</Link> /
      </p>
      <h1>{name}</h1>
      {deleted && <p className="panel">Deleted {deleted}.</p>}
      {error && <ErrorMessage message={error} />}
      {repository && !repository.counters && <CountersNote />}
      {repository && (
        <dl className="stats">
          <Stat label="Downloads" value={formatCount(repository.pulls)} testId="repo-pulls" />
          <Stat label="Pushes" value={formatCount(repository.pushes)} testId="repo-pushes" />
          <Stat label="Tags" value={formatCount(repository.tagCount)} />
          <Stat label="Pulled by digest" value={formatCount(repository.pullsByDigest)} />
          <Stat label="Last pulled" value={repository.lastPulledAt ? formatTime(repository.lastPulledAt) : '—'} />
          <Stat label="Last pushed" value={repository.lastPushedAt ? formatTime(repository.lastPushedAt) : '—'} />
        </dl>
      )}
      {tag && (
        <Suspense fallback={<div className="skeleton block" aria-label="Loading tag" />}>
          <TagDetails repository={name} tag={tag} admin={admin} />
        </Suspense>
      )}
      {tags && (
        <>
          <h2>Tags</h2>
          {stored.length === 0 ? (
            <p className="empty">No tags.</p>
          ) : (
            <div className="table-wrap">
              <table className="data" aria-label="Tags">
                <thead>
                  <tr>
                    <th>Tag</th>
                    <th>Digest</th>
                    <th>Media type</th>
                    <th>Platforms</th>
                    <th className="num">Size</th>
                    <th>Created</th>
                    <th className="num">Downloads</th>
                    <th className="num">Pushes</th>
                    <th>Last pulled</th>
                  </tr>
                </thead>
                <tbody>
                  {stored.map((row) => (
                    <tr key={row.tag} data-tag={row.tag} aria-current={row.tag === tag ? 'true' : undefined}>
                      <td>
                        <Link href={`${repositoryHref(name)}?tag=${encodeURIComponent(row.tag)}`}>{row.tag}</Link>
                      </td>
                      <td>
                        <code title={row.digest ?? undefined}>{shortDigest(row.digest) || '—'}</code>
                      </td>
                      <td className="muted">{row.mediaType ? shortMediaType(row.mediaType) : '—'}</td>
                      <td>{platformsText(row.platforms)}</td>
                      <td className="num">{formatBytes(row.size)}</td>
                      <td>{row.created ? formatTime(row.created) : '—'}</td>
                      <td className="num" data-column="pulls">
                        {formatCount(row.pulls)}
                      </td>
                      <td className="num" data-column="pushes">
                        {formatCount(row.pushes)}
                      </td>
                      <td>{formatDay(row.lastPulledDay)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {gone.length > 0 && (
            <>
              <h2>Deleted tags</h2>
              <p className="muted">No longer in the registry; their counters are kept.</p>
              <div className="table-wrap">
                <table className="data" aria-label="Deleted tags">
                  <thead>
                    <tr>
                      <th>Tag</th>
                      <th className="num">Downloads</th>
                      <th className="num">Pushes</th>
                      <th>Last pulled</th>
                      <th>Last pushed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {gone.map((row) => (
                      <tr key={row.tag} data-tag={row.tag}>
                        <td>{row.tag}</td>
                        <td className="num" data-column="pulls">
                          {formatCount(row.pulls)}
                        </td>
                        <td className="num">{formatCount(row.pushes)}</td>
                        <td>{formatDay(row.lastPulledDay)}</td>
                        <td>{formatDay(row.lastPushedDay)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
          {tags.nextCursor && (
            <div className="more">
              <Link className="button" href={`${repositoryHref(name)}?cursor=${encodeURIComponent(tags.nextCursor)}`}>
                More tags
              </Link>
            </div>
          )}
        </>
      )}
    </>
  );
}

async function TagDetails({ repository, tag, admin }: { repository: string; tag: string; admin: boolean }) {
  let details: ManifestDetails;
  try {
    details = await apiGet<ManifestDetails>(`${repositoryApiPath(repository)}/tags/${encodeURIComponent(tag)}`);
  } catch (err) {
    const message = err instanceof ApiError && err.status === 404 ? `No manifest details for ${repository}:${tag}.` : describeError(err);
    return <ErrorMessage message={message} />;
  }
  return (
    <section className="panel" aria-label={`Tag ${tag}`} data-testid="tag-details">
      <h2 style={{ marginTop: 0 }}>
        {repository}:{tag}
      </h2>
      <p className="pull-command">
        <code data-testid="pull-command">{details.pullCommand}</code> <CopyButton text={details.pullCommand} label="Copy docker pull" />
      </p>
      <dl className="stats">
        <Stat label="Digest" value={<code title={details.digest}>{shortDigest(details.digest)}</code>} />
        <Stat label="Media type" value={shortMediaType(details.mediaType)} />
        <Stat label="Size" value={formatBytes(details.size)} />
        <Stat label="Created" value={details.created ? formatTime(details.created) : '—'} />
        <Stat label="Downloads" value={details.pulls === null ? '—' : formatCount(details.pulls)} testId="tag-pulls" />
        <Stat label="Platforms" value={platformsText(details.platforms)} />
      </dl>
      {details.layers.length > 0 && (
        <div className="table-wrap">
          <table className="data" aria-label="Layers">
            <thead>
              <tr>
                <th>#</th>
                <th>Layer digest</th>
                <th>Media type</th>
                <th className="num">Size</th>
              </tr>
            </thead>
            <tbody>
              {details.layers.map((layer, i) => (
                <tr key={`${layer.digest}-${i}`}>
                  <td>{i + 1}</td>
                  <td>
                    <code title={layer.digest}>{shortDigest(layer.digest)}</code>
                  </td>
                  <td className="muted">{shortMediaType(layer.mediaType)}</td>
                  <td className="num">{formatBytes(layer.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {admin && (
        <p style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap', marginBottom: 0 }}>
          <DeleteButton label={`Delete tag ${tag}`} confirmText={`Delete the tag ${repository}:${tag}?`} action={deleteTag.bind(null, repository, tag)} />
          <DeleteButton
            label="Delete manifest"
            confirmText={`Delete the manifest ${details.digest} and every tag pointing at it?`}
            action={deleteManifest.bind(null, repository, details.digest)}
          />
        </p>
      )}
    </section>
  );
}

function Stat({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

function platformsText(platforms: Platform[] | undefined): string {
  if (!platforms || platforms.length === 0) return '—';
  return platforms.map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/')).join(', ');
}

/** application/vnd.docker.distribution.manifest.v2+json → docker manifest v2 (full type in title elsewhere). */
function shortMediaType(mediaType: string): string {
  return mediaType
    .replace('application/vnd.docker.distribution.manifest.list.v2+json', 'docker manifest list')
    .replace('application/vnd.docker.distribution.manifest.v2+json', 'docker manifest v2')
    .replace('application/vnd.oci.image.index.v1+json', 'OCI index')
    .replace('application/vnd.oci.image.manifest.v1+json', 'OCI manifest')
    .replace(/^application\/vnd\.docker\.image\.rootfs\.diff\.tar\.gzip$/, 'docker layer (gzip)')
    .replace(/^application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip$/, 'OCI layer (gzip)');
}
