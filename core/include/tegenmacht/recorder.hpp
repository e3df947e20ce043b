// Named time series collected while a model runs.
//
// A model declares its metrics once (name, unit, description, and for a
// per-group metric the axis it is broken down by); the scenario's
// `output.metrics` chooses which are kept. Every observation appends one row
// (row 0 is the initial state, row t the state after step t).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace tegenmacht {

struct Series {
  std::string name;
  std::string unit;
  std::string description;
  std::string axis;  ///< "" for a scalar series, else e.g. "group", "neighbourhood"
  std::size_t width = 1;
  bool enabled = true;
  std::vector<double> data;  ///< rows × width, row-major
};

/// An agent column copied at a snapshot step.
struct Snapshot {
  std::uint32_t step = 0;
  std::map<std::string, std::vector<double>> columns;
};

class Recorder {
 public:
  using Id = std::uint32_t;

  /// Declares a scalar series.
  Id scalar(const std::string& name, const std::string& unit, const std::string& description);
  /// Declares a series with one value per label of `axis` (labels set with set_labels).
  Id grouped(const std::string& name, const std::string& axis, const std::string& unit, const std::string& description);
  void set_labels(const std::string& axis, std::vector<std::string> labels);

  /// Keeps only the named series (empty = all). Returns the names not declared.
  std::vector<std::string> select(const std::vector<std::string>& names);
  void reserve(std::size_t rows);

  /// Starts a new row (all values NaN until set).
  void begin_row();
  bool enabled(Id id) const noexcept { return series_[id].enabled; }
  void set(Id id, double v) noexcept {
    Series& s = series_[id];
    if (s.enabled) s.data[s.data.size() - 1] = v;
  }
  void set(Id id, std::size_t k, double v) noexcept {
    Series& s = series_[id];
    if (s.enabled) s.data[s.data.size() - s.width + k] = v;
  }

  std::size_t rows() const noexcept { return rows_; }
  const std::vector<Series>& series() const noexcept { return series_; }
  const Series* find(const std::string& name) const;
  const std::map<std::string, std::vector<std::string>>& labels() const noexcept { return labels_; }
  std::vector<Snapshot>& snapshots() noexcept { return snapshots_; }

  /// Replaces everything (for readers of a saved recorder).
  void load(std::vector<Series> series, std::map<std::string, std::vector<std::string>> labels,
            std::vector<Snapshot> snapshots, std::size_t rows);
  /// Takes the rows and snapshots of `saved` (a checkpoint's), which must have
  /// the same series with the same widths and selection; returns "" or what differs.
  std::string restore_rows(const Recorder& saved);
  const std::vector<Snapshot>& snapshots() const noexcept { return snapshots_; }

 private:
  std::vector<Series> series_;
  std::map<std::string, std::vector<std::string>> labels_;
  std::vector<Snapshot> snapshots_;
  std::size_t rows_ = 0;
};

}  // namespace tegenmacht
