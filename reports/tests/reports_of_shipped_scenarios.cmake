# Writes the report of every shipped scenario (seed 1) with `detcd-sim run --report` and checks
# that each has its index.html and a timeline rendered by dot (detcd-sim fails when dot fails).
# One timeline page each keeps the test to seconds; reports_test covers paging.
# -DDETCD_SIM=<detcd-sim> -DDETCD_SCENARIO_DIR=<scenarios/> -DDETCD_OUT=<scratch directory>
file(GLOB scenarios "${DETCD_SCENARIO_DIR}/*.yaml")
list(LENGTH scenarios count)
if(count EQUAL 0)
  message(FATAL_ERROR "no scenario files in ${DETCD_SCENARIO_DIR}")
endif()
foreach(scenario IN LISTS scenarios)
  get_filename_component(name "${scenario}" NAME_WE)
  set(dir "${DETCD_OUT}/${name}")
  file(REMOVE_RECURSE "${dir}")
  execute_process(COMMAND "${DETCD_SIM}" run "${scenario}" --seed 1 --report "${dir}"
                          --report-max-pages 1
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  # 0 = PASS, 1 = a check failed (a report is still written); anything else is a report error.
  if(NOT rc EQUAL 0 AND NOT rc EQUAL 1)
    message(FATAL_ERROR "${name}: detcd-sim exited ${rc}\n${out}\n${err}")
  endif()
  foreach(file index.html timeline.dot timeline.svg history.svg)
    if(NOT EXISTS "${dir}/${file}")
      message(FATAL_ERROR "${name}: no ${file} in ${dir}\n${out}\n${err}")
    endif()
  endforeach()
  file(READ "${dir}/index.html" html)
  if(NOT html MATCHES "verdict: (PASS|FAIL)")
    message(FATAL_ERROR "${name}: index.html has no verdict")
  endif()
  # Each member's HashKV from the runner's member-final record (8 hex digits in the table).
  set(hex8 "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]")
  if(NOT html MATCHES "<th>HashKV</th>" OR NOT html MATCHES "<td>${hex8}</td>")
    message(FATAL_ERROR "${name}: index.html has no HashKV of a member")
  endif()
  if(NOT EXISTS "${dir}/checks.json")
    message(FATAL_ERROR "${name}: no checks.json in ${dir}")
  endif()
  file(READ "${dir}/timeline.dot" dot)
  if(dot MATCHES "MsgHeartbeat")
    message(FATAL_ERROR "${name}: heartbeats drawn although not asked for")
  endif()
  message(STATUS "${name}: report written")
endforeach()

# Heartbeats are traced and drawn on request.
list(GET scenarios 0 scenario)
set(dir "${DETCD_OUT}/heartbeats")
file(REMOVE_RECURSE "${dir}")
execute_process(COMMAND "${DETCD_SIM}" run "${scenario}" --seed 1 --report "${dir}"
                        --report-max-pages 1 --report-heartbeats
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ "${dir}/timeline.dot" dot)
if(NOT rc EQUAL 0 OR NOT dot MATCHES "MsgHeartbeat" OR NOT out MATCHES "--report-heartbeats\n")
  message(FATAL_ERROR "--report-heartbeats: exit ${rc}, no heartbeat drawn or replay without "
                      "the flag\n${out}\n${err}")
endif()

# A run that --bug stale-read makes non-linearizable (docs/checks.md): checks.json names the
# violation's operations and the history chart highlights them.
set(dir "${DETCD_OUT}/stale-read")
file(REMOVE_RECURSE "${dir}")
execute_process(COMMAND "${DETCD_SIM}" run "${DETCD_SCENARIO_DIR}/leader-isolated.yaml" --seed 2
                        --bug stale-read --report "${dir}" --report-max-pages 1
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ "${dir}/checks.json" checks)
file(READ "${dir}/index.html" html)
if(NOT rc EQUAL 1 OR NOT checks MATCHES "\"violation\"" OR NOT html MATCHES "violation-window"
   OR NOT html MATCHES "linearizable-prefix")
  message(FATAL_ERROR "stale-read: exit ${rc} (expected 1), or no violation highlighted\n"
                      "${out}\n${err}")
endif()

# Bad report options are bad input (exit status 2), named on standard error.
foreach(bad "--report-window;9s..4s" "--report-window;4s" "--report-page-rows;0"
            "--out;${DETCD_OUT}/other")
  execute_process(COMMAND "${DETCD_SIM}" run "${scenario}" --report "${DETCD_OUT}/bad" ${bad}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "detcd-sim run: ")
    message(FATAL_ERROR "${bad}: exit ${rc}, expected 2 with an error\n${out}\n${err}")
  endif()
endforeach()
