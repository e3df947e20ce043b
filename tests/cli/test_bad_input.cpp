// Every kind of bad input and fault, table-driven: the catalogue of
// tests/cases/bad-input/ (inputs that once broke the program) and the kinds
// they stand for. For each: the exit code, the shape of the one error line
// (file:line:column and key, or the option's name) and that no results file
// is left behind. Signals, write failures and memory are below the tables.
#include <gtest/gtest.h>

#include "cli_helpers.hpp"
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {
using tgm_test::kCli;
using tgm_test::kSrc;
using tgm_test::Out;
using tgm_test::shell;
const std::string kCases = kSrc + "/tests/cases/bad-input/";

std::string cli() { return "TEGENMACHT_THREADS=2 '" + kCli + "'"; }

/// The lines of `text` that are not warnings.
std::vector<std::string> non_warning_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("tegenmacht: warning:", 0) != 0) out.push_back(line);
  return out;
}

/// A results file's `complete` attribute and `steps_completed`, read with HDF5 itself.
struct Written {
  bool opened = false;
  int complete = -1;
  std::vector<long long> steps;
};
Written read_written(const fs::path& file) {
  Written w;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return w;
  w.opened = true;
  const hid_t a = H5Aopen(f, "complete", H5P_DEFAULT);
  std::uint8_t c = 0;
  if (a >= 0 && H5Aread(a, H5T_NATIVE_UINT8, &c) >= 0) w.complete = c;
  if (a >= 0) H5Aclose(a);
  const hid_t s = H5Aopen(f, "steps_completed", H5P_DEFAULT);
  if (s >= 0) {
    const hid_t space = H5Aget_space(s);
    w.steps.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    H5Aread(s, H5T_NATIVE_LLONG, w.steps.data());
    H5Sclose(space);
    H5Aclose(s);
  }
  H5Fclose(f);
  return w;
}

struct BadInput : ::testing::Test {
  void SetUp() override {
    dir = fs::temp_directory_path() / ("tgm_bad_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(kCases))
      if (e.path().extension() == ".yaml") fs::copy_file(e.path(), dir / e.path().filename());
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream out(dir / name, std::ios::binary);
    out << text;
  }
  /// Nothing a later run could mistake for results: no .h5 beyond the inputs, no .partial.
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string n = e.path().filename().string();
      if (n.find(".h5") != std::string::npos) out.push_back(n);
    }
    return out;
  }
  /// Exit 2, exactly one line that is not a warning, matching `shape`, and no file.
  void expect_refused(const std::string& args, const std::string& shape) {
    SCOPED_TRACE(args);
    const Out o = shell(cli() + " " + args, dir);
    EXPECT_EQ(o.code, 2) << o.text;
    const auto lines = non_warning_lines(o.text);
    ASSERT_EQ(lines.size(), 1u) << o.text;
    EXPECT_TRUE(std::regex_search(lines[0], std::regex("^tegenmacht: error: " + shape)))
        << "expected the shape\n  tegenmacht: error: " << shape << "\ngot\n  " << lines[0];
    EXPECT_TRUE(leftovers().empty()) << "left behind: " << leftovers().front();
  }
  fs::path dir;
};

struct Case {
  std::string args;
  std::string shape;  ///< a regular expression for what follows "tegenmacht: error: "
};

// The listed cases of tests/cases/bad-input/README.md: each file at its line,
// column and key, in words that say what is wrong.
const std::vector<Case> kListed = {
    {"run y_dup_top.yaml", R"(y_dup_top\.yaml:17:1: key 'steps': given twice \(first on line 16\))"},
    {"run y_null_value.yaml", R"(y_null_value\.yaml:16:1: key 'steps': has no value)"},
    {"run y_model_missing.yaml", R"(y_model_missing\.yaml:1:1: key 'model': required key is missing.*models: .*organizing)"},
    {"run y_deep_flow_seq.yaml", R"(y_deep_flow_seq\.yaml:13:\d+: nested more than 32 levels deep)"},
    {"run y_nul_byte.yaml", R"(y_nul_byte\.yaml:15:8: a control character \(byte 0x00, NUL\))"},
    {"run y_non_utf8_value.yaml", R"(y_non_utf8_value\.yaml:13:17: not valid UTF-8 \(byte 0xE9\))"},
    {"run v_timeline_set_meeting0_polder.yaml",
     R"(v_timeline_set_meeting0_polder\.yaml:48:\d+: key 'timeline\.0\.value': value 0 is out of range \[1, 1000\] \(the range of 'organizing\.meeting_interval'\))"},
    {"run v_timeline_set_patience0.yaml",
     R"(v_timeline_set_patience0\.yaml:48:\d+: key 'timeline\.0\.value': value 0 is out of range .*'tactics\.patience')"},
    {"run v_timeline_set_invite5.yaml",
     R"(v_timeline_set_invite5\.yaml:48:\d+: key 'timeline\.0\.value': value 5 is out of range \[0, 1\])"},
    {"run v_timeline_set_maxlevel9.yaml",
     R"(v_timeline_set_maxlevel9\.yaml:48:\d+: key 'timeline\.0\.value': value 9 is out of range \[0, 4\])"},
    {"run v_timeline_set_case_sample_huge.yaml",
     R"(v_timeline_set_case_sample_huge\.yaml:48:\d+: key 'timeline\.0\.value': value 1e\+12 is out of range)"},
    {"run v_dup_group_names.yaml",
     R"(v_dup_group_names\.yaml:25:12: key 'groups\.1\.name': 'established' is already the name of item 0)"},
    {"run v_dup_issue_names2.yaml",
     R"(v_dup_issue_names2\.yaml:21:12: key 'issues\.1\.name': 'housing' is already the name of item 0)"},
    {"run ba_odd_degree.yaml",
     R"(ba_odd_degree\.yaml:8:47: key 'network\.mean_degree': barabasi_albert needs an even whole mean degree.*got 3; use 2 or 4)"},
};

// The kinds those stand for, in cases nobody listed.
const std::vector<Case> kKinds = {
    // YAML that YAML forbids or that means nothing
    {"run flow_dup.yaml", R"(flow_dup\.yaml:2:30: key 'network\.type': given twice)"},
    {"run nested_null.yaml", R"(nested_null\.yaml:3:3: key 'network\.mean_degree': has no value)"},
    {"run escape_char.yaml", R"(escape_char\.yaml:2:8: a control character \(byte 0x1B\))"},
    {"run two_documents.yaml", R"(two_documents\.yaml:4:1: a second YAML document)"},
    {"run deep_block.yaml", R"(deep_block\.yaml:\d+:\d+: nested more than 32 levels deep)"},
    {"run empty.yaml", R"(empty\.yaml:1:1: key 'model': required key is missing)"},
    {"run nan.yaml", R"(nan\.yaml:2:20: key 'thresholds\.mean': expected a number, got NaN)"},
    {"run hex.yaml", R"(hex\.yaml:2:8: key 'steps': expected an integer, got '0x10')"},
    {"run item_default.yaml", R"(item_default\.yaml:3:18: key 'neighbourhoods\.0\.group_shares': is missing)"},
    {"run profile_sum.yaml", R"(profile_sum\.yaml:48:\d+: key 'timeline\.0\.value': shares of dialogue, organising and coalition must sum to 1 \(they sum to 3\))"},
    {"run tiny.yaml --seed 1 --seed 2", R"(--seed: given more than once)"},
    {"run dup_neighbourhoods.yaml", R"(dup_neighbourhoods\.yaml:\d+:\d+: key 'neighbourhoods\.1\.name': 'estate' is already the name)"},
    {"run /dev/zero", R"(/dev/zero: )"},
    {"run .", R"(\.: is a folder, not a scenario file)"},
    {"run nope.yaml", R"(nope\.yaml: cannot open scenario file)"},
    // values: odd and fractional generator degrees are refused, never changed
    {"run ba_odd_degree.yaml --set network.mean_degree=4.5", R"(--set: key 'network\.mean_degree': barabasi_albert needs an even)"},
    {"run ba_odd_degree.yaml --set network.type=watts_strogatz", R"(ba_odd_degree\.yaml:8:47: key 'network\.mean_degree': watts_strogatz needs an even)"},
    // the command line: the option or command the user typed, one line, exit 2
    {"run tiny.yaml --threads 0", R"(--threads: expected an integer from 1 to 4096, got 0)"},
    {"run tiny.yaml --threads 100000", R"(--threads: expected an integer from 1 to 4096, got 100000)"},
    {"run tiny.yaml --seed -1", R"(--seed: expected an integer from 0 to 18446744073709551615, got '-1')"},
    {"run tiny.yaml --seed abc", R"(--seed: expected an integer from 0 to 18446744073709551615, got 'abc')"},
    {"run tiny.yaml --seed 99999999999999999999", R"(--seed: expected an integer from 0 to 18446744073709551615)"},
    {"run tiny.yaml --replicates 0", R"(--replicates: expected an integer >= 1, got 0)"},
    {"run tiny.yaml --replicates 1e3", R"(--replicates: expected an integer >= 1, got '1e3')"},
    {"run tiny.yaml --steps -1", R"(--steps: expected an integer >= 0, got -1)"},
    {"run tiny.yaml --steps 2.0", R"(--steps: expected an integer >= 0, got '2\.0')"},
    {"run tiny.yaml --foo", R"(unknown option '--foo' for 'run')"},
    {"run tiny.yaml --seeds 3", R"(unknown option '--seeds' for 'run'; did you mean '--seed'\?)"},
    {"run tiny.yaml other.yaml", R"(unexpected argument 'other\.yaml' for 'run')"},
    {"run tiny.yaml --set", R"(--set: needs a value)"},
    {"run tiny.yaml --set steps", R"(--set: expected key=value, got 'steps')"},
    {"run", R"(scenario: give a scenario file)"},
    {"frobnicate tiny.yaml", R"(unknown command 'frobnicate' \(commands: run, compare, sweep, experiment)"},
    {"runn tiny.yaml", R"(unknown command 'runn'; did you mean 'run'\?)"},
    {"", R"(give a command: run, compare)"},
    {"sweep tiny.yaml --vary stepz=1,2", R"(--vary: key 'stepz': unknown key; did you mean 'steps'\?)"},
    {"compare tiny.yaml --baseline nonexistent", R"(--baseline: 'nonexistent' is not one of the compared values)"},
    {"compare tiny.yaml --metrics nope", R"(--metrics: .*unknown metric 'nope')"},
    {"compare tiny.yaml --baseline", R"(--baseline: needs a value)"},
    {"analyse", R"(missing argument: give the results)"},
    // where the results go
    {"run tiny.yaml -o .", R"(\.: is a folder; give the results file's name)"},
    {"run tiny.yaml -o tiny.yaml/x.h5", R"(tiny\.yaml/x\.h5: cannot write results file: Not a directory)"},
    {"run tiny.yaml -o /nonexistent/dir/x.h5", R"(/nonexistent/dir/x\.h5: cannot write results file: No such file or directory)"},
    {"run tiny.yaml -o /dev/null", R"(/dev/null: is not a regular file)"},
    {"run tiny.yaml -o out.h5.partial", R"(-o: 'out\.h5\.partial' ends in \.partial)"},
    {"run tiny.yaml -o tiny.yaml", R"(-o: 'tiny\.yaml' does not end in \.h5)"},
    {"compare tiny.yaml -o tiny.yaml", R"(-o: 'tiny\.yaml' does not end in \.h5)"},
    {"run tiny.yaml --set steps=", R"(--set: key 'steps': has no value)"},
    {"sweep tiny.yaml --vary network.mean_degree=4,4", R"(--vary: key 'network\.mean_degree': the value 4 is given twice)"},
    {"run cr_only.yaml", R"(cr_only\.yaml:1:17: a carriage return without a line feed)"},
    {"run long_number.yaml", R"(long_number\.yaml:2:\d+: key 'steps': .*\.\.\.\(100000 characters\))"},
};

void write_kind_inputs(BadInput& t) {
  t.write("flow_dup.yaml", "model: threshold\nnetwork: {type: erdos_renyi, type: complete}\n");
  t.write("nested_null.yaml", "model: threshold\nnetwork:\n  mean_degree:\n");
  t.write("escape_char.yaml", "model: threshold\nsteps: \x1b[31m5\n");
  t.write("two_documents.yaml", "model: threshold\nsteps: 2\n---\nsteps: 3\n");
  std::string deep = "model: threshold\nx:\n";
  for (int i = 1; i < 40; ++i) deep += std::string(2 * i, ' ') + "- \n";
  t.write("deep_block.yaml", deep);
  t.write("empty.yaml", "");
  t.write("nan.yaml", "model: threshold\nthresholds: {mean: .nan}\n");
  t.write("hex.yaml", "model: threshold\nsteps: 0x10\n");
  t.write("cr_only.yaml", "model: threshold\rsteps: 2\r");
  t.write("long_number.yaml", "model: threshold\nsteps: " + std::string(100000, '9') + "\n");
  t.write("item_default.yaml", "model: organizing\nsteps: 5\nneighbourhoods: [{name: a, size: 10}]\n");
  // the small town with its second neighbourhood renamed to the first's name
  std::ifstream in(t.dir / "tiny.yaml");
  std::stringstream town;
  town << in.rdbuf();
  std::string text = town.str();
  const auto at = text.find("{name: rental");
  text.replace(at, std::string("{name: rental").size(), "{name: estate");
  t.write("dup_neighbourhoods.yaml", text);
  // a timeline `set` of the workers' profile whose shares do not sum to 1
  text = town.str();
  const auto ev = text.find("{week: 20, type: structural, issue: housing, size: 0.15}");
  text.replace(ev, std::string("{week: 20, type: structural, issue: housing, size: 0.15}").size(),
               "{week: 2, type: set, key: workers.profile, value: [1, 1, 1]}");
  t.write("profile_sum.yaml", text);
}

}  // namespace

TEST_F(BadInput, EveryListedCaseIsOneLineAtItsPlaceWithNoFile) {
  for (const auto& c : kListed) expect_refused(c.args + " -o out.h5", c.shape);
}

TEST_F(BadInput, EveryKindBeyondTheListIsOneLineWithNoFile) {
  write_kind_inputs(*this);
  for (const auto& c : kKinds) expect_refused(c.args, c.shape);
}

TEST_F(BadInput, SeedsBeyondDoublePrecisionAreDistinctAndStoredExactly) {
  // 2^53 and 2^53 + 1 are the same double: read through one, the two runs would be one
  ASSERT_EQ(shell(cli() + " run v_seed_2p53.yaml -q -o a.h5", dir).code, 0);
  ASSERT_EQ(shell(cli() + " run v_seed_2p53p1.yaml -q -o b.h5", dir).code, 0);
  auto seed_of = [&](const char* f) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t h = H5Fopen((dir / f).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t a = H5Aopen(h, "seed", H5P_DEFAULT);
    unsigned long long v = 0;
    H5Aread(a, H5T_NATIVE_ULLONG, &v);
    H5Aclose(a);
    H5Fclose(h);
    return v;
  };
  EXPECT_EQ(seed_of("a.h5"), 9007199254740992ULL);
  EXPECT_EQ(seed_of("b.h5"), 9007199254740993ULL);
  // and the simulations differ, not only the stored seeds
  auto series = [&](const char* f) {
    const hid_t h = H5Fopen((dir / f).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(h, "metrics/grievance", H5P_DEFAULT);
    const hid_t space = H5Dget_space(d);
    std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(h);
    return v;
  };
  const auto a = series("a.h5"), b = series("b.h5");
  ASSERT_FALSE(a.empty());
  EXPECT_NE(a, b);
}

TEST_F(BadInput, SignalsAtAnyMomentOfARun) {
  // civil violence on a 150 x 150 grid, 3000 steps, 2 replicates on one thread: the
  // signal comes while replicate 0 runs and replicate 1 has not started
  for (const char* sig : {"INT", "TERM"}) {
    SCOPED_TRACE(sig);
    const std::string out = std::string("sig_") + sig + ".h5";
    const Out o = shell(cli() + " run interrupt_unstarted.yaml --threads 1 -q -o " + out +
                            " & pid=$!; sleep 1.5; kill -" + sig + " $pid; wait $pid; echo rc=$?",
                        dir);
    EXPECT_NE(o.text.find(std::string("rc=") + (sig[0] == 'I' ? "130" : "143")), std::string::npos) << o.text;
    EXPECT_NE(o.text.find("interrupted; " + out + " holds the steps done so far (complete = false)"),
              std::string::npos)
        << o.text;
    const Written w = read_written(dir / out);
    ASSERT_TRUE(w.opened);
    EXPECT_EQ(w.complete, 0);
    ASSERT_EQ(w.steps.size(), 2u);
    EXPECT_GT(w.steps[0], 0);
    EXPECT_LT(w.steps[0], 3000);
    EXPECT_EQ(w.steps[1], 0);
    EXPECT_FALSE(fs::exists(dir / (out + ".partial")));
  }
}

TEST_F(BadInput, AnInterruptedRunNeverReplacesACompleteFile) {
  ASSERT_EQ(shell(cli() + " run tiny.yaml -q -o r.h5", dir).code, 0);
  ASSERT_EQ(read_written(dir / "r.h5").complete, 1);
  const Out o = shell(cli() + " run interrupt_unstarted.yaml --threads 1 -q -o r.h5 & pid=$!; sleep 1.5; "
                              "kill -TERM $pid; wait $pid; echo rc=$?",
                      dir);
  EXPECT_NE(o.text.find("rc=143"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("r.h5 (a complete earlier run) is kept, and r.interrupted.h5 holds the steps done so far"),
            std::string::npos)
      << o.text;
  EXPECT_EQ(read_written(dir / "r.h5").complete, 1);
  EXPECT_EQ(read_written(dir / "r.interrupted.h5").complete, 0);
}

TEST_F(BadInput, SignalsInCompareAndSweepBeforeAnyJobFinished) {
  for (const std::string cmd : {"compare interrupt_unstarted.yaml --key vision.citizen --values 5,7",
                                "sweep interrupt_unstarted.yaml --vary vision.citizen=5,7"}) {
    for (const char* sig : {"INT", "TERM"}) {
      SCOPED_TRACE(cmd + " " + sig);
      const Out o = shell(cli() + " " + cmd + " --threads 1 -q -o c.h5 & pid=$!; sleep 1.5; kill -" + sig +
                              " $pid; wait $pid; echo rc=$?",
                          dir);
      EXPECT_NE(o.text.find(std::string("rc=") + (sig[0] == 'I' ? "130" : "143")), std::string::npos) << o.text;
      EXPECT_NE(o.text.find("interrupted before any job finished; no results file written"), std::string::npos)
          << o.text;
      EXPECT_TRUE(leftovers().empty());
    }
  }
}

TEST_F(BadInput, AFileSizeLimitIsAnErrorNotASignal) {
  // ulimit -f: the kernel sends SIGXFSZ, which would kill the process mid-write
  for (const std::string cmd : {"run tiny.yaml -q -o big.h5", "compare tiny.yaml -q -o big.h5"}) {
    SCOPED_TRACE(cmd);
    const Out o = shell("ulimit -f 20; " + cli() + " " + cmd, dir);
    EXPECT_EQ(o.code, 2) << o.text;
    const auto lines = non_warning_lines(o.text);
    ASSERT_EQ(lines.size(), 1u) << o.text;
    EXPECT_TRUE(std::regex_search(
        lines[0], std::regex(R"(^tegenmacht: error: big\.h5: cannot (write|create) the results file: the file-size )"
                             R"(limit \(ulimit -f\) of \d+ bytes is reached; nothing was written$)")))
        << lines[0];
    EXPECT_TRUE(leftovers().empty());
  }
}

TEST_F(BadInput, AFullDiskIsOneLineAndNoFile) {
  // a 100 kB tmpfs, where the system lets us mount one (root in a container)
  const fs::path small = dir / "small";
  fs::create_directories(small);
  if (shell("mount -t tmpfs -o size=100k tmpfs '" + small.string() + "' 2>/dev/null", dir).code != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here";
  for (const std::string cmd : {"run tiny.yaml -q -o small/x.h5", "compare tiny.yaml -q -o small/x.h5"}) {
    SCOPED_TRACE(cmd);
    const Out o = shell(cli() + " " + cmd, dir);
    EXPECT_EQ(o.code, 2) << o.text;
    const auto lines = non_warning_lines(o.text);
    ASSERT_EQ(lines.size(), 1u) << o.text;
    EXPECT_TRUE(std::regex_search(lines[0], std::regex(R"(^tegenmacht: error: small/x\.h5: .*the disk is full)")))
        << lines[0];
    EXPECT_TRUE(fs::is_empty(small));
  }
  shell("umount '" + small.string() + "'", dir);
}

namespace {
/// Peak resident bytes of the command, measured by the kernel (wait4's rusage).
double peak_bytes(const std::vector<std::string>& args, const fs::path& cwd) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(127);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return static_cast<double>(ru.ru_maxrss) * 1024.0;
}

/// The estimate a refused run states ("needs about 936 MB" / "2.3 GB").
double stated_need(const std::string& text) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(R"(needs about ([0-9.]+) (MB|GB))"))) return -1;
  return std::stod(m[1]) * (m[2] == "GB" ? 1e9 : 1e6);
}
}  // namespace

TEST_F(BadInput, TooBigForMemoryIsRefusedUpFrontWithTheEstimate) {
  if (TGM_SANITIZED) GTEST_SKIP() << "ulimit -v cannot be used under a sanitizer";
  // 10^8 residents do not fit in 3 GB of address space: refused before anything is built
  const auto t0 = std::chrono::steady_clock::now();
  const Out o = shell("ulimit -v 3000000; " + cli() + " run tiny.yaml -q -o m.h5 --set neighbourhoods.0.size=100000000",
                      dir);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_LT(seconds, 5.0) << "refused only after building";
  const auto lines = non_warning_lines(o.text);
  ASSERT_EQ(lines.size(), 1u) << o.text;
  EXPECT_TRUE(std::regex_search(lines[0], std::regex(R"(^tegenmacht: error: tiny\.yaml: this run needs about [0-9.]+ GB )"
                                                     R"(of memory .* but [0-9.]+ (GB|MB) are available)")))
      << lines[0];
  EXPECT_TRUE(leftovers().empty());
  // a population at the top of its range ends in the same line, never in bad_alloc
  const Out p = shell("ulimit -v 3000000; " + cli() + " run ba_odd_degree.yaml -q -o m.h5 --set network.mean_degree=4 "
                                                       "--set population=4294967295",
                      dir);
  EXPECT_EQ(p.code, 2) << p.text;
  EXPECT_NE(p.text.find("this run needs about"), std::string::npos) << p.text;
}

TEST_F(BadInput, TheMemoryEstimateMatchesTheMeasuredPeak) {
  if (TGM_SANITIZED) GTEST_SKIP() << "ulimit -v cannot be used under a sanitizer, and it measures other peaks";
  // each model's estimate (stated when the run is refused) against the peak the kernel
  // measures for the same run, less the program's own: within [0.7, 1.6] of it, so that a run that fits is not
  // refused and one that does not is
  struct Probe {
    std::string file;
    std::vector<std::string> sets;
  };
  const std::string ref = kSrc + "/scenarios/reference/";
  // sizes whose estimates exceed the 200 MB limit below
  const std::vector<Probe> probes = {
      {"tiny.yaml",
       {"neighbourhoods.0.size=250000", "neighbourhoods.1.size=250000", "neighbourhoods.2.size=250000",
        "neighbourhoods.3.size=250000", "replicates=1", "steps=1"}},
      {"ba_odd_degree.yaml", {"population=2000000", "network.type=erdos_renyi", "network.mean_degree=12"}},
      {ref + "deffuant.yaml", {"population=12000000", "steps=1"}},
      {ref + "hegselmann_krause.yaml", {"population=4000000", "steps=1"}},
      {ref + "epstein_run1.yaml", {"width=3000", "height=3000", "steps=1"}},
  };
  // what the program takes before any model is built (libraries, thread pool): the
  // estimate is of what comes on top, which is what the available memory must hold
  const double base = peak_bytes({kCli, "run", "tiny.yaml", "-q", "-o", "b.h5", "--threads", "1", "--set",
                                  "replicates=1", "--set", "steps=1"},
                                 dir);
  ASSERT_GT(base, 0);
  for (const auto& pr : probes) {
    SCOPED_TRACE(pr.file);
    std::string sets;
    std::vector<std::string> args{kCli, "run", pr.file, "-q", "-o", "p.h5", "--threads", "1"};
    for (const auto& s : pr.sets) {
      sets += " --set " + s;
      args.push_back("--set");
      args.push_back(s);
    }
    // under a 200 MB address-space limit every probe is refused before it is built,
    // stating its estimate
    const Out refused = shell("ulimit -v 200000; " + cli() + " run '" + pr.file + "' -q -o p.h5 --threads 1" + sets, dir);
    const double need = stated_need(refused.text);
    ASSERT_GT(need, 0) << refused.text;
    const double peak = peak_bytes(args, dir) - base;
    ASSERT_GT(peak, 0);
    EXPECT_GE(need, 0.7 * peak) << "estimate " << need << " B, measured peak " << peak << " B";
    EXPECT_LE(need, 1.6 * peak) << "estimate " << need << " B, measured peak " << peak << " B";
  }
}
