// staticgrad/distributed/context.hpp - the processes of a data-parallel job, and what they exchange.
//
// `sg::distributed::Context` is this process's place in the job: rank() in [0, size()), rank 0 being
// the root, which alone prints progress and writes checkpoints and plots. It is either
//   - local (the default constructor, or `use_mpi` false, or a build without MPI): rank 0 of 1, and
//     every collective below is a copy or nothing, so the same program runs with or without MPI; or
//   - an MPI job: the constructor calls MPI_Init_thread (FUNNELED: only the main thread calls MPI,
//     OpenMP threads never do) unless MPI is already initialised, in which case it wraps that, and
//     the destructor calls MPI_Finalize only if this object initialised MPI.
// At most one Context that uses MPI may exist in a process, and MPI cannot be initialised twice, so make
// it at the top of main:
//
//   int main(int argc, char** argv) {
//     sg::distributed::Context ctx(argc, argv, /*use_mpi=*/wants_distributed);
//
// Faults. In a job of several ranks, a rank that fails must not leave the others waiting in a
// collective forever. abort() prints `staticgrad: rank R of P failed: <what>; aborting the job` on
// stderr and calls MPI_Abort, which ends every rank with a non-zero exit status. The constructor also
// installs a std::terminate handler that does the same for an uncaught exception, and the destructor
// aborts instead of finalising when it runs during stack unwinding (finalising would wait for ranks
// that are blocked in a collective). distributed::run_or_abort (distributed/fit.hpp) wraps any code,
// data loading included, with that rule and the exception's own message.
//
// Collectives take spans of float, double or std::uint64_t; counts are element counts and must fit in
// an int (MPI's count type), which the functions check. All ranks must call the same collectives in the
// same order with matching sizes, as in MPI itself; a started (nonblocking) collective counts where it
// is started.
//
// Nonblocking collectives (start_allgather, start_allreduce_sum) return at once with a Request; the
// buffers (and the counts and displacements) must stay untouched until wait() or a test() that returns
// true. MPI makes progress on them only inside MPI calls of this process, so a caller that computes
// meanwhile calls test() now and then (distributed/data_parallel.hpp does between the nodes of a
// backward pass). A local context completes them when they start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

namespace sg::distributed {

// Whether this staticgrad was built with MPI (CMake option STATICGRAD_WITH_MPI).
bool built_with_mpi();

namespace detail {
enum class element : int { f32, f64, u64 };
template <class T>
constexpr element element_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::uint64_t>,
                "sg::distributed: collectives exchange float, double or std::uint64_t");
  if constexpr (std::is_same_v<T, float>)
    return element::f32;
  else if constexpr (std::is_same_v<T, double>)
    return element::f64;
  else
    return element::u64;
}
}  // namespace detail

// A started collective (see the file comment). Default: none, complete.
class Request {
 public:
  Request() = default;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;
  // Whether it was started and has not completed yet (as far as the last test() knew).
  bool pending() const { return pending_; }

 private:
  friend class Context;
  alignas(8) unsigned char handle_[16] = {};  // the MPI_Request
  bool pending_ = false;
};

class Context {
 public:
  // Local: rank 0 of 1, no MPI.
  Context() = default;
  // Joins the MPI job when `use_mpi` (and the library has MPI); local otherwise. Built without MPI but
  // started by mpirun as one of several ranks, it throws sg::error rather than let every rank believe
  // it is alone (they would all train the whole data set and write the same checkpoint).
  Context(int& argc, char**& argv, bool use_mpi = true);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  // Whether collectives go through MPI (false: local, even if MPI is built in).
  bool uses_mpi() const { return uses_mpi_; }

  // `data` on every rank becomes `data` of rank `root`.
  template <class T>
  void broadcast(std::span<T> data, int root = 0) const {
    broadcast_raw(data.data(), data.size(), detail::element_of<T>(), root);
  }
  // `data` on every rank becomes the element-wise sum over ranks, in MPI's (unspecified) order.
  template <class T>
  void allreduce_sum(std::span<T> data) const {
    allreduce_raw(data.data(), data.size(), detail::element_of<T>(), false);
  }
  // Element-wise maximum over ranks.
  template <class T>
  void allreduce_max(std::span<T> data) const {
    allreduce_raw(data.data(), data.size(), detail::element_of<T>(), true);
  }
  // Rank r sends counts[r] elements; on rank `root`, `received` (of sum(counts) elements) holds them in
  // rank order. `received` is not used on the other ranks.
  template <class T>
  void gather(std::span<const T> send, std::span<T> received, std::span<const int> counts,
              int root = 0) const {
    gather_raw(send.data(), send.size(), received.data(), received.size(), counts, detail::element_of<T>(),
               root, false);
  }
  // As gather, but every rank receives.
  template <class T>
  void allgather(std::span<const T> send, std::span<T> received, std::span<const int> counts) const {
    gather_raw(send.data(), send.size(), received.data(), received.size(), counts, detail::element_of<T>(), 0,
               true);
  }
  void barrier() const;

  // Nonblocking allgather: as allgather, into `received` at `displacements` (element offsets, one per
  // rank). `request` must not be pending.
  template <class T>
  void start_allgather(std::span<const T> send, std::span<T> received, std::span<const int> counts,
                       std::span<const int> displacements, Request& request) const {
    start_allgather_raw(send.data(), send.size(), received.data(), received.size(), counts, displacements,
                        detail::element_of<T>(), request);
  }
  // Nonblocking allreduce_sum, in place.
  template <class T>
  void start_allreduce_sum(std::span<T> data, Request& request) const {
    start_allreduce_raw(data.data(), data.size(), detail::element_of<T>(), request);
  }
  // Whether `request` has completed (lets MPI progress); true for one that is not pending.
  bool test(Request& request) const;
  // Returns when `request` has completed.
  void wait(Request& request) const;

  // Prints `staticgrad: rank R of P failed: <what>; aborting the job` on stderr and ends the whole job
  // (MPI_Abort with status 1; a local context exits with status 1).
  [[noreturn]] void abort(std::string_view what) const;

 private:
  void broadcast_raw(void* data, std::size_t count, detail::element type, int root) const;
  void allreduce_raw(void* data, std::size_t count, detail::element type, bool max) const;
  void gather_raw(const void* send, std::size_t send_count, void* received, std::size_t received_count,
                  std::span<const int> counts, detail::element type, int root, bool all) const;
  void start_allgather_raw(const void* send, std::size_t send_count, void* received,
                           std::size_t received_count, std::span<const int> counts,
                           std::span<const int> displacements, detail::element type, Request& request) const;
  void start_allreduce_raw(void* data, std::size_t count, detail::element type, Request& request) const;

  int rank_ = 0;
  int size_ = 1;
  bool uses_mpi_ = false;
  bool owns_mpi_ = false;  // this object called MPI_Init, so it calls MPI_Finalize
};

}  // namespace sg::distributed
