#include "wsnas/benchmark/tfrecord.h"

#include <algorithm>
#include <boost/crc.hpp>
#include <cstdint>

#include "wsnas/core/error.h"
#include "wsnas/core/files.h"

namespace wsnas::benchmark {

namespace {

std::uint64_t read_le(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string le_bytes(std::uint64_t v, int n) {
  std::string out(static_cast<std::size_t>(n), '\0');
  for (int i = 0; i < n; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

}  // namespace

std::uint32_t crc32c(const std::string& data) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

std::uint32_t masked_crc32c(const std::string& data) {
  const std::uint32_t c = crc32c(data);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

TfRecordReader::TfRecordReader(const std::string& path) : path_(path) {
  check_input_file(path, "file");
  in_.open(path, std::ios::binary);
  WSNAS_CHECK_INPUT(in_, "file '", path, "': cannot open (expected a TFRecord file)");
  in_.seekg(0, std::ios::end);
  size_ = static_cast<std::int64_t>(in_.tellg());
  in_.seekg(0);
}

bool TfRecordReader::next(std::string& out) {
  char head[12];
  in_.read(head, sizeof head);
  const auto got = in_.gcount();
  if (got == 0) return false;
  const std::string where = "file '" + path_ + "' record " + std::to_string(records_ + 1) +
                            " at byte " + std::to_string(offset_);
  WSNAS_CHECK_INPUT(got == 12, where, ": truncated header (", got,
                    " bytes, expected 12: a TFRecord file?)");
  const std::uint64_t length = read_le(head, 8);
  WSNAS_CHECK_INPUT(
      static_cast<std::uint32_t>(read_le(head + 8, 4)) == masked_crc32c(std::string(head, 8)),
      where, ": the length's CRC does not match (not a TFRecord file, or corrupt)");
  // Compared unsigned: a length field of 2^64-1 must not pass as -1.
  const auto left = static_cast<std::uint64_t>(std::max<std::int64_t>(0, size_ - offset_ - 16));
  WSNAS_CHECK_INPUT(length <= left, where, ": truncated (a record of ", length, " bytes, ",
                    size_ - offset_ - 16, " left in the file)");
  out.resize(length);
  in_.read(out.data(), static_cast<std::streamsize>(length));
  char tail[4];
  in_.read(tail, 4);
  WSNAS_CHECK_INPUT(in_.good(), where, ": truncated");
  WSNAS_CHECK_INPUT(static_cast<std::uint32_t>(read_le(tail, 4)) == masked_crc32c(out), where,
                    ": the data's CRC does not match (corrupt file)");
  offset_ += static_cast<std::int64_t>(16 + length);
  ++records_;
  return true;
}

TfRecordWriter::TfRecordWriter(const std::string& path) : path_(path) {
  out_.open(path, std::ios::binary | std::ios::trunc);
  WSNAS_CHECK_INPUT(out_, "file '", path, "': cannot create");
}

void TfRecordWriter::write(const std::string& data) {
  const std::string len = le_bytes(data.size(), 8);
  out_ << len << le_bytes(masked_crc32c(len), 4) << data << le_bytes(masked_crc32c(data), 4);
  WSNAS_CHECK(out_.good(), "file '", path_, "': write failed");
}

void TfRecordWriter::close() {
  out_.close();
  WSNAS_CHECK(!out_.fail(), "file '", path_, "': write failed");
}

}  // namespace wsnas::benchmark
