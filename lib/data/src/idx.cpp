#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "entries.h"
#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/strings.h"
#include "wsnas/data/dataset.h"
#include "wsnas/io/atomic_file.h"

namespace wsnas::data {

namespace {

// IDX (LeCun et al., MNIST): big-endian magic 0x0000 <type> <ndims>, then ndims big-endian u32
// sizes, then the data. zlib reads gzip and plain files alike.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {
    WSNAS_CHECK_INPUT(f_ != nullptr, "file '", path, "': cannot open: ", std::strerror(errno));
  }
  ~GzReader() {
    if (f_) gzclose(f_);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;
  /// Reads up to n bytes; returns how many were read.
  std::int64_t read(void* dst, std::int64_t n) {
    std::int64_t done = 0;
    auto* p = static_cast<char*>(dst);
    while (done < n) {
      unsigned chunk = static_cast<unsigned>(std::min<std::int64_t>(n - done, 1 << 30));
      int r = gzread(f_, p + done, chunk);
      if (r < 0) {
        int err = 0;
        const char* msg = gzerror(f_, &err);
        throw InputError("file '" + path_ + "': corrupt or truncated gzip data (" + msg + ")");
      }
      if (r == 0) break;
      done += r;
    }
    return done;
  }
  std::uint32_t read_u32(const char* what) {
    unsigned char b[4];
    WSNAS_CHECK_INPUT(read(b, 4) == 4, "file '", path_, "': truncated header (", what, ")");
    return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) |
           b[3];
  }

 private:
  std::string path_;
  gzFile f_;
};

std::vector<std::uint32_t> read_header(GzReader& r, const std::string& path, std::uint32_t magic,
                                       const char* kind) {
  std::uint32_t m = r.read_u32("magic number");
  char expected[16], found[16];
  std::snprintf(expected, sizeof expected, "0x%08x", magic);
  std::snprintf(found, sizeof found, "0x%08x", m);
  WSNAS_CHECK_INPUT(m == magic, "file '", path, "': magic number ", found, ", expected ", expected,
                    " (IDX ", kind, ")");
  std::vector<std::uint32_t> dims;
  for (std::uint32_t i = 0; i < (magic & 0xff); ++i) dims.push_back(r.read_u32("dimensions"));
  return dims;
}

/// Reads up to `bytes` bytes into `out`, growing it as data arrives (not by what the header
/// promises: a damaged header may promise terabytes); returns how many were read.
std::int64_t read_promised(GzReader& r, std::vector<std::uint8_t>& out, std::int64_t bytes) {
  constexpr std::int64_t kChunk = 16 << 20;
  out.clear();
  std::int64_t got = 0;
  while (got < bytes) {
    const std::int64_t want = std::min(kChunk, bytes - got);
    out.resize(static_cast<std::size_t>(got + want));
    const std::int64_t n = r.read(out.data() + got, want);
    got += n;
    if (n < want) break;
  }
  out.resize(static_cast<std::size_t>(got));
  return got;
}

}  // namespace

ImageArray read_idx(const std::string& images_path, const std::string& labels_path,
                    const std::string& name, int classes) {
  ImageArray d;
  d.name = name;
  d.source = images_path + "," + labels_path;
  d.classes = classes;
  {
    GzReader r(images_path);
    auto dims = read_header(r, images_path, 0x00000803, "unsigned-byte images, 3 dimensions");
    WSNAS_CHECK_INPUT(dims[1] >= 1 && dims[1] <= 65536 && dims[2] >= 1 && dims[2] <= 65536,
                      "file '", images_path, "': images of ", dims[1], "x", dims[2],
                      " pixels (expected 1 to 65536 rows and columns)");
    d.channels = 1;
    d.height = static_cast<int>(dims[1]);
    d.width = static_cast<int>(dims[2]);
    const std::int64_t per_image = static_cast<std::int64_t>(dims[1]) * dims[2];  // <= 2^32
    WSNAS_CHECK_INPUT(dims[0] <= (std::int64_t{1} << 40) / per_image, "file '", images_path,
                      "': header promises ", dims[0], " images of ", dims[1], "x", dims[2],
                      " pixels (more than 2^40 bytes)");
    const std::int64_t bytes = static_cast<std::int64_t>(dims[0]) * per_image;
    std::int64_t got = read_promised(r, d.images, bytes);
    WSNAS_CHECK_INPUT(got == bytes, "file '", images_path, "': truncated: header promises ",
                      dims[0], " images of ", dims[1], "x", dims[2], " (", bytes, " bytes), found ",
                      got, " bytes");
    d.labels.resize(dims[0]);
  }
  {
    GzReader r(labels_path);
    auto dims = read_header(r, labels_path, 0x00000801, "unsigned-byte labels, 1 dimension");
    WSNAS_CHECK_INPUT(static_cast<std::int64_t>(dims[0]) == d.size(), "file '", labels_path,
                      "': ", dims[0], " labels, but '", images_path, "' has ", d.size(), " images");
    std::vector<std::uint8_t> raw;
    std::int64_t got = read_promised(r, raw, dims[0]);
    WSNAS_CHECK_INPUT(got == static_cast<std::int64_t>(dims[0]), "file '", labels_path,
                      "': truncated: header promises ", dims[0], " labels, found ", got);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      WSNAS_CHECK_INPUT(raw[i] < classes, "file '", labels_path, "': label ", int(raw[i]), " at ",
                        i, ", expected 0..", classes - 1);
      d.labels[i] = raw[i];
    }
  }
  return d;
}

ImageArray read_mnist_dir(const std::string& dir, bool train, const std::string& name) {
  const std::string prefix = dir + "/" + (train ? "train" : "t10k");
  auto pick = [](const std::string& base) {
    // Prefer the gzip file Debian ships; accept an uncompressed one.
    return io::path_exists(base + ".gz") || !io::path_exists(base) ? base + ".gz" : base;
  };
  return read_idx(pick(prefix + "-images-idx3-ubyte"), pick(prefix + "-labels-idx1-ubyte"), name,
                  10);
}

namespace {
DatasetEntry mnist_style(const std::string& name, const char* summary, std::string source) {
  auto e = train_test_entry(
      name, "/usr/share/datasets/" + name, summary,
      [name](const std::string& dir, bool train) { return read_mnist_dir(dir, train, name); });
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    e.files.push_back(std::string(f) + ".gz|" + f);
  e.source = std::move(source);
  return e;
}
}  // namespace

DatasetEntry fashion_mnist_entry() {
  return mnist_style("fashion-mnist",
                     "Fashion-MNIST IDX files: {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]",
                     "Debian's package dataset-fashion-mnist (apt install dataset-fashion-mnist), "
                     "or github.com/zalandoresearch/fashion-mnist's data/fashion");
}

DatasetEntry mnist_entry() {
  return mnist_style("mnist", "MNIST IDX files: {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]",
                     "the four IDX files of yann.lecun.com/exdb/mnist, in one folder");
}

namespace {
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  io::AtomicPath out(path);
  const bool gz = ends_with(path, ".gz");
  gzFile f = gzopen(out.temp().c_str(), gz ? "wb6" : "wbT");
  if (f == nullptr) throw_system_error("file '" + out.temp() + "': cannot open for writing", errno);
  int w = bytes.empty() ? 0 : gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  int rc = gzclose(f);
  WSNAS_CHECK(w == static_cast<int>(bytes.size()) && rc == Z_OK, "file '", out.temp(),
              "': write failed");
  out.commit();
}
}  // namespace

void write_idx(const std::string& images_path, const std::string& labels_path,
               const ImageArray& d) {
  WSNAS_CHECK(d.channels == 1, "IDX images have one channel, got ", d.channels);
  std::vector<std::uint8_t> img;
  put_u32(img, 0x00000803);
  put_u32(img, static_cast<std::uint32_t>(d.size()));
  put_u32(img, static_cast<std::uint32_t>(d.height));
  put_u32(img, static_cast<std::uint32_t>(d.width));
  img.insert(img.end(), d.images.begin(), d.images.end());
  write_bytes(images_path, img);
  std::vector<std::uint8_t> lab;
  put_u32(lab, 0x00000801);
  put_u32(lab, static_cast<std::uint32_t>(d.size()));
  for (auto l : d.labels) lab.push_back(static_cast<std::uint8_t>(l));
  write_bytes(labels_path, lab);
}

}  // namespace wsnas::data
