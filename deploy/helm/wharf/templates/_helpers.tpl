{{/* Names: <release>-wharf-<component>, shortened to Kubernetes' 63 characters. */}}
{{- define "wharf.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "wharf.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's resource name: wharf.component (dict "root" $ "component" "registry"). */}}
{{- define "wharf.component" -}}
{{- printf "%s-%s" (include "wharf.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "wharf.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wharf.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "wharf.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "wharf.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{- define "wharf.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "wharf.secretName" -}}
{{- default (include "wharf.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Where config.yml, the htpasswd file and each replica's spool are mounted. */}}
{{- define "wharf.configDir" -}}/etc/wharf{{- end }}
{{- define "wharf.htpasswdPath" -}}/etc/wharf/auth/htpasswd{{- end }}
{{- define "wharf.spoolDir" -}}/var/spool/wharf{{- end }}

{{/*
Refuses values that cannot work, with the value to change named, before anything is applied.
*/}}
{{- define "wharf.validate" -}}
{{- $v := .Values }}
{{- $secretKeys := list (list "http" "secret") (list "api" "secret") (list "database" "url") (list "database" "password") (list "redis" "password") (list "elasticsearch" "password") }}
{{- range $secretKeys }}
{{- $section := index $v.config (index . 0) | default dict }}
{{- if hasKey $section (index . 1) }}
{{- fail (printf "config.%s.%s is a secret: set it in secrets.* (or secrets.existingSecret), never in config" (index . 0) (index . 1)) }}
{{- end }}
{{- end }}
{{- $configStorage := $v.config.storage | default dict }}
{{- range $driver := list "filesystem" "inmemory" "s3" "azure" "gcs" "swift" "oss" }}
{{- if hasKey $configStorage $driver }}
{{- fail (printf "config.storage.%s: the storage driver is chosen by storage.driver (and storage.filesystem / storage.s3)" $driver) }}
{{- end }}
{{- end }}
{{- if not (has $v.storage.driver (list "filesystem" "s3")) }}
{{- fail (printf "storage.driver: expected filesystem or s3, not %q" $v.storage.driver) }}
{{- end }}
{{- if and (eq $v.storage.driver "s3") (or (hasKey $v.storage.s3 "accesskey") (hasKey $v.storage.s3 "secretkey")) }}
{{- fail "storage.s3.accesskey/secretkey are secrets: set secrets.s3AccessKey and secrets.s3SecretKey" }}
{{- end }}
{{- if and (eq $v.storage.driver "s3") (not $v.storage.s3.bucket) }}
{{- fail "storage.s3.bucket is required with storage.driver s3" }}
{{- end }}
{{- $many := or (gt (int $v.registry.replicas) 1) $v.registry.autoscaling.enabled }}
{{- if and $many (eq $v.storage.driver "filesystem") (ne $v.storage.filesystem.persistence.accessMode "ReadWriteMany") }}
{{- fail "storage.filesystem.persistence.accessMode must be ReadWriteMany for more than one registry replica (or use storage.driver s3)" }}
{{- end }}
{{- range $role, $needs := dict "indexer" (list "redis" "elasticsearch") "counter" (list "redis" "database") "deployer" (list "redis" "database") }}
{{- if (index $v $role).enabled }}
{{- if and (has "redis" $needs) (not $v.redis.addr) }}
{{- fail (printf "%s.enabled needs redis.addr (its queue lives in Redis)" $role) }}
{{- end }}
{{- if and (has "elasticsearch" $needs) (not $v.elasticsearch.urls) }}
{{- fail (printf "%s.enabled needs elasticsearch.urls" $role) }}
{{- end }}
{{- if and (has "database" $needs) (not $v.database.enabled) }}
{{- fail (printf "%s.enabled needs database.enabled (and the database-url secret)" $role) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $v.registry.autoscaling.enabled (not (and $v.registry.resources.requests $v.registry.resources.requests.cpu)) }}
{{- fail "registry.autoscaling needs registry.resources.requests.cpu (the HPA scales on CPU utilization of the request)" }}
{{- end }}
{{- if not $v.secrets.existingSecret }}
{{- range $needed := list (list $v.database.enabled "databaseUrl" "database.enabled") (list $v.elasticsearch.username "elasticsearchPassword" "elasticsearch.username") (list $v.auth.htpasswd.enabled "htpasswd" "auth.htpasswd.enabled") }}
{{- if and (index $needed 0) (not (index $v.secrets (index $needed 1))) }}
{{- fail (printf "%s needs secrets.%s (or secrets.existingSecret)" (index $needed 2) (index $needed 1)) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $v.registry.spool.drainClaims (not $v.redis.addr) }}
{{- fail "registry.spool.drainClaims needs redis.addr: draining forwards the spooled events to Redis" }}
{{- end }}
{{- end }}

{{/*
config.yml: values.config with what the chart owns written over it. Secrets are added by the
pods as REGISTRY_* environment variables (wharf.secretEnv), never here.
*/}}
{{- define "wharf.config" -}}
{{- $v := .Values }}
{{- $storage := dict }}
{{- if eq $v.storage.driver "filesystem" }}
{{- $_ := set $storage "filesystem" (dict "rootdirectory" $v.storage.filesystem.rootdirectory) }}
{{- else }}
{{- $_ := set $storage "s3" (deepCopy $v.storage.s3) }}
{{- end }}
{{- $http := dict "addr" (printf ":%d" (int $v.registry.port)) "draintimeout" (printf "%ds" (int $v.registry.drainTimeoutSeconds)) "debug" (dict "addr" (printf ":%d" (int $v.registry.debugPort)) "prometheus" (dict "enabled" true "path" "/metrics")) }}
{{- $owned := dict "version" "0.1" "storage" $storage "http" $http }}
{{- if $v.redis.addr }}
{{- $_ := set $owned "redis" (dict "addr" $v.redis.addr "db" (int $v.redis.db)) }}
{{- $_ := set $owned "notifications" (dict "spool" (dict "directory" (include "wharf.spoolDir" .))) }}
{{- end }}
{{- if $v.elasticsearch.urls }}
{{- $es := dict "urls" $v.elasticsearch.urls "indexprefix" $v.elasticsearch.indexprefix }}
{{- if $v.elasticsearch.username }}{{ $_ := set $es "username" $v.elasticsearch.username }}{{ end }}
{{- if $v.elasticsearch.retention }}{{ $_ := set $es "retention" $v.elasticsearch.retention }}{{ end }}
{{- $_ := set $owned "elasticsearch" $es }}
{{- end }}
{{- if and $v.database.enabled $v.database.schema }}
{{- $_ := set $owned "database" (dict "schema" $v.database.schema) }}
{{- end }}
{{- if $v.auth.htpasswd.enabled }}
{{- $_ := set $owned "auth" (dict "htpasswd" (dict "realm" $v.auth.htpasswd.realm "path" (include "wharf.htpasswdPath" .))) }}
{{- end }}
{{- if $v.api.enabled }}
{{- $_ := set $owned "api" (dict "addr" (printf ":%d" (int $v.api.port))) }}
{{- end }}
{{- if $v.dashboard.enabled }}
{{- $_ := set $owned "dashboard" (dict "addr" (printf ":%d" (int $v.dashboard.port)) "apiurl" (printf "http://%s:%d" (include "wharf.component" (dict "root" . "component" "api")) (int $v.api.port))) }}
{{- end }}
{{- toYaml (mustMergeOverwrite (deepCopy $v.config) $owned) }}
{{- end }}

{{/* Secrets as registry:2-style REGISTRY_* overrides; optional where Wharf works without the key. */}}
{{- define "wharf.secretEnv" -}}
{{- $name := include "wharf.secretName" . -}}
- name: REGISTRY_HTTP_SECRET
  valueFrom: { secretKeyRef: { name: {{ $name }}, key: http-secret } }
- name: REGISTRY_API_SECRET
  valueFrom: { secretKeyRef: { name: {{ $name }}, key: api-secret, optional: true } }
{{- if .Values.database.enabled }}
- name: REGISTRY_DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ $name }}, key: database-url } }
{{- end }}
{{- if .Values.redis.addr }}
- name: REGISTRY_REDIS_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ $name }}, key: redis-password, optional: true } }
{{- end }}
{{- if .Values.elasticsearch.username }}
- name: REGISTRY_ELASTICSEARCH_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ $name }}, key: elasticsearch-password } }
{{- end }}
{{- if eq .Values.storage.driver "s3" }}
- name: REGISTRY_STORAGE_S3_ACCESSKEY
  valueFrom: { secretKeyRef: { name: {{ $name }}, key: s3-access-key, optional: true } }
- name: REGISTRY_STORAGE_S3_SECRETKEY
  valueFrom: { secretKeyRef: { name: {{ $name }}, key: s3-secret-key, optional: true } }
{{- end }}
{{- end }}

{{/*
A Wharf container: image, `serve` with the roles, config and secrets. Call with
(dict "root" $ "roles" "registry" "resources" …).
*/}}
{{- define "wharf.container" -}}
image: {{ include "wharf.image" .root }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
args: ["serve", "{{ include "wharf.configDir" .root }}/config.yml", "--roles", {{ .roles | quote }}]
env:
  {{- include "wharf.secretEnv" .root | nindent 2 }}
securityContext:
  {{- toYaml .root.Values.securityContext | nindent 2 }}
resources:
  {{- toYaml .resources | nindent 2 }}
{{- end }}

{{/* Mounts every Wharf container has: config.yml, and the users file when htpasswd is on. */}}
{{- define "wharf.configMounts" -}}
- name: config
  mountPath: {{ include "wharf.configDir" .root }}/config.yml
  subPath: config.yml
  readOnly: true
{{- if .root.Values.auth.htpasswd.enabled }}
- name: htpasswd
  mountPath: {{ dir (include "wharf.htpasswdPath" .root) }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "wharf.configVolumes" -}}
- name: config
  configMap:
    name: {{ include "wharf.fullname" .root }}
{{- if .root.Values.auth.htpasswd.enabled }}
- name: htpasswd
  secret:
    secretName: {{ include "wharf.secretName" .root }}
    items: [{ key: htpasswd, path: {{ base (include "wharf.htpasswdPath" .root) }} }]
{{- end }}
{{- end }}

{{/* The filesystem storage volume (registry read-write, api read-only). */}}
{{- define "wharf.storageClaim" -}}
{{- default (include "wharf.component" (dict "root" . "component" "storage")) .Values.storage.filesystem.persistence.existingClaim }}
{{- end }}

{{/* Pod-level settings shared by every Wharf pod. */}}
{{- define "wharf.podCommon" -}}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Annotations that restart pods when config.yml or the chart's Secret change. */}}
{{- define "wharf.rolloutAnnotations" -}}
checksum/config: {{ include "wharf.config" .root | sha256sum }}
{{- end }}
