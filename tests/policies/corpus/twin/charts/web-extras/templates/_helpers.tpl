{{- define "web-extras.chart" -}}
{{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
