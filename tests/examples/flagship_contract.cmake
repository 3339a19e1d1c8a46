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

# Runs the example with <args> and requires exit code 1 and exactly one stderr line matching <regex>.
function(expect_clean_failure what regex)
  run_flagship(_r ${ARGN})
  if(NOT _r_rc STREQUAL "1")
    message(FATAL_ERROR "${what}: exit code ${_r_rc}, expected 1\nstdout: ${_r_out}\nstderr: ${_r_err}")
  endif()
  string(STRIP "${_r_err}" _line)
  if(_line STREQUAL "" OR _line MATCHES "\n")
    message(FATAL_ERROR "${what}: expected one line on stderr, found:\n${_r_err}")
  endif()
  if(NOT _line MATCHES "${regex}")
    message(FATAL_ERROR "${what}: the message does not match '${regex}':\n${_line}")
  endif()
  message("${what}: exit 1, ${_line}")
endfunction()

# CMake's file() cannot write arbitrary bytes, so these two use coreutils.
# Writes the first half of the bytes of <src> to <dst>.
function(write_first_half src dst)
  file(SIZE "${src}" _size)
  math(EXPR _half "${_size} / 2")
  execute_process(COMMAND head -c ${_half} "${src}" OUTPUT_FILE "${dst}" RESULT_VARIABLE _rc)
  if(NOT _rc STREQUAL "0")
    message(FATAL_ERROR "could not write the first half of ${src} to ${dst}")
  endif()
endfunction()
# Overwrites 64 bytes of <file> from byte <offset> on with 'Z'.
function(garble file offset)
  execute_process(COMMAND sh -c "head -c 64 /dev/zero | tr '\\0' Z | dd of=\"$1\" bs=1 seek=$2 conv=notrunc 2>/dev/null"
                          sh "${file}" ${offset} RESULT_VARIABLE _rc)
  if(NOT _rc STREQUAL "0")
    message(FATAL_ERROR "could not overwrite bytes of ${file}")
  endif()
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
expect_clean_failure("missing data folder" "no-such-folder" --short --data "${WORK}/no-such-folder")

file(GLOB _gz "${DATA}/*.gz")
foreach(_kind truncated corrupt)
  set(_copy "${WORK}/data-${_kind}")
  file(MAKE_DIRECTORY "${_copy}")
  file(COPY ${_gz} DESTINATION "${_copy}")
  set(_labels "${_copy}/train-labels-idx1-ubyte.gz")
  if(_kind STREQUAL "truncated")
    write_first_half("${_labels}" "${_labels}.part")
    file(RENAME "${_labels}.part" "${_labels}")
  else()
    garble("${_labels}" 100)  # after the gzip header, inside the deflate stream
  endif()
  expect_clean_failure("${_kind} data file" "train-labels-idx1-ubyte.gz" --short --data "${_copy}")
endforeach()

write_first_half("${WORK}/t1/best.sgck" "${WORK}/truncated.sgck")
expect_clean_failure("truncated checkpoint" "truncated.sgck"
                     --short --data "${DATA}" --resume "${WORK}/truncated.sgck" --out "${WORK}/bad")

file(COPY_FILE "${WORK}/t1/best.sgck" "${WORK}/corrupt.sgck")
file(SIZE "${WORK}/corrupt.sgck" _size)
math(EXPR _middle "${_size} / 2")
garble("${WORK}/corrupt.sgck" ${_middle})
expect_clean_failure("corrupt checkpoint" "corrupt.sgck"
                     --short --data "${DATA}" --resume "${WORK}/corrupt.sgck" --out "${WORK}/bad")

expect_clean_failure("bad option" "--average" --short --data "${DATA}" --average 1)

file(REMOVE_RECURSE "${WORK}")
