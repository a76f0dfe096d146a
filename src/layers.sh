#!/usr/bin/env bash
#
# src/layers.sh — measure which folders of src/ call which (src/README.md).
#
#   bash src/layers.sh          includes between folders, from the sources
#   make && bash src/layers.sh  the same, plus the symbols each folder's
#                               objects take from another folder's
#
# LAYERS is the order src/README.md draws, bottom first: a folder may call
# the folders before it. An edge to a later folder is a call up, marked
# "UP" with the files (or symbols) behind it; the circles are the groups of
# folders that reach each other.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

LAYERS="util expr time security audit definition process case task job worker"

# "a b what" lines: folder a uses folder b through what
include_edges() {
    local f a b
    for f in */*.[ch]; do
        a=${f%%/*}
        for b in $(sed -n 's|^#include "\([a-z_]*\)/[a-z_]*\.h".*|\1|p' "$f"); do
            if [[ $a != "$b" && " $LAYERS " == *" $b "* ]]; then echo "$a $b $f"; fi
        done
    done
}

symbol_edges() {
    # only the objects of sources that exist (a moved file leaves its old .o)
    local objects=() c
    for c in */*.c; do [[ -e ${c%.c}.o ]] && objects+=("${c%.c}.o"); done
    ((${#objects[@]})) || return 0
    nm -A --defined-only "${objects[@]}" | awk '$2 ~ /^[TDBR]$/ { split($1, p, "/"); print "def", p[1], $3 }'
    nm -A --undefined-only "${objects[@]}" | awk '{ split($1, p, "/"); print "use", p[1], $NF }'
}

# Print edges grouped by pair, marking calls up, then the circles.
report() {
    awk -v layers="$LAYERS" '
        # a shortest path from a to b over the edges, "a -> ... -> b", or ""
        function back(a, b,    queue, head, tail, seen, prev, x, i, path) {
            queue[tail = 1] = a; seen[a] = 1
            for (head = 1; head <= tail; head++) {
                x = queue[head]
                if (x == b) break
                for (i = 1; i <= np; i++)
                    if (from[i] == x && !(to[i] in seen)) { seen[to[i]] = 1; prev[to[i]] = x; queue[++tail] = to[i] }
            }
            if (!(b in seen)) return ""
            for (path = b; b != a; path = b " -> " path) b = prev[b]
            return path
        }
        BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
        { key = $1 " -> " $2; if (!(key in what)) { pairs[++np] = key; from[np] = $1; to[np] = $2 }
          if (index(" " what[key] " ", " " $3 " ") == 0) what[key] = what[key] " " $3
          reach[$1, $2] = 1 }
        END {
            for (i = 1; i <= np; i++) {
                up = rank[to[i]] > rank[from[i]]
                printf "  %s%-24s%s\n", up ? "UP " : "   ", pairs[i], up ? what[pairs[i]] : ""
            }
            # each call up that a path down leads back from closes a circle
            for (i = 1; i <= np; i++) {
                if (rank[to[i]] <= rank[from[i]]) continue
                path = back(to[i], from[i])
                if (path != "") print "  circle: " from[i] " -> " path
            }
        }'
}

echo "includes (folder -> folder whose header it includes):"
include_edges | sort -u | report
if compgen -G "*/*.o" >/dev/null; then
    echo "symbols (folder -> folder that defines a symbol its objects use):"
    symbol_edges | awk '$1 == "def" { def[$3] = $2; next }
                        ($3 in def) && def[$3] != $2 { print $2, def[$3], $3 }' | sort -u | report
fi
