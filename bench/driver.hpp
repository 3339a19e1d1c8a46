// bench/driver.hpp - the driver side of the worker-process design (bench/common.hpp): start a peer's
// worker under a given thread environment, talk the line protocol, and keep one worker per thread
// setting so that every repetition can try each setting and the benchmark can report the peer at its
// best (issue 16). Framework-free like common.hpp; used by train_throughput and cnn_throughput.
#pragma once

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace bench {

// One worker process: its executable, the data file and "K=V ..." added to (or replacing in) the
// driver's environment.
class Worker {
 public:
  Worker(const std::string& name, const std::string& exe, const std::string& data_file, const std::string& env)
      : name_(name), env_(env) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("bench: pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    posix_spawn_file_actions_addclose(&actions, to_child[1]);
    posix_spawn_file_actions_addclose(&actions, from_child[0]);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::istringstream extra(env);
    for (std::string kv; extra >> kv;) {
      const std::string key = kv.substr(0, kv.find('=') + 1);
      std::erase_if(env_strings, [&](const std::string& s) { return s.rfind(key, 0) == 0; });
      env_strings.push_back(kv);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string exe_copy = exe, data_copy = data_file;
    char* argv[] = {exe_copy.data(), data_copy.data(), nullptr};
    if (posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv, envp.data()) != 0)
      throw std::runtime_error("bench: cannot start " + exe);
    posix_spawn_file_actions_destroy(&actions);
    close(to_child[0]);
    close(from_child[1]);
    in_ = fdopen(to_child[1], "w");
    out_ = fdopen(from_child[0], "r");
    description_ = read_line();
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker() {
    std::fprintf(in_, "quit\n");
    std::fflush(in_);
    std::fclose(in_);
    std::fclose(out_);
    waitpid(pid_, nullptr, 0);
  }
  std::string request(const std::string& line) {
    std::fprintf(in_, "%s\n", line.c_str());
    std::fflush(in_);
    return read_line();
  }
  // Samples per second of one training run.
  double train(const std::string& net, std::size_t batch, std::size_t steps, std::uint64_t seed) {
    std::istringstream r(request("train " + net + " " + std::to_string(batch) + " " + std::to_string(steps) + " " +
                                 std::to_string(seed)));
    double seconds = 0;
    std::size_t samples = 0;
    r >> seconds >> samples;
    if (!(seconds > 0)) throw std::runtime_error("bench: worker " + name_ + " answered no time");
    return double(samples) / seconds;
  }
  // Seconds per sample of `count` evaluation-mode forward passes of `batch` samples each.
  double infer(std::size_t count, std::size_t batch) {
    return std::stod(request("infer " + std::to_string(count) + " " + std::to_string(batch)));
  }
  const std::string& description() const { return description_; }
  const std::string& name() const { return name_; }
  const std::string& env() const { return env_; }

 private:
  std::string read_line() {
    char buf[4096];
    if (!std::fgets(buf, sizeof buf, out_)) throw std::runtime_error("bench: worker " + name_ + " died");
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  std::string name_, env_, description_;
  pid_t pid_ = 0;
  std::FILE* in_ = nullptr;
  std::FILE* out_ = nullptr;
};

// The thread settings a peer is tried at: OPENBLAS_NUM_THREADS x OMP_NUM_THREADS in {1, 2} (the
// machine's cores), plus SG_BENCH_TORCH_THREADS (torch::set_num_threads in the LibTorch workers) equal
// to OMP_NUM_THREADS. `spec` is ';'-separated "K=V ..." settings; empty means these four.
inline std::vector<std::string> thread_settings(const std::string& spec) {
  std::vector<std::string> out;
  if (spec.empty()) {
    for (int omp : {1, 2})
      for (int blas : {1, 2})
        out.push_back("OPENBLAS_NUM_THREADS=" + std::to_string(blas) + " OMP_NUM_THREADS=" + std::to_string(omp) +
                      " SG_BENCH_TORCH_THREADS=" + std::to_string(omp));
    return out;
  }
  std::stringstream ss(spec);
  for (std::string item; std::getline(ss, item, ';');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// A peer: one worker per thread setting, all started once (they idle, blocked on their pipe, while
// another runs).
struct Peer {
  std::string name;
  std::vector<std::unique_ptr<Worker>> workers;

  Peer(const std::string& name_, const std::filesystem::path& exe, const std::string& data_file,
       const std::vector<std::string>& settings)
      : name(name_) {
    for (const auto& s : settings) workers.push_back(std::make_unique<Worker>(name_, exe.string(), data_file, s));
  }
  std::size_t size() const { return workers.size(); }
};

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Index of the largest median.
inline std::size_t best_of(const std::vector<std::vector<double>>& per_setting) {
  std::size_t best = 0;
  for (std::size_t k = 1; k < per_setting.size(); ++k)
    if (median(per_setting[k]) > median(per_setting[best])) best = k;
  return best;
}

inline std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(std::stoul(item));
  return out;
}

// The 1-minute load average, printed beside every figure (the machine is shared).
inline double load_average() {
  std::ifstream f("/proc/loadavg");
  double l = -1;
  f >> l;
  return l;
}

// "OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 SG_BENCH_TORCH_THREADS=2" -> "blas=2,omp=2".
inline std::string short_setting(const std::string& env) {
  std::string out;
  std::istringstream in(env);
  for (std::string kv; in >> kv;) {
    const auto eq = kv.find('=');
    std::string key = kv.substr(0, eq), val = kv.substr(eq + 1);
    if (key == "SG_BENCH_TORCH_THREADS") continue;
    if (key == "OPENBLAS_NUM_THREADS") key = "blas";
    else if (key == "OMP_NUM_THREADS") key = "omp";
    out += (out.empty() ? "" : ",") + key + "=" + val;
  }
  return out.empty() ? "inherited" : out;
}

}  // namespace bench
