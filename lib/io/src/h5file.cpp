#include "wsnas/io/h5file.h"

#include <hdf5.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/strings.h"

namespace wsnas::io {

namespace {

// Switch off HDF5's automatic stack printing once: we report one line ourselves. And no clean-up
// at exit: every file is closed by its owner; one whose close failed (disk full) must not be
// flushed again while the process exits (HDF5 1.10 can crash doing so).
struct SilenceHdf5 {
  SilenceHdf5() {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
};
void silence() { static SilenceHdf5 once; }

herr_t walk_cb(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::string*>(data);
  // The innermost entry (n == 0) is the most specific; keep the deepest one with a message.
  if (err->desc && *err->desc && out->empty()) *out = err->desc;
  return 0;
}

/// A failure of the machine rather than of the input: a full disk, a quota, a file-size limit, an
/// I/O error.
bool machine_failure(int e) { return e == ENOSPC || e == EFBIG || e == EDQUOT || e == EIO; }

/// The system's errno behind an HDF5 failure: HDF5's own message says it ("..., errno = 13, error
/// message = 'Permission denied', ..."); else errno when it is a machine failure; else 0.
int system_errno(const std::string& desc, int saved) {
  const auto at = desc.find("errno = ");
  if (at != std::string::npos) {
    const int e = std::atoi(desc.c_str() + at + 8);
    if (e > 0) return e;
  }
  if (machine_failure(saved) || saved == EROFS) return saved;
  return 0;
}

/// Throws "where: what: <system reason>" (or HDF5's innermost message when there is no system
/// reason). A path error (permission, a directory, a missing directory) is an InputError; a full
/// disk or a file-size limit is an Error; otherwise `reading` decides: a read that fails is a bad
/// file (InputError), a write that fails is a failure (Error).
[[noreturn]] void fail(const std::string& where, const std::string& what, bool reading) {
  const int saved = errno;
  const std::string d = detail::hdf5_error_message();
  if (const int e = system_errno(d, saved)) {
    if (is_path_error(e) || (reading && !machine_failure(e)))
      throw InputError(where + ": " + what + ": " + std::strerror(e));
    throw Error(where + ": " + what + ": " + std::strerror(e));
  }
  const std::string m = where + ": " + what + (d.empty() ? "" : " (" + d + ")");
  if (reading) throw InputError(m);
  throw Error(m);
}

}  // namespace

/// A failed HDF5 call that writes (create, write, flush, close).
#define WSNAS_H5CHECK(expr, where, what)          \
  do {                                            \
    if ((expr) < 0) fail((where), (what), false); \
  } while (0)

/// A failed HDF5 call that reads a file someone gave us.
#define WSNAS_H5READ(expr, where, what)          \
  do {                                           \
    if ((expr) < 0) fail((where), (what), true); \
  } while (0)

namespace detail {

std::string hdf5_error_message() {
  std::string msg;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg;
}

void ensure_parents(File& f, const std::string& obj) {
  auto pos = obj.find_last_of('/');
  if (pos == std::string::npos || pos == 0) return;
  std::string parent = obj.substr(0, pos);
  if (!f.exists(parent)) f.create_group(parent);
}

}  // namespace detail

// ---- H5Id --------------------------------------------------------------------------------------

H5Id& H5Id::operator=(H5Id&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

void H5Id::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      H5Fclose(id_);
      break;
    case H5I_GROUP:
      H5Gclose(id_);
      break;
    case H5I_DATASET:
      H5Dclose(id_);
      break;
    case H5I_DATASPACE:
      H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      H5Tclose(id_);
      break;
    case H5I_ATTR:
      H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id_);
      break;
    default:
      break;
  }
  id_ = -1;
}

// ---- File --------------------------------------------------------------------------------------

std::string File::where(const std::string& obj) const {
  return "file '" + path_ + "'" + (obj.empty() ? std::string() : ": object '" + obj + "'");
}

bool is_hdf5(const std::string& path) {
  silence();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  htri_t r = H5Fis_hdf5(path.c_str());
  H5Eclear2(H5E_DEFAULT);
  return r > 0;
}

File File::create(const std::string& path) {
  silence();
  H5Id fapl(H5Pcreate(H5P_FILE_ACCESS));
  // Newest format for compact attributes; readable by HDF5 >= 1.10 (h5py, h5dump of Debian 12).
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (id < 0) {
    fail("file '" + path + "'", "cannot create HDF5 file", false);
  }
  return File(path, H5Id(id));
}

File File::open(const std::string& path, Mode mode) {
  silence();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw InputError("file '" + path + "': does not exist (expected an HDF5 file)");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError("file '" + path + "': not an HDF5 file, or truncated/corrupt");
  }
  hid_t id =
      H5Fopen(path.c_str(), mode == Mode::kRead ? H5F_ACC_RDONLY : H5F_ACC_RDWR, H5P_DEFAULT);
  if (id < 0) {
    fail("file '" + path + "'", "cannot open HDF5 file", true);
  }
  return File(path, H5Id(id));
}

File::~File() {
  try {
    close();
  } catch (...) {
    // Destructors never throw.
  }
}

void File::close() {
  if (!id_.valid()) return;
  hid_t id = id_.release();
  H5Fflush(id, H5F_SCOPE_LOCAL);
  WSNAS_H5CHECK(H5Fclose(id), where(""), "cannot close HDF5 file");
}

void File::flush() {
  WSNAS_H5CHECK(H5Fflush(id_.get(), H5F_SCOPE_LOCAL), where(""), "cannot flush");
}

bool File::exists(const std::string& obj) const {
  if (obj == "/" || obj.empty()) return true;
  // H5Lexists fails if an intermediate group is missing: walk the path.
  std::string cur;
  for (const auto& part : split(obj, '/')) {
    if (part.empty()) continue;
    cur += "/" + part;
    htri_t r = H5Lexists(id_.get(), cur.c_str(), H5P_DEFAULT);
    if (r <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
  }
  return true;
}

void File::create_group(const std::string& group) {
  if (exists(group)) return;
  H5Id lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  H5Id g(H5Gcreate2(id_.get(), group.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
  WSNAS_H5CHECK(g.get(), where(group), "cannot create group");
}

namespace {
// HDF5 1.12 renamed the link-info type and iterator; support 1.10 (Debian 12, the GPU machine) and
// newer.
#if H5_VERSION_GE(1, 12, 0)
using LinkInfo = H5L_info2_t;
#define WSNAS_H5_LITERATE H5Literate2
#else
using LinkInfo = H5L_info_t;
#define WSNAS_H5_LITERATE H5Literate
#endif
herr_t list_cb(hid_t, const char* name, const LinkInfo*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> File::list(const std::string& group) const {
  std::vector<std::string> names;
  H5Id g(H5Gopen2(id_.get(), group.c_str(), H5P_DEFAULT));
  WSNAS_H5READ(g.get(), where(group), "no such group");
  WSNAS_H5READ(WSNAS_H5_LITERATE(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, list_cb, &names),
               where(group), "cannot list group");
  std::sort(names.begin(), names.end());
  return names;
}

void File::remove(const std::string& obj) {
  if (!exists(obj)) return;
  WSNAS_H5CHECK(H5Ldelete(id_.get(), obj.c_str(), H5P_DEFAULT), where(obj), "cannot delete");
}

template <class T>
void File::write_array(const std::string& obj, const T* data, std::size_t n,
                       std::vector<std::int64_t> shape, std::int64_t mem_type) {
  if (shape.empty()) shape = {static_cast<std::int64_t>(n)};
  std::int64_t prod = 1;
  for (auto d : shape) prod *= d;
  WSNAS_ASSERT(static_cast<std::size_t>(prod) == n, "shape does not match data size for ", obj);
  detail::ensure_parents(*this, obj);
  remove(obj);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  H5Id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  WSNAS_H5CHECK(space.get(), where(obj), "cannot create dataspace");
  H5Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
  // Compress large arrays (checkpoints); small ones stay contiguous for h5dump readability.
  if (n >= 4096 && !dims.empty()) {
    std::vector<hsize_t> chunk(dims);
    hsize_t total = 1;
    for (auto& c : chunk) {
      c = std::max<hsize_t>(c, 1);
      total *= c;
    }
    // Chunks of at most ~1M elements: shrink leading dimensions first.
    for (std::size_t i = 0; i < chunk.size() && total > (1u << 20); ++i) {
      hsize_t before = chunk[i];
      chunk[i] = std::max<hsize_t>(1, chunk[i] / ((total + (1u << 20) - 1) / (1u << 20)));
      total = total / before * chunk[i];
    }
    H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
    H5Pset_deflate(dcpl.get(), 1);
  }
  H5Id ds(H5Dcreate2(id_.get(), obj.c_str(), static_cast<hid_t>(mem_type), space.get(), H5P_DEFAULT,
                     dcpl.get(), H5P_DEFAULT));
  WSNAS_H5CHECK(ds.get(), where(obj), "cannot create dataset");
  if (n > 0) {
    WSNAS_H5CHECK(
        H5Dwrite(ds.get(), static_cast<hid_t>(mem_type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
        where(obj), "cannot write dataset");
  }
}

template <class T>
std::vector<T> File::read_array(const std::string& obj, std::int64_t mem_type) const {
  WSNAS_CHECK_INPUT(exists(obj), where(obj), ": missing (expected a dataset)");
  H5Id ds(H5Dopen2(id_.get(), obj.c_str(), H5P_DEFAULT));
  WSNAS_H5READ(ds.get(), where(obj), "not a dataset");
  H5Id space(H5Dget_space(ds.get()));
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  WSNAS_H5READ(n, where(obj), "cannot read dataspace");
  std::vector<T> out(static_cast<std::size_t>(n));
  if (n > 0) {
    WSNAS_H5READ(
        H5Dread(ds.get(), static_cast<hid_t>(mem_type), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
        where(obj), "cannot read dataset (wrong type or truncated file)");
  }
  return out;
}

std::vector<std::int64_t> File::shape(const std::string& obj) const {
  WSNAS_CHECK_INPUT(exists(obj), where(obj), ": missing (expected a dataset)");
  H5Id ds(H5Dopen2(id_.get(), obj.c_str(), H5P_DEFAULT));
  WSNAS_H5READ(ds.get(), where(obj), "not a dataset");
  H5Id space(H5Dget_space(ds.get()));
  int rank = H5Sget_simple_extent_ndims(space.get());
  WSNAS_H5READ(rank, where(obj), "cannot read dataspace");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

void File::write_f64(const std::string& o, const std::vector<double>& v,
                     const std::vector<std::int64_t>& s) {
  write_array(o, v.data(), v.size(), s, H5T_NATIVE_DOUBLE);
}
void File::write_f32(const std::string& o, const std::vector<float>& v,
                     const std::vector<std::int64_t>& s) {
  write_array(o, v.data(), v.size(), s, H5T_NATIVE_FLOAT);
}
void File::write_i64(const std::string& o, const std::vector<std::int64_t>& v,
                     const std::vector<std::int64_t>& s) {
  write_array(o, v.data(), v.size(), s, H5T_NATIVE_INT64);
}
void File::write_u8(const std::string& o, const std::vector<std::uint8_t>& v,
                    const std::vector<std::int64_t>& s) {
  write_array(o, v.data(), v.size(), s, H5T_NATIVE_UINT8);
}
namespace {
hid_t native(File::NumType t) {
  switch (t) {
    case File::NumType::kF32:
      return H5T_NATIVE_FLOAT;
    case File::NumType::kF64:
      return H5T_NATIVE_DOUBLE;
    case File::NumType::kI64:
      return H5T_NATIVE_INT64;
    case File::NumType::kU8:
      return H5T_NATIVE_UINT8;
  }
  return H5T_NATIVE_UINT8;
}
}  // namespace

void File::write_raw(const std::string& o, const void* data, std::size_t n, NumType type,
                     const std::vector<std::int64_t>& s) {
  write_array(o, static_cast<const std::uint8_t*>(data), n, s, native(type));
}

void File::read_raw(const std::string& obj, void* out, std::size_t n, NumType type) const {
  WSNAS_CHECK_INPUT(exists(obj), where(obj), ": missing (expected a dataset)");
  H5Id ds(H5Dopen2(id_.get(), obj.c_str(), H5P_DEFAULT));
  WSNAS_H5READ(ds.get(), where(obj), "not a dataset");
  H5Id space(H5Dget_space(ds.get()));
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  WSNAS_H5READ(points, where(obj), "cannot read dataspace");
  WSNAS_CHECK_INPUT(static_cast<std::size_t>(points) == n, where(obj), ": ", points,
                    " elements, expected ", n);
  if (n > 0) {
    WSNAS_H5READ(H5Dread(ds.get(), native(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, out), where(obj),
                 "cannot read dataset (wrong type or truncated file)");
  }
}

std::vector<double> File::read_f64(const std::string& o) const {
  return read_array<double>(o, H5T_NATIVE_DOUBLE);
}
std::vector<float> File::read_f32(const std::string& o) const {
  return read_array<float>(o, H5T_NATIVE_FLOAT);
}
std::vector<std::int64_t> File::read_i64(const std::string& o) const {
  return read_array<std::int64_t>(o, H5T_NATIVE_INT64);
}
std::vector<std::uint8_t> File::read_u8(const std::string& o) const {
  return read_array<std::uint8_t>(o, H5T_NATIVE_UINT8);
}

namespace {
H5Id vlen_string_type() {
  H5Id t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}
}  // namespace

void File::write_strings(const std::string& obj, const std::vector<std::string>& v) {
  detail::ensure_parents(*this, obj);
  remove(obj);
  H5Id type = vlen_string_type();
  hsize_t dims[1] = {v.size()};
  H5Id space(H5Screate_simple(1, dims, nullptr));
  H5Id ds(H5Dcreate2(id_.get(), obj.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                     H5P_DEFAULT));
  WSNAS_H5CHECK(ds.get(), where(obj), "cannot create dataset");
  std::vector<const char*> ptrs;
  ptrs.reserve(v.size());
  for (const auto& s : v) ptrs.push_back(s.c_str());
  if (!v.empty()) {
    WSNAS_H5CHECK(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
                  where(obj), "cannot write strings");
  }
}

std::vector<std::string> File::read_strings(const std::string& obj) const {
  WSNAS_CHECK_INPUT(exists(obj), where(obj), ": missing (expected a string dataset)");
  H5Id ds(H5Dopen2(id_.get(), obj.c_str(), H5P_DEFAULT));
  WSNAS_H5READ(ds.get(), where(obj), "not a dataset");
  H5Id ftype(H5Dget_type(ds.get()));
  WSNAS_CHECK_INPUT(H5Tget_class(ftype.get()) == H5T_STRING, where(obj),
                    ": expected a string dataset");
  H5Id space(H5Dget_space(ds.get()));
  auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  std::vector<std::string> out;
  if (H5Tis_variable_str(ftype.get()) > 0) {
    H5Id type = vlen_string_type();
    std::vector<char*> ptrs(n, nullptr);
    if (n) {
      WSNAS_H5READ(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
                   where(obj), "cannot read strings");
    }
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    if (n) H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, ptrs.data());
  } else {
    std::size_t len = H5Tget_size(ftype.get());
    std::vector<char> buf(n * len);
    if (n) {
      WSNAS_H5READ(H5Dread(ds.get(), ftype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()),
                   where(obj), "cannot read strings");
    }
    for (std::size_t i = 0; i < n; ++i) {
      std::string s(buf.data() + i * len, len);
      out.push_back(s.substr(0, s.find('\0')));
    }
  }
  return out;
}

void File::write_string(const std::string& obj, const std::string& s) { write_strings(obj, {s}); }

std::string File::read_string(const std::string& obj) const {
  auto v = read_strings(obj);
  WSNAS_CHECK_INPUT(v.size() == 1, where(obj), ": expected one string, found ", v.size());
  return v.front();
}

// ---- attributes --------------------------------------------------------------------------------

namespace {
H5Id open_object(hid_t file, const std::string& obj, const std::string& where) {
  H5Id o(H5Oopen(file, obj.empty() ? "/" : obj.c_str(), H5P_DEFAULT));
  WSNAS_H5READ(o.get(), where, "no such object");
  return o;
}
// Objects opened with H5Oopen must be closed with H5Oclose; H5Id dispatches on the id's type,
// which is the concrete kind (group or dataset), so that is already right.

void write_attr(hid_t file, const std::string& obj, const std::string& name, hid_t type,
                const void* data, const std::string& where) {
  H5Id o = open_object(file, obj, where);
  if (H5Aexists(o.get(), name.c_str()) > 0) H5Adelete(o.get(), name.c_str());
  H5Id space(H5Screate(H5S_SCALAR));
  H5Id a(H5Acreate2(o.get(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  WSNAS_H5CHECK(a.get(), where + ": attribute '" + name + "'", "cannot create attribute");
  WSNAS_H5CHECK(H5Awrite(a.get(), type, data), where + ": attribute '" + name + "'",
                "cannot write attribute");
}
}  // namespace

void File::set_attr(const std::string& obj, const std::string& name, const std::string& value) {
  H5Id type = vlen_string_type();
  const char* p = value.c_str();
  write_attr(id_.get(), obj, name, type.get(), &p, where(obj));
}
void File::set_attr(const std::string& obj, const std::string& name, std::int64_t value) {
  write_attr(id_.get(), obj, name, H5T_NATIVE_INT64, &value, where(obj));
}
void File::set_attr(const std::string& obj, const std::string& name, double value) {
  write_attr(id_.get(), obj, name, H5T_NATIVE_DOUBLE, &value, where(obj));
}

bool File::has_attr(const std::string& obj, const std::string& name) const {
  if (!exists(obj)) return false;
  H5Id o = open_object(id_.get(), obj, where(obj));
  htri_t r = H5Aexists(o.get(), name.c_str());
  H5Eclear2(H5E_DEFAULT);
  return r > 0;
}

namespace {
H5Id open_attr(hid_t file, const std::string& obj, const std::string& name,
               const std::string& where) {
  H5Id o = open_object(file, obj, where);
  if (H5Aexists(o.get(), name.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(where + ": missing attribute '" + name + "'");
  }
  H5Id a(H5Aopen(o.get(), name.c_str(), H5P_DEFAULT));
  WSNAS_H5READ(a.get(), where + ": attribute '" + name + "'", "cannot open attribute");
  return a;
}
}  // namespace

AttrType File::attr_type(const std::string& obj, const std::string& name) const {
  H5Id a = open_attr(id_.get(), obj, name, where(obj));
  H5Id t(H5Aget_type(a.get()));
  switch (H5Tget_class(t.get())) {
    case H5T_STRING:
      return AttrType::kString;
    case H5T_INTEGER:
      return AttrType::kInt;
    case H5T_FLOAT:
      return AttrType::kFloat;
    default:
      return AttrType::kOther;
  }
}

std::string File::attr_string(const std::string& obj, const std::string& name) const {
  H5Id a = open_attr(id_.get(), obj, name, where(obj));
  H5Id ftype(H5Aget_type(a.get()));
  std::string ctx = where(obj) + ": attribute '" + name + "'";
  WSNAS_CHECK_INPUT(H5Tget_class(ftype.get()) == H5T_STRING, ctx, ": expected a string");
  if (H5Tis_variable_str(ftype.get()) > 0) {
    H5Id type = vlen_string_type();
    char* p = nullptr;
    WSNAS_H5READ(H5Aread(a.get(), type.get(), &p), ctx, "cannot read");
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  std::size_t len = H5Tget_size(ftype.get());
  std::string s(len, '\0');
  WSNAS_H5READ(H5Aread(a.get(), ftype.get(), s.data()), ctx, "cannot read");
  return s.substr(0, s.find('\0'));
}

std::int64_t File::attr_int(const std::string& obj, const std::string& name) const {
  H5Id a = open_attr(id_.get(), obj, name, where(obj));
  std::int64_t v = 0;
  std::string ctx = where(obj) + ": attribute '" + name + "'";
  H5Id ftype(H5Aget_type(a.get()));
  WSNAS_CHECK_INPUT(H5Tget_class(ftype.get()) == H5T_INTEGER, ctx, ": expected an integer");
  WSNAS_H5READ(H5Aread(a.get(), H5T_NATIVE_INT64, &v), ctx, "cannot read");
  return v;
}

double File::attr_double(const std::string& obj, const std::string& name) const {
  H5Id a = open_attr(id_.get(), obj, name, where(obj));
  double v = 0;
  std::string ctx = where(obj) + ": attribute '" + name + "'";
  H5Id ftype(H5Aget_type(a.get()));
  auto cls = H5Tget_class(ftype.get());
  WSNAS_CHECK_INPUT(cls == H5T_FLOAT || cls == H5T_INTEGER, ctx, ": expected a number");
  WSNAS_H5READ(H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v), ctx, "cannot read");
  return v;
}

namespace {
herr_t attr_cb(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> File::attr_names(const std::string& obj) const {
  H5Id o = open_object(id_.get(), obj, where(obj));
  std::vector<std::string> names;
  WSNAS_H5READ(H5Aiterate2(o.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, attr_cb, &names),
               where(obj), "cannot list attributes");
  return names;
}

std::string hdf5_version() {
  silence();  // before the library's first initialisation (H5dont_atexit must come first)
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  return "HDF5 " + std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel);
}

}  // namespace wsnas::io
