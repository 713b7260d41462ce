# Warnings for project code only (third-party headers come in as SYSTEM includes).
add_library(fti_warnings INTERFACE)
target_compile_options(fti_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(FTI_WERROR)
  target_compile_options(fti_warnings INTERFACE -Werror)
endif()

# Every project target links this to get one set of flags.
function(fti_target name)
  target_link_libraries(${name} PRIVATE fti_warnings)
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()
