#include "tegenmacht/recorder.hpp"

#include <algorithm>
#include <cmath>

#include "tegenmacht/error.hpp"

namespace tegenmacht {

Recorder::Id Recorder::scalar(const std::string& name, const std::string& unit, const std::string& description) {
  if (find(name)) throw Error("metric '" + name + "' declared twice");
  series_.push_back(Series{name, unit, description, "", 1, true, {}});
  return static_cast<Id>(series_.size() - 1);
}

Recorder::Id Recorder::grouped(const std::string& name, const std::string& axis, const std::string& unit,
                               const std::string& description) {
  auto it = labels_.find(axis);
  if (it == labels_.end()) throw Error("metric '" + name + "': labels of axis '" + axis + "' not set");
  if (find(name)) throw Error("metric '" + name + "' declared twice");
  series_.push_back(Series{name, unit, description, axis, it->second.size(), true, {}});
  return static_cast<Id>(series_.size() - 1);
}

void Recorder::set_labels(const std::string& axis, std::vector<std::string> labels) {
  labels_[axis] = std::move(labels);
}

std::vector<std::string> Recorder::select(const std::vector<std::string>& names) {
  std::vector<std::string> unknown;
  if (names.empty()) return unknown;
  for (auto& s : series_) s.enabled = std::find(names.begin(), names.end(), s.name) != names.end();
  for (const auto& n : names)
    if (!find(n)) unknown.push_back(n);
  return unknown;
}

void Recorder::reserve(std::size_t rows) {
  for (auto& s : series_)
    if (s.enabled) s.data.reserve(rows * s.width);
}

void Recorder::begin_row() {
  for (auto& s : series_)
    if (s.enabled) s.data.resize(s.data.size() + s.width, std::nan(""));
  ++rows_;
}

const Series* Recorder::find(const std::string& name) const {
  for (const auto& s : series_)
    if (s.name == name) return &s;
  return nullptr;
}

void Recorder::load(std::vector<Series> series, std::map<std::string, std::vector<std::string>> labels,
                    std::vector<Snapshot> snapshots, std::size_t rows) {
  series_ = std::move(series);
  labels_ = std::move(labels);
  snapshots_ = std::move(snapshots);
  rows_ = rows;
}

std::string Recorder::restore_rows(const Recorder& saved) {
  if (saved.series_.size() != series_.size())
    return "it records " + std::to_string(saved.series_.size()) + " metrics, the model " +
           std::to_string(series_.size());
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const Series &a = series_[i], &b = saved.series_[i];
    if (a.name != b.name) return "metric " + std::to_string(i) + " is '" + b.name + "', the model's '" + a.name + "'";
    if (a.width != b.width)
      return "metric '" + a.name + "' has " + std::to_string(b.width) + " columns, the model's " +
             std::to_string(a.width);
    if (a.enabled != b.enabled) return "metric '" + a.name + "' is " + (b.enabled ? "" : "not ") + "recorded in it";
    if (b.enabled && b.data.size() != saved.rows_ * b.width) return "metric '" + a.name + "' is truncated";
  }
  for (std::size_t i = 0; i < series_.size(); ++i) {
    series_[i].data = saved.series_[i].data;
  }
  snapshots_ = saved.snapshots_;
  rows_ = saved.rows_;
  return "";
}

}  // namespace tegenmacht
