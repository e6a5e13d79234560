# Runs `detcd-sim demo --hash-only` in separate processes and compares the trace hashes.
function(demo_hash seed out)
  execute_process(COMMAND ${DETCD_SIM} demo --seed ${seed} --hash-only
                  OUTPUT_VARIABLE hash RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "detcd-sim demo --seed ${seed} failed with ${rc}")
  endif()
  set(${out} "${hash}" PARENT_SCOPE)
endfunction()

demo_hash(7 first)
demo_hash(7 second)
demo_hash(8 other)
message(STATUS "seed 7: ${first} and ${second}; seed 8: ${other}")
if(NOT first STREQUAL second)
  message(FATAL_ERROR "seed 7 gave two hashes in two processes: ${first} vs ${second}. "
                      "Replay: ${DETCD_SIM} demo --seed 7")
endif()
if(first STREQUAL other)
  message(FATAL_ERROR "seeds 7 and 8 gave the same hash ${first}")
endif()
