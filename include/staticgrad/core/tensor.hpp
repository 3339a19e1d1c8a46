// staticgrad/core/tensor.hpp - a matrix whose feature extents are part of its type.
//
// `Tensor<T, Rows, Cols>` owns aligned column-major storage. `Rows` is always a compile-time extent;
// `Cols` is a compile-time extent or `sg::batch`, in which case the number of columns (samples) is given
// at run time. Assigning or binding a run-time matrix checks the extents and throws sg::shape_error with
// the same wording as the compile-time checks.
#pragma once

#include <cstddef>
#include <string_view>

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/core/shape.hpp"
#include "staticgrad/core/shape_check.hpp"

namespace sg {

template <class T, std::size_t Rows, std::size_t Cols>
class Tensor {
 public:
  using value_type = T;
  using shape = Shape<Rows, Cols>;
  static constexpr std::size_t static_rows = Rows;
  static constexpr std::size_t static_cols = Cols;

  Tensor() requires(Cols != batch) : storage_(Rows, Cols) {}
  explicit Tensor(std::size_t m) : storage_(Rows, resolve(Cols, m)) {
    if constexpr (Cols != batch) check::cols_extent("sg::Tensor", Cols, m);
  }

  static constexpr std::size_t rows() { return Rows; }
  std::size_t cols() const { return storage_.cols(); }
  std::size_t size() const { return storage_.size(); }
  T* data() { return storage_.data(); }
  const T* data() const { return storage_.data(); }
  T& operator()(std::size_t i, std::size_t j) { return storage_(i, j); }
  const T& operator()(std::size_t i, std::size_t j) const { return storage_(i, j); }
  MatrixView<T> view() { return storage_.view(); }
  MatrixView<const T> view() const { return storage_.view(); }
  operator MatrixView<T>() { return view(); }
  operator MatrixView<const T>() const { return view(); }
  Matrix<T>& matrix() { return storage_; }
  const Matrix<T>& matrix() const { return storage_; }

  // Resize the batch extent (no allocation when it fits the capacity).
  void resize_batch(std::size_t m) requires(Cols == batch) { storage_.resize(Rows, m); }

 private:
  Matrix<T> storage_;
};

// Check that a run-time view has `Rows` rows (and `Cols` columns when fixed); `what` names it in errors.
template <std::size_t Rows, std::size_t Cols, class T>
void check_extents(std::string_view what, MatrixView<T> v) {
  check::rows_extent(what, Rows, v.rows);
  if constexpr (Cols != batch) check::cols_extent(what, Cols, v.cols);
}

}  // namespace sg
