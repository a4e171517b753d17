// The only translation unit that calls MPI directly.
#include "wsnas/mpi/communicator.h"

#include <mpi.h>
#if defined(OPEN_MPI) && OPEN_MPI
#include <mpi-ext.h>  // MPIX_CUDA_AWARE_SUPPORT, MPIX_Query_cuda_support
#endif

#include <chrono>
#include <climits>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "wsnas/core/error.h"

namespace wsnas::mpi {

namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw Error(
      detail::concat("MPI error in ", what, ": ", std::string(msg, static_cast<std::size_t>(len))));
}

MPI_Datatype to_mpi(DType t) {
  switch (t) {
    case DType::kFloat32:
      return MPI_FLOAT;
    case DType::kFloat64:
      return MPI_DOUBLE;
    case DType::kInt64:
      return MPI_INT64_T;
    case DType::kInt32:
      return MPI_INT32_T;
    case DType::kUInt8:
      return MPI_UINT8_T;
  }
  return MPI_DATATYPE_NULL;
}

int to_count(std::size_t n, const char* what) {
  WSNAS_CHECK(n <= static_cast<std::size_t>(INT_MAX), what, ": ", n,
              " elements exceed MPI's int count; split the buffer");
  return static_cast<int>(n);
}

}  // namespace

struct Communicator::Handle {
  MPI_Comm comm = MPI_COMM_NULL;
  /// Sends posted and not yet known complete, with the buffers MPI reads from.
  std::vector<std::pair<MPI_Request, std::unique_ptr<std::vector<std::uint8_t>>>> sends;
};

// ---- Environment -------------------------------------------------------------------------------

Environment::Environment(int* argc, char*** argv) {
  if (initialized()) return;
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  owns_ = true;
  // Errors come back as return codes, which we turn into exceptions.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

Environment::~Environment() {
  if (owns_ && initialized() && !finalized()) MPI_Finalize();
}

bool Environment::initialized() {
  int flag = 0;
  MPI_Initialized(&flag);
  return flag != 0;
}

bool Environment::finalized() {
  int flag = 0;
  MPI_Finalized(&flag);
  return flag != 0;
}

std::string library_version() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string s(buf, static_cast<std::size_t>(len));
  auto nl = s.find_first_of("\r\n,");
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// ---- Communicator ------------------------------------------------------------------------------

Communicator::Communicator(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {
  MPI_Comm_set_errhandler(handle_->comm, MPI_ERRORS_RETURN);
  check(MPI_Comm_rank(handle_->comm, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(handle_->comm, &size_), "MPI_Comm_size");
}

Communicator Communicator::world() {
  WSNAS_CHECK(Environment::initialized(),
              "MPI is not initialised: create a wsnas::mpi::Environment first");
  auto h = std::make_unique<Handle>();
  check(MPI_Comm_dup(MPI_COMM_WORLD, &h->comm), "MPI_Comm_dup");
  return Communicator(std::move(h));
}

Communicator::Communicator(Communicator&& other) noexcept
    : handle_(std::move(other.handle_)), rank_(other.rank_), size_(other.size_) {
  other.rank_ = 0;
  other.size_ = 0;
}

namespace {

/// Frees a communicator's handle while MPI runs. Sends still in flight (an error unwound past
/// wait_sends): MPI may still read their buffers, so they are released to MPI and left allocated.
template <class Handle>
void free_handle(Handle& h) {
  if (h.comm == MPI_COMM_NULL || !Environment::initialized() || Environment::finalized()) return;
  for (auto& [request, buffer] : h.sends) {
    MPI_Request_free(&request);
    static_cast<void>(buffer.release());
  }
  h.sends.clear();
  MPI_Comm_free(&h.comm);
}

}  // namespace

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    if (handle_) free_handle(*handle_);
    handle_ = std::move(other.handle_);
    rank_ = other.rank_;
    size_ = other.size_;
    other.rank_ = 0;
    other.size_ = 0;
  }
  return *this;
}

Communicator::~Communicator() {
  if (handle_) free_handle(*handle_);
}

Communicator Communicator::dup() const {
  auto h = std::make_unique<Handle>();
  check(MPI_Comm_dup(handle_->comm, &h->comm), "MPI_Comm_dup");
  return Communicator(std::move(h));
}

Communicator Communicator::split(int color, int key) const {
  WSNAS_CHECK(color >= 0, "Communicator::split: color must be >= 0, got ", color);
  auto h = std::make_unique<Handle>();
  check(MPI_Comm_split(handle_->comm, color, key, &h->comm), "MPI_Comm_split");
  return Communicator(std::move(h));
}

Communicator Communicator::split_node_local() const {
  auto h = std::make_unique<Handle>();
  check(MPI_Comm_split_type(handle_->comm, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &h->comm),
        "MPI_Comm_split_type");
  return Communicator(std::move(h));
}

void Communicator::barrier() const { check(MPI_Barrier(handle_->comm), "MPI_Barrier"); }

bool Communicator::barrier_within(double seconds) const {
  if (size_ == 1) return true;
  MPI_Request request = MPI_REQUEST_NULL;
  check(MPI_Ibarrier(handle_->comm, &request), "MPI_Ibarrier");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    int done = 0;
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Communicator::allreduce_sum(void* data, std::size_t count, DType type) const {
  if (size_ == 1 || count == 0) return;
  check(MPI_Allreduce(MPI_IN_PLACE, data, to_count(count, "allreduce"), to_mpi(type), MPI_SUM,
                      handle_->comm),
        "MPI_Allreduce");
}

void Communicator::allreduce_max(void* data, std::size_t count, DType type) const {
  if (size_ == 1 || count == 0) return;
  check(MPI_Allreduce(MPI_IN_PLACE, data, to_count(count, "allreduce"), to_mpi(type), MPI_MAX,
                      handle_->comm),
        "MPI_Allreduce");
}

bool Communicator::cuda_aware() {
#if defined(MPIX_CUDA_AWARE_SUPPORT) && MPIX_CUDA_AWARE_SUPPORT
  return MPIX_Query_cuda_support() == 1;
#else
  return false;
#endif
}

void Communicator::broadcast_bytes(void* data, std::size_t bytes, int root) const {
  if (size_ == 1 || bytes == 0) return;
  check(MPI_Bcast(data, to_count(bytes, "broadcast"), MPI_BYTE, root, handle_->comm), "MPI_Bcast");
}

std::vector<std::vector<std::uint8_t>> Communicator::gather_bytes(
    const std::vector<std::uint8_t>& mine, int root) const {
  int n = to_count(mine.size(), "gather");
  std::vector<int> counts(rank_ == root ? static_cast<std::size_t>(size_) : 0);
  check(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, root, handle_->comm), "MPI_Gather");
  std::vector<int> displs;
  std::vector<std::uint8_t> all;
  if (rank_ == root) {
    displs.resize(counts.size());
    long long total = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      displs[i] = static_cast<int>(total);
      total += counts[i];
    }
    WSNAS_CHECK(total <= INT_MAX, "gather_bytes: ", total, " bytes in all exceed MPI's int count");
    all.resize(static_cast<std::size_t>(total));
  }
  check(MPI_Gatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE,
                    root, handle_->comm),
        "MPI_Gatherv");
  std::vector<std::vector<std::uint8_t>> out;
  if (rank_ == root) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      auto b = all.begin() + displs[i];
      out.emplace_back(b, b + counts[i]);
    }
  }
  return out;
}

std::vector<std::vector<std::uint8_t>> Communicator::allgather_bytes(
    const std::vector<std::uint8_t>& mine) const {
  int n = to_count(mine.size(), "allgather");
  std::vector<int> counts(static_cast<std::size_t>(size_));
  check(MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, handle_->comm), "MPI_Allgather");
  std::vector<int> displs(counts.size());
  long long total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    displs[i] = static_cast<int>(total);
    total += counts[i];
  }
  WSNAS_CHECK(total <= INT_MAX, "allgather_bytes: ", total, " bytes in all exceed MPI's int count");
  std::vector<std::uint8_t> all(static_cast<std::size_t>(total));
  check(MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE,
                       handle_->comm),
        "MPI_Allgatherv");
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    auto b = all.begin() + displs[i];
    out.emplace_back(b, b + counts[i]);
  }
  return out;
}

void Communicator::post_bytes(std::vector<std::uint8_t> bytes, int dest, int tag) const {
  auto buffer = std::make_unique<std::vector<std::uint8_t>>(std::move(bytes));
  MPI_Request request = MPI_REQUEST_NULL;
  check(MPI_Isend(buffer->data(), to_count(buffer->size(), "post_bytes"), MPI_BYTE, dest, tag,
                  handle_->comm, &request),
        "MPI_Isend");
  handle_->sends.emplace_back(request, std::move(buffer));
  // Sends already complete give their buffers back.
  auto& sends = handle_->sends;
  for (std::size_t i = 0; i < sends.size();) {
    int done = 0;
    check(MPI_Test(&sends[i].first, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) {
      sends.erase(sends.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
}

void Communicator::wait_sends() const {
  for (auto& [request, buffer] : handle_->sends)
    check(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
  handle_->sends.clear();
}

namespace {

int receive_probed(MPI_Comm comm, const MPI_Status& status, int tag,
                   std::vector<std::uint8_t>& out) {
  int n = 0;
  check(MPI_Get_count(&status, MPI_BYTE, &n), "MPI_Get_count");
  out.resize(static_cast<std::size_t>(n));
  check(MPI_Recv(out.data(), n, MPI_BYTE, status.MPI_SOURCE, tag, comm, MPI_STATUS_IGNORE),
        "MPI_Recv");
  return status.MPI_SOURCE;
}

}  // namespace

std::optional<int> Communicator::try_receive_bytes(int tag, std::vector<std::uint8_t>& out) const {
  int flag = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, tag, handle_->comm, &flag, &status), "MPI_Iprobe");
  if (!flag) return std::nullopt;
  return receive_probed(handle_->comm, status, tag, out);
}

int Communicator::receive_bytes(int tag, std::vector<std::uint8_t>& out) const {
  MPI_Status status;
  check(MPI_Probe(MPI_ANY_SOURCE, tag, handle_->comm, &status), "MPI_Probe");
  return receive_probed(handle_->comm, status, tag, out);
}

void Communicator::abort(int code) const {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();
}

std::string broadcast_string(const Communicator& comm, std::string value, int root) {
  std::uint64_t n = value.size();
  comm.broadcast_bytes(&n, sizeof n, root);
  value.resize(static_cast<std::size_t>(n));
  comm.broadcast_bytes(value.data(), value.size(), root);
  return value;
}

}  // namespace wsnas::mpi
