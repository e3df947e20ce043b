// `tegenmacht analyse`: the analyses of an experiment file as readable tables
// (and a long-format CSV). The statistics live in the experiments library
// (tegenmacht/experiments/analysis.hpp); this file only selects and formats.
#pragma once

#include <string>

#include "tegenmacht/experiments/analysis.hpp"

namespace tegenmacht::cli {

struct AnalyseOptions {
  std::string file;
  bool paired = false;
  std::string baseline;           ///< --paired BASELINE (default: the file's)
  std::string sobol, morris, regime;  ///< outcome names
  double adequacy = 0;            ///< > 0: the wanted half-width
  bool absolute = false;          ///< adequacy half-width in outcome units (default: relative to |mean|)
  std::string arm, minus;         ///< sensitivity of one arm / of arm − minus
  double level = 0.95;
  std::size_t bootstrap = 1000;
  std::string csv;
  bool csv_given = false;  ///< --csv was given (an empty name is an error, not "no CSV")
};

/// Prints the chosen analyses (paired and adequacy when none is chosen);
/// returns the exit code. Throws tegenmacht::Error for bad input.
int analyse(const AnalyseOptions& o);

/// The adequacy table (worst design point per outcome and arm).
void print_adequacy(const experiments::Outcomes& o, double half_width, bool relative, double level);

}  // namespace tegenmacht::cli
