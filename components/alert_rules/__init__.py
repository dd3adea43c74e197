"""Alert and recording rules, one module per area (kube-prometheus mixin style); see components/alerts.py."""
