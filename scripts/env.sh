# Sourced by the README's commands and .ci/run.
# better-sqlite3 compiles from source when its prebuilt binary can't be
# downloaded; node-gyp then needs Node's headers. Point it at the local copy
# only where one exists, so machines that can fetch prebuilt binaries are untouched.
if [ -f /usr/include/node/node.h ] && [ -z "${npm_config_nodedir:-}" ]; then
  export npm_config_nodedir=/usr
fi
if ! command -v pnpm >/dev/null 2>&1; then
  echo "pnpm not found: installing pnpm@10.34.9 with npm" >&2
  npm install -g pnpm@10.34.9 >/dev/null
fi
