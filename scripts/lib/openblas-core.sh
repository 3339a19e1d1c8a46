# scripts/lib/openblas-core.sh - sourced by scripts/demo, scripts/test and scripts/bench.
#
# Debian 12's OpenBLAS (0.3.21, DYNAMIC_ARCH) does not recognise some newer Intel Xeons with AVX-512 and
# falls back to its Prescott (SSE3) kernels: on such a machine sgemm ran about 5x slower and a CNN
# training step 2-5x slower (measured 274 against 1,457 samples/s). OpenBLAS reads OPENBLAS_CORETYPE
# when it is loaded, before any staticgrad code runs, so the choice is made here, for the programs these
# scripts start: SkylakeX kernels where the CPU has AVX-512, and nothing where a setting is already
# there (the user's, or this machine's own) or the CPU lacks AVX-512 (OpenBLAS detects those itself).
# sg::blas_name() prints the core that runs.
if [[ -z "${OPENBLAS_CORETYPE+x}" ]] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
