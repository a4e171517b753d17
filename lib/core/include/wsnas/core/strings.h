#pragma once
/// Small string helpers shared by parsers (architecture strings, CSV, config lists).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wsnas {

/// Splits on `sep`, keeping empty fields.
std::vector<std::string> split(std::string_view s, char sep);
/// Removes leading and trailing whitespace.
std::string trim(std::string_view s);
/// Splits one CSV record on `sep` with standard quoting: a field starting with '"' runs to the
/// closing quote, "" inside it is one quote (RFC 4180, without line breaks inside fields).
/// `ok` (when given) is set to false for an unterminated quote.
std::vector<std::string> split_csv(std::string_view s, char sep, bool* ok = nullptr);
/// A field for a CSV record: quoted (with "" for quotes) when it holds `sep`, a quote or a line
/// break, else as it is.
std::string csv_field(const std::string& field, char sep = ',');
/// Parses a whole string as a signed integer; false if anything else is there.
bool parse_int(std::string_view s, std::int64_t& out);
/// Parses a whole string as a double; false if anything else is there.
bool parse_double(std::string_view s, double& out);
/// Joins with `sep`.
std::string join(const std::vector<std::string>& parts, std::string_view sep);
/// The decimal digits of an unsigned 128-bit integer (counts of spaces beyond 64 bits).
std::string to_decimal(unsigned __int128 value);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
/// "NAME=VALUE" split at its first '=' (NAME=DIR options); false, `name` and `value` untouched,
/// when there is no '=' or either side is empty.
bool split_assignment(std::string_view s, std::string& name, std::string& value);
/// Removes a UTF-8 byte-order mark from the start of `line` (the first line of a text file).
void strip_bom(std::string& line);
/// Throws InputError "<where>: a NUL byte at column C (expected text, not a binary file)" when
/// `line` holds one: text parsers call it on every line they read.
void check_text_line(std::string_view line, const std::string& where);
/// `s` made printable on one line: control bytes escaped (\0, \t, \n, \xNN), and when longer than
/// `max` characters cut there with "... (N characters in all)".
std::string printable(std::string_view s, std::size_t max = 200);
/// An error message made fit for one line: control bytes escaped, and every quoted ('...') part
/// longer than `max` characters cut as printable() does.
std::string one_line_message(std::string_view message, std::size_t max = 200);
/// 64-bit FNV-1a: a defined hash, the same on every platform and standard library (stored in
/// result files and compared on resume, unlike std::hash).
std::uint64_t fnv1a(std::string_view s);

}  // namespace wsnas
