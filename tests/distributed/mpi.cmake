# tests/distributed/mpi.cmake - the multi-rank runs of test_distributed, included by cmake/StaticgradMPI.cmake
# when staticgrad is built with MPI (tests/CMakeLists.txt builds test_distributed itself, from this folder,
# with or without MPI; its MPI suites are disabled there and only run here, explicitly). Label: mpi.
#
#   distributed_mpi2 / 3 / 4              mpirun -np 2 / 3 / 4: bit-identity with one process, tolerances
#   distributed_fault_data                rank 1 fails to load its data: the job ends, non-zero, with it
#   distributed_fault_epoch               rank 1 throws in epoch 2: the job ends; rank 0's checkpoint of
#                                         epoch 1 then loads in a single process
#   distributed_fault_shards              2 ranks, 1 shard: refused, both counts named
#   example.fashion_mnist.shards          the flagship with --shards 4 on 1, 2 and 4 ranks: the same
#                                         checkpoint bytes (tests/examples/shards_contract.cmake)
#   example.fashion_mnist_cnn.shards      the same for the convolutional example
#   example.distributed_scaling.mpi2      the scaling example on 2 ranks, its reduction in 4 buckets
#
# --oversubscribe: more ranks than cores (this machine has 2). As root, Open MPI refuses to start unless
# OMPI_ALLOW_RUN_AS_ROOT and its confirmation are set; they are harmless otherwise.
set(_sg_mpi_env
  "OMPI_ALLOW_RUN_AS_ROOT=1" "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
  "OMPI_MCA_btl_vader_single_copy_mechanism=none"  # containers often forbid the ptrace-based copy
  "OMPI_MCA_rmaps_base_oversubscribe=1")
# Under the sanitizers, Open MPI itself leaks at MPI_Finalize (ompi_op_base_op_select, its dlopen'ed
# components: 121 KB in 3,347 allocations per rank, none from staticgrad), which LeakSanitizer reports
# and fails the ranks on. The multi-rank runs therefore keep AddressSanitizer's and UBSan's checks but
# not leak detection; every other test, test_distributed's single-process suites included, keeps it.
if(STATICGRAD_SANITIZE)
  list(APPEND _sg_mpi_env "ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=0")
endif()
set(_sg_mpirun "${MPIEXEC_EXECUTABLE}" ${MPIEXEC_PREFLAGS} --oversubscribe)
set(_sg_test_args --catch_system_errors=no --report_level=short --color_output=no)

foreach(_np 2 3 4)
  add_test(NAME distributed_mpi${_np}
    COMMAND ${_sg_mpirun} ${MPIEXEC_NUMPROC_FLAG} ${_np} $<TARGET_FILE:test_distributed> --run_test=mpi
            ${_sg_test_args} --log_level=message)
  set_tests_properties(distributed_mpi${_np} PROPERTIES LABELS "mpi" TIMEOUT 300 ENVIRONMENT "${_sg_mpi_env}")
endforeach()

foreach(_case data epoch shards)
  if(_case STREQUAL "data")
    set(_name rank_1_cannot_load_its_data)
    set(_expect "rank 1 of 2 failed: cannot open /nonexistent/train-images-idx3-ubyte")
  elseif(_case STREQUAL "shards")
    set(_name fewer_shards_than_ranks)
    set(_expect "failed: staticgrad: fit: 2 ranks but FitOptions::shards is 1")
  else()
    set(_name rank_1_fails_in_epoch_2)
    set(_expect "rank 1 of 2 failed: injected failure in epoch 2")
  endif()
  add_test(NAME distributed_fault_${_case}
    COMMAND "${CMAKE_COMMAND}"
            "-DMPIRUN=${_sg_mpirun};${MPIEXEC_NUMPROC_FLAG};2"
            "-DPROGRAM=$<TARGET_FILE:test_distributed>"
            "-DCASE=mpi_fault/${_name}"
            "-DEXPECT=${_expect}"
            "-DCHECK_CASE=$<$<STREQUAL:${_case},epoch>:mpi_fault_check>"
            "-DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/distributed_fault_${_case}"
            -P "${CMAKE_CURRENT_LIST_DIR}/expect_abort.cmake")
  set_tests_properties(distributed_fault_${_case} PROPERTIES LABELS "mpi" TIMEOUT 180 ENVIRONMENT "${_sg_mpi_env}")
endforeach()

# The flagship (2 epochs) and the CNN example (its one --short epoch) with --shards 4 in one process and
# under mpirun -np 2 and -np 4: identical checkpoints.
set(_sg_fashion_data "$ENV{STATICGRAD_FASHION_MNIST}")
if(NOT _sg_fashion_data)
  set(_sg_fashion_data /usr/share/datasets/fashion-mnist)
endif()
foreach(_example fashion_mnist fashion_mnist_cnn)
  if(NOT TARGET ${_example})
    continue()
  endif()
  set(_sg_extra "")
  if(_example STREQUAL "fashion_mnist")
    set(_sg_extra "-DARGS=--epochs 2")
  endif()
  add_test(NAME example.${_example}.shards
    COMMAND "${CMAKE_COMMAND}" "-DEXAMPLE=$<TARGET_FILE:${_example}>"
            "-DMPIRUN=${_sg_mpirun};${MPIEXEC_NUMPROC_FLAG}" "-DDATA=${_sg_fashion_data}"
            "-DWORK=${CMAKE_CURRENT_BINARY_DIR}/shards_contract_${_example}" ${_sg_extra}
            -P "${PROJECT_SOURCE_DIR}/tests/examples/shards_contract.cmake")
  set_tests_properties(example.${_example}.shards PROPERTIES
    LABELS "mpi;example" TIMEOUT 600 ENVIRONMENT "${_sg_mpi_env};OMP_WAIT_POLICY=passive"
    SKIP_REGULAR_EXPRESSION "shards_contract: skipped")
endforeach()

# The scaling example on 2 ranks with synchronised batch norm, the reduction cut into several buckets.
if(TARGET distributed_scaling)
  add_test(NAME example.distributed_scaling.mpi2
    COMMAND ${_sg_mpirun} ${MPIEXEC_NUMPROC_FLAG} 2 $<TARGET_FILE:distributed_scaling> --distributed --short
            --threads 1 --batch-norm --bucket-kib 16)
  set_tests_properties(example.distributed_scaling.mpi2 PROPERTIES
    LABELS "mpi;example" TIMEOUT 120 ENVIRONMENT "${_sg_mpi_env};OMP_WAIT_POLICY=passive"
    PASS_REGULAR_EXPRESSION "ranks 2  threads/rank 1  reduction fixed  buckets [2-9]  batch 256  shards 2  samples/s [0-9]+")
endif()
