#!/usr/bin/env bash
# bench/compile_time/run.sh [layers...] - what a staticgrad network costs the compiler.
#
# For each layer count L (default 10 50 100 200 400 800) it generates a translation unit declaring a
# chain of L Dense<32, 32> layers with a ReLU after each (2L + 3 nodes: input, layers, logits, loss),
# instantiating sg::Model<float>, one forward, one backward and one Adam step, and compiles it with
# `$CXX -std=c++20 -O2 -fopenmp -c` (CXX defaults to g++; CXX=clang++-16 for clang) under
# /usr/bin/time -v, printing wall seconds, user seconds and peak memory (maximum resident set). Then
# the same for the 784-256-128-10 training TU of the benchmark (the whole public header,
# staticgrad/staticgrad.hpp). Times are noisy on a shared machine: the user time is the steadier figure.
# With --repeat first, the chain is declared as sg::repeat<L>(Dense<32, 32>{}, ReLU{}) (graph/repeat.hpp):
# the same nodes under a network type that names the block once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
repeat=false
if [[ "${1:-}" == --repeat ]]; then
  repeat=true
  shift
fi
layers=("$@")
[[ ${#layers[@]} -eq 0 ]] && layers=(10 50 100 200 400 800)
cxx="${CXX:-g++}"
flags=(-std=c++20 -O2 -fopenmp -I"$root/include" -c)

measure() {  # measure <label> <source>
  /usr/bin/time -v "$cxx" "${flags[@]}" "$2" -o "$work/out.o" 2> "$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
  local wall user rss
  wall=$(sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  user=$(sed -n 's/^\s*User time (seconds): //p' "$work/time.txt")
  rss=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$work/time.txt")
  printf '%-12s %-30s wall=%6.2f s  user=%6.2f s  peak=%5d MiB\n' "$(basename "$cxx")" "$1" "$wall" "$user" $((rss / 1024))
}

for L in "${layers[@]}"; do
  src="$work/dense_$L.cpp"
  {
    echo '#include "staticgrad/graph/model.hpp"'
    echo '#include "staticgrad/graph/network.hpp"'
    echo '#include "staticgrad/layers/activations.hpp"'
    echo '#include "staticgrad/layers/dense.hpp"'
    echo '#include "staticgrad/losses/cross_entropy.hpp"'
    echo '#include "staticgrad/optim/adam.hpp"'
    echo 'int main() {'
    printf '  auto net = sg::sequential<32>('
    if [[ "$repeat" == true ]]; then
      printf 'sg::repeat<%d>(sg::Dense<32, 32>{}, sg::ReLU{}), ' "$L"
    else
      for ((k = 0; k < L; ++k)); do printf 'sg::Dense<32, 32>{}, sg::ReLU{}, '; done
    fi
    echo 'sg::Dense<32, 10>{}, sg::SoftmaxCrossEntropy{});'
    echo '  auto model = sg::make_model<float>(net, 1);'
    echo '  sg::Matrix<float> x(32, 8), y(10, 8);'
    echo '  model.bind<"x">(x.view()); model.bind<"y">(y.view());'
    echo '  model.forward(); model.backward();'
    echo '  sg::Adam<float> adam; adam.step(model.parameters(), model.gradients(), model.slices(), 1e-3f);'
    echo '  return 0;'
    echo '}'
  } > "$src"
  label="$L dense layers (+ReLU)"
  [[ "$repeat" == true ]] && label="$L dense layers, sg::repeat"
  measure "$label" "$src"
done

cat > "$work/train3.cpp" <<'CPP'
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/optim/adam.hpp"
int main() {
  auto model = sg::make_model<float>(sg::sequential<784>(sg::Dense<784, 256>{}, sg::ReLU{}, sg::Dense<256, 128>{},
                                                         sg::ReLU{}, sg::Dense<128, 10>{}, sg::SoftmaxCrossEntropy{}), 1);
  sg::Adam<float> adam;
  sg::Matrix<float> x(784, 64), y(10, 64);
  model.bind<"x">(x.view()); model.bind<"y">(y.view());
  for (int step = 0; step < 2; ++step) {
    model.forward(); model.backward();
    adam.step(model.parameters(), model.gradients(), model.slices(), 1e-3f);
  }
  return 0;
}
CPP
measure "3-layer train TU (all headers)" "$work/train3.cpp"
