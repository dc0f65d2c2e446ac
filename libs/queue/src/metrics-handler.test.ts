import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { createMetricsHandler } from './metrics-handler.js';
import { PipelineMetrics } from './pipeline-metrics.js';

test('createMetricsHandler serves the Prometheus text format; only GET and HEAD', async () => {
  const metrics = new PipelineMetrics();
  metrics.spoolAppendedEvents.inc(3);
  metrics.registryEvents.inc({ type: 'Successes', endpoint: 'a' });
  const server = createServer(createMetricsHandler(metrics.registry));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    assert.match(body, /^wharf_spool_appended_events_total 3$/m);
    assert.match(body, /^registry_notifications_events_total\{type="Successes",endpoint="a"\} 1$/m);
    assert.match(body, /^# TYPE wharf_queue_jobs gauge$/m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
