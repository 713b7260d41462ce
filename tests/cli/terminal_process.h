// Runs a command with stdout and stderr on a pseudo-terminal, as a person
// at a terminal sees it: what fti shows only on a terminal (colour, progress
// lines) can be tested. (tests/support/run_command.h captures to files,
// which is what a pipeline sees.)
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/run_command.h"

namespace fti::testing {

struct TerminalRun {
  std::vector<std::string> argv;
  std::vector<std::string> set_env;    // "NAME=value", over the inherited environment
  std::vector<std::string> unset_env;  // names removed from it
  std::chrono::seconds limit{60};
};

// stdout and stderr both land in `out` (a terminal mixes them, and turns
// "\n" into "\r\n"). TERM is xterm unless set_env says otherwise.
inline CommandResult run_on_terminal(const TerminalRun& run) {
  int master = -1, slave = -1;
  struct winsize size {};
  size.ws_row = 40;
  size.ws_col = 200;
  if (::openpty(&master, &slave, nullptr, nullptr, &size) != 0) throw std::runtime_error("openpty failed");

  std::vector<std::string> env_storage = {"TERM=xterm"};
  for (const std::string& e : run.set_env) env_storage.push_back(e);
  const auto dropped = [&](const std::string& entry) {
    const std::string name = entry.substr(0, entry.find('='));
    if (name == "TERM") return true;
    for (const std::string& u : run.unset_env) {
      if (u == name) return true;
    }
    for (const std::string& e : run.set_env) {
      if (e.substr(0, e.find('=')) == name) return true;
    }
    return false;
  };
  for (char** e = environ; *e != nullptr; ++e) {
    if (!dropped(*e)) env_storage.emplace_back(*e);
  }
  std::vector<char*> env;
  for (std::string& e : env_storage) env.push_back(e.data());
  env.push_back(nullptr);
  std::vector<char*> args;
  for (const std::string& a : run.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, slave, 1);
  posix_spawn_file_actions_adddup2(&actions, slave, 2);
  posix_spawn_file_actions_addclose(&actions, slave);
  posix_spawn_file_actions_addclose(&actions, master);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(slave);
  if (rc != 0) {
    ::close(master);
    throw std::runtime_error("cannot run " + run.argv[0]);
  }

  // Read until the child's side closes (EIO on Linux), so it never blocks
  // on a full terminal buffer.
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + run.limit;
  char buf[4096];
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    result.out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(master);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace fti::testing
