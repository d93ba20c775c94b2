#!/usr/bin/env bash
# Copyright (c) mnemo authors.
#
# engine_schema_owner_test: RecordTable (engine/src/record_table*) is the
# only code that names a RocksDB column family handle, opens an iterator
# or reaches for the store's handles. Everything else asks the table for
# named reads and mutations, so a change of key layout (format 2) stays
# inside the layer. Fails listing each offending file:line.
#
# Usage: schema_owner_test.sh SOURCE_ROOT

set -u
root=${1:?usage: schema_owner_test.sh SOURCE_ROOT}
cd "$root" || { echo "schema_owner_test: cannot enter $root" >&2; exit 2; }

# What only the layer may write: the handle type; the store's old handle
# accessors (db(), family(kX), cf(kX)) and handle vector; raw iterators.
pattern='ColumnFamilyHandle|(^|[^A-Za-z0-9_])(family|cf)\(k[A-Z][A-Za-z]*\)|(->|\.)(db|families|handles)\(\)|handles_\[|NewIterators?\('

# Allowed, with the reason:
#   engine/src/record_table*   the layer itself
#   engine/src/rocks_glue.*    opens nothing itself, defines the families,
#                              filters and merge operators the table opens with
#   engine/src/rocks_iter.*    the one iterator wrapper (TSAN copies, .ci/run);
#                              it takes the handle from its caller, holds none
#   bench/mnemo_bench_store.cc, bench/store_bench.cc: the raw RocksDB peer the
#                              benchmarks compare against, a database of their
#                              own, not the store's
allowed='^(engine/src/record_table[A-Za-z0-9_]*\.(h|cc)|engine/src/rocks_glue\.(h|cc)|engine/src/rocks_iter\.(h|cc)|bench/mnemo_bench_store\.cc|bench/store_bench\.cc):'

dirs=()
for d in engine/src engine/include engine/base tools python bench gpu codec; do
  [ -d "$d" ] && dirs+=("$d")
done
if [ ${#dirs[@]} -eq 0 ] || [ ! -f engine/src/record_table.h ]; then
  echo "schema_owner_test: $root does not look like the mnemo source tree" >&2
  exit 2
fi

hits=$(grep -rnE --include='*.h' --include='*.cc' --include='*.cpp' \
         --include='*.hpp' --include='*.py' --include='*.pyx' \
         "$pattern" "${dirs[@]}" | grep -vE "$allowed")
checked=$(grep -rlE --include='*.h' --include='*.cc' 'ColumnFamilyHandle' \
            engine/src | grep -c '^engine/src/record_table')
if [ "$checked" -eq 0 ]; then
  # The pattern itself must still match the layer, or the test proves nothing.
  echo "schema_owner_test: the pattern matches no record_table file" >&2
  exit 1
fi
if [ -n "$hits" ]; then
  echo "Only engine/src/record_table* may name a column family handle or open"
  echo "an iterator (ask RecordTable for a named read or mutation instead):"
  echo "$hits"
  exit 1
fi
echo "schema_owner_test: only the record table names column family handles" \
     "(${dirs[*]} checked)"
