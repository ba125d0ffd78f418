{{/*
meemaken's helpers. Every per-service template loops over .Values.services and calls "meemaken.service"
for the service's settings: its own entry merged over .Values.defaults.
*/}}

{{- define "meemaken.service" -}}
{{- $cfg := index .root.Values.services .name -}}
{{- toYaml (merge (deepCopy $cfg) (deepCopy .root.Values.defaults)) -}}
{{- end -}}

{{/* The selector labels of one component (api, worker, migrate) of one service. */}}
{{- define "meemaken.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of every resource of the chart (selectors use "meemaken.selector" only). */}}
{{- define "meemaken.labels" -}}
{{- if .component -}}
{{ include "meemaken.selector" . }}
{{- else -}}
app.kubernetes.io/name: {{ .name }}
{{- end }}
app.kubernetes.io/part-of: meemaken
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Values.image.tag | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "meemaken.image" -}}
{{ printf "%s/%s:%s" .root.Values.image.repository .name .root.Values.image.tag }}
{{- end -}}

{{/* The environment every API and worker reads (the ConfigMap meemaken-config). */}}
{{- define "meemaken.config" -}}
{{- $v := .Values -}}
MEEMAKEN_ENV: {{ $v.environment | quote }}
MEEMAKEN_MUNICIPALITY: {{ $v.municipality | quote }}
MEEMAKEN_EVENT_SOURCE_PREFIX: {{ printf "urn:meemaken:municipality:%s:system" $v.municipality | quote }}
MEEMAKEN_PUBLIC_URL: {{ $v.publicUrl | quote }}
MEEMAKEN_TOKEN_ISSUER: {{ $v.publicUrl | quote }}
MEEMAKEN_JWKS_URL: {{ printf "http://gateway:%v/.well-known/jwks.json" $v.services.gateway.port | quote }}
MEEMAKEN_TOKEN_URL: {{ printf "http://gateway:%v/oauth/token" $v.services.gateway.port | quote }}
MEEMAKEN_OIDC_ISSUER: {{ $v.oidc.issuer | quote }}
MEEMAKEN_OIDC_CLIENT_ID: {{ $v.oidc.clientId | quote }}
MEEMAKEN_OIDC_PROFILE: {{ $v.oidc.profile | quote }}
MEEMAKEN_TRUSTED_PROXIES: {{ $v.trustedProxies | quote }}
KAFKA_BOOTSTRAP_SERVERS: {{ $v.kafka.bootstrapServers | quote }}
KAFKA_SECURITY_PROTOCOL: {{ $v.kafka.securityProtocol | quote }}
{{- if hasPrefix "SASL_" $v.kafka.securityProtocol }}
KAFKA_SASL_MECHANISM: {{ $v.kafka.sasl.mechanism | quote }}
{{- end }}
{{- if $v.kafka.tls.caSecret }}
KAFKA_SSL_CAFILE: {{ printf "/run/secrets/kafka-ca/%s" $v.kafka.tls.caKey | quote }}
{{- end }}
DATABASE_POOL_SIZE: {{ $v.postgresql.poolSize | quote }}
DATABASE_MAX_OVERFLOW: {{ $v.postgresql.maxOverflow | quote }}
SMTP_HOST: {{ $v.smtp.host | quote }}
SMTP_PORT: {{ $v.smtp.port | quote }}
SMTP_FROM: {{ $v.smtp.from | quote }}
SMTP_SECURITY: {{ $v.smtp.security | quote }}
WEB_CONCURRENCY: {{ $v.webConcurrency | quote }}
LOG_LEVEL: {{ $v.logLevel | quote }}
{{- range $name, $s := $v.services }}
{{ upper $name }}_BASE_URL: {{ printf "http://%s:%v" $name $s.port | quote }}
{{- end }}
{{- end -}}

{{/*
One pod's spec: the service's container running `meemaken <component>`, non-root on a read-only root, its
Secret's keys as files under /run/secrets/meemaken, its database URL (and Kafka credentials) from the Secret.
Arguments: root, name, svc (the merged settings), component, container (ports, probes: YAML).
*/}}
{{- define "meemaken.pod" -}}
{{- $v := .root.Values -}}
{{- $svc := .svc -}}
{{- $prefix := upper .name -}}
{{- $sasl := hasPrefix "SASL_" $v.kafka.securityProtocol -}}
{{- $migrate := eq .component "migrate" -}}
{{- $mounted := $svc.files | default dict | values -}}
{{- if $sasl }}{{ $mounted = append $mounted $v.kafka.sasl.passwordKey }}{{ end -}}
{{- $mounted = $mounted | uniq | sortAlpha -}}
{{- with $v.image.pullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{ end -}}
{{- if not $migrate -}}
serviceAccountName: {{ .name }}
{{ end -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml $v.podSecurityContext | nindent 2 }}
containers:
  - name: {{ .component }}
    image: {{ include "meemaken.image" . }}
    imagePullPolicy: {{ $v.image.pullPolicy }}
    args: [{{ .component }}]
    {{- if not $migrate }}
    envFrom:
      - configMapRef:
          name: meemaken-config
    {{- end }}
    env:
      {{- if $migrate }}
      {{- /* a hook runs before the release's ConfigMap exists: what `migrate` reads, inline */}}
      - name: MEEMAKEN_ENV
        value: {{ $v.environment | quote }}
      - name: LOG_LEVEL
        value: {{ $v.logLevel | quote }}
      {{- end }}
      - name: {{ $prefix }}_DATABASE_URL
        valueFrom:
          secretKeyRef:
            name: {{ $svc.database.existingSecret | default $svc.existingSecret }}
            key: {{ $svc.database.key }}
      {{- if and $sasl (not $migrate) }}
      - name: KAFKA_SASL_USERNAME
        valueFrom:
          secretKeyRef:
            name: {{ $svc.existingSecret }}
            key: {{ $v.kafka.sasl.usernameKey }}
      - name: KAFKA_SASL_PASSWORD_FILE
        value: /run/secrets/meemaken/{{ $v.kafka.sasl.passwordKey }}
      {{- end }}
      {{- if not $migrate }}
      {{- range $variable, $key := $svc.files }}
      - name: {{ $variable }}
        value: /run/secrets/meemaken/{{ $key }}
      {{- end }}
      {{- range $variable, $key := $svc.optionalSecretEnv }}
      - name: {{ $variable }}
        valueFrom:
          secretKeyRef:
            name: {{ $svc.existingSecret }}
            key: {{ $key }}
            optional: true
      {{- end }}
      {{- if eq .component "worker" }}
      - name: {{ $prefix }}_WORKER_METRICS_BIND
        value: "0.0.0.0:{{ $v.workerMetricsPort }}"
      {{- end }}
      {{- range $variable, $value := $svc.extraEnv }}
      - name: {{ $variable }}
        value: {{ $value | quote }}
      {{- end }}
      {{- end }}
    {{- with .container }}
    {{- . | nindent 4 }}
    {{- end }}
    resources:
      {{- toYaml (index $svc (ternary "migration" .component $migrate)).resources | nindent 6 }}
    securityContext:
      {{- toYaml $v.securityContext | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
      {{- if and $mounted (not $migrate) }}
      - name: secrets
        mountPath: /run/secrets/meemaken
        readOnly: true
      {{- end }}
      {{- if and $v.kafka.tls.caSecret (not $migrate) }}
      - name: kafka-ca
        mountPath: /run/secrets/kafka-ca
        readOnly: true
      {{- end }}
volumes:
  - name: tmp
    emptyDir:
      medium: Memory
      sizeLimit: 64Mi
  {{- if and $mounted (not $migrate) }}
  - name: secrets
    secret:
      secretName: {{ $svc.existingSecret }}
      defaultMode: 0440
      items:
        {{- range $key := $mounted }}
        - key: {{ $key }}
          path: {{ $key }}
        {{- end }}
  {{- end }}
  {{- if and $v.kafka.tls.caSecret (not $migrate) }}
  - name: kafka-ca
    secret:
      secretName: {{ $v.kafka.tls.caSecret }}
      defaultMode: 0444
      items:
        - key: {{ $v.kafka.tls.caKey }}
          path: {{ $v.kafka.tls.caKey }}
  {{- end }}
{{- end -}}

{{- define "meemaken.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
periodSeconds: {{ .period }}
timeoutSeconds: 3
failureThreshold: {{ .failures }}
{{- end -}}
