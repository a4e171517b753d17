#pragma once
/// HDF5 through RAII handles and checked wrappers. Every failure throws wsnas::Error naming the
/// file and the object path; HDF5's own error stack printing is switched off so a user sees one
/// line. <hdf5.h> stays out of this header.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace wsnas::io {

/// Owns one HDF5 identifier (file, group, dataset, dataspace, datatype, attribute, plist) and
/// closes it with the matching H5*close. Move-only; hid_t is int64_t in HDF5 >= 1.10.
class H5Id {
 public:
  H5Id() = default;
  explicit H5Id(std::int64_t id) : id_(id) {}
  H5Id(H5Id&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  H5Id& operator=(H5Id&& o) noexcept;
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  ~H5Id() { reset(); }
  std::int64_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();
  /// Gives up ownership without closing.
  std::int64_t release() {
    auto id = id_;
    id_ = -1;
    return id;
  }

 private:
  std::int64_t id_ = -1;
};

/// Scalar attribute values.
enum class AttrType { kString, kInt, kFloat, kOther };

/// An open HDF5 file addressed by absolute object paths ("/group/dataset").
class File {
 public:
  enum class Mode { kRead, kReadWrite };
  /// Creates (truncating) a file.
  static File create(const std::string& path);
  /// Opens an existing file; a missing or non-HDF5 file is an InputError naming it.
  static File open(const std::string& path, Mode mode = Mode::kRead);

  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  ~File();

  const std::string& path() const { return path_; }
  /// Flushes and closes; later calls throw. Called by the destructor (errors there are ignored).
  void close();
  void flush();

  bool exists(const std::string& obj) const;
  /// Creates the group and any missing parents.
  void create_group(const std::string& group);
  /// Names of the members of a group, sorted.
  std::vector<std::string> list(const std::string& group) const;
  /// Deletes a link (dataset or group) if it exists.
  void remove(const std::string& obj);

  // ---- datasets of plain arrays (row-major, any rank) ----
  void write_f64(const std::string& obj, const std::vector<double>& v,
                 const std::vector<std::int64_t>& shape = {});
  void write_f32(const std::string& obj, const std::vector<float>& v,
                 const std::vector<std::int64_t>& shape = {});
  void write_i64(const std::string& obj, const std::vector<std::int64_t>& v,
                 const std::vector<std::int64_t>& shape = {});
  void write_u8(const std::string& obj, const std::vector<std::uint8_t>& v,
                const std::vector<std::int64_t>& shape = {});
  /// Element types of write_raw/read_raw.
  enum class NumType { kF32, kF64, kI64, kU8 };
  /// Writes `n` elements of `type` from `data` without copying them (a tensor's own memory).
  void write_raw(const std::string& obj, const void* data, std::size_t n, NumType type,
                 const std::vector<std::int64_t>& shape = {});
  /// Reads a dataset of exactly `n` elements into `out`, converted to `type`; InputError naming
  /// the object when its size differs.
  void read_raw(const std::string& obj, void* out, std::size_t n, NumType type) const;
  std::vector<double> read_f64(const std::string& obj) const;
  std::vector<float> read_f32(const std::string& obj) const;
  std::vector<std::int64_t> read_i64(const std::string& obj) const;
  std::vector<std::uint8_t> read_u8(const std::string& obj) const;
  /// Dimensions of a dataset.
  std::vector<std::int64_t> shape(const std::string& obj) const;

  /// Variable-length UTF-8 strings (1-D dataset); also a single string.
  void write_strings(const std::string& obj, const std::vector<std::string>& v);
  std::vector<std::string> read_strings(const std::string& obj) const;
  void write_string(const std::string& obj, const std::string& s);
  std::string read_string(const std::string& obj) const;

  // ---- scalar attributes on a group or dataset ("/" for the file) ----
  void set_attr(const std::string& obj, const std::string& name, const std::string& value);
  void set_attr(const std::string& obj, const std::string& name, const char* value) {
    set_attr(obj, name, std::string(value));
  }
  void set_attr(const std::string& obj, const std::string& name, std::int64_t value);
  void set_attr(const std::string& obj, const std::string& name, int value) {
    set_attr(obj, name, static_cast<std::int64_t>(value));
  }
  void set_attr(const std::string& obj, const std::string& name, double value);
  bool has_attr(const std::string& obj, const std::string& name) const;
  AttrType attr_type(const std::string& obj, const std::string& name) const;
  std::string attr_string(const std::string& obj, const std::string& name) const;
  std::int64_t attr_int(const std::string& obj, const std::string& name) const;
  double attr_double(const std::string& obj, const std::string& name) const;
  std::vector<std::string> attr_names(const std::string& obj) const;

  /// "file 'p': object '/o'": the context every error message starts with.
  std::string where(const std::string& obj) const;
  /// Raw file identifier, for the tensor helpers.
  std::int64_t id() const { return id_.get(); }

 private:
  File(std::string path, H5Id id) : path_(std::move(path)), id_(std::move(id)) {}
  template <class T>
  void write_array(const std::string& obj, const T* data, std::size_t n,
                   std::vector<std::int64_t> shape, std::int64_t mem_type);
  template <class T>
  std::vector<T> read_array(const std::string& obj, std::int64_t mem_type) const;
  std::string path_;
  H5Id id_;
};

/// "HDF5 1.10.8" (for provenance).
std::string hdf5_version();
/// True if `path` exists and is an HDF5 file.
bool is_hdf5(const std::string& path);

namespace detail {
/// The innermost message on HDF5's error stack (empty if none), then clears the stack.
std::string hdf5_error_message();
/// Creates the parent groups of an object path.
void ensure_parents(File& f, const std::string& obj);
}  // namespace detail

}  // namespace wsnas::io
