import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ConfigError, parseConfig, type WharfConfig } from '@wharf/config';
import { run } from '../support/exec.js';
import { goTool, kubernetesSchemaLocation, repoRoot } from '../support/tools.js';

/*
 * deploy/helm/wharf checked as CI can without a cluster: `helm lint`, `helm template | kubeconform
 * -strict` against the Kubernetes schemas of the oldest and newest versions supported, for the default
 * values and every documented scenario (ci/*-values.yaml); then what an operator would check in the
 * rendered manifests: probes pointing at ports the config really listens on, the drain fitting in
 * the grace period, PDB/HPA/Service selectors that select the pods, config.yml accepted by Wharf's own
 * loader with the pods' environment, and no secret ever in the ConfigMap.
 */

const CHART = join(repoRoot, 'deploy', 'helm', 'wharf');
const SCENARIOS = ['default', ...readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml')).sort()];
const KUBERNETES_VERSIONS = ['1.29.0', '1.37.0'];
const RELEASE = 'wharf';

type Json = Record<string, any>;

interface Rendered {
  scenario: string;
  objects: Json[];
}

function valuesArgs(scenario: string): string[] {
  return scenario === 'default' ? [] : ['-f', join(CHART, 'ci', scenario)];
}

async function helmTemplate(args: readonly string[]): Promise<{ text: string; objects: Json[] }> {
  const { stdout } = await run(goTool('helm'), ['template', RELEASE, CHART, '--namespace', 'registry', ...args], { timeoutMs: 60_000 });
  const objects = parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as Json | null)
    .filter((o): o is Json => o !== null);
  return { text: stdout, objects };
}

async function helmTemplateFails(args: readonly string[]): Promise<string> {
  const result = await run(goTool('helm'), ['template', RELEASE, CHART, ...args], { allowFailure: true, timeoutMs: 60_000 });
  assert.notEqual(result.code, 0, `helm template ${args.join(' ')} should have failed:\n${result.stdout.slice(0, 500)}`);
  return result.stderr;
}

function find(objects: Json[], kind: string, name: string): Json {
  const found = objects.find((o) => o['kind'] === kind && o['metadata']['name'] === name);
  assert.ok(found, `no ${kind} ${name} among: ${objects.map((o) => `${o['kind']}/${o['metadata']['name']}`).join(', ')}`);
  return found;
}

function workloads(objects: Json[]): Json[] {
  return objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o['kind']));
}

function registryWorkload(objects: Json[]): Json {
  const found = objects.find((o) => ['Deployment', 'StatefulSet'].includes(o['kind']) && o['metadata']['name'] === `${RELEASE}-registry`);
  assert.ok(found, 'no registry workload');
  return found;
}

function container(workload: Json): Json {
  return workload['spec']['template']['spec']['containers'][0];
}

function configYaml(objects: Json[]): string {
  return find(objects, 'ConfigMap', RELEASE)['data']['config.yml'] as string;
}

/** The pod's environment, with each secretKeyRef resolved from the rendered Secret (or a stand-in for an existing one). */
function podEnv(objects: Json[], workload: Json): Record<string, string> {
  const secret = objects.find((o) => o['kind'] === 'Secret');
  const env: Record<string, string> = {};
  for (const entry of container(workload)['env'] ?? []) {
    const ref = entry['valueFrom']?.['secretKeyRef'];
    if (ref === undefined) {
      env[entry['name']] = entry['value'];
      continue;
    }
    const value = secret?.['metadata']['name'] === ref['name'] ? secret?.['stringData']?.[ref['key']] : `existing-${ref['key']}-value`;
    // api.secret must be 32 characters or more: the stand-in for an existing Secret is padded to that
    if (value !== undefined) env[entry['name']] = ref['key'] === 'api-secret' ? value.padEnd(32, '-') : value;
    else assert.equal(ref['optional'], true, `${entry['name']} refers to key ${ref['key']}, which the chart's Secret lacks`);
  }
  return env;
}

/**
 * config.yml as Wharf reads it in that pod. Until this build has the s3 driver, its refusal of
 * `storage.s3` ("not supported yet") is the one issue tolerated; every other key must be accepted.
 */
function loadPodConfig(objects: Json[], workload: Json): WharfConfig | undefined {
  try {
    return parseConfig(configYaml(objects), podEnv(objects, workload));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const other = error.issues.filter((issue) => !(issue.path === 'storage.s3' && /not supported yet/.test(issue.message)));
    assert.deepEqual(other, [], `config.yml of ${workload['metadata']['name']} is refused by Wharf:\n${error.message}`);
    return undefined;
  }
}

/**
 * config.yml with the s3 driver swapped for inmemory, for checks of the other keys while this build
 * lacks the s3 driver (loadPodConfig checks the whole file).
 */
function configForChecks(objects: Json[]): WharfConfig {
  const env = podEnv(objects, registryWorkload(objects));
  const withoutS3 = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('REGISTRY_STORAGE_S3_')));
  return parseConfig(configYaml(objects).replace(/^  s3:\n(    .*\n)*/m, '  inmemory: {}\n'), withoutS3);
}

function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(':') + 1));
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function* keysOf(value: unknown, path = ''): Generator<string> {
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    yield `${path}${key}`;
    yield* keysOf(item, `${path}${key}.`);
  }
}

describe('Helm chart deploy/helm/wharf', () => {
  const rendered: Rendered[] = [];

  before(async () => {
    for (const scenario of SCENARIOS) rendered.push({ scenario, objects: (await helmTemplate(valuesArgs(scenario))).objects });
  });

  test('helm lint --strict passes with the default values and every scenario', async () => {
    for (const scenario of SCENARIOS) {
      const result = await run(goTool('helm'), ['lint', '--strict', CHART, ...valuesArgs(scenario)], { allowFailure: true, timeoutMs: 60_000 });
      assert.equal(result.code, 0, `helm lint (${scenario}):\n${result.stdout}\n${result.stderr}`);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  test(`every rendered manifest is valid for Kubernetes ${KUBERNETES_VERSIONS.join(' and ')} (kubeconform -strict, no kind skipped)`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-helm-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    let resources = 0;
    for (const scenario of SCENARIOS) {
      const { text, objects } = await helmTemplate(valuesArgs(scenario));
      writeFileSync(join(dir, `${scenario}.yaml`), text);
      resources += objects.length;
    }
    for (const version of KUBERNETES_VERSIONS) {
      const args = ['-strict', '-summary', '-output', 'json', '-kubernetes-version', version, '-schema-location', kubernetesSchemaLocation(), dir];
      const result = await run(goTool('kubeconform'), args, { allowFailure: true, timeoutMs: 120_000 });
      assert.equal(result.code, 0, `kubeconform (${version}):\n${result.stdout}\n${result.stderr}`);
      const summary = (JSON.parse(result.stdout) as Json)['summary'];
      assert.deepEqual(summary, { valid: resources, invalid: 0, errors: 0, skipped: 0 }, `Kubernetes ${version}, ${SCENARIOS.length} renderings`);
    }
  });

  test('the default install: the registry, the api and dashboard with their Services, one config, one Secret', () => {
    const { objects } = rendered.find((r) => r.scenario === 'default')!;
    const names = objects.map((o) => `${o['kind']}/${o['metadata']['name']}`).sort();
    assert.deepEqual(names, [
      'ConfigMap/wharf',
      'Deployment/wharf-api',
      'Deployment/wharf-dashboard',
      'PersistentVolumeClaim/wharf-storage',
      'PodDisruptionBudget/wharf-registry',
      'Secret/wharf',
      'Service/wharf-api',
      'Service/wharf-dashboard',
      'Service/wharf-registry',
      'Service/wharf-registry-pods',
      'StatefulSet/wharf-registry',
    ]);
  });

  for (const scenario of SCENARIOS) {
    test(`${scenario}: config.yml is accepted by Wharf's loader in every pod, with the pod's own environment`, () => {
      const { objects } = rendered.find((r) => r.scenario === scenario)!;
      for (const workload of workloads(objects).filter((w) => w['kind'] !== 'Job')) {
        const config = loadPodConfig(objects, workload);
        const roles = container(workload)['args'] as string[];
        assert.deepEqual(roles.slice(0, 3), ['serve', '/etc/wharf/config.yml', '--roles']);
        if (config === undefined) continue;
        assert.ok(config.http.secret, `${workload['metadata']['name']} gets http.secret from the Secret`);
        if (roles[3] === 'indexer') assert.ok(config.elasticsearch && config.redis, 'the indexer has its services');
        if (roles[3] === 'counter' || roles[3] === 'deployer') assert.ok(config.database && config.redis, `the ${roles[3]} has its services`);
      }
    });

    test(`${scenario}: the registry's probes, drain and spool`, () => {
      const { objects } = rendered.find((r) => r.scenario === scenario)!;
      const registry = registryWorkload(objects);
      const pod = registry['spec']['template']['spec'];
      const main = container(registry);
      const ports = new Map<string, number>((main['ports'] as Json[]).map((p) => [p['name'], p['containerPort']]));
      const config = configForChecks(objects);

      // readiness asks /debug/health on the port http.debug.addr really listens on
      const readiness = main['readinessProbe']['httpGet'];
      assert.equal(readiness['path'], '/debug/health');
      assert.equal(ports.get(readiness['port']), portOf(config.http.debug.addr!), 'readiness probe port = http.debug.addr');
      assert.equal(ports.get('http'), portOf(config.http.addr), 'container port http = http.addr');
      assert.equal(ports.get(main['livenessProbe']['tcpSocket']['port']), portOf(config.http.addr));

      // preStop keeps it serving while endpoints update; then SIGTERM drains for http.draintimeout
      const preStop = main['lifecycle']['preStop']['exec']['command'] as string[];
      assert.equal(preStop[0], 'sleep');
      const drainSeconds = config.http.drainTimeoutMs / 1_000;
      assert.ok(drainSeconds >= 10, `http.draintimeout is ${drainSeconds}s`);
      assert.ok(
        pod['terminationGracePeriodSeconds'] >= Number(preStop[1]) + drainSeconds + 10,
        `grace ${pod['terminationGracePeriodSeconds']}s must cover preStop ${preStop[1]}s + draintimeout ${drainSeconds}s + the spool flush`,
      );

      // with events on, each replica spools into a claim of its own that outlives the pod
      if (config.redis !== undefined) {
        const spoolDir = config.notifications.spool.directory;
        const mount = (main['volumeMounts'] as Json[]).find((m) => m['name'] === 'spool');
        assert.equal(mount?.['mountPath'], spoolDir, 'notifications.spool.directory is the spool volume');
        assert.equal(registry['kind'], 'StatefulSet');
        assert.deepEqual(registry['spec']['volumeClaimTemplates'].map((t: Json) => t['metadata']['name']), ['spool']);
        assert.deepEqual(registry['spec']['persistentVolumeClaimRetentionPolicy'], { whenDeleted: 'Retain', whenScaled: 'Retain' });
        assert.ok(!(pod['volumes'] as Json[]).some((v) => v['name'] === 'spool'), 'no emptyDir shadows the claim');
      }
    });

    test(`${scenario}: every PDB, HPA and Service selects the pods it is meant for`, () => {
      const { objects } = rendered.find((r) => r.scenario === scenario)!;
      const pods = workloads(objects).map((w) => ({ name: w['metadata']['name'] as string, labels: w['spec']['template']['metadata']['labels'], workload: w }));
      for (const w of workloads(objects).filter((o) => o['kind'] !== 'Job')) {
        assert.ok(matches(w['spec']['selector']['matchLabels'], w['spec']['template']['metadata']['labels']), `${w['metadata']['name']} selects its own pods`);
      }
      for (const service of objects.filter((o) => o['kind'] === 'Service')) {
        const selected = pods.filter((p) => matches(service['spec']['selector'], p.labels));
        assert.equal(selected.length, 1, `Service ${service['metadata']['name']} selects ${selected.map((p) => p.name).join(', ') || 'nothing'}`);
        const containerPorts = new Set((container(selected[0]!.workload)['ports'] as Json[]).map((p) => p['name']));
        for (const port of service['spec']['ports']) assert.ok(containerPorts.has(port['targetPort']), `Service ${service['metadata']['name']} targets a port the pod has`);
      }
      const registry = registryWorkload(objects);
      const pdb = find(objects, 'PodDisruptionBudget', `${RELEASE}-registry`);
      assert.ok(matches(pdb['spec']['selector']['matchLabels'], registry['spec']['template']['metadata']['labels']), 'the PDB covers the registry pods');
      assert.equal(pdb['spec']['maxUnavailable'], 1);
      const hpa = objects.find((o) => o['kind'] === 'HorizontalPodAutoscaler');
      if (hpa !== undefined) {
        assert.deepEqual(hpa['spec']['scaleTargetRef'], { apiVersion: 'apps/v1', kind: registry['kind'], name: registry['metadata']['name'] });
        assert.equal(registry['spec']['replicas'], undefined, 'with an HPA the workload leaves replicas to it');
        assert.ok(container(registry)['resources']['requests']['cpu'], 'CPU utilization needs a CPU request');
      }
    });
  }

  test('s3 with 3 replicas and an HPA: scales 3 to 12 on CPU, every secret from the existing Secret', () => {
    const { objects } = rendered.find((r) => r.scenario === 's3-ha-values.yaml')!;
    const hpa = find(objects, 'HorizontalPodAutoscaler', `${RELEASE}-registry`);
    assert.equal(hpa['spec']['minReplicas'], 3);
    assert.equal(hpa['spec']['maxReplicas'], 12);
    assert.equal(objects.filter((o) => o['kind'] === 'Secret').length, 0, 'no Secret rendered when secrets.existingSecret is set');
    assert.equal(objects.filter((o) => o['kind'] === 'PersistentVolumeClaim').length, 0, 'object storage: no storage volume');
    for (const workload of workloads(objects)) {
      for (const entry of container(workload)['env'] as Json[]) assert.equal(entry['valueFrom']['secretKeyRef']['name'], 'wharf-secrets', entry['name']);
    }
    const env = (container(registryWorkload(objects))['env'] as Json[]).map((e) => e['name']);
    for (const name of ['REGISTRY_HTTP_SECRET', 'REGISTRY_DATABASE_URL', 'REGISTRY_ELASTICSEARCH_PASSWORD', 'REGISTRY_STORAGE_S3_ACCESSKEY', 'REGISTRY_STORAGE_S3_SECRETKEY']) {
      assert.ok(env.includes(name), `the registry pod gets ${name}`);
    }
    assert.match(configYaml(objects), /bucket: wharf-images/);
  });

  test('workers scaled: each role its own Deployment with its replicas; a drain Job mounts the listed spool claim', () => {
    const { objects } = rendered.find((r) => r.scenario === 'workers-scaled-values.yaml')!;
    for (const [role, replicas] of [['indexer', 3], ['counter', 2], ['deployer', 4]] as const) {
      const deployment = find(objects, 'Deployment', `${RELEASE}-${role}`);
      assert.equal(deployment['spec']['replicas'], replicas);
      assert.deepEqual(container(deployment)['args'], ['serve', '/etc/wharf/config.yml', '--roles', role]);
    }
    const job = objects.find((o) => o['kind'] === 'Job');
    assert.ok(job, 'a spool drain Job');
    const spec = job['spec']['template']['spec'];
    assert.deepEqual(spec['volumes'].find((v: Json) => v['name'] === 'spool')['persistentVolumeClaim'], { claimName: 'spool-wharf-registry-2' });
    assert.deepEqual(spec['containers'][0]['args'], ['spool', 'drain', '/var/spool/wharf', '--config', '/etc/wharf/config.yml']);
    const config = configForChecks(objects);
    assert.deepEqual(config.webhooks.deliveryRetention, { ms: 90 * 86_400_000 });
  });

  test('secrets reach the pods from the Secret and never appear in the ConfigMap', async () => {
    const sentinels: Record<string, string> = {
      httpSecret: 'SENTINEL-http-secret-7f3a',
      apiSecret: 'SENTINEL-api-secret-7f3a-0123456789abcdef',
      databaseUrl: 'postgres://wharf:SENTINEL-db-password-7f3a@db:5432/wharf',
      redisPassword: 'SENTINEL-redis-password-7f3a',
      elasticsearchPassword: 'SENTINEL-es-password-7f3a',
      s3AccessKey: 'SENTINEL-s3-access-7f3a',
      s3SecretKey: 'SENTINEL-s3-secret-7f3a',
      htpasswd: 'alice:SENTINEL-htpasswd-7f3a',
    };
    const sets = Object.entries(sentinels).flatMap(([key, value]) => ['--set-string', `secrets.${key}=${value}`]);
    const extra = ['--set', 'redis.addr=redis:6379', '--set', 'elasticsearch.urls={http://es:9200}', '--set', 'elasticsearch.username=wharf',
      '--set', 'database.enabled=true', '--set', 'auth.htpasswd.enabled=true', '--set', 'storage.driver=s3', '--set', 'storage.s3.bucket=b',
      '--set', 'indexer.enabled=true', '--set', 'counter.enabled=true', '--set', 'deployer.enabled=true'];
    const { objects } = await helmTemplate([...sets, ...extra]);
    const nonSecret = JSON.stringify(objects.filter((o) => o['kind'] !== 'Secret'));
    for (const value of Object.values(sentinels)) assert.ok(!nonSecret.includes(value), `${value} leaked outside the Secret`);
    const secret = find(objects, 'Secret', RELEASE);
    assert.deepEqual(Object.values(secret['stringData']).sort(), Object.values(sentinels).sort());
    const configKeys = [...keysOf(parseAllDocuments(configYaml(objects))[0]!.toJS())];
    assert.deepEqual(configKeys.filter((key) => /secret|password|accesskey|(^|\.)url$/.test(key)), [], 'config.yml names no secret key');

    // and Wharf, given the pod's environment, sees each of them where it belongs
    const registry = registryWorkload(objects);
    const env = podEnv(objects, registry);
    assert.equal(env['REGISTRY_HTTP_SECRET'], sentinels['httpSecret']);
    const config = configForChecks(objects);
    assert.equal(config.http.secret, sentinels['httpSecret']);
    assert.equal(config.database?.url, sentinels['databaseUrl']);
    assert.equal(config.redis?.password, sentinels['redisPassword']);
    assert.equal(config.elasticsearch?.password, sentinels['elasticsearchPassword']);
    assert.deepEqual(config.auth, { scheme: 'htpasswd', realm: 'wharf', path: '/etc/wharf/auth/htpasswd' });
    const htpasswdVolume = (registry['spec']['template']['spec']['volumes'] as Json[]).find((v) => v['name'] === 'htpasswd');
    assert.deepEqual(htpasswdVolume?.['secret'], { secretName: RELEASE, items: [{ key: 'htpasswd', path: 'htpasswd' }] });
  });

  test('registry.spool.persistent false: a Deployment, its spool on an emptyDir, the HPA aimed at it', async () => {
    const { objects } = await helmTemplate(['--set', 'registry.spool.persistent=false', '--set', 'redis.addr=redis:6379', '--set', 'registry.autoscaling.enabled=true',
      '--set', 'storage.driver=s3', '--set', 'storage.s3.bucket=b']);
    const registry = registryWorkload(objects);
    assert.equal(registry['kind'], 'Deployment');
    assert.equal(registry['spec']['volumeClaimTemplates'], undefined);
    assert.deepEqual((registry['spec']['template']['spec']['volumes'] as Json[]).find((v) => v['name'] === 'spool'), { name: 'spool', emptyDir: {} });
    assert.deepEqual(registry['spec']['strategy']['rollingUpdate'], { maxUnavailable: 0, maxSurge: 1 }, 'a new replica is ready before an old one stops');
    assert.equal(find(objects, 'HorizontalPodAutoscaler', `${RELEASE}-registry`)['spec']['scaleTargetRef']['kind'], 'Deployment');
    assert.ok(!objects.some((o) => o['metadata']['name'] === `${RELEASE}-registry-pods`), 'no headless Service without a StatefulSet');
  });

  test('values that cannot work are refused with the value to change named', async () => {
    assert.match(await helmTemplateFails(['--set', 'config.http.secret=oops']), /config\.http\.secret is a secret: set it in secrets\.\*/);
    assert.match(await helmTemplateFails(['--set', 'config.storage.s3.bucket=b']), /config\.storage\.s3: the storage driver is chosen by storage\.driver/);
    assert.match(await helmTemplateFails(['--set', 'registry.replicas=3']), /storage\.filesystem\.persistence\.accessMode must be ReadWriteMany/);
    assert.match(await helmTemplateFails(['--set', 'indexer.enabled=true', '--set', 'redis.addr=r:6379']), /indexer\.enabled needs elasticsearch\.urls/);
    assert.match(await helmTemplateFails(['--set', 'counter.enabled=true']), /counter\.enabled needs redis\.addr/);
    assert.match(await helmTemplateFails(['--set', 'database.enabled=true']), /database\.enabled needs secrets\.databaseUrl/);
    assert.match(await helmTemplateFails(['--set', 'storage.driver=s3']), /storage\.s3\.bucket is required/);
  });
});
