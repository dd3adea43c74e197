# The release gate: the target color answers /ready, runs as many ready pods as it must, and serves a
# sample of real requests within the limits, by its own measurement and (with monitoring) Prometheus'.
# Any failure exits non-zero; the Job (backoffLimit 0) fails and the traffic switch never happens.
# Environment: components/objects/gate.py. judge.sh (prom_value, within, judge_window) comes before this.

wait_ready() {
  attempt=1
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$TARGET_URL/ready") || code=000
    [ "$code" = 200 ] && break
    [ "$attempt" -ge "$READY_ATTEMPTS" ] && fail "$TARGET_URL/ready answered $code after $attempt attempts"
    attempt=$((attempt + 1))
    sleep "$READY_INTERVAL_SECONDS"
  done
  echo "gate: $TARGET_URL/ready is 200"
}

# Ready pods of the target (kube-state-metrics through Prometheus) against what it must carry.
check_capacity() {
  attempt=1
  while :; do
    needed=$(prom_query "$NEEDED_PODS_QUERY")
    ready=$(prom_query "$READY_PODS_QUERY")
    if enough "$needed" 0 && enough "$ready" "$needed"; then break; fi
    if [ "$attempt" -ge "$CAPACITY_ATTEMPTS" ]; then
      [ "$ready" != unanswered ] && [ "$needed" != unanswered ] || fail "Prometheus query failed: $READY_PODS_QUERY"
      fail "$TARGET_DEPLOYMENT runs $ready ready pods, $needed needed to take the traffic"
    fi
    attempt=$((attempt + 1))
    sleep "$CAPACITY_INTERVAL_SECONDS"
  done
  echo "gate: $TARGET_DEPLOYMENT runs $ready ready pods ($needed needed)"
}

# One curl, SAMPLE_CONCURRENCY requests in flight; one "<status> <seconds>" line each (000: no answer).
send_sample() {
  curl -s --no-progress-meter -Z --parallel-max "$SAMPLE_CONCURRENCY" --max-time "$REQUEST_TIMEOUT_SECONDS" \
    -o /dev/null -w '%{stderr}%{http_code} %{time_total}\n' \
    "$TARGET_URL$SAMPLE_PATH?gate=[1-$SAMPLE_REQUESTS]" 2>&1 >/dev/null || true
}

judge_sample() {
  answers=$(printf '%s\n' "$1" | grep -E '^[0-9]{3} [0-9.]+$' || true)
  n=$(printf '%s\n' "$answers" | grep -c . || true)
  errors=$(printf '%s\n' "$answers" | grep -c -E '^(5[0-9][0-9]|000) ' || true)
  [ "$n" -ge "$MIN_REQUESTS" ] || fail "too few requests to judge: $n answered, at least $MIN_REQUESTS needed"
  ratio=$(awk -v e="$errors" -v n="$n" 'BEGIN { printf "%.4f", e / n }')
  p99=$(printf '%s\n' "$answers" | cut -d ' ' -f 2 | sort -n \
    | awk -v n="$n" 'BEGIN { i = int(n * 0.99); if (i < n * 0.99) i++ } NR == i { print; exit }')
  echo "gate: sent $n requests to $TARGET_URL$SAMPLE_PATH, $errors failed"
  within "error ratio (sample)" "$ratio" "$MAX_ERROR_RATIO"
  within "p99 latency in s (sample)" "$p99" "$MAX_P99_LATENCY_SECONDS"
}

wait_ready
if [ -n "${NEEDED_PODS_QUERY:-}" ]; then check_capacity; fi
sample=$(send_sample)
judge_sample "$sample"
if [ -n "${PROMETHEUS_URL:-}" ]; then
  # Every target must be scraped after the sample before the window holds all of it.
  sleep "$JUDGE_SETTLE_SECONDS"
  judge_window
else
  echo "gate: monitoring is off: judged on the sample alone"
fi
echo "gate: PASS"
