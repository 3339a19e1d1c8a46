# tests/examples/flagship_contract.cmake - the promises of examples/fashion_mnist.cpp beyond its output:
#
#   cmake -DEXAMPLE=<fashion_mnist> -DDATA=<folder with the four .gz files> -DWORK=<scratch folder>
#         -P flagship_contract.cmake
#
# 1. The same seed and settings write a byte-identical checkpoint with --threads 1 and --threads 2, and
#    the last line of the output is test_accuracy=0.XXXX.
# 2. --resume continues from that checkpoint.
# 3. Bad input ends the program with exit code 1 and one line on stderr that names the file and the
#    problem: a missing data folder, a truncated and a corrupt data file, a truncated and a corrupt
#    checkpoint, a bad option. Never a crash (a signal gives no exit code 1).
# Registered by examples/CMakeLists.txt as example.fashion_mnist.contract (runs in --short mode).
foreach(_var EXAMPLE DATA WORK)
  if(NOT ${_var})
    message(FATAL_ERROR "flagship_contract.cmake needs -D${_var}=...")
  endif()
endforeach()
if(NOT EXISTS "${DATA}/train-labels-idx1-ubyte.gz")
  message(FATAL_ERROR "flagship_contract: skipped: Fashion-MNIST is not in ${DATA}")
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# Runs the example with the arguments; sets <prefix>_rc, <prefix>_out (stdout) and <prefix>_err (stderr).
function(run_flagship prefix)
  execute_process(COMMAND "${EXAMPLE}" ${ARGN} OUTPUT_VARIABLE _out ERROR_VARIABLE _err RESULT_VARIABLE _rc)
  set(${prefix}_rc "${_rc}" PARENT_SCOPE)
  set(${prefix}_out "${_out}" PARENT_SCOPE)
  set(${prefix}_err "${_err}" PARENT_SCOPE)
endfunction()

# Requires exit code 1 and exactly one stderr line matching every regex given.
function(expect_clean_failure what)
  run_flagship(_r ${_args})
  if(NOT _r_rc STREQUAL "1")
    message(FATAL_ERROR "${what}: exit code ${_r_rc}, expected 1\nstdout: ${_r_out}\nstderr: ${_r_err}")
  endif()
  string(STRIP "${_r_err}" _line)
  if(_line STREQUAL "" OR _line MATCHES "\n")
    message(FATAL_ERROR "${what}: expected one line on stderr, found:\n${_r_err}")
  endif()
  foreach(_regex IN LISTS ARGN)
    if(NOT _line MATCHES "${_regex}")
      message(FATAL_ERROR "${what}: the message does not match '${_regex}':\n${_line}")
    endif()
  endforeach()
  message("${what}: exit 1, ${_line}")
endfunction()

# ---- 1. checkpoints do not depend on the thread count ------------------------------------------------
foreach(_threads 1 2)
  run_flagship(_t --short --quiet --data "${DATA}" --threads ${_threads} --out "${WORK}/t${_threads}")
  if(NOT _t_rc STREQUAL "0")
    message(FATAL_ERROR "--threads ${_threads}: exit code ${_t_rc}\n${_t_out}\n${_t_err}")
  endif()
  if(NOT _t_out MATCHES "\ntest_accuracy=0\\.[0-9][0-9][0-9][0-9]\n?$")
    message(FATAL_ERROR "--threads ${_threads}: the last line is not test_accuracy=0.XXXX:\n${_t_out}")
  endif()
  string(REGEX MATCH "accuracy: train [^\n]*" _out_${_threads} "${_t_out}")  # the times differ, not these
endforeach()
file(SHA256 "${WORK}/t1/best.sgck" _sum1)
file(SHA256 "${WORK}/t2/best.sgck" _sum2)
if(NOT _sum1 STREQUAL _sum2)
  message(FATAL_ERROR "the checkpoints of --threads 1 and --threads 2 differ (${_sum1} vs ${_sum2})")
endif()
if(_out_1 STREQUAL "" OR NOT _out_1 STREQUAL _out_2)
  message(FATAL_ERROR "the accuracies of --threads 1 and --threads 2 differ:\n${_out_1}\n---\n${_out_2}")
endif()
message("--threads 1 and 2: identical checkpoints (sha256 ${_sum1}) and '${_out_1}'")

# ---- 2. resuming -------------------------------------------------------------------------------------
run_flagship(_r --short --data "${DATA}" --resume "${WORK}/t1/best.sgck" --out "${WORK}/resumed")
if(NOT _r_rc STREQUAL "0" OR NOT _r_out MATCHES "resumed from .*best.sgck after epoch [12]")
  message(FATAL_ERROR "--resume: exit code ${_r_rc}\n${_r_out}\n${_r_err}")
endif()
message("--resume: continued from the checkpoint")

# ---- 3. bad input ------------------------------------------------------------------------------------
set(_args --short --data "${WORK}/no-such-folder")
expect_clean_failure("missing data folder" "no-such-folder")

# Bytes are cut with head -c and overwritten with dd (coreutils), which CMake's file() cannot do.
file(GLOB _gz "${DATA}/*.gz")
foreach(_kind truncated corrupt)
  set(_copy "${WORK}/data-${_kind}")
  file(MAKE_DIRECTORY "${_copy}")
  file(COPY ${_gz} DESTINATION "${_copy}")
  set(_labels "${_copy}/train-labels-idx1-ubyte.gz")
  if(_kind STREQUAL "truncated")
    file(SIZE "${_labels}" _size)
    math(EXPR _size "${_size} / 2")
    execute_process(COMMAND sh -c "head -c $1 \"$2\" > \"$2.part\" && mv \"$2.part\" \"$2\"" sh ${_size} "${_labels}")
  else()  # keep the gzip header, overwrite 64 bytes of the deflate stream after it
    execute_process(COMMAND sh -c "head -c 64 /dev/zero | tr '\\0' Z | dd of=\"$1\" bs=1 seek=100 conv=notrunc 2>/dev/null" sh "${_labels}")
  endif()
  set(_args --short --data "${_copy}")
  expect_clean_failure("${_kind} data file" "train-labels-idx1-ubyte.gz")
endforeach()

file(SIZE "${WORK}/t1/best.sgck" _size)
math(EXPR _size "${_size} / 2")
execute_process(COMMAND sh -c "head -c $1 \"$2\" > \"$3\"" sh ${_size} "${WORK}/t1/best.sgck" "${WORK}/truncated.sgck")
set(_args --short --data "${DATA}" --resume "${WORK}/truncated.sgck" --out "${WORK}/bad")
expect_clean_failure("truncated checkpoint" "truncated.sgck")

file(COPY_FILE "${WORK}/t1/best.sgck" "${WORK}/corrupt.sgck")
execute_process(COMMAND sh -c "head -c 64 /dev/zero | tr '\\0' Z | dd of=\"$1\" bs=1 seek=$2 conv=notrunc 2>/dev/null" sh "${WORK}/corrupt.sgck" ${_size})
set(_args --short --data "${DATA}" --resume "${WORK}/corrupt.sgck" --out "${WORK}/bad")
expect_clean_failure("corrupt checkpoint" "corrupt.sgck")

set(_args --short --data "${DATA}" --average 1)
expect_clean_failure("bad option" "--average")

file(REMOVE_RECURSE "${WORK}")
