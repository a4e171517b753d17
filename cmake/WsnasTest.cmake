# wsnas_add_test(NAME name SOURCES ... DEPS ... [RANKS n] [LABELS ...] [ARGS ...] [REFERENCE])
# Without RANKS: a serial GoogleTest binary with gtest_main.
# REFERENCE (serial only): the binary's suites named *Reference read reference data the repository
# may not redistribute (data/README.md); they run as their own CTest test, name_reference, which
# CTest reports as skipped, not passed, when GoogleTest skipped them for want of that data.
# With RANKS n: the binary links tests/mpi_test_main.cpp (initialises MPI once) and runs under
# `mpiexec -n n --oversubscribe`; as root Open MPI is allowed through its two environment variables.
find_package(GTest REQUIRED)

function(wsnas_add_test)
  cmake_parse_arguments(T "REFERENCE" "NAME;RANKS" "SOURCES;DEPS;LABELS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest wsnas_test_support)
  wsnas_warnings(${T_NAME})
  set(env "WSNAS_SOURCE_DIR=${PROJECT_SOURCE_DIR}" "WSNAS_BINARY_DIR=${CMAKE_BINARY_DIR}"
          "OMP_NUM_THREADS=1")
  if(T_RANKS)
    target_link_libraries(${T_NAME} PRIVATE wsnas_mpi_test_main)
    separate_arguments(extra UNIX_COMMAND "${WSNAS_MPIEXEC_EXTRA_FLAGS}")
    add_test(NAME ${T_NAME}
             COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${T_RANKS} ${extra}
                     ${MPIEXEC_PREFLAGS} $<TARGET_FILE:${T_NAME}> ${MPIEXEC_POSTFLAGS} ${T_ARGS})
    set_tests_properties(${T_NAME} PROPERTIES PROCESSORS ${T_RANKS} LABELS "mpi;${T_LABELS}")
    list(APPEND env "OMPI_ALLOW_RUN_AS_ROOT=1" "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
                    "OMPI_MCA_rmaps_base_oversubscribe=1")
  elseif(T_REFERENCE)
    target_link_libraries(${T_NAME} PRIVATE GTest::gtest_main)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME} --gtest_filter=-*Reference.* ${T_ARGS})
    add_test(NAME ${T_NAME}_reference COMMAND ${T_NAME} --gtest_filter=*Reference.* ${T_ARGS})
    set_tests_properties(${T_NAME} PROPERTIES LABELS "unit;${T_LABELS}")
    # GoogleTest exits 0 when it skips; its "[  SKIPPED ]" line is how CTest learns it.
    set_tests_properties(${T_NAME}_reference PROPERTIES LABELS "unit;reference;${T_LABELS}"
                         SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
                         ENVIRONMENT "${env}" TIMEOUT 900)
  else()
    target_link_libraries(${T_NAME} PRIVATE GTest::gtest_main)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
    set_tests_properties(${T_NAME} PROPERTIES LABELS "unit;${T_LABELS}")
  endif()
  set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${env}" TIMEOUT 900)
endfunction()
