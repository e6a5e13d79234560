# Helpers that give every detcd target the same shape.

# detcd_library(NAME SOURCES... [DEPS targets...])
#   A static library of detcd's own code, with detcd's warnings; headers are
#   included by path from the repository root ("sim/Scheduler.h").
function(detcd_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE detcd_warnings)
endfunction()

# detcd_test(NAME SOURCES... [DEPS targets...] [LABELS labels...])
#   A GoogleTest (+ RapidCheck) executable; each TEST becomes one ctest entry,
#   discovered when ctest runs (not at build time, which keeps builds fast).
#   Label "long" marks tests that CI runs with a modest seed budget.
function(detcd_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} rapidcheck rapidcheck_gtest
    GTest::gtest GTest::gmock GTest::gtest_main detcd_warnings)
  set(labels unit)
  if(ARG_LABELS)
    set(labels ${ARG_LABELS})
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS "${labels}")
endfunction()

# detcd_proto_library(NAME PROTOS files... [DEPS proto-libraries...])
#   Generates C++ from .proto files under proto/ into build/gen and wraps it in
#   a static library. Include generated headers as "proto/<file>.pb.h".
#   Generated code is compiled without detcd's warnings.
find_package(Protobuf REQUIRED)
function(detcd_proto_library name)
  cmake_parse_arguments(ARG "" "" "PROTOS;DEPS" ${ARGN})
  set(gen_dir "${CMAKE_BINARY_DIR}/gen")
  # protoc runs with the repository root as its only import path, so that a .proto is
  # always named "proto/foo.proto" (generated code: "proto/foo.pb.h") whichever
  # CMakeLists.txt declares it; imports between protos then link to the same symbols.
  set(srcs)
  foreach(proto ${ARG_PROTOS})
    get_filename_component(abs "${proto}" ABSOLUTE)
    file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${abs}")
    string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
    add_custom_command(
      OUTPUT "${gen_dir}/${stem}.pb.h" "${gen_dir}/${stem}.pb.cc"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${gen_dir}"
      COMMAND protobuf::protoc --cpp_out "${gen_dir}" -I "${PROJECT_SOURCE_DIR}" "${abs}"
      DEPENDS "${abs}" protobuf::protoc
      COMMENT "protoc ${rel}" VERBATIM)
    list(APPEND srcs "${gen_dir}/${stem}.pb.cc" "${gen_dir}/${stem}.pb.h")
  endforeach()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} SYSTEM PUBLIC "${gen_dir}")
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
endfunction()
