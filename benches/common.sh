# Shared by benches/lint.sh and benches/validate.sh (sourced, not run). Needs only bash,
# coreutils and the release binary; `/usr/bin/time -v` is used for peak RSS when present.

# bench_wall CMD...: runs CMD (output discarded, exit status ignored: lint exits 1 when
# it finds something); prints its wall time in microseconds.
bench_wall() {
  local start end
  start=$(date +%s%N)
  "$@" > /dev/null 2>&1 || true
  end=$(date +%s%N)
  echo "$(((end - start) / 1000))"
}

# bench_rss CMD...: peak RSS of CMD in KiB, through `/usr/bin/time -v` ("-" without it).
bench_rss() {
  if [[ ! -x /usr/bin/time ]]; then
    echo -
    return
  fi
  local tf
  tf=$(mktemp)
  /usr/bin/time -v -o "$tf" "$@" > /dev/null 2>&1 || true
  local line rss=-
  while IFS= read -r line; do
    [[ $line == *"Maximum resident set size"* ]] && rss=${line##* }
  done < "$tf"
  echo "$rss"
  rm -f "$tf"
}

# bench_row LABEL FILES TARGET_MS CMD...: one warm-up run, then $RUNS timed runs and one
# run under /usr/bin/time; prints a row with the median wall time, the peak RSS and the
# target (the RSS target applies from 10,000 files).
bench_row() {
  local label=$1 files=$2 target_ms=$3
  shift 3
  "$@" > /dev/null 2>&1 || true
  local walls=() i
  for ((i = 0; i < RUNS; i++)); do
    walls+=("$(bench_wall "$@")")
  done
  local median max_rss sorted
  mapfile -t sorted < <(printf '%s\n' "${walls[@]}" | sort -n)
  median=${sorted[$(((RUNS - 1) / 2))]}
  max_rss=$(bench_rss "$@")
  local rss_text=n/a ok=yes
  if [[ $max_rss != - ]]; then
    rss_text="$((max_rss / 1024)).$(((max_rss % 1024) * 10 / 1024)) MB"
  fi
  local median_ms="$((median / 1000)).$(printf '%02d' $(((median % 1000) / 10)))"
  ((median <= target_ms * 1000)) || ok=NO
  if [[ $max_rss != - && $files -ge 10000 ]] && ((max_rss > 200 * 1024)); then ok=NO; fi
  local target_text="<= $target_ms ms"
  [[ $files -ge 10000 ]] && target_text+=", <= 200 MB"
  printf '%-26s %7s %12s %12s   %-22s %s\n' "$label" "$files" "$median_ms ms" "$rss_text" "$target_text" "$ok"
}

bench_header() {
  echo "$1, release build, $(nproc) CPU(s), median wall time of $RUNS runs after a warm-up run; peak RSS of one more run"
  printf '%-26s %7s %12s %12s   %-22s %s\n' "corpus" "files" "wall" "peak RSS" "target" "met"
}
