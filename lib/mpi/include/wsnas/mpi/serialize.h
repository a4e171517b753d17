#pragma once
/// Typed messages between ranks: a struct declares its fields once, in
///   template <class A> void fields(A& a, Record& r) { a(r.name, r.epoch, r.metrics); }
/// (found by argument-dependent lookup), and the same declaration writes it to bytes and reads it
/// back: numbers, strings, vectors and nested such structs. gather() sends one value per rank to
/// the root. Nothing is packed by hand at the call sites.

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "wsnas/core/error.h"
#include "wsnas/mpi/communicator.h"

namespace wsnas::mpi {

namespace detail {
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
}  // namespace detail

/// Appends values to a byte buffer.
class ByteWriter {
 public:
  template <class... T>
  void operator()(const T&... values) {
    (put(values), ...);
  }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  template <class T>
  void put(const T& v) {
    if constexpr (std::is_arithmetic_v<T>) {
      const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
      bytes_.insert(bytes_.end(), p, p + sizeof v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      put(static_cast<std::uint64_t>(v.size()));
      bytes_.insert(bytes_.end(), v.begin(), v.end());
    } else if constexpr (detail::IsVector<T>::value) {
      put(static_cast<std::uint64_t>(v.size()));
      for (const auto& x : v) put(x);
    } else {
      fields(*this, const_cast<T&>(v));  // the struct's declaration; writing does not change it
    }
  }
  std::vector<std::uint8_t> bytes_;
};

/// Reads values back in the order they were written; a short or long buffer is an Error.
class ByteReader {
 public:
  explicit ByteReader(const std::vector<std::uint8_t>& bytes) : bytes_(bytes) {}
  template <class... T>
  void operator()(T&... values) {
    (get(values), ...);
  }
  /// Throws unless every byte was read.
  void finish() const {
    WSNAS_CHECK(pos_ == bytes_.size(), "message of ", bytes_.size(), " bytes, ", pos_, " read");
  }

 private:
  template <class T>
  void get(T& v) {
    if constexpr (std::is_arithmetic_v<T>) {
      need(sizeof v);
      std::memcpy(&v, bytes_.data() + pos_, sizeof v);
      pos_ += sizeof v;
    } else if constexpr (std::is_same_v<T, std::string>) {
      std::uint64_t n = 0;
      get(n);
      need(n);
      v.assign(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_),
               bytes_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
      pos_ += n;
    } else if constexpr (detail::IsVector<T>::value) {
      std::uint64_t n = 0;
      get(n);
      need(n);  // at least a byte per element: a corrupt count fails here, not in resize
      v.clear();
      v.resize(n);
      for (auto& x : v) get(x);
    } else {
      fields(*this, v);
    }
  }
  void need(std::uint64_t n) const {
    WSNAS_CHECK(n <= bytes_.size() - pos_, "message of ", bytes_.size(), " bytes: ", n,
                " more wanted at ", pos_);
  }
  const std::vector<std::uint8_t>& bytes_;
  std::size_t pos_ = 0;
};

template <class T>
std::vector<std::uint8_t> to_bytes(const T& value) {
  ByteWriter w;
  w(value);
  return w.take();
}

template <class T>
T from_bytes(const std::vector<std::uint8_t>& bytes) {
  T value{};
  ByteReader r(bytes);
  r(value);
  r.finish();
  return value;
}

/// Every rank's `mine` on `root`, in rank order (other ranks get an empty vector). Collective.
template <class T>
std::vector<T> gather(const Communicator& comm, const T& mine, int root) {
  std::vector<T> out;
  for (const auto& b : comm.gather_bytes(to_bytes(mine), root)) out.push_back(from_bytes<T>(b));
  return out;
}

}  // namespace wsnas::mpi
