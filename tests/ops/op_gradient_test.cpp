// Every primitive and composite op passes the course's two-sided gradient check in double (< 1e-7).
#include <boost/test/unit_test.hpp>

#include "staticgrad/graph/gradient_check.hpp"
#include "staticgrad/ops/all.hpp"

using namespace sg;

namespace {
using M = Shape<4, batch>;  // a 4 x m activation
using Col = Shape<4, 1>;    // a bias-like column
using Row = Shape<1, batch>;
using Scalar = Shape<1, 1>;

void require_passes(const GradientCheckResult& r, const char* what) {
  BOOST_TEST_INFO(what << ": relative difference " << r.relative_difference << ", worst at " << r.worst_parameter
                       << "[" << r.worst_index << "] numeric " << r.worst_numeric << " analytic "
                       << r.worst_analytic);
  BOOST_TEST(r.checked > 0u);
  BOOST_TEST(r.relative_difference < 1e-7);
}
constexpr CheckPoint positive{.seed = 7, .low = 0.5, .high = 2.0};
}  // namespace

BOOST_AUTO_TEST_SUITE(op_gradients)

BOOST_AUTO_TEST_CASE(unary_primitives) {
  require_passes(check_expression_gradient<M>([](auto a) { return exp(a); }), "exp");
  require_passes(check_expression_gradient<M>([](auto a) { return log(a); }, positive), "log");
  require_passes(check_expression_gradient<M>([](auto a) { return tanh(a); }), "tanh");
  require_passes(check_expression_gradient<M>([](auto a) { return negate(a); }), "negate");
  require_passes(check_expression_gradient<M>([](auto a) { return square(a); }), "square");
  require_passes(check_expression_gradient<M>([](auto a) { return sqrt(a); }, positive), "sqrt");
  require_passes(check_expression_gradient<M>([](auto a) { return reciprocal(a); }, positive), "reciprocal");
  require_passes(check_expression_gradient<M>([](auto a) { return abs(a); }), "abs");
  require_passes(check_expression_gradient<M>([](auto a) { return identity(a); }), "identity");
  require_passes(check_expression_gradient<M>([](auto a) { return scale(a, -2.5); }), "scale");
  require_passes(check_expression_gradient<M>([](auto a) { return add_scalar(a, 3.0); }), "add_scalar");
  require_passes(check_expression_gradient<M>([](auto a) { return max_scalar(a, 0.3); }), "max_scalar");
}

BOOST_AUTO_TEST_CASE(binary_primitives_with_broadcasting) {
  auto all_broadcasts = [](auto op, const char* name, CheckPoint at = {}) {
    require_passes(check_expression_gradient<M, M>(op, at), name);
    require_passes(check_expression_gradient<M, Col>(op, at), name);
    require_passes(check_expression_gradient<Col, M>(op, at), name);
    require_passes(check_expression_gradient<M, Row>(op, at), name);
    require_passes(check_expression_gradient<M, Scalar>(op, at), name);
  };
  all_broadcasts([](auto a, auto b) { return add(a, b); }, "add");
  all_broadcasts([](auto a, auto b) { return subtract(a, b); }, "subtract");
  all_broadcasts([](auto a, auto b) { return multiply(a, b); }, "multiply");
  all_broadcasts([](auto a, auto b) { return divide(a, b); }, "divide", positive);
  all_broadcasts([](auto a, auto b) { return maximum(a, b); }, "maximum");
}

BOOST_AUTO_TEST_CASE(matrix_products_all_transposes) {
  require_passes(check_expression_gradient<Shape<3, 5>, Shape<5, batch>>([](auto a, auto b) { return matmul(a, b); }),
                 "matmul");
  require_passes(check_expression_gradient<Shape<5, 3>, Shape<5, batch>>([](auto a, auto b) { return matmul_tn(a, b); }),
                 "matmul_tn");
  require_passes(check_expression_gradient<Shape<3, 5>, Shape<4, 5>>([](auto a, auto b) { return matmul_nt(a, b); }),
                 "matmul_nt");
  require_passes(check_expression_gradient<Shape<5, 3>, Shape<4, 5>>([](auto a, auto b) { return matmul_tt(a, b); }),
                 "matmul_tt");
}

BOOST_AUTO_TEST_CASE(reductions) {
  require_passes(check_expression_gradient<M>([](auto a) { return sum_rows(a); }), "sum_rows");
  require_passes(check_expression_gradient<M>([](auto a) { return sum_cols(a); }), "sum_cols");
  require_passes(check_expression_gradient<M>([](auto a) { return sum_all(a); }), "sum_all");
  require_passes(check_expression_gradient<M>([](auto a) { return mean_rows(a); }), "mean_rows");
  require_passes(check_expression_gradient<M>([](auto a) { return mean_cols(a); }), "mean_cols");
  require_passes(check_expression_gradient<M>([](auto a) { return mean_all(a); }), "mean_all");
  require_passes(check_expression_gradient<M>([](auto a) { return max_rows(a); }), "max_rows");
}

BOOST_AUTO_TEST_CASE(composites) {
  require_passes(check_expression_gradient<M>([](auto z) { return sigmoid(z); }), "sigmoid");
  require_passes(check_expression_gradient<M>([](auto z) { return relu(z); }), "relu");
  require_passes(check_expression_gradient<M>([](auto z) { return leaky_relu(z); }), "leaky_relu");
  require_passes(check_expression_gradient<M>([](auto z) { return leaky_relu(z, 0.2); }), "leaky_relu 0.2");
  require_passes(check_expression_gradient<M>([](auto z) { return softmax(z); }), "softmax");
  require_passes(check_expression_gradient<M>([](auto z) { return log_softmax(z); }), "log_softmax");
  require_passes(check_expression_gradient<M, M>([](auto z, auto y) { return binary_cross_entropy_with_logits(z, y); }),
                 "binary_cross_entropy_with_logits");
  require_passes(check_expression_gradient<M, M>([](auto z, auto y) { return softmax_cross_entropy(z, y); }),
                 "softmax_cross_entropy");
  require_passes(check_expression_gradient<Shape<3, 4>>([](auto w) { return frobenius_norm_squared(w); }),
                 "frobenius_norm_squared");
}

BOOST_AUTO_TEST_CASE(masks_pass_no_gradient) {
  auto r = check_expression_gradient<M>([](auto a) { return a * greater_equal(a, 0.0); });  // ReLU as z * mask
  require_passes(r, "z * (z >= 0)");
  auto s = check_expression_gradient<M>([](auto a) { return a * stop_gradient(a); });
  BOOST_TEST(s.relative_difference > 0.1);  // d(a*a)/da = 2a, but stop_gradient makes backprop give a
}

BOOST_AUTO_TEST_SUITE_END()
