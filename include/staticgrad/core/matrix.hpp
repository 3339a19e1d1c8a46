// staticgrad/core/matrix.hpp - run-time sized, column-major, 64-byte aligned matrices and views.
//
// Layout follows the course: a data set or an activation is `features x samples`, one column per sample,
// stored column-major so that a sample (a column) is contiguous. Element (i, j) lives at data[i + j * rows].
// `Matrix<T>` owns its storage; `MatrixView<T>` (and `MatrixView<const T>`) refer to storage they do not
// own and never allocate. The static-extent `Tensor` (tensor.hpp) is built on these.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "staticgrad/core/parallel.hpp"

namespace sg {

inline constexpr std::size_t storage_alignment = 64;

// MatrixView: a non-owning rows x cols column-major window. Contract: data points to at least rows*cols
// elements (or is null when rows*cols == 0); copying a view copies the pointer, not the elements.
template <class T>
struct MatrixView {
  T* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;

  constexpr MatrixView() = default;
  constexpr MatrixView(T* d, std::size_t r, std::size_t c) : data(d), rows(r), cols(c) {}
  // A view of T converts to a view of const T.
  template <class U>
    requires(std::is_same_v<const U, T> && !std::is_same_v<U, T>)
  constexpr MatrixView(MatrixView<U> other) : data(other.data), rows(other.rows), cols(other.cols) {}

  constexpr std::size_t size() const { return rows * cols; }
  constexpr T& operator()(std::size_t i, std::size_t j) const { return data[i + j * rows]; }
  constexpr T* column(std::size_t j) const { return data + j * rows; }
  // Columns [first, first + count) as a view: a mini-batch slice without copying.
  constexpr MatrixView columns(std::size_t first, std::size_t count) const {
    return {data + first * rows, rows, count};
  }
};

// Matrix: an owning, aligned, column-major matrix. Resizing to a size that fits the capacity does not
// allocate, which is what lets a model plan its buffers once and reuse them at every step.
template <class T>
class Matrix {
 public:
  using value_type = T;
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) { resize(rows, cols); fill(T{}); }
  Matrix(const Matrix& o) { *this = o; }
  Matrix(Matrix&& o) noexcept { swap(o); }
  Matrix& operator=(const Matrix& o) {
    if (this != &o) {
      resize(o.rows_, o.cols_);
      if (o.size()) std::memcpy(data_, o.data_, o.size() * sizeof(T));
    }
    return *this;
  }
  Matrix& operator=(Matrix&& o) noexcept { swap(o); return *this; }
  ~Matrix() { release(); }

  void swap(Matrix& o) noexcept {
    std::swap(data_, o.data_); std::swap(rows_, o.rows_); std::swap(cols_, o.cols_);
    std::swap(capacity_, o.capacity_);
  }

  // Contents are unspecified after a resize that grows; existing elements are not preserved.
  void resize(std::size_t rows, std::size_t cols) {
    const std::size_t n = rows * cols;
    if (n > capacity_) {
      release();
      const std::size_t bytes = ((n * sizeof(T) + storage_alignment - 1) / storage_alignment) * storage_alignment;
      data_ = static_cast<T*>(::operator new(bytes, std::align_val_t{storage_alignment}));
      capacity_ = n;
    }
    rows_ = rows;
    cols_ = cols;
  }
  // Every element set to v; a large matrix (an adjoint zeroed before each backward pass) by all threads.
  void fill(T v) {
    T* d = data_;
    parallel::for_each_range(size(), [d, v](std::size_t first, std::size_t last) {
      for (std::size_t k = first; k < last; ++k) d[k] = v;
    });
  }

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return rows_ * cols_; }
  std::size_t capacity() const { return capacity_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator()(std::size_t i, std::size_t j) { return data_[i + j * rows_]; }
  const T& operator()(std::size_t i, std::size_t j) const { return data_[i + j * rows_]; }
  T& operator[](std::size_t k) { return data_[k]; }
  const T& operator[](std::size_t k) const { return data_[k]; }

  MatrixView<T> view() { return {data_, rows_, cols_}; }
  MatrixView<const T> view() const { return {data_, rows_, cols_}; }
  operator MatrixView<T>() { return view(); }
  operator MatrixView<const T>() const { return view(); }

 private:
  void release() {
    if (data_) ::operator delete(data_, std::align_val_t{storage_alignment});
    data_ = nullptr;
    capacity_ = 0;
  }
  T* data_ = nullptr;
  std::size_t rows_ = 0, cols_ = 0, capacity_ = 0;
};

}  // namespace sg
