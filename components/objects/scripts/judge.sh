# Judges one color over a window from Prometheus: enough requests, error ratio, p99 latency.
# POSIX sh + curl + awk (busybox in the pinned curl image). Comes before gate.sh and step.sh (a canary
# step's gate). Needs fail() and the environment below (components/objects/judge.py):
#   PROMETHEUS_URL, REQUESTS_QUERY, ERROR_RATIO_QUERY, P99_LATENCY_QUERY, MIN_REQUESTS,
#   MAX_ERROR_RATIO, MAX_P99_LATENCY_SECONDS, JUDGE_ATTEMPTS, JUDGE_INTERVAL_SECONDS
# and, for compare_with_stable, STABLE_REQUESTS_QUERY, STABLE_ERROR_RATIO_QUERY, STABLE_P99_LATENCY_QUERY,
#   MAX_ERROR_RATIO_INCREASE, MAX_P99_LATENCY_INCREASE, P99_LATENCY_TOLERANCE_SECONDS

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

# A value a comparison can use (none, unanswered, NaN and infinities are not).
number() { case "$1" in none | unanswered | NaN | +Inf | -Inf | "") return 1 ;; esac; return 0; }

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

# After judge_window (which leaves the judged color's $ratio and $p99): the stable color over the same
# window is the baseline, and the judged color may be worse by at most the margins:
#   error ratio <= stable's + MAX_ERROR_RATIO_INCREASE
#   p99         <= stable's x (1 + MAX_P99_LATENCY_INCREASE) + P99_LATENCY_TOLERANCE_SECONDS
# With fewer than MIN_REQUESTS stable requests in the window (a step at 100% sends it none) there is no
# baseline: the absolute limits of judge_window decide alone.
compare_with_stable() {
  stable_count=$(prom_value "$STABLE_REQUESTS_QUERY")
  if ! enough "$stable_count" "$MIN_REQUESTS"; then
    echo "gate: the stable color served $stable_count requests in the window (fewer than $MIN_REQUESTS): no baseline, the limits alone decide"
    return 0
  fi
  stable_ratio=$(prom_value "$STABLE_ERROR_RATIO_QUERY")
  stable_p99=$(prom_value "$STABLE_P99_LATENCY_QUERY")
  number "$stable_ratio" && number "$stable_p99" || fail "stable color: nothing to compare with ($stable_ratio, $stable_p99)"
  echo "gate: the stable color served $stable_count requests: error ratio $stable_ratio, p99 ${stable_p99}s"
  ratio_limit=$(awk -v s="$stable_ratio" -v m="$MAX_ERROR_RATIO_INCREASE" 'BEGIN { printf "%.6f", s + m }')
  p99_limit=$(awk -v s="$stable_p99" -v f="$MAX_P99_LATENCY_INCREASE" -v t="$P99_LATENCY_TOLERANCE_SECONDS" \
    'BEGIN { printf "%.6f", s * (1 + f) + t }')
  within "error ratio against the stable color" "$ratio" "$ratio_limit"
  within "p99 latency in s against the stable color" "$p99" "$p99_limit"
}
