# Finds every external dependency once; targets only, no directory-wide include paths.
# NAS-Bench-101's records: protobuf wire format (libprotobuf, no generated code) and JSON.
# Before Torch: PyTorch 2.x's Caffe2Config.cmake defines protobuf::libprotobuf as an empty
# stand-in ("dummy") when no such target exists yet, which would hide the real library.
find_package(Protobuf REQUIRED)
find_package(Torch REQUIRED)
find_package(MPI REQUIRED COMPONENTS CXX)
# Serial HDF5 (C API) is enough everywhere: results are written by a single process per file.
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(Boost REQUIRED COMPONENTS program_options)
find_package(ZLIB REQUIRED)
# ImageNet JPEGs: libjpeg-turbo through the libjpeg API (Debian libjpeg62-turbo-dev).
find_package(JPEG REQUIRED)
# OpenSSL's libcrypto: MD5 for NAS-Bench-101's graph hash, base64 for its records.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)

if(NOT TARGET wsnas_hdf5)
  add_library(wsnas_hdf5 INTERFACE)
  target_include_directories(wsnas_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
  target_link_libraries(wsnas_hdf5 INTERFACE ${HDF5_C_LIBRARIES} ${HDF5_LIBRARIES})
  target_compile_definitions(wsnas_hdf5 INTERFACE ${HDF5_DEFINITIONS} ${HDF5_C_DEFINITIONS})
endif()

# Torch's CMake config exports a plain `torch` target, but its include dirs are not always
# marked SYSTEM; wrap it so that our warnings stay about our code.
if(NOT TARGET wsnas_torch)
  add_library(wsnas_torch INTERFACE)
  target_link_libraries(wsnas_torch INTERFACE ${TORCH_LIBRARIES})
  target_include_directories(wsnas_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
endif()

# CUDA: decided by what the LibTorch found was built with.
set(WSNAS_HAVE_CUDA OFF)
if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES OR CUDA_FOUND)
  set(WSNAS_HAVE_CUDA ON)
endif()
if(WSNAS_CUDA STREQUAL "ON" AND NOT WSNAS_HAVE_CUDA)
  message(FATAL_ERROR "WSNAS_CUDA=ON but the LibTorch found (${Torch_DIR}) has no CUDA")
endif()
if(WSNAS_CUDA STREQUAL "OFF")
  set(WSNAS_HAVE_CUDA OFF)
endif()
message(STATUS "wsnas: LibTorch ${Torch_VERSION} at ${Torch_DIR}; CUDA ${WSNAS_HAVE_CUDA}")
