#pragma once
/// MPI through RAII types. Raw MPI calls live only in src/communicator.cpp; this header does not
/// include <mpi.h>, so most of the code base compiles without it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wsnas::mpi {

/// Element types for the raw-buffer collectives.
enum class DType { kFloat32, kFloat64, kInt64, kInt32, kUInt8 };

/// Initialises MPI (thread level FUNNELED) for the lifetime of the object and finalises it, unless
/// MPI was already initialised by someone else (a test main, a host program): then it leaves both
/// to its owner. Works without mpirun (Open MPI singleton: one rank).
class Environment {
 public:
  Environment(int* argc, char*** argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  /// True when this object initialised MPI (and will finalise it).
  bool owns() const { return owns_; }
  static bool initialized();
  static bool finalized();

 private:
  bool owns_ = false;
};

/// A move-only communicator: duplicates what it wraps on construction (so library traffic never
/// mixes with the user's), caches rank and size, frees itself only while MPI is still running.
class Communicator {
 public:
  /// A duplicate of MPI_COMM_WORLD.
  static Communicator world();

  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  /// False after a move.
  bool valid() const { return handle_ != nullptr; }

  /// A new communicator over the same ranks.
  Communicator dup() const;
  /// Ranks with the same color form a communicator, ordered by key (MPI_Comm_split).
  Communicator split(int color, int key) const;
  /// Ranks sharing a node (MPI_COMM_TYPE_SHARED); its rank picks the GPU.
  Communicator split_node_local() const;

  void barrier() const;
  /// A barrier that gives up after `seconds`: true when every rank arrived in time. When it gives
  /// up the request stays pending; only a rank about to abort the job should call this.
  bool barrier_within(double seconds) const;
  /// In-place sum over all ranks.
  void allreduce_sum(void* data, std::size_t count, DType type) const;
  /// In-place max over all ranks.
  void allreduce_max(void* data, std::size_t count, DType type) const;
  /// Whether the MPI library takes CUDA device pointers in collectives (Open MPI built with CUDA
  /// support and running with it: MPIX_Query_cuda_support); false when it cannot say.
  static bool cuda_aware();
  /// In-place broadcast of `bytes` bytes from `root`.
  void broadcast_bytes(void* data, std::size_t bytes, int root) const;
  /// Gathers one variable-size byte record per rank on `root` (others get an empty vector).
  std::vector<std::vector<std::uint8_t>> gather_bytes(const std::vector<std::uint8_t>& mine,
                                                      int root) const;
  /// Every rank gets every rank's record.
  std::vector<std::vector<std::uint8_t>> allgather_bytes(
      const std::vector<std::uint8_t>& mine) const;

  /// Point-to-point byte messages, for work that does not keep the ranks in step (evaluation's
  /// results reaching rank 0 while it works). A non-blocking send: the communicator keeps the
  /// buffer until the send completes (wait_sends). `tag` >= 0.
  void post_bytes(std::vector<std::uint8_t> bytes, int dest, int tag) const;
  /// Completes every posted send.
  void wait_sends() const;
  /// A message with `tag` from any rank, if one has arrived (non-blocking): its source.
  std::optional<int> try_receive_bytes(int tag, std::vector<std::uint8_t>& out) const;
  /// Waits for a message with `tag` from any rank: its source.
  int receive_bytes(int tag, std::vector<std::uint8_t>& out) const;

  /// Aborts the whole job. Only an app's main calls this, after reporting the error.
  [[noreturn]] void abort(int code) const;

 private:
  struct Handle;
  explicit Communicator(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
  int rank_ = 0;
  int size_ = 1;
};

/// Broadcasts a string from root.
std::string broadcast_string(const Communicator& comm, std::string value, int root = 0);

/// Open MPI library version string (for provenance).
std::string library_version();

}  // namespace wsnas::mpi
