# wsnas_add_module(NAME name SOURCES ... DEPS ...): one library module of lib/, exported as
# wsnas::<name>, public headers in lib/<name>/include/wsnas/<name>/.
# Installed (cmake --install) with its headers under <prefix>/include/wsnas/<name>/ and exported
# in the wsnas CMake package as wsnas::<name> (cmake/WsnasInstall.cmake).
function(wsnas_add_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(wsnas_${M_NAME} ${M_SOURCES})
  add_library(wsnas::${M_NAME} ALIAS wsnas_${M_NAME})
  target_include_directories(wsnas_${M_NAME} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(wsnas_${M_NAME} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  set_target_properties(wsnas_${M_NAME} PROPERTIES EXPORT_NAME ${M_NAME})
  wsnas_warnings(wsnas_${M_NAME})
  if(WSNAS_INSTALL)
    install(TARGETS wsnas_${M_NAME} EXPORT wsnasTargets
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
    install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
endfunction()

function(wsnas_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# wsnas_add_app(NAME name SOURCES ... DEPS ...): an executable under apps/ linking library targets.
function(wsnas_add_app)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  set_target_properties(${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  # Plugins (WSNAS_PLUGINS, space::load_plugins) resolve the registries and the interfaces' symbols
  # against the app: the wsnas namespace's functions, vtables, typeinfo and their names are exported
  # (not everything, as -rdynamic would: LibTorch must keep binding to its own inline copies).
  target_link_options(${A_NAME} PRIVATE "LINKER:--export-dynamic-symbol=_ZN5wsnas*"
                      "LINKER:--export-dynamic-symbol=_ZNK5wsnas*" "LINKER:--export-dynamic-symbol=_ZT?N5wsnas*")
  wsnas_warnings(${A_NAME})
  if(WSNAS_INSTALL)
    install(TARGETS ${A_NAME} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endfunction()
