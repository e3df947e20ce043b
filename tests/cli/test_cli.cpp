// The command line: every bad input gives a one-line error naming where and
// what, a non-zero exit, and no results file.
#include <gtest/gtest.h>

#include "cli_helpers.hpp"
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;

namespace {
using tgm_test::kCli;
using tgm_test::kSrc;
using tgm_test::Out;
using tgm_test::shell;

/// Runs the tegenmacht command with these arguments (a shell tail may follow).
Out sh(const std::string& args, const fs::path& cwd) { return shell("TEGENMACHT_THREADS=2 '" + kCli + "' " + args, cwd); }

struct Cli : ::testing::Test {
  void SetUp() override {
    dir = fs::temp_directory_path() / ("tgm_cli_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
  bool no_results() const {
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".h5" || e.path().extension() == ".partial") return false;
    return true;
  }
  void expect_error(const Out& o, const std::string& needle) {
    EXPECT_NE(o.code, 0) << o.text;
    EXPECT_NE(o.text.find(needle), std::string::npos) << "missing '" << needle << "' in:\n" << o.text;
    EXPECT_TRUE(no_results());
  }
  fs::path dir;
};

const char* kGood = "model: threshold\nsteps: 5\npopulation: 50\n";
}  // namespace

TEST_F(Cli, RunWritesResultsAndSummary) {
  write("s.yaml", kGood);
  const Out o = sh("run s.yaml -o out.h5 --seed 3 --threads 2", dir);
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_TRUE(fs::exists(dir / "out.h5"));
  EXPECT_NE(o.text.find("active_count"), std::string::npos) << o.text;
}

TEST_F(Cli, DefaultOutputNameFollowsScenario) {
  write("town.yaml", kGood);
  EXPECT_EQ(sh("run town.yaml -q", dir).code, 0);
  EXPECT_TRUE(fs::exists(dir / "town.h5"));
}

TEST_F(Cli, PrintConfigShowsResolvedDefaults) {
  write("s.yaml", kGood);
  const Out o = sh("run s.yaml --print-config --set thresholds.sd=3", dir);
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.text.find("sd: 3"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("distribution: normal"), std::string::npos) << o.text;
  EXPECT_TRUE(no_results());
}

TEST_F(Cli, InfoListsModels) {
  const Out o = sh("info", dir);
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.text.find("threshold"), std::string::npos);
  EXPECT_EQ(sh("info --keys threshold", dir).code, 0);
  EXPECT_EQ(sh("run --help", dir).code, 0);
}

TEST_F(Cli, MissingScenarioFile) { expect_error(sh("run nope.yaml", dir), "nope.yaml: cannot open"); }

TEST_F(Cli, YamlSyntaxError) {
  write("s.yaml", "model: threshold\nnetwork: {type: complete\n");
  expect_error(sh("run s.yaml", dir), "s.yaml:");
}

TEST_F(Cli, UnknownKey) {
  write("s.yaml", "model: threshold\npopulaton: 5\n");
  expect_error(sh("run s.yaml", dir), "s.yaml:2:1: key 'populaton': unknown key; did you mean 'population'?");
}

TEST_F(Cli, WrongType) {
  write("s.yaml", "model: threshold\nsteps: ten\n");
  expect_error(sh("run s.yaml", dir), "s.yaml:2:8: key 'steps': expected an integer");
}

TEST_F(Cli, OutOfRange) {
  write("s.yaml", "model: threshold\nnetwork:\n  rewire: 1.5\n");
  expect_error(sh("run s.yaml", dir), "s.yaml:3:11: key 'network.rewire': value 1.5 is out of range [0, 1]");
}

TEST_F(Cli, UnknownModel) {
  write("s.yaml", "model: thresold\n");
  expect_error(sh("run s.yaml", dir), "s.yaml:1:8: key 'model': unknown model 'thresold'; did you mean 'threshold'?");
}

TEST_F(Cli, UnwritableOutput) {
  write("s.yaml", kGood);
  expect_error(sh("run s.yaml -o /nonexistent-dir/x.h5", dir), "/nonexistent-dir/x.h5: cannot write results file");
}

TEST_F(Cli, ZeroThreads) {
  write("s.yaml", kGood);
  expect_error(sh("run s.yaml --threads 0", dir), "--threads");
}

TEST_F(Cli, SetWithoutEquals) {
  write("s.yaml", kGood);
  expect_error(sh("run s.yaml --set steps", dir), "--set: expected key=value, got 'steps'");
}

TEST_F(Cli, SetOutOfRangeNamesSet) {
  write("s.yaml", kGood);
  expect_error(sh("run s.yaml --set network.rewire=3", dir), "--set: key 'network.rewire'");
}

TEST_F(Cli, ErrorsAreOneLine) {
  write("s.yaml", "model: threshold\npopulaton: 5\n");
  const Out o = sh("run s.yaml", dir);
  EXPECT_EQ(std::count(o.text.begin(), o.text.end(), '\n'), 1) << o.text;
}

TEST_F(Cli, CtrlCEndsTheRunCleanly) {
  write("long.yaml", "model: organizing\nstrategy: alinsky\nsteps: 100000\n");
  const Out o = sh("run long.yaml -o long.h5 & pid=$!; sleep 1.5; kill -INT $pid; wait $pid; echo \"exit=$?\"", dir);
  EXPECT_NE(o.text.find("interrupted"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("exit=130"), std::string::npos) << o.text;
  EXPECT_TRUE(fs::exists(dir / "long.h5"));
  EXPECT_FALSE(fs::exists(dir / "long.h5.partial"));
}

TEST_F(Cli, ComparePrintsPairedTable) {
  write("t.yaml", "model: organizing\nsteps: 4\nreplicates: 2\n"
                  "neighbourhoods: [{name: a, size: 400, group_shares: [0.4, 0.3, 0.3], exposure_factor: [1, 1], "
                  "target_issue: housing, target_institution: municipality}]\n");
  const Out o = sh("compare t.yaml --values polder,alinsky --metrics member,trust -o out", dir);
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("paired difference from polder"), std::string::npos) << o.text;
  EXPECT_TRUE(fs::exists(dir / "out" / "t_compare.h5"));  // a folder gets <scenario>_compare.h5
  EXPECT_EQ(sh("compare t.yaml --values polder,alinsky -q -o c.h5", dir).code, 0);
  EXPECT_TRUE(fs::exists(dir / "c.h5"));
  const Out bad = sh("compare t.yaml --values polder,alinsky --baseline coalition", dir);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.text.find("--baseline"), std::string::npos) << bad.text;
  const Out typo = sh("compare t.yaml --values polder,alinksy", dir);  // typo in a value is a config error
  EXPECT_EQ(typo.code, 2);
  EXPECT_NE(typo.text.find("did you mean 'alinsky'?"), std::string::npos) << typo.text;
}

TEST_F(Cli, SweepWritesOneFileWithARunAxis) {
  write("s.yaml", kGood);
  const Out o = sh("sweep s.yaml --vary thresholds.sd=5,10,20 --vary population=50,60 -o sw.h5", dir);
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("6 runs"), std::string::npos) << o.text;
  EXPECT_TRUE(fs::exists(dir / "sw.h5"));
  fs::remove(dir / "sw.h5");
  expect_error(sh("sweep s.yaml --vary steps=1,2", dir), "'steps' cannot be varied");
  expect_error(sh("sweep s.yaml --vary thresholds.sd", dir), "--vary: expected key=value1,value2");
  expect_error(sh("sweep s.yaml --vary thresholds.sd=1,x", dir), "key 'thresholds.sd': expected a number, got 'x'");
}

TEST_F(Cli, ModelErrorsStopASweepBeforeItRuns) {
  write("s.yaml", "model: threshold\nsteps: 5\npopulation: 3\nthresholds: {distribution: empirical, values: [0, 1, 2]}\n");
  // population 4 does not match the 3 thresholds: the second run is invalid
  const Out o = sh("sweep s.yaml --vary population=3,4 -o sw.h5", dir);
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_EQ(o.text.find("run 1/2"), std::string::npos) << "no run may start: " << o.text;
  EXPECT_NE(o.text.find("s.yaml:4:"), std::string::npos) << o.text;
  EXPECT_TRUE(no_results());
}

TEST_F(Cli, MoreBadInputsNameTheirKey) {
  write("a.yaml", "model: [1, 2]\n");
  expect_error(sh("run a.yaml", dir), "a.yaml:1:8: key 'model': expected a model name");
  write("b.yaml", "model: threshold\nnetwork: {type: edgelist, path: nope.txt}\n");
  expect_error(sh("run b.yaml", dir), "b.yaml:2:33: key 'network.path'");
  write("c.yaml", "model: organizing\nissues: [{name: a, weight: 1}]\n");
  expect_error(sh("run c.yaml", dir), "key 'groups.0.exposure': needs one value per issue (1) (this is the default value");
  write("d.yaml", "42\n");
  expect_error(sh("run d.yaml", dir), "d.yaml:1:1: a scenario must be a map of keys");
  write("e.yaml", "model: threshold\noutput: {metrics: [nope]}\n");
  expect_error(sh("run e.yaml", dir), "e.yaml:2:19: key 'output.metrics': unknown metric 'nope'");
}

// ---------------------------------------------------------------- experiment

namespace {
const char* kExperiment =
    "scenario: s.yaml\nreplicates: 4\nfactors: [{key: thresholds.sd, values: [5, 10, 15, 20, 25]}]\n"
    "arms: {key: thresholds.mean, values: [20, 25]}\nrecord: all\n";
const char* kSlowScenario = "model: threshold\nsteps: 400\npopulation: 20000\n"
                            "network: {type: erdos_renyi, mean_degree: 8}\n";

/// Outcomes and metrics of two experiment files are bitwise equal (h5diff is
/// not installed everywhere: compare with the library's own reader).
std::string compare_files(const fs::path& dir, const std::string& a, const std::string& b) {
  return "/usr/bin/python3 -c \"import h5py,numpy as np,sys; a=h5py.File('" + (dir / a).string() + "'); b=h5py.File('" +
         (dir / b).string() + "'); names=[g+'/'+k for g in ('outcomes','metrics') for k in a[g]]+['jobs/done']; "
         "sys.exit(0 if len(names) > 2 and all(np.array_equal(a[n][()], b[n][()], equal_nan=True) for n in names) else 1)\"";
}
}  // namespace

// The organizing model's vectorised loops (Philox for many residents, the
// feedback two or four residents at a time) give the results of the baseline
// form bit for bit: every numeric dataset of a run with snapshots, on 1 and 2
// threads, with the vector width capped at SSE2 (TEGENMACHT_SIMD) and not.
TEST_F(Cli, VectorWidthAndThreadsLeaveResultsBitwiseEqual) {
  const std::string run = "run " + kSrc + "/scenarios/default.yaml --steps 60 --replicates 2 -q --set output.snapshot_every=20 ";
  ASSERT_EQ(shell("TEGENMACHT_SIMD=sse2 '" + kCli + "' " + run + "--threads 1 -o base.h5", dir).code, 0);
  ASSERT_EQ(shell("'" + kCli + "' " + run + "--threads 2 -o wide.h5", dir).code, 0);
  ASSERT_EQ(shell("'" + kCli + "' " + run + "--set network.type=complete --threads 1 -o c1.h5", dir).code, 0);
  ASSERT_EQ(shell("TEGENMACHT_SIMD=sse2 '" + kCli + "' " + run + "--set network.type=complete --threads 2 -o c2.h5", dir).code, 0);
  auto same = [&](const std::string& a, const std::string& b) {
    return shell("/usr/bin/python3 -c \"import h5py,numpy as np,sys\n"
                 "def walk(f):\n  out={}\n  f.visititems(lambda n,o: out.__setitem__(n,o[()]) if isinstance(o,h5py.Dataset) and o.dtype.kind in 'fiub' else None)\n  return out\n"
                 "A=walk(h5py.File('" + a + "')); B=walk(h5py.File('" + b + "'))\n"
                 "sys.exit(0 if len(A) > 50 and A.keys()==B.keys() and all(np.array_equal(A[k],B[k],equal_nan=True) for k in A) else 1)\"",
                 dir).code == 0;
  };
  EXPECT_TRUE(same("base.h5", "wide.h5"));
  EXPECT_TRUE(same("c1.h5", "c2.h5"));
}

TEST_F(Cli, ExperimentRunsAndSummarises) {
  write("s.yaml", kGood);
  write("e.yaml", kExperiment);
  const Out o = sh("experiment e.yaml -o e.h5", dir);
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("5 point(s) × 2 arm(s) × 4 replicate(s): 40 of 40 jobs done"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("paired difference from 20"), std::string::npos) << o.text;
  EXPECT_TRUE(fs::exists(dir / "e.h5"));
  const Out p = sh("experiment e.yaml --print-experiment", dir);
  EXPECT_NE(p.text.find("type: grid"), std::string::npos) << p.text;
}

TEST_F(Cli, AnalyseTablesCsvAndAnalysisInTheFile) {
  // Ishigami with b = 0 and b = 0.1 as arms: their difference 0.1 x3^4 sin x1 does not depend on x2
  const std::string pi = "3.141592653589793";
  write("e.yaml", "scenario: " + kSrc + "/scenarios/ishigami.yaml\ndesign: {type: sobol, n: 2048}\n"
                  "arms: {key: ishigami.b, values: [0, 0.1]}\nfactors:\n"
                  "  - {key: ishigami.x1, name: x1, range: [-" + pi + ", " + pi + "]}\n"
                  "  - {key: ishigami.x2, name: x2, range: [-" + pi + ", " + pi + "]}\n"
                  "  - {key: ishigami.x3, name: x3, range: [-" + pi + ", " + pi + "]}\n");
  const Out e = sh("experiment e.yaml -o e.h5 --adequacy 0.05", dir);
  ASSERT_EQ(e.code, 0) << e.text;
  EXPECT_NE(e.text.find("replication adequacy"), std::string::npos) << e.text;
  const Out a = sh("analyse e.h5 --sobol y --arm 0.1 --minus 0 --regime y --paired --csv t.csv", dir);
  ASSERT_EQ(a.code, 0) << a.text;
  EXPECT_NE(a.text.find("Sobol' indices of y, 0.1 − 0"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("paired comparison with 0"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("regime map of y"), std::string::npos) << a.text;
  std::ifstream csv(dir / "t.csv");
  std::string header, line, all;
  std::getline(csv, header);
  EXPECT_EQ(header, "analysis,outcome,arm,baseline,point,factor,statistic,value");
  bool x2_total_zero = false;
  while (std::getline(csv, line)) {
    all += line + "\n";
    if (line.rfind("sobol,y,0.1,0,,x2,ST,", 0) == 0) x2_total_zero = std::abs(std::stod(line.substr(21))) < 1e-12;
  }
  EXPECT_TRUE(x2_total_zero) << all.substr(0, 2000);
  // arm b = 0.1 is Ishigami's standard function: its analytic indices (Ishigami & Homma 1990) lie within the
  // bootstrap intervals the CLI prints, widened by their half-width
  const Out b = sh("analyse e.h5 --sobol y --arm 0.1 --csv s.csv", dir);
  ASSERT_EQ(b.code, 0) << b.text;
  std::ifstream scsv(dir / "s.csv");
  std::map<std::string, double> v;
  while (std::getline(scsv, line)) {
    if (line.rfind("sobol,y,0.1,,,", 0) != 0) continue;
    const auto rest = line.substr(14);  // factor,statistic,value
    const auto c1 = rest.find(','), c2 = rest.find(',', c1 + 1);
    v[rest.substr(0, c2)] = std::stod(rest.substr(c2 + 1));
  }
  const std::map<std::string, double> truth{{"x1,S1", 0.3139}, {"x2,S1", 0.4424}, {"x3,S1", 0.0},
                                            {"x1,ST", 0.5576}, {"x2,ST", 0.4424}, {"x3,ST", 0.2437}};
  for (const auto& [key, t] : truth) {
    const std::string f = key.substr(0, 2), st = key.substr(3);
    const double lo = v[f + "," + st + "_lo"], hi = v[f + "," + st + "_hi"], pad = (hi - lo) / 2;
    EXPECT_GE(t, lo - pad) << key << " " << b.text;
    EXPECT_LE(t, hi + pad) << key << " " << b.text;
    EXPECT_LT(hi - lo, 0.2) << key;
  }
  EXPECT_NE(all.find("paired,y,0.1,0,,,wilcoxon_p,"), std::string::npos);
  EXPECT_NE(all.find("regime,y,"), std::string::npos);
  // the experiment wrote the same analyses into the file
  const Out h = shell("/usr/bin/python3 -c \"import h5py; f=h5py.File('" + (dir / "e.h5").string() +
                          "'); print(sorted(f['analysis'])); print(f['analysis/sobol/y/difference/ST'].shape)\"",
                      dir);
  EXPECT_NE(h.text.find("['adequacy', 'paired', 'regime', 'sobol']"), std::string::npos) << h.text;
  EXPECT_NE(h.text.find("(2, 3)"), std::string::npos) << h.text;
  // errors: one line, exit 2, naming the option (the results file stays)
  auto expect_fail = [](const Out& o, const std::string& needle) {
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find(needle), std::string::npos) << "missing '" << needle << "' in:\n" << o.text;
  };
  expect_fail(sh("analyse e.h5 --sobol q", dir), "--sobol: no outcome 'q' in e.h5 (it has: y)");
  expect_fail(sh("analyse e.h5 --morris y", dir), "--morris: needs an experiment with design: morris");
  expect_fail(sh("analyse e.h5 --paired nope", dir), "--paired: no arm 'nope'");
  expect_fail(sh("analyse e.h5 --arm 0.1", dir), "--arm: goes with --sobol or --morris");
  expect_fail(sh("analyse missing.h5", dir), "missing.h5: no such results file");
  expect_fail(sh("analyse e.yaml", dir), "not an HDF5 file");
  expect_fail(sh("analyse e.h5 --csv " + dir.string(), dir), "is a folder");
  expect_fail(sh("analyse e.h5 --csv e.h5", dir), "--csv: the CSV file's name must end in .csv");
  expect_fail(sh("analyse e.h5 --csv e.yaml", dir), "must end in .csv");
  EXPECT_TRUE(fs::exists(dir / "e.yaml"));
  expect_fail(sh("analyse e.h5 --level 1.5", dir), "--level: expected a level from 0.5 to 0.9999, got 1.5");
  expect_fail(sh("analyse e.h5 --adequacy nan", dir), "--adequacy: expected a number > 0, got 'nan'");
  expect_fail(sh("analyse e.h5 --bogus", dir), "--bogus");
  expect_fail(sh("analyse " + dir.string(), dir), "is a folder, not a results file");
  for (const auto& bad : {sh("analyse e.h5 --level 1.5", dir), sh("analyse e.h5 --bogus", dir)})
    EXPECT_EQ(std::count(bad.text.begin(), bad.text.end(), '\n'), 1) << bad.text;
}

TEST_F(Cli, ExperimentErrorsExitTwoWithoutAFile) {
  write("s.yaml", kGood);
  write("e.yaml", "scenario: s.yaml\nreplicate: 3\n");
  expect_error(sh("experiment e.yaml", dir), "e.yaml:2:1: key 'replicate': unknown key; did you mean 'replicates'?");
  write("e.yaml", "scenario: s.yaml\nfactors: [{key: thresholds.sdd, values: [1, 2]}]\n");
  expect_error(sh("experiment e.yaml", dir), "e.yaml:2:17: key 'thresholds.sdd': unknown key; did you mean 'sd'?");
  write("e.yaml", "scenario: s.yaml\noutcomes: [{metric: activ}]\n");
  expect_error(sh("experiment e.yaml", dir), "unknown metric 'activ'; did you mean 'active'?");
  expect_error(sh("experiment nope.yaml", dir), "nope.yaml: cannot open experiment file");
  write("e.yaml", "scenario: s.yaml\n");
  expect_error(sh("experiment e.yaml -o no/such/dir/x.h5", dir), "cannot write results file");
  expect_error(sh("experiment e.yaml --set population=-1", dir), "--set: key 'population'");
  expect_error(sh("experiment e.yaml --threads 0", dir), "--threads");
}

/// Shell: wait (at most 10 minutes) until the experiment whose stderr goes to
/// `log` (with --progress) reports a finished job, whatever the machine's or a
/// sanitizer's speed.
std::string until_a_job_is_done(const std::string& log) {
  return "for i in $(seq 1 6000); do grep -qE '(^|[^0-9])[1-9][0-9]*/[0-9]+ jobs' " + log +
         " 2>/dev/null && break; sleep 0.1; done; ";
}

TEST_F(Cli, ExperimentSigtermResumesToTheSameResults) {
  write("s.yaml", kSlowScenario);
  write("e.yaml", kExperiment);
  ASSERT_EQ(sh("experiment e.yaml -q -o ref.h5", dir).code, 0);
  // SIGTERM (what batch schedulers and `timeout` send) part-way
  const Out o = sh("experiment e.yaml --progress -o t.h5 >/dev/null 2>log & pid=$!; " + until_a_job_is_done("log") +
                       "kill -TERM $pid; wait $pid; echo \"exit=$?\"; cat log",
                   dir);
  EXPECT_NE(o.text.find("exit=143"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("--resume"), std::string::npos) << o.text;
  ASSERT_TRUE(fs::exists(dir / "t.h5.partial")) << o.text;
  // without --resume the interrupted work is kept, not overwritten
  const Out again = sh("experiment e.yaml -q -o t.h5", dir);
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.text.find("holds an interrupted run"), std::string::npos) << again.text;
  const Out r = sh("experiment e.yaml -o t.h5 --resume", dir);
  EXPECT_EQ(r.code, 0) << r.text;
  EXPECT_NE(r.text.find("resumed: "), std::string::npos) << r.text;
  EXPECT_TRUE(fs::exists(dir / "t.h5"));
  EXPECT_FALSE(fs::exists(dir / "t.h5.partial"));
  EXPECT_EQ(shell(compare_files(dir, "ref.h5", "t.h5"), dir).code, 0);
}

TEST_F(Cli, ExperimentSecondSignalStopsAtOnceAndOneWriterAtATime) {
  write("s.yaml", kSlowScenario);
  write("e.yaml", kExperiment);
  // a second writer on the same file is refused while the first runs (once a
  // job has finished: with none finished, a stop rightly leaves no file)
  const Out two = sh("experiment e.yaml --progress -o w.h5 >/dev/null 2>log & pid=$!; " + until_a_job_is_done("log") +
                         "'" + kCli +
                         "' experiment e.yaml -q -o w.h5 --resume; echo \"second=$?\"; kill -INT $pid; kill -INT $pid; "
                         "wait $pid; echo \"exit=$?\"",
                     dir);
  EXPECT_NE(two.text.find("is being written by another tegenmacht process"), std::string::npos) << two.text;
  EXPECT_NE(two.text.find("second=2"), std::string::npos) << two.text;
  EXPECT_NE(two.text.find("exit=130"), std::string::npos) << two.text;
  ASSERT_TRUE(fs::exists(dir / "w.h5.partial"));
  EXPECT_EQ(sh("experiment e.yaml -q -o w.h5 --resume", dir).code, 0);
  ASSERT_EQ(sh("experiment e.yaml -q -o ref.h5", dir).code, 0);
  EXPECT_EQ(shell(compare_files(dir, "ref.h5", "w.h5"), dir).code, 0);
}

TEST_F(Cli, OutputMustNameAFile) {
  write("s.yaml", kGood);
  ASSERT_EQ(shell("mkfifo pipe", dir).code, 0);
  expect_error(sh("run s.yaml -o pipe", dir), "pipe: is not a regular file");
  EXPECT_TRUE(fs::is_fifo(dir / "pipe"));  // renaming the finished file would have replaced it
  fs::remove(dir / "pipe");
  fs::create_directories(dir / "folder");
  expect_error(sh("run s.yaml -o folder", dir), "folder: is a folder");
  expect_error(sh("compare s.yaml --key thresholds.sd --values 5,10 -o x.h5.partial", dir), "ends in .partial");
  // list values keep their brackets
  write("o.yaml", "model: organizing\nsteps: 2\nreplicates: 1\n");
  const Out o = sh("compare o.yaml --key workers.profile --values '[0,1,0],[1,0,0]' --metrics trust", dir);
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("paired difference from [0,1,0]"), std::string::npos) << o.text;
}

TEST_F(Cli, HugeOrBinaryInputIsRefused) {
  expect_error(sh("run /dev/zero", dir), "/dev/zero: is larger than 16 MiB: not a valid scenario file");
  expect_error(sh("experiment /dev/zero", dir), "/dev/zero: is larger than 16 MiB: not a valid experiment file");
  write("e.yaml", "scenario: /dev/zero\n");
  expect_error(sh("experiment e.yaml", dir), "e.yaml:1:11: key 'scenario': is larger than 16 MiB");
}

TEST_F(Cli, ExperimentKilledAndInterruptedResume) {
  write("s.yaml", kSlowScenario);
  write("e.yaml", kExperiment);
  ASSERT_EQ(sh("experiment e.yaml -q -o ref.h5 --threads 1", dir).code, 0);
  // SIGKILL: no handler runs; every job marked done must still be complete
  sh("experiment e.yaml --progress -o k.h5 >/dev/null 2>log & pid=$!; " + until_a_job_is_done("log") +
         "kill -KILL $pid; wait $pid",
     dir);
  ASSERT_TRUE(fs::exists(dir / "k.h5.partial"));
  // SIGINT, then resume with another thread count
  const Out i = sh("experiment e.yaml -q -o k.h5 --resume & pid=$!; sleep 0.8; kill -INT $pid; wait $pid; echo \"exit=$?\"", dir);
  EXPECT_TRUE(i.text.find("exit=130") != std::string::npos || i.text.find("exit=0") != std::string::npos) << i.text;
  EXPECT_EQ(sh("experiment e.yaml -q -o k.h5 --resume --threads 2", dir).code, 0);
  EXPECT_EQ(shell(compare_files(dir, "ref.h5", "k.h5"), dir).code, 0);
}

TEST_F(Cli, ExperimentMemoryDoesNotGrowWithJobs) {
  if (TGM_SANITIZED) GTEST_SKIP() << "a sanitizer's allocator keeps freed memory in quarantine";
  // peak RSS of a 20-job and a 2000-job experiment (each job's results go to
  // the file as it finishes; nothing accumulates in memory)
  write("s.yaml", "model: threshold\nsteps: 50\npopulation: 5000\nnetwork: {type: erdos_renyi, mean_degree: 6}\n");
  write("small.yaml", "scenario: s.yaml\nreplicates: 20\n");
  write("large.yaml", "scenario: s.yaml\nreplicates: 500\narms: {key: thresholds.mean, values: [20, 25, 30, 35]}\n");
  auto peak_kb = [&](const std::string& file) {
    const Out o = shell("/usr/bin/python3 -c \"import resource,subprocess,sys; subprocess.run(['" + kCli +
                         "','experiment','" + file + "','-q','--threads','2','-o','" + file + ".h5'],check=True); "
                         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\"",
                     dir);
    EXPECT_EQ(o.code, 0) << o.text;
    return std::stol(o.text);
  };
  const long small = peak_kb("small.yaml"), large = peak_kb("large.yaml");
  EXPECT_LT(static_cast<double>(large), 1.3 * static_cast<double>(small)) << small << " kB vs " << large << " kB";
}

TEST_F(Cli, ShippedExperimentFilesRun) {
  // every point of every shipped experiment is valid (short runs: the outcome
  // windows of strategies_by_context start at week 156)
  const std::string dirx = kSrc + "/scenarios/experiments/";
  Out o = sh("experiment '" + dirx + "strategies_by_context.yaml' --set steps=156 --set replicates=1 -q -o s.h5", dir);
  EXPECT_EQ(o.code, 0) << o.text;
  o = sh("experiment '" + dirx + "essay_parameters_lhs.yaml' --set steps=3 --set replicates=1 -o l.h5", dir);
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("64 point(s) × 2 arm(s) × 1 replicate(s): 128 of 128 jobs done"), std::string::npos) << o.text;
  const Out keys = sh("info --experiment-keys", dir);
  EXPECT_NE(keys.text.find("| `design.type` | choice | grid |"), std::string::npos) << keys.text;
}

// ------------------------------------------------------------ policy analysts

TEST_F(Cli, ListItemsByNameAndHintsThatPointToTheRealKey) {
  const std::string town = "'" + kSrc + "/scenarios/default.yaml'";
  Out o = sh("run " + town + " --set neighbourhoods.plant.size=1234 --print-config", dir);
  ASSERT_EQ(o.code, 0) << o.text;
  const auto plant = o.text.find("name: plant");
  ASSERT_NE(plant, std::string::npos);
  EXPECT_NE(o.text.find("size: 1234", plant), std::string::npos) << o.text;
  // a mistyped item name suggests the right one and says how items are numbered
  o = sh("run " + town + " --set neighbourhoods.plnat.size=100 -q", dir);
  expect_error(o, "'plnat' is not an item of 'neighbourhoods' (items are numbered from 0 to 3, or named: estate, "
                  "rental, plant, owners); did you mean 'plant'?");
  // a mistyped list name
  o = sh("run " + town + " --set institution.0.resistance=0.3 -q", dir);
  expect_error(o, "'institution' is not in the scenario; did you mean 'institutions'?");
  // a key without its section
  o = sh("run " + town + " -q --set 'timeline=[{week: 3, type: set, key: funding_recovery, value: 0}]'", dir);
  expect_error(o, "'funding_recovery' cannot be changed during a run; did you mean 'response.funding_recovery'?");
  // names must make clean keys and metric names
  o = sh("run " + town + " -q --set 'neighbourhoods.0.name=oud west'", dir);
  expect_error(o, "'oud west' cannot be a name: use letters, digits and _");
  // a sweep over a named timeline event
  o = sh("sweep " + town + " --steps 3 --replicates 1 -q -o s.h5 --set "
         "'timeline=[{name: cut, week: 2, type: subsidy_cut, size: 0.1}]' --vary timeline.cut.size=0.1,0.5",
         dir);
  EXPECT_EQ(o.code, 0) << o.text;  EXPECT_EQ(o.text.find("changed no outcome"), std::string::npos) << o.text;
  // a varied key that nothing reads: polder draws no sanctions, so their size changes nothing
  o = sh("sweep " + town + " --steps 3 --replicates 1 -q -o s2.h5 --set strategy=polder "
         "--vary response.subsidy_cut=0.1,0.5",
         dir);
  EXPECT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("tegenmacht: warning: varying 'response.subsidy_cut' changed no outcome in any run"),
            std::string::npos)
      << o.text;
}

TEST_F(Cli, ALastingCutAndPerNeighbourhoodRowsInTheTables) {
  // the analysts' town: a 30 % budget cut in week 52 to the foundation that pays every worker
  const std::string town = "'" + kSrc + "/tests/cases/analyst-slips/town.yaml'";
  Out o = sh("compare " + town + " --values polder,coalition --replicates 2 --steps 80", dir);
  ASSERT_EQ(o.code, 0) << o.text;
  // polder draws no sanctions: only the cut moves funding, and it lasts (1 − 0.3)
  const auto row = o.text.find("worker_funding_min [0,1]");
  ASSERT_NE(row, std::string::npos) << o.text;
  EXPECT_EQ(o.text.substr(row, 80).find("0.7 ± 0"), o.text.substr(row, 80).find("0.7")) << o.text.substr(row, 80);
  EXPECT_NE(o.text.substr(row, 80).find("0.7 ± 0"), std::string::npos) << o.text.substr(row, 80);
  // per-neighbourhood rows, by name, with units; the scalar is labelled as their mean in the README
  for (const char* nb : {"oud_west", "de_akkers", "molenkwartier"})
    EXPECT_NE(o.text.find(std::string("concessions_by_neighbourhood_") + nb + " [0,1]"), std::string::npos) << nb;
  EXPECT_NE(o.text.find("legitimacy_gemeente [0,1]"), std::string::npos) << o.text;
  // one neighbourhood of a grouped metric, and their mean when asked for
  o = sh("compare " + town + " --values polder,alinsky --replicates 1 --steps 3 "
         "--metrics concessions_damp_housing:de_akkers,member_by_group:mean",
         dir);
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("concessions_damp_housing_de_akkers [0,1]"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("member_by_group_mean [share]"), std::string::npos) << o.text;
}

TEST_F(Cli, AnalystSlipsAreErrorsOrWarnings) {
  const std::string cases = kSrc + "/tests/cases/analyst-slips/";
  Out o = sh("run '" + cases + "m12_dutch_thousands_dot.yaml' -q --steps 1", dir);
  expect_error(o, "m12_dutch_thousands_dot.yaml:27:33: key 'neighbourhoods.0.size': '12.000' looks like a number "
                  "with a thousands separator");
  o = sh("run '" + cases + "m14_cut_as_percent_30.yaml' -q --steps 1", dir);
  expect_error(o, "key 'timeline.1.size': a subsidy cut is a share of the budget in [0, 1], got 30 (for 30 % write 0.3)");
  for (const char* f : {"m28_cut_on_non_funder.yaml", "m30_forgot_funds.yaml"}) {
    o = sh("run '" + cases + f + "' -q --steps 60 --replicates 1 -o w.h5", dir);
    EXPECT_EQ(o.code, 0) << o.text;
    EXPECT_NE(o.text.find("tegenmacht: warning: "), std::string::npos) << f;
    EXPECT_NE(o.text.find("key 'timeline.1.institution': this subsidy cut changes nothing"), std::string::npos) << o.text;
    fs::remove(dir / "w.h5");
  }
}

TEST_F(Cli, ASignalWhileTheResultsAreWrittenWaitsForAWholeFile) {
  // a quick simulation with a large file (snapshots every step): Ctrl-C arrives during the write
  write("w.yaml",
        "model: threshold\nsteps: 40\npopulation: 200000\nnetwork: {type: erdos_renyi, mean_degree: 4}\n"
        "thresholds: {distribution: uniform, low: 0, high: 0.5, unit: fraction}\n"
        "seeding: {mode: random, count: 1000}\noutput: {snapshot_every: 1}\n");
  for (const char* sig : {"INT", "TERM"}) {
    const Out o = shell("'" + kCli + "' run w.yaml -o w.h5 -q & pid=$!; "
                        "for i in $(seq 1 2000); do [ -e w.h5.partial ] && break; sleep 0.01; done; "
                        "kill -" + std::string(sig) + " $pid; wait $pid; echo rc=$?",
                        dir);
    EXPECT_NE(o.text.find(std::string("rc=") + (std::string(sig) == "INT" ? "130" : "143")), std::string::npos) << o.text;
    EXPECT_NE(o.text.find("w.h5 was written whole first (complete = true)"), std::string::npos) << o.text;
    EXPECT_TRUE(fs::exists(dir / "w.h5"));
    EXPECT_FALSE(fs::exists(dir / "w.h5.partial"));
    fs::remove(dir / "w.h5");
  }
}
