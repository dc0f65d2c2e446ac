'use client';

import { useEffect, useState } from 'react';
import { intervalMs } from './activity-query';
import { formatCount, formatTime } from './format';

interface Props {
  buckets: { start: string; count: number }[];
  interval: string;
  from: string;
  to: string;
  /** Called with the ISO range the user clicked (one bucket) or dragged across (several). */
  onSelect: (from: string, to: string) => void;
}

/** Events over time; click a bar or drag across bars to narrow the search to that range. */
export function Histogram({ buckets, interval, from, to, onSelect }: Props) {
  const [drag, setDrag] = useState<{ start: number; end: number } | null>(null);
  const width = intervalMs(interval);
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const bucketEnd = (i: number) => new Date(Date.parse(buckets[i]!.start) + width).toISOString();

  useEffect(() => {
    if (!drag) return;
    const finish = () => {
      const lo = Math.min(drag.start, drag.end);
      const hi = Math.max(drag.start, drag.end);
      setDrag(null);
      onSelect(new Date(Date.parse(buckets[lo]!.start)).toISOString(), bucketEnd(hi));
    };
    window.addEventListener('pointerup', finish);
    return () => window.removeEventListener('pointerup', finish);
  });

  const inRange = (i: number) => {
    if (drag) return i >= Math.min(drag.start, drag.end) && i <= Math.max(drag.start, drag.end);
    const start = Date.parse(buckets[i]!.start);
    return (from !== '' || to !== '') && (from === '' || start >= Date.parse(from)) && (to === '' || start < Date.parse(to));
  };

  const barWidth = 100 / buckets.length;
  return (
    <figure className="histogram panel" aria-label={`Events per ${interval}`}>
      <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="group" aria-label="Histogram of events over time">
        {buckets.map((bucket, i) => {
          const height = bucket.count === 0 ? 0 : Math.max(1.5, (bucket.count / max) * 38);
          return (
            <g key={bucket.start}>
              {/* a full-height hit area keeps empty buckets clickable */}
              <rect
                x={i * barWidth}
                y={0}
                width={barWidth}
                height={40}
                fill="transparent"
                onPointerDown={(e) => {
                  (e.target as Element).releasePointerCapture?.(e.pointerId);
                  setDrag({ start: i, end: i });
                }}
                onPointerEnter={() => drag && setDrag({ ...drag, end: i })}
              />
              <rect
                className={`bar${inRange(i) ? ' selected' : ''}`}
                data-bucket={bucket.start}
                x={i * barWidth + barWidth * 0.1}
                y={40 - height}
                width={barWidth * 0.8}
                height={height}
                tabIndex={0}
                aria-label={`${formatCount(bucket.count)} events from ${formatTime(bucket.start)}`}
                onPointerDown={() => setDrag({ start: i, end: i })}
                onPointerEnter={() => drag && setDrag({ ...drag, end: i })}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onSelect(bucket.start, bucketEnd(i));
                  }
                }}
              >
                <title>{`${formatTime(bucket.start)}: ${formatCount(bucket.count)}`}</title>
              </rect>
            </g>
          );
        })}
      </svg>
      <figcaption className="axis">
        <span>{formatTime(buckets[0]!.start)}</span>
        <span>per {interval}</span>
        <span>{formatTime(bucketEnd(buckets.length - 1))}</span>
      </figcaption>
    </figure>
  );
}
