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
  message(STATUS "${name}: report written")
endforeach()

# Bad report options are bad input (exit status 2), named on standard error.
list(GET scenarios 0 scenario)
foreach(bad "--report-window;9s..4s" "--report-window;4s" "--report-page-rows;0"
            "--out;${DETCD_OUT}/other")
  execute_process(COMMAND "${DETCD_SIM}" run "${scenario}" --report "${DETCD_OUT}/bad" ${bad}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "detcd-sim run: ")
    message(FATAL_ERROR "${bad}: exit ${rc}, expected 2 with an error\n${out}\n${err}")
  endif()
endforeach()
