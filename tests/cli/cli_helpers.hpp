// Shared by the command-line test suites: where the sources and the program
// are, running a shell command in a folder, and whether this is a sanitizer
// build (everything runs several times slower and allocates through the
// sanitizer's own allocator, which also reserves terabytes of address space).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TGM_SANITIZED 1
#else
#define TGM_SANITIZED 0
#endif

namespace tgm_test {

inline const std::string kSrc = TEGENMACHT_SOURCE_DIR;
inline const std::string kCli = TEGENMACHT_CLI;

struct Out {
  int code;          ///< exit code, or 128 + the signal that ended the shell
  std::string text;  ///< stdout + stderr
};

/// Runs a shell command in `cwd`; stdout and stderr together.
inline Out shell(const std::string& command, const std::filesystem::path& cwd) {
  const std::string cmd = "cd '" + cwd.string() + "' && { " + command + " ; } 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string text;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) text.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text};
}

}  // namespace tgm_test
