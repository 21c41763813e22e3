{{/* Names and labels. */}}
{{- define "isthmus.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "isthmus.fullname" -}}
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

{{- define "isthmus.selectorLabels" -}}
app.kubernetes.io/name: {{ include "isthmus.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "isthmus.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "isthmus.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: isthmus
{{- end }}

{{- define "isthmus.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "isthmus.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "isthmus.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The gateway port: HTTPS with TLS, else plain HTTP. */}}
{{- define "isthmus.serverPort" -}}
{{- if .Values.tls.enabled }}{{ .Values.ports.https }}{{ else }}{{ .Values.ports.http }}{{ end }}
{{- end }}

{{/* Whether the plain-HTTP redirect listener runs. */}}
{{- define "isthmus.redirect" -}}
{{- if and .Values.tls.enabled .Values.tls.httpRedirect.enabled }}true{{ end }}
{{- end }}

{{/* The routes ConfigMap's name, when the file source is on. */}}
{{- define "isthmus.routesConfigMap" -}}
{{- default (printf "%s-routes" (include "isthmus.fullname" .)) .Values.routes.file.existingConfigMap }}
{{- end }}

{{- define "isthmus.consulHostIP" -}}
{{- if and .Values.isthmus.consul.enabled .Values.consul.agent.useHostIP (not .Values.consul.agent.host) }}true{{ end }}
{{- end }}

{{/*
Checks that can't be expressed in values.schema.json (which validates each value alone).
*/}}
{{- define "isthmus.validate" -}}
{{- $s := .Values.shutdown }}
{{- if le (int $s.terminationGracePeriodSeconds) (add $s.preStopSleepSeconds $s.drainTimeoutSeconds | int) }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%v) must exceed shutdown.preStopSleepSeconds + shutdown.drainTimeoutSeconds (%v + %v): otherwise the kubelet kills the gateway while it drains" $s.terminationGracePeriodSeconds $s.preStopSleepSeconds $s.drainTimeoutSeconds) }}
{{- end }}
{{- if and .Values.tls.enabled (not .Values.tls.defaultSecret) }}
{{- fail "tls.defaultSecret is required with tls.enabled: it is the certificate served when no SNI name matches" }}
{{- end }}
{{- if and .Values.tls.enabled (eq (int .Values.ports.http) (int .Values.ports.https)) }}
{{- fail "ports.http and ports.https must differ" }}
{{- end }}
{{- if or (eq (int .Values.ports.management) (int .Values.ports.http)) (eq (int .Values.ports.management) (int .Values.ports.https)) }}
{{- fail "ports.management must differ from the gateway ports: the admin endpoints are never served on the gateway port" }}
{{- end }}
{{- if and (eq .Values.service.type "ClusterIP") (or .Values.service.nodePorts.http .Values.service.nodePorts.https) }}
{{- fail "service.nodePorts need service.type NodePort or LoadBalancer" }}
{{- end }}
{{- if and .Values.pdb.enabled .Values.pdb.minAvailable .Values.pdb.maxUnavailable }}
{{- fail "pdb: set minAvailable or maxUnavailable, not both (set maxUnavailable: null to use minAvailable)" }}
{{- end }}
{{- if and .Values.clientAddress.proxyProtocol.enabled (not .Values.clientAddress.proxyProtocol.trustedCidrs) }}
{{- fail "clientAddress.proxyProtocol.trustedCidrs is required with clientAddress.proxyProtocol.enabled: the load balancers (and, with externalTrafficPolicy Cluster, the nodes) whose PROXY header is believed" }}
{{- end }}
{{- if and .Values.admin.auth.existingSecret (not .Values.admin.auth.bearerTokenKey) (not .Values.admin.auth.basicCredentialsKey) }}
{{- fail "admin.auth.existingSecret needs admin.auth.bearerTokenKey or admin.auth.basicCredentialsKey" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- end }}

{{/*
The application configuration (application.yaml): the gateway's ports, TLS bundles, shutdown and
connection settings derived from the values, then .Values.isthmus, then .Values.config on top.
*/}}
{{- define "isthmus.applicationConfig" -}}
{{- $v := .Values }}
{{- $base := include "isthmus.baseConfig" . | fromYaml }}
{{- $isthmus := dict "isthmus" (deepCopy $v.isthmus) }}
{{- $merged := mergeOverwrite $base $isthmus (deepCopy $v.config) }}
{{- toYaml $merged }}
{{- end }}

{{- define "isthmus.baseConfig" -}}
{{- $v := .Values -}}
server:
  port: {{ include "isthmus.serverPort" . }}
  shutdown: graceful
  http2:
    enabled: {{ $v.http2.enabled }}
  {{- if $v.tls.enabled }}
  ssl:
    bundle: default
    {{- if $v.tls.certificates }}
    server-name-bundles:
      {{- range $i, $c := $v.tls.certificates }}
      {{- range $c.serverNames }}
      - server-name: {{ . | quote }}
        bundle: sni-{{ $i }}
      {{- end }}
      {{- end }}
    {{- end }}
  {{- end }}
management:
  server:
    port: {{ $v.ports.management }}
    {{- if and $v.admin.bindAddress (ne $v.admin.bindAddress "podIP") }}
    address: {{ $v.admin.bindAddress | quote }}
    {{- end }}
    {{- if $v.tls.enabled }}
    # Spring Boot gives the management server the gateway's server.ssl unless told otherwise;
    # the admin port stays plain HTTP for the kubelet's probes and in-cluster scrapers.
    ssl:
      enabled: false
    {{- end }}
spring:
  lifecycle:
    timeout-per-shutdown-phase: {{ printf "%ds" (int $v.shutdown.drainTimeoutSeconds) }}
  {{- if $v.tls.enabled }}
  ssl:
    bundle:
      watch:
        file:
          quiet-period: {{ $v.tls.reloadQuietPeriod }}
      pem:
        default:
          reload-on-update: true
          keystore:
            certificate: {{ printf "file:%s/default/tls.crt" $v.tls.mountPath | quote }}
            private-key: {{ printf "file:%s/default/tls.key" $v.tls.mountPath | quote }}
        {{- range $i, $c := $v.tls.certificates }}
        sni-{{ $i }}:
          reload-on-update: true
          keystore:
            certificate: {{ printf "file:%s/sni-%d/tls.crt" $v.tls.mountPath $i | quote }}
            private-key: {{ printf "file:%s/sni-%d/tls.key" $v.tls.mountPath $i | quote }}
        {{- end }}
  {{- end }}
  {{- if $v.isthmus.consul.enabled }}
  cloud:
    consul:
      {{- if $v.consul.agent.host }}
      host: {{ $v.consul.agent.host | quote }}
      {{- end }}
      port: {{ $v.consul.agent.port }}
      scheme: {{ $v.consul.agent.scheme }}
      {{- if $v.consul.tls.existingSecret }}
      tls:
        key-store-instance-type: {{ $v.consul.tls.keyStoreType }}
        certificate-path: {{ printf "%s/%s" $v.consul.tls.mountPath $v.consul.tls.keyStoreKey | quote }}
        key-store-path: {{ printf "%s/%s" $v.consul.tls.mountPath $v.consul.tls.trustStoreKey | quote }}
      {{- end }}
  {{- end }}
isthmus:
  server:
    {{- with $v.clientAddress.trustedProxies }}
    trusted-proxies: {{ toYaml . | nindent 6 }}
    {{- end }}
    {{- if $v.clientAddress.proxyProtocol.enabled }}
    proxy-protocol:
      enabled: true
      trusted-cidrs: {{ toYaml $v.clientAddress.proxyProtocol.trustedCidrs | nindent 8 }}
    {{- end }}
    http2:
      max-concurrent-streams: {{ int64 $v.http2.maxConcurrentStreams }}
      h2c-upgrade: {{ $v.http2.h2cUpgrade }}
  {{- if $v.admin.auth.existingSecret }}
  admin:
    auth:
      {{- if $v.admin.auth.bearerTokenKey }}
      bearer-token-file: {{ printf "%s/%s" $v.admin.auth.mountPath $v.admin.auth.bearerTokenKey | quote }}
      {{- end }}
      {{- if $v.admin.auth.basicCredentialsKey }}
      basic-credentials-file: {{ printf "%s/%s" $v.admin.auth.mountPath $v.admin.auth.basicCredentialsKey | quote }}
      {{- end }}
  {{- end }}
  {{- if include "isthmus.statusWriter" . }}
  kubernetes:
    lease-name: {{ include "isthmus.leaseName" . | quote }}
    lease-namespace: {{ include "isthmus.leaseNamespace" . | quote }}
  {{- end }}
  file:
    {{- if $v.routes.file.enabled }}
    enabled: true
    path: {{ printf "%s/routes.yaml" $v.routes.file.mountPath | quote }}
    {{- else }}
    enabled: false
    {{- end }}
  {{- if include "isthmus.gatewayApi" . }}
  # Gateways map onto this release: its Service's ports and addresses, its mounted certificates
  gateway-api:
    http-port: {{ if $v.tls.enabled }}0{{ else }}{{ $v.service.ports.http }}{{ end }}
    https-port: {{ if $v.tls.enabled }}{{ $v.service.ports.https }}{{ else }}0{{ end }}
    service-name: {{ include "isthmus.fullname" . | quote }}
    {{- if $v.tls.enabled }}
    tls-secrets:
      - {{ printf "%s/%s" .Release.Namespace $v.tls.defaultSecret | quote }}
      {{- range $v.tls.certificates }}
      - {{ printf "%s/%s" $.Release.Namespace .secretName | quote }}
      {{- end }}
    {{- end }}
  {{- end }}
  {{- if include "isthmus.redirect" . }}
  http-redirect:
    enabled: true
    port: {{ $v.ports.http }}
    https-port: {{ $v.service.ports.https }}
    status: {{ $v.tls.httpRedirect.status }}
  {{- end }}
{{- end }}

{{/* What the gateway reads and writes in every watched namespace. */}}
{{- define "isthmus.watchRules" -}}
- apiGroups: [isthmus.dev]
  resources: [gatewayroutes]
  verbs: [get, list, watch]
- apiGroups: [isthmus.dev]
  resources: [gatewayroutes/status]
  verbs: [update, patch]
- apiGroups: [""]
  resources: [configmaps, services]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- if and (ne (toString (index (.Values.isthmus.ownership | default dict) "reference-grants")) "off") (not (include "isthmus.gatewayApi" .)) }}
{{- /* cross-namespace permissions (isthmus.ownership.reference-grants, docs/security.md); the Gateway API rules below list them too */}}
- apiGroups: [gateway.networking.k8s.io]
  resources: [referencegrants]
  verbs: [list, watch]
{{- end }}
{{- if .Values.rbac.readSecrets }}
# auth.basic.secretRef: get by name only. A Role cannot name Secrets nobody has written a route
# for yet, and list/watch (an informer, label-selected or not) would hand the gateway every Secret
# in the namespace: RBAC cannot filter by label. get cannot enumerate: the gateway reads only the
# names routes give it, and the compiler keeps a route to its own namespace's Secrets.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
{{- end }}
{{- end }}

{{/* Whether the Gateway API source is on (isthmus.gateway-api.enabled, on top of the Kubernetes integration). */}}
{{- define "isthmus.gatewayApi" -}}
{{- $g := index .Values.isthmus "gateway-api" | default dict }}
{{- if and .Values.isthmus.kubernetes.enabled $g.enabled }}true{{ end }}
{{- end }}

{{/* What the Gateway API source reads and writes in every watched namespace (Secrets never). */}}
{{- define "isthmus.gatewayApiWatchRules" -}}
# get on what it lists anyway: fabric8 reads an object before patching its status subresource
- apiGroups: [gateway.networking.k8s.io]
  resources: [gateways, httproutes]
  verbs: [get, list, watch]
- apiGroups: [gateway.networking.k8s.io]
  resources: [referencegrants]
  verbs: [list, watch]
- apiGroups: [gateway.networking.k8s.io]
  resources: [gateways/status, httproutes/status]
  verbs: [patch]
{{- end }}

{{/* Whether this release elects a status writer (isthmus.kubernetes.status-writer, default true). */}}
{{- define "isthmus.statusWriter" -}}
{{- $k := .Values.isthmus.kubernetes }}
{{- if and $k.enabled (ne (toString (index $k "status-writer")) "false") }}true{{ end }}
{{- end }}

{{/* The status-writer Lease: per release by default, so two releases never share one. */}}
{{- define "isthmus.leaseName" -}}
{{- default (printf "%s-status-writer" (include "isthmus.fullname" .)) (index .Values.isthmus.kubernetes "lease-name") }}
{{- end }}

{{- define "isthmus.leaseNamespace" -}}
{{- default .Release.Namespace (index .Values.isthmus.kubernetes "lease-namespace") }}
{{- end }}
