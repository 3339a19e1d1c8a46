# tests/examples/shards_contract.cmake - the rank count does not change a bit of an example's result:
#
#   cmake -DEXAMPLE=<fashion_mnist or fashion_mnist_cnn> -DMPIRUN=<mpirun;args;-np> -DDATA=<folder>
#         -DWORK=<scratch folder> [-DARGS="<more arguments, separated by spaces>"] -P shards_contract.cmake
#
# `EXAMPLE --short --shards 4 ARGS` in one process (no mpirun), and under `mpirun -np 2` and `-np 4`
# with --distributed, write byte-identical best checkpoints (batch norm, dropout, L2, Adam and the
# learning-rate schedule included) and print the same accuracies. Registered by tests/distributed/mpi.cmake
# as example.fashion_mnist.shards and example.fashion_mnist_cnn.shards (label mpi).
foreach(_var EXAMPLE MPIRUN DATA WORK)
  if(NOT ${_var})
    message(FATAL_ERROR "shards_contract.cmake needs -D${_var}=...")
  endif()
endforeach()
if(NOT EXISTS "${DATA}/train-labels-idx1-ubyte.gz")
  message(FATAL_ERROR "shards_contract: skipped: Fashion-MNIST is not in ${DATA}")
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

separate_arguments(_extra UNIX_COMMAND "${ARGS}")
set(_args --short --quiet --shards 4 ${_extra} --data "${DATA}")
foreach(_ranks 1 2 4)
  if(_ranks EQUAL 1)
    set(_command "${EXAMPLE}" ${_args} --out "${WORK}/p1")
  else()
    set(_command ${MPIRUN} ${_ranks} "${EXAMPLE}" --distributed --threads 1 ${_args} --out "${WORK}/p${_ranks}")
  endif()
  string(TIMESTAMP _start "%s")
  execute_process(COMMAND ${_command} OUTPUT_VARIABLE _out ERROR_VARIABLE _err RESULT_VARIABLE _rc)
  string(TIMESTAMP _end "%s")
  math(EXPR _seconds "${_end} - ${_start}")
  if(NOT _rc STREQUAL "0")
    message(FATAL_ERROR "${_ranks} rank(s): exit code ${_rc}\n${_out}\n${_err}")
  endif()
  string(REGEX MATCH "accuracy: train [^\n]*" _accuracy_${_ranks} "${_out}")
  file(SHA256 "${WORK}/p${_ranks}/best.sgck" _sum_${_ranks})
  message("${_ranks} rank(s), ${_seconds} s: sha256 ${_sum_${_ranks}}, '${_accuracy_${_ranks}}'")
endforeach()
foreach(_ranks 2 4)
  if(NOT _sum_${_ranks} STREQUAL _sum_1)
    message(FATAL_ERROR "--shards 4: the checkpoint of ${_ranks} ranks differs from one process's")
  endif()
  if(_accuracy_1 STREQUAL "" OR NOT _accuracy_${_ranks} STREQUAL _accuracy_1)
    message(FATAL_ERROR "--shards 4: the accuracies of ${_ranks} ranks and one process differ:\n"
                        "${_accuracy_${_ranks}}\n---\n${_accuracy_1}")
  endif()
endforeach()
message("--shards 4: one process, 2 and 4 ranks wrote identical checkpoints")
file(REMOVE_RECURSE "${WORK}")
