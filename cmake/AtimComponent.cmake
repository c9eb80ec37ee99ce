# Helpers that turn the folder layout into targets, so adding a file never needs a CMake edit.

# atim_component(NAME DEPS ...): static library atim_NAME from src/NAME/**/*.cpp (skipped when empty).
function(atim_component name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/src/${name}/*.cpp")
  list(FILTER sources EXCLUDE REGEX "/src/runtime/emu/")
  # One of the two cluster runners (ATIM_MPI, top-level CMakeLists.txt).
  if(ATIM_MPI)
    list(FILTER sources EXCLUDE REGEX "/src/tune/runner/no_mpi/")
  else()
    list(FILTER sources EXCLUDE REGEX "/src/tune/runner/mpi/")
  endif()
  set(real_deps)
  foreach(dep IN LISTS ARG_DEPS)
    if(TARGET ${dep} OR NOT dep MATCHES "^atim_")
      list(APPEND real_deps ${dep})
    endif()
  endforeach()
  if(sources)
    add_library(atim_${name} STATIC ${sources})
    target_include_directories(atim_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(atim_${name} PUBLIC ${real_deps})
  else()
    add_library(atim_${name} INTERFACE)
    target_include_directories(atim_${name} INTERFACE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(atim_${name} INTERFACE ${real_deps})
  endif()
endfunction()

# atim_tests(LABEL): one GoogleTest executable LABEL_COMPONENT per folder tests/LABEL/COMPONENT,
# each test carrying the ctest label LABEL.
function(atim_tests label)
  file(GLOB dirs LIST_DIRECTORIES true CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/${label}/*")
  foreach(dir IN LISTS dirs)
    if(NOT IS_DIRECTORY ${dir})
      continue()
    endif()
    get_filename_component(component ${dir} NAME)
    # The MPI tests need the MPI runner and a launcher.
    if(component STREQUAL "mpi" AND NOT ATIM_MPI)
      continue()
    endif()
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${dir}/*.cpp")
    if(NOT sources)
      continue()
    endif()
    set(exe ${label}_${component})
    add_executable(${exe} ${sources})
    target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
    # A component's tests link only that component, so one broken folder does not stop the others.
    # A folder named COMPONENT_PART (e.g. sim_system) tests part of COMPONENT and links only that library.
    string(REGEX REPLACE "_.*$" "" parent_component ${component})
    if(TARGET atim_${component})
      target_link_libraries(${exe} PRIVATE atim_${component})
    elseif(TARGET atim_${parent_component})
      target_link_libraries(${exe} PRIVATE atim_${parent_component})
    else()
      target_link_libraries(${exe} PRIVATE atim_all)
    endif()
    target_link_libraries(${exe} PRIVATE GTest::gtest_main GTest::gmock)
    target_compile_definitions(${exe} PRIVATE ATIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                              ATIM_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared"
                                              ATIM_BINARY_DIR="${PROJECT_BINARY_DIR}"
                                              ATIM_MPIEXEC="${ATIM_MPIEXEC}")
    gtest_discover_tests(${exe} PROPERTIES LABELS ${label} DISCOVERY_TIMEOUT 60)
  endforeach()
endfunction()
