#!/usr/bin/env bash
# The README's `npm ci && npm run demo` as a new user runs it: in a clean clone of the committed
# tree, where nothing else has run, on a machine without kcat. Two runs, each must exit 0 and
# print the masked records, telemetry's lines and billing's table:
#  1. `npm ci && npm run demo` with the ordinary PATH. As root, kcat is removed from the machine
#     (apt-get remove) before `npm run demo`, so the demo's own apt-get install runs.
#  2. `node dist/tools/demo.js` with a PATH that holds only node, npm, java and sh: no kcat and
#     no apt-get, as on a machine where the demo cannot install kcat. It must say so and send
#     the text records through Kafka's Java console clients.
# Envoy and Kafka come from this checkout's cache (linked into the clone's .cache), so nothing
# is downloaded twice; the clone's stack runs in the clone's own .cache/run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Run from `npm test`, the PATH starts with node_modules/.bin, where a dependency's own (old) npm
# lives; a new user's `npm` is the machine's.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
export PATH
repo=$PWD
say() { printf '[demo-check %3ds] %s\n' "$SECONDS" "$*"; }
fail() { say "FAILED: $*"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kpw-demo-check.XXXXXX")
removed_kcat=0
finish() {
  # The later suites use kcat: put it back if this check removed it and the demo did not reinstall it.
  if [ "$removed_kcat" = 1 ] && ! command -v kcat >/dev/null; then
    say "reinstalling kcat (apt-get install kcat)"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 install -y -qq kcat >/dev/null || say "could not reinstall kcat"
  fi
  rm -rf "$work"
}
trap finish EXIT

say "Envoy and Kafka in this checkout's cache (fetched once; the clone reuses them)"
node dist/tools/cli.js install --no-kcat --no-chromium
src_cache=$(cd "${KPW_CACHE:-$repo/.cache}" && pwd)

say "cloning the committed tree into $work/clone"
git clone --quiet "$repo" "$work/clone"
mkdir "$work/clone/.cache"
for d in "$src_cache"/envoy-* "$src_cache"/kafka-*; do ln -s "$d" "$work/clone/.cache/"; done

# A PATH with what the demo runs besides itself, and nothing else: kcat and apt-get are not there.
mkdir "$work/bin"
for c in node npm java sh; do ln -s "$(command -v "$c")" "$work/bin/$c"; done

# Lines every run must print (the masked records, the leak check, telemetry, billing).
expect_common() {
  local log=$1
  for line in \
    'consumed: AWS_SECRET_ACCESS_KEY=*******************' \
    'consumed: My email is *****************' \
    'consumed: {"user":"bob","password":"*******","ssn":"***-**-****","api_key":"********************"}' \
    'contain none of the secrets.' \
    'kafka_requests{api="Produce"}' \
    'kafka_topic_produced_records{topic="demo-text"} 3' \
    'What billing charged per tenant'; do
    grep -qF -- "$line" "$log" || fail "the demo did not print: $line"
  done
  # kafkajs's tenant row: 2 records produced and 2 fetched.
  grep -qE '^  kafkajs-e2e +[0-9]+ +2 +[0-9]+ +2 ' "$log" || fail "billing's table has no kafkajs row with 2 produced and 2 fetched records"
  for secret in myawssecretkeyvalue example@email.com hunter2 123-45-6789 AKIAIOSFODNN7EXAMPLE; do
    if grep '^  consumed:' "$log" | grep -qF -- "$secret"; then fail "a consumer read the secret $secret"; fi
  done
}

say "run 1: npm ci && npm run demo, kcat not installed"
(cd "$work/clone" && env -u KPW_CACHE npm ci --no-audit --no-fund) 2>&1 | tee "$work/run1.log" || fail "npm ci failed in the clone"
# kcat goes only now (npm ci does not use it): the later suites and anything else on this machine
# miss it only until the demo has installed it again.
root_with_apt=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then root_with_apt=1; fi
if command -v kcat >/dev/null; then
  if [ "$root_with_apt" = 1 ]; then
    say "removing kcat (apt-get remove kcat) so that the demo installs it"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 remove -y -qq kcat >/dev/null || fail "apt-get remove kcat failed"
    removed_kcat=1
    hash -r
    ! command -v kcat >/dev/null || fail "kcat is still on the PATH after apt-get remove: $(command -v kcat)"
  else
    say "kcat is installed and this user cannot remove it: run 1 uses the PATH without kcat as well"
    run1_path=$work/bin
  fi
fi
(cd "$work/clone" && env -u KPW_CACHE PATH="${run1_path:-$PATH}" npm run demo) 2>&1 | tee -a "$work/run1.log" \
  || fail "run 1 exited non-zero (output above)"
expect_common "$work/run1.log"
if [ "$root_with_apt" = 1 ]; then
  if ! grep -qF 'installing kcat with apt-get' "$work/run1.log" && grep -qF 'kcat (librdkafka), CRC checks on:' "$work/run1.log"; then
    # On a shared machine another process can install kcat while the clone builds. Then the
    # demo's own install did not run: remove kcat again and start the built demo at once.
    say "kcat was installed by another process before the demo looked for it; removing it again and running the built demo"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 remove -y -qq kcat >/dev/null || fail "apt-get remove kcat failed"
    removed_kcat=1
    hash -r
    (cd "$work/clone" && env -u KPW_CACHE node dist/tools/demo.js) 2>&1 | tee "$work/run1.log" \
      || fail "run 1 (again) exited non-zero (output above)"
    expect_common "$work/run1.log"
  fi
  grep -qF 'installing kcat with apt-get' "$work/run1.log" || fail "run 1 did not install kcat"
  grep -qF 'kcat (librdkafka), CRC checks on:' "$work/run1.log" || fail "run 1 did not use kcat"
  hash -r
  command -v kcat >/dev/null || fail "kcat is not on the PATH after the demo installed it"
else
  grep -qF "Kafka's Java console producer and consumer, CRC checks on:" "$work/run1.log" || fail "run 1 could not install kcat and did not use the Java console clients"
fi
say "run 1 passed"

say "run 2: node dist/tools/demo.js with PATH=$work/bin (node, npm, java, sh: no kcat, no apt-get)"
(cd "$work/clone" && env -i HOME="$HOME" PATH="$work/bin" node dist/tools/demo.js) 2>&1 | tee "$work/run2.log" \
  || fail "run 2 exited non-zero (output above)"
expect_common "$work/run2.log"
grep -qF 'kcat is not installed and cannot be installed here (apt-get is not on the PATH)' "$work/run2.log" || fail "run 2 did not say why it cannot use kcat"
grep -qF "Kafka's Java console producer and consumer, CRC checks on:" "$work/run2.log" || fail "run 2 did not use the Java console clients"
say "run 2 passed"
