# check_install.cmake -- ctest packaging/install: runs the install rules
# into a scratch DESTDIR with prefix /usr and checks every file and the
# unit's ExecStart.  Usage: cmake -DBUILD_DIR=<build> -DUNIT_DIR=<dir>
# -DSYSUSERS_DIR=<dir> -P check_install.cmake
set(stage "${BUILD_DIR}/install-check")
file(REMOVE_RECURSE "${stage}")
set(ENV{DESTDIR} "${stage}")
# --component: its manifest is install_manifest_Unspecified.txt, so a real
# install's install_manifest.txt (make uninstall) is left alone
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix /usr
                        --component Unspecified
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed (${rc}):\n${out}\n${err}")
endif()
# UNIT_DIR and SYSUSERS_DIR as configured: relative to the prefix (the
# default) or absolute (the Debian package puts the unit in /lib/systemd/system)
foreach(v UNIT_DIR SYSUSERS_DIR)
  if(IS_ABSOLUTE "${${v}}")
    string(REGEX REPLACE "^/" "" ${v} "${${v}}")
  else()
    set(${v} "usr/${${v}}")
  endif()
endforeach()
foreach(f usr/bin/numberd usr/share/man/man1/numberd.1 ${UNIT_DIR}/numberd.service
          ${SYSUSERS_DIR}/numberd.conf usr/share/bash-completion/completions/numberd
          usr/share/zsh/vendor-completions/_numberd)
  if(NOT EXISTS "${stage}/${f}")
    message(FATAL_ERROR "not installed: /${f}\n${out}")
  endif()
endforeach()
file(READ "${stage}/${UNIT_DIR}/numberd.service" unit)
if(NOT unit MATCHES "\nExecStart=/usr/bin/numberd serve\n")
  message(FATAL_ERROR "the installed unit does not run /usr/bin/numberd:\n${unit}")
endif()
if(unit MATCHES "install-check")
  message(FATAL_ERROR "DESTDIR leaked into the unit:\n${unit}")
endif()
execute_process(COMMAND "${stage}/usr/bin/numberd" --version RESULT_VARIABLE rc OUTPUT_VARIABLE v)
if(NOT rc EQUAL 0 OR NOT v MATCHES "^numberd ")
  message(FATAL_ERROR "the installed binary does not run: ${rc} ${v}")
endif()
file(REMOVE_RECURSE "${stage}")
message(STATUS "install check passed")
