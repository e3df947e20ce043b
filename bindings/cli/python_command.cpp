// `tegenmacht report` and `tegenmacht export` are written in Python (pandas,
// matplotlib, Jinja2: tegenmacht/reporting.py); this runs them in the Python the
// package was built for and passes signals and the exit code through.
#include "python_command.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tegenmacht/error.hpp"

#ifndef TEGENMACHT_PYTHON_EXE
#define TEGENMACHT_PYTHON_EXE "python3"
#endif
#ifndef TEGENMACHT_PYTHON_DIR
#define TEGENMACHT_PYTHON_DIR ""
#endif

namespace tegenmacht::cli {

namespace {

volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_signal = 0;

extern "C" void forward(int sig) {
  g_signal = sig;
  if (g_child > 0) ::kill(static_cast<pid_t>(g_child), sig);
}

// Imports the package's entry point; a missing package or library is one clear line.
const char* kBoot =
    "import sys\n"
    "try:\n"
    "    from tegenmacht.reporting import main\n"
    "except ImportError as e:\n"
    "    sys.stderr.write('tegenmacht: error: %s needs the tegenmacht Python package and its libraries (%s); '\n"
    "                     'build it (README, Quick start) or set TEGENMACHT_PYTHON to a Python that has it\\n'\n"
    "                     % (sys.argv[1], e))\n"
    "    sys.exit(2)\n"
    "sys.exit(main(sys.argv[1:]))\n";

}  // namespace

int run_python_command(const std::vector<std::string>& args) {
  const char* chosen = std::getenv("TEGENMACHT_PYTHON");
  const std::string python = chosen && *chosen ? chosen : TEGENMACHT_PYTHON_EXE;
  std::string path = TEGENMACHT_PYTHON_DIR;
  std::error_code ec;
  if (!path.empty() && !std::filesystem::is_directory(path, ec)) path.clear();  // an installed program
  if (const char* old = std::getenv("PYTHONPATH"); old && *old) path = path.empty() ? old : path + ":" + old;

  std::vector<std::string> argv_s{python, "-c", kBoot};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw IoError(python, std::string("cannot start: ") + std::strerror(errno));
  struct sigaction sa {}, old_int{}, old_term{};
  sa.sa_handler = forward;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  const pid_t pid = ::fork();
  if (pid < 0) throw IoError(python, std::string("cannot start: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(fds[0]);
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);
    if (!path.empty()) ::setenv("PYTHONPATH", path.c_str(), 1);
    ::setenv("MPLBACKEND", "Agg", 0);
    ::execvp(argv[0], argv.data());
    const int err = errno;  // tell the parent why exec failed
    (void)!::write(fds[1], &err, sizeof err);
    ::_exit(127);
  }
  g_child = pid;
  ::close(fds[1]);
  int exec_errno = 0;
  const bool exec_failed = ::read(fds[0], &exec_errno, sizeof exec_errno) == static_cast<ssize_t>(sizeof exec_errno);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child = 0;
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (exec_failed)
    throw IoError(python, std::string("cannot run Python for `tegenmacht ") + args.front() + "` (" +
                              std::strerror(exec_errno) + "); install python3 or set TEGENMACHT_PYTHON");
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
  if (g_signal && code == 0) return 128 + g_signal;
  return code;
}

}  // namespace tegenmacht::cli
