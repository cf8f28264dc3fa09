#!/usr/bin/env bash
# Fails when schema.graphql or the example client's generated types (examples/client/gql) are not
# what the code produces now, or when the example client no longer type-checks.
set -euo pipefail
cd "$(dirname "$0")/../.."

npm run --silent schema:print -- --check
npm run --silent codegen >/dev/null

if ! git diff --exit-code -- examples/client/gql schema.graphql; then
  echo "examples/client/gql is out of date: run \`npm run schema:print && npm run codegen\` and commit the result." >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- examples/client/gql schema.graphql)
if [ -n "$untracked" ]; then
  echo "generated files are not committed:" >&2
  echo "$untracked" >&2
  exit 1
fi

npx tsc -p examples/client/tsconfig.json
echo "schema.graphql and examples/client/gql are current; the example client type-checks"
