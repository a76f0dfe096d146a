# bench/perf-summary.awk: inclusive CPU profile from `perf script` output
# (perf record -g of one backend), for bench/run's profile phase.
#
#   perf script -i perf.data | awk -v syms=FILE -f perf-summary.awk
#
# FILE is `nm -n --defined-only pg_bpm.so` reduced to "address name" lines
# of text symbols: pg_bpm's frames are resolved through it, because perf
# cannot resolve them itself when the installed pg_bpm.so was replaced
# after the server loaded it (it then reports "pg_bpm.so (deleted)").
# Prints, for the engine's functions and for a few PostgreSQL functions,
# the share of the samples whose call chain contains them.

function hex(s,   i, v) {
    v = 0
    s = tolower(s)
    sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}

# binary search: the symbol at or below address a
function bpm_sym(a,   lo, hi, mid) {
    lo = 1; hi = nsyms
    if (nsyms == 0 || a < addr[1]) return ""
    while (lo < hi) {
        mid = int((lo + hi + 1) / 2)
        if (addr[mid] <= a) lo = mid; else hi = mid - 1
    }
    return name[lo]
}

function flush(   f) {
    if (!insample) return
    total++
    for (f in seen) count[f]++
    delete seen
    insample = 0
}

BEGIN {
    while ((getline line < syms) > 0) {
        split(line, p, " ")
        nsyms++
        addr[nsyms] = hex(p[1]); name[nsyms] = p[2]
    }
    # PostgreSQL functions worth showing (inclusive)
    split("PostgresMain PortalRun exec_execute_message SPI_execute_plan SPI_execute_with_args " \
          "standard_ExecutorStart standard_ExecutorRun standard_ExecutorFinish standard_ExecutorEnd " \
          "ExecInitNode ExecInitModifyTable ExecConstraints ExecInsertIndexTuples AfterTriggerEndQuery " \
          "CommitTransactionCommand XLogFlush XLogInsert fdatasync GetCachedPlan " \
          "pg_cryptohash_final pg_cryptohash_update JsonbToCString pq_getbyte secure_read " \
          "pq_flush secure_write heap_insert heap_update index_getnext_tid LockAcquireExtended " \
          "stringToNode", pg, " ")
    for (i in pg) wanted[pg[i]] = 1
}

/^[^ \t]/ { flush(); insample = 1; next }
/^$/ { flush(); next }
{
    # "  <addr> <sym>+0x.. (<dso>)"
    sym = $2
    if ($0 ~ /\/pg_bpm\.so/) {
        sym = bpm_sym(hex($1))
        if (sym != "") seen["bpm:" sym] = 1
        seen["bpm:(any pg_bpm function)"] = 1
        next
    }
    sub(/\+0x[0-9a-f]+$/, "", sym)
    if (sym in wanted) seen["pg:" sym] = 1
}

END {
    flush()
    if (total == 0) { print "no samples"; exit }
    printf "%d samples. Share of samples whose call chain contains the function (inclusive):\n\n", total
    printf "pg_bpm functions (>= 0.5%%):\n"
    n = 0
    for (f in count) if (f ~ /^bpm:/ && 100 * count[f] / total >= 0.5) { k[++n] = f }
    sortk(n)
    for (i = 1; i <= n; i++) printf "  %6.1f%%  %s\n", 100 * count[k[i]] / total, substr(k[i], 5)
    printf "\nPostgreSQL functions:\n"
    n = 0
    for (f in count) if (f ~ /^pg:/) { k[++n] = f }
    sortk(n)
    for (i = 1; i <= n; i++) printf "  %6.1f%%  %s\n", 100 * count[k[i]] / total, substr(k[i], 4)
}

# insertion sort of k[1..n] by count, descending
function sortk(n,   i, j, t) {
    for (i = 2; i <= n; i++) {
        t = k[i]
        for (j = i - 1; j >= 1 && count[k[j]] < count[t]; j--) k[j + 1] = k[j]
        k[j + 1] = t
    }
}
