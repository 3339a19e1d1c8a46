# StaticgradMPI.cmake - the optional data-parallel part of staticgrad (docs/distributed.md).
#
# STATICGRAD_WITH_MPI (default: ON when find_package(MPI COMPONENTS CXX) finds an MPI, e.g. Debian's
# libopenmpi-dev) compiles src/distributed/*.cpp with STATICGRAD_HAVE_MPI and links MPI into staticgrad.
# Without it the same API builds as a local, one-process implementation. The public headers never include
# <mpi.h>, so MPI is a private dependency; an installed static libstaticgrad.a records the MPI libraries
# by full path (like the CBLAS), so a consumer needs no find_package(MPI).
# With tests on, it also registers the multi-rank tests of tests/distributed/mpi.cmake.
include_guard(GLOBAL)

set(MPI_CXX_SKIP_MPICXX ON)  # only MPI's C API is used; no deprecated C++ bindings
find_package(MPI COMPONENTS CXX QUIET)
option(STATICGRAD_WITH_MPI "Data-parallel training over MPI (sg::distributed)" ${MPI_CXX_FOUND})

if(STATICGRAD_WITH_MPI)
  if(NOT MPI_CXX_FOUND)
    message(FATAL_ERROR "STATICGRAD_WITH_MPI is ON but no MPI was found: install libopenmpi-dev openmpi-bin "
                        "(scripts/install-deps), or configure with -DSTATICGRAD_WITH_MPI=OFF")
  endif()
  target_compile_definitions(staticgrad PRIVATE STATICGRAD_HAVE_MPI=1)
  target_link_libraries(staticgrad PRIVATE $<BUILD_INTERFACE:MPI::MPI_CXX>)
  foreach(_sg_mpi_library IN LISTS MPI_CXX_LIBRARIES)
    target_link_libraries(staticgrad PRIVATE $<INSTALL_INTERFACE:${_sg_mpi_library}>)
  endforeach()
  message(STATUS "staticgrad: MPI ${MPI_CXX_VERSION} (sg::distributed), launcher ${MPIEXEC_EXECUTABLE}")
  if(STATICGRAD_BUILD_TESTS AND TARGET test_distributed)
    include("${PROJECT_SOURCE_DIR}/tests/distributed/mpi.cmake")
  endif()
else()
  message(STATUS "staticgrad: without MPI (sg::distributed is local only)")
endif()
