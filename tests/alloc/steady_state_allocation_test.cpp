// A forward + backward step at an unchanged batch size allocates nothing after the first.
// This test executable replaces the global operator new to count calls, so it lives in its own area.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "staticgrad/staticgrad.hpp"
#include "../layers/test_data.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}

void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  ++allocations;
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace sg;

BOOST_AUTO_TEST_SUITE(allocations_per_step)

BOOST_AUTO_TEST_CASE(zero_after_the_first_step_at_a_batch_size) {
  auto model = make_model<float>(sequential<50>(Dense<50, 40>{}, BatchNorm<40>{}, ReLU{}, Dropout{.keep_prob = 0.8},
                                                Dense<40, 10>{}, SoftmaxCrossEntropy{}), 1);
  model.set_l2(0.01);
  const auto x = test::normal_matrix<float>(50, 64, 2);
  const auto y = test::one_hot_matrix<float>(10, 64, 3);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.forward();
  model.backward();
  const std::size_t before = allocations.load();
  for (int step = 1; step <= 5; ++step) {
    model.set_step(step);
    model.forward();
    model.backward();
  }
  BOOST_TEST(allocations.load() - before == 0u);
  // A smaller last batch fits the planned buffers too.
  model.bind<"x">(x.view().columns(0, 10));
  model.bind<"y">(y.view().columns(0, 10));
  const std::size_t before_small = allocations.load();
  model.forward();
  model.backward();
  BOOST_TEST(allocations.load() - before_small == 0u);
}

// A convolutional network: convolution (its per-thread im2col buffers and dW chunks), batch norm over
// channels, max and average pooling, flatten, a deduced dense layer.
BOOST_AUTO_TEST_CASE(zero_after_the_first_step_for_a_convolutional_network) {
  auto model = make_model<float>(
      sequential<Image<2, 12, 12>>(Conv2D<8, 3, ConvOptions{.pad = 1}>{}, BatchNorm2D{}, ReLU{}, MaxPool2D<2>{},
                                   Conv2D<8, 3, ConvOptions{.stride = 2, .bias = false}>{}, ReLU{},
                                   AvgPool2D<2, PoolOptions{.stride = 1}>{}, Flatten{}, Dropout{.keep_prob = 0.8},
                                   Dense<deduced, 10>{}, SoftmaxCrossEntropy{}),
      1);
  const auto x = test::normal_matrix<float>(2 * 12 * 12, 48, 4);
  const auto y = test::one_hot_matrix<float>(10, 48, 5);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.forward();
  model.backward();
  const std::size_t before = allocations.load();
  for (int step = 1; step <= 5; ++step) {
    model.set_step(step);
    model.forward();
    model.backward();
  }
  BOOST_TEST(allocations.load() - before == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
