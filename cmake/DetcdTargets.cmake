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
  cmake_parse_arguments(ARG "SERIAL" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} rapidcheck rapidcheck_gtest
    GTest::gtest GTest::gmock GTest::gtest_main detcd_warnings)
  set(labels unit)
  if(ARG_LABELS)
    set(labels ${ARG_LABELS})
  endif()
  # ctest names carry the executable's name ("raft_chaos_test.SimChaosTest.ReplaySeed"), so that
  # `ctest -R raft` selects a component's tests.
  # SERIAL: the tests run alone (ctest RUN_SERIAL), for measurements such as etcdctl's check
  # perf that a concurrent swarm would starve.
  set(serial FALSE)
  if(ARG_SERIAL)
    set(serial TRUE)
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST TEST_PREFIX "${name}."
    PROPERTIES LABELS "${labels}" RUN_SERIAL ${serial})
endfunction()

# detcd_proto_library(NAME PROTOS files... [DEPS proto-libraries...])
#   Generates C++ from .proto files under proto/ into build/gen and wraps it in
#   a static library. Include generated headers as "proto/<file>.pb.h".
#   Generated code is compiled without detcd's warnings.
find_package(Protobuf REQUIRED)
function(detcd_proto_library name)
  cmake_parse_arguments(ARG "" "" "PROTOS;DEPS" ${ARGN})
  list(TRANSFORM ARG_PROTOS PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/" REGEX "^[^/]")
  add_library(${name} STATIC ${ARG_PROTOS})
  set(gen_dir "${CMAKE_BINARY_DIR}/gen")
  file(MAKE_DIRECTORY "${gen_dir}")
  # protobuf_generate names outputs and its first -I after CMAKE_CURRENT_SOURCE_DIR; seen
  # from the repository root, proto/foo.proto becomes gen/proto/foo.pb.h and imports of
  # "proto/bar.proto" resolve to the same file, also when called from proto/CMakeLists.txt.
  set(CMAKE_CURRENT_SOURCE_DIR "${PROJECT_SOURCE_DIR}")
  protobuf_generate(TARGET ${name} LANGUAGE cpp
    IMPORT_DIRS "${PROJECT_SOURCE_DIR}" PROTOC_OUT_DIR "${gen_dir}")
  target_include_directories(${name} SYSTEM PUBLIC "${gen_dir}")
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
endfunction()

# detcd_grpc_library(NAME PROTOS files... DEPS proto-library)
#   Generates gRPC C++ service stubs (<file>.grpc.pb.h/.cc) for .proto files whose
#   messages are already compiled by the detcd_proto_library named in DEPS.
#   Include as "proto/<file>.grpc.pb.h". Generated code is compiled without detcd's warnings.
find_package(gRPC CONFIG REQUIRED)
function(detcd_grpc_library name)
  cmake_parse_arguments(ARG "" "" "PROTOS;DEPS" ${ARGN})
  list(TRANSFORM ARG_PROTOS PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/" REGEX "^[^/]")
  add_library(${name} STATIC ${ARG_PROTOS})
  set(gen_dir "${CMAKE_BINARY_DIR}/gen")
  file(MAKE_DIRECTORY "${gen_dir}")
  set(CMAKE_CURRENT_SOURCE_DIR "${PROJECT_SOURCE_DIR}")  # see detcd_proto_library
  protobuf_generate(TARGET ${name} LANGUAGE grpc
    GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
    PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
    IMPORT_DIRS "${PROJECT_SOURCE_DIR}" PROTOC_OUT_DIR "${gen_dir}")
  target_include_directories(${name} SYSTEM PUBLIC "${gen_dir}")
  target_link_libraries(${name} PUBLIC gRPC::grpc++ ${ARG_DEPS})
endfunction()
