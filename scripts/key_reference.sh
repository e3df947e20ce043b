#!/usr/bin/env bash
# Keeps the parameter tables in the model READMEs equal to the schemas.
#   scripts/key_reference.sh TEGENMACHT_BINARY check   (exit 1 if a table is stale)
#   scripts/key_reference.sh TEGENMACHT_BINARY update  (rewrite the tables)
# A table sits between '<!-- keys:MODEL:begin -->' and '<!-- keys:MODEL:end -->'.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1 mode=${2:-check}
status=0
for readme in models/*/README.md; do
  for model in $(grep -o '<!-- keys:[a-z_]*:begin -->' "$readme" | sed 's/<!-- keys:\(.*\):begin -->/\1/'); do
    table=$("$bin" info --keys "$model" | grep -v -E '^\| `(model|description|seed|steps|replicates|output\.)|^List items|^$')
    current=$(sed -n "/<!-- keys:$model:begin -->/,/<!-- keys:$model:end -->/p" "$readme" | sed '1d;$d')
    if [ "$table" != "$current" ]; then
      if [ "$mode" = update ]; then
        awk -v model="$model" -v table="$table" '
          $0 == "<!-- keys:" model ":begin -->" {print; print table; skip=1; next}
          $0 == "<!-- keys:" model ":end -->" {skip=0}
          !skip {print}' "$readme" > "$readme.tmp" && mv "$readme.tmp" "$readme"
        echo "updated the $model table in $readme"
      else
        echo "$readme: the parameter table of '$model' differs from the schema; run scripts/key_reference.sh $bin update"
        status=1
      fi
    fi
  done
done
exit $status
