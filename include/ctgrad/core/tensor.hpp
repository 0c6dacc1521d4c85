// ctgrad/core/tensor.hpp — memory: an owning, 64-byte-aligned tensor of a (possibly batch-sized)
// shape, and tensor_view, a non-owning view of rows x cols elements. Not for expressions: a tensor
// is bound to a variable (`x = t`) to be used in a graph.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <span>

#include "ctgrad/core/shape.hpp"

namespace ctgrad {

/// A non-owning view of a row-major rows x cols block (rank 0 and 1 use rows == 1).
template <class T>
struct tensor_view {
  T* data = nullptr;
  std::size_t rows = 0, cols = 0;
  constexpr std::size_t size() const noexcept { return rows * cols; }
  constexpr T& operator()(std::size_t r, std::size_t c) const noexcept { return data[r * cols + c]; }
  constexpr T& operator[](std::size_t i) const noexcept { return data[i]; }
  constexpr T* begin() const noexcept { return data; }
  constexpr T* end() const noexcept { return data + size(); }
  constexpr std::span<T> span() const noexcept { return {data, size()}; }
  /// The single value of a rank-0 result.
  constexpr T item() const noexcept { return data[0]; }
};

namespace detail {
struct aligned_delete {
  void operator()(void* p) const noexcept { ::operator delete(p, std::align_val_t{64}); }
};
template <class T> std::unique_ptr<T[], aligned_delete> aligned_alloc_array(std::size_t n) {
  void* p = ::operator new(sizeof(T) * (n ? n : 1), std::align_val_t{64});
  return std::unique_ptr<T[], aligned_delete>(static_cast<T*>(p));
}
}  // namespace detail

/// An owning tensor of Shape with elements zero-initialised and 64-byte aligned. A `dyn` extent is
/// given at construction (the batch); allocation happens only there.
template <class T, class Shape>
class tensor {
 public:
  using value_type = T;
  using shape_type = Shape;
  explicit tensor(std::size_t batch = 1)
      : rows_(shapes::rows<Shape>(batch)), cols_(shapes::cols<Shape>(batch)),
        data_(detail::aligned_alloc_array<T>(rows_ * cols_)) {
    std::memset(static_cast<void*>(data_.get()), 0, sizeof(T) * size());
  }
  tensor(const tensor& o) : tensor(o.batch_for_copy()) { std::memcpy(data(), o.data(), sizeof(T) * size()); }
  tensor& operator=(const tensor& o) {
    if (this != &o) { tensor t(o); swap(t); }
    return *this;
  }
  tensor(tensor&&) noexcept = default;
  tensor& operator=(tensor&&) noexcept = default;

  T* data() noexcept { return data_.get(); }
  const T* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return rows_ * cols_; }
  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T& operator()(std::size_t r, std::size_t c) noexcept { return data_[r * cols_ + c]; }
  const T& operator()(std::size_t r, std::size_t c) const noexcept { return data_[r * cols_ + c]; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size(); }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size(); }
  tensor_view<T> view() noexcept { return {data(), rows_, cols_}; }
  tensor_view<const T> view() const noexcept { return {data(), rows_, cols_}; }
  void swap(tensor& o) noexcept { std::swap(rows_, o.rows_); std::swap(cols_, o.cols_); data_.swap(o.data_); }

 private:
  std::size_t batch_for_copy() const noexcept {
    return Shape::rank == 2 && Shape::extents[0] == dyn ? rows_ : (Shape::rank == 1 && Shape::extents[0] == dyn ? cols_ : 1);
  }
  std::size_t rows_, cols_;
  std::unique_ptr<T[], detail::aligned_delete> data_;
};

}  // namespace ctgrad
