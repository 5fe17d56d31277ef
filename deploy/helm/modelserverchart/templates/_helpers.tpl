{{/*
Names, labels and the pieces the server's Deployment and StatefulSet share.
Names are cut to 63 characters, Kubernetes' limit.
*/}}
{{- define "modelserverchart.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "modelserverchart.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "modelserverchart.serverName" -}}
{{- printf "%s-server" (include "modelserverchart.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "modelserverchart.publisherName" -}}
{{- printf "%s-publisher" (include "modelserverchart.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels; takes (dict "root" $ "component" "server"). */}}
{{- define "modelserverchart.selectorLabels" -}}
app.kubernetes.io/name: {{ include "modelserverchart.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Every label; takes (dict "root" $ "component" "server"). */}}
{{- define "modelserverchart.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "modelserverchart.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{/* The engine, checked. */}}
{{- define "modelserverchart.engine" -}}
{{- if not (or (eq .Values.engine "stage") (eq .Values.engine "store")) -}}
{{- fail (printf "engine must be stage or store, not %v" .Values.engine) -}}
{{- end -}}
{{- .Values.engine -}}
{{- end -}}

{{/* The server's HTTP port: server.port, else the engine's default. */}}
{{- define "modelserverchart.serverPort" -}}
{{- if .Values.server.port -}}
{{- .Values.server.port | int -}}
{{- else if eq (include "modelserverchart.engine" .) "store" -}}
8888
{{- else -}}
5500
{{- end -}}
{{- end -}}

{{/* kafka.properties as librdkafka's NAME=VALUE,... */}}
{{- define "modelserverchart.kafkaProperties" -}}
{{- $pairs := list -}}
{{- range $name, $value := . -}}
{{- $pairs = append $pairs (printf "%s=%v" $name $value) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/* The server's pod template (Deployment and StatefulSet). */}}
{{- define "modelserverchart.serverPod" -}}
metadata:
  labels:
    {{- include "modelserverchart.selectorLabels" (dict "root" . "component" "server") | nindent 4 }}
  {{- if or .Values.metrics.prometheusAnnotations .Values.server.podAnnotations }}
  annotations:
    {{- if .Values.metrics.prometheusAnnotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ include "modelserverchart.serverPort" . | quote }}
    prometheus.io/path: /metrics
    {{- end }}
    {{- with .Values.server.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
spec:
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
  # SIGTERM: finish, deliver, commit, checkpoint (10 s), leave the group (10 s).
  terminationGracePeriodSeconds: 30
  containers:
    - name: server
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      ports:
        - name: http
          containerPort: {{ include "modelserverchart.serverPort" . }}
          protocol: TCP
      env:
        - name: ENGINE
          value: {{ include "modelserverchart.engine" . | quote }}
        - name: MODEL_SERVER_PORT
          value: {{ include "modelserverchart.serverPort" . | quote }}
        - name: KAFKA_BROKERS_LIST
          value: {{ required "kafka.brokers is required" .Values.kafka.brokers | quote }}
        {{- with .Values.kafka.properties }}
        - name: KAFKA_PROPERTIES
          value: {{ include "modelserverchart.kafkaProperties" . | quote }}
        {{- end }}
        - name: DATA_GROUP
          value: {{ .Values.kafka.group | quote }}
        - name: OFFSET_RESET
          value: {{ .Values.kafka.offsetReset | quote }}
        - name: DATA_TOPIC
          value: {{ .Values.kafka.topics.data | quote }}
        - name: MODELS_TOPIC
          value: {{ .Values.kafka.topics.models | quote }}
        - name: RESULTS_TOPIC
          value: {{ .Values.kafka.topics.results | quote }}
        - name: CHANGELOG_TOPIC
          value: {{ .Values.kafka.topics.changelog | quote }}
        {{- with .Values.kafka.deadLetterTopic }}
        - name: DEAD_LETTER_TOPIC
          value: {{ . | quote }}
        {{- end }}
        - name: LOG_LEVEL
          value: {{ .Values.server.logLevel | quote }}
        - name: DATA_TYPE
          value: {{ .Values.server.dataType | quote }}
        {{- with .Values.server.threads }}
        - name: THREADS
          value: {{ . | int | quote }}
        {{- end }}
        {{- with .Values.server.modelLocations }}
        - name: MODEL_LOCATIONS
          value: {{ . | quote }}
        {{- end }}
        {{- if .Values.influxdb.host }}
        - name: INFLUXDB_HOST
          value: {{ .Values.influxdb.host | quote }}
        - name: INFLUXDB_PORT
          value: {{ .Values.influxdb.port | int | quote }}
        {{- end }}
        {{- if .Values.grafana.host }}
        - name: GRAFANA_HOST
          value: {{ .Values.grafana.host | quote }}
        - name: GRAFANA_PORT
          value: {{ .Values.grafana.port | int | quote }}
        {{- end }}
        {{- if .Values.server.stateful.enabled }}
        - name: STATE_DIR
          value: {{ .Values.server.stateful.mountPath | quote }}
        {{- end }}
        {{- with .Values.server.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      livenessProbe:
        httpGet:
          path: /health/live
          port: http
        initialDelaySeconds: 5
        periodSeconds: 10
        failureThreshold: 3
      readinessProbe:
        httpGet:
          path: /health/ready
          port: http
        periodSeconds: 5
        failureThreshold: 3
      {{- with .Values.server.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop:
            - ALL
      {{- if .Values.server.stateful.enabled }}
      volumeMounts:
        - name: state
          mountPath: {{ .Values.server.stateful.mountPath }}
      {{- end }}
  {{- with .Values.server.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.server.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.server.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
