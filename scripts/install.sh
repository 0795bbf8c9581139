#!/usr/bin/env bash
# Installs zkpow's dependencies on any machine with npm, whatever its Node.js.
#
# Hardhat 3 needs Node.js >= 22.13, and npm must itself run under Node 22 while
# installing: under older Node it silently skips Hardhat's simulator (an
# optional, engine-gated dependency). When the system Node is too old, this
# fetches Node 22 from the npm registry into .node22/ (no other download) and
# runs `npm install` with it. The project then carries Node 22 as a dev
# dependency, so `npx hardhat …` and `npm run …` use it from any shell.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE22_VERSION="22.23.3"

node_ok() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 13) ? 0 : 1)'
}

if ! node_ok; then
  echo "zkpow: system Node.js $(node -v) is older than 22.13; using Node.js ${NODE22_VERSION} from the npm registry (.node22/)"
  if [ ! -x ".node22/node_modules/.bin/node" ]; then
    npm install --prefix .node22 --no-save --no-package-lock --no-audit --no-fund "node@${NODE22_VERSION}"
  fi
  export PATH="$PWD/.node22/node_modules/.bin:$PATH"
fi

# `npm ci` cannot be used: the lockfile names Hardhat simulator packages for
# other platforms that this registry mirror does not hold. `npm install` with
# the committed lockfile installs the same versions and leaves it unchanged.
npm install --no-audit --no-fund
