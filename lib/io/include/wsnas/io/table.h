#pragma once
/// A results table declared once (issue 22): its columns (name, type, the row field it holds, what
/// it means) drive the writer, the reader with its checks, and the schema table of
/// docs/results-format.md. Rows are stored as one dataset per column under a group, all of the
/// same length; or a single row (a run's state, a cell's summary) as attributes of a group.
///
///   io::Table<Record> t;
///   t.text("arch", &Record::arch, "architecture string").integer("epoch", &Record::epoch, "...");
///   t.write(f, "/results", rows);  rows = t.read(f, "/results");
///   t.write_attributes(f, "/cell", row);  row = t.read_attributes(f, "/cell");
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "wsnas/core/error.h"
#include "wsnas/io/h5file.h"

namespace wsnas::io {

template <class Row>
class Table {
 public:
  enum class Type { kText, kInteger, kReal };

  /// A string column of `field`.
  Table& text(std::string name, std::string Row::*field, std::string doc) {
    Column c = column(std::move(name), Type::kText, std::move(doc));
    c.get_text = [field](const Row& r) { return r.*field; };
    c.set_text = [field](Row& r, std::string v) { r.*field = std::move(v); };
    columns_.push_back(std::move(c));
    return *this;
  }
  /// An int64 column of `field`.
  Table& integer(std::string name, std::int64_t Row::*field, std::string doc) {
    Column c = column(std::move(name), Type::kInteger, std::move(doc));
    c.get_integer = [field](const Row& r) { return r.*field; };
    c.set_integer = [field](Row& r, std::int64_t v) { r.*field = v; };
    columns_.push_back(std::move(c));
    return *this;
  }
  /// A float64 column of `field`.
  Table& real(std::string name, double Row::*field, std::string doc) {
    Column c = column(std::move(name), Type::kReal, std::move(doc));
    c.get_real = [field](const Row& r) { return r.*field; };
    c.set_real = [field](Row& r, double v) { r.*field = v; };
    columns_.push_back(std::move(c));
    return *this;
  }
  /// A float64 column of element `index` of `field` (e.g. a task's metrics).
  Table& real_at(std::string name, std::vector<double> Row::*field, std::size_t index,
                 std::string doc) {
    Column c = column(std::move(name), Type::kReal, std::move(doc));
    c.get_real = [field, index](const Row& r) { return (r.*field).at(index); };
    c.set_real = [field, index](Row& r, double v) {
      if ((r.*field).size() <= index) (r.*field).resize(index + 1);
      (r.*field)[index] = v;
    };
    columns_.push_back(std::move(c));
    return *this;
  }
  /// The last column may be missing from files written before it existed: rows then keep the
  /// field's default.
  Table& optional() {
    columns_.back().optional = true;
    return *this;
  }

  void write(File& f, const std::string& group, const std::vector<Row>& rows) const {
    if (!f.exists(group)) f.create_group(group);
    f.set_attr(group, "rows", static_cast<std::int64_t>(rows.size()));
    for (const auto& c : columns_) {
      const std::string path = group + "/" + c.name;
      if (c.type == Type::kText) {
        std::vector<std::string> v;
        for (const auto& r : rows) v.push_back(c.get_text(r));
        f.write_strings(path, v);
      } else if (c.type == Type::kInteger) {
        std::vector<std::int64_t> v;
        for (const auto& r : rows) v.push_back(c.get_integer(r));
        f.write_i64(path, v);
      } else {
        std::vector<double> v;
        for (const auto& r : rows) v.push_back(c.get_real(r));
        f.write_f64(path, v);
      }
    }
  }

  /// The rows under `group`; InputError naming the group when a column is missing or its length
  /// differs from the first column's.
  std::vector<Row> read(const File& f, const std::string& group) const {
    std::vector<Row> rows;
    bool sized = false;
    for (const auto& c : columns_) {
      const std::string path = group + "/" + c.name;
      if (c.optional && !f.exists(path)) continue;
      WSNAS_CHECK_INPUT(f.exists(path), f.where(group), ": no column '", c.name, "'");
      std::size_t n = 0;
      auto fill = [&](std::size_t count, const auto& each) {
        if (!sized) {
          rows.resize(count);
          sized = true;
        }
        WSNAS_CHECK_INPUT(count == rows.size(), f.where(group), ": columns of different lengths ('",
                          c.name, "' has ", count, " rows, expected ", rows.size(), ")");
        for (std::size_t i = 0; i < count; ++i) each(i);
      };
      if (c.type == Type::kText) {
        auto v = f.read_strings(path);
        n = v.size();
        fill(n, [&](std::size_t i) { c.set_text(rows[i], std::move(v[i])); });
      } else if (c.type == Type::kInteger) {
        const auto v = f.read_i64(path);
        n = v.size();
        fill(n, [&](std::size_t i) { c.set_integer(rows[i], v[i]); });
      } else {
        const auto v = f.read_f64(path);
        n = v.size();
        fill(n, [&](std::size_t i) { c.set_real(rows[i], v[i]); });
      }
    }
    return rows;
  }

  /// One row as attributes of `group` (created when absent).
  void write_attributes(File& f, const std::string& group, const Row& row) const {
    if (!f.exists(group)) f.create_group(group);
    for (const auto& c : columns_) {
      if (c.type == Type::kText)
        f.set_attr(group, c.name, c.get_text(row));
      else if (c.type == Type::kInteger)
        f.set_attr(group, c.name, c.get_integer(row));
      else
        f.set_attr(group, c.name, c.get_real(row));
    }
  }

  /// The row stored as attributes of `group`; InputError naming the group when an attribute is
  /// missing (optional ones keep the field's default).
  Row read_attributes(const File& f, const std::string& group, Row row = {}) const {
    for (const auto& c : columns_) {
      if (c.optional && !f.has_attr(group, c.name)) continue;
      WSNAS_CHECK_INPUT(f.has_attr(group, c.name), f.where(group), ": no attribute '", c.name, "'");
      if (c.type == Type::kText)
        c.set_text(row, f.attr_string(group, c.name));
      else if (c.type == Type::kInteger)
        c.set_integer(row, f.attr_int(group, c.name));
      else
        c.set_real(row, f.attr_double(group, c.name));
    }
    return row;
  }

  /// The schema as a Markdown table: `what` (dataset, attribute), type, content.
  std::string markdown(const std::string& what = "dataset") const {
    std::string t = "| " + what + " | type | content |\n| --- | --- | --- |\n";
    for (const auto& c : columns_) {
      const char* type = c.type == Type::kText      ? "string"
                         : c.type == Type::kInteger ? "int64"
                                                    : "float64";
      t += "| `" + c.name + "` | " + type + " | " + c.doc +
           (c.optional ? " (absent in older files)" : "") + " |\n";
    }
    return t;
  }

 private:
  struct Column {
    std::string name;
    Type type = Type::kText;
    std::string doc;
    bool optional = false;
    std::function<std::string(const Row&)> get_text;
    std::function<void(Row&, std::string)> set_text;
    std::function<std::int64_t(const Row&)> get_integer;
    std::function<void(Row&, std::int64_t)> set_integer;
    std::function<double(const Row&)> get_real;
    std::function<void(Row&, double)> set_real;
  };
  static Column column(std::string name, Type type, std::string doc) {
    Column c;
    c.name = std::move(name);
    c.type = type;
    c.doc = std::move(doc);
    return c;
  }

  std::vector<Column> columns_;
};

}  // namespace wsnas::io
