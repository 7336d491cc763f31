#!/usr/bin/env bash
# Short, bounded runs of every fuzz target (libFuzzer through cargo-fuzz), seeded from the
# repository's testdata/ and the shared analyzer corpus. Usage: protocols/fuzz/run.sh [SECONDS]
# With FUZZ_RUNS=N set, each target runs exactly N inputs from libFuzzer seed 1 instead of for a
# time: the same inputs on every machine, so a CI run is reproducible (what .ci/run does).
# A crash makes cargo-fuzz exit non-zero; its input is kept under artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-20}

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked --version 0.13.2
fi
# cargo-fuzz needs nightly flags; the machine has one stable toolchain.
export RUSTC_BOOTSTRAP=1

seeds_for() {
    case "$1" in
        astm_*) echo "../../testdata/astm ../../../shared/corpus/astm" ;;
        hl7_* | mllp*) echo "../../testdata/hl7 ../../../shared/corpus/hl7" ;;
        dimension) echo "../../../shared/corpus/astm/siemens-dimension" ;;
        sysmex_text) echo "../../../shared/corpus/astm/sysmex-xs500i" ;;
        vendor_advia) echo "../../testdata/vendor/siemens-advia2120 ../../../shared/corpus/astm/siemens-advia2120" ;;
        vendor_vidas) echo "../../../shared/corpus/astm/biomerieux-mini-vidas" ;;
        vendor_spotchem) echo "../../../shared/corpus/astm/arkray-spotchem-el" ;;
        vendor_graph) echo "../../../shared/corpus/astm/horiba-yumizen-h500 ../../../shared/corpus/astm/horiba-yumizen-h550 ../../../shared/corpus/hl7/mindray-bc5380" ;;
        vendor_urine_strip) echo "../../testdata/corpus/biomaxima-urine" ;;
        *) echo "" ;;
    esac
}

for target in $(cargo fuzz list --fuzz-dir .); do
    mkdir -p "corpus/$target"
    # Seed directories that exist; libFuzzer reads every file in them (recursively flattened here).
    seed_dir="corpus/$target-seeds"
    rm -rf "$seed_dir" && mkdir -p "$seed_dir"
    for dir in $(seeds_for "$target"); do
        [ -d "$dir" ] && find "$dir" -type f ! -name '*.md' -size -200k -exec cp -t "$seed_dir" {} + || true
    done
    if [ -n "${FUZZ_RUNS:-}" ]; then
        echo "== fuzz $target: $FUZZ_RUNS inputs from seed 1"
        budget=(-runs="$FUZZ_RUNS" -seed=1)
    else
        echo "== fuzz $target for ${seconds}s"
        budget=(-max_total_time="$seconds")
    fi
    cargo fuzz run --fuzz-dir . "$target" "corpus/$target" "$seed_dir" -- \
        "${budget[@]}" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1
done
