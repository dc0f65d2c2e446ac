/*
 * The typed configuration every Wharf process receives. Built once from config.yml plus REGISTRY_*
 * environment overrides (see config.loader.ts), with defaults applied.
 *
 * Conventions: keys are camelCase versions of the registry:2 keys; every duration is in milliseconds
 * and named `…Ms` (a bare YAML integer is nanoseconds, as in registry:2, so may be fractional here);
 * absent optional sections are `undefined`, never half-filled.
 */

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormatter = 'text' | 'json' | 'logstash';

export interface LogConfig {
  /** log.level, else the deprecated top-level `loglevel`; default "info". */
  level: LogLevel;
  /** Default "text". */
  formatter: LogFormatter;
  /** Static fields added to every log line. */
  fields: Record<string, unknown>;
  accessLog: { disabled: boolean };
}

export type StorageDriverConfig =
  /** rootDirectory defaults to /var/lib/registry; maxThreads to 100 (raised to at least 25). */
  | { name: 'filesystem'; rootDirectory: string; maxThreads: number }
  | { name: 'inmemory' }
  | AzureStorageConfig
  | GcsStorageConfig
  | SwiftStorageConfig
  /** `storage.s3`, or `storage.oss` mapped onto OSS's S3-compatible API. */
  | { name: 's3' | 'oss'; s3: S3StorageConfig };

/** storage.azure. Either a connection string, or a service URL (from accountname and realm) and a credential. */
export interface AzureStorageConfig {
  name: 'azure';
  container: string;
  /** '' for the container's top level. */
  rootDirectory: string;
  connectionString?: string;
  serviceUrl?: string;
  credential?:
    | { kind: 'shared-key'; accountName: string; accountKey: string }
    | { kind: 'client-secret'; tenantId: string; clientId: string; secret: string }
    | { kind: 'default' };
}

/** storage.gcs. keyFile or credentials (a service account key), else Application Default Credentials. */
export interface GcsStorageConfig {
  name: 'gcs';
  bucket: string;
  rootDirectory: string;
  /** Bytes per resumable-upload request: a multiple of 256 KiB; default 16 MiB. */
  chunkSize: number;
  keyFile?: string;
  credentials?: Record<string, unknown>;
  userAgent?: string;
  /** Wharf's own: another endpoint than Google's (emulators); default https://storage.googleapis.com. */
  endpoint?: string;
}

/** An S3 bucket, in the s3 driver's terms (libs/storage-drivers' S3Settings). */
export interface S3StorageConfig {
  bucket: string;
  region: string;
  /** regionendpoint (s3), the OSS endpoint (oss). */
  endpoint?: string;
  /** s3: forcepathstyle, else true with a regionendpoint (registry:2 2.8's rule). */
  forcePathStyle: boolean;
  /** Absent: the AWS SDK's default credential chain. */
  accessKey?: string;
  secretKey?: string;
  secure: boolean;
  skipVerify: boolean;
  encrypt: boolean;
  keyId?: string;
  chunkSize: number;
  multipartCopyChunkSize: number;
  multipartCopyMaxConcurrency: number;
  multipartCopyThresholdSize: number;
  rootDirectory: string;
  /** Absent: none sent (storageclass NONE, or oss). */
  storageClass?: string;
  userAgent?: string;
  /** Absent: none sent (oss). */
  objectAcl?: string;
  useDualStack: boolean;
  accelerate: boolean;
  logLevel: 'off' | 'debug';
}

/** `middleware.storage` entries: what a blob redirect points at. */
export type StorageMiddlewareConfig =
  /** A CloudFront signed URL of baseUrl + the object's key (s3 only); privateKey is the PEM file's path. */
  | { name: 'cloudfront'; baseUrl: string; privateKey: string; keyPairId: string; durationMs: number }
  /** baseUrl's scheme and host with the storage path. */
  | { name: 'redirect'; baseUrl: string }
  /** v3: rewrites the URL the driver (or an earlier middleware) signed. */
  | { name: 'rewrite'; scheme?: string; host?: string; trimPathPrefix?: string };

/** storage.swift (OpenStack Swift), registry:2's keys; the auth version is resolved from the URL when not set. */
export interface SwiftStorageConfig {
  name: 'swift';
  authUrl: string;
  username: string;
  password: string;
  container: string;
  authVersion: 1 | 2 | 3;
  region?: string;
  tenant?: string;
  tenantId?: string;
  domain?: string;
  domainId?: string;
  tenantDomain?: string;
  tenantDomainId?: string;
  trustId?: string;
  insecureSkipVerify: boolean;
  /** Segment size in bytes; default 20 MiB, at least 1 MiB. */
  chunkSize: number;
  /** Object-name prefix inside the container; default none. */
  prefix: string;
  /** Temp-URL key; absent: the container's (or account's) key, else a generated one. */
  secretKey?: string;
  /** HP Cloud style temp URLs: the signature becomes `<tenantid>:<accesskey>:<signature>`. */
  accessKey?: string;
  /** Keystone catalog endpoint; default public. */
  endpointType: 'public' | 'internal' | 'admin';
  /** Used only when the cluster has no /info: whether temp-URL keys live on the container. */
  tempUrlContainerKey: boolean;
  /** Used only when the cluster has no /info: the methods temp URLs are allowed for (empty: no redirects). */
  tempUrlMethods: string[];
}

export interface UploadPurgingConfig {
  /** Defaults as registry:2: enabled, age 168h, interval 24h, not a dry run. */
  enabled: boolean;
  ageMs: number;
  intervalMs: number;
  dryRun: boolean;
}

export interface StorageConfig {
  driver: StorageDriverConfig;
  delete: { enabled: boolean };
  maintenance: { uploadPurging: UploadPurgingConfig; readOnly: { enabled: boolean } };
  /** blobDescriptor absent: no descriptor cache. `layerinfo` is read as blobdescriptor. blobDescriptorSize 0: unbounded. */
  cache: { blobDescriptor?: 'inmemory' | 'redis'; blobDescriptorSize: number };
  redirect: { disable: boolean };
  tag: { concurrencyLimit?: number };
}

export type TlsVersion = 'tls1.0' | 'tls1.1' | 'tls1.2' | 'tls1.3';
export type TlsClientAuth =
  | 'request-client-cert'
  | 'require-any-client-cert'
  | 'verify-client-cert-if-given'
  | 'require-and-verify-client-cert';

/** http.tls.letsencrypt: certificates from an ACME CA (Let's Encrypt unless directoryUrl says otherwise). */
export interface LetsEncryptConfig {
  /** Where the ACME account key and the certificates are kept across restarts. */
  cacheFile: string;
  email: string;
  /** Names certificates may be requested for; empty: any name a client asks for (SNI), as registry:2 2.8. */
  hosts: string[];
  directoryUrl: string;
}

/** Either a certificate and key from files, or letsEncrypt. */
export type HttpTlsConfig = ({ certificate: string; key: string; letsEncrypt?: undefined } | { certificate?: undefined; key?: undefined; letsEncrypt: LetsEncryptConfig }) & {
  clientCAs: string[];
  /** Only meaningful with clientCAs; default require-and-verify-client-cert. */
  clientAuth: TlsClientAuth;
  /** Default tls1.2. */
  minimumTls: TlsVersion;
  /** Go cipher-suite names as written in the file; empty means the runtime default. */
  cipherSuites: string[];
};

export interface HttpConfig {
  /** `host:port`, `:port`, or a socket path when net is unix. Default ":5000". */
  addr: string;
  net: 'tcp' | 'unix';
  /** Always starts and ends with "/": "/" or "/registry/". */
  prefix: string;
  /** Externally reachable base URL (http.host); absent: derived from each request. */
  host?: string;
  /** HMAC key for upload state; absent: the registry generates one at start. */
  secret?: string;
  relativeUrls: boolean;
  drainTimeoutMs: number;
  headers: Record<string, string[]>;
  /** Present only when a certificate is configured. */
  tls?: HttpTlsConfig;
  /** The debug server runs only when addr is set. */
  debug: { addr?: string; prometheus: { enabled: boolean; path: string } };
  http2: { disabled: boolean };
  /** Cleartext HTTP/2 (prior knowledge) beside HTTP/1.1 on a port without TLS. */
  h2c: { enabled: boolean };
  /** http.trustedproxies: peers (addresses, CIDRs, loopback…) whose X-Forwarded-For names the client; default none. */
  trustedProxies: string[];
}

export type TokenSigningAlgorithm =
  | 'EdDSA'
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'PS256'
  | 'PS384'
  | 'PS512';

export type AuthConfig =
  | { scheme: 'silly'; realm: string; service: string }
  | {
      scheme: 'token';
      realm: string;
      service: string;
      issuer: string;
      /** At least one of rootCertBundle and jwks is set. */
      rootCertBundle?: string;
      jwks?: string;
      autoRedirect: boolean;
      /** Default "/auth/token". */
      autoRedirectPath: string;
      /** Default: every supported algorithm. */
      signingAlgorithms: TokenSigningAlgorithm[];
    }
  | { scheme: 'htpasswd'; realm: string; path: string };

/** What an access rule can grant on a repository (the token spec's actions). */
export type RepositoryAction = 'pull' | 'push' | 'delete';

/**
 * One `access.rules[]` entry: `users` may do `actions` on repositories matching `repositories`.
 * Rules are additive. Principals: a user name, `group:<name>`, `*` (any signed-in user) or
 * `anonymous` (no credentials). Globs: `*` within one path component, `**` across components.
 */
export interface AccessRule {
  repositories: string[];
  users: string[];
  actions: RepositoryAction[];
}

/** Wharf's `access:` section: the registry's and the API's access-control list. */
export interface AccessConfig {
  /** Group name → member user names. */
  groups: Record<string, string[]>;
  /** Users or `group:<name>`: may do everything, list the catalog, and administer the API. */
  admins: string[];
  rules: AccessRule[];
}

/** Wharf's `api:` section. */
export interface ApiConfig {
  addr: string;
  /** Signs the API's session tokens (HS256); else http.secret; else a random one per process. */
  secret?: string;
  /** How long a session token is valid; the api role defaults to 12h. */
  sessionLifetimeMs?: number;
  /** api.trustedproxies as written; absent: the api role's default (see apps/api api.defaults.ts). */
  trustedProxies?: string[];
  /**
   * Base URL of the registry's /v2 API for an api role that does not host the registry in its own
   * process; absent: derived from http.addr, http.tls and http.prefix (apps/api registry-address.ts).
   */
  registryUrl?: string;
}

/** Wharf's `tokenserver:` section: the Docker token server the registry process serves. */
export interface TokenServerConfig {
  /** URL path of the token endpoint; default "/auth/token". */
  path: string;
  /** `iss` of issued tokens; equals auth.token.issuer when both are set. */
  issuer: string;
  /** PEM private key (RSA or EC) that signs the tokens. */
  key: string;
  /** PEM certificate of that key: sent as x5c, trusted through auth.token.rootcertbundle. */
  certificate: string;
  /** htpasswd file (bcrypt) the token server checks credentials against. */
  htpasswd: string;
  /** Token lifetime; default 5m. */
  expirationMs: number;
  /** Lifetime of refresh tokens (docker's identity token, on offline requests); default 720h; 0: none issued. */
  refreshExpirationMs: number;
}

/** Wharf's `failedlogins:` section: the per-client limit on failed sign-ins (Basic, token server). */
export interface FailedLoginsConfig {
  /** Failures allowed per client address within the window; default 10. */
  limit: number;
  /** Default 1m. */
  windowMs: number;
}

export type EventAction = 'pull' | 'push' | 'mount' | 'delete';

export interface NotificationEndpointConfig {
  name: string;
  url: string;
  headers: Record<string, string[]>;
  /** Zero or absent: 1s, as registry:2. */
  timeoutMs: number;
  /** Failures before backing off; zero or absent: 10, as registry:2. */
  threshold: number;
  /** Zero or absent: 1s, as registry:2. */
  backoffMs: number;
  ignoredMediaTypes: string[];
  ignore: { mediaTypes: string[]; actions: EventAction[] };
  disabled: boolean;
  /**
   * Wharf (`maxretryage`): a delivery that still fails this long after its event was queued goes to
   * the endpoint's dead-letter set instead of being retried forever as registry:2 would. Default 24h.
   */
  maxRetryAgeMs: number;
}

export interface NotificationsConfig {
  events: { includeReferences: boolean };
  endpoints: NotificationEndpointConfig[];
  /**
   * Wharf: the local spool every event is written to before the request completes. Absent
   * directory: `<rootdirectory>/wharf/spool` with the filesystem driver (beside `docker/`, which
   * registry:2's layout never reads), a fresh temp folder with inmemory (see libs/queue spool-directory.ts).
   */
  spool: { directory?: string };
  /**
   * Wharf: recent events kept in Redis (a capped stream) so an operator can replay them to one
   * endpoint; whichever limit is hit first trims. Defaults 24h and 100000 events.
   */
  replay: { retentionMs: number; maxEvents: number };
}

/**
 * Accepts both registry:2 forms: 2.8 (`addr`, `pool.maxidle|maxactive|idletimeout`) and 3.x
 * (go-redis UniversalOptions: `addrs`, `maxidleconns`, `poolsize`, `connmaxidletime`, …).
 */
export interface RedisConfig {
  /** One address; several: a Redis Cluster; with masterName: the Sentinels. */
  addrs: string[];
  username?: string;
  password?: string;
  db: number;
  clientName?: string;
  masterName?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
  maxRetries?: number;
  minRetryBackoffMs?: number;
  maxRetryBackoffMs?: number;
  dialTimeoutMs?: number;
  readTimeoutMs?: number;
  writeTimeoutMs?: number;
  pool: {
    /** 3.x poolsize. */
    size?: number;
    /** 2.8 pool.maxidle or 3.x maxidleconns. */
    maxIdle?: number;
    /** 2.8 pool.maxactive or 3.x maxactiveconns. */
    maxActive?: number;
    /** 2.8 pool.idletimeout or 3.x connmaxidletime. */
    idleTimeoutMs?: number;
  };
  cluster: { maxRedirects?: number; readOnly: boolean; routeRandomly: boolean };
  /** enabled is true when set so, or when any certificate, key or CA is given. */
  tls: { enabled: boolean; certificate?: string; key?: string; rootCAs: string[] };
}

export interface HealthConfig {
  /** interval default 10s; threshold default 1 (a single failure marks unhealthy). */
  storageDriver: { enabled: boolean; intervalMs: number; threshold: number };
  file: { file: string; intervalMs: number; threshold: number }[];
  http: {
    uri: string;
    headers: Record<string, string[]>;
    /** Default 200. */
    statusCode: number;
    timeoutMs?: number;
    intervalMs: number;
    threshold: number;
  }[];
  tcp: { addr: string; timeoutMs?: number; intervalMs: number; threshold: number }[];
}

export interface ValidationConfig {
  /** On unless `disabled: true` (the deprecated `enabled: true` also turns it on). */
  enabled: boolean;
  manifests: {
    /** Regular expressions; with both lists empty, manifests with URLs are refused. */
    urls: { allow: string[]; deny: string[] };
    indexes: { platforms: 'all' | 'none' | 'list'; platformList: { architecture?: string; os?: string }[] };
  };
}

/** How long something stored is kept: calendar months (UTC) or a fixed span (see retention.ts). */
export type RetentionPeriod = { months: number } | { ms: number };

export interface ElasticsearchConfig {
  /** `urls` or its alias `addresses`. */
  urls: string[];
  /** Default "wharf". */
  indexPrefix: string;
  username?: string;
  password?: string;
  /** `retention`: the indexer deletes monthly indices whose every event is older; absent: kept forever. */
  retention?: RetentionPeriod;
}

/** Either a connection URL or its parts; port defaults to 5432 when host is given. */
export interface DatabaseConfig {
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** Schema holding Wharf's tables (created when missing); default: the server's search_path (public). */
  schema?: string;
  /** Connections per process; default 10. */
  poolSize?: number;
}

/** The `counters:` section: what apps/counter counts as a download. */
export interface CountersConfig {
  /** Manifest HEAD requests count as pulls (the registry then emits them, marked request.method "HEAD"). Default false. */
  countHead: boolean;
  /** Actor names or globs whose events are not counted. Default none. */
  excludeActors: string[];
  /** Regular expressions; events whose request.useragent matches one are not counted. Default none. */
  excludeUserAgents: string[];
}

/** The `webhooks:` section: how apps/deployer delivers webhook subscriptions. */
export interface WebhooksConfig {
  /** Per attempt; default 10s. */
  timeoutMs: number;
  /** Attempts per delivery, the first included; default 10. */
  maxAttempts: number;
  /** Wait before the first retry, doubling per attempt (with ±10% jitter); default 10s. */
  backoffMs: number;
  /** Cap on one wait; default 1h. */
  maxBackoffMs: number;
  /** Consecutive failed attempts that flag a subscription `failing`; default 5. */
  failureThreshold: number;
  /** Deliveries in flight per deployer process; default 10. */
  concurrency: number;
  /** How long the deployer reuses the enabled subscriptions it read; default 2s. */
  subscriptionCacheMs: number;
  /** Webhook URLs may resolve to loopback, link-local or private addresses; default false. */
  allowPrivate: boolean;
  /** `deliveryretention`: the deployer deletes delivery attempts older than this; absent: kept forever. */
  deliveryRetention?: RetentionPeriod;
}

/** The `dashboard:` section (apps/dashboard). */
export interface DashboardConfig {
  /** Listen address; default :5081. */
  addr: string;
  /** Base URL of the API role without /api, no trailing slash; default derived from api.addr. */
  apiUrl: string;
}

/** The `limits:` section (Wharf's): request and upload limits; every field has a default. */
export interface LimitsConfig {
  /** Request line plus headers; above it the answer is 431. Default 16 KiB. */
  maxHeaderBytes: number;
  /** Largest manifest accepted (413 above). Default 4 MiB, the spec's minimum. */
  maxManifestBytes: number;
  /** Time to receive the whole request head; then the connection is closed. Default 20s. */
  headerTimeoutMs: number;
  /** A request body idle this long is cut; 0: never. Default 60s. */
  bodyIdleTimeoutMs: number;
  /** An upload that received nothing this long is gone (BLOB_UPLOAD_UNKNOWN); 0: never. Default 24h. */
  uploadExpiryMs: number;
}

/** One upstream registry cached by Wharf (`proxy:` or an entry of `mirrors:`). */
export interface UpstreamConfig {
  /** The registry host clients name (`ghcr.io`); '' for registry:2's `proxy:`, which caches one upstream under unprefixed names. */
  host: string;
  /** Base URL without a trailing slash: `https://registry-1.docker.io`. */
  remoteUrl: string;
  username?: string;
  password?: string;
  /** Cached content is dropped this long after it was fetched; 0 keeps it. Default 168h. */
  ttlMs: number;
}

export interface WharfConfig {
  version: '0.1';
  log: LogConfig;
  storage: StorageConfig;
  /** Storage middleware, applied in order; empty without a middleware section. */
  middleware: { storage: StorageMiddlewareConfig[] };
  /** Absent: no authentication. */
  auth?: AuthConfig;
  http: HttpConfig;
  notifications: NotificationsConfig;
  /** Absent when the file has no redis section. */
  redis?: RedisConfig;
  health: HealthConfig;
  validation: ValidationConfig;
  /** Default 1000 each. */
  catalog: { maxEntries: number };
  tags: { maxTags: number };
  policy: { repository: { classes: string[] } };
  elasticsearch?: ElasticsearchConfig;
  database?: DatabaseConfig;
  /** Always present, with defaults. */
  counters: CountersConfig;
  /** Always present, with defaults. */
  webhooks: WebhooksConfig;
  /** Always present, with defaults. */
  limits: LimitsConfig;
  api?: ApiConfig;
  /** Always present, with defaults. */
  dashboard: DashboardConfig;
  /** Absent: every authenticated user may do everything and is an API admin. */
  access?: AccessConfig;
  /** Absent: the registry serves no token endpoint. */
  tokenServer?: TokenServerConfig;
  /** Always present, with defaults. */
  failedLogins: FailedLoginsConfig;
  /**
   * Pull-through caching: registry:2's `proxy:` (one upstream, the registry is only a cache) or
   * Wharf's `mirrors:` (several upstreams beside hosted repositories). Empty: no cache.
   */
  upstreams: { mode: 'proxy' | 'mirrors'; list: UpstreamConfig[] };
}
