#pragma once
/// TFRecord files (TensorFlow's record framing): each record is a little-endian uint64 length, the
/// masked CRC32C of those 8 bytes, the data, and the masked CRC32C of the data. CRC32C is
/// Boost.CRC's (polynomial 0x1EDC6F41, reflected); the mask is TensorFlow's
/// ((crc >> 15) | (crc << 17)) + 0xa282ead8.

#include <cstdint>
#include <fstream>
#include <string>

namespace wsnas::benchmark {

/// CRC32C (Castagnoli) of a byte string.
std::uint32_t crc32c(const std::string& data);
/// TensorFlow's masked CRC32C.
std::uint32_t masked_crc32c(const std::string& data);

/// Reads records one by one; every framing error is an InputError naming the file, the record's
/// number and byte offset, and what was expected.
class TfRecordReader {
 public:
  explicit TfRecordReader(const std::string& path);
  /// The next record into `out`; false at the end of the file.
  bool next(std::string& out);
  std::int64_t records() const { return records_; }
  std::int64_t offset() const { return offset_; }
  std::int64_t size() const { return size_; }

 private:
  std::string path_;
  std::ifstream in_;
  std::int64_t records_ = 0, offset_ = 0, size_ = 0;
};

/// Writes records in the same framing (tests and converters).
class TfRecordWriter {
 public:
  explicit TfRecordWriter(const std::string& path);
  void write(const std::string& data);
  void close();

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace wsnas::benchmark
