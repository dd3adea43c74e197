# Judges one color over a window from Prometheus: enough requests, error ratio, p99 latency.
# POSIX sh + curl + awk (busybox in the pinned curl image). Sourced by gate.sh; a progressive canary can
# call judge_window on its own. Needs fail() and the environment below (components/objects/judge.py):
#   PROMETHEUS_URL, REQUESTS_QUERY, ERROR_RATIO_QUERY, P99_LATENCY_QUERY, MIN_REQUESTS,
#   MAX_ERROR_RATIO, MAX_P99_LATENCY_SECONDS, JUDGE_ATTEMPTS, JUDGE_INTERVAL_SECONDS

# The value of an instant query with one sample: "none" when the result is empty, "unanswered" when
# Prometheus did not answer (it may still be starting: the callers retry, then fail).
prom_query() {
  body=$(curl -fsS --max-time 10 -G "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=$1") \
    || { echo unanswered; return 0; }
  if echo "$body" | grep -q '"result":[[:space:]]*\[[[:space:]]*\]'; then echo none; return 0; fi
  v=$(echo "$body" | sed -n 's/.*"value":[[:space:]]*\[[^,]*,[[:space:]]*"\([^"]*\)"[[:space:]]*\].*/\1/p')
  [ -n "$v" ] || fail "unreadable Prometheus answer for $1: $body"
  echo "$v"
}

prom_value() {
  v=$(prom_query "$1")
  [ "$v" != unanswered ] || fail "Prometheus query failed: $1"
  echo "$v"
}

# A number at least as large as the minimum (none and unanswered are not).
enough() { case "$1" in none | unanswered) return 1 ;; esac; at_least "$1" "$2"; }

at_least() { awk -v v="$1" -v m="$2" 'BEGIN { exit !(v + 0 >= m + 0) }'; }

# within NAME VALUE LIMIT: passes when VALUE <= LIMIT; a missing value cannot pass.
within() {
  case "$2" in none | NaN | +Inf | -Inf | "") fail "$1: nothing to judge ($2)" ;; esac
  awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 <= m + 0) }' || fail "$1 is $2, above the limit $3"
  echo "gate: $1 is $2 (limit $3)"
}

judge_window() {
  attempt=1
  while :; do
    count=$(prom_query "$REQUESTS_QUERY")
    if enough "$count" "$MIN_REQUESTS"; then break; fi
    if [ "$attempt" -ge "$JUDGE_ATTEMPTS" ]; then
      [ "$count" != unanswered ] || fail "Prometheus query failed: $REQUESTS_QUERY"
      fail "too few requests to judge: $count in the window, at least $MIN_REQUESTS needed"
    fi
    attempt=$((attempt + 1))
    sleep "$JUDGE_INTERVAL_SECONDS"
  done
  echo "gate: Prometheus counted $count requests in the window"
  ratio=$(prom_value "$ERROR_RATIO_QUERY")
  p99=$(prom_value "$P99_LATENCY_QUERY")
  within "error ratio (Prometheus)" "$ratio" "$MAX_ERROR_RATIO"
  within "p99 latency in s (Prometheus)" "$p99" "$MAX_P99_LATENCY_SECONDS"
}
