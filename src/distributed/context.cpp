// The compiled half of staticgrad/distributed/context.hpp: every MPI call of the library is here, behind
// STATICGRAD_HAVE_MPI, so the headers never include <mpi.h> and a build without MPI keeps the same API
// (a local context whose collectives are copies).
#include "staticgrad/distributed/context.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/core/error.hpp"

#ifdef STATICGRAD_HAVE_MPI
#include <mpi.h>
#endif

namespace sg::distributed {

bool built_with_mpi() {
#ifdef STATICGRAD_HAVE_MPI
  return true;
#else
  return false;
#endif
}

namespace {

std::size_t element_bytes(detail::element type) { return type == detail::element::f32 ? 4 : 8; }

int checked_count(std::size_t count, const char* what) {
  if (count > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw error(fmt::format("sg::distributed: {} of {} elements exceeds MPI's int count", what, count));
  return static_cast<int>(count);
}

// Where the terminate handler reports from: the MPI context of this process, if any.
int g_rank = 0, g_size = 1;
bool g_mpi_active = false;

[[noreturn]] void abort_job(int rank, int size, std::string_view what) {
  std::fprintf(stderr, "staticgrad: rank %d of %d failed: %.*s; aborting the job\n", rank, size,
               static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
#ifdef STATICGRAD_HAVE_MPI
  if (g_mpi_active) MPI_Abort(MPI_COMM_WORLD, 1);
#endif
  std::_Exit(1);
}

#ifdef STATICGRAD_HAVE_MPI
MPI_Datatype mpi_type(detail::element type) {
  switch (type) {
    case detail::element::f32:
      return MPI_FLOAT;
    case detail::element::f64:
      return MPI_DOUBLE;
    case detail::element::u64:
      return MPI_UINT64_T;
  }
  return MPI_BYTE;
}

static_assert(sizeof(MPI_Request) <= 16 && alignof(MPI_Request) <= 8,
              "Request's storage holds an MPI_Request");

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw error(fmt::format("sg::distributed: {} failed: {}", call, std::string_view(text, length)));
}

// An uncaught exception on one rank ends the job with its message instead of leaving the others blocked.
[[noreturn]] void terminate_handler() {
  std::string what = "std::terminate called";
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = fmt::format("uncaught exception: {}", x.what());
    } catch (...) {
      what = "uncaught exception of a type not derived from std::exception";
    }
  }
  abort_job(g_rank, g_size, what);
}
#endif

#ifndef STATICGRAD_HAVE_MPI
// The number of ranks mpirun (Open MPI, MPICH, Slurm's PMI) says this process is one of, or 0.
long launcher_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (const char* v = std::getenv(name)) return std::strtol(v, nullptr, 10);
  return 0;
}
#endif

}  // namespace

Context::Context(int& argc, char**& argv, bool use_mpi) {
  if (!use_mpi) return;
#ifdef STATICGRAD_HAVE_MPI
  int initialised = 0;
  check(MPI_Initialized(&initialised), "MPI_Initialized");
  if (!initialised) {
    int provided = 0;
    check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    owns_mpi_ = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);  // errors become sg::error, then abort
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  uses_mpi_ = true;
  g_rank = rank_;
  g_size = size_;
  g_mpi_active = true;
  if (size_ > 1) std::set_terminate(terminate_handler);
#else
  (void)argc;
  (void)argv;
  if (const long n = launcher_world_size(); n > 1)
    throw error(fmt::format(
        "sg::distributed: this staticgrad was built without MPI (STATICGRAD_WITH_MPI=OFF or no MPI found), "
        "but this process is one of {} started by mpirun; each would train alone on the whole data set. "
        "Install libopenmpi-dev and rebuild, or run without mpirun",
        n));
#endif
}

Context::~Context() {
#ifdef STATICGRAD_HAVE_MPI
  if (!uses_mpi_) return;
  if (size_ > 1 && std::uncaught_exceptions() > 0)
    abort_job(rank_, size_,
              "an exception is leaving the scope of the sg::distributed::Context (finalising would leave the "
              "other ranks waiting; wrap the code in sg::distributed::run_or_abort to see its message)");
  g_mpi_active = false;
  if (owns_mpi_) MPI_Finalize();
#endif
}

void Context::barrier() const {
#ifdef STATICGRAD_HAVE_MPI
  if (uses_mpi_) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
#endif
}

void Context::abort(std::string_view what) const { abort_job(rank_, size_, what); }

void Context::broadcast_raw(void* data, std::size_t count, detail::element type, int root) const {
#ifdef STATICGRAD_HAVE_MPI
  if (uses_mpi_ && size_ > 1)
    check(MPI_Bcast(data, checked_count(count, "broadcast"), mpi_type(type), root, MPI_COMM_WORLD),
          "MPI_Bcast");
#else
  (void)data, (void)count, (void)type, (void)root;
#endif
}

void Context::allreduce_raw(void* data, std::size_t count, detail::element type, bool max) const {
#ifdef STATICGRAD_HAVE_MPI
  if (uses_mpi_ && size_ > 1)
    check(MPI_Allreduce(MPI_IN_PLACE, data, checked_count(count, "allreduce"), mpi_type(type),
                        max ? MPI_MAX : MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
#else
  (void)data, (void)count, (void)type, (void)max;
#endif
}

namespace {
// A gather's counts: one per rank, and this rank's equal to what it sends.
void check_counts(const char* what, std::span<const int> counts, int rank, int size, std::size_t send_count) {
  if (counts.size() != static_cast<std::size_t>(size))
    throw error(fmt::format("sg::distributed: {}: {} counts for {} ranks", what, counts.size(), size));
  if (static_cast<std::size_t>(counts[static_cast<std::size_t>(rank)]) != send_count)
    throw error(fmt::format("sg::distributed: {}: rank {} sends {} elements, its count says {}", what, rank,
                            send_count, counts[static_cast<std::size_t>(rank)]));
}
}  // namespace

void Context::gather_raw(const void* send, std::size_t send_count, void* received, std::size_t received_count,
                         std::span<const int> counts, detail::element type, int root, bool all) const {
  check_counts("gather", counts, rank_, size_, send_count);
  std::size_t total = 0;
  for (int c : counts) total += static_cast<std::size_t>(c);
  const bool receives = all || rank_ == root;
  if (receives && received_count != total)
    throw error(fmt::format("sg::distributed: gather: {} elements to receive into a buffer of {}", total,
                            received_count));
  if (!uses_mpi_ || size_ == 1) {
    if (send_count) std::memmove(received, send, send_count * element_bytes(type));
    return;
  }
#ifdef STATICGRAD_HAVE_MPI
  std::vector<int> displacements(counts.size());
  int offset = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    displacements[r] = offset;
    offset += counts[r];
  }
  checked_count(total, "gather");
  const int n = static_cast<int>(send_count);
  if (all)
    check(MPI_Allgatherv(send, n, mpi_type(type), received, counts.data(), displacements.data(),
                         mpi_type(type), MPI_COMM_WORLD),
          "MPI_Allgatherv");
  else
    check(MPI_Gatherv(send, n, mpi_type(type), received, counts.data(), displacements.data(), mpi_type(type),
                      root, MPI_COMM_WORLD),
          "MPI_Gatherv");
#else
  (void)root;
#endif
}

namespace {
#ifdef STATICGRAD_HAVE_MPI
MPI_Request* handle_of(unsigned char* storage) { return reinterpret_cast<MPI_Request*>(storage); }
#endif
}  // namespace

void Context::start_allgather_raw(const void* send, std::size_t send_count, void* received,
                                  std::size_t received_count, std::span<const int> counts,
                                  std::span<const int> displacements, detail::element type,
                                  Request& request) const {
  if (request.pending_) throw error("sg::distributed: start_allgather with a request still pending");
  check_counts("start_allgather", counts, rank_, size_, send_count);
  const auto ranks = static_cast<std::size_t>(size_);
  if (displacements.size() != ranks)
    throw error(fmt::format("sg::distributed: start_allgather: {} displacements for {} ranks",
                            displacements.size(), size_));
  for (std::size_t r = 0; r < ranks; ++r)
    if (counts[r] < 0 || displacements[r] < 0 ||
        static_cast<std::size_t>(displacements[r]) + static_cast<std::size_t>(counts[r]) > received_count)
      throw error(
          fmt::format("sg::distributed: start_allgather: rank {}'s {} elements at {} do not fit a "
                      "buffer of {}",
                      r, counts[r], displacements[r], received_count));
  if (!uses_mpi_ || size_ == 1) {
    if (send_count)
      std::memmove(
          static_cast<char*>(received) +
              static_cast<std::size_t>(displacements[static_cast<std::size_t>(rank_)]) * element_bytes(type),
          send, send_count * element_bytes(type));
    return;
  }
#ifdef STATICGRAD_HAVE_MPI
  checked_count(received_count, "start_allgather");
  check(MPI_Iallgatherv(send, static_cast<int>(send_count), mpi_type(type), received, counts.data(),
                        displacements.data(), mpi_type(type), MPI_COMM_WORLD, handle_of(request.handle_)),
        "MPI_Iallgatherv");
  request.pending_ = true;
#endif
}

void Context::start_allreduce_raw(void* data, std::size_t count, detail::element type,
                                  Request& request) const {
  if (request.pending_) throw error("sg::distributed: start_allreduce_sum with a request still pending");
#ifdef STATICGRAD_HAVE_MPI
  if (uses_mpi_ && size_ > 1) {
    check(MPI_Iallreduce(MPI_IN_PLACE, data, checked_count(count, "start_allreduce_sum"), mpi_type(type),
                         MPI_SUM, MPI_COMM_WORLD, handle_of(request.handle_)),
          "MPI_Iallreduce");
    request.pending_ = true;
  }
#else
  (void)data, (void)count, (void)type;
#endif
}

bool Context::test(Request& request) const {
  if (!request.pending_) return true;
#ifdef STATICGRAD_HAVE_MPI
  int done = 0;
  check(MPI_Test(handle_of(request.handle_), &done, MPI_STATUS_IGNORE), "MPI_Test");
  request.pending_ = done == 0;
#endif
  return !request.pending_;
}

void Context::wait(Request& request) const {
  if (!request.pending_) return;
#ifdef STATICGRAD_HAVE_MPI
  check(MPI_Wait(handle_of(request.handle_), MPI_STATUS_IGNORE), "MPI_Wait");
#endif
  request.pending_ = false;
}

}  // namespace sg::distributed
