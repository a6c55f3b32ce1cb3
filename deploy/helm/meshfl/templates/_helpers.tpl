{{/* Names and labels shared by the templates. */}}
{{- define "meshfl.labels" -}}
app.kubernetes.io/name: meshfl
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "meshfl.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{- define "meshfl.coordinatorName" -}}
{{ .Release.Name }}-coordinator
{{- end -}}

{{/* Where nodes register: coordinatorAddress when set, else this release's coordinator Service. */}}
{{- define "meshfl.coordinatorAddress" -}}
{{- if .Values.coordinatorAddress -}}
{{ .Values.coordinatorAddress }}
{{- else if .Values.coordinator.enabled -}}
{{ include "meshfl.coordinatorName" . }}:{{ .Values.coordinator.port }}
{{- else -}}
{{ fail "coordinatorAddress: required when coordinator.enabled is false (the HOST:PORT of the mesh's coordinator)" }}
{{- end -}}
{{- end -}}

{{/*
The pod's key handling, shared by coordinator and nodes. MeshFL refuses a key folder others can
read, and a Secret volume cannot be made owner-only, so `keys` copies the certificates into an
owner-only folder in memory before MeshFL starts; `crl` (a sidecar, Kubernetes 1.29+) then keeps
crl.pem in step with the Secret, so that a `meshfl certs revoke` reaches running pods within a
minute or so (the kubelet's Secret sync plus 10 s) without a restart. The copy is replaced
atomically, so MeshFL never reads half a list.
*/}}
{{- define "meshfl.keyContainers" -}}
- name: keys
  image: {{ include "meshfl.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  # the folder is made here, by the user MeshFL runs as: the volume's own root belongs to the kubelet
  command: ["/bin/sh", "-c", "umask 077 && mkdir -p -m 700 /etc/meshfl/run/tls && cp -L /etc/meshfl/tls-secret/*.pem /etc/meshfl/run/tls/ && chmod 600 /etc/meshfl/run/tls/*"]
  securityContext:
    {{- include "meshfl.containerSecurity" . | nindent 4 }}
  volumeMounts:
    - name: tls-secret
      mountPath: /etc/meshfl/tls-secret
      readOnly: true
    - name: tls
      mountPath: /etc/meshfl/run
- name: crl
  image: {{ include "meshfl.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  restartPolicy: Always
  command: ["/bin/sh", "-c", "umask 077; while :; do cmp -s /etc/meshfl/tls-secret/crl.pem /etc/meshfl/run/tls/crl.pem || { cp -L /etc/meshfl/tls-secret/crl.pem /etc/meshfl/run/crl.new && mv -f /etc/meshfl/run/crl.new /etc/meshfl/run/tls/crl.pem; }; sleep 10; done"]
  resources:
    requests: {cpu: "10m", memory: "16Mi"}
    limits: {memory: "32Mi"}
  securityContext:
    {{- include "meshfl.containerSecurity" . | nindent 4 }}
  volumeMounts:
    - name: tls-secret
      mountPath: /etc/meshfl/tls-secret
      readOnly: true
    - name: tls
      mountPath: /etc/meshfl/run
{{- end -}}

{{- define "meshfl.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "meshfl.podSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}
