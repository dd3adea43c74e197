# A canary step's gate (components/objects/canary.py). It starts once the HTTPRoute sends STEP_WEIGHT % of
# the real traffic to the canary color; it watches that traffic for the pause, lets Prometheus scrape once
# more, then judges the pause's window: enough requests and the absolute limits (judge_window), and no clear
# regression against the stable color over the same window (compare_with_stable). Any failure exits
# non-zero: the Job fails, `pulumi up` fails, and the release pipeline sets the weight back to 0.
# judge.sh (judge_window, compare_with_stable) comes before this.

echo "gate: canary step $STEP_WEIGHT%: watching real traffic for ${PAUSE_SECONDS}s"
sleep "$PAUSE_SECONDS"
# Every target must be scraped after the pause before the window holds all of it.
sleep "$JUDGE_SETTLE_SECONDS"
judge_window
compare_with_stable
echo "gate: PASS"
