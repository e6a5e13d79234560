# The browser test must fail on a broken page: it runs browser_test.py with broken_report.sh in
# place of detcd-sim and expects exit status 1 with every problem of that page named.
# -DPYTHON=/usr/bin/python3 -DBROWSER_TEST=<browser_test.py> -DFAKE_SIM=<broken_report.sh>
# -DDETCD_OUT=<scratch directory>
execute_process(COMMAND "${PYTHON}" "${BROWSER_TEST}" --detcd-sim "${FAKE_SIM}" --scenario none
                        --out "${DETCD_OUT}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "browser_test.py exited ${rc} on a broken page, expected 1\n${out}\n${err}")
endif()
foreach(expected "FAILED: no timeline <svg>" "FAILED: 0 history charts"
                 "FAILED: the page fetched" "FAILED: browser logged SEVERE: .*ReferenceError")
  if(NOT out MATCHES "${expected}")
    message(FATAL_ERROR "browser_test.py did not report \"${expected}\"\n${out}\n${err}")
  endif()
endforeach()
